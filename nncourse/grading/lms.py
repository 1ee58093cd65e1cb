"""`nncourse collect`: LMS downloads into nbgrader's submitted/ folder.

    nncourse collect DOWNLOAD --out OUT [--assignment ID] [--lms auto|canvas|moodle|folders] [--pattern REGEX]

DOWNLOAD is a zip or a folder:

- Canvas's "Download Submissions": files named `<name>_<userid>_<submissionid>_<file>`, with
  `_late_` after the name for late work and `-1`, `-2` before the extension for resubmissions;
  students are found through the roster's Canvas ID (`nncourse roster import` of the Canvas
  gradebook export);
- Moodle's "Download all submissions": a folder `<Full Name>_<participant id>_assignsubmission_file_/`
  per student (or files with that prefix); students are found by name through the roster (or by
  the participant id, when the roster's LMS id holds it);
- plain folders: one folder or zip per student named by the student's id (any layout inside);
- anything else, with `--pattern`: a regular expression, as nbgrader's ZipCollectApp takes, applied
  to each file's path relative to DOWNLOAD, with the named groups `student_id` (or `lms_id`, or
  `name`) and `file`, and optionally `late` and `timestamp`.

Each file is matched to a notebook by its name, ignoring case, spaces versus `_` and `-`, and the
marks copies get (`-1`, `-Copy1`, ` (1)`, ` - Copy`); with `--assignment`, a student's only
notebook is taken for it whatever its name. Of several files for one notebook the newest wins
(the latest resubmission). Every submission is written to
OUT/submitted/<student>/<assignment>/<notebook>.ipynb with nbgrader's timestamp.txt (the time from
the pattern, else the zip entry's time, else the file's); every file that could not be matched is
listed in the summary and in OUT/unmatched.csv, and every file taken in OUT/collected.csv.

Student files are read with `collect`'s rules (regular files only, no links, size limits).
"""
from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

from .collect import SKIPPED_PARTS, InstructorError, extract_safely, read_regular_file
from .coursefolder import CourseFolder, atomic_write
from .late import parse_time, utc_text
from .report import write_csv
from .roster import Roster

CANVAS = re.compile(r"^(?P<name>[^_/]+?)(?:_(?P<late>late))?_(?P<lms_id>\d+)_(?P<submission>\d+)_(?P<file>[^/]+)$",
                    re.IGNORECASE)
MOODLE = re.compile(r"^(?P<name>[^/]+?)_(?P<participant>\d+)_assignsubmission_(?:file|onlinetext)_/?(?P<file>.*)$")
COPY_MARKS = re.compile(r"(?:\s*-\s*copy\s*\d*|-copy\d*|_copy\d*|\s*\(\d+\)|-\d+)$", re.IGNORECASE)
NOTEBOOK_SUFFIX = ".ipynb"


@dataclass
class Candidate:
    relative: str                 # path inside the download (for the CSVs)
    data: bytes | None            # the file's bytes (None for an unreadable file)
    when: datetime | None         # its time (zip entry or file), UTC
    student: str | None = None
    notebook: str | None = None
    late: bool = False
    reason: str = ""              # why it was not matched
    how: str = ""                 # how it was matched


@dataclass
class Collected:
    taken: list[Candidate] = field(default_factory=list)
    replaced: list[Candidate] = field(default_factory=list)
    unmatched: list[Candidate] = field(default_factory=list)
    layout: str = ""

    def summary(self, out: Path) -> str:
        students = {c.student for c in self.taken}
        lines = [f"collected {len(self.taken)} notebooks of {len(students)} students ({self.layout} layout) "
                 f"into {out / 'submitted'}"]
        if self.replaced:
            lines.append(f"{len(self.replaced)} older submissions replaced by a later one (see collected.csv)")
        late = [c for c in self.taken if c.late]
        if late:
            lines.append(f"{len(late)} marked late by the LMS: " + ", ".join(f"{c.student} ({c.notebook})"
                                                                               for c in late[:5]))
        if self.unmatched:
            lines.append(f"{len(self.unmatched)} files not matched (listed in {out / 'unmatched.csv'}):")
            lines += [f"  {c.relative}: {c.reason}" for c in self.unmatched[:20]]
            if len(self.unmatched) > 20:
                lines.append(f"  ... and {len(self.unmatched) - 20} more")
        return "\n".join(lines)


def _key(text: str) -> str:
    return " ".join(re.sub(r"[_\-\s]+", " ", text).lower().split())


def notebook_for(file_name: str, notebooks: list[str]) -> str | None:
    """The release notebook a file name stands for, despite case, copies and resubmission marks."""
    name = PurePosixPath(file_name).name
    if not name.lower().endswith(NOTEBOOK_SUFFIX):
        return None
    stem = name[: -len(NOTEBOOK_SUFFIX)]
    wanted = {_key(nb): nb for nb in notebooks}
    for _ in range(3):        # "01_the_neuron-Copy1 (1)" loses both marks
        if _key(stem) in wanted:
            return wanted[_key(stem)]
        shorter = COPY_MARKS.sub("", stem)
        if shorter == stem:
            break
        stem = shorter
    return wanted.get(_key(stem))


# ---- reading the download -------------------------------------------------------------------------

def _skipped(relative: PurePosixPath) -> bool:
    return any(part in SKIPPED_PARTS or part.startswith("._") or part == ".DS_Store" for part in relative.parts)


def _walk(folder: Path):
    """Regular files under `folder` (relative posix paths), never following a link."""
    stack = [folder]
    while stack:
        current = stack.pop()
        try:
            entries = sorted(current.iterdir())
        except OSError:
            continue
        for entry in entries:
            if entry.is_symlink():
                yield PurePosixPath(entry.relative_to(folder).as_posix()), entry, "a link (not followed)"
            elif entry.is_dir():
                stack.append(entry)
            elif entry.is_file():
                yield PurePosixPath(entry.relative_to(folder).as_posix()), entry, ""


def _zip_times(archive: Path) -> dict[str, datetime]:
    times = {}
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            try:
                times[PurePosixPath(info.filename).as_posix()] = datetime(*info.date_time, tzinfo=timezone.utc)
            except ValueError:
                pass
    return times


def read_download(download: Path, work: Path) -> list[Candidate]:
    """Every file of a download (zip or folder), nested zips of one student opened once."""
    download = Path(download)
    times: dict[str, datetime] = {}
    if download.is_file():
        if download.suffix.lower() != ".zip":
            raise InstructorError(f"{download} is neither a folder nor a .zip file")
        folder = work / "download"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        try:
            extract_safely(download, folder)
            times = _zip_times(download)
        except (zipfile.BadZipFile, ValueError, OSError, EOFError) as error:
            raise InstructorError(f"{download} is not a readable zip file ({error})") from None
    elif download.is_dir():
        folder = download
    else:
        raise InstructorError(f"no such file or folder: {download}")
    candidates = []
    for relative, path, problem in _walk(folder):
        if _skipped(relative):
            continue
        when = times.get(relative.as_posix())
        if problem:
            candidates.append(Candidate(relative.as_posix(), None, when, reason=problem))
            continue
        if relative.suffix.lower() == ".zip":
            candidates += _nested_zip(relative, path, work, when)
            continue
        try:
            data = read_regular_file(path)
        except ValueError as error:
            candidates.append(Candidate(relative.as_posix(), None, when, reason=str(error)))
            continue
        if when is None:
            when = datetime.fromtimestamp(path.lstat().st_mtime, timezone.utc)
        candidates.append(Candidate(relative.as_posix(), data, when))
    if not candidates:
        raise InstructorError(f"no files found in {download}")
    return candidates


def _nested_zip(relative: PurePosixPath, path: Path, work: Path, when: datetime | None) -> list[Candidate]:
    """A zip of one student (or one they uploaded): its notebooks, named `<zip path>/<path inside>`."""
    target = Path(tempfile.mkdtemp(dir=work))
    try:
        extract_safely(path, target)
        inner_times = _zip_times(path)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as error:
        return [Candidate(relative.as_posix(), None, when, reason=f"not a readable zip ({error})")]
    found = []
    for inner, inner_path, problem in _walk(target):
        if _skipped(inner) or inner.suffix.lower() != NOTEBOOK_SUFFIX:
            continue
        name = f"{relative.as_posix()}/{inner.as_posix()}"
        if problem:
            found.append(Candidate(name, None, when, reason=problem))
            continue
        try:
            data = read_regular_file(inner_path)
        except ValueError as error:
            found.append(Candidate(name, None, when, reason=str(error)))
            continue
        found.append(Candidate(name, data, when or inner_times.get(inner.as_posix())))
    if not found:
        return [Candidate(relative.as_posix(), None, when, reason="a zip without a notebook")]
    return found


# ---- matching --------------------------------------------------------------------------------------

def detect_layout(candidates: list[Candidate]) -> str:
    names = [c.relative for c in candidates]
    if sum(1 for n in names if MOODLE.match(n)) * 2 >= len(names):
        return "moodle"
    if sum(1 for n in names if CANVAS.match(PurePosixPath(n).parts[0])) * 2 >= len(names):
        return "canvas"
    return "folders"


def _name_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _by_name(roster: Roster) -> dict[str, str]:
    """Name keys (first last, last first, Canvas's lastfirst) -> student id (ambiguous names dropped)."""
    found: dict[str, set[str]] = {}
    for student in roster.students.values():
        for variant in (f"{student.first_name} {student.last_name}", f"{student.last_name} {student.first_name}",
                        student.lms_name):
            if variant.strip():
                found.setdefault(_name_key(variant), set()).add(student.id)
    return {key: ids.pop() for key, ids in found.items() if len(ids) == 1}


def match(candidates: list[Candidate], layout: str, roster: Roster, notebooks: list[str],
          pattern: str | None = None, assignment_notebooks: list[str] | None = None) -> None:
    """Fill in student, notebook and late of every candidate (or its reason)."""
    by_lms = {lms_id: student.id for lms_id, student in roster.by_lms_id().items()}
    by_name = _by_name(roster)
    regex = re.compile(pattern) if pattern else None
    for c in candidates:
        if c.data is None:
            continue
        if regex is not None:
            m = regex.match(c.relative)
            if not m:
                c.reason = "does not match --pattern"
                continue
            groups = m.groupdict()
            file_name = groups.get("file") or PurePosixPath(c.relative).name
            c.late = bool(groups.get("late"))
            if groups.get("timestamp"):
                try:
                    c.when = parse_time(groups["timestamp"])
                    c.when = c.when.replace(tzinfo=timezone.utc) if c.when else None
                except ValueError:
                    c.reason = f"cannot read the time {groups['timestamp']!r}"
                    continue
            student = _student_from(groups, by_lms, by_name, roster, c)
        elif layout == "canvas":
            parts = PurePosixPath(c.relative).parts
            m = CANVAS.match(parts[0])
            if not m:
                c.reason = "not named as Canvas names submissions (<name>_<userid>_<submissionid>_<file>)"
                continue
            file_name, c.late = (m["file"] if len(parts) == 1 else parts[-1]), bool(m["late"])
            student = by_lms.get(m["lms_id"])
            if student is None:
                c.reason = (f"Canvas user {m['lms_id']} ({m['name']}) is not in the roster "
                            "(nncourse roster import the Canvas gradebook export)")
                continue
        elif layout == "moodle":
            m = MOODLE.match(c.relative)
            if not m:
                c.reason = "not in a Moodle submission folder (<Full Name>_<id>_assignsubmission_file_)"
                continue
            file_name = m["file"] or PurePosixPath(c.relative).name
            student = by_lms.get(m["participant"]) or by_name.get(_name_key(m["name"]))
            if student is None:
                c.reason = f"{m['name']} is not in the roster (or the name is ambiguous)"
                continue
        else:
            parts = PurePosixPath(c.relative).parts
            if len(parts) < 2:
                c.reason = "a loose file (expected one folder or zip per student)"
                continue
            student = parts[0][: -len(".zip")] if parts[0].lower().endswith(".zip") else parts[0]
            if roster.students and student not in roster.students:
                c.reason = f"{student} is not in the roster"
                continue
            file_name = parts[-1]
        if student is None:
            continue
        c.student = student
        notebook = notebook_for(file_name, notebooks)
        if notebook is None and assignment_notebooks and len(assignment_notebooks) == 1 \
                and file_name.lower().endswith(NOTEBOOK_SUFFIX):
            notebook = assignment_notebooks[0]
            c.how = f"the only notebook of the assignment (was {PurePosixPath(file_name).name})"
        if notebook is None:
            c.reason = (f"{PurePosixPath(file_name).name} is not a notebook of the course" if
                        file_name.lower().endswith(NOTEBOOK_SUFFIX) else "not a notebook")
            continue
        c.notebook = notebook
        c.how = c.how or ("by name" if PurePosixPath(file_name).stem == notebook else
                          f"by name (was {PurePosixPath(file_name).name})")


def _student_from(groups: dict, by_lms: dict, by_name: dict, roster: Roster, c: Candidate) -> str | None:
    if groups.get("student_id"):
        student = groups["student_id"]
        if roster.students and student not in roster.students:
            c.reason = f"{student} is not in the roster"
            return None
        return student
    if groups.get("lms_id"):
        student = by_lms.get(groups["lms_id"])
        if student is None:
            c.reason = f"LMS user {groups['lms_id']} is not in the roster"
        return student
    if groups.get("name"):
        student = by_name.get(_name_key(groups["name"]))
        if student is None:
            c.reason = f"{groups['name']} is not in the roster (or the name is ambiguous)"
        return student
    c.reason = "--pattern has no student_id, lms_id or name group"
    return None


# ---- writing submitted/ ----------------------------------------------------------------------------

def collect_download(download: Path, folder: CourseFolder, notebooks: dict[str, str], roster: Roster,
                     layout: str = "auto", pattern: str | None = None, assignment: str | None = None) -> Collected:
    """notebooks: notebook -> assignment (the course's); returns what was taken, replaced and left out."""
    work = folder.out / ".work" / "collect"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        candidates = read_download(download, work)
        if layout == "auto":
            layout = "pattern" if pattern else detect_layout(candidates)
        if layout in ("canvas", "moodle") and not roster.students:
            raise InstructorError(f"a {layout} download names students by their LMS id or name: import the roster "
                                  "first (nncourse roster import FILE --out OUT)")
        names = list(notebooks)
        only = [nb for nb, a in notebooks.items() if a == assignment] if assignment else None
        if assignment and not only:
            known = ", ".join(sorted(set(notebooks.values())))
            raise InstructorError(f"unknown assignment {assignment} (known: {known})")
        match(candidates, layout, roster, only or names, pattern, only)
        result = Collected(layout=layout)
        chosen: dict[tuple[str, str], Candidate] = {}
        for c in candidates:
            if c.student is None or c.notebook is None:
                if not c.reason:
                    c.reason = "not matched"
                result.unmatched.append(c)
                continue
            key = (c.student, c.notebook)
            previous = chosen.get(key)
            if previous is None or _newer(c, previous):
                if previous is not None:
                    previous.reason = f"replaced by {c.relative}"
                    result.replaced.append(previous)
                chosen[key] = c
            else:
                c.reason = f"replaced by {previous.relative}"
                result.replaced.append(c)
        for (student, notebook), c in sorted(chosen.items()):
            target = folder.submitted(student, notebooks[notebook])
            atomic_write(target / f"{notebook}.ipynb", c.data or b"")
            atomic_write(target / "timestamp.txt", ((utc_text(c.when) or "") + "\n").encode("utf-8"))
            result.taken.append(c)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    name = Path(download).name
    _update_csv(folder.out / "collected.csv", ["download", "student_id", "assignment", "notebook", "file",
                                               "timestamp", "lms_late", "matched"], name,
                [[name, c.student, notebooks[c.notebook or ""], c.notebook, c.relative, utc_text(c.when) or "",
                  "yes" if c.late else "", c.how] for c in result.taken]
                + [[name, c.student, notebooks.get(c.notebook or "", ""), c.notebook, c.relative,
                    utc_text(c.when) or "", "yes" if c.late else "", c.reason] for c in result.replaced])
    _update_csv(folder.out / "unmatched.csv", ["download", "file", "reason"], name,
                [[name, c.relative, c.reason] for c in result.unmatched])
    return result


def _update_csv(path: Path, header: list[str], download: str, new_rows: list[list]) -> None:
    """Replace this download's rows of a CSV, keeping those of other downloads (one per week)."""
    import csv
    kept = []
    if path.exists():
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            if next(reader, None) == header:
                kept = [row for row in reader if row and row[0] != download]
    write_csv(path, header, kept + new_rows)


def _resubmission(c: Candidate) -> int:
    m = re.search(r"-(\d+)\.ipynb$", c.relative, re.IGNORECASE)
    return int(m.group(1)) if m else 0


def _newer(a: Candidate, b: Candidate) -> bool:
    """Is `a` a later submission than `b`? By time, then by Canvas's resubmission number."""
    if a.when and b.when and a.when != b.when:
        return a.when > b.when
    return _resubmission(a) > _resubmission(b)
