"""Grading a whole class on nbgrader, so that no student can cheat, through a whole term.

The grading engine, one module per step:

- `collect`: find each student's notebooks (folders, zips, nbgrader's submitted/ layout);
- `source`: read the instructor's notebooks (exercises, written answers, hidden tests, read-only cells);
- `sandbox`: the sandbox seen from the grader: bubblewrap behind an unprivileged uid, jobs, kills;
- `zygote`: inside the sandbox: the warm parent every job is forked from, in fresh namespaces;
- `stubs`: the notebook's own reference modules, stubbed out while it is graded;
- `worker`: runs inside the sandbox: executes the student's cells, calls their functions;
- `wire`: the framed messages between grader and worker (plain, bounded data from the worker);
- `session`: the grader's client of one job: a request, then its one reply, never waiting forever;
- `proxy`: the student's functions as the checks see them: calls into the sandbox, plain data back;
- `verdict`: the grader's side: runs the source's tests with its own checks against the worker;
- `autograde`: the whole run: parallel, resumable, with a progress bar and a summary.

The term around it (see docs/instructors.md):

- `records`: Status, ExerciseResult, Record and the resume state (OUT/.state/);
- `options`: every option checked before grading; the resume key; the CPUs to use;
- `manual`: written answers graded by hand; the autograded notebooks formgrader shows;
- `coursefolder`: OUT as an nbgrader course folder; `formgrader`: `nncourse formgrader OUT`;
- `gradebook`: nbgrader's gradebook, written as nbgrader writes it and read back (a TA's grades);
- `roster`: the class from a Canvas gradebook export or a CSV; `lms`: LMS downloads (`nncourse collect`);
- `late`: due dates and late penalties; `term`: every result, grade and penalty of a grading folder;
- `report`: scores.csv, grades.csv, canvas.csv, gradescope/; `feedback`: the students' pages and zips;
- `publish`: what `autograde`, `export` and `feedback` write; `cli`: the `nncourse` subcommands.
"""
