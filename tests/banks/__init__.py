"""Banks of implementations the checks must judge rightly, one module per course idea.

Each module lists, as data:
- WRONG: (exercise, function, text the failure message must contain): realistic mistakes; the text
  is the named mistake (its fact or hint) wherever the check names one.
- WRONG_HIDDEN: the same, for mistakes only the hidden edge cases can catch.
- CORRECT: (exercise, function): right answers written another way (loops, np.dot, float32 ...).
Every function is module-level, so that it can be pickled: the grader calls students' functions in
another process (see proxy.py). Adding a case is one line in a list.
"""
