"""Local Linux users for the hub: the instructor and the students, their groups, homes and passwords.

JupyterHub logs users in with PAM (their Linux password) and starts each one's server as that
user (LocalProcessSpawner), so every student is a Linux account:

    nncourse hub add-students roster.csv

reads a CSV with a header row: `id` (the login name; `username` or `login` are accepted too) and
optionally `first_name`, `last_name`, `email`, `password`. Each student gets an account in the group
<course_id>-students with a home of its own (mode 0700: no other student can read it) and, when the
roster has no password, a random one written to PREFIX/hub/passwords.csv (root only) for the
instructor to hand out. The students are also added to nbgrader's students table (the gradebook),
so formgrader lists a student who never submits.
"""
from __future__ import annotations

import csv
import grp
import os
import pwd
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .layout import HubError, Settings, check_name

ID_COLUMNS = ("id", "username", "login", "user")
OPTIONAL_COLUMNS = ("first_name", "last_name", "email", "password")
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"   # no l/1, o/0: read aloud, typed by hand


@dataclass
class Person:
    id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    password: str = ""


def require_root(action: str) -> None:
    if os.geteuid() != 0:
        raise HubError(f"{action} creates Linux users and must run as root (sudo nncourse hub ...)")


def _run(command: list[str], what: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    tool = shutil.which(command[0]) or f"/usr/sbin/{command[0]}"
    try:
        return subprocess.run([tool, *command[1:]], input=stdin, text=True, check=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except FileNotFoundError:
        raise HubError(f"{what}: {command[0]} is not installed (Debian's passwd package)") from None
    except subprocess.CalledProcessError as error:
        raise HubError(f"{what}: {command[0]} failed: {error.stderr.strip() or error.returncode}") from None


def read_roster(path: Path) -> list[Person]:
    """The students of a roster CSV; every problem is reported with its line number."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as error:
        raise HubError(f"cannot read the roster {path}: {error.strerror}") from None
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise HubError(f"the roster {path} is empty")
    header = [h.strip().lower().replace(" ", "_") for h in rows[0]]
    id_column = next((c for c in ID_COLUMNS if c in header), None)
    if id_column is None:
        raise HubError(f"the roster {path} has no id column: its first line must be a header with "
                       f"`id` (the login name) and optionally {', '.join(OPTIONAL_COLUMNS)}")
    people, seen = [], set()
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        values = {h: (row[i].strip() if i < len(row) else "") for i, h in enumerate(header)}
        person = Person(id=values[id_column], **{c: values.get(c, "") for c in OPTIONAL_COLUMNS})
        try:
            check_name(person.id, "student")
        except HubError as error:
            raise HubError(f"{path}, line {number}: {error}") from None
        if person.id in seen:
            raise HubError(f"{path}, line {number}: student {person.id!r} is listed twice")
        seen.add(person.id)
        people.append(person)
    if not people:
        raise HubError(f"the roster {path} lists no students")
    return people


def ensure_group(name: str) -> int:
    check_name(name, "group")
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        _run(["groupadd", name], f"creating the group {name}")
        return grp.getgrnam(name).gr_gid


def ensure_user(name: str, home: Path, groups: list[str]) -> bool:
    """Create `name` (own user group, bash, home at `home`) or add it to `groups`; True when created.

    The home is always left at mode 0700: useradd's default follows the system's UMASK (0755 on
    Debian), which would let every student read every other student's work.
    """
    check_name(name, "user")
    created = False
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        home.parent.mkdir(parents=True, exist_ok=True)
        _run(["useradd", "--create-home", "--home-dir", str(home), "--shell", "/bin/bash", "--user-group",
              *(["--groups", ",".join(groups)] if groups else []), name], f"creating the user {name}")
        entry = pwd.getpwnam(name)
        created = True
    else:
        if groups:
            _run(["usermod", "--append", "--groups", ",".join(groups), name], f"adding {name} to {groups}")
    home_dir = Path(entry.pw_dir)
    if not home_dir.is_dir():
        raise HubError(f"the home of {name} ({home_dir}) does not exist")
    home_dir.chmod(0o700)
    return created


def set_password(name: str, password: str) -> None:
    if ":" in password or "\n" in password:
        raise HubError(f"the password of {name} may not contain ':' or a line break")
    _run(["chpasswd"], f"setting the password of {name}", stdin=f"{name}:{password}\n")


def new_password() -> str:
    return "-".join("".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(4)) for _ in range(3))


def record_passwords(settings: Settings, passwords: dict[str, str]) -> None:
    """Add or replace rows of PREFIX/hub/passwords.csv (user,password), readable by root only."""
    path = settings.passwords_file
    rows: dict[str, str] = {}
    if path.exists():
        rows = {r["user"]: r["password"] for r in csv.DictReader(path.read_text(encoding="utf-8").splitlines())}
    rows.update(passwords)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["user", "password"])
        writer.writerows(sorted(rows.items()))
    path.chmod(0o600)


def read_passwords(settings: Settings) -> dict[str, str]:
    path = settings.passwords_file
    if not path.exists():
        return {}
    return {r["user"]: r["password"] for r in csv.DictReader(path.read_text(encoding="utf-8").splitlines())}


def run_as(user: str, command: list[str], settings: Settings, cwd: Path, check: bool = True
           ) -> subprocess.CompletedProcess:
    """Run `command` as `user` (runuser) with the shared environment's bin/ first on PATH."""
    entry = pwd.getpwnam(user)
    environment = {
        "HOME": entry.pw_dir, "USER": user, "LOGNAME": user, "SHELL": "/bin/bash", "LANG": "C.UTF-8",
        "PATH": f"{settings.bin}:/usr/local/bin:/usr/bin:/bin",
    }
    runuser = shutil.which("runuser") or "/usr/sbin/runuser"
    result = subprocess.run([runuser, "-u", user, "--", "/usr/bin/env", "-i",
                             *(f"{k}={v}" for k, v in environment.items()), *command],
                            cwd=cwd, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if check and result.returncode != 0:
        raise HubError(f"`{' '.join(command)}` as {user} failed ({result.returncode}):\n{result.stdout.strip()}")
    return result


def add_to_gradebook(settings: Settings, people: list[Person]) -> None:
    """nbgrader's students table (as the instructor, in the course directory): formgrader lists them."""
    course = settings.course_dir
    if not course.is_dir():
        raise HubError(f"no course directory {course}: run `nncourse hub setup` first")
    entry = pwd.getpwnam(settings.instructor)
    roster = course / f".students-{secrets.token_hex(4)}.csv"
    with open(roster, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "first_name", "last_name", "email"])
        writer.writerows([p.id, p.first_name, p.last_name, p.email] for p in people)
    os.chown(roster, entry.pw_uid, entry.pw_gid)
    try:
        run_as(settings.instructor, [str(settings.bin / "nbgrader"), "db", "student", "import", roster.name],
               settings, cwd=course)
    finally:
        roster.unlink(missing_ok=True)


def add_students(settings: Settings, roster: Path) -> str:
    """Accounts, passwords and gradebook rows for every student of `roster`; returns a summary."""
    require_root("nncourse hub add-students")
    people = read_roster(roster)
    instructors = {settings.instructor}
    clash = [p.id for p in people if p.id in instructors]
    if clash:
        raise HubError(f"the roster lists the instructor {clash[0]!r} as a student")
    ensure_group(settings.students_group)
    created, generated = [], {}
    for person in people:
        if ensure_user(person.id, Path(settings.home_base) / person.id, [settings.students_group]):
            created.append(person.id)
            password = person.password or new_password()
            if not person.password:
                generated[person.id] = password
            set_password(person.id, password)
        elif person.password:
            set_password(person.id, person.password)
    if generated:
        record_passwords(settings, generated)
    add_to_gradebook(settings, people)
    lines = [f"{len(people)} students in {roster}: {len(created)} accounts created, "
             f"{len(people) - len(created)} already existed (added to the group {settings.students_group})"]
    if generated:
        lines.append(f"their new passwords are in {settings.passwords_file} (root only): hand each student theirs")
    lines.append("they can log in now (no restart needed): the hub admits the group " + settings.students_group)
    return "\n".join(lines)
