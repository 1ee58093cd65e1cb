"""The `nncourse` command: argument parsing only; the work lives in the modules named below.

    nncourse release                      regenerate notebooks/ from solutions/   (nncourse.release)
    nncourse autograde SUBMISSIONS --out OUT [--workers N]                        (nncourse.grading)
    nncourse feedback ...  /  nncourse export ...                                 (nncourse.grading)
    nncourse hub setup | add-students ROSTER | start | status                     (nncourse.hub)
"""
from __future__ import annotations

import argparse
import sys


def build_parser() -> argparse.ArgumentParser:
    from nncourse.grading import cli as grading_cli

    parser = argparse.ArgumentParser(prog="nncourse", description="The nncourse neural-network course.")
    commands = parser.add_subparsers(dest="command", required=True)

    release = commands.add_parser("release", help="regenerate the student notebooks from solutions/")
    release.add_argument("--check", action="store_true",
                         help="do not write; exit 1 if notebooks/ differs from what solutions/ generates")
    release.set_defaults(run=lambda args: __import__("nncourse.release", fromlist=["main"]).main(args))
    grading_cli.add_commands(commands)   # autograde, feedback, export
    from nncourse.hub import cli as hub_cli
    hub_cli.add_commands(commands)       # hub setup, add-students, start, status
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
