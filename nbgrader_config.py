"""nbgrader's configuration for nncourse (loaded by every `nbgrader` command run from this folder).

Layout: the course is ONE nbgrader assignment whose id is "." and whose eight notebooks lie directly
in a folder, so nbgrader's usual `{step}/{student}/{assignment}` paths become

    solutions/<notebook>.ipynb                  source (instructor notebooks, the single source)
    notebooks/<notebook>.ipynb                  release (student notebooks; never edit by hand)
    submitted/<student>/<notebook>.ipynb        a student's submission
    autograded/<student>/...  feedback/<student>/...

Commands that work from the repository root (put .venv/bin first on PATH: nbgrader runs `alembic`):

    nncourse release                  regenerate notebooks/ (nbgrader generate_assignment in a temporary
                                      course folder, then byte-stable normalisation; see nncourse/release.py)
    nbgrader generate_assignment --force      the same without normalisation; writes gradebook.db here
    nbgrader validate solutions/01_the_neuron.ipynb
    nbgrader db student add alice  &&  nbgrader autograde --force  &&  nbgrader generate_feedback --force
    nbgrader export                   grades.csv (the assignment column reads ".")

Pass `--assignment NAME` only in a course folder laid out the ordinary way (source/NAME/...).
"""
c = get_config()  # noqa: F821  (traitlets injects get_config into config files)

# ---- where things are -------------------------------------------------------------------------
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"
c.CourseDirectory.assignment_id = "."
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
c.ClearOutput.enabled = True
c.ClearHiddenTests.enabled = True

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
