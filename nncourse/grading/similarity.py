"""Whose exercise code is too much alike: pairs of submissions for a person to look at.

    nncourse similarity OUT [--threshold 0.5] [--format html|json] [--submissions DIR] [--source DIR]

For each notebook, every student's exercise code (the answer cells of the notebook the run graded)
is compared with every other student's, and with the course's own code: the reference
implementation (`nncourse.reference`) and the instructor's model answers (solutions/). The
comparison is copydetect's, winnowing fingerprints as in MOSS: the code is tokenised, names and
strings become placeholders (so renamed variables still match, and comments and blank lines do not
count), hashes of its k-grams are winnowed into fingerprints, and two documents match where their
fingerprints do; the order of the functions does not matter. Before comparing, two things are set
aside, so that only what a student chose to write can match:

- the released template: each answer cell's signature, docstring and stub lines;
- code that many students share: a fingerprint found in more than `common` students' code of the
  notebook (MOSS's -m). The one natural way to write `np.maximum(0, z)` is not evidence of copying.

A pair is listed when at least `threshold` of one side's remaining code matches the other and the
match covers at least `min_match` tokens on both sides. The list shows the code of both side by side
with the matching parts marked. It never changes a grade: a similar pair is a question for a
person, who knows how the students worked, not a verdict.

Every pair is compared: an inverted index of the fingerprints finds, for each document, the ones that
share any fingerprint with it (the others have similarity 0), and copydetect's `compare_files` runs
on every pair whose shared fingerprints could reach the threshold.
"""
from __future__ import annotations

import concurrent.futures
import inspect
import io
import math
import multiprocessing
import os
import re
import tempfile
import tokenize
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REFERENCE = "the reference implementation"
MODEL = "the model answers"
NOTE = ("This list never changes a grade. Similar code is a question for a person, who knows how the "
        "students worked (a study group, a tutor's example, a shared starting point), not a verdict.")
SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
DEFAULT_STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")


class NoCode(Exception):
    """The students' code cannot be found (not in OUT's records, and no submissions folder given)."""


@dataclass
class Settings:
    threshold: float = 0.5          # share of one side's (non-template, non-common) code that matches
    min_match: int = 40             # tokens (copydetect's filtered characters) matched on both sides
    common: int | None = None       # a fingerprint in more students' code than this is set aside;
                                    # None: 5% of the students who handed the notebook in, at least 4
    noise: int = 25                 # copydetect's noise threshold: the k of its k-grams
    guarantee: int = 30             # copydetect's guarantee threshold (window = guarantee - noise + 1)
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)

    def common_limit(self, students: int) -> int:
        if self.common is not None:
            return self.common
        return max(4, math.ceil(0.05 * students))

    def as_dict(self) -> dict:
        return {"threshold": self.threshold, "min_match": self.min_match, "common": self.common,
                "noise": self.noise, "guarantee": self.guarantee}


# ---- the students' code ----------------------------------------------------------------------------------

def _cell_text(cell) -> str:
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else str(text)


def answer_cells(notebook) -> dict[str, str]:
    """grade_id -> source of every answer code cell (nbgrader `solution: true`) of a notebook (a dict
    or NotebookNode); the first of duplicates."""
    answers: dict[str, str] = {}
    for cell in notebook.get("cells", []):
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        if cell.get("cell_type") == "code" and meta.get("solution") and meta.get("grade_id"):
            answers.setdefault(str(meta["grade_id"]), _cell_text(cell))
    return answers


def code_from_records(records: list[dict]) -> dict[str, dict[str, dict[str, str]]]:
    """notebook -> student -> exercise -> code, from records that store each exercise's code."""
    found: dict[str, dict[str, dict[str, str]]] = {}
    for record in records:
        codes = {str(r["exercise"]): str(r["code"]) for r in record.get("results", [])
                 if isinstance(r, dict) and r.get("code")}
        if codes:
            found.setdefault(str(record["notebook"]), {})[str(record["student_id"])] = codes
    return found


def code_from_submissions(submissions: Path, notebooks: list[str], students: set[str]) -> dict:
    """notebook -> student -> grade_id -> code, read from the submitted notebooks (any layout that
    nncourse autograde accepts, zips included), for the given students and notebooks."""
    import nbformat

    from .collect import collect
    found: dict[str, dict[str, dict[str, str]]] = {}
    with tempfile.TemporaryDirectory(prefix="nncourse-similarity-") as work:
        for sub in collect(Path(submissions), notebooks, Path(work)):
            if sub.path is None or (students and sub.student_id not in students):
                continue
            try:
                nb = nbformat.reads(Path(sub.path).read_bytes().decode("utf-8"), as_version=4)
            except Exception:
                continue  # graded as `error`: nothing to compare
            found.setdefault(sub.notebook, {})[sub.student_id] = answer_cells(nb)
    return found


# ---- the course's own code -------------------------------------------------------------------------------

@dataclass
class Template:
    """The released text of one answer cell: docstrings (removed whole) and lines (removed one by one)."""

    strings: list[str] = field(default_factory=list)
    lines: set[str] = field(default_factory=set)

    def add(self, text: str, skip_solution: bool = False) -> None:
        strings, spans = _docstrings(text)
        self.strings = sorted(set(self.strings) | set(strings), key=len, reverse=True)
        inside = False
        for number, line in enumerate(text.splitlines(), start=1):
            stripped = line.strip()
            if stripped in SOLUTION_MARKERS:
                inside = stripped == SOLUTION_MARKERS[0]
                continue
            if (skip_solution and inside) or not stripped or any(a <= number <= b for a, b in spans):
                continue
            self.lines.add(stripped)

    def remove_from(self, code: str) -> str:
        for text in self.strings:
            code = code.replace(text, "")
        kept: list[str] = []
        for line in code.splitlines():
            stripped = line.strip()
            if stripped in self.lines or stripped in SOLUTION_MARKERS:
                continue
            if stripped or (kept and kept[-1]):   # blank lines: at most one in a row
                kept.append(line if stripped else "")
        return "\n".join(kept).strip("\n")


def _docstrings(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    """The string literals that stand alone as statements (docstrings) in text, and their line spans."""
    strings, spans = [], []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return strings, spans
    previous = tokenize.NEWLINE
    for tok in tokens:
        if tok.type == tokenize.STRING and previous in (tokenize.NEWLINE, tokenize.NL, tokenize.INDENT,
                                                         tokenize.DEDENT):
            strings.append(tok.string)
            spans.append((tok.start[0], tok.end[0]))
        if tok.type not in (tokenize.COMMENT,):
            previous = tok.type
    return strings, spans


@dataclass
class CourseCode:
    """One notebook's answer cells as the course ships them."""

    notebook: str
    exercises: list[str]                     # grade_ids of the answer code cells, in order
    templates: dict[str, Template]
    model: dict[str, str]                    # the instructor's answers (markers removed)
    reference: dict[str, str]                # nncourse.reference's function of that name, with its helpers


def _without_markers(code: str) -> str:
    return "\n".join(line for line in code.splitlines() if line.strip() not in SOLUTION_MARKERS)


def reference_source(name: str, seen: set[str] | None = None) -> str:
    """The source of nncourse.reference.<name> and of the private helpers of its module it calls
    (those not in `seen`, which gets the names added: a notebook's helpers are shown once)."""
    import nncourse.reference as reference
    func = getattr(reference, name, None)
    if not inspect.isfunction(func):
        return ""
    module = inspect.getmodule(func)
    seen = set() if seen is None else seen
    parts, todo = [], [func]
    while todo:
        current = todo.pop(0)
        key = f"{current.__module__}.{current.__name__}"
        if key in seen:
            continue
        seen.add(key)
        try:
            text = inspect.getsource(current)
        except (OSError, TypeError):
            continue
        parts.append(text)
        for helper in re.findall(r"\b(_[A-Za-z]\w*)\s*\(", text):
            candidate = getattr(module, helper, None)
            if inspect.isfunction(candidate):
                todo.append(candidate)
    return "\n\n".join(parts)


def course_code(source_dir: Path | None, notebooks: list[str], answers: dict[str, dict[str, dict[str, str]]]
                ) -> dict[str, CourseCode]:
    """notebook -> its CourseCode. The answer cells come from solutions/ (the released stub from
    notebooks/ beside it, when there); without a source folder, the exercises are the grade_ids the
    students' notebooks hold and only the reference implementation is a baseline."""
    result = {}
    for notebook in notebooks:
        cells: dict[str, str] = {}
        stubs: dict[str, str] = {}
        if source_dir is not None:
            paths = sorted(Path(source_dir).glob(f"*/{notebook}.ipynb"))
            if paths:
                import nbformat
                cells = answer_cells(nbformat.read(paths[0], as_version=4))
                release = Path(source_dir).resolve().parent / "notebooks" / paths[0].parent.name / paths[0].name
                if release.is_file():
                    stubs = answer_cells(nbformat.read(release, as_version=4))
        exercises = list(cells) or list(dict.fromkeys(e for student in answers.get(notebook, {}).values()
                                                      for e in student))
        templates = {}
        for exercise in exercises:
            template = Template(lines=set(DEFAULT_STUB))
            if exercise in cells:
                template.add(cells[exercise], skip_solution=True)
            if exercise in stubs:
                template.add(stubs[exercise])
            templates[exercise] = template
        seen: set[str] = set()
        result[notebook] = CourseCode(notebook, exercises, templates,
                                      {e: _without_markers(c) for e, c in cells.items()},
                                      {e: reference_source(e, seen) for e in exercises})
    return result


# ---- fingerprints ----------------------------------------------------------------------------------------

@dataclass
class Document:
    """One side of a comparison: a student's (or the course's) code for one notebook, fingerprinted.

    Has the attributes copydetect's `compare_files` reads from a CodeFingerprint.
    """

    owner: str
    raw_code: str
    filtered_code: str = ""
    offsets: np.ndarray = field(default_factory=lambda: np.array([]))
    hashes: set = field(default_factory=set)
    hash_idx: dict = field(default_factory=dict)
    k: int = 25
    token_coverage: float = 0.0     # tokens compared (copydetect's): without template and common code
    own_coverage: float = 0.0       # tokens of the document without the template only: what a share is of


def assemble(exercises: list[str], templates: dict[str, Template], code: dict[str, str]) -> str:
    """One document of a student's answers in the notebook's order, the released template removed;
    a comment line names each exercise (comments are not compared)."""
    parts = []
    for exercise in exercises:
        text = code.get(exercise, "")
        if exercise in templates:
            text = templates[exercise].remove_from(text)
        if text.strip():
            parts.append(f"# ---- {exercise}\n{text}")
    return "\n\n".join(parts)


def _filter(code: str):
    """copydetect's tokenise-and-filter (names -> V, strings -> S, comments and blanks dropped)."""
    from copydetect.utils import filter_code
    return filter_code(code, "code.py", "python")


def _filter_many(codes: list[str]) -> list:
    return [_filter(code) for code in codes]


def filter_all(codes: list[str], workers: int, progress=None) -> list:
    """_filter of every text, in a pool of `workers` processes when there are many (tokenising is the
    slow part); `progress(n)` is called as texts are done."""
    if workers <= 1 or len(codes) < 200:
        results = []
        for code in codes:
            results.append(_filter(code))
            if progress:
                progress(1)
        return results
    chunk = max(20, min(200, len(codes) // (workers * 8) or 1))
    chunks = [codes[i:i + chunk] for i in range(0, len(codes), chunk)]
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    results: list = [None] * len(chunks)
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = {pool.submit(_filter_many, part): i for i, part in enumerate(chunks)}
        for future in concurrent.futures.as_completed(futures):
            results[futures[future]] = future.result()
            if progress:
                progress(len(chunks[futures[future]]))
    return [item for part in results for item in part]


def _fingerprint(document: Document, filtered, settings: Settings) -> None:
    from copydetect.utils import get_document_fingerprints
    document.filtered_code, document.offsets = filtered
    document.k = settings.noise
    window = settings.guarantee - settings.noise + 1
    if len(document.filtered_code) >= settings.noise:
        document.hashes, document.hash_idx = get_document_fingerprints(document.filtered_code, settings.noise,
                                                                       window)


def _set_aside(document: Document, template: set, common: set) -> None:
    """Drop fingerprints (template, common code) as copydetect drops boilerplate; recount coverage.

    Shares are of `own_coverage`, the document without the template: a student whose code is mostly
    what everybody writes, and who shares a little with one other student, does not share much."""
    from copydetect.utils import get_token_coverage
    document.hashes = document.hashes - template
    document.hash_idx = {h: i for h, i in document.hash_idx.items() if h in document.hashes}
    document.own_coverage = float(get_token_coverage(document.hash_idx, document.k, len(document.filtered_code)))
    document.hashes = document.hashes - common
    document.hash_idx = {h: i for h, i in document.hash_idx.items() if h in document.hashes}
    document.token_coverage = float(get_token_coverage(document.hash_idx, document.k, len(document.filtered_code)))


def _template_hashes(course: CourseCode, settings: Settings) -> set:
    from copydetect.utils import get_document_fingerprints
    hashes = set()
    for template in course.templates.values():
        text = "\n".join(template.strings) + "\n" + "\n".join(sorted(template.lines))
        filtered, _ = _filter(text)
        if len(filtered) >= settings.noise:
            hashes |= get_document_fingerprints(filtered, settings.noise, 1)[0]
    return hashes


# ---- comparing -------------------------------------------------------------------------------------------

@dataclass
class Pair:
    """Two documents whose code matches above the threshold. `b` is a student or REFERENCE / MODEL."""

    notebook: str
    a: str
    b: str
    similarity_a: float        # share of a's compared code that matches b
    similarity_b: float
    matched: int               # tokens matched (the smaller side)
    code_a: str
    code_b: str
    slices_a: list[list[int]]  # [start, end) of the matching parts in code_a
    slices_b: list[list[int]]

    @property
    def kind(self) -> str:
        return self.b if self.b in (REFERENCE, MODEL) else "students"

    def as_dict(self) -> dict:
        return {"notebook": self.notebook, "kind": self.kind, "a": self.a, "b": self.b,
                "similarity_a": round(self.similarity_a, 4), "similarity_b": round(self.similarity_b, 4),
                "matched_tokens": self.matched, "code_a": self.code_a, "code_b": self.code_b,
                "matches_a": self.slices_a, "matches_b": self.slices_b}


def _could_reach(a: Document, b: Document, occurrences_a: int, occurrences_b: int, settings: Settings,
                 one_sided: bool) -> bool:
    """Whether compare_files could find this pair similar: its overlap in a is at most k tokens per
    position of a shared fingerprint (and likewise in b)."""
    k = settings.noise
    reach_a = min(occurrences_a * k, a.own_coverage) / a.own_coverage if a.own_coverage else 0.0
    reach_b = min(occurrences_b * k, b.own_coverage) / b.own_coverage if b.own_coverage else 0.0
    best = reach_a if one_sided else max(reach_a, reach_b)
    return best >= settings.threshold and min(occurrences_a, occurrences_b) * k >= settings.min_match


def _compare(notebook: str, a: Document, b: Document, settings: Settings, one_sided: bool) -> Pair | None:
    from copydetect import compare_files
    overlap_a, (similarity_a, similarity_b), (slices_a, slices_b) = compare_files(a, b)
    if not overlap_a:
        return None
    overlap_b = float(similarity_b) * b.token_coverage   # compare_files gives b's as a share
    similarity_a = float(overlap_a) / a.own_coverage
    similarity_b = overlap_b / b.own_coverage
    matched = int(round(min(float(overlap_a), overlap_b)))
    best = similarity_a if one_sided else max(similarity_a, similarity_b)
    if best < settings.threshold or matched < settings.min_match:
        return None
    as_list = lambda slices: [[int(s), int(e)] for s, e in zip(slices[0], slices[1])]  # noqa: E731
    return Pair(notebook, a.owner, b.owner, float(similarity_a), float(similarity_b), matched,
                a.raw_code, b.raw_code, as_list(slices_a), as_list(slices_b))


def _candidate_pairs(documents: list[Document]) -> dict[tuple[int, int], list[int]]:
    """(i, j) -> [positions of shared fingerprints in i, in j] for every pair sharing one."""
    postings: dict[int, list[int]] = defaultdict(list)
    for index, document in enumerate(documents):
        for h in document.hashes:
            postings[h].append(index)
    pairs: dict[tuple[int, int], list[int]] = {}
    for h, holders in postings.items():
        if len(holders) < 2:
            continue
        counts = [len(documents[i].hash_idx[h]) for i in holders]
        for x in range(len(holders)):
            i, count_i = holders[x], counts[x]
            for y in range(x + 1, len(holders)):
                key = (i, holders[y])
                found = pairs.get(key)
                if found is None:
                    pairs[key] = [count_i, counts[y]]
                else:
                    found[0] += count_i
                    found[1] += counts[y]
    return pairs


@dataclass
class NotebookResult:
    notebook: str
    students: int                  # students with code to compare
    common_limit: int
    common_fingerprints: int
    baselines: list[str]
    pairs: list[Pair]

    def as_dict(self) -> dict:
        return {"notebook": self.notebook, "students_compared": self.students,
                "student_pairs_compared": self.students * (self.students - 1) // 2,
                "common_limit": self.common_limit, "common_fingerprints_set_aside": self.common_fingerprints,
                "baselines": self.baselines}


def compare_notebook(course: CourseCode, code: dict[str, dict[str, str]], settings: Settings,
                     filtered: dict[str, tuple] | None = None) -> NotebookResult:
    """Compare every pair of students' code of one notebook, and each student's with the baselines."""
    students = sorted(code)
    texts = {s: assemble(course.exercises, course.templates, code[s]) for s in students}
    documents = [Document(s, texts[s]) for s in students if texts[s].strip()]
    filtered = filtered if filtered is not None else {}
    for document in documents:
        _fingerprint(document, filtered.get(document.owner) or _filter(document.raw_code), settings)
    baselines = []
    for owner, parts in ((REFERENCE, course.reference), (MODEL, course.model)):
        text = assemble(course.exercises, course.templates, parts)
        if text.strip():
            baseline = Document(owner, text)
            _fingerprint(baseline, _filter(text), settings)
            # the model answers ARE the reference (one source): compare with that code once
            if not any(other.hashes == baseline.hashes for other in baselines):
                baselines.append(baseline)

    limit = settings.common_limit(len(documents))
    frequency: dict[int, int] = defaultdict(int)
    for document in documents:
        for h in document.hashes:
            frequency[h] += 1
    common = {h for h, n in frequency.items() if n > limit}
    template = _template_hashes(course, settings)
    for document in documents + baselines:
        _set_aside(document, template, common)

    pairs = []
    for (i, j), (occurrences_i, occurrences_j) in sorted(_candidate_pairs(documents).items()):
        a, b = documents[i], documents[j]
        if _could_reach(a, b, occurrences_i, occurrences_j, settings, one_sided=False):
            pair = _compare(course.notebook, a, b, settings, one_sided=False)
            if pair is not None:
                pairs.append(pair)
    for baseline in baselines:
        for document in documents:
            shared = document.hashes & baseline.hashes
            if not shared:
                continue
            occurrences = sum(len(document.hash_idx[h]) for h in shared)
            occurrences_b = sum(len(baseline.hash_idx[h]) for h in shared)
            if _could_reach(document, baseline, occurrences, occurrences_b, settings, one_sided=True):
                pair = _compare(course.notebook, document, baseline, settings, one_sided=True)
                if pair is not None:
                    pairs.append(pair)
    pairs.sort(key=lambda p: (-max(p.similarity_a, p.similarity_b), p.a, p.b))
    return NotebookResult(course.notebook, len(documents), limit, len(common), [b.owner for b in baselines], pairs)


def compare_class(answers: dict[str, dict[str, dict[str, str]]], courses: dict[str, CourseCode],
                  settings: Settings, progress=None) -> list[NotebookResult]:
    """compare_notebook for every notebook; the tokenising of all documents is shared out over
    settings.workers processes. `progress(total)`, if given, returns a function called with the
    number of steps done: one per document tokenised, one per notebook compared."""
    jobs = []
    for notebook, course in courses.items():
        for student, code in sorted(answers.get(notebook, {}).items()):
            text = assemble(course.exercises, course.templates, code)
            if text.strip():
                jobs.append((notebook, student, text))
    progress = progress(len(jobs) + len(courses)) if progress else None
    filtered = filter_all([text for _, _, text in jobs], settings.workers, progress)
    per_notebook: dict[str, dict[str, tuple]] = defaultdict(dict)
    for (notebook, student, _), result in zip(jobs, filtered):
        per_notebook[notebook][student] = result
    results = []
    for notebook, course in courses.items():
        results.append(compare_notebook(course, answers.get(notebook, {}), settings, per_notebook[notebook]))
        if progress:
            progress(1)
    return results


def as_json(results: list[NotebookResult], settings: Settings) -> dict:
    return {"note": NOTE, "settings": settings.as_dict(),
            "notebooks": [r.as_dict() for r in results],
            "pairs": [p.as_dict() for r in results for p in r.pairs]}


# ---- the page --------------------------------------------------------------------------------------------

#: How many pairs the page shows side by side (all of them are in the table and in the JSON).
PAIRS_SHOWN = 100


def _marked(code: str, slices: list[list[int]]) -> str:
    """The code as HTML with the matching parts in <mark> (copydetect's highlighter)."""
    import html

    from copydetect.utils import highlight_overlap
    if not slices:
        return html.escape(code)
    marked, _ = highlight_overlap(code, np.array(slices).T, "<mark>", "</mark>", escape_html=True)
    return marked


def _who(name: str) -> str:
    return name if name in (REFERENCE, MODEL) else f"student {name}"


def render_section(results: list[NotebookResult], settings: Settings, unavailable: str = "") -> str:
    """The "Similar code" section of the class report (also the body of `nncourse similarity`'s page)."""
    import html
    e = html.escape
    parts = ['<section id="similarity"><h2>Similar code</h2>',
             f'<p class="note"><strong>{e(NOTE)}</strong></p>']
    if unavailable:
        parts.append(f"<p>{e(unavailable)}</p></section>")
        return "\n".join(parts)
    parts.append(
        f"<p>Each student's exercise code was compared with every other student's in the same notebook, and "
        f"with {e(REFERENCE)} (nncourse/reference) and {e(MODEL)} (solutions/), by copydetect's winnowing "
        "fingerprints (as MOSS): names and strings are replaced by placeholders, comments and blank lines do "
        "not count, and the order of the functions does not matter. The released template (signatures, "
        "docstrings, stub lines) is set aside, and so is code found in more than "
        "<em>common</em> students' notebooks (code everybody writes is no evidence). A pair is listed when at "
        f"least {settings.threshold:.0%} of one side's code (template removed) matches the other and the match "
        f"covers at least {settings.min_match} tokens.</p>")
    rows = []
    for r in results:
        rows.append(f"<tr><td>{e(r.notebook)}</td><td class=\"n\">{r.students}</td>"
                    f"<td class=\"n\">{r.students * (r.students - 1) // 2}</td><td class=\"n\">{r.common_limit}</td>"
                    f"<td>{e(', '.join(r.baselines) or 'none')}</td><td class=\"n\">{len(r.pairs)}</td></tr>")
    parts.append('<table class="compared"><thead><tr><th>notebook</th><th>students compared</th>'
                 '<th>pairs of students</th><th>common (more than)</th><th>also compared with</th>'
                 f'<th>listed</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')
    pairs = [p for r in results for p in r.pairs]
    if not pairs:
        parts.append("<p>No pair is above the threshold.</p></section>")
        return "\n".join(parts)
    rows = []
    for n, p in enumerate(pairs, start=1):
        link = f'<a href="#pair-{n}">{n}</a>' if n <= PAIRS_SHOWN else str(n)
        rows.append(f"<tr><td>{link}</td><td>{e(p.notebook)}</td><td>{e(p.a)}</td><td>{e(_who(p.b))}</td>"
                    f'<td class="n">{p.similarity_a:.0%}</td><td class="n">{p.similarity_b:.0%}</td>'
                    f'<td class="n">{p.matched}</td></tr>')
    parts.append('<table class="pairs"><thead><tr><th>#</th><th>notebook</th><th>student</th><th>compared with</th>'
                 "<th>share of the student's code that matches</th><th>share of the other's</th>"
                 f'<th>tokens matched</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')
    if len(pairs) > PAIRS_SHOWN:
        parts.append(f"<p>The first {PAIRS_SHOWN} pairs are shown side by side below; the JSON output "
                     "(--format json) has the code of all of them.</p>")
    for n, p in enumerate(pairs[:PAIRS_SHOWN], start=1):
        parts.append(
            f'<h3 id="pair-{n}">{n}. {e(p.notebook)}: {e(_who(p.a))} and {e(_who(p.b))}</h3>'
            f'<div class="pair"><div><h4>{e(_who(p.a))}: {p.similarity_a:.0%} matches</h4>'
            f"<pre>{_marked(p.code_a, p.slices_a)}</pre></div>"
            f'<div><h4>{e(_who(p.b))}: {p.similarity_b:.0%} matches</h4>'
            f"<pre>{_marked(p.code_b, p.slices_b)}</pre></div></div>")
    parts.append("</section>")
    return "\n".join(parts)


# ---- from OUT to pairs -----------------------------------------------------------------------------------

def find_code(out: Path, notebooks: list[str], students: set[str], submissions: Path | None = None) -> dict:
    """notebook -> student -> exercise -> code for the graded class: from the records in OUT (which
    hold each exercise's code), else read from the submitted notebooks in `submissions`.

    Raises NoCode when neither has any."""
    from .classreport import state_records
    answers = code_from_records(state_records(out))
    lacking = [nb for nb in notebooks if nb not in answers]
    if lacking and submissions is not None:
        from .collect import InstructorError
        try:
            answers.update(code_from_submissions(submissions, lacking, students))
        except InstructorError as error:
            raise NoCode(str(error)) from None
    if not any(answers.get(nb) for nb in notebooks):
        where = (f"nor in {submissions}" if submissions is not None
                 else "(pass --submissions DIR, the folder that was graded)")
        raise NoCode(f"the students' code is not in the records in {out} {where}")
    return answers


def run(out: Path, notebooks: list[str], students: set[str], *, submissions: Path | None = None,
        source: Path | None = None, settings: Settings | None = None, progress: bool = False
        ) -> list[NotebookResult]:
    """Compare the class's code in OUT, notebook by notebook (see the module docstring)."""
    import sys
    settings = settings or Settings()
    answers = find_code(out, notebooks, students, submissions)
    courses = course_code(source, notebooks, answers)
    bars = []

    def start(total: int):
        from nncourse.progress import progress_bar
        bars.append(progress_bar(max(total, 1), desc="similarity", unit="step", widget=False, file=sys.stderr))
        return bars[0].update

    try:
        return compare_class(answers, courses, settings, start if progress else None)
    finally:
        for bar in bars:
            bar.close()
