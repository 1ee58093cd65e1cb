"""A throwaway hub on this machine for the tests: users, groups, homes and the prefix, all removed after.

Everything gets a unique tag (`nnc` + 6 hex digits): the course id, the groups <tag>-students and
<tag>-graders, the users <tag>-teacher, <tag>-alice, <tag>-bob, and the prefix /tmp/<tag>-XXXX
(homes under PREFIX/home). `remove` stops every process of those users and every process that
names the prefix (JupyterHub, the proxy), by PID, then deletes the users, groups and prefix, and
reports anything it could not remove.
"""
from __future__ import annotations

import grp
import os
import pwd
import shutil
import signal
import subprocess
import time
from pathlib import Path

STOP_TIMEOUT = 60  # seconds JupyterHub gets to stop every server and the proxy


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **kwargs)


def as_user(user: str, command: str) -> subprocess.CompletedProcess:
    """`command` in a login-less shell as `user` (runuser), with a plain environment."""
    home = pwd.getpwnam(user).pw_dir
    return run(["runuser", "-u", user, "--", "env", "-i", f"HOME={home}", f"USER={user}",
                "PATH=/usr/bin:/bin", "LANG=C.UTF-8", "bash", "-c", command], stdin=subprocess.DEVNULL)


def _processes() -> list[tuple[int, int, str]]:
    """(pid, uid, command line) of every process but this one."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            status = (entry / "status").read_text()
            uid = int(next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1])
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, StopIteration, ValueError):
            continue
        found.append((int(entry.name), uid, cmdline))
    return found


def processes_of(uids: set[int], mentioning: str) -> list[int]:
    return [pid for pid, uid, cmdline in _processes() if uid in uids or (mentioning and mentioning in cmdline)]


def stop_process_group(process: subprocess.Popen) -> None:
    """SIGTERM to the group `process` leads (JupyterHub stops its servers and proxy), then SIGKILL."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT)
    except ProcessLookupError:
        pass


def users_tagged(tag: str) -> list[str]:
    return [entry.pw_name for entry in pwd.getpwall() if entry.pw_name.startswith(tag + "-")]


def groups_tagged(tag: str) -> list[str]:
    return [entry.gr_name for entry in grp.getgrall() if entry.gr_name.startswith(tag + "-")]


def remove(tag: str, prefix: Path) -> list[str]:
    """Stop, delete and check; returns what is still there (empty when the machine is clean)."""
    uids = {pwd.getpwnam(name).pw_uid for name in users_tagged(tag)}
    for attempt in range(3):
        pids = processes_of(uids, str(prefix))
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGTERM if attempt == 0 else signal.SIGKILL)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and processes_of(uids, str(prefix)):
            time.sleep(0.2)  # waiting for the processes signalled above to exit
    for name in users_tagged(tag):
        run(["userdel", name])
    for name in groups_tagged(tag):
        run(["groupdel", name])
    for spool in Path("/var/mail").glob(f"{tag}-*"):
        spool.unlink(missing_ok=True)
    shutil.rmtree(prefix, ignore_errors=True)
    left = [f"user {name}" for name in users_tagged(tag)] + [f"group {name}" for name in groups_tagged(tag)]
    left += [f"process {pid}" for pid in processes_of(uids, str(prefix))]
    if prefix.exists():
        left.append(f"folder {prefix}")
    left += [f"mail spool {spool}" for spool in Path("/var/mail").glob(f"{tag}-*")]
    return left
