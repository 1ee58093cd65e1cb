"""`nncourse hub setup`: everything a one-machine JupyterHub needs for the course, written idempotently.

Run as root from the shared environment (`python3 course.py hub` creates PREFIX/venv and runs it):
groups and the instructor's account, the instructor's course directory, nbgrader's exchange,
configurable-http-proxy, the per-role Jupyter configuration and jupyterhub_config.py. Running it
again changes nothing that is already right and never overwrites the instructor's course files.
"""
from __future__ import annotations

import json
import os
import pwd
import shutil
import sqlite3
import stat
import subprocess
from contextlib import closing
from pathlib import Path

from . import users
from .layout import PROXY_PACKAGE, HubError, Settings

# The parts of the checkout copied into the instructor's course directory (never overwritten).
COURSE_FILES = ("nbgrader_config.py", "solutions", "notebooks")

# nbgrader's extensions per role (nbgrader's "Using nbgrader with JupyterHub" table, one class,
# one grader): students get the Assignment List and Validate, the instructor everything.
SERVER_EXTENSIONS = ("formgrader", "assignment_list", "course_list", "validate_assignment")
STUDENT_SERVER_EXTENSIONS = {"assignment_list", "validate_assignment"}
LAB_PLUGINS = ("formgrader", "assignment-list", "course-list", "create-assignment", "validate-assignment")
STUDENT_LAB_PLUGINS = {"assignment-list", "validate-assignment"}

MARKER = "# written by `nncourse hub setup`"


def say(message: str) -> None:
    print(f"[hub] {message}", flush=True)


def _write(path: Path, text: str, mode: int = 0o644, owner: pwd.struct_passwd | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.chmod(mode)
    if owner is not None:
        os.chown(temporary, owner.pw_uid, owner.pw_gid)
    os.replace(temporary, path)


def _others_may_enter(path: Path) -> Path | None:
    """The first folder on the way to `path` that other users cannot traverse, or None."""
    for folder in [*reversed(path.parents), path]:
        if folder.exists() and not folder.stat().st_mode & stat.S_IXOTH:
            return folder
    return None


def check_environment(settings: Settings) -> None:
    """The shared environment exists, holds JupyterHub and can be run by every user."""
    singleuser = settings.bin / "jupyterhub-singleuser"
    if not singleuser.exists() or not (settings.bin / "nbgrader").exists():
        raise HubError(f"no shared environment with JupyterHub at {settings.venv}: create it with "
                       f"`python3 course.py hub --prefix {settings.prefix}` (it runs this setup)")
    for path in (settings.venv, Path(os.path.realpath(settings.bin / "python"))):
        closed = _others_may_enter(path)
        if closed is not None:
            raise HubError(f"students cannot run the shared environment: {closed} is closed to other users "
                           f"(mode {stat.S_IMODE(closed.stat().st_mode):o}); choose another --prefix or an "
                           "interpreter outside it")


def ensure_proxy(settings: Settings) -> None:
    """configurable-http-proxy from npm, installed under PREFIX/proxy (never globally)."""
    if settings.proxy_command.exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise HubError("npm is not installed: `apt-get install npm` (python3 course.py hub does it when run as root)")
    folder = settings.root / "proxy"
    folder.mkdir(parents=True, exist_ok=True)
    say(f"installing {PROXY_PACKAGE} from npm into {folder}")
    result = subprocess.run([npm, "install", "--prefix", str(folder), "--no-audit", "--no-fund", "--omit=dev",
                             PROXY_PACKAGE], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            stdin=subprocess.DEVNULL)
    if result.returncode != 0 or not settings.proxy_command.exists():
        raise HubError(f"npm install {PROXY_PACKAGE} failed:\n{result.stdout.strip()[-2000:]}")


def ensure_exchange(settings: Settings) -> None:
    """PREFIX/exchange (1777 as nbgrader documents, plus the sticky bit: nobody renames another's folder)
    and exchange/<course_id>/ owned by the instructor and the graders' group, set-group-id, so every
    submission under inbound/ gets the graders' group (see nncourse.hub.exchange)."""
    instructor = pwd.getpwnam(settings.instructor)
    graders = users.ensure_group(settings.graders_group)
    settings.exchange.mkdir(parents=True, exist_ok=True)
    os.chown(settings.exchange, 0, 0)
    settings.exchange.chmod(0o1777)
    course = settings.course_exchange
    course.mkdir(exist_ok=True)
    os.chown(course, instructor.pw_uid, graders)
    course.chmod(0o2755)
    for existing in (course / "inbound", course / "outbound", course / "feedback"):
        if existing.exists():
            os.chown(existing, instructor.pw_uid, graders)
            if existing.name == "inbound":
                existing.chmod(0o2733)


def ensure_course(settings: Settings, checkout: Path) -> None:
    """The instructor's course directory: the checkout's solutions/, notebooks/ and nbgrader_config.py."""
    instructor = pwd.getpwnam(settings.instructor)
    home = Path(instructor.pw_dir)
    home.chmod(0o700)
    course = settings.course_dir
    missing = [name for name in COURSE_FILES if not (checkout / name).exists()]
    if missing:
        raise HubError(f"{checkout} is not the course's checkout: it has no {', '.join(missing)}")
    course.mkdir(exist_ok=True)
    copied = []
    for name in COURSE_FILES:
        target = course / name
        if target.exists():
            continue
        if (checkout / name).is_dir():
            shutil.copytree(checkout / name, target,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        else:
            shutil.copy2(checkout / name, target)
        copied.append(name)
    for folder, _, files in os.walk(course):
        os.chown(folder, instructor.pw_uid, instructor.pw_gid)
        for name in files:
            os.chown(os.path.join(folder, name), instructor.pw_uid, instructor.pw_gid, follow_symlinks=False)
    course.chmod(0o700)
    if copied:
        say(f"copied {', '.join(copied)} into the course directory {course}")
    config = home / ".jupyter" / "nbgrader_config.py"
    if not config.exists() or MARKER in config.read_text(encoding="utf-8", errors="replace"):
        (home / ".jupyter").mkdir(exist_ok=True)
        os.chown(home / ".jupyter", instructor.pw_uid, instructor.pw_gid)
        _write(config, f"{MARKER}: the formgrader and `nbgrader` anywhere in this account use the course\n"
                       f"c = get_config()  # noqa: F821\nc.CourseDirectory.root = {str(course)!r}\n",
               owner=instructor)


def recorded_assignments(gradebook: Path) -> set[str]:
    """The assignments whose notebooks the gradebook already holds (read-only; root reads any file)."""
    if not gradebook.exists():
        return set()
    with closing(sqlite3.connect(f"file:{gradebook}?mode=ro", uri=True)) as db:
        try:
            rows = db.execute("SELECT DISTINCT assignment.name FROM assignment "
                              "JOIN notebook ON notebook.assignment_id = assignment.id").fetchall()
        except sqlite3.Error:
            return set()
    return {name for (name,) in rows}


def register_assignments(settings: Settings) -> None:
    """Each assignment of solutions/ in the course's gradebook, with its notebooks and cells, as
    `nbgrader generate_assignment` records them (formgrader's manual grading and nbgrader's own
    autograde need them). Only assignments the gradebook lacks: a restart in mid-term never touches
    one that has submissions. The notebooks it generates go to a scratch folder that is removed:
    notebooks/ stays what `nncourse release` made."""
    course = settings.course_dir
    scratch = f".hub-generated-{os.getpid()}"
    done = recorded_assignments(course / "gradebook.db")
    missing = sorted(p.name for p in (course / "solutions").iterdir() if p.is_dir() and p.name not in done)
    try:
        for assignment in missing:
            result = users.run_as(settings.instructor,
                                  [str(settings.bin / "nbgrader"), "generate_assignment", assignment, "--force",
                                   f"--CourseDirectory.release_directory={scratch}"],
                                  settings, cwd=course, check=False)
            if result.returncode != 0:
                say(f"warning: nbgrader generate_assignment {assignment} failed (formgrader may not know its "
                    f"cells; run it in {course} to see why):\n{result.stdout.strip()[-1500:]}")
    finally:
        shutil.rmtree(course / scratch, ignore_errors=True)
    if missing:
        say(f"recorded {', '.join(missing)} in the gradebook {course / 'gradebook.db'}")


def shared_nbgrader_config(settings: Settings, checkout: Path) -> str:
    """venv/etc/jupyter/nbgrader_config.py: the course's settings plus the exchange, for every user."""
    course_config = (checkout / "nbgrader_config.py").read_text(encoding="utf-8")
    return f'''{MARKER} for every user of the shared environment.
# The course's own settings (a copy of its nbgrader_config.py: the students' Validate button uses
# the same timeouts and stderr filter as grading), then the hub's exchange.

{course_config}

# ---- the hub: nbgrader's exchange -------------------------------------------------------------
c.CourseDirectory.course_id = {settings.course_id!r}
c.Exchange.root = {str(settings.exchange)!r}
# submissions readable by the graders' group only, not by other students (nncourse/hub/exchange.py)
c.ExchangeFactory.submit = "nncourse.hub.exchange.PrivateSubmit"
'''


# JupyterLab defaults for every user of the hub: never ask about news or look for updates (a class's
# hub may have no internet access, and it should not call out on the students' behalf).
LAB_OVERRIDES = {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False}}


def ensure_jupyter_config(settings: Settings, checkout: Path) -> None:
    _write(settings.venv / "etc" / "jupyter" / "nbgrader_config.py", shared_nbgrader_config(settings, checkout))
    overrides = settings.venv / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    current = json.loads(overrides.read_text(encoding="utf-8")) if overrides.exists() else {}
    _write(overrides, json.dumps({**current, **LAB_OVERRIDES}, indent=1) + "\n")
    for role, server, lab in (("students", STUDENT_SERVER_EXTENSIONS, STUDENT_LAB_PLUGINS),
                              ("instructors", set(SERVER_EXTENSIONS), set(LAB_PLUGINS))):
        folder = settings.role_config_dir(role)
        extensions = {f"nbgrader.server_extensions.{name}": name in server for name in SERVER_EXTENSIONS}
        # terminals run a plain (not login) bash: a login shell's /etc/profile would reset PATH and
        # drop the shared environment's bin/ (nbgrader, nncourse)
        server_app = {"jpserver_extensions": extensions, "terminado_settings": {"shell_command": ["/bin/bash"]}}
        _write(folder / "jupyter_server_config.json", json.dumps({"ServerApp": server_app}, indent=1) + "\n")
        disabled = {f"@jupyter/nbgrader:{name}": name not in lab for name in LAB_PLUGINS}
        _write(folder / "labconfig" / "page_config.json",
               json.dumps({"disabledExtensions": disabled}, indent=1) + "\n")


def hub_config(settings: Settings) -> str:
    """jupyterhub_config.py: PAM, LocalProcessSpawner, the proxy from PREFIX/proxy, per-role Jupyter config."""
    hub = settings.hub_dir
    return f'''{MARKER}; rerun it to change the settings (PREFIX/hub/settings.json).
"""JupyterHub for the course {settings.course_id!r} on one machine (see docs/hub.md)."""
import grp

c = get_config()  # noqa: F821

# ---- where users connect, and the hub's own state (root only) ----------------------------------
c.JupyterHub.bind_url = "http://{settings.ip}:{settings.port}"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{settings.hub_port}"
c.JupyterHub.db_url = "sqlite:///{hub / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = {str(hub / 'jupyterhub_cookie_secret')!r}
c.JupyterHub.pid_file = {str(hub / 'jupyterhub.pid')!r}
c.ConfigurableHTTPProxy.command = [{str(settings.proxy_command)!r}]
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{settings.proxy_api_port}"
c.ConfigurableHTTPProxy.pid_file = {str(hub / 'proxy.pid')!r}

# ---- who may log in: local Linux users of the course's groups, with their Linux password -------
c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.open_sessions = False
c.LocalAuthenticator.allowed_groups = {{{settings.students_group!r}, {settings.graders_group!r}}}
c.PAMAuthenticator.admin_groups = {{{settings.graders_group!r}}}   # graders may start/stop students' servers

# ---- each user's JupyterLab runs as that user, from the shared environment ---------------------
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [{str(settings.bin / 'jupyterhub-singleuser')!r}]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 180
# nothing of root's environment (its PATH, PYTHONPATH, VIRTUAL_ENV) reaches the users' servers
c.Spawner.env_keep = ["LANG", "LC_ALL", "JUPYTERHUB_SINGLEUSER_APP"]
c.Spawner.environment = {{
    "PATH": "{settings.bin}:/usr/local/bin:/usr/bin:/bin",   # nbgrader, nncourse, alembic
    "LANG": "C.UTF-8",
}}
GRADERS = {settings.graders_group!r}
ROLE_CONFIG = {{
    "instructors": {str(settings.role_config_dir('instructors'))!r},
    "students": {str(settings.role_config_dir('students'))!r},
}}


def role_config(spawner):
    """Graders get formgrader and Create Assignment; students the Assignment List and Validate."""
    try:
        graders = set(grp.getgrnam(GRADERS).gr_mem)
    except KeyError:
        graders = set()
    role = "instructors" if spawner.user.name in graders else "students"
    spawner.environment = dict(spawner.environment, JUPYTER_CONFIG_PATH=ROLE_CONFIG[role])


c.Spawner.pre_spawn_hook = role_config
'''


def setup(settings: Settings, checkout: Path) -> str:
    users.require_root("nncourse hub setup")
    settings.validate()
    checkout = Path(checkout).resolve()
    check_environment(settings)
    settings.root.mkdir(parents=True, exist_ok=True)
    settings.root.chmod(0o755)
    settings.save()
    users.ensure_group(settings.graders_group)
    users.ensure_group(settings.students_group)
    if users.ensure_user(settings.instructor, Path(settings.home_base) / settings.instructor,
                         [settings.graders_group]):
        password = users.new_password()
        users.set_password(settings.instructor, password)
        users.record_passwords(settings, {settings.instructor: password})
        say(f"created the instructor's account {settings.instructor} (password in {settings.passwords_file})")
    ensure_course(settings, checkout)
    ensure_exchange(settings)
    ensure_proxy(settings)
    ensure_jupyter_config(settings, checkout)
    register_assignments(settings)
    _write(settings.config_file, hub_config(settings), mode=0o600)
    return describe(settings)


def describe(settings: Settings) -> str:
    where = settings.ip or "this machine's address"
    return "\n".join([
        f"hub for the course {settings.course_id!r} set up under {settings.prefix}:",
        f"  users connect to      http://{where}:{settings.port}/ (log in with the Linux password)",
        f"  instructor            {settings.instructor} (group {settings.graders_group}); formgrader at "
        f"/user/{settings.instructor}/formgrader",
        f"  course directory      {settings.course_dir} (solutions/, gradebook.db; closed to students)",
        f"  exchange              {settings.course_exchange}",
        f"  shared environment    {settings.venv}",
        f"  JupyterHub config     {settings.config_file}",
        f"  add students          nncourse hub add-students roster.csv --prefix {settings.prefix}",
        f"  start the hub         nncourse hub start --prefix {settings.prefix}",
    ])


def start(settings: Settings) -> None:
    """Run JupyterHub in the foreground (this process becomes JupyterHub: stop it with Ctrl-C or SIGTERM)."""
    users.require_root("nncourse hub start")
    if not settings.config_file.exists():
        raise HubError(f"no {settings.config_file}: run `nncourse hub setup` first")
    environment = dict(os.environ, PATH=f"{settings.bin}:{os.environ.get('PATH', '/usr/bin:/bin')}")
    os.chdir(settings.hub_dir)
    say(f"starting JupyterHub on port {settings.port} (Ctrl-C stops it and every user's server)")
    jupyterhub = str(settings.bin / "jupyterhub")
    os.execve(jupyterhub, [jupyterhub, "-f", str(settings.config_file)], environment)
