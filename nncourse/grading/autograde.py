"""`nncourse autograde`: grade every (student, notebook) of a class, in parallel, resumably.

    autograde(Options(SUBMISSIONS, OUT, ...)) -> summary text

1. check every option before anything is graded or written (`options`); read the source
   notebooks (solutions/) and find the submissions (`collect`);
2. prepare OUT as an nbgrader course folder (`coursefolder`) and the gradebook's structure;
3. prepare the sandbox (`sandbox.prepare`): bubblewrap, one unprivileged uid per grader process,
   the stubbed reference; it refuses to run without one unless --unsafe-no-sandbox;
4. grade each (student, notebook) in a process pool of N graders; each grader keeps one warm
   zygote and forks a fresh sandboxed job per notebook from it (`verdict.grade_notebook`), with
   the notebook's bytes `collect` read (never the path again); written answers are left for a TA
   (`manual`); results are written atomically to OUT/.state/ as they arrive (`records.ResumeState`),
   and a rerun reuses every one whose resume key (`options.resume_key`) is unchanged;
5. publish (`publish`): OUT/submitted and OUT/autograded for formgrader, nbgrader's gradebook, the
   CSVs (`report`) and the feedback pages (`feedback`), from every result OUT holds; print a summary.

Broken submissions never stop the run (they get `error`, `missing`, `timeout`, `crashed`);
instructor mistakes raise InstructorError before anything is graded; Ctrl-C raises Interrupted
after the results so far are saved. After the run no process of it is alive and nothing of it is
left outside OUT (the zips it extracted included).
"""
from __future__ import annotations

import concurrent.futures
import json
import multiprocessing
import multiprocessing.util
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import sandbox
from .collect import InstructorError, collect, data_files, submissions_root
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
    unsafe_no_sandbox: bool = False      # run student code without a sandbox (the summary and CSVs say so)


MAX_ATTEMPTS = 3       # runs in a row a notebook is retried after a grader problem


@dataclass
class Job:
    student_id: str
    notebook: str
    data: bytes | None            # the notebook's bytes, as `collect` read them
    folder: str | None
    problem: str | None
    message: str
    setup: dict
    key: str
    timestamp: str | None = None
    skip: str | None = None       # a folder in the student's that is not theirs (OUT)
    attempts: int = 0             # earlier runs in a row that failed on it (grader problems)


def default_source() -> Path:
    """solutions/ in the current folder, else next to the installed nncourse package (a checkout)."""
    here = Path.cwd() / "solutions"
    if here.is_dir():
        return here
    import nncourse
    return Path(nncourse.__file__).resolve().parent.parent / "solutions"


def setup_options(notebook: str, limits: sandbox.Limits, mode: str) -> dict:
    """What every job of `notebook` is told at set-up (its reference is stubbed in its sandbox)."""
    return {"seed": 0, "output_limit": limits.output_chars, "sandbox": mode}


# ---- inside a pool process ----------------------------------------------------------------------

_POOL: dict = {}


def _init_pool(box: sandbox.Sandbox, timeouts: Timeouts, sources: dict[str, SourceNotebook], slots) -> None:
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the parent's: it saves results, then ends us
    with slots.get_lock():
        slot = slots.value
        slots.value += 1
    _POOL["slot"] = sandbox.Slot(box, slot)
    multiprocessing.util.Finalize(None, _POOL["slot"].close, exitpriority=10)
    _POOL["timeouts"] = timeouts
    _POOL["sources"] = sources  # the instructor's notebooks, loaded once by autograde
    import nncourse.checks  # noqa: F401 - import the trusted checks once per grader process


def _results_for_all(source: SourceNotebook, status: Status, message: str) -> list[ExerciseResult]:
    return ([ExerciseResult(e.name, 0.0, e.points, status, message) for e in source.exercises]
            + written_for_all(source, status, message))


def parse_notebook(name: str, data: bytes) -> dict:
    """The notebook's JSON; ValueError with a message that quotes none of its bytes."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"{name} is not a valid notebook (not UTF-8 text, at byte {error.start})") from None
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"{name} is not a valid notebook (not JSON: {error.msg} at line {error.lineno}, "
                         f"column {error.colno})") from None
    except RecursionError:
        raise ValueError(f"{name} is not a valid notebook (nested too deeply)") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise ValueError(f"{name} is not a valid notebook (it has no list of cells)")
    return notebook


def grade_job(job: Job) -> Record:
    """Grade one (student, notebook); never raises: every problem becomes a status."""
    started = time.monotonic()
    source = _POOL["sources"][job.notebook]
    record = Record(job.student_id, job.notebook, assignment=source.assignment, key=job.key,
                    timestamp=job.timestamp)
    if job.problem:
        record.results = _results_for_all(source, Status(job.problem), job.message)
        return record
    name = f"{job.notebook}.ipynb"
    try:
        submitted = parse_notebook(name, job.data or b"")
        plan = plan_cells(source, submitted)
    except ValueError as error:
        reason = str(error) if str(error).startswith(name) else f"{name} is not a valid notebook ({error})"
        record.results = _results_for_all(source, Status.ERROR, reason)
        return record
    try:
        files = data_files(Path(job.folder) if job.folder else None, Path(job.skip) if job.skip else None)
        results, notes = grade_notebook(source, plan, _POOL["slot"], files, job.setup, _POOL["timeouts"])
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
    record.seconds = round(time.monotonic() - started, 3)
    if record.retry:   # a permanent grader problem is not retried forever
        record.attempts = job.attempts + 1
        record.retry = record.attempts < MAX_ATTEMPTS
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
        found = collect(submissions, names, out / ".work", out)
        if not options.notebooks:
            # a term releases one notebook a week: grade the notebooks someone handed in, not the others
            handed_in = {sub.notebook for sub in found if sub.problem != "missing"}
            not_yet = [n for n in names if n not in handed_in]
            names = [n for n in names if n in handed_in]
            found = [sub for sub in found if sub.notebook in handed_in]
        else:
            not_yet = []
        selected = {n: sources[n] for n in names}
        _check_gradebook(db_url, selected, config)
        try:
            box = sandbox.prepare(options.limits, options.workers, options.unsafe_no_sandbox)
        except sandbox.SandboxUnavailable as error:
            raise InstructorError(str(error)) from None
    except BaseException:
        if created:
            shutil.rmtree(out, ignore_errors=True)
        else:
            shutil.rmtree(out / ".work", ignore_errors=True)
        raise
    try:
        return _grade_and_publish(options, started, sources, names, config, policy, db_url, found, box, not_yet)
    finally:
        sandbox.cleanup(box)
        shutil.rmtree(out / ".work", ignore_errors=True)   # the zips extracted for this run


def _grade_and_publish(options: Options, started: float, sources, names, config, policy, db_url, found,
                       box: sandbox.Sandbox, not_yet: list[str]) -> str:
    out = Path(options.out)
    source_dir = Path(options.source) if options.source else default_source()
    selected = {n: sources[n] for n in names}
    from .coursefolder import CourseFolder
    folder = CourseFolder(out, source_dir, db_url)
    folder.write_config(options.late_policy)

    root = submissions_root(Path(options.submissions))
    state = ResumeState(out)
    from .publish import publish, submission_time
    try:
        jobs: list[Job] = []
        records: list[Record] = []
        setups = {nb: setup_options(nb, options.limits, box.mode) for nb in names}
        settings = {nb: grading_settings(options.timeouts, options.limits, setups[nb]) for nb in names}
        paths: dict[tuple[str, str], Path | None] = {}
        for sub in found:
            source = sources[sub.notebook]
            paths[(sub.student_id, sub.notebook)] = Path(sub.path) if sub.path else None
            timestamp = submission_time(Path(sub.path) if sub.path else None,
                                        Path(sub.folder) if sub.folder else None, root, out / ".work")
            key = resume_key(sub.data, source, settings[sub.notebook], sub.problem, sub.message)
            done = None if options.force else state.load(sub.student_id, sub.notebook, key)
            if done is not None:
                if done.timestamp != timestamp:
                    done.timestamp = timestamp      # the same file handed in again: its new time counts
                    state.save(done)
                records.append(done)
                continue
            stored = state.load(sub.student_id, sub.notebook)
            attempts = stored.attempts if stored is not None and stored.key == key and stored.retry else 0
            jobs.append(Job(sub.student_id, sub.notebook, sub.data, str(sub.folder) if sub.folder else None,
                            sub.problem, sub.message, setups[sub.notebook], key, timestamp,
                            str(sub.skip) if sub.skip else None, attempts))
        reused = len(records)
        records += _run_jobs(jobs, box, selected, options, state, len(found), reused, out)
    finally:
        sandbox.cleanup(box)
    records = sort_records(records, names)
    graded_now = {(job.student_id, job.notebook) for job in jobs}
    run = [(r, paths.get((r.student_id, r.notebook)), (r.student_id, r.notebook) in graded_now) for r in records]
    published = publish(folder, sources, selected, run, policy, options.missing)
    from .report import summary
    shown = [published.term.graded[(r.student_id, r.notebook)].record for r in records]
    notes = published.notes
    if not_yet:
        notes = [f"not graded (no student handed them in): {', '.join(not_yet)}"] + notes
    text = summary(shown, published.term, time.monotonic() - started, options.workers, box.describe(),
                   len(jobs), notes)
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


def _run_jobs(jobs: list[Job], box: sandbox.Sandbox, sources: dict[str, SourceNotebook], options: Options,
              state: ResumeState, total: int, reused: int, out: Path) -> list[Record]:
    records: list[Record] = []
    if not jobs:
        return records
    bar = _progress(len(jobs), options.progress)
    context = multiprocessing.get_context("fork")
    pool = concurrent.futures.ProcessPoolExecutor(max_workers=max(1, options.workers), mp_context=context,
                                                  initializer=_init_pool,
                                                  initargs=(box, options.timeouts, sources,
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
            record.sandboxed = not box.unsafe    # the CSVs warn while any stored result says False
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
