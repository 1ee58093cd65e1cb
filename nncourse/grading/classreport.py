"""`nncourse report OUT`: what the class learned, on one static page for the instructor.

    nncourse report OUT [--output PATH] [--format html|json] [--no-similarity] [--source DIR]

It reads the results of a grading run from OUT: the record of every graded (student, notebook) in
OUT/.state, and OUT/scores.csv for any submission without a record, so it works on a run that was
stopped half-way too. It answers the questions an instructor asks after grading:

- how the scores are spread in each notebook (a histogram per notebook);
- per exercise, the share of the class that passed, is not yet right, did not attempt it, or got
  another status (a stacked bar per exercise, and the exact counts in a table);
- which named mistakes were made most often (the `mistake` the checks recorded), how often, with
  an example message;
- who has not attempted a notebook (not submitted, or submitted with every exercise untouched);
- a few sentences at the top: "38% of the class (19 of 50 students) made the mistake
  divided-by-m-again in dense_backward (a gradient m times too small: divided by m although dZ
  carries the 1/m)", the meaning read from docs/exercises.md.

The page is one HTML file: figures are PNGs embedded as data URIs, no script, no server. With
`--format json` the same numbers are written as JSON (the HTML shows nothing the JSON lacks).
The similarity of students' code (`nncourse.grading.similarity`) is a section of the same page.
"""
from __future__ import annotations

import base64
import csv
import datetime as _dt
import html
import json
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .records import Status
from .report import short_message

#: The statuses in the order the figures stack them, with their words (the feedback pages' words, except
#: that an instructor reads "needs manual grading" where a student reads "graded by hand").
STATUS_ORDER = ("passed", "failed", "not attempted", "missing", "needs manual grading", "error", "timeout",
                "crashed", "tampered", "forbidden")
STATUS_WORDS = {str(status): status.words for status in Status} | {"needs manual grading": "needs manual grading"}
#: Statuses that mean the student handed in nothing for an exercise.
NOTHING_HANDED_IN = ("missing", "not attempted")
#: The mistake id of a failure that no known mistake explains.
OTHER = "other"
#: How many named mistakes per exercise the page lists (the JSON lists them all).
MISTAKES_SHOWN = 5
#: How many named mistakes the summary at the top cites.
SUMMARY_MISTAKES = 3


class NoResults(Exception):
    """OUT holds no grading results (no records, no scores.csv): the command explains and exits 2."""


@dataclass(frozen=True)
class Result:
    """One graded exercise of one student, as in a row of scores.csv."""

    student_id: str
    notebook: str
    exercise: str
    score: float
    max_score: float
    status: str
    mistake: str
    message: str


# ---- reading OUT ---------------------------------------------------------------------------------------

def _number(text) -> float:
    try:
        return float(text or 0.0)
    except (TypeError, ValueError):
        return 0.0


def _scores_csv(path: Path) -> dict[tuple[str, str], list[Result]]:
    """(student, notebook) -> its rows of scores.csv; NoResults for a file that is not a scores.csv."""
    units: dict[tuple[str, str], list[Result]] = {}
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        needed = {"student_id", "notebook", "exercise", "score", "max_score", "status"}
        missing = sorted(needed - set(reader.fieldnames or ()))
        if missing:
            raise NoResults(f"{path} is not a scores.csv of nncourse autograde (no column {', '.join(missing)})")
        for row in reader:
            result = Result(row["student_id"], row["notebook"], row["exercise"], _number(row["score"]),
                            _number(row["max_score"]), row["status"], row.get("mistake") or "",
                            row.get("message") or "")
            units.setdefault((result.student_id, result.notebook), []).append(result)
    return units


def state_records(out: Path) -> list:
    """The Record of every graded (student, notebook) in OUT (unreadable ones skipped)."""
    from .records import ResumeState
    return ResumeState(out).records()


def _from_record(record) -> list[Result]:
    return [Result(record.student_id, record.notebook, r.exercise, r.score, r.max_score, str(r.status),
                   r.mistake, short_message(r.message)) for r in record.results]


def load_results(out: Path, records: list | None = None) -> list[Result]:
    """Every graded exercise in OUT: its records (`records`, else read from OUT), and scores.csv for
    submissions without one. Raises NoResults, with a sentence saying what is wrong, when OUT holds
    neither.
    """
    out = Path(out)
    if not out.is_dir():
        raise NoResults(f"no such folder: {out}")
    units: dict[tuple[str, str], list[Result]] = {}
    scores = out / "scores.csv"
    if scores.is_file():
        units.update(_scores_csv(scores))
    for record in state_records(out) if records is None else records:
        results = _from_record(record)
        if results:
            units[(results[0].student_id, results[0].notebook)] = results
    rows = [r for key in sorted(units) for r in units[key]]
    if not rows:
        raise NoResults(f"no grading results in {out} (neither {scores.name} nor records in .state/): "
                        "run nncourse autograde first")
    return rows


# ---- the numbers ---------------------------------------------------------------------------------------

def _share(count: float, total: float) -> float:
    return count / total if total else 0.0


def _percent(share: float) -> str:
    return f"{100 * share:.0f}%"


def _exercise_order(rows: list[Result]) -> dict[str, list[str]]:
    """notebook -> its exercises, in the order the records list them (the notebook's order)."""
    per_unit: dict[tuple[str, str], list[str]] = {}
    for r in rows:
        per_unit.setdefault((r.notebook, r.student_id), []).append(r.exercise)
    order: dict[str, list[str]] = {}
    for (notebook, _), exercises in sorted(per_unit.items(), key=lambda item: -len(item[1])):
        known = order.setdefault(notebook, [])
        known += [e for e in exercises if e not in known]
    return {nb: order[nb] for nb in sorted(order)}


def _histogram(percentages: list[float]) -> dict:
    """Counts of scores in ten bins of 10 percentage points (100% falls in the last bin)."""
    counts = [0] * 10
    for p in percentages:
        counts[min(int(p // 10), 9)] += 1
    return {"bin_edges": [10 * i for i in range(11)], "counts": counts}


def mistake_meanings(path: Path | None = None) -> dict[tuple[str, str], str]:
    """(exercise, mistake id) -> what the mistake is, from the tables of docs/exercises.md (the list of
    every id the checks record); {} when the file is not there (an installed package without it)."""
    import re
    if path is None:
        import nncourse
        path = Path(nncourse.__file__).resolve().parent.parent / "docs" / "exercises.md"
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError:
        return {}
    meanings: dict[tuple[str, str], str] = {}
    exercises: list[str] = []
    for line in text.splitlines():
        if line.startswith("#"):     # a section: one or more exercises, or the ids any check may name
            exercises = (["*"] if "any check may name" in line else
                         re.findall(r"`([a-z_]+)\(", line) if re.match(r"^#+\s+\d\d\s+`", line) else [])
            continue
        row = re.match(r"^\|\s*`([^`]+)`\s*\|\s*(.+?)\s*\|\s*$", line)
        if row:
            for exercise in exercises:
                meanings[(exercise, row.group(1))] = row.group(2).replace("`", "")
    return meanings


def summarize(rows: list[Result], meanings: dict[tuple[str, str], str] | None = None) -> dict:
    """The report's numbers as plain data (what --format json writes). meanings: (exercise, mistake id)
    -> what the mistake is (mistake_meanings)."""
    meanings = {} if meanings is None else meanings
    students = sorted({r.student_id for r in rows})
    order = _exercise_order(rows)
    by_notebook: dict[str, list[Result]] = {}
    for r in rows:
        by_notebook.setdefault(r.notebook, []).append(r)
    notebooks = []
    for notebook, exercises in order.items():
        notebook_rows = by_notebook[notebook]
        per_student: dict[str, list[Result]] = {}
        for r in notebook_rows:
            per_student.setdefault(r.student_id, []).append(r)
        graded = sorted(per_student)
        not_submitted = [s for s in graded if all(r.status == "missing" for r in per_student[s])]
        blank = [s for s in graded if s not in not_submitted
                 and all(r.status in NOTHING_HANDED_IN for r in per_student[s])]
        handed_in = [s for s in graded if s not in not_submitted]
        maximum = max(sum(r.max_score for r in per_student[s]) for s in graded)
        percentages = [100 * _share(sum(r.score for r in per_student[s]), sum(r.max_score for r in per_student[s]))
                       for s in handed_in]
        scores = {"max_score": maximum, "students": len(handed_in),
                  "mean_percent": round(statistics.fmean(percentages), 2) if percentages else None,
                  "median_percent": round(statistics.median(percentages), 2) if percentages else None,
                  "histogram": _histogram(percentages)}
        notebooks.append({
            "notebook": notebook, "students": len(graded), "not_graded_yet": len(students) - len(graded),
            "handed_in": len(handed_in), "scores": scores,
            "not_submitted": not_submitted, "not_attempted": blank,
            "exercises": [_exercise_summary(exercise, [r for r in notebook_rows if r.exercise == exercise], meanings)
                          for exercise in exercises],
        })
    summary = {"students": len(students), "notebooks": notebooks}
    summary["highlights"] = highlights(summary)
    return summary


def _exercise_summary(exercise: str, rows: list[Result], meanings: dict[tuple[str, str], str]) -> dict:
    statuses = Counter(r.status for r in rows)
    failed = [r for r in rows if r.status == "failed"]
    named: dict[str, list[Result]] = {}
    for r in failed:
        named.setdefault(r.mistake or OTHER, []).append(r)
    mistakes = []
    for mistake, those in sorted(named.items(), key=lambda item: (item[0] == OTHER, -len(item[1]), item[0])):
        messages = Counter(r.message for r in those if r.message)
        example = messages.most_common(1)[0][0] if messages else ""  # ties: the first student's
        meaning = meanings.get((exercise, mistake)) or meanings.get(("*", mistake), "")
        mistakes.append({"mistake": mistake, "meaning": meaning, "count": len(those),
                         "share": round(_share(len(those), len(rows)), 4), "example": example,
                         "students": sorted(r.student_id for r in those)})
    ordered = {s: statuses[s] for s in STATUS_ORDER if statuses[s]}
    ordered.update({s: n for s, n in sorted(statuses.items()) if s not in ordered})
    return {"exercise": exercise, "students": len(rows),
            "max_score": max((r.max_score for r in rows), default=0.0),
            "statuses": ordered, "passed_share": round(_share(statuses["passed"], len(rows)), 4),
            "mistakes": mistakes}


def highlights(summary: dict) -> list[str]:
    """The few sentences at the top of the page: the biggest named mistakes, the hardest exercise,
    who has not started, and what needs a person (an unfinished run, manual grading, rule breaking)."""
    lines = []
    named = [(m["count"], m["share"], nb["notebook"], e["exercise"], m, e["students"])
             for nb in summary["notebooks"] for e in nb["exercises"] for m in e["mistakes"]
             if m["mistake"] != OTHER]
    named.sort(key=lambda item: (-item[1], -item[0], item[2], item[3], item[4]["mistake"]))
    for count, share, _, exercise, mistake, total in named[:SUMMARY_MISTAKES]:
        said = (f" ({mistake['meaning']})." if mistake["meaning"] else
                f": “{mistake['example']}”" if mistake["example"] else ".")
        lines.append(f"{_percent(share)} of the class ({count} of {total} students) made the mistake "
                     f"{mistake['mistake']} in {exercise}{said}")
    exercises = [(e["passed_share"], nb["notebook"], e["exercise"], e) for nb in summary["notebooks"]
                 for e in nb["exercises"] if e["students"] and not e["statuses"].get("needs manual grading")]
    if exercises:
        share, _, name, exercise = min(exercises, key=lambda item: (item[0], item[1], item[2]))
        lines.append(f"Fewest passed {name}: {_percent(share)} of the class "
                     f"({exercise['statuses'].get('passed', 0)} of {exercise['students']} students).")
    for nb in summary["notebooks"]:
        absent = len(nb["not_submitted"]) + len(nb["not_attempted"])
        if absent:
            lines.append(f"{absent} of {nb['students']} students have not attempted {nb['notebook']} "
                         f"({len(nb['not_submitted'])} did not submit it, {len(nb['not_attempted'])} "
                         "handed it in untouched).")
    pending = sum(nb["not_graded_yet"] for nb in summary["notebooks"])
    if pending:
        lines.append(f"This run is not finished: {pending} submissions have no result yet; "
                     "the numbers below count the graded ones.")
    attention: Counter[str] = Counter()
    for nb in summary["notebooks"]:
        for e in nb["exercises"]:
            for status in ("needs manual grading", "tampered", "forbidden", "error", "crashed", "timeout"):
                attention[status] += e["statuses"].get(status, 0)
    needs = [f"{attention[s]} {'exercise' if attention[s] == 1 else 'exercises'} {STATUS_WORDS[s]} ({s})"
             for s in attention if attention[s]]
    if needs:
        lines.append("For a person to look at: " + "; ".join(needs) + ".")
    return lines


# ---- the figures ---------------------------------------------------------------------------------------

def _colours() -> dict[str, str]:
    from nncourse.plots import PALETTE
    return {
        "passed": PALETTE["green"], "failed": PALETTE["vermillion"], "not attempted": "#C8C8C8",
        "missing": "#7A7A7A", "needs manual grading": PALETTE["yellow"], "error": PALETTE["orange"],
        "timeout": PALETTE["blue"], "crashed": PALETTE["black"], "tampered": PALETTE["purple"],
        "forbidden": PALETTE["sky_blue"],
    }


_DARK = {"passed", "failed", "missing", "timeout", "crashed"}   # white labels on these colours
_UNKNOWN_COLOUR = "#882255"


def _figure_style():
    """matplotlib's settings for the report's figures, for the length of a `with` block."""
    import matplotlib as mpl

    # a dict literal in the call, so that its keys are checked against matplotlib's rc names
    return mpl.rc_context({"font.size": 10, "axes.titlesize": 11, "axes.labelsize": 10, "xtick.labelsize": 9,
                           "ytick.labelsize": 9, "legend.fontsize": 9, "axes.spines.top": False,
                           "axes.spines.right": False, "figure.facecolor": "white", "axes.facecolor": "white",
                           "text.color": "#222222", "axes.labelcolor": "#222222", "axes.edgecolor": "#333333"})


#: Pixels per inch of the figures: drawn at 1.5 times the 100 px per inch they are shown at, so they stay
#: sharp on high-density screens.
_DPI = 150


def _png(fig) -> bytes:
    from nncourse.plots import figure_to_png
    return figure_to_png(fig, dpi=_DPI, trim=False)   # constrained layout already fits the figure: draw once


def _png_width(png: bytes) -> int:
    return int.from_bytes(png[16:20], "big")


def score_figure(summary: dict) -> bytes:
    """One histogram of the students' scores (percent of the notebook's points) per notebook."""
    import math

    from nncourse.plots import PALETTE, new_figure
    notebooks = summary["notebooks"]
    with _figure_style():
        ncols = 2 if len(notebooks) > 1 else 1
        nrows = math.ceil(len(notebooks) / ncols)
        fig = new_figure((4.3 * ncols, 2.3 * nrows))
        axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
        for ax in axes[len(notebooks):]:
            ax.remove()
        for ax, nb in zip(axes, notebooks):
            histogram = nb["scores"]["histogram"]
            edges = histogram["bin_edges"]
            ax.bar(edges[:-1], histogram["counts"], width=10, align="edge", color=PALETTE["blue"],
                   edgecolor="white", linewidth=0.8)
            median = nb["scores"]["median_percent"]
            if median is not None:
                ax.axvline(median, color=PALETTE["black"], linestyle="--", linewidth=1.2)
                title = f"{nb['notebook']}\n{nb['handed_in']} handed in, median {median:.0f}%"
            else:
                title = f"{nb['notebook']}\nnobody handed it in"
            ax.set_title(title, fontsize=9.5)
            ax.set_xlim(0, 100)
            ax.set_xlabel("score (% of the points)")
            ax.set_ylabel("students")
            ax.yaxis.get_major_locator().set_params(integer=True)
        return _png(fig)


def status_figure(notebook: dict) -> bytes:
    """Per exercise of one notebook, the share of the class with each status, as one stacked bar."""
    from nncourse.plots import new_figure
    colours = _colours()
    exercises = notebook["exercises"]
    present = [s for s in STATUS_ORDER if any(e["statuses"].get(s) for e in exercises)]
    present += sorted({s for e in exercises for s in e["statuses"]} - set(present))
    with _figure_style():
        fig = new_figure((8.6, 1.3 + 0.42 * len(exercises)))
        ax = fig.add_subplot()
        names = [e["exercise"] for e in exercises]
        positions = list(range(len(exercises)))[::-1]
        left = [0.0] * len(exercises)
        for status in present:
            shares = [100 * _share(e["statuses"].get(status, 0), e["students"]) for e in exercises]
            colour = colours.get(status, _UNKNOWN_COLOUR)
            bars = ax.barh(positions, shares, left=left, color=colour, edgecolor="white", linewidth=0.6,
                           height=0.7, label=STATUS_WORDS.get(status, status))
            text = "white" if status in _DARK or status not in colours else "#111111"
            for bar, share in zip(bars, shares):
                if share >= 7:
                    ax.text(bar.get_x() + bar.get_width() / 2, bar.get_y() + bar.get_height() / 2,
                            f"{share:.0f}%", ha="center", va="center", fontsize=8.5, color=text)
            left = [a + b for a, b in zip(left, shares)]
        ax.set_yticks(positions, names)
        ax.set_xlim(0, 100)
        ax.set_xlabel(f"share of the {notebook['students']} students (%)")
        ax.set_title(f"{notebook['notebook']}: how each exercise went", loc="left")
        fig.legend(loc="outside lower center", frameon=False,
                   ncols=len(present) if len(present) <= 6 else (len(present) + 1) // 2)
        return _png(fig)


def mistake_figure(notebook: dict) -> bytes | None:
    """The most common named mistakes of one notebook's exercises (None when nobody made one)."""
    from nncourse.plots import PALETTE, new_figure
    bars = [(m["count"], f"{e['exercise']}: {m['mistake']}") for e in notebook["exercises"]
            for m in e["mistakes"][:MISTAKES_SHOWN] if m["mistake"] != OTHER]
    if not bars:
        return None
    bars.sort(key=lambda item: (-item[0], item[1]))
    bars = bars[:12]
    with _figure_style():
        fig = new_figure((8.6, 0.8 + 0.36 * len(bars)))
        ax = fig.add_subplot()
        positions = list(range(len(bars)))[::-1]
        drawn = ax.barh(positions, [b[0] for b in bars], color=PALETTE["vermillion"], height=0.65)
        ax.bar_label(drawn, padding=3, fontsize=9)
        ax.set_yticks(positions, [b[1] for b in bars])
        ax.set_xlabel("students")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_title(f"{notebook['notebook']}: the most common named mistakes", loc="left")
        ax.margins(x=0.12)
        return _png(fig)


def _draw(summary: dict, which: int) -> dict[str, bytes]:
    """The figures of one part of the page: -1 the scores, i the figures of the i-th notebook."""
    if which < 0:
        return {"scores": score_figure(summary)}
    nb = summary["notebooks"][which]
    pngs = {f"status:{nb['notebook']}": status_figure(nb)}
    mistakes = mistake_figure(nb)
    if mistakes is not None:
        pngs[f"mistakes:{nb['notebook']}"] = mistakes
    return pngs


def figures(summary: dict, progress=None, workers: int = 1) -> dict[str, bytes]:
    """name -> PNG: "scores", and "status:<notebook>", "mistakes:<notebook>" per notebook; drawn in
    `workers` forked processes when there are several notebooks. progress() is called per part."""
    import concurrent.futures
    import multiprocessing
    parts = [-1] + list(range(len(summary["notebooks"])))
    drawn: dict[int, dict[str, bytes]] = {}
    if workers > 1 and len(parts) > 2 and "fork" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("fork")
        with concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = {pool.submit(_draw, summary, part): part for part in parts}
            for future in concurrent.futures.as_completed(futures):
                drawn[futures[future]] = future.result()
                if progress:
                    progress()
    else:
        for part in parts:
            drawn[part] = _draw(summary, part)
            if progress:
                progress()
    return {name: png for part in parts for name, png in drawn[part].items()}


# ---- the page ------------------------------------------------------------------------------------------

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 72rem; margin: 2rem auto;
       padding: 0 1rem; line-height: 1.45; color: #1d1d1d; background: #fff; }
h1 { margin-bottom: .2rem; } h2 { margin-top: 2.5rem; border-bottom: 2px solid #ddd; padding-bottom: .2rem; }
.meta { color: #555; margin-top: 0; }
table { border-collapse: collapse; margin: .6rem 0 1rem; font-size: .92rem; }
th, td { border-bottom: 1px solid #ddd; padding: .3rem .55rem; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1rem 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: .9rem; }
.summary li { margin: .3rem 0; } .note { background: #fff6d6; border-left: 4px solid #E69F00; padding: .6rem .9rem; }
details { margin: .4rem 0; } summary { cursor: pointer; }
.ids { font-family: ui-monospace, monospace; font-size: .88rem; } .meaning { color: #444; font-size: .88rem; }
nav ul { columns: 2; } code { font-size: .9em; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: .8rem; margin: .4rem 0 1.6rem; }
.pair pre { background: #f7f7f7; border: 1px solid #ddd; padding: .5rem; overflow-x: auto; font-size: .8rem;
            margin: 0; white-space: pre; }
.pair h4 { margin: .2rem 0; font-size: .95rem; }
mark { background: #FFD98A; color: #000; }
"""


def _e(text) -> str:
    return html.escape(str(text))


def _anchor(notebook: str) -> str:
    return "nb-" + "".join(c if c.isalnum() or c in "-_" else "-" for c in notebook)


def _img(png: bytes, alt: str, name: str, caption: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    width = round(_png_width(png) * 100 / _DPI)
    return (f'<figure data-figure="{_e(name)}"><img src="data:image/png;base64,{data}" alt="{_e(alt)}" '
            f'width="{width}">'
            f"<figcaption>{_e(caption)}</figcaption></figure>")


def _ids(students: list[str]) -> str:
    return ", ".join(_e(s) for s in students)


def _notebook_section(nb: dict, pngs: dict[str, bytes]) -> str:
    name = nb["notebook"]
    parts = [f'<section id="{_anchor(name)}"><h2>{_e(name)}</h2>',
             f'<p>{nb["students"]} students graded, {nb["handed_in"]} handed it in'
             + (f', <strong>{nb["not_graded_yet"]} not graded yet</strong>' if nb["not_graded_yet"] else "")
             + (f'; median score {nb["scores"]["median_percent"]:.0f}% of {nb["scores"]["max_score"]:g} points'
                if nb["scores"]["median_percent"] is not None else "") + ".</p>"]
    parts.append(_img(pngs[f"status:{name}"], f"{name}: share of the class per status, per exercise",
                      f"status:{name}", "Each bar is one exercise; its segments are the share of the class "
                      "with each result (the exact counts are in the table below)."))
    statuses = [s for s in STATUS_ORDER if any(e["statuses"].get(s) for e in nb["exercises"])]
    statuses += sorted({s for e in nb["exercises"] for s in e["statuses"]} - set(statuses))
    head = "".join(f"<th>{_e(STATUS_WORDS.get(s, s))}</th>" for s in statuses)
    rows = []
    for e in nb["exercises"]:
        cells = "".join(f'<td class="n">{e["statuses"].get(s, 0)}</td>' for s in statuses)
        rows.append(f'<tr><td>{_e(e["exercise"])}</td><td class="n">{e["students"]}</td>{cells}</tr>')
    parts.append(f'<table class="statuses"><thead><tr><th>exercise</th><th>students</th>{head}</tr></thead>'
                 f'<tbody>{"".join(rows)}</tbody></table>')

    parts.append("<h3>Most common mistakes</h3>")
    mistake_rows = []
    for e in nb["exercises"]:
        shown = [m for m in e["mistakes"] if m["mistake"] != OTHER][:MISTAKES_SHOWN]
        shown += [m for m in e["mistakes"] if m["mistake"] == OTHER]
        for m in shown:
            label = ("no known mistake named" if m["mistake"] == OTHER else f'<code>{_e(m["mistake"])}</code>'
                     + (f'<br><span class="meaning">{_e(m["meaning"])}</span>' if m["meaning"] else ""))
            mistake_rows.append(
                f'<tr><td>{_e(e["exercise"])}</td><td>{label}</td><td class="n">{m["count"]}</td>'
                f'<td class="n">{_percent(m["share"])}</td><td>{_e(m["example"])}</td></tr>')
    if mistake_rows:
        if f"mistakes:{name}" in pngs:
            parts.append(_img(pngs[f"mistakes:{name}"], f"{name}: the most common named mistakes",
                              f"mistakes:{name}", "Students per named mistake (the ids the checks recorded)."))
        parts.append('<table class="mistakes"><thead><tr><th>exercise</th><th>mistake</th><th>students</th>'
                     '<th>share</th><th>example message</th></tr></thead>'
                     f'<tbody>{"".join(mistake_rows)}</tbody></table>')
    else:
        parts.append("<p>Nobody's code was found not yet right in this notebook.</p>")

    parts.append("<h3>Not attempted</h3>")
    if nb["not_submitted"] or nb["not_attempted"]:
        for label, ids in (("did not submit it", nb["not_submitted"]),
                           ("handed it in without attempting any exercise", nb["not_attempted"])):
            if ids:
                parts.append(f'<details open><summary>{len(ids)} {"student" if len(ids) == 1 else "students"} '
                             f'{label}</summary><p class="ids">{_ids(ids)}</p></details>')
    else:
        parts.append("<p>Every graded student attempted this notebook.</p>")
    parts.append("</section>")
    return "\n".join(parts)


def render_html(summary: dict, pngs: dict[str, bytes], title: str, similarity_html: str = "") -> str:
    generated = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    nav = "".join(f'<li><a href="#{_anchor(nb["notebook"])}">{_e(nb["notebook"])}</a></li>'
                  for nb in summary["notebooks"])
    if similarity_html:
        nav += '<li><a href="#similarity">Similar code</a></li>'
    items = "".join(f"<li>{_e(line)}</li>" for line in summary["highlights"])
    body = [
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">{summary["students"]} students, {len(summary["notebooks"])} notebooks; '
        f"written {generated} by nncourse report.</p>",
        f'<section id="summary"><h2>In short</h2><ul class="summary">{items}</ul></section>',
        f"<nav><h2>Contents</h2><ul>{nav}</ul></nav>",
        '<section id="scores"><h2>Scores</h2>',
        _img(pngs["scores"], "histograms of the students' scores, one per notebook", "scores",
             "Scores of the students who handed each notebook in, in percent of its points; "
             "the dashed line is the median."),
        "</section>",
    ]
    body += [_notebook_section(nb, pngs) for nb in summary["notebooks"]]
    if similarity_html:
        body.append(similarity_html)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")


# ---- the commands: nncourse report OUT, nncourse similarity OUT ---------------------------------------------

def add_commands(subparsers) -> None:
    """Add `report` and `similarity` to the `nncourse` command (called by nncourse.grading.cli)."""
    report = subparsers.add_parser(
        "report", help="one page on what the class learned: scores, statuses, named mistakes, similar code")
    report.add_argument("out", type=Path, help="the OUT folder of a grading run (nncourse autograde --out)")
    report.add_argument("--no-similarity", action="store_true", help="leave out the similar-code section")
    _common_arguments(report, "report")
    report.set_defaults(run=run_report)

    similar = subparsers.add_parser(
        "similarity", help="pairs of students whose exercise code is alike, or like the course's own code")
    similar.add_argument("out", type=Path, help="the OUT folder of a grading run (nncourse autograde --out)")
    _common_arguments(similar, "similarity")
    similar.set_defaults(run=run_similarity)


def _common_arguments(parser, name: str) -> None:
    from .similarity import Settings
    defaults = Settings()
    parser.add_argument("--format", choices=("html", "json"), default="html", help="default: html")
    parser.add_argument("--output", "-o", default=None,
                        help=f"the file to write (default: OUT/{name}.html or OUT/{name}.json; - for standard output)")
    parser.add_argument("--submissions", type=Path, default=None,
                        help="the graded submissions folder, to read the students' code from when OUT's records "
                             "do not hold it")
    parser.add_argument("--source", type=Path, default=None,
                        help="the instructor notebooks, whose answers are compared too (default: ./solutions)")
    parser.add_argument("--threshold", type=float, default=defaults.threshold,
                        help=f"list pairs where this share of one side's code matches (default {defaults.threshold})")
    parser.add_argument("--min-match", type=int, default=defaults.min_match,
                        help=f"and at least this many tokens match (default {defaults.min_match})")
    parser.add_argument("--common", type=int, default=None,
                        help="code in more students' notebooks than this is not compared (default: 5%% of the "
                             "students, at least 4)")
    parser.add_argument("--workers", type=int, default=defaults.workers,
                        help="processes that tokenise the code (default: the number of cores)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def _fail(command: str, reason: str) -> int:
    import sys
    print(f"nncourse {command}: error: {reason}", file=sys.stderr)
    return 2


def _settings(args):
    from .similarity import Settings
    if not 0 < args.threshold <= 1:
        raise ValueError(f"--threshold must be in (0, 1], got {args.threshold}")
    if args.workers < 1:
        raise ValueError(f"--workers must be at least 1, got {args.workers}")
    return Settings(threshold=args.threshold, min_match=args.min_match, common=args.common, workers=args.workers)


def _source(args) -> Path | None:
    """--source, else ./solutions (or the checkout's); None when there is none (the reference remains)."""
    if args.source is not None:
        if not args.source.is_dir():
            raise ValueError(f"no such folder: {args.source} (the instructor notebooks; --source)")
        return args.source
    from .autograde import default_source
    found = default_source()
    return found if found.is_dir() else None


def _write(args, name: str, text: str) -> None:
    import sys
    if args.output == "-":
        sys.stdout.write(text)
        return
    path = Path(args.output) if args.output else Path(args.out) / f"{name}.{args.format}"
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)
    print(f"wrote {path}")


def _similar(args, rows: list[Result], records: list):
    """(results, None), or (None, why not) when the students' code cannot be found."""
    from . import similarity
    notebooks = sorted({r.notebook for r in rows})
    students = {r.student_id for r in rows}
    try:
        return similarity.run(args.out, notebooks, students, submissions=args.submissions, source=_source(args),
                              settings=_settings(args), progress=not args.no_progress, records=records), None
    except similarity.NoCode as why:
        return None, str(why)


def run_report(args) -> int:
    from . import similarity
    try:
        records = state_records(args.out) if Path(args.out).is_dir() else []
        rows = load_results(args.out, records)
        settings = _settings(args)
        if args.source is not None:
            _source(args)
    except (NoResults, ValueError) as error:
        return _fail("report", str(error))
    summary = summarize(rows, mistake_meanings())
    results, unavailable = (None, "") if args.no_similarity else _similar(args, rows, records)
    if results is not None:
        pairs = sum(len(r.pairs) for r in results)
        summary["highlights"].append(
            f"{pairs} {'pair' if pairs == 1 else 'pairs'} of submissions with similar code "
            "(see Similar code): for a person to judge; no grade was changed." if pairs else
            "No two submissions' code is similar above the threshold, nor to the course's own code.")
    if args.format == "json":
        document = dict(summary)
        if results is not None:
            document["similarity"] = similarity.as_json(results, settings)
        elif unavailable:
            document["similarity"] = {"note": similarity.NOTE, "unavailable": f"Not compared: {unavailable}."}
        _write(args, "report", json.dumps(document, indent=1) + "\n")
        return 0
    bar = None
    if not args.no_progress:
        import sys

        from nncourse.progress import progress_bar
        bar = progress_bar(1 + len(summary["notebooks"]), desc="figures", unit="figure", widget=False,
                           file=sys.stderr)
    try:
        pngs = figures(summary, bar.update if bar else None, settings.workers)
    finally:
        if bar is not None:
            bar.close()
    section = "" if args.no_similarity else similarity.render_section(
        results or [], settings, f"Not compared: {unavailable}." if unavailable else "")
    _write(args, "report", render_html(summary, pngs, f"Class report: {Path(args.out).resolve().name}", section))
    return 0


def run_similarity(args) -> int:
    from . import similarity
    try:
        records = state_records(args.out) if Path(args.out).is_dir() else []
        rows = load_results(args.out, records)
        settings = _settings(args)
        _source(args)
    except (NoResults, ValueError) as error:
        return _fail("similarity", str(error))
    results, unavailable = _similar(args, rows, records)
    if results is None:
        return _fail("similarity", unavailable)
    if args.format == "json":
        _write(args, "similarity", json.dumps(similarity.as_json(results, settings), indent=1) + "\n")
        return 0
    title = f"Similar code: {Path(args.out).resolve().name}"
    pairs = sum(len(r.pairs) for r in results)
    page = (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{_e(title)}</title>'
            f"<style>{STYLE}</style></head><body>\n<h1>{_e(title)}</h1>\n"
            f'<p class="meta">{pairs} {"pair" if pairs == 1 else "pairs"} listed; written '
            f'{_dt.datetime.now().strftime("%Y-%m-%d %H:%M")} by nncourse similarity.</p>\n'
            + similarity.render_section(results, settings) + "\n</body></html>\n")
    _write(args, "similarity", page)
    return 0
