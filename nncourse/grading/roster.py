"""The class roster: who the students are, and who they are in the LMS.

    nncourse roster import FILE --out OUT [--db URL]

FILE is either

- a Canvas gradebook export (Grades > Export): `Student, ID, SIS User ID, SIS Login ID,
  [Integration ID,] Section, <assignment> (<id>), ...`, with its "Points Possible" row; or
- a plain CSV with a header naming some of `id, first_name, last_name, email, lms_user_id`
  (also accepted: `student_id`, `first name`, `last name`, `lms id`, ...; `name` as "Last, First").

Every student goes into nbgrader's students table (id, first and last name, email, lms_user_id), where
formgrader, `nbgrader export` and nncourse's exports find them. What nbgrader has no column for (the
SIS login, the section, and a Canvas export's assignment columns with their ids) is kept in
OUT/roster.json, so that canvas.csv can name its columns exactly as Canvas did.

The nbgrader student id of a Canvas student is the SIS User ID, else the SIS Login ID, else the
Canvas ID (`--id-column` picks another); `lms_user_id` is the Canvas ID, which Canvas's bulk
submission download puts in every file name.
"""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .coursefolder import atomic_write

ROSTER_FILE = "roster.json"
CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Integration ID", "Root Account", "Section")
# Canvas's read-only and computed columns (its importer ignores them; so do we)
CANVAS_COMPUTED = re.compile(r"(Current|Final|Unposted Current|Unposted Final|Override) (Score|Points|Grade|Status)"
                             r"|\(read only\)", re.IGNORECASE)
CANVAS_COLUMN = re.compile(r"^(?P<title>.*\S)\s*\((?P<id>\d+)\)\s*$")

PLAIN_ALIASES = {
    "id": ("id", "student_id", "student id", "username", "login", "sid", "user_id"),
    "first_name": ("first_name", "first name", "firstname", "given name", "given_name"),
    "last_name": ("last_name", "last name", "lastname", "surname", "family name", "family_name"),
    "email": ("email", "e-mail", "email address", "mail"),
    "lms_user_id": ("lms_user_id", "lms id", "lms_id", "lms user id", "canvas id", "canvas_id"),
    "name": ("name", "full name", "full_name", "student"),
    "section": ("section",),
}


class RosterError(ValueError):
    """A roster file nncourse cannot read (one line, for the instructor)."""


@dataclass
class Student:
    id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    lms_user_id: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""
    lms_name: str = ""          # the name exactly as the LMS writes it ("Last, First" in Canvas)

    @property
    def name(self) -> str:
        """First and last name as known ('' when the roster has none)."""
        return " ".join(part for part in (self.first_name, self.last_name) if part) or self.lms_name

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part) or self.lms_name or self.id

    @property
    def sortable_name(self) -> str:
        if self.last_name and self.first_name:
            return f"{self.last_name}, {self.first_name}"
        return self.lms_name or self.full_name


@dataclass
class CanvasColumns:
    """What a Canvas gradebook export says about its assignments."""
    headers: list[str] = field(default_factory=list)          # every assignment column, as Canvas wrote it
    points: dict[str, str] = field(default_factory=dict)      # header -> "Points Possible" cell
    identity: list[str] = field(default_factory=list)         # its identity columns, in order

    def column_for(self, assignment: str) -> str | None:
        """The Canvas column of an nbgrader assignment: same title, ignoring case, spaces, _ and -."""
        wanted = _title_key(assignment)
        for header in self.headers:
            match = CANVAS_COLUMN.match(header)
            title = match["title"] if match else header
            if _title_key(title) == wanted:
                return header
        return None


@dataclass
class Roster:
    students: dict[str, Student] = field(default_factory=dict)
    canvas: CanvasColumns | None = None
    source: str = ""            # the file it was imported from

    def by_lms_id(self) -> dict[str, Student]:
        return {s.lms_user_id: s for s in self.students.values() if s.lms_user_id}

    def save(self, out: Path) -> None:
        data = {"source": self.source, "students": [asdict(s) for s in self.students.values()],
                "canvas": asdict(self.canvas) if self.canvas else None}
        atomic_write(Path(out) / ROSTER_FILE, json.dumps(data, indent=1).encode("utf-8"))

    @classmethod
    def load(cls, out: Path) -> Roster:
        path = Path(out) / ROSTER_FILE
        if not path.exists():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        students = {s["id"]: Student(**s) for s in data.get("students", [])}
        canvas = CanvasColumns(**data["canvas"]) if data.get("canvas") else None
        return cls(students, canvas, data.get("source", ""))

    def merged_with_gradebook(self, gradebook_students: dict[str, dict]) -> Roster:
        """The roster with every student of the gradebook (nbgrader's table wins for names and email)."""
        students = dict(self.students)
        for sid, info in gradebook_students.items():
            student = students.get(sid) or Student(sid)
            for key in ("first_name", "last_name", "email", "lms_user_id"):
                if info.get(key):
                    setattr(student, key, str(info[key]))
            students[sid] = student
        return Roster(dict(sorted(students.items())), self.canvas, self.source)


def _title_key(text: str) -> str:
    return " ".join(re.sub(r"[_\-\s]+", " ", text).lower().split())


def _read_rows(path: Path) -> list[list[str]]:
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        text = Path(path).read_bytes().decode("latin-1")
    except OSError as error:
        raise RosterError(f"cannot read {path}: {error.strerror}") from None
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter) if any(c.strip() for c in row)]


def is_canvas_export(header: list[str]) -> bool:
    return len(header) > 3 and header[0].strip() == "Student" and header[1].strip() == "ID"


def read_roster(path: Path, id_column: str | None = None) -> Roster:
    rows = _read_rows(path)
    if not rows:
        raise RosterError(f"{path} is empty")
    if is_canvas_export(rows[0]):
        return _read_canvas(rows, id_column, str(path))
    return _read_plain(rows, id_column, str(path))


def _split_name(name: str) -> tuple[str, str]:
    """'Last, First' or 'First Last' -> (first, last)."""
    name = " ".join(name.split())
    if "," in name:
        last, first = (part.strip() for part in name.split(",", 1))
        return first, last
    parts = name.rsplit(" ", 1)
    return (parts[0], parts[1]) if len(parts) == 2 else (name, "")


def _read_canvas(rows: list[list[str]], id_column: str | None, source: str) -> Roster:
    header = [h.strip() for h in rows[0]]
    position = {name: i for i, name in enumerate(header)}
    if "Section" not in position:
        raise RosterError(f"{source}: a Canvas export needs a Section column (its header is {', '.join(header[:6])})")
    identity = [h for h in header[:position["Section"] + 1]]
    assignments = [h for h in header[position["Section"] + 1:] if h and not CANVAS_COMPUTED.search(h)]
    canvas = CanvasColumns(headers=assignments, identity=identity)
    roster = Roster(canvas=canvas, source=source)

    def cell(row, name):
        i = position.get(name)
        return row[i].strip() if i is not None and i < len(row) else ""

    for row in rows[1:]:
        first = row[0].strip() if row else ""
        if "Points Possible" in first:
            canvas.points = {h: cell(row, h) for h in assignments}
            continue
        if all(re.fullmatch(r"\s*(Muted|Manual Posting.*)?\s*", c or "", re.IGNORECASE) for c in row):
            continue
        if first.lower() in ("student, test", "test student"):
            continue                                   # Canvas's "Student View" user
        canvas_id, sis_user, sis_login = cell(row, "ID"), cell(row, "SIS User ID"), cell(row, "SIS Login ID")
        if id_column:
            if id_column not in position:
                raise RosterError(f"{source} has no column {id_column!r}")
            student_id = cell(row, id_column)
        else:
            student_id = sis_user or sis_login or canvas_id
        if not student_id:
            raise RosterError(f"{source}: the row of {first!r} has no ID, SIS User ID or SIS Login ID")
        first_name, last_name = _split_name(first)
        roster.students[student_id] = Student(
            id=_safe_id(student_id, source), first_name=first_name, last_name=last_name,
            lms_user_id=canvas_id, sis_user_id=sis_user, sis_login_id=sis_login, section=cell(row, "Section"),
            lms_name=first)
    if not roster.students:
        raise RosterError(f"{source}: no students in this Canvas export")
    return roster


def _read_plain(rows: list[list[str]], id_column: str | None, source: str) -> Roster:
    header = [h.strip().lower() for h in rows[0]]
    columns: dict[str, int] = {}
    for key, names in PLAIN_ALIASES.items():
        for i, name in enumerate(header):
            if name in names and key not in columns:
                columns[key] = i
    if id_column:
        if id_column.lower() not in header:
            raise RosterError(f"{source} has no column {id_column!r}")
        columns["id"] = header.index(id_column.lower())
    if "id" not in columns:
        raise RosterError(f"{source}: no student id column (expected one of: id, student_id, username; the "
                          f"header is {', '.join(rows[0][:6])}); or is it a Canvas export without its header?")
    roster = Roster(source=source)
    for row in rows[1:]:
        def get(key, row=row):
            i = columns.get(key)
            return row[i].strip() if i is not None and i < len(row) else ""
        student_id = get("id")
        if not student_id:
            continue
        first, last = get("first_name"), get("last_name")
        if not (first or last) and get("name"):
            first, last = _split_name(get("name"))
        roster.students[student_id] = Student(id=_safe_id(student_id, source), first_name=first, last_name=last,
                                               email=get("email"), lms_user_id=get("lms_user_id"),
                                               section=get("section"), lms_name=get("name"))
    if not roster.students:
        raise RosterError(f"{source}: no students (only a header?)")
    return roster


def _safe_id(student_id: str, source: str) -> str:
    """nbgrader ids name folders: no path separators, no leading dot."""
    if "/" in student_id or "\\" in student_id or student_id.startswith(".") or len(student_id) > 128:
        raise RosterError(f"{source}: {student_id!r} cannot be an nbgrader student id (it names a folder)")
    return student_id


def import_roster(roster: Roster, out: Path, db_url: str) -> int:
    """Write the students into nbgrader's students table and keep the LMS details in OUT/roster.json."""
    from .gradebook import import_students
    count = import_students(db_url, list(roster.students.values()))
    previous = Roster.load(out)
    merged = dict(previous.students)
    merged.update(roster.students)
    Roster(merged, roster.canvas or previous.canvas, roster.source).save(out)
    return count
