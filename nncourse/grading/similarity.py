"""Whose exercise code is too much alike: pairs of submissions for a person to look at.

    nncourse similarity OUT [--threshold 0.5] [--format html|json] [--submissions DIR] [--source DIR]

For each notebook, every student's exercise code (the answer cells of the notebook the run graded)
is compared with every other student's, and with the course's own code: the reference
implementation (`nncourse.reference`) and the instructor's model answers (solutions/). The
comparison is copydetect's, winnowing fingerprints as in MOSS: the code is tokenised, names and
strings become placeholders (so renamed variables still match, and comments and blank lines do not
count), hashes of its k-grams are winnowed into fingerprints, and two documents match where their
fingerprints do; the order of the functions does not matter. Each exercise is fingerprinted on its
own (no fingerprint spans two cells) and tokenised by Python's tokenizer (`filter_code`, the same
filtering as copydetect's, four times faster). Before comparing, two things are set aside, so that
only what a student chose to write can match:

- the released template: each answer cell's signature, docstring and stub lines;
- code that many students share: a fingerprint found in more than `common` students' code of the
  notebook (MOSS's -m). The one natural way to write `np.maximum(0, z)` is not evidence of copying.

A pair is listed when at least `threshold` of one side's code (the template removed) matches the
other's outside the common code, and the match covers at least `min_match` tokens on both sides: a
student whose code is mostly what everybody writes is not "similar" to one other student for the
few lines they share. The list shows the code of both side by side
with the matching parts marked. It never changes a grade: a similar pair is a question for a
person, who knows how the students worked, not a verdict.

Every pair is compared: an inverted index of the fingerprints finds, for each document, the ones that
share any fingerprint with it (the others have similarity 0), and copydetect's `compare_files` runs
on every pair whose shared fingerprints could reach the threshold.
"""
from __future__ import annotations

import builtins
import concurrent.futures
import inspect
import io
import keyword
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
BOTH = "the reference implementation (= the model answers)"   # when the two are the same code
COURSE = (REFERENCE, MODEL, BOTH)
NOTE = ("This list never changes a grade. Similar code is a question for a person, who knows how the "
        "students worked (a study group, a tutor's example, a shared starting point), not a verdict.")
SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
DEFAULT_STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")


class NoCode(Exception):
    """The students' code cannot be found (not in OUT's records, and no submissions folder given)."""


@dataclass
class Settings:
    threshold: float = 0.5          # share of one side's (non-template, non-common) code that matches
    min_match: int = 80             # tokens (copydetect's filtered characters) matched on both sides
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


def code_from_records(records: list) -> dict[str, dict[str, dict[str, str]]]:
    """notebook -> student -> exercise -> code, from the records (nncourse.grading.records.Record) of
    a grading run, which keep each exercise's code."""
    found: dict[str, dict[str, dict[str, str]]] = {}
    for record in records:
        codes = {r.exercise: r.code for r in record.results if r.code}
        if codes:
            found.setdefault(record.notebook, {})[record.student_id] = codes
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
    strings: list[str] = []
    spans: list[tuple[int, int]] = []
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
#
# A document is one student's (or the course's) code for one notebook: its exercises one after the
# other, each fingerprinted on its own (so no fingerprint spans two exercises, and the order of the
# cells does not matter), then put together into one object that copydetect's compare_files takes.

_KEPT_NAMES = frozenset(dir(builtins)) | frozenset(keyword.kwlist) | {"self", "cls"}
_DROPPED = frozenset({tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
                      tokenize.ENDMARKER})
_STRINGS = frozenset({tokenize.STRING} | {getattr(tokenize, name) for name in
                                          ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END")
                                          if hasattr(tokenize, name)})


def filter_code(code: str) -> tuple[str, np.ndarray]:
    """copydetect's filter_code for Python, with Python's own tokenizer (about four times faster than
    the Pygments lexer copydetect uses): names become V (a function's name where it is defined F, a
    class's O), string literals S, keywords, builtins, numbers and operators stay, comments and
    whitespace go. Returns the filtered text and copydetect's offsets (filtered index, characters
    removed before it). Where Pygments differs, the difference does not matter to a comparison that
    filters every document the same way: Pygments writes a string's quotes ("S"), keeps module names
    after `import`, lexes an f-string's replacement fields and has its own rules for dunder names;
    here a string is S, a module name V, an f-string S and a dunder name V. Code Python cannot
    tokenise (a syntax error) goes through copydetect's own."""
    starts = [0]
    total = 0
    for line in code.splitlines(keepends=True):
        total += len(line)
        starts.append(total)
    starts += [total, total]          # the end marker's row is one past the last line
    out: list[str] = []
    entries = [[0, 0]]
    append, entry = out.append, entries.append
    length = removed = cursor = 0
    previous = ""
    name, dropped, strings, kept = tokenize.NAME, _DROPPED, _STRINGS, _KEPT_NAMES
    try:
        for kind, string, (start_row, start_col), (end_row, end_col), _ in tokenize.generate_tokens(
                io.StringIO(code).readline):
            start = starts[start_row - 1] + start_col
            end = starts[end_row - 1] + end_col
            if start > cursor:                     # whitespace between tokens
                entry([length - 1, removed])
                removed += start - cursor
            if end > cursor:
                cursor = end
            if kind in dropped:
                if end > start:
                    entry([length - 1, removed])
                    removed += end - start
                continue
            if kind == name and (string not in kept or previous == "."):   # .sum is an attribute, not sum
                text = "F" if previous == "def" else "O" if previous == "class" else "V"
            elif kind in strings:
                text = "S"
            else:                                  # kept as it is
                previous = string
                append(string)
                length += len(string)
                continue
            previous = string
            append(text)                           # replaced by one character
            length += 1
            entry([length - 1, removed])
            removed += len(string) - 1
    except (tokenize.TokenError, SyntaxError):   # IndentationError is a SyntaxError
        from copydetect.utils import filter_code as pygments_filter
        return pygments_filter(code, "code.py", "python")
    return "".join(out), np.array(entries)


def coverage(hash_idx: dict, k: int) -> float:
    """copydetect's get_token_coverage without the array: how many tokens the k-grams at the
    fingerprints' positions cover (the length of the union of [p, p + k))."""
    positions = sorted(p for found in hash_idx.values() for p in found)
    if not positions:
        return 0.0
    covered = k
    for before, after in zip(positions, positions[1:]):
        covered += min(k, after - before)
    return float(covered)


@dataclass
class Piece:
    """One exercise's code, filtered and fingerprinted (copydetect's get_document_fingerprints)."""

    filtered: str
    offsets: np.ndarray
    hash_idx: dict         # fingerprint -> its positions in `filtered`
    coverage: float        # tokens covered by the fingerprints' k-grams (copydetect's token coverage)


def fingerprint(text: str, noise: int, window: int) -> Piece:
    from copydetect.utils import get_document_fingerprints
    filtered, offsets = filter_code(text)
    if len(filtered) < noise:
        return Piece(filtered, offsets, {}, 0.0)
    _, hash_idx = get_document_fingerprints(filtered, noise, window)
    # Python ints, not numpy scalars: they hash, compare and pickle several times faster
    hash_idx = {int(h): [int(p) for p in positions] for h, positions in hash_idx.items()}
    return Piece(filtered, offsets, hash_idx, coverage(hash_idx, noise))


def _fingerprint_many(texts: list[str], noise: int, window: int) -> list[Piece]:
    return [fingerprint(text, noise, window) for text in texts]


def fingerprint_all(texts: list[str], settings: Settings, progress=None) -> dict[str, Piece]:
    """text -> Piece for every distinct text, in `settings.workers` forked processes when there are
    many (the hashes are Python's string hashes: a forked process has the same ones; a spawned one
    would not, so without fork it all runs here). progress(n) is called as texts are done."""
    distinct = list(dict.fromkeys(texts))
    window = settings.guarantee - settings.noise + 1
    if not _parallel(settings, len(distinct)):
        pieces: dict[str, Piece] = {}
        for text in distinct:
            pieces[text] = fingerprint(text, settings.noise, window)
            if progress:
                progress(1)
        return pieces
    size = max(50, min(500, len(distinct) // (settings.workers * 8) or 1))
    chunks = [distinct[i:i + size] for i in range(0, len(distinct), size)]
    pieces = {}
    context = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(max_workers=settings.workers, mp_context=context) as pool:
        futures = {pool.submit(_fingerprint_many, chunk, settings.noise, window): chunk for chunk in chunks}
        for future in concurrent.futures.as_completed(futures):
            pieces.update(zip(futures[future], future.result()))
            if progress:
                progress(len(futures[future]))
    return pieces


def pieces(exercises: list[str], templates: dict[str, Template], code: dict[str, str]) -> list[str]:
    """A student's answers in the notebook's order, each without the released template and headed by
    a comment line naming the exercise (comments are not compared); blank ones left out."""
    found = []
    for exercise in exercises:
        text = code.get(exercise, "")
        if exercise in templates:
            text = templates[exercise].remove_from(text)
        if text.strip():
            found.append(f"# ---- {exercise}\n{text}")
    return found


@dataclass
class Document:
    """One side of a comparison: a student's (or the course's) code for one notebook, fingerprinted.

    Has the attributes copydetect's `compare_files` reads from a CodeFingerprint."""

    owner: str
    raw_code: str
    filtered_code: str
    offsets: np.ndarray
    hashes: set
    hash_idx: dict
    k: int
    token_coverage: float = 0.0     # tokens compared (copydetect's): without template and common code
    own_coverage: float = 0.0       # tokens without the template only: what a share is of
    full_coverage: float = 0.0      # tokens before anything is set aside


def join_pieces(owner: str, texts: list[str], prints: dict[str, Piece], settings: Settings) -> Document:
    """Join the exercises' Pieces into one Document: positions shifted, offsets mapped to the joined text."""
    window = settings.guarantee - settings.noise + 1
    filtered: list[str] = []
    offsets: list[np.ndarray] = []
    hash_idx: dict[int, list[int]] = {}   # fingerprint -> its positions in the joined filtered text
    raw_start = filtered_start = 0
    coverage = 0.0                            # additive: no k-gram spans two exercises
    for n, text in enumerate(texts):
        piece = prints.get(text) or fingerprint(text, settings.noise, window)
        raw_start += 2 if n else 0            # the blank line between exercises
        if len(piece.offsets):
            offsets.append(piece.offsets + np.array([filtered_start, raw_start - filtered_start]))
        for h, positions in piece.hash_idx.items():
            shifted = [p + filtered_start for p in positions] if filtered_start else positions
            hash_idx[h] = hash_idx[h] + shifted if h in hash_idx else shifted   # never changes a Piece's list
        filtered.append(piece.filtered)
        coverage += piece.coverage
        raw_start += len(text)
        filtered_start += len(piece.filtered)
    return Document(owner, "\n\n".join(texts), "".join(filtered),
                    np.concatenate(offsets) if offsets else np.array([]), set(hash_idx), hash_idx, settings.noise,
                    full_coverage=coverage)


def _set_aside(document: Document, template: set, common: set) -> None:
    """Drop fingerprints (template, common code) as copydetect drops boilerplate; count coverage.

    Shares are of `own_coverage`, the document without the template: a student whose code is mostly
    what everybody writes, and who shares a little with one other student, does not share much."""
    def without(hashes, coverage_before):
        """Drop `hashes` from the document's fingerprints; the coverage of what is left."""
        if not hashes & document.hashes:
            return coverage_before
        document.hashes = document.hashes - hashes
        document.hash_idx = {h: i for h, i in document.hash_idx.items() if h in document.hashes}
        return coverage(document.hash_idx, document.k)

    document.own_coverage = without(template, document.full_coverage)
    document.token_coverage = without(common, document.own_coverage)


def _template_hashes(course: CourseCode, settings: Settings) -> set:
    from copydetect.utils import get_document_fingerprints
    hashes = set()
    for template in course.templates.values():
        text = "\n".join(template.strings) + "\n" + "\n".join(sorted(template.lines))
        filtered, _ = filter_code(text)
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
        return self.b if self.b in COURSE else "students"

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
                     prints: dict[str, Piece] | None = None) -> NotebookResult:
    """Compare every pair of students' code of one notebook, and each student's with the baselines.

    prints: the exercises' fingerprints already computed (fingerprint_all), by text."""
    prints = prints if prints is not None else {}
    documents = []
    for student in sorted(code):
        texts = pieces(course.exercises, course.templates, code[student])
        if texts:
            documents.append(join_pieces(student, texts, prints, settings))
    baselines = []
    for owner, parts in ((REFERENCE, course.reference), (MODEL, course.model)):
        texts = pieces(course.exercises, course.templates, parts)
        if texts:
            baselines.append(join_pieces(owner, texts, prints, settings))
    if len(baselines) == 2 and baselines[0].hashes == baselines[1].hashes:
        baselines = [baselines[0]]       # the same code twice: one baseline
        baselines[0].owner = BOTH

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


_SHARED: dict = {}   # what forked processes comparing notebooks read (set before the fork)


def _compare_shared(notebook: str) -> NotebookResult:
    answers, courses, settings, prints = (_SHARED[k] for k in ("answers", "courses", "settings", "prints"))
    return compare_notebook(courses[notebook], answers.get(notebook, {}), settings, prints)


def _parallel(settings: Settings, size: int) -> bool:
    return settings.workers > 1 and size >= 400 and "fork" in multiprocessing.get_all_start_methods()


def compare_class(answers: dict[str, dict[str, dict[str, str]]], courses: dict[str, CourseCode],
                  settings: Settings, progress=None) -> list[NotebookResult]:
    """compare_notebook for every notebook. With many documents the work is shared out over
    settings.workers forked processes: first the fingerprinting of every exercise's code, then the
    notebooks. `progress(total)`, if given, returns a function called with the number of steps
    done: one per distinct piece of code fingerprinted, one per notebook compared."""
    texts = [text for notebook, course in courses.items() for code in answers.get(notebook, {}).values()
             for text in pieces(course.exercises, course.templates, code)]
    progress = progress(len(set(texts)) + len(courses)) if progress else None
    prints = fingerprint_all(texts, settings, progress)
    if not _parallel(settings, len(texts)) or len(courses) < 2:
        results = []
        for notebook, course in courses.items():
            results.append(compare_notebook(course, answers.get(notebook, {}), settings, prints))
            if progress:
                progress(1)
        return results
    _SHARED.update(answers=answers, courses=courses, settings=settings, prints=prints)
    try:
        done: dict[str, NotebookResult] = {}
        context = multiprocessing.get_context("fork")
        with concurrent.futures.ProcessPoolExecutor(max_workers=settings.workers, mp_context=context) as pool:
            # the largest notebooks first, so that the workers finish together
            order = sorted(courses, key=lambda nb: -sum(len(c) for c in answers.get(nb, {}).values()))
            futures = {pool.submit(_compare_shared, notebook): notebook for notebook in order}
            for future in concurrent.futures.as_completed(futures):
                done[futures[future]] = future.result()
                if progress:
                    progress(1)
        return [done[notebook] for notebook in courses]
    finally:
        _SHARED.clear()


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
    return name if name in COURSE else f"student {name}"


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

def find_code(out: Path, notebooks: list[str], students: set[str], submissions: Path | None = None,
              records: list | None = None) -> dict:
    """notebook -> student -> exercise -> code for the graded class: from the records in OUT (which
    hold each exercise's code; `records` if already read), else read from the submitted notebooks in
    `submissions` (for a run graded before the records kept the code).

    Raises NoCode when neither has any."""
    from .classreport import state_records
    answers = code_from_records(state_records(out) if records is None else records)
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
        source: Path | None = None, settings: Settings | None = None, progress: bool = False,
        records: list | None = None) -> list[NotebookResult]:
    """Compare the class's code in OUT, notebook by notebook (see the module docstring)."""
    import sys
    settings = settings or Settings()
    answers = find_code(out, notebooks, students, submissions, records)
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
