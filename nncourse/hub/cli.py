"""The `nncourse hub` subcommands (argument parsing only; the work is in recipe.py and users.py).

    nncourse hub setup [--course CHECKOUT] [--course-id ID] [--instructor NAME] [--port N] ...
    nncourse hub add-students ROSTER.csv
    nncourse hub start
    nncourse hub status

Every subcommand takes --prefix (default /srv/nncourse). `setup` remembers its options in
PREFIX/hub/settings.json; a later `setup` changes only the options it is given.
"""
from __future__ import annotations

import sys
from pathlib import Path

from .layout import DEFAULT_PREFIX, HubError, Settings

SETUP_OPTIONS = ("course_id", "instructor", "home_base", "ip", "port", "hub_port", "proxy_api_port")


def add_commands(subparsers) -> None:
    hub = subparsers.add_parser("hub", help="run the course on a JupyterHub on this machine (see docs/hub.md)")
    commands = hub.add_subparsers(dest="hub_command", required=True)

    def with_prefix(parser):
        parser.add_argument("--prefix", type=Path, default=DEFAULT_PREFIX,
                            help=f"where the hub's files live (default {DEFAULT_PREFIX})")
        return parser

    setup = with_prefix(commands.add_parser(
        "setup", help="write the hub's configuration, the exchange, the instructor's account and course directory"))
    setup.add_argument("--course", type=Path, default=None,
                       help="the course checkout whose solutions/ and notebooks/ the instructor gets "
                            "(default: the current folder)")
    setup.add_argument("--course-id", default=None, help="nbgrader's course id (default nncourse)")
    setup.add_argument("--instructor", default=None, help="the instructor's Linux user (default instructor)")
    setup.add_argument("--home-base", default=None, help="where new users' homes go (default /home)")
    setup.add_argument("--ip", default=None, help="address users connect to (default: every interface)")
    setup.add_argument("--port", type=int, default=None, help="port users connect to (default 8000)")
    setup.add_argument("--hub-port", type=int, default=None, help="the hub's internal port (default 8081)")
    setup.add_argument("--proxy-api-port", type=int, default=None, help="the proxy's API port (default 8001)")
    setup.set_defaults(run=run_setup)

    students = with_prefix(commands.add_parser(
        "add-students", help="Linux accounts, passwords and gradebook entries for every student of a roster CSV"))
    students.add_argument("roster", type=Path,
                          help="CSV with a header: id (login name), optional first_name, last_name, email, password")
    students.set_defaults(run=run_add_students)

    start = with_prefix(commands.add_parser("start", help="run JupyterHub in the foreground"))
    start.set_defaults(run=run_start)

    status = with_prefix(commands.add_parser("status", help="where everything is"))
    status.set_defaults(run=run_status)


def _fail(command: str, error: Exception) -> int:
    print(f"nncourse hub {command}: error: {error}", file=sys.stderr)
    return 2


def run_setup(args) -> int:
    from .recipe import setup
    try:
        try:
            settings = Settings.load(args.prefix)
            settings.prefix = str(args.prefix)
        except HubError:
            settings = Settings(prefix=str(args.prefix))
        for name in SETUP_OPTIONS:
            value = getattr(args, name)
            if value is not None:
                setattr(settings, name, value)
        checkout = args.course if args.course is not None else Path.cwd()
        print(setup(settings, checkout))
    except HubError as error:
        return _fail("setup", error)
    return 0


def run_add_students(args) -> int:
    from .users import add_students
    try:
        print(add_students(Settings.load(args.prefix), args.roster))
    except HubError as error:
        return _fail("add-students", error)
    return 0


def run_start(args) -> int:
    from .recipe import start
    try:
        start(Settings.load(args.prefix))
    except HubError as error:
        return _fail("start", error)
    return 0


def run_status(args) -> int:
    from .recipe import describe
    try:
        print(describe(Settings.load(args.prefix)))
    except HubError as error:
        return _fail("status", error)
    return 0
