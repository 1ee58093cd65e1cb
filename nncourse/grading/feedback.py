"""Feedback to students: one page per student and notebook, where nbgrader hands it out.

    OUT/feedback/<student>/<assignment>/<notebook>.html     `nbgrader release_feedback` releases these
    OUT/feedback-zips/<student>.zip                         every page of one student, and an index, for an LMS

A page shows the score (and the late penalty, with the submission time and due date), every
exercise's status in plain words ("passed", "not yet right", "not attempted", ...) with its message,
the student's own code beside each exercise that did not pass, the notebook's hints for it, a TA's
comments, and the grader's notes. It never contains a test's source (the grader never puts one in a
message) nor a model answer.
"""
from __future__ import annotations

import html
import io
import secrets
import zipfile
from pathlib import Path

from .coursefolder import atomic_write
from .late import describe_lateness, display_time
from .records import Status
from .report import number
from .source import SourceNotebook
from .term import Graded, Term

ZIPS = "feedback-zips"

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 62rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #ccc; padding: .4rem; text-align: left; vertical-align: top; }
pre { white-space: pre-wrap; margin: 0; font-size: .9rem; }
pre.code { background: #f6f8fa; padding: .6rem; border-radius: 4px; }
.passed { color: #1a7f37; } .failed, .not-attempted, .manual { color: #9a6700; }
.error, .timeout, .crashed, .missing, .tampered, .forbidden { color: #a40e26; }
.note { background: #fff8c5; padding: .5rem .8rem; border-radius: 4px; }
"""


def _css(status: Status) -> str:
    return status.name.lower().replace("_", "-")


def _label(exercise: str, written: set[str]) -> str:
    return f"written answer ({exercise.removeprefix('answer_').replace('_', ' ')})" if exercise in written else exercise


def _shown(result) -> str:
    """The message without the exercise's name and status in front (the table shows both)."""
    text = result.message
    for prefix in (f"{result.exercise}: ", f"{result.status}: ", "passed: "):
        if text.startswith(prefix):
            text = text[len(prefix):]
    return text


def page(graded: Graded, term: Term, source: SourceNotebook | None, name: str) -> str:
    record = graded.record
    esc = html.escape
    written = {a.name for a in source.written} if source is not None else \
        {r.exercise for r in record.results if r.exercise.startswith("answer_")}
    parts = [f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
             f"<title>{esc(record.notebook)}: feedback for {esc(name)}</title><style>{_STYLE}</style></head><body>",
             f"<h1>{esc(record.notebook)}</h1><p>Feedback for <strong>{esc(name)}</strong></p>"]
    score_line = f"Score: <strong>{number(graded.score)} / {number(graded.max_score)}</strong>"
    if graded.penalty:
        score_line += (f" ({number(graded.raw)} earned, minus a late penalty of {number(graded.penalty)}: "
                       f"{esc(term.policy.describe())})")
    parts.append(f"<p>{score_line}</p>")
    if record.timestamp or graded.due:
        when = [f"submitted {esc(display_time(record.timestamp))}" if record.timestamp else "submission time unknown"]
        if graded.due:
            when.append(f"due {esc(display_time(graded.due))}")
            when.append(esc(describe_lateness(graded.seconds_late)))
        parts.append(f"<p>{'; '.join(when)}</p>")
    if graded.pending:
        parts.append(f"<p class=\"note\">{len(graded.pending)} written answer(s) are still to be graded by hand: "
                     "this score is not final.</p>")
    parts.append("<table><thead><tr><th>exercise</th><th>result</th><th>points</th><th>message</th></tr></thead><tbody>")
    for r in record.results:
        parts.append(f"<tr><td>{esc(_label(r.exercise, written))}</td>"
                     f"<td class=\"{_css(r.status)}\">{esc(r.status.words)}</td>"
                     f"<td>{number(r.score)} / {number(r.max_score)}</td><td><pre>{esc(_shown(r))}</pre></td></tr>")
    parts.append("</tbody></table>")
    details = [r for r in record.results if r.status != Status.PASSED and r.status != Status.MISSING]
    if details:
        parts.append("<h2>What to look at</h2>")
    for r in details:
        parts.append(f"<h3>{esc(_label(r.exercise, written))}: "
                     f"<span class=\"{_css(r.status)}\">{esc(r.status.words)}</span></h3>")
        if r.message:
            parts.append(f"<pre>{esc(_shown(r))}</pre>")
        hint = source.hints.get(r.exercise) if source is not None else None
        if hint and r.status != Status.MANUAL:
            parts.append(f"<p>From the notebook: {esc(hint.replace('*', ''))}</p>")
        if r.code.strip():
            what = "Your answer" if r.exercise in written else "Your code"
            parts.append(f"<p>{what}:</p><pre class=\"code\">{esc(r.code)}</pre>")
    if record.notes:
        items = "".join(f"<li>{esc(str(n))}</li>" for n in record.notes)
        parts.append(f"<h2>Notes from the grader</h2><ul>{items}</ul>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _index(student: str, name: str, pages: list[tuple[str, Graded]]) -> str:
    rows = "".join(f"<tr><td><a href=\"{html.escape(path)}\">{html.escape(g.record.notebook)}</a></td>"
                   f"<td>{number(g.score)} / {number(g.max_score)}</td></tr>" for path, g in pages)
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Feedback for {html.escape(name)}"
            f"</title><style>{_STYLE}</style></head><body><h1>Feedback for {html.escape(name)}</h1>"
            f"<table><thead><tr><th>notebook</th><th>score</th></tr></thead><tbody>{rows}</tbody></table></body></html>\n")


def _exchange_files(out: Path, student: str, assignment: str, graded: Graded) -> None:
    """timestamp.txt and submission_secret.txt beside the page, as `nbgrader generate_feedback` leaves them:
    `nbgrader release_feedback` reads both (copied byte for byte from submitted/, where `nbgrader collect`
    put them, so that the student's `fetch_feedback` finds the page; a made-up secret for a submission
    that did not come through the exchange, which no student can fetch but which release_feedback needs)."""
    submitted = out / "submitted" / student / assignment
    target = out / "feedback" / student / assignment
    for name in ("timestamp.txt", "submission_secret.txt"):
        original = submitted / name
        if original.is_file() and not original.is_symlink():
            data = original.read_bytes()[:1000]
        elif name == "timestamp.txt":
            data = (graded.record.timestamp or "").encode("utf-8")
        else:
            data = secrets.token_hex(16).encode("ascii")
            if (target / name).is_file():
                continue
        if not (target / name).is_file() or (target / name).read_bytes() != data:
            atomic_write(target / name, data)


def write_feedback(out: Path, term: Term, sources: dict[str, SourceNotebook] | None = None) -> int:
    """Write every page and every student's zip; returns the number of pages."""
    out = Path(out)
    sources = sources or {}
    count = 0
    by_student: dict[str, list[tuple[str, Graded]]] = {}
    for (student, notebook), graded in sorted(term.graded.items()):
        if not graded.submitted:
            continue
        info = term.roster.students.get(student)
        name = info.full_name if info else student
        assignment = term.assignment_of.get(notebook, graded.record.assignment)
        relative = f"{assignment}/{notebook}.html"
        text = page(graded, term, sources.get(notebook), name)
        atomic_write(out / "feedback" / student / relative, text.encode("utf-8"))
        _exchange_files(out, student, assignment, graded)
        by_student.setdefault(student, []).append((relative, graded))
        count += 1
    for student, pages in by_student.items():
        info = term.roster.students.get(student)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(f"{student}/index.html", _index(student, info.full_name if info else student, pages))
            for relative, _ in pages:
                zf.write(out / "feedback" / student / relative, f"{student}/{relative}")
        atomic_write(out / ZIPS / f"{student}.zip", buffer.getvalue())
    return count
