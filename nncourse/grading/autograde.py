"""`nncourse autograde`: grade every (student, notebook) of a class, in parallel, resumably.

    autograde(Options(SUBMISSIONS, OUT, ...)) -> summary text

1. check every option before anything is graded or written (`options`); read the source
   notebooks (solutions/) and find the submissions (`collect`);
2. prepare OUT as an nbgrader course folder (`coursefolder`) and the gradebook's structure;
3. prepare the sandbox (`sandbox.prepare`): unprivileged user, namespaces, limits;
4. grade each (student, notebook) in a process pool of N graders; each grader starts its own
   sandboxed worker per notebook (`verdict.grade_notebook`); written answers are left for a TA
   (`manual`); results are written atomically to OUT/.state/ as they arrive (`records.ResumeState`),
   and a rerun reuses every one whose resume key (`options.resume_key`) is unchanged;
5. publish (`publish`): OUT/submitted and OUT/autograded for formgrader, nbgrader's gradebook, the
   CSVs (`report`) and the feedback pages (`feedback`), from every result OUT holds; print a summary.

Broken submissions never stop the run (they get `error`, `missing`, `timeout`, `crashed`);
instructor mistakes raise InstructorError before anything is graded; Ctrl-C raises Interrupted
after the results so far are saved.
"""
from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import sandbox
from .collect import InstructorError, collect, submissions_root
from .manual import grade_written, written_for_all
from .options import (
    available_cpus,
    check_memory,
    check_out,
    check_positive,
    course_config,
    effective_policy,
    grading_settings,
    load_sources,
    resume_key,
)
from .records import ExerciseResult, Record, ResumeState, Status, sort_records
from .source import SourceNotebook, answer_sources, plan_cells
from .verdict import GraderError, Timeouts, grade_notebook


class GradingIncomplete(Exception):
    """The grader itself failed on some notebooks (not the students): they are retried on a rerun."""

    def __init__(self, summary: str, reason: str):
        super().__init__(reason)
        self.summary = summary
        self.reason = reason


class Interrupted(Exception):
    """Ctrl-C: `done` of `total` notebooks were graded and saved; a rerun grades the rest."""

    def __init__(self, done: int, total: int, out: Path):
        super().__init__(f"interrupted: {done} of {total} notebooks graded and saved in {out}; "
                         "rerun the same command to grade the rest")
        self.done = done
        self.total = total


@dataclass
class Options:
    submissions: Path
    out: Path
    workers: int = field(default_factory=available_cpus)
    source: Path | None = None
    db_url: str | None = None
    notebooks: list[str] | None = None
    timeouts: Timeouts = field(default_factory=Timeouts)
    limits: sandbox.Limits = field(default_factory=sandbox.Limits)
    progress: bool = True
    force: bool = False                  # regrade everything, ignoring the stored results
    missing: str = "blank"               # students without a submission in the exports: blank or zero
    late_policy: str | None = None       # overrides the course's c.LatePenalty.policy (kept in OUT)


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
    timestamp: str | None = None


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


# ---- inside a pool process ----------------------------------------------------------------------

_POOL: dict = {}


def _init_pool(isolation: sandbox.Isolation, timeouts: Timeouts, sources: dict[str, SourceNotebook],
               slots) -> None:
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the parent's: it saves results, then ends us
    with slots.get_lock():
        slot = slots.value
        slots.value += 1
    sandbox.use_slot(isolation, slot)
    _POOL["isolation"] = isolation
    _POOL["timeouts"] = timeouts
    _POOL["sources"] = sources  # the instructor's notebooks, loaded once by autograde
    import nncourse.checks  # noqa: F401 - import the trusted checks once per grader process


def _results_for_all(source: SourceNotebook, status: Status, message: str) -> list[ExerciseResult]:
    return ([ExerciseResult(e.name, 0.0, e.points, status, message) for e in source.exercises]
            + written_for_all(source, status, message))


def grade_job(job: Job) -> Record:
    """Grade one (student, notebook); never raises: every problem becomes a status."""
    source = _POOL["sources"][job.notebook]
    record = Record(job.student_id, job.notebook, assignment=source.assignment, key=job.key,
                    timestamp=job.timestamp)
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
        record.results = list(results) + grade_written(source, submitted)
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


def autograde(options: Options) -> str:
    """Run the whole grading; returns the summary text. Raises InstructorError for setup mistakes."""
    started = time.monotonic()
    submissions = Path(options.submissions)
    if not submissions.is_dir():
        raise InstructorError(f"no such folder: {submissions}")
    out = Path(options.out)
    check_out(out)
    if options.workers < 1:
        raise InstructorError(f"--workers must be at least 1, got {options.workers}")
    check_positive("--timeout", options.timeouts.exercise)
    check_positive("--cell-timeout", options.timeouts.cell)
    if options.missing not in ("blank", "zero"):
        raise InstructorError(f"--missing must be blank or zero, got {options.missing!r}")
    source_dir = Path(options.source) if options.source else default_source()
    sources, names = load_sources(source_dir, options.notebooks)
    config = course_config(source_dir)
    policy = effective_policy(out, config, options.late_policy)
    check_memory(options.limits.memory_bytes)
    db_url = options.db_url or f"sqlite:///{(out / 'gradebook.db').resolve()}"
    created = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
        os.chmod(out, 0o700)
        (out / ".work").mkdir(exist_ok=True)
        found = collect(submissions, names, out / ".work")
        selected = {n: sources[n] for n in names}
        _check_gradebook(db_url, selected, config)
    except BaseException:
        if created:
            shutil.rmtree(out, ignore_errors=True)
        raise
    from .coursefolder import CourseFolder
    folder = CourseFolder(out, source_dir, db_url)
    folder.write_config(options.late_policy)

    root = submissions_root(submissions)
    hidden = [str(Path(p).resolve()) for p in (source_dir.parent, root, submissions, out)]
    if db_url.startswith("sqlite:///"):
        hidden.append(str(Path(db_url[len("sqlite:///"):]).resolve().parent))
    # a folder inside another hidden one (OUT/submitted in OUT) is hidden with it; naming it too would
    # make the sandbox mount over a path its parent's mount already removed
    hidden = sorted({h for h in hidden if not any(Path(h).is_relative_to(o) and h != o for o in hidden)})
    isolation = sandbox.prepare(hidden, options.limits)
    state = ResumeState(out)
    from .publish import publish, submission_time
    try:
        jobs: list[Job] = []
        records: list[Record] = []
        setups = {nb: dict(setup_options(nb, sources), output_limit=options.limits.output_chars)
                  for nb in names}
        settings = {nb: grading_settings(options.timeouts, options.limits, setups[nb]) for nb in names}
        paths: dict[tuple[str, str], Path | None] = {}
        for sub in found:
            source = sources[sub.notebook]
            paths[(sub.student_id, sub.notebook)] = Path(sub.path) if sub.path else None
            timestamp = submission_time(Path(sub.path) if sub.path else None,
                                        Path(sub.folder) if sub.folder else None, root, out / ".work")
            key = resume_key(str(sub.path) if sub.path else None, source, settings[sub.notebook],
                             sub.problem, sub.message)
            done = None if options.force else state.load(sub.student_id, sub.notebook, key)
            if done is not None:
                if done.timestamp != timestamp:
                    done.timestamp = timestamp      # the same file handed in again: its new time counts
                    state.save(done)
                records.append(done)
                continue
            jobs.append(Job(sub.student_id, sub.notebook, str(sub.path) if sub.path else None,
                            str(sub.folder) if sub.folder else None, sub.problem, sub.message,
                            setups[sub.notebook], key, timestamp))
        reused = len(records)
        records += _run_jobs(jobs, isolation, selected, options, state, len(found), reused, out)
    finally:
        sandbox.cleanup(isolation)
    records = sort_records(records, names)
    graded_now = {(job.student_id, job.notebook) for job in jobs}
    run = [(r, paths.get((r.student_id, r.notebook)), (r.student_id, r.notebook) in graded_now) for r in records]
    published = publish(folder, sources, selected, run, policy, options.missing)
    from .report import summary
    shown = [published.term.get(r.student_id, r.notebook).record for r in records]
    text = summary(shown, published.term, time.monotonic() - started, options.workers, isolation.describe(),
                   len(jobs), published.notes)
    problems = sum(1 for r in records if r.retry)
    if problems:
        raise GradingIncomplete(text, f"{problems} notebooks could not be graded because of a grader "
                                      "problem (see their message in scores.csv); rerun to retry them")
    return text


def _check_gradebook(db_url: str, sources: dict[str, SourceNotebook], config) -> None:
    """Open the gradebook and record the assignments before grading: a wrong --db fails fast."""
    from .gradebook import StructureChanged, ensure_structure
    try:
        ensure_structure(db_url, sources, config)
    except StructureChanged as error:
        raise InstructorError(str(error)) from None
    except Exception as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise InstructorError(f"cannot use the gradebook {db_url}: {type(error).__name__}: {first_line}") from None


def _run_jobs(jobs: list[Job], isolation, sources: dict[str, SourceNotebook], options: Options,
              state: ResumeState, total: int, reused: int, out: Path) -> list[Record]:
    records: list[Record] = []
    if not jobs:
        return records
    bar = _progress(len(jobs), options.progress)
    context = multiprocessing.get_context("fork")
    pool = concurrent.futures.ProcessPoolExecutor(max_workers=max(1, options.workers), mp_context=context,
                                                  initializer=_init_pool,
                                                  initargs=(isolation, options.timeouts, sources,
                                                            context.Value("i", 0)))
    try:
        futures = {pool.submit(grade_job, job): job for job in jobs}
        for future in concurrent.futures.as_completed(futures):
            job = futures[future]
            try:
                record = future.result()
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as error:
                source = sources[job.notebook]
                record = Record(job.student_id, job.notebook, assignment=source.assignment, key=job.key,
                                retry=True, timestamp=job.timestamp,
                                results=_results_for_all(source, Status.ERROR, f"grader problem: {error}"))
            state.save(record)
            records.append(record)
            if bar is not None:
                bar.update(1)
    except KeyboardInterrupt:
        _stop(pool)
        raise Interrupted(reused + len(records), total, out) from None
    finally:
        if bar is not None:
            bar.close()
        pool.shutdown(wait=True, cancel_futures=True)
    return records


def _stop(pool: concurrent.futures.ProcessPoolExecutor) -> None:
    """End the pool's grader processes now (their sandboxed workers die with them)."""
    processes = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        try:
            process.terminate()
        except Exception:
            pass
    for process in processes:
        process.join(timeout=10)
