"""nbgrader's configuration for nncourse (loaded by every `nbgrader` command run from this folder).

Layout: nbgrader's standard course layout with ONE ASSIGNMENT PER NOTEBOOK. The assignment id is
the notebook's name (`01_the_neuron`, ...), so a term can release and collect one notebook a week,
each with its own due date:

    solutions/<assignment>/<assignment>.ipynb             source: model answers and hidden tests (the single source)
    notebooks/<assignment>/<assignment>.ipynb             release: the student notebooks (never edit by hand)
    submitted/<student>/<assignment>/<assignment>.ipynb   nbgrader's collected submissions
    autograded/<student>/<assignment>/...   feedback/<student>/<assignment>/...

An assignment folder may also hold data files and figures its notebook reads; they are released with it.
Commands that work from the repository root (put .venv/bin first on PATH: nbgrader runs `alembic`):

    nncourse release                                regenerate every notebooks/<assignment>/ (byte-stable)
    nbgrader generate_assignment 01_the_neuron      the same for one assignment, without normalisation
    nbgrader validate solutions/01_the_neuron/01_the_neuron.ipynb
    nbgrader autograde 01_the_neuron  &&  nbgrader generate_feedback 01_the_neuron  &&  nbgrader export
    nbgrader release_assignment 01_the_neuron       (with an exchange: see the instructors' guide)
"""
c = get_config()  # noqa: F821  (traitlets injects get_config into config files)

# ---- where things are -------------------------------------------------------------------------
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"
# Files never copied between steps: a student's own numpy.py (or any .py, compiled module or path
# hook) next to a submitted notebook must not shadow the real packages during autograde.
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints",
    "__pycache__",
    "*.py",
    "*.pyc",
    "*.pyo",
    "*.so",
    "*.pyd",
    "*.pth",
    "*.egg-info",
    "feedback",
]

# ---- generate_assignment ----------------------------------------------------------------------
c.ClearSolutions.code_stub = {
    "python": '# YOUR CODE HERE\nraise NotImplementedError("not implemented yet: replace this line with your code")',
}
# A written answer (a markdown cell with `solution: true, grade: true`) is released with this text;
# a TA grades it by hand in formgrader. An unchanged stub counts as "not attempted".
c.ClearSolutions.text_stub = "Write your answer here (a TA grades it by hand)."
c.ClearOutput.enabled = True
c.ClearHiddenTests.enabled = True

# ---- due dates and late work ------------------------------------------------------------------
# Due dates are nbgrader's, per assignment in the gradebook: `nncourse duedate OUT ASSIGNMENT DATE`,
# formgrader's Manage Assignments, or `nbgrader db assignment add ASSIGNMENT --duedate=DATE`.
# The late policy applies to nbgrader's own autograde and to every nncourse export and feedback page:
# none, zero, "10%/day", "2%/hour", "10%/day max 50%" (a share of the score earned, per started day or hour).
c.AssignLatePenalties.plugin_class = "nncourse.grading.late.LatePenalty"
c.LatePenalty.policy = "none"

# ---- autograde --------------------------------------------------------------------------------
# Re-insert graded cells a student deleted, and restore edited ones (credit stays per exercise).
c.OverwriteCells.add_missing_cells = True
# A cell that runs longer than this is interrupted and scores 0; grading goes on.
c.ExecutePreprocessor.timeout = 60
c.Execute.timeout = 60
# Any stderr in a graded cell scores it 0, so drop the stderr that says nothing about the answer:
# library deprecation notices, matplotlib's one-off font cache message, tqdm progress bars and the
# kernel's own start-up chatter. RuntimeWarnings (overflow, invalid value) are NOT ignored: they
# point at the student's code, and the checks report them.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = (
    r"DeprecationWarning|PendingDeprecationWarning|FutureWarning"
    r"|Matplotlib is building the font cache"
    r"|UserWarning: .*(FigureCanvasAgg|non-interactive|[Gg]lyph|font)"
    r"|\d+%\|"  # tqdm progress bar
    r"|\[IPKernelApp\]|Kernel is running over TCP"
)

# ---- validate ---------------------------------------------------------------------------------
# `nbgrader validate` cuts each line of a failing cell's error at `width` - 3 characters. A check's
# first line is at most 80 characters and follows "CheckFailure: " and an indent: let it show whole.
c.Validator.width = 102
