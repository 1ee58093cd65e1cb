"""The verdict, computed in the grader's own process where student code cannot reach.

For one submitted notebook a sandboxed job (`session`) runs the student's cells, then for each
exercise the grader executes the SOURCE notebook's test cell (visible and hidden tests) with its
own trusted `nncourse.checks.check` and numpy; the names it reads from the student are proxies
(`proxy`) that call into the sandbox.

Statuses: passed, failed, not attempted (the function still raises NotImplementedError, as the
untouched stub does), error (the submission could not be graded), timeout, crashed, missing,
tampered (the job broke the grader's protocol), forbidden (the exercise's code calls this
notebook's reference).

Faults and who pays for them:
- the student's code stops at a soft limit and the job lives on; the function that was running is
  not run again (it fails at once), so one endless loop costs one timeout;
- a job that dies or ignores its limit is killed; a fault in a student's cell costs that cell's
  exercise, and the notebook is re-run without the cell for the exercises that follow;
- a fault in one of the notebook's own cells is the grader's problem, never the student's: the job
  is re-run once in a fresh sandbox; a read-only (set-up) cell that faults again makes every
  exercise left `error`, saying so; a demonstration cell that faults again is skipped.
"""
from __future__ import annotations

import builtins
import contextlib
import io
import time
from dataclasses import dataclass

import numpy as np

from .proxy import CallTimedOut, Forbidden, StudentNames
from .records import ExerciseResult, Status
from .sandbox import Slot
from .session import GraderError, Session, Tampered, WorkerFault, bounded
from .source import CellPlan, Exercise, PlannedCell, SourceNotebook

__all__ = ["ExerciseResult", "GraderError", "Timeouts", "grade_notebook", "reference_use_message"]


def reference_use_message(exercise: str, names) -> str:
    """The message for an exercise whose code calls the reference: the local check's, word for word."""
    from nncourse.checks import reference_use_message as message
    return message(exercise, names)


@dataclass
class Timeouts:
    cell: float = 60.0        # seconds per notebook cell (as c.ExecutePreprocessor.timeout)
    exercise: float = 30.0    # seconds for all the calls one exercise's tests make
    notebook: float = 600.0   # seconds for the whole notebook, restarts included
    startup: float = 60.0     # seconds for a job to start


class InstructorCellFault(Exception):
    """One of the notebook's own read-only cells failed twice, in two fresh sandboxes."""

    def __init__(self, cell: PlannedCell, why: str):
        super().__init__(why)
        self.cell = cell
        self.why = why


def describe_cell(cell: PlannedCell) -> str:
    """A cell as the student finds it in JupyterLab: its exercise, or its position and first line."""
    if cell.kind == "solution":
        return f"your {cell.grade_id} cell"
    if isinstance(cell.label, str):
        return f"the notebook's read-only cell {cell.grade_id!r}"
    start = f' ("{cell.first_line}")' if cell.first_line else ""
    if cell.kind == "added":
        return f"your cell {cell.label}{start}"
    if cell.kind == "setup":
        return f"the notebook's set-up cell {cell.label}{start}"
    return f"the notebook's cell {cell.label}{start}"


def _trusted_check():
    from nncourse.checks import check
    return check


class _Run:
    """The state of grading one notebook across the jobs it takes (a new job after a fault)."""

    def __init__(self, source: SourceNotebook, plan: CellPlan, slot: Slot, files: dict[str, bytes],
                 setup: dict, timeouts: Timeouts):
        self.source, self.plan, self.slot, self.files = source, plan, slot, files
        self.setup, self.timeouts = setup, timeouts
        self.deadline = time.monotonic() + timeouts.notebook
        self.cells = plan.to_run()
        self.by_label = {f"<cell {cell.label}>": cell for cell in plan.cells}
        self.sources = {f"<cell {cell.label}>": cell.code for cell in plan.cells}
        self.solution_cell = {cell.grade_id: cell for cell in plan.cells if cell.kind == "solution"}
        self.notes: list[str] = list(plan.notes)
        self.skipped: dict[int | str, WorkerFault] = {}     # cells left out of re-runs, and why
        self.instructor_faults: dict[int | str, int] = {}
        self.poisoned: dict[str, str] = {}                  # functions that timed out: not run again
        self.outcomes: dict[int | str, tuple] = {}          # label -> (outcome, message, where) of its last run
        self.session: Session | None = None

    # -- jobs
    def boot(self) -> Session:
        while True:
            session = Session(self.slot, self.source.name, self.files, self.deadline, self.timeouts.startup)
            session.sources = self.sources
            try:
                ready = session.request("setup", dict(self.setup, poisoned=self.poisoned),
                                        timeout=self.timeouts.startup)
            except WorkerFault as fault:
                raise GraderError(f"the sandboxed worker did not start ({fault.message})") from None
            if ready != ("ready",):
                session.close()
                raise GraderError("the sandboxed worker did not start")
            cell = None
            try:
                for cell in self.cells:
                    if cell.label in self.skipped:
                        continue
                    reply = session.request("run", cell.label, cell.code, timeout=self.timeouts.cell,
                                            soft=self.timeouts.cell)
                    self._ran(cell, reply)
                self.session = session
                return session
            except WorkerFault as fault:
                if time.monotonic() >= self.deadline:
                    raise
                self._cell_fault(cell, fault)

    def _ran(self, cell: PlannedCell, reply: tuple) -> None:
        if not (len(reply) == 4 and reply[0] == "ran"):
            raise Tampered("the worker answered a cell with something else")
        outcome, message, where = reply[1], bounded(reply[2]), reply[3]
        self.outcomes[cell.label] = (outcome, message, where)
        if outcome == "timeout":
            name = message.split(" ")[0]
            if name.isidentifier():
                self.poisoned.setdefault(name, message)
        if (outcome == "error" and not cell.students and self._raised_in_instructor_code(where)
                and cell.kind == "setup"):
            self._instructor_fault(cell, WorkerFault(Status.ERROR, f"raised {message}"))

    def _raised_in_instructor_code(self, where) -> bool:
        culprit = self.by_label.get(where[0]) if isinstance(where, tuple) and where else None
        return culprit is None or not culprit.students

    def _cell_fault(self, cell: PlannedCell | None, fault: WorkerFault) -> None:
        if fault.culprit:
            self.poisoned.setdefault(fault.culprit, fault.message)
        if cell is None:
            raise fault
        if cell.students:
            self.skipped[cell.label] = fault
            self.notes.append(f"{describe_cell(cell)}: {fault.status}: {fault.message}; "
                              "the notebook was run again without it")
            return
        if fault.culprit:   # the notebook's cell was running the student's function: theirs
            self.skipped[cell.label] = fault
            return
        self._instructor_fault(cell, fault)

    def _instructor_fault(self, cell: PlannedCell, fault: WorkerFault) -> None:
        count = self.instructor_faults[cell.label] = self.instructor_faults.get(cell.label, 0) + 1
        if count < 2:
            if self.session is not None:
                self.session.close()
                self.session = None
            raise _Retry()
        if cell.kind == "setup":
            raise InstructorCellFault(cell, f"{fault.status}: {fault.message}")
        self.skipped[cell.label] = fault

    def close(self) -> None:
        if self.session is not None:
            self.session.close()
            self.session = None


class _Retry(Exception):
    """Run the notebook again in a fresh sandbox (one of its own cells faulted once)."""


def grade_notebook(source: SourceNotebook, plan: CellPlan, slot: Slot, files: dict[str, bytes], setup: dict,
                   timeouts: Timeouts) -> tuple[list[ExerciseResult], list[str]]:
    """Grade one submitted notebook; returns one result per exercise of `source`, and notes."""
    run = _Run(source, plan, slot, files, setup, timeouts)
    results: list[ExerciseResult] = []
    trusted_check = _trusted_check()
    try:
        for exercise in source.exercises:
            results.append(_grade_exercise(run, exercise, trusted_check))
    except InstructorCellFault as fault:
        why = (f"{describe_cell(fault.cell)} of the notebook failed twice in a fresh sandbox ({fault.why}); "
               "this is not your mistake: your instructor will look into it")
        done = {r.exercise for r in results}
        results += [ExerciseResult(e.name, 0.0, e.points, Status.ERROR, why)
                    for e in source.exercises if e.name not in done]
        return results, run.notes
    finally:
        run.close()
    run.notes += _cell_notes(run)
    return results, run.notes


def _grade_exercise(run: _Run, exercise: Exercise, trusted_check) -> ExerciseResult:
    def result(status: Status, message: str, score: float = 0.0, mistake: str = "") -> ExerciseResult:
        return ExerciseResult(exercise.name, score, exercise.points, status, bounded(message, 4000), mistake)

    cell = run.solution_cell.get(exercise.name)
    if cell is not None and cell.label in run.skipped:
        fault = run.skipped[cell.label]
        return result(fault.status, f"{describe_cell(cell)} {fault.message}")
    if cell is not None and cell.label in run.outcomes:
        outcome, message, _where = run.outcomes[cell.label]
        if outcome == "timeout":
            return result(Status.TIMEOUT, f"{describe_cell(cell)}: {message}")
        if outcome == "forbidden":
            return result(Status.FORBIDDEN, reference_use_message(exercise.name, [message]))
    for label, (outcome, message, _where) in run.outcomes.items():
        if outcome == "forbidden" and message.rsplit(".", 1)[-1] == exercise.name and run.by_label.get(
                f"<cell {label}>", cell) is not None and run.by_label[f"<cell {label}>"].students:
            return result(Status.FORBIDDEN, reference_use_message(exercise.name, [message]))
    if exercise.name in run.poisoned:
        return result(Status.TIMEOUT, f"{exercise.name}: {run.poisoned[exercise.name]}")
    for _attempt in range(3):
        if time.monotonic() >= run.deadline:
            return result(Status.TIMEOUT, f"the notebook used up its {run.timeouts.notebook:g} s")
        try:
            session = run.session or run.boot()
            graded = _run_tests(session, exercise, trusted_check, run, cell)
        except _Retry:
            continue
        except WorkerFault as fault:   # the job was killed or died during this exercise's tests
            run.close()
            if fault.culprit or fault.status == "timeout":
                run.poisoned.setdefault(fault.culprit or exercise.name, fault.message)
            return result(fault.status, f"{exercise.name}: {fault.message}")
        if graded.status in (Status.CRASHED, Status.TAMPERED):
            run.close()
        return graded
    return result(Status.ERROR, f"{exercise.name}: the sandbox had to be restarted too often")


def _run_tests(session: Session, exercise: Exercise, trusted_check, run: _Run,
               cell: PlannedCell | None) -> ExerciseResult:
    """Execute the source's test cell for `exercise` in the grader, against the sandboxed functions."""
    started = time.monotonic()
    budget_end = started + run.timeouts.exercise
    stubs = []   # (exception type, where) the exercise's own function raised

    def budget() -> float:
        return min(budget_end, run.deadline) - time.monotonic()

    def on_raise(type_name, where) -> None:
        stubs.append((type_name, where))

    names = StudentNames(session, {"__builtins__": builtins, "__name__": "__grader__", "check": trusted_check,
                                   "np": np, "numpy": np}, budget, on_raise)
    printed = io.StringIO()
    code = compile(exercise.test_source, f"<tests of {exercise.name}>", "exec")

    def result(status: Status, message: str, score: float = 0.0, mistake: str = "") -> ExerciseResult:
        return ExerciseResult(exercise.name, score, exercise.points, status, bounded(message, 4000), mistake)

    try:
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
            exec(code, names)
    except CallTimedOut as timed_out:
        run.poisoned.setdefault(timed_out.culprit or exercise.name, timed_out.message)
        return result(Status.TIMEOUT, f"{exercise.name}: {timed_out.message}")
    except Tampered as tampered:
        return result(Status.TAMPERED, f"{exercise.name}: {tampered.message}")
    except WorkerFault:
        raise
    except Forbidden as forbidden:
        return result(Status.FORBIDDEN, reference_use_message(exercise.name, forbidden.names))
    except NameError as error:
        message = f"{exercise.name}: {error} in your notebook."
        outcome = run.outcomes.get(cell.label) if cell is not None else None
        if outcome and outcome[0] == "error":
            message += f" Your cell raised {outcome[1]}."
        return result(Status.FAILED, message, mistake="other")
    except AssertionError as error:
        text = str(error) or f"{exercise.name}: a hidden test failed."
        mistake = str(getattr(error, "mistake", None) or "other")
        if mistake == "not-implemented" or _not_attempted(stubs, cell):   # the released stub, untouched
            return result(Status.NOT_ATTEMPTED, text if mistake == "not-implemented" else
                          f"{exercise.name}: not attempted (your function still raises NotImplementedError)")
        return result(Status.FAILED, text, mistake=mistake)
    except Exception as error:
        if _not_attempted(stubs, cell):
            return result(Status.NOT_ATTEMPTED, f"{exercise.name}: not attempted (your function still raises "
                                           "NotImplementedError)")
        return result(Status.FAILED, f"{exercise.name}: {type(error).__name__}: {error}", mistake="other")
    lines = [line for line in printed.getvalue().splitlines() if line.strip()]
    return result(Status.PASSED, lines[-1] if lines else f"{exercise.name}: passed", exercise.points)


def _not_attempted(raised: list, cell: PlannedCell | None) -> bool:
    """The exercise's own cell raised NotImplementedError: the stub, untouched."""
    return cell is not None and any(type_name == "NotImplementedError" and isinstance(where, tuple) and where
                                    and where[0] == f"<cell {cell.label}>" for type_name, where in raised)


def _cell_notes(run: _Run) -> list[str]:
    """What the student should know about their cells' runs (the notebook's own cells stay quiet)."""
    notes = []
    for cell in run.cells:
        outcome = run.outcomes.get(cell.label)
        if outcome is None or outcome[0] == "ok":
            continue
        kind, message, where = outcome
        culprit = run.by_label.get(where[0]) if isinstance(where, tuple) and where else None
        if not cell.students and (culprit is None or not culprit.students):
            continue   # the notebook's own cell, failing on its own (a demo without the reference)
        if kind == "forbidden":
            notes.append(f"{describe_cell(cell)}: " + reference_use_message(
                cell.grade_id or "this cell", [message]).split(": ", 1)[1].replace("\n  ", "; "))
            continue
        if isinstance(where, tuple) and len(where) == 2 and culprit is not None:
            place = f" ({describe_cell(culprit)}, line {where[1]})" if culprit is not cell else f" (line {where[1]})"
        else:
            place = ""
        message = message.rsplit(" (cell ", 1)[0] if " (cell " in message else message
        notes.append(f"{describe_cell(cell)} raised {message}{place}")
    return notes
