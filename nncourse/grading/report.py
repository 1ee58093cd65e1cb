"""What a grading run writes: the CSVs, the feedback pages and the summary.

    OUT/scores.csv       student_id,notebook,exercise,score,max_score,status,mistake,message
                         (mistake: the id of the known mistake a failed check named, or "other")
    OUT/grades.csv       student_id,<one column per notebook>,total,max_score
    OUT/canvas.csv       Canvas gradebook import: Student,ID,SIS User ID,SIS Login ID,Section,<notebooks>
                         with a "Points Possible" row first; students are matched by SIS User ID
    OUT/gradescope.csv   Gradescope score upload: Name,SID,Email,Total Score,Max Points,<notebooks>;
                         students are matched by SID
    OUT/feedback/<student_id>/<notebook>.html

Feedback pages show per-exercise results and the checks' messages; they never contain the
source of any test (the grader never puts it in a message).
"""
from __future__ import annotations

import csv
import html
import os
from collections import Counter
from pathlib import Path

from .verdict import STATUSES

SCORE_COLUMNS = ["student_id", "notebook", "exercise", "score", "max_score", "status", "mistake", "message"]
MESSAGE_CHARS = 300


def short_message(message: str) -> str:
    """The first line of a check's message (plus its Hint line, if any), at most 300 characters."""
    lines = [line.strip() for line in str(message).splitlines() if line.strip()]
    if not lines:
        return ""
    text = lines[0]
    hint = next((line for line in lines[1:] if line.startswith("Hint:")), None)
    if hint:
        text += " " + hint
    return text if len(text) <= MESSAGE_CHARS else text[:MESSAGE_CHARS - 3] + "..."


def _number(value: float) -> str:
    value = float(value)
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


def _atomic_csv(path: Path, header: list[str], rows: list[list], warning: str = "") -> None:
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([spreadsheet_safe(cell) for cell in header])
        writer.writerows([spreadsheet_safe(cell) for cell in row] for row in rows)
        if warning:
            writer.writerow([warning])
    os.replace(temporary, path)


def score_rows(records: list[dict]) -> list[list]:
    """records: one per (student, notebook) with 'student_id', 'notebook', 'results' (dicts)."""
    rows = []
    for record in records:
        for result in record["results"]:
            rows.append([record["student_id"], record["notebook"], result["exercise"],
                         _number(result["score"]), _number(result["max_score"]), result["status"],
                         result.get("mistake", ""), short_message(result["message"])])
    return rows


def totals(records: list[dict], notebooks: list[str]):
    """student -> notebook -> (score, max); and notebook -> max."""
    per_student: dict[str, dict[str, float]] = {}
    maxima: dict[str, float] = {nb: 0.0 for nb in notebooks}
    for record in records:
        score = sum(float(r["score"]) for r in record["results"])
        maximum = sum(float(r["max_score"]) for r in record["results"])
        per_student.setdefault(record["student_id"], {})[record["notebook"]] = score
        maxima[record["notebook"]] = max(maxima.get(record["notebook"], 0.0), maximum)
    return per_student, maxima


def write_csvs(out: Path, records: list[dict], notebooks: list[str]) -> None:
    out = Path(out)
    warning = UNSANDBOXED if any(r.get("unsandboxed") for r in records) else ""
    _atomic_csv(out / "scores.csv", SCORE_COLUMNS, score_rows(records), warning)
    per_student, maxima = totals(records, notebooks)
    total_max = sum(maxima.values())
    grade_rows, canvas_rows, gradescope_rows = [], [], []
    canvas_rows.append(["Points Possible", "", "", "", ""] + [_number(maxima[nb]) for nb in notebooks])
    for student, scores in per_student.items():
        values = [scores.get(nb, 0.0) for nb in notebooks]
        total = sum(values)
        grade_rows.append([student] + [_number(v) for v in values] + [_number(total), _number(total_max)])
        canvas_rows.append([student, "", student, student, ""] + [_number(v) for v in values])
        gradescope_rows.append([student, student, "", _number(total), _number(total_max)]
                               + [_number(v) for v in values])
    _atomic_csv(out / "grades.csv", ["student_id"] + notebooks + ["total", "max_score"], grade_rows, warning)
    _atomic_csv(out / "canvas.csv", ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"] + notebooks,
                canvas_rows, warning)
    _atomic_csv(out / "gradescope.csv", ["Name", "SID", "Email", "Total Score", "Max Points"] + notebooks,
                gradescope_rows, warning)


_STATUS_WORDS = {
    "passed": "passed", "failed": "not yet right", "error": "could not be graded",
    "timeout": "took too long", "crashed": "crashed", "missing": "not submitted",
    "tampered": "tampered with the grading", "forbidden": "used a forbidden shortcut",
    "not attempted": "not attempted",
}

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; line-height: 1.4; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border-bottom: 1px solid #ccc; padding: .4rem; text-align: left; vertical-align: top; }}
pre {{ white-space: pre-wrap; margin: 0; font-size: .9rem; }}
.passed {{ color: #1a7f37; }} .failed, .forbidden, .tampered {{ color: #b35900; }}
.timeout, .crashed, .error, .missing {{ color: #a40e26; }}
</style></head><body>
<h1>{title}</h1>
<p>Score: <strong>{score} / {maximum}</strong></p>
<table><thead><tr><th>exercise</th><th>result</th><th>points</th><th>message</th></tr></thead>
<tbody>
{rows}
</tbody></table>
{notes}
</body></html>
"""


def feedback_html(record: dict) -> str:
    rows = []
    for r in record["results"]:
        rows.append(
            f'<tr><td>{html.escape(r["exercise"])}</td>'
            f'<td class="{html.escape(r["status"])}">{html.escape(r["status"])}: '
            f'{html.escape(_STATUS_WORDS.get(r["status"], ""))}</td>'
            f'<td>{_number(r["score"])} / {_number(r["max_score"])}</td>'
            f'<td><pre>{html.escape(str(r["message"]))}</pre></td></tr>')
    notes = ""
    if record.get("notes"):
        items = "".join(f"<li>{html.escape(str(n))}</li>" for n in record["notes"])
        notes = f"<h2>Notes from the grader</h2><ul>{items}</ul>"
    score = sum(float(r["score"]) for r in record["results"])
    maximum = sum(float(r["max_score"]) for r in record["results"])
    title = f"{record['notebook']}: feedback for {record['student_id']}"
    return _PAGE.format(title=html.escape(title), score=_number(score), maximum=_number(maximum),
                        rows="\n".join(rows), notes=notes)


def write_feedback(out: Path, records: list[dict]) -> None:
    for record in records:
        folder = Path(out) / "feedback" / record["student_id"]
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{record['notebook']}.html"
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(feedback_html(record), encoding="utf-8")
        os.replace(temporary, path)


def summary(records: list[dict], seconds: float, workers: int, isolation: str, graded_now: int) -> str:
    students = {r["student_id"] for r in records}
    notebooks = {r["notebook"] for r in records}
    counts = Counter(result["status"] for r in records for result in r["results"])
    statuses = ", ".join(f"{counts[s]} {s}" for s in STATUSES if counts[s])
    reused = len(records) - graded_now
    lines = [
        f"graded {len(students)} students x {len(notebooks)} notebooks in {seconds:.1f} s "
        f"with {workers} workers ({graded_now} notebooks graded now, {reused} reused from a previous run)",
        f"exercises: {statuses or 'none'}",
        f"sandbox: {isolation}",
    ]
    return "\n".join(lines)
