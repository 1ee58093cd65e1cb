"""What grading produces, as types: a `Status`, an `ExerciseResult`, a `Record`, and the resume state.

    Status            what happened to one exercise ("passed", "failed", "not attempted", ...)
    ExerciseResult    one graded exercise of one submission: score, status, message, the student's code
    Record            one (student, notebook): its results, the grader's notes, the submission time
    ResumeState       OUT/.state/: the records of a run, written atomically as they arrive, so that a
                      rerun reuses every record whose key (submission, source, options) is unchanged

Every other module passes these objects; only `ResumeState` knows how the state folder is laid out,
and only `Record.to_dict`/`Record.from_dict` know the JSON it holds.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


class Status(StrEnum):
    """The status of one graded exercise (a `str`: it compares equal to its value and writes as it)."""

    PASSED = "passed"
    FAILED = "failed"                      # ran, and a check found a mistake
    NOT_ATTEMPTED = "not attempted"        # the stub still raises NotImplementedError
    ERROR = "error"                        # the submission could not be read or graded
    TIMEOUT = "timeout"
    CRASHED = "crashed"
    MISSING = "missing"                    # no submission for this notebook
    TAMPERED = "tampered"                  # student code interfered with the grading
    FORBIDDEN = "forbidden"                # called the reference implementation of this exercise
    MANUAL = "needs manual grading"        # a written answer: a TA grades it (formgrader)

    @property
    def words(self) -> str:
        """The status in plain words for a student (feedback pages)."""
        return _WORDS[self]

    @property
    def counts_as_attempt(self) -> bool:
        """True when the student handed in something for this exercise."""
        return self not in (Status.MISSING, Status.NOT_ATTEMPTED)


_WORDS = {
    Status.PASSED: "passed",
    Status.FAILED: "not yet right",
    Status.NOT_ATTEMPTED: "not attempted",
    Status.ERROR: "could not be graded",
    Status.TIMEOUT: "took too long",
    Status.CRASHED: "crashed while being graded",
    Status.MISSING: "not submitted",
    Status.TAMPERED: "changed the grading itself",
    Status.FORBIDDEN: "used the course's own implementation",
    Status.MANUAL: "to be graded by hand",
}


def _number(value) -> float:
    return float(value or 0.0)


@dataclass
class ExerciseResult:
    """One graded exercise of one submission."""

    exercise: str                 # the exercise's name ("sigmoid"), or a written answer's grade_id
    score: float
    max_score: float
    status: Status
    message: str = ""
    mistake: str = ""             # for `failed`: the id of the known mistake the check named, or "other"
    code: str = ""                # the student's own code (or written answer) for this exercise

    def __post_init__(self) -> None:
        self.status = Status(self.status)
        self.score = _number(self.score)
        self.max_score = _number(self.max_score)

    def to_dict(self) -> dict:
        return {"exercise": self.exercise, "score": self.score, "max_score": self.max_score,
                "status": str(self.status), "message": self.message, "mistake": self.mistake,
                "code": self.code}

    as_dict = to_dict

    @classmethod
    def from_dict(cls, data: dict) -> ExerciseResult:
        return cls(str(data["exercise"]), data.get("score", 0.0), data.get("max_score", 0.0),
                   Status(data.get("status", Status.ERROR)), str(data.get("message", "")),
                   str(data.get("mistake", "") or ""), str(data.get("code", "") or ""))


@dataclass
class Record:
    """The grading of one (student, notebook); the notebook's assignment is `assignment`."""

    student_id: str
    notebook: str
    results: list[ExerciseResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    assignment: str = ""
    key: str = ""                 # the resume key: a digest of everything that can change the grade
    retry: bool = False           # the grader itself failed: a rerun grades it again
    timestamp: str | None = None  # when it was submitted (ISO 8601, UTC), if known
    seconds: float | None = None  # how long grading it took
    attempts: int = 0             # runs in a row the grader itself failed on it (retried up to a limit)
    sandboxed: bool | None = None  # graded in the sandbox (False: --unsafe-no-sandbox; None: not recorded)

    def __post_init__(self) -> None:
        if not self.assignment:
            self.assignment = self.notebook

    @property
    def score(self) -> float:
        return sum(r.score for r in self.results)

    @property
    def max_score(self) -> float:
        return sum(r.max_score for r in self.results)

    @property
    def submitted(self) -> bool:
        return any(r.status != Status.MISSING for r in self.results)

    @property
    def ungraded(self) -> list[ExerciseResult]:
        """Written answers still waiting for a TA."""
        return [r for r in self.results if r.status == Status.MANUAL]

    def to_dict(self) -> dict:
        return {"student_id": self.student_id, "notebook": self.notebook, "assignment": self.assignment,
                "key": self.key, "retry": self.retry, "timestamp": self.timestamp, "notes": list(self.notes),
                "results": [r.to_dict() for r in self.results], "seconds": self.seconds, "attempts": self.attempts,
                "sandboxed": self.sandboxed}

    @classmethod
    def from_dict(cls, data: dict) -> Record:
        return cls(str(data["student_id"]), str(data["notebook"]),
                   [ExerciseResult.from_dict(r) for r in data.get("results", [])],
                   [str(n) for n in data.get("notes", [])], str(data.get("assignment") or data["notebook"]),
                   str(data.get("key", "")), bool(data.get("retry", False)), data.get("timestamp"),
                   data.get("seconds"), int(data.get("attempts", 0) or 0),
                   data["sandboxed"] if isinstance(data.get("sandboxed"), bool) else None)


def sort_records(records: list[Record], notebooks: list[str] | None = None) -> list[Record]:
    """By student, then in course order (the order of `notebooks`, else by name)."""
    order = {nb: i for i, nb in enumerate(notebooks or [])}
    return sorted(records, key=lambda r: (r.student_id, order.get(r.notebook, len(order)), r.notebook))


class ResumeState:
    """OUT/.state/<student>/<notebook>.json: one Record each, written atomically as it arrives."""

    def __init__(self, out: Path):
        self.folder = Path(out) / ".state"

    def path(self, student_id: str, notebook: str) -> Path:
        return self.folder / student_id / f"{notebook}.json"

    def save(self, record: Record) -> None:
        path = self.path(record.student_id, record.notebook)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(record.to_dict(), indent=1, sort_keys=True), encoding="utf-8")
        os.replace(temporary, path)

    def load(self, student_id: str, notebook: str, key: str | None = None) -> Record | None:
        """The stored record; None when there is none, it is unreadable, or (with `key`) it is stale."""
        try:
            record = Record.from_dict(json.loads(self.path(student_id, notebook).read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if key is not None and (record.key != key or record.retry):
            return None
        return record

    def records(self) -> list[Record]:
        """Every stored record (unreadable files are skipped), by student and notebook."""
        if not self.folder.is_dir():
            return []
        found = []
        for path in sorted(self.folder.glob("*/*.json")):
            record = self.load(path.parent.name, path.stem)
            if record is not None:
                found.append(record)
        return sort_records(found)

    def __len__(self) -> int:
        return len(list(self.folder.glob("*/*.json"))) if self.folder.is_dir() else 0
