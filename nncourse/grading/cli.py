"""The grading subcommands of `nncourse`: autograde, feedback, export (argument parsing only).

    nncourse autograde SUBMISSIONS --out OUT [--workers N] [--source solutions] [--db URL]
    nncourse feedback OUT            rewrite OUT/feedback/ from the stored results
    nncourse export OUT [--db URL]   rewrite grades.csv, canvas.csv, gradescope.csv (from the
                                     gradebook when --db is given: a class graded on several machines)
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def add_commands(subparsers) -> None:
    grade = subparsers.add_parser(
        "autograde", help="grade a whole class in a sandbox, in parallel (scores.csv, grades.csv, feedback)")
    grade.add_argument("submissions", type=Path,
                       help="one folder (or <id>.zip) per student, or nbgrader's submitted/ folder")
    grade.add_argument("--out", type=Path, required=True, help="where the CSVs, feedback and state go")
    grade.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                       help="notebooks graded at once (default: the number of cores)")
    grade.add_argument("--source", type=Path, default=None,
                       help="the instructor notebooks (default: ./solutions)")
    grade.add_argument("--db", default=None,
                       help="gradebook SQLAlchemy URL (default: sqlite:///OUT/gradebook.db)")
    grade.add_argument("--notebooks", nargs="+", default=None, help="grade only these notebooks")
    grade.add_argument("--timeout", type=float, default=30.0,
                       help="seconds for one exercise's tests (default 30)")
    grade.add_argument("--cell-timeout", type=float, default=60.0,
                       help="seconds for one notebook cell (default 60)")
    grade.add_argument("--memory", type=int, default=2048, help="MB of memory per worker (default 2048)")
    grade.add_argument("--no-progress", action="store_true", help="no progress bar")
    grade.add_argument("--unsafe-no-sandbox", action="store_true",
                       help="run students' code WITHOUT a sandbox (as you, seeing all you can see); "
                            "the summary and every CSV say so")
    grade.set_defaults(run=run_autograde)

    feedback = subparsers.add_parser("feedback", help="rewrite OUT/feedback/ from a grading run's results")
    feedback.add_argument("out", type=Path)
    feedback.set_defaults(run=run_feedback)

    export = subparsers.add_parser("export", help="rewrite grades.csv, canvas.csv and gradescope.csv")
    export.add_argument("out", type=Path)
    export.add_argument("--db", default=None, help="read the scores from this gradebook instead of OUT")
    export.set_defaults(run=run_export)


def _fail(command: str, reason: str) -> int:
    print(f"nncourse {command}: error: {reason}", file=sys.stderr)
    return 2


def run_autograde(args) -> int:
    from .autograde import GradingIncomplete, Options, autograde
    from .collect import InstructorError
    from .sandbox import Limits
    from .verdict import Timeouts
    if args.workers < 1:
        return _fail("autograde", f"--workers must be at least 1, got {args.workers}")
    options = Options(
        submissions=args.submissions, out=args.out, workers=args.workers, source=args.source,
        db_url=args.db, notebooks=args.notebooks,
        timeouts=Timeouts(cell=args.cell_timeout, exercise=args.timeout),
        limits=Limits(memory_bytes=args.memory * 1024**2), progress=not args.no_progress,
        unsafe_no_sandbox=args.unsafe_no_sandbox)
    try:
        print(autograde(options))
    except InstructorError as error:
        return _fail("autograde", str(error))
    except GradingIncomplete as incomplete:
        print(incomplete.summary)
        print(f"nncourse autograde: error: {incomplete.reason}", file=sys.stderr)
        return 1
    return 0


def _stored_records(out: Path) -> list[dict]:
    state = out / ".state"
    if not state.is_dir():
        return []
    records = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(state.glob("*/*.json"))]
    return sorted(records, key=lambda r: (r["student_id"], r["notebook"]))


def run_feedback(args) -> int:
    from . import report
    records = _stored_records(args.out)
    if not records:
        return _fail("feedback", f"no grading results in {args.out} (run nncourse autograde first)")
    report.write_feedback(args.out, records)
    print(f"wrote {len(records)} feedback pages to {args.out / 'feedback'}")
    return 0


def run_export(args) -> int:
    from . import report
    if args.db:
        from .gradebook import read_scores
        rows = read_scores(args.db)
        if not rows:
            return _fail("export", f"no submissions in the gradebook {args.db}")
        grouped: dict[tuple[str, str], dict] = {}
        for row in rows:
            record = grouped.setdefault((row["student_id"], row["notebook"]),
                                        {"student_id": row["student_id"], "notebook": row["notebook"],
                                         "results": []})
            score = float(row["score"] or 0.0)
            record["results"].append({"exercise": row["grade_id"].removeprefix("check_"), "score": score,
                                      "max_score": float(row["max_score"] or 0.0),
                                      "status": "passed" if score >= float(row["max_score"] or 0) else "failed",
                                      "message": ""})
        records = sorted(grouped.values(), key=lambda r: (r["student_id"], r["notebook"]))
    else:
        records = _stored_records(args.out)
        if not records:
            return _fail("export", f"no grading results in {args.out} (run nncourse autograde first)")
    notebooks = sorted({r["notebook"] for r in records})
    args.out.mkdir(parents=True, exist_ok=True)
    report.write_csvs(args.out, records, notebooks)
    print(f"wrote grades.csv, canvas.csv and gradescope.csv for {len({r['student_id'] for r in records})} "
          f"students to {args.out}")
    return 0
