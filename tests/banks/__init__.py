"""Banks of implementations the checks must judge rightly, one module per course idea.

Each module lists, as data:
- WRONG: (exercise, function, text the failure message must contain, mistake id): realistic
  mistakes; the text is the named mistake (its fact or hint) wherever the check names one, and the
  id is the `CheckFailure.mistake` the check must report (None when it names no known mistake).
  The public check must reject every one of them: there is no mistake only hidden tests catch.
- CORRECT: (exercise, function): right answers written another way (loops, np.dot, float32 ...).
Every function is module-level, so that it can be pickled: the grader calls students' functions in
another process (see proxy.py). Adding a case is one line in a list. `answers.py` loads the model
answers of solutions/ as a student's code; `measure.py` prints the banks' kill rate and false rejects.
"""
