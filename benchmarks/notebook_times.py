"""Print how long each solution notebook takes to execute top to bottom, and its slowest cell.

    .venv/bin/python benchmarks/notebook_times.py            # every solutions/*.ipynb
    .venv/bin/python benchmarks/notebook_times.py 01 04      # notebooks whose name starts with 01 or 04

Budget (a goal, not a test: timings on a shared machine vary): all notebooks together <= 60 s,
every cell < 10 s. Lines over budget are marked with "!". Kernel start-up is included in the
notebook's time (about 1 s), as it is when a student or nbgrader runs the notebook.
"""
from __future__ import annotations

import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
TOTAL_BUDGET = 60.0
CELL_BUDGET = 10.0


def cell_seconds(cell) -> float:
    """Execution time of an executed cell from the timestamps nbclient records."""
    timing = cell.metadata.get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not (start and end):
        return 0.0
    parse = lambda stamp: datetime.fromisoformat(stamp.replace("Z", "+00:00"))  # noqa: E731
    return (parse(end) - parse(start)).total_seconds()


def time_notebook(path: Path) -> tuple[float, float, int]:
    """(wall seconds, slowest cell seconds, index of the slowest cell) for one notebook."""
    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory() as workdir:
        client = NotebookClient(nb, timeout=120, kernel_name="python3", record_timing=True,
                                resources={"metadata": {"path": workdir}})
        start = time.perf_counter()
        client.execute()
        wall = time.perf_counter() - start
    times = [(cell_seconds(cell), index) for index, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    slowest, index = max(times) if times else (0.0, -1)
    return wall, slowest, index


def main(prefixes: list[str]) -> int:
    paths = sorted((ROOT / "solutions").glob("*.ipynb"))
    if prefixes:
        paths = [p for p in paths if any(p.name.startswith(prefix) for prefix in prefixes)]
    if not paths:
        print("no matching notebooks in solutions/", file=sys.stderr)
        return 1
    print(f"{'notebook':<40} {'total s':>8} {'slowest cell':>14}")
    total = 0.0
    for path in paths:
        wall, slowest, index = time_notebook(path)
        total += wall
        mark = "!" if slowest >= CELL_BUDGET else " "
        print(f"{path.stem:<40} {wall:>8.1f} {slowest:>8.1f} (#{index:>2}){mark}", flush=True)
    mark = "!" if total > TOTAL_BUDGET else " "
    print(f"{'all':<40} {total:>8.1f}{mark}  (budget {TOTAL_BUDGET:.0f} s; each cell < {CELL_BUDGET:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
