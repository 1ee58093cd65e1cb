"""The grading subcommands of `nncourse` (argument parsing only; see docs/instructors.md).

    nncourse roster import FILE --out OUT          the class (Canvas gradebook export or plain CSV)
    nncourse duedate OUT [ASSIGNMENT [DATE]]       nbgrader's due dates (list, set, --clear)
    nncourse collect DOWNLOAD --out OUT            an LMS download (Canvas, Moodle, folders) -> OUT/submitted/
    nncourse autograde SUBMISSIONS --out OUT       grade in a sandbox, in parallel, resumably
    nncourse formgrader OUT                        nbgrader's formgrader on OUT (manual grading)
    nncourse feedback OUT                          rewrite the feedback pages and zips
    nncourse export OUT [--db URL]                 rewrite scores.csv, grades.csv, canvas.csv, gradescope/
    nncourse report OUT / nncourse similarity OUT  the class report: mistakes, statuses, similar code

Every command prints one line starting "nncourse <command>: error:" and exits 2 for a mistake in
its options, before it changes anything.
"""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    return value


def add_commands(subparsers) -> None:
    from .options import available_cpus
    cpus = available_cpus()
    grade = subparsers.add_parser(
        "autograde", help="grade a whole class in a sandbox, in parallel (scores.csv, grades.csv, feedback)")
    grade.add_argument("submissions", type=Path,
                       help="one folder (or <id>.zip) per student, or nbgrader's submitted/ folder (OUT/submitted "
                            "after nncourse collect)")
    grade.add_argument("--out", type=Path, required=True,
                       help="the grading folder: an nbgrader course folder (CSVs, feedback, gradebook, state)")
    grade.add_argument("--workers", type=int, default=cpus,
                       help=f"notebooks graded at once (default: the {cpus} CPUs this process may use)")
    grade.add_argument("--source", type=Path, default=None, help="the instructor notebooks (default: ./solutions)")
    grade.add_argument("--db", default=None, help="gradebook SQLAlchemy URL (default: sqlite:///OUT/gradebook.db)")
    grade.add_argument("--notebooks", nargs="+", default=None,
                       help="grade only these notebooks (the exports keep every notebook graded before)")
    grade.add_argument("--timeout", type=_positive_float, default=30.0,
                       help="seconds for one exercise's tests (default 30)")
    grade.add_argument("--cell-timeout", type=_positive_float, default=60.0,
                       help="seconds for one notebook cell (default 60)")
    grade.add_argument("--memory", type=int, default=2048, help="MB of memory per worker (default 2048)")
    grade.add_argument("--force", action="store_true", help="regrade everything, even what a previous run graded")
    grade.add_argument("--late-policy", default=None,
                       help='none, zero, "10%%/day", "2%%/hour" or "10%%/day max 50%%" (default: the course\'s '
                            "nbgrader_config.py); kept in OUT for every later export")
    _missing_option(grade)
    grade.add_argument("--no-progress", action="store_true", help="no progress bar")
    grade.add_argument("--unsafe-no-sandbox", action="store_true",
                       help="run students' code WITHOUT a sandbox (as you, seeing all you can see); "
                            "the summary and every CSV say so")
    grade.set_defaults(run=run_autograde)

    feedback = subparsers.add_parser("feedback", help="rewrite OUT/feedback/ (and the zips) from OUT's results")
    feedback.add_argument("out", type=Path)
    feedback.add_argument("--db", default=None, help="the gradebook (default: OUT's)")
    _late_option(feedback)
    feedback.set_defaults(run=run_feedback)

    export = subparsers.add_parser("export", help="rewrite scores.csv, grades.csv, canvas.csv and gradescope/")
    export.add_argument("out", type=Path)
    export.add_argument("--db", default=None,
                        help="the gradebook to read (default: OUT's); a shared one for a class graded on several "
                             "machines")
    _missing_option(export)
    _late_option(export)
    export.set_defaults(run=run_export)

    collect = subparsers.add_parser("collect", help="an LMS download (Canvas zip, Moodle, folders) into OUT/submitted")
    collect.add_argument("download", type=Path, help="the zip or folder the LMS gave you")
    collect.add_argument("--out", type=Path, required=True, help="the grading folder")
    collect.add_argument("--assignment", default=None,
                         help="the assignment this download holds (then a student's only notebook counts as it, "
                              "whatever its name)")
    collect.add_argument("--lms", choices=("auto", "canvas", "moodle", "folders"), default="auto",
                         help="the download's layout (default: recognised from the file names)")
    collect.add_argument("--pattern", default=None,
                         help="a regular expression for each file's path, with the groups student_id (or lms_id, "
                              "or name) and file, optionally late and timestamp (as nbgrader's zip_collect)")
    collect.add_argument("--source", type=Path, default=None, help="the instructor notebooks (default: ./solutions)")
    collect.set_defaults(run=run_collect)

    roster = subparsers.add_parser("roster", help="the class list")
    roster_commands = roster.add_subparsers(dest="roster_command", required=True)
    roster_import = roster_commands.add_parser(
        "import", help="a Canvas gradebook export or a CSV (id, first_name, last_name, email, lms_user_id) "
                       "into nbgrader's students")
    roster_import.add_argument("file", type=Path)
    roster_import.add_argument("--out", type=Path, required=True, help="the grading folder")
    roster_import.add_argument("--db", default=None, help="the gradebook (default: OUT's)")
    roster_import.add_argument("--id-column", default=None,
                               help="the column that holds the nbgrader student id (default: SIS User ID, else "
                                    "SIS Login ID, else ID; for a plain CSV: id)")
    roster_import.set_defaults(run=run_roster_import)

    duedate = subparsers.add_parser("duedate", help="list or set nbgrader's due dates")
    duedate.add_argument("out", type=Path)
    duedate.add_argument("assignment", nargs="?")
    duedate.add_argument("date", nargs="?", help='e.g. "2027-02-01 23:59:00 Europe/London" (UTC unless a zone)')
    duedate.add_argument("--clear", action="store_true", help="remove the assignment's due date")
    duedate.add_argument("--db", default=None, help="the gradebook (default: OUT's)")
    duedate.set_defaults(run=run_duedate)

    formgrader = subparsers.add_parser("formgrader", help="open nbgrader's formgrader on OUT (grade written answers)")
    formgrader.add_argument("out", type=Path)
    formgrader.add_argument("--port", type=int, default=8888)
    formgrader.add_argument("--ip", default="localhost")
    formgrader.add_argument("--no-browser", action="store_true")
    formgrader.set_defaults(run=run_formgrader)

    from .classreport import add_commands as add_report_commands
    add_report_commands(subparsers)   # report, similarity


def _late_option(parser) -> None:
    parser.add_argument("--late-policy", default=None,
                        help="the late policy to apply (default: the one OUT was graded with, else the course's)")


def _missing_option(parser) -> None:
    parser.add_argument("--missing", choices=("blank", "zero"), default="blank",
                        help="students without a submission in the exports: blank (the LMS keeps its value; the "
                             "default) or zero; the summary lists them either way")


def _fail(command: str, reason: str) -> int:
    print(f"nncourse {command}: error: {reason}", file=sys.stderr)
    return 2


def _db_url(out: Path, db: str | None) -> str:
    return db or f"sqlite:///{(Path(out) / 'gradebook.db').resolve()}"


def run_autograde(args) -> int:
    from .autograde import GradingIncomplete, Interrupted, Options, autograde
    from .collect import InstructorError
    from .sandbox import Limits
    from .verdict import Timeouts
    options = Options(
        submissions=args.submissions, out=args.out, workers=args.workers, source=args.source,
        db_url=args.db, notebooks=args.notebooks,
        timeouts=Timeouts(cell=args.cell_timeout, exercise=args.timeout),
        limits=Limits(memory_bytes=max(0, args.memory) * 1024**2), progress=not args.no_progress,
        force=args.force, missing=args.missing, late_policy=args.late_policy,
        unsafe_no_sandbox=args.unsafe_no_sandbox)
    try:
        print(autograde(options))
    except InstructorError as error:
        return _fail("autograde", str(error))
    except Interrupted as interrupted:
        print(f"nncourse autograde: {interrupted}", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("nncourse autograde: interrupted before grading began; nothing was graded", file=sys.stderr)
        return 130
    except GradingIncomplete as incomplete:
        print(incomplete.summary)
        print(f"nncourse autograde: error: {incomplete.reason}", file=sys.stderr)
        return 1
    return 0


def _grading_folder(command: str, out: Path, db: str | None, late: str | None = None):
    """(sources, policy, db_url) of an existing grading folder, or raises InstructorError."""
    from .autograde import default_source
    from .collect import InstructorError
    from .options import late_policy, load_sources
    out = Path(out)
    if not out.is_dir():
        raise InstructorError(f"no such folder: {out}")
    from .options import folder_config
    config = folder_config(out)
    source_dir = config.get("CourseDirectory", {}).get("source_directory") if config else None
    source = Path(source_dir) if source_dir and Path(source_dir).is_absolute() else default_source()
    sources: dict = {}
    if source.is_dir():
        sources, _ = load_sources(source, None)
    if config is None:
        from .options import course_config
        config = course_config(source)
    if late is not None:
        from .options import effective_policy
        return sources, effective_policy(out, config, late), _db_url(out, db)
    return sources, late_policy(config), _db_url(out, db)


def _has_results(out: Path, db_url: str) -> bool:
    from .records import ResumeState
    if len(ResumeState(out)):
        return True
    if db_url.startswith("sqlite:///"):
        return Path(db_url[len("sqlite:///"):]).exists()
    return True


def run_feedback(args) -> int:
    from .collect import InstructorError
    from .publish import rebuild
    try:
        sources, policy, db_url = _grading_folder("feedback", args.out, args.db, args.late_policy)
        if not _has_results(args.out, db_url):
            return _fail("feedback", f"no grading results in {args.out} (run nncourse autograde first)")
        published = rebuild(args.out, db_url, sources, policy, "blank", exports=False)
    except InstructorError as error:
        return _fail("feedback", str(error))
    print(f"wrote {published.feedback_pages} feedback pages to {args.out / 'feedback'} "
          f"(and one zip per student in {args.out / 'feedback-zips'})")
    return 0


def run_export(args) -> int:
    from .collect import InstructorError
    from .publish import rebuild
    try:
        if args.db:
            args.out.mkdir(parents=True, exist_ok=True)   # a folder for the exports of a shared gradebook
        sources, policy, db_url = _grading_folder("export", args.out, args.db, args.late_policy)
        if not _has_results(args.out, db_url):
            return _fail("export", f"no grading results in {args.out} (run nncourse autograde first)")
        published = rebuild(args.out, db_url, sources, policy, args.missing, pages=False)
    except InstructorError as error:
        return _fail("export", str(error))
    if not published.term.graded:
        return _fail("export", f"no graded submissions in {args.out} or its gradebook")
    print(f"wrote scores.csv, grades.csv, canvas.csv and gradescope/ for {len(published.term.students)} students "
          f"to {args.out}")
    for note in published.notes:
        print(note)
    return 0


def run_collect(args) -> int:
    from .autograde import default_source
    from .collect import InstructorError
    from .coursefolder import CourseFolder
    from .lms import collect_download
    from .options import check_out, load_sources
    from .roster import Roster
    try:
        check_out(args.out)
        if args.pattern:
            import re
            try:
                re.compile(args.pattern)
            except re.error as error:
                raise InstructorError(f"--pattern is not a regular expression: {error}") from None
        source = args.source or default_source()
        sources, _ = load_sources(source, None)
        if not args.download.exists():
            raise InstructorError(f"no such file or folder: {args.download}")
        created = not args.out.exists()
        args.out.mkdir(parents=True, exist_ok=True)
        try:
            folder = CourseFolder(args.out, source, _db_url(args.out, None))
            folder.write_config()
            notebooks = {name: s.assignment for name, s in sources.items()}
            result = collect_download(args.download, folder, notebooks, Roster.load(args.out),
                                      "auto" if args.lms == "auto" else args.lms, args.pattern, args.assignment)
        except BaseException:
            if created:
                shutil.rmtree(args.out, ignore_errors=True)
            raise
    except InstructorError as error:
        return _fail("collect", str(error))
    print(result.summary(args.out))
    return 0


def run_roster_import(args) -> int:
    from .collect import InstructorError
    from .options import check_out
    from .roster import RosterError, import_roster, read_roster
    try:
        check_out(args.out)
        roster = read_roster(args.file, args.id_column)
        args.out.mkdir(parents=True, exist_ok=True)
        count = import_roster(roster, args.out, _db_url(args.out, args.db))
    except (InstructorError, RosterError) as error:
        return _fail("roster import", str(error))
    kind = "Canvas gradebook export" if roster.canvas else "CSV"
    print(f"imported {count} students from the {kind} {args.file} into nbgrader's students table "
          f"({_db_url(args.out, args.db)})")
    if roster.canvas:
        print(f"Canvas assignment columns kept for canvas.csv: {', '.join(roster.canvas.headers) or 'none'}")
    return 0


def run_duedate(args) -> int:
    from .gradebook import open_gradebook, set_duedate
    from .late import parse_time
    db_url = _db_url(args.out, args.db)
    if args.assignment and (args.date or args.clear):
        try:
            parse_time(args.date) if args.date else None
        except Exception:
            return _fail("duedate", f"cannot read the date {args.date!r} (e.g. \"2027-02-01 23:59:00 Europe/London\")")
        args.out.mkdir(parents=True, exist_ok=True)
        stored = set_duedate(db_url, args.assignment, None if args.clear else args.date)
        print(f"{args.assignment}: due {stored + ' UTC' if stored else 'date cleared'}")
        return 0
    if args.assignment:
        return _fail("duedate", "give a DATE or --clear after the assignment")
    if db_url.startswith("sqlite:///") and not Path(db_url[len("sqlite:///"):]).exists():
        return _fail("duedate", f"no gradebook at {db_url}")
    gb = open_gradebook(db_url)
    try:
        for assignment in gb.assignments:
            when = assignment.duedate.isoformat(sep=" ") + " UTC" if assignment.duedate else "no due date"
            print(f"{assignment.name}: {when}")
    finally:
        gb.close()
    return 0


def run_formgrader(args) -> int:
    from .formgrader import start
    return start(args.out, args.port, args.ip, not args.no_browser)
