#!/usr/bin/env python3
"""Set up and run nncourse with one command.

    python3 course.py lab     # create or reuse .venv, install the course, open JupyterLab
    python3 course.py test    # create or reuse .venv, install the course and its tests, run them all
    python3 course.py hub     # as root: the course on a JupyterHub for a class on this machine (docs/hub.md)

Any further arguments after `test` go to pytest (for example `-m "not slow and not browser"`).
Only the Python standard library is used here, so this runs on a fresh machine with Python 3.11+.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
CHROMIUM = Path("/usr/bin/chromium")
PG_CTL_GLOB = "/usr/lib/postgresql/*/bin/pg_ctl"


def say(message: str) -> None:
    print(f"[course] {message}", flush=True)


def die(message: str) -> None:
    print(f"[course] error: {message}", file=sys.stderr, flush=True)
    raise SystemExit(2)


def ensure_venv(extras: str) -> None:
    """Create .venv if needed and (re)install the course when pyproject.toml or extras changed."""
    if sys.version_info < (3, 11):
        die(f"nncourse needs Python 3.11 or newer (nbgrader 0.9.6 does); this is {sys.version.split()[0]}.")
    if not (BIN / "python").exists():
        say(f"creating the virtual environment {VENV}")
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    stamp = VENV / ".nncourse-installed"
    installed = stamp.read_text().split() if stamp.exists() else []
    if wanted in installed:
        return
    target = f".[{extras}]" if extras else "."
    say(f"installing the course into .venv (pip install -e '{target}'); the first time takes a few minutes")
    quiet_pip(["install", "--upgrade", "pip"])
    quiet_pip(["install", "-e", target])
    stamp.write_text("\n".join(installed + [wanted]) + "\n")


def quiet_pip(arguments: list[str], python: Path = BIN / "python") -> None:
    """Run .venv's pip; its output (notices a beginner cannot act on) is shown only when it fails."""
    result = subprocess.run([str(python), "-m", "pip", *arguments, "--quiet", "--disable-pip-version-check"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        print(result.stdout, file=sys.stderr)
        die(f"pip {' '.join(arguments)} failed (its output is above)")


def venv_env() -> dict[str, str]:
    """The environment with .venv's bin/ first on PATH (nbgrader runs `alembic` from PATH)."""
    env = dict(os.environ)
    env["PATH"] = str(BIN) + os.pathsep + env.get("PATH", "")
    env["VIRTUAL_ENV"] = str(VENV)
    env.pop("PYTHONHOME", None)
    return env


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def ensure_system_packages() -> None:
    """bubblewrap (the grader's sandbox), Chromium (browser tests) and PostgreSQL (gradebook scale
    test) from Debian's packages.

    Installed only when missing and when we may (root with apt-get); otherwise the tests that need
    them fail with a message saying what to install. They are never skipped silently.
    """
    import glob

    missing = []
    if shutil.which("bwrap") is None:
        missing += ["bubblewrap"]
    if not CHROMIUM.exists():
        missing += ["chromium"]
    if not glob.glob(PG_CTL_GLOB):
        missing += ["postgresql"]
    missing += hub_packages_missing()  # the hub test runs `course.py hub`
    if not missing:
        return
    if not (is_root() and shutil.which("apt-get")):
        say(f"not installed: {', '.join(missing)} (Debian packages); the tests that need them will fail")
        return
    quiet_apt(missing)


def quiet_apt(packages: list[str]) -> None:
    """apt-get update, then install `packages`; apt's and dpkg's output is shown only when they fail."""
    say(f"installing Debian packages: {' '.join(packages)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in (["apt-get", "update", "-qq"],
                    ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages]):
        result = subprocess.run(command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        if result.returncode != 0:
            print(result.stdout, file=sys.stderr)
            die(f"{' '.join(command)} failed (its output is above)")


HUB_PREFIX = Path("/srv/nncourse")


def hub_packages_missing() -> list[str]:
    """Debian packages the hub needs: npm (configurable-http-proxy), python3-venv (the shared venv)."""
    missing = [] if shutil.which("npm") else ["npm"]
    if Path("/usr/bin/python3").exists() and subprocess.call(
            ["/usr/bin/python3", "-c", "import ensurepip, venv"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) != 0:
        missing += ["python3-venv"]
    return missing


def _everyone_can_run(path: Path) -> bool:
    """Every folder on the way to `path` is open to other users, and `path` itself is readable."""
    path = path.resolve()
    folders_open = all(p.stat().st_mode & 0o001 for p in path.parents)
    return folders_open and bool(path.stat().st_mode & 0o004)


def shared_python() -> str:
    """A Python >= 3.11 with venv that every user can run (pyenv's under /root is not; Debian's is)."""
    probe = "import sys, ensurepip, venv; print(sys.base_prefix); sys.exit(sys.version_info < (3, 11))"
    for candidate in (sys.executable, "/usr/bin/python3", "/usr/local/bin/python3"):
        path = Path(candidate)
        if not path.exists() or not _everyone_can_run(path):
            continue
        result = subprocess.run([candidate, "-c", probe], stdout=subprocess.PIPE, text=True)
        if result.returncode == 0 and _everyone_can_run(Path(result.stdout.strip())):
            return candidate
    die("no Python >= 3.11 with venv that every user can run: install Debian's python3 and python3-venv")


def hub(args: list[str]) -> int:
    """Create PREFIX/venv (the course and JupyterHub for every user), set the hub up, start it."""
    import argparse
    if not is_root():
        die("the hub creates Linux users and runs every user's server as that user: run it as root")
    parser = argparse.ArgumentParser(prog="course.py hub", add_help=False)
    parser.add_argument("--prefix", type=Path, default=HUB_PREFIX)
    parser.add_argument("--no-start", action="store_true")
    known, setup_args = parser.parse_known_args(args)
    if "-h" in setup_args or "--help" in setup_args:
        print("python3 course.py hub [--prefix DIR] [--no-start] [options of `nncourse hub setup`]")
        return subprocess.call([str(BIN / "nncourse"), "hub", "setup", "--help"]) if BIN.exists() else 0
    os.umask(0o022)  # the shared environment must be readable by every user
    missing = hub_packages_missing()
    if missing:
        quiet_apt(missing)
    prefix = known.prefix.resolve()
    shared = prefix / "venv"
    prefix.mkdir(parents=True, exist_ok=True)
    prefix.chmod(0o755)
    if not (shared / "bin" / "python").exists():
        python = shared_python()
        say(f"creating the shared environment {shared} with {python}")
        subprocess.run([python, "-m", "venv", "--clear", str(shared)], check=True)
    sources = [ROOT / "pyproject.toml", *sorted((ROOT / "nncourse").rglob("*.py"))]
    wanted = hashlib.sha256(b"".join(p.read_bytes() for p in sources)).hexdigest()
    stamp = shared / ".nncourse-installed"
    if not stamp.exists() or stamp.read_text().strip() != wanted:
        say(f"installing the course and JupyterHub into {shared} (pip install '.[hub]'); a few minutes the first time")
        quiet_pip(["install", "--upgrade", "pip"], python=shared / "bin" / "python")
        quiet_pip(["install", f"{ROOT}[hub]"], python=shared / "bin" / "python")
        stamp.write_text(wanted + "\n")
    nncourse = str(shared / "bin" / "nncourse")
    code = subprocess.call([nncourse, "hub", "setup", "--prefix", str(prefix), "--course", str(ROOT), *setup_args])
    if code != 0 or known.no_start:
        return code
    os.execv(nncourse, [nncourse, "hub", "start", "--prefix", str(prefix)])


def lab_command(root_dir: Path) -> list[str]:
    """The JupyterLab command line that `lab` runs, with JupyterLab showing `root_dir`.

    nbgrader's server extensions (enabled in .venv by its `etc/jupyter/jupyter_server_config.d/
    nbgrader.json`) and its JupyterLab extension (the notebook toolbar's Validate button) come with
    the nbgrader package in .venv. Run the command with the course root (ROOT, or a copy of it) as
    the working directory: the Validate button's handler reads `nbgrader_config.py` from the
    server's working directory, so validation uses the course's timeouts and stderr filter, the
    same as autograde. The browser tests (tests/browser/) start JupyterLab with this command too.
    """
    command = [
        str(BIN / "jupyter"), "lab",
        f"--ServerApp.root_dir={root_dir}",
        # Listed explicitly so a user's own Jupyter configuration cannot switch Validate off.
        "--ServerApp.jpserver_extensions=nbgrader.server_extensions.validate_assignment=True",
    ]
    if is_root():
        command.append("--allow-root")
    return command


def lab(args: list[str]) -> int:
    ensure_venv("")
    say("opening JupyterLab on notebooks/ (stop it with Ctrl-C); "
        "the notebook toolbar's Validate button runs a notebook's checks")
    return subprocess.call(lab_command(ROOT / "notebooks") + args, cwd=ROOT, env=venv_env())


def test(args: list[str]) -> int:
    ensure_venv("test")
    ensure_system_packages()
    code = subprocess.call([str(BIN / "python"), "-m", "pytest", *args], cwd=ROOT, env=venv_env())
    if code == 5:
        print("[course] error: pytest collected no tests; that is a failure, not a pass.", file=sys.stderr)
        return 1
    return code


def main(argv: list[str]) -> int:
    commands = {"lab": lab, "test": test, "hub": hub}
    if not argv or argv[0] not in commands:
        print(__doc__.strip())
        return 2
    return commands[argv[0]](argv[1:])


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
