"""`nncourse autograde`: grade every (student, notebook) of a class, in parallel, resumably.

    autograde(SUBMISSIONS, OUT, workers=N) -> exit code

1. read the source notebooks (solutions/) and find the submissions (`collect`);
2. prepare the sandbox (`sandbox.prepare`): bubblewrap, one unprivileged uid per grader process,
   the stubbed reference; it refuses to run without one unless --unsafe-no-sandbox;
3. grade each (student, notebook) in a process pool of N graders; each grader keeps one warm
   zygote and forks a fresh sandboxed job per notebook from it (`verdict.grade_notebook`); results
   are written atomically to OUT/.state/<student>/<notebook>.json as they arrive, and a rerun
   reuses every state whose submission, source notebook and grader version are unchanged;
4. record the scores in nbgrader's gradebook (`gradebook.record`), write the CSVs and the
   feedback pages (`report`), print a summary.

Broken submissions never stop the run (they get `error`, `missing`, `timeout`, `crashed`);
instructor mistakes raise InstructorError before anything is graded. After the run no process of
it is alive and nothing of it is left outside OUT (zips extracted for it included).
"""
from __future__ import annotations

import concurrent.futures
import hashlib
import json
import multiprocessing
import multiprocessing.util
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import report, sandbox
from .collect import InstructorError, collect, data_files
from .source import SourceNotebook, find_sources, plan_cells
from .verdict import ExerciseResult, GraderError, Timeouts, grade_notebook

GRADER_VERSION = "2"   # part of the resume key: bump when a change must regrade everything
MAX_ATTEMPTS = 3       # runs in a row a notebook is retried after a grader problem


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
    unsafe_no_sandbox: bool = False


@dataclass
class Job:
    student_id: str
    notebook: str
    data: bytes | None
    folder: str | None
    problem: str | None
    message: str
    setup: dict
    key: str
    skip: str | None = None
    attempts: int = 0


def default_source() -> Path:
    """solutions/ in the current folder, else next to the installed nncourse package (a checkout)."""
    here = Path.cwd() / "solutions"
    if here.is_dir():
        return here
    import nncourse
    return Path(nncourse.__file__).resolve().parent.parent / "solutions"


def setup_options(notebook: str, limits: sandbox.Limits) -> dict:
    """What every job of `notebook` is told at set-up (its reference is stubbed in its sandbox)."""
    return {"seed": 0, "output_limit": limits.output_chars}


def _digest(data: bytes | None, extra: str) -> str:
    h = hashlib.sha256(extra.encode())
    if data is not None:
        h.update(data)
    return h.hexdigest()


# ---- inside a pool process ----------------------------------------------------------------------

_POOL: dict = {}


def _init_pool(box: sandbox.Sandbox, timeouts: Timeouts, sources: dict[str, SourceNotebook], slots) -> None:
    with slots.get_lock():
        slot = slots.value
        slots.value += 1
    _POOL["slot"] = sandbox.Slot(box, slot)
    multiprocessing.util.Finalize(None, _POOL["slot"].close, exitpriority=10)
    _POOL["timeouts"] = timeouts
    _POOL["sources"] = sources  # the instructor's notebooks, loaded once by autograde
    import nncourse.checks  # noqa: F401 - import the trusted checks once per grader process


def _results_for_all(source: SourceNotebook, status: str, message: str) -> list[dict]:
    return [ExerciseResult(e.name, 0.0, e.points, status, message).as_dict() for e in source.exercises]


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


def grade_job(job: Job) -> dict:
    """Grade one (student, notebook); never raises: every problem becomes a status."""
    started = time.monotonic()
    source = _POOL["sources"][job.notebook]
    record = {"student_id": job.student_id, "notebook": job.notebook, "key": job.key, "notes": [],
              "retry": False}
    if job.problem:
        record["results"] = _results_for_all(source, job.problem, job.message)
        return record
    name = f"{job.notebook}.ipynb"
    try:
        plan = plan_cells(source, parse_notebook(name, job.data))
    except ValueError as error:
        reason = str(error) if str(error).startswith(name) else f"{name} is not a valid notebook ({error})"
        record["results"] = _results_for_all(source, "error", reason)
        return record
    try:
        files = data_files(Path(job.folder) if job.folder else None, Path(job.skip) if job.skip else None)
        results, notes = grade_notebook(source, plan, _POOL["slot"], files, job.setup, _POOL["timeouts"])
        record["results"] = [r.as_dict() for r in results]
        record["notes"] = notes
    except GraderError as error:
        record["results"] = _results_for_all(source, "error", f"grader problem: {error}")
        record["retry"] = True
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:
        record["results"] = _results_for_all(source, "error", f"grader problem: {type(error).__name__}: {error}")
        record["retry"] = True
    record["seconds"] = round(time.monotonic() - started, 3)
    if record["retry"]:
        record["attempts"] = job.attempts + 1
        record["retry"] = record["attempts"] < MAX_ATTEMPTS
    return record


# ---- the whole run --------------------------------------------------------------------------------

def _state_path(out: Path, student: str, notebook: str) -> Path:
    return out / ".state" / student / f"{notebook}.json"


def _save_state(out: Path, record: dict) -> None:
    path = _state_path(out, record["student_id"], record["notebook"])
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps(record, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(temporary, path)


def _stored(out: Path, student: str, notebook: str, key: str) -> dict | None:
    path = _state_path(out, student, notebook)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and record.get("key") == key else None


def _load_state(out: Path, student: str, notebook: str, key: str) -> dict | None:
    """The stored result to reuse, or None: grade again."""
    record = _stored(out, student, notebook, key)
    return None if record is None or record.get("retry") else record


def _attempts(out: Path, student: str, notebook: str, key: str) -> int:
    """How many runs in a row failed on this notebook because of a grader problem."""
    record = _stored(out, student, notebook, key)
    return int(record.get("attempts", 0) or 0) if record and record.get("retry") else 0


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
    work = out / ".work"
    work.mkdir(exist_ok=True)
    try:
        found = collect(submissions, names, work, out)
        db_url = options.db_url or f"sqlite:///{(out / 'gradebook.db').resolve()}"
        selected = {n: sources[n] for n in names}
        if options.gradebook:
            _check_gradebook(db_url, selected)
        try:
            box = sandbox.prepare(options.limits, options.workers, options.unsafe_no_sandbox)
        except sandbox.SandboxUnavailable as error:
            raise InstructorError(str(error)) from None
        try:
            jobs, records = [], []
            setups = {nb: setup_options(nb, options.limits) for nb in names}
            for sub in found:
                source = sources[sub.notebook]
                key = _digest(sub.data, f"{GRADER_VERSION}|{box.mode}|{source.digest}|{sub.problem}|{sub.message}")
                done = _load_state(out, sub.student_id, sub.notebook, key)
                if done is not None:
                    records.append(done)
                    continue
                jobs.append(Job(sub.student_id, sub.notebook, sub.data, str(sub.folder) if sub.folder else None,
                                sub.problem, sub.message, setups[sub.notebook], key,
                                str(sub.skip) if sub.skip else None,
                                _attempts(out, sub.student_id, sub.notebook, key)))
            records += _run_jobs(jobs, box, selected, options, out)
        finally:
            sandbox.cleanup(box)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    order = {nb: i for i, nb in enumerate(names)}
    records.sort(key=lambda r: (r["student_id"], order.get(r["notebook"], len(order))))
    if box.unsafe:
        for record in records:
            record["unsandboxed"] = True
    if options.gradebook:
        from .gradebook import record
        record(db_url, selected, records)
    report.write_csvs(out, records, names)
    report.write_feedback(out, records)
    text = report.summary(records, time.monotonic() - started, options.workers, box.describe(), len(jobs))
    problems = sum(1 for r in records if r.get("retry"))
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


def _run_jobs(jobs: list[Job], box: sandbox.Sandbox, sources: dict[str, SourceNotebook], options: Options,
              out: Path) -> list[dict]:
    records = []
    if not jobs:
        return records
    bar = _progress(len(jobs), options.progress)
    context = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(max_workers=max(1, options.workers), mp_context=context,
                                                initializer=_init_pool,
                                                initargs=(box, options.timeouts, sources,
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
                    record = {"student_id": job.student_id, "notebook": job.notebook, "key": job.key,
                              "notes": [], "retry": True,
                              "results": _results_for_all(sources[job.notebook], "error",
                                                          f"grader problem: {error}")}
                _save_state(out, record)
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
