"""The term's grades, as every export and feedback page sees them.

`load_term(OUT, db_url)` joins what a grading folder knows:

- the stored results of every graded (student, notebook) (`ResumeState`: status, message, the
  student's code), from every run into OUT, not just the last one (a run on one notebook never
  shrinks the totals);
- nbgrader's gradebook: a TA's scores and comments from formgrader (which win over the autograder's),
  submission times, due dates with extensions, students' names and emails; for a class graded on
  another machine into a shared gradebook, its results are rebuilt from the gradebook (statuses and
  messages come back from the answer cells' comments);
- the roster (OUT/roster.json): LMS ids, sections, Canvas's assignment columns;
- the late policy (nbgrader_config.py's `c.LatePenalty.policy`), applied to the current score.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .gradebook import GradebookView, NotebookRow, parse_comment
from .late import LatePolicy, seconds_late
from .records import ExerciseResult, Record, ResumeState, Status, sort_records
from .roster import Roster
from .source import SourceNotebook


@dataclass
class Graded:
    """One (student, notebook) with everything an export needs."""
    record: Record
    max_score: float
    due: str | None = None
    seconds_late: float = 0.0
    penalty: float = 0.0

    @property
    def raw(self) -> float:
        return self.record.score

    @property
    def score(self) -> float:
        return max(0.0, self.raw - self.penalty)

    @property
    def submitted(self) -> bool:
        return self.record.submitted

    @property
    def pending(self) -> list[str]:
        """Written answers a TA has not graded yet."""
        return [r.exercise for r in self.record.results if r.status == Status.MANUAL]


@dataclass
class Term:
    notebooks: list[str]                              # course order
    assignment_of: dict[str, str]
    maxima: dict[str, float]                          # notebook -> max points
    roster: Roster
    graded: dict[tuple[str, str], Graded] = field(default_factory=dict)
    policy: LatePolicy = field(default_factory=LatePolicy)
    duedates: dict[str, str | None] = field(default_factory=dict)

    @property
    def students(self) -> list[str]:
        return sorted(set(self.roster.students) | {student for student, _ in self.graded})

    def get(self, student: str, notebook: str) -> Graded | None:
        return self.graded.get((student, notebook))

    @property
    def records(self) -> list[Record]:
        return sort_records([g.record for g in self.graded.values()], self.notebooks)


def _merge(record: Record, row: NotebookRow) -> None:
    """A TA's scores and comments (formgrader) over the autograder's results."""
    for result in record.results:
        test_cell = f"check_{result.exercise}"
        written = test_cell not in row.grades        # a written answer's grade cell is the answer cell itself
        grade = row.grades.get(result.exercise if written else test_cell)
        _auto, manual_comment = row.comments.get(result.exercise, (None, None))
        if grade is not None and grade.manual_score is not None:
            result.score = float(grade.manual_score)
            if written:
                result.status = Status.PASSED if result.score >= result.max_score else Status.FAILED
                result.message = f"graded by hand: {result.score:g} of {result.max_score:g} points"
            else:
                result.message += f" (score set by a grader: {result.score:g} of {result.max_score:g})"
        if manual_comment:
            result.message = (result.message + "\n" if result.message else "") + f"Grader's comment: {manual_comment}"


def _from_gradebook(row: NotebookRow) -> Record:
    """A record rebuilt from the gradebook alone (graded elsewhere into a shared gradebook)."""
    results = []
    for name, grade in row.grades.items():
        exercise = name.removeprefix("check_")
        auto_comment, _ = row.comments.get(exercise, (None, None))
        status, message = parse_comment(auto_comment)
        score = grade.auto_score or 0.0
        if status is None:
            if grade.auto_score is None:
                status = Status.MANUAL
            else:
                status = Status.PASSED if score >= grade.max_score else Status.FAILED
        results.append(ExerciseResult(exercise, score, grade.max_score, status, message))
    record = Record(row.student_id, row.notebook, results, assignment=row.assignment, timestamp=row.timestamp)
    _merge(record, row)
    return record


def _notebook_max(source: SourceNotebook) -> float:
    return sum(e.points for e in source.exercises) + sum(a.points for a in source.written)


def load_term(out: Path, db_url: str | None, sources: dict[str, SourceNotebook] | None = None,
              policy: LatePolicy | None = None) -> Term:
    out = Path(out)
    view = _read_view(db_url)
    records = {(r.student_id, r.notebook): r for r in ResumeState(out).records()}
    for key, gradebook_row in view.notebooks.items():
        if key in records:
            _merge(records[key], gradebook_row)
        else:
            records[key] = _from_gradebook(gradebook_row)
    sources = sources or {}
    seen = {nb for _, nb in records}
    order = [nb for nb in sources if nb in seen] + sorted(seen - set(sources))
    assignment_of = {nb: s.assignment for nb, s in sources.items()}
    assignment_of.update({nb: a for nb, a in view.assignment_of.items() if nb not in assignment_of})
    maxima: dict[str, float] = {}
    for nb in order:
        if nb in sources:
            maxima[nb] = _notebook_max(sources[nb])
        elif nb in view.maxima:
            maxima[nb] = sum(g.max_score for g in view.maxima[nb].values())
        else:
            maxima[nb] = max((r.max_score for (_, n), r in records.items() if n == nb), default=0.0)
    for (_, nb), record in records.items():
        assignment_of.setdefault(nb, record.assignment)
    policy = policy or LatePolicy()
    term = Term(order, assignment_of, maxima, Roster.load(out).merged_with_gradebook(view.students),
                policy=policy, duedates=dict(view.duedates))
    for key, record in records.items():
        row = view.notebooks.get(key)
        if row is not None:
            late, due = row.seconds_late, row.duedate
        else:
            due = view.duedates.get(assignment_of.get(record.notebook, record.notebook))
            late = seconds_late(record.timestamp, due) if record.submitted else 0.0
        if row is not None and record.timestamp is None:
            record.timestamp = row.timestamp
        graded = Graded(record, maxima.get(record.notebook, record.max_score), due, late)
        graded.penalty = policy.penalty(graded.raw, late) if record.submitted else 0.0
        term.graded[key] = graded
    return term


def _read_view(db_url: str | None) -> GradebookView:
    if not db_url:
        return GradebookView()
    if db_url.startswith("sqlite:///") and not Path(db_url[len("sqlite:///"):]).exists():
        return GradebookView()
    from .gradebook import read
    return read(db_url)
