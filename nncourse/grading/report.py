"""The CSVs a grading folder holds, written from the term's grades (`term.load_term`).

    OUT/scores.csv           student_id,notebook,exercise,score,max_score,status,mistake,message
                             one row per exercise and written answer, every status kept
    OUT/grades.csv           student_id,name,email,<one column per notebook>,total,max_score,
                             late_penalty,pending: notebook scores after the late penalty; `pending`
                             lists the notebooks whose written answers a TA has not graded yet
    OUT/canvas.csv           Canvas's gradebook import: Student,ID,SIS User ID,SIS Login ID,Section,
                             then one column per assignment named exactly as in the Canvas export
                             the roster came from ("Title (id)"), a "Points Possible" row first
    OUT/gradescope/<assignment>.csv
                             Gradescope's score upload for one assignment: Name,SID,Email,Total Score

A student without a submission is written blank (the LMS keeps whatever it has) or 0, as the
instructor chooses (`--missing blank|zero`); `write_exports` returns the lines that say so, and any
total that is still incomplete, for the summary.
"""
from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

from .coursefolder import atomic_write
from .records import Record, Status
from .term import Term

SCORE_COLUMNS = ["student_id", "notebook", "exercise", "score", "max_score", "status", "mistake", "message"]
CANVAS_IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
GRADESCOPE_COLUMNS = ["Name", "SID", "Email", "Total Score"]
MESSAGE_CHARS = 300
MISSING_CHOICES = ("blank", "zero")


def short_message(message: str) -> str:
    """The first line of a check's message (plus its Hint line, and a grader's comment), at most 300 characters."""
    lines = [line.strip() for line in str(message).splitlines() if line.strip()]
    if not lines:
        return ""
    text = lines[0]
    for prefix in ("Hint:", "Grader's comment:"):
        extra = next((line for line in lines[1:] if line.startswith(prefix)), None)
        if extra:
            text += " " + extra
    return text if len(text) <= MESSAGE_CHARS else text[:MESSAGE_CHARS - 3] + "..."


def number(value: float) -> str:
    value = round(float(value), 6)
    return str(int(value)) if value.is_integer() else f"{value:.4g}"


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
UNSANDBOXED = "WARNING: graded with --unsafe-no-sandbox: student code ran without a sandbox"


def spreadsheet_safe(cell):
    """A CSV cell a spreadsheet will not run: text starting with = + - @ tab or CR gets a leading '
    (OWASP's advice against CSV injection); numbers stay numbers."""
    if not isinstance(cell, str) or not cell.startswith(_FORMULA_START):
        return cell
    try:
        float(cell)
        return cell
    except ValueError:
        return "'" + cell


def _warning(term: Term) -> str:
    """The last row of every CSV while any result in OUT was graded without the sandbox."""
    return UNSANDBOXED if any(g.record.sandboxed is False for g in term.graded.values()) else ""


def _csv_bytes(header: list[str], rows: list[list], warning: str = "") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([spreadsheet_safe(cell) for cell in header])
    writer.writerows([spreadsheet_safe(cell) for cell in row] for row in rows)
    if warning:
        writer.writerow([warning])
    return buffer.getvalue().encode("utf-8")


def write_csv(path: Path, header: list[str], rows: list[list], warning: str = "") -> None:
    atomic_write(Path(path), _csv_bytes(header, rows, warning))


def score_rows(term: Term) -> list[list]:
    rows = []
    for record in term.records:
        for result in record.results:
            rows.append([record.student_id, record.notebook, result.exercise, number(result.score),
                         number(result.max_score), str(result.status), result.mistake, short_message(result.message)])
    return rows


def _cell(term: Term, student: str, notebook: str, missing: str) -> str:
    graded = term.get(student, notebook)
    if graded is None or not graded.submitted:
        return "0" if missing == "zero" else ""
    return number(graded.score)


def write_exports(out: Path, term: Term, missing: str = "blank") -> list[str]:
    """Write every CSV; returns the notes for the summary (missing work, incomplete totals, LMS)."""
    out = Path(out)
    notes: list[str] = []
    notebooks = term.notebooks
    warning = _warning(term)
    write_csv(out / "scores.csv", SCORE_COLUMNS, score_rows(term), warning)

    students = term.students
    roster = term.roster.students
    total_max = sum(term.maxima[nb] for nb in notebooks)
    grade_rows = []
    pending: dict[str, list[str]] = {}
    for student in students:
        info = roster.get(student)
        cells = [_cell(term, student, nb, missing) for nb in notebooks]
        total = sum(float(c) for c in cells if c)
        penalty = sum(g.penalty for nb in notebooks if (g := term.get(student, nb)) is not None)
        waiting = [nb for nb in notebooks if (g := term.get(student, nb)) is not None and g.pending]
        if waiting:
            pending[student] = waiting
        grade_rows.append([student, info.name if info else "", info.email if info else ""] + cells
                          + [number(total), number(total_max), number(penalty), " ".join(waiting)])
    write_csv(out / "grades.csv", ["student_id", "name", "email"] + notebooks
              + ["total", "max_score", "late_penalty", "pending"], grade_rows, warning)

    notes += _missing_notes(term, missing)
    if pending:
        count = sum(len(v) for v in pending.values())
        notes.append(f"incomplete: {count} notebook totals of {len(pending)} students still have written answers "
                     "to grade by hand (formgrader); their scores so far are exported, and grades.csv's "
                     "`pending` column lists them")
    notes += _write_canvas(out, term, missing, warning)
    _write_gradescope(out, term, missing, warning)
    return notes


def _missing_notes(term: Term, missing: str) -> list[str]:
    notes = []
    for nb in term.notebooks:
        absent = [s for s in term.students if (g := term.get(s, nb)) is None or not g.submitted]
        if absent:
            shown = ", ".join(absent[:5]) + (", ..." if len(absent) > 5 else "")
            how = "exported as 0" if missing == "zero" else "left blank in the exports (use --missing zero for 0)"
            notes.append(f"missing: {len(absent)} students have no {nb} submission ({shown}): {how}")
    return notes


def _write_canvas(out: Path, term: Term, missing: str, warning: str) -> list[str]:
    notes = []
    canvas = term.roster.canvas
    columns, points = [], []
    for nb in term.notebooks:
        assignment = term.assignment_of.get(nb, nb)
        header = canvas.column_for(assignment) if canvas else None
        if canvas is None or header is None:
            columns.append(assignment)
            points.append(number(term.maxima[nb]))
            if canvas:
                notes.append(f"canvas.csv: the Canvas export has no column for {assignment}; Canvas will create "
                             "a new assignment of that name on import")
        else:
            columns.append(header)
            lms_points = canvas.points.get(header, "")
            points.append(lms_points or number(term.maxima[nb]))
            if lms_points and _float(lms_points) not in (None, term.maxima[nb]):
                notes.append(f"canvas.csv: {header} is worth {lms_points} points in Canvas but "
                             f"{number(term.maxima[nb])} here; scores are exported as points earned here")
    rows = [["Points Possible", "", "", "", ""] + points]
    unknown, no_lms_id = [], []
    for student in term.students:
        info = term.roster.students.get(student)
        if canvas and (info is None or not info.lms_user_id):
            unknown.append(student)
            continue
        if info is None or not info.lms_user_id:
            no_lms_id.append(student)
        identity = [info.lms_name or info.sortable_name if info else student,
                    info.lms_user_id if info else "",
                    (info.sis_user_id if info and info.sis_user_id else student),
                    info.sis_login_id if info else "",
                    info.section if info else ""]
        rows.append(identity + [_cell(term, student, nb, missing) for nb in term.notebooks])
    write_csv(out / "canvas.csv", CANVAS_IDENTITY + columns, rows, warning)
    if unknown:
        notes.append(f"canvas.csv leaves out {len(unknown)} students the Canvas export does not know: "
                     + ", ".join(unknown[:5]) + (", ..." if len(unknown) > 5 else ""))
    if no_lms_id and not canvas:
        notes.append(f"canvas.csv: {len(no_lms_id)} students have no Canvas ID; Canvas matches them by SIS User ID "
                     "(their nbgrader id). Import the Canvas gradebook export first (nncourse roster import) "
                     "for an exact match")
    return notes


def _float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _write_gradescope(out: Path, term: Term, missing: str, warning: str) -> None:
    folder = out / "gradescope"
    for nb in term.notebooks:
        rows = []
        for student in term.students:
            info = term.roster.students.get(student)
            rows.append([info.full_name if info else student,
                         info.sis_user_id if info and info.sis_user_id else student,
                         info.email if info else "", _cell(term, student, nb, missing)])
        write_csv(folder / f"{term.assignment_of.get(nb, nb)}.csv", GRADESCOPE_COLUMNS, rows, warning)


def summary(records: list[Record], term: Term, seconds: float, workers: int, isolation: str, graded_now: int,
            notes: list[str]) -> str:
    """The run's summary: `records` are the (student, notebook) pairs of this run."""
    reused = len(records) - graded_now
    students = {r.student_id for r in records}
    notebooks = {r.notebook for r in records}
    counts = Counter(result.status for r in records for result in r.results)
    statuses = ", ".join(f"{counts[s]} {s}" for s in Status if counts[s])
    lines = [
        f"graded {len(students)} students x {len(notebooks)} notebooks in {seconds:.1f} s "
        f"with {workers} workers ({graded_now} notebooks graded now, {reused} reused from a previous run)",
        f"exercises: {statuses or 'none'}",
        f"sandbox: {isolation}",
    ]
    late = sum(1 for g in term.graded.values() if g.seconds_late > 0 and g.submitted)
    if late:
        lines.append(f"late: {late} notebooks submitted after their due date ({term.policy.describe()})")
    return "\n".join(lines + notes)
