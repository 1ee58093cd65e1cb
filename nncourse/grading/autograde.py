"""`nncourse autograde`: grade every (student, notebook) of a class, in parallel, resumably.

    autograde(SUBMISSIONS, OUT, workers=N) -> exit code

1. read the source notebooks (solutions/) and find the submissions (`collect`);
2. prepare the sandbox (`sandbox.prepare`): unprivileged user, namespaces, limits;
3. grade each (student, notebook) in a process pool of N graders; each grader starts its own
   sandboxed worker per notebook (`verdict.grade_notebook`); results are written atomically to
   OUT/.state/<student>/<notebook>.json as they arrive, and a rerun reuses every state whose
   submission, source notebook and grader version are unchanged;
4. record the scores in nbgrader's gradebook (`gradebook.record`), write the CSVs and the
   feedback pages (`report`), print a summary.

Broken submissions never stop the run (they get `error`, `missing`, `timeout`, `crashed`);
instructor mistakes raise InstructorError before anything is graded.
"""
from __future__ import annotations

import concurrent.futures
import hashlib
import multiprocessing
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import report, sandbox
from .collect import InstructorError, collect, submissions_root
from .records import ExerciseResult, Record, ResumeState, Status, sort_records
from .source import SourceNotebook, answer_sources, find_sources, plan_cells
from .verdict import GraderError, Timeouts, grade_notebook

GRADER_VERSION = "1"   # part of the resume key: bump when a change must regrade everything


class GradingIncomplete(Exception):
    """The grader itself failed on some notebooks (not the students): they are retried on a rerun."""

    def __init__(self, summary: str, reason: str):
        super().__init__(reason)
        self.summary = summary
        self.reason = reason


@dataclass
class Options:
    submissions: Path
    out: Path
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    source: Path | None = None
    db_url: str | None = None
    notebooks: list[str] | None = None
    timeouts: Timeouts = field(default_factory=Timeouts)
    limits: sandbox.Limits = field(default_factory=sandbox.Limits)
    progress: bool = True
    gradebook: bool = True


@dataclass
class Job:
    student_id: str
    notebook: str
    path: str | None
    folder: str | None
    problem: str | None
    message: str
    setup: dict
    key: str


def default_source() -> Path:
    """solutions/ in the current folder, else next to the installed nncourse package (a checkout)."""
    here = Path.cwd() / "solutions"
    if here.is_dir():
        return here
    import nncourse
    return Path(nncourse.__file__).resolve().parent.parent / "solutions"


def setup_options(notebook: str, sources: dict[str, SourceNotebook]) -> dict:
    """Which references the worker tripwires (this notebook's exercises) and which modules stay allowed."""
    import nncourse.reference as reference
    try:
        from nncourse.checks import EXERCISES
    except ImportError:
        EXERCISES = {}
    owner = dict(EXERCISES)
    for name, source in sources.items():
        for exercise in source.exercises:
            owner.setdefault(exercise.name, name)
    forbidden = {name: nb for name, nb in owner.items() if nb == notebook and hasattr(reference, name)}
    module_notebooks: dict[str, set[str]] = {}
    for name, nb in owner.items():
        func = getattr(reference, name, None)
        if callable(func) and getattr(func, "__module__", None):
            module_notebooks.setdefault(func.__module__, set()).add(nb)
    earlier = sorted(m for m, nbs in module_notebooks.items() if all(n < notebook for n in nbs))
    return {"forbidden": forbidden, "earlier_modules": earlier, "seed": 0}


def _digest(path: str | None, extra: str) -> str:
    h = hashlib.sha256(extra.encode())
    if path:
        try:
            h.update(Path(path).read_bytes())
        except OSError as error:
            h.update(str(error).encode())
    return h.hexdigest()


# ---- inside a pool process ----------------------------------------------------------------------

_POOL: dict = {}


def _init_pool(isolation: sandbox.Isolation, timeouts: Timeouts, sources: dict[str, SourceNotebook],
               slots) -> None:
    with slots.get_lock():
        slot = slots.value
        slots.value += 1
    sandbox.use_slot(isolation, slot)
    _POOL["isolation"] = isolation
    _POOL["timeouts"] = timeouts
    _POOL["sources"] = sources  # the instructor's notebooks, loaded once by autograde
    import nncourse.checks  # noqa: F401 - import the trusted checks once per grader process


def _results_for_all(source: SourceNotebook, status: Status, message: str) -> list[ExerciseResult]:
    return [ExerciseResult(e.name, 0.0, e.points, status, message) for e in source.exercises]


def grade_job(job: Job) -> Record:
    """Grade one (student, notebook); never raises: every problem becomes a status."""
    source = _POOL["sources"][job.notebook]
    record = Record(job.student_id, job.notebook, assignment=source.assignment, key=job.key)
    if job.problem:
        record.results = _results_for_all(source, Status(job.problem), job.message)
        return record
    import nbformat
    try:
        text = Path(job.path).read_bytes().decode("utf-8")
        submitted = nbformat.reads(text, as_version=4)
        if not isinstance(submitted.get("cells"), list):
            raise ValueError("it has no list of cells")
    except Exception as error:
        reason = f"{Path(job.path).name} is not a valid notebook ({type(error).__name__}: {str(error)[:200]})"
        record.results = _results_for_all(source, Status.ERROR, reason)
        return record
    isolation = _POOL["isolation"]
    scratch = None
    try:
        plan = plan_cells(source, submitted)
        scratch = sandbox.make_scratch(isolation, job.folder)
        results, notes = grade_notebook(source, plan, isolation, scratch, job.setup, _POOL["timeouts"])
        answers = answer_sources(submitted)
        for result in results:
            result.code = answers.get(result.exercise, "")
        record.results = list(results)
        record.notes = list(notes)
    except GraderError as error:
        record.results = _results_for_all(source, Status.ERROR, f"grader problem: {error}")
        record.retry = True
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:
        record.results = _results_for_all(source, Status.ERROR,
                                          f"grader problem: {type(error).__name__}: {error}")
        record.retry = True
    finally:
        if scratch:
            import shutil
            shutil.rmtree(scratch, ignore_errors=True)
    return record


# ---- the whole run --------------------------------------------------------------------------------

def _progress(total: int, enabled: bool):
    if not enabled:
        return None
    from nncourse.progress import progress_bar
    return progress_bar(total, desc="grading", unit="notebook", widget=False, file=sys.stderr)


def prepare_sources(options: Options) -> tuple[dict[str, SourceNotebook], list[str]]:
    source_dir = Path(options.source) if options.source else default_source()
    if not source_dir.is_dir():
        raise InstructorError(f"no such folder: {source_dir} (the source notebooks; pass --source)")
    try:
        sources = find_sources(source_dir)
    except ValueError as error:
        raise InstructorError(str(error)) from None
    if not sources:
        raise InstructorError(f"no notebooks found in {source_dir}")
    names = list(sources)
    if options.notebooks:
        unknown = [n for n in options.notebooks if n not in sources]
        if unknown:
            raise InstructorError(f"unknown notebook names: {', '.join(unknown)} "
                                  f"(known: {', '.join(names)})")
        names = [n for n in names if n in options.notebooks]
    return sources, names


def autograde(options: Options) -> str:
    """Run the whole grading; returns the summary text. Raises InstructorError for setup mistakes."""
    started = time.monotonic()
    submissions = Path(options.submissions)
    if not submissions.is_dir():
        raise InstructorError(f"no such folder: {submissions}")
    sources, names = prepare_sources(options)
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    os.chmod(out, 0o700)
    (out / ".work").mkdir(exist_ok=True)
    found = collect(submissions, names, out / ".work")
    db_url = options.db_url or f"sqlite:///{(out / 'gradebook.db').resolve()}"

    selected = {n: sources[n] for n in names}
    if options.gradebook:
        _check_gradebook(db_url, selected)

    hidden = [str(Path(p).resolve()) for p in (sources[names[0]].path.parent.parent, submissions_root(submissions),
                                               submissions, out)]
    if db_url.startswith("sqlite:///"):
        hidden.append(str(Path(db_url[len("sqlite:///"):]).resolve().parent))
    isolation = sandbox.prepare(hidden, options.limits)
    state = ResumeState(out)
    try:
        jobs: list[Job] = []
        records: list[Record] = []
        setups = {nb: dict(setup_options(nb, sources), output_limit=options.limits.output_chars)
                  for nb in names}
        for sub in found:
            source = sources[sub.notebook]
            key = _digest(str(sub.path) if sub.path else None,
                          f"{GRADER_VERSION}|{source.digest}|{sub.problem}|{sub.message}")
            done = state.load(sub.student_id, sub.notebook, key)
            if done is not None:
                records.append(done)
                continue
            jobs.append(Job(sub.student_id, sub.notebook, str(sub.path) if sub.path else None,
                            str(sub.folder) if sub.folder else None, sub.problem, sub.message,
                            setups[sub.notebook], key))
        records += _run_jobs(jobs, isolation, selected, options, state)
    finally:
        sandbox.cleanup(isolation)
    records = sort_records(records, names)
    if options.gradebook:
        from .gradebook import record
        record(db_url, selected, records)
    report.write_csvs(out, records, names)
    report.write_feedback(out, records)
    text = report.summary(records, time.monotonic() - started, options.workers, isolation.describe(),
                          len(jobs))
    problems = sum(1 for r in records if r.retry)
    if problems:
        raise GradingIncomplete(text, f"{problems} notebooks could not be graded because of a grader "
                                      "problem (see their message in scores.csv); rerun to retry them")
    return text


def _check_gradebook(db_url: str, sources: dict[str, SourceNotebook]) -> None:
    """Open the gradebook and create the assignments before grading: a wrong --db fails fast."""
    from .gradebook import ensure_structure, open_gradebook
    try:
        gb = open_gradebook(db_url)
        try:
            ensure_structure(gb, sources)
        finally:
            gb.close()
    except Exception as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise InstructorError(f"cannot use the gradebook {db_url}: {type(error).__name__}: {first_line}") from None


def _run_jobs(jobs: list[Job], isolation, sources: dict[str, SourceNotebook], options: Options,
              state: ResumeState) -> list[Record]:
    records: list[Record] = []
    if not jobs:
        return records
    bar = _progress(len(jobs), options.progress)
    context = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(max_workers=max(1, options.workers), mp_context=context,
                                                initializer=_init_pool,
                                                initargs=(isolation, options.timeouts, sources,
                                                          context.Value("i", 0))) as pool:
        futures = {pool.submit(grade_job, job): job for job in jobs}
        try:
            for future in concurrent.futures.as_completed(futures):
                job = futures[future]
                try:
                    record = future.result()
                except (KeyboardInterrupt, SystemExit):
                    raise
                except BaseException as error:
                    source = sources[job.notebook]
                    record = Record(job.student_id, job.notebook, assignment=source.assignment, key=job.key,
                                    retry=True, results=_results_for_all(source, Status.ERROR,
                                                                         f"grader problem: {error}"))
                state.save(record)
                records.append(record)
                if bar is not None:
                    bar.update(1)
        except KeyboardInterrupt:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        finally:
            if bar is not None:
                bar.close()
    return records
