"""`nncourse formgrader OUT`: nbgrader's formgrader on a grading folder.

It starts JupyterLab in OUT (so nbgrader reads OUT/nbgrader_config.py, which `nncourse autograde`
wrote: root, source and release folders, gradebook) and opens /formgrader: every assignment, every
submission with the scores `nncourse autograde` recorded, and the written answers to grade by hand
(Manual Grading). Scores a TA enters there go into the gradebook; `nncourse export OUT` and
`nncourse feedback OUT` include them afterwards.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def command(out: Path, port: int, ip: str, browser: bool, app: str = "lab") -> list[str]:
    args = [sys.executable, "-m", "jupyter", app, f"--ServerApp.root_dir={Path(out).resolve()}",
            f"--ServerApp.port={port}", f"--ServerApp.ip={ip}", "--ServerApp.default_url=/formgrader"]
    if not browser:
        args.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--allow-root")
    return args


def environment() -> dict[str, str]:
    """nbgrader runs `alembic` from PATH: put this interpreter's bin/ first."""
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    return env


def start(out: Path, port: int, ip: str, browser: bool) -> int:
    out = Path(out)
    if not (out / "nbgrader_config.py").exists():
        print(f"nncourse formgrader: error: {out} is not a grading folder (no nbgrader_config.py; run "
              "nncourse autograde or nncourse collect with --out first)", file=sys.stderr)
        return 2
    print(f"formgrader on {out.resolve()}: open http://{ip}:{port}/formgrader (Ctrl-C stops it)")
    try:
        return subprocess.call(command(out, port, ip, browser), cwd=out, env=environment())
    except KeyboardInterrupt:
        return 0
