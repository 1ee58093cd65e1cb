"""Grading a whole class on nbgrader, so that no student can cheat: `nncourse autograde/feedback/export`.

One module per step of the pipeline:

- `collect`: find each student's notebooks (folders, zips, nbgrader's submitted/ layout);
- `source`: read the instructor's notebooks (exercises, hidden tests, read-only cells);
- `sandbox`: start an isolated worker (unprivileged user, namespaces, limits, clean environment);
- `worker`: runs inside the sandbox: executes the student's cells, calls their functions;
- `wire`: the framed messages between grader and worker (plain data only from the worker);
- `verdict`: the grader's side: runs the source's tests with its own checks against the worker;
- `gradebook`: records the scores in nbgrader's gradebook (any SQLAlchemy URL);
- `report`: scores.csv, grades.csv, canvas.csv, gradescope.csv and the feedback HTML;
- `autograde`: the whole run: parallel, resumable, with a progress bar and a summary;
- `cli`: the `nncourse autograde / feedback / export` subcommands.
"""
