"""Print how long each solution notebook takes to execute top to bottom, and its slowest cell.

    .venv/bin/python benchmarks/notebook_times.py            # every solutions/*.ipynb
    .venv/bin/python benchmarks/notebook_times.py 01 04      # notebooks whose name starts with 01 or 04
    .venv/bin/python benchmarks/notebook_times.py --repeat 3 --cells 1 07 08
                  # best of 3 runs per notebook (and per cell); list every cell that took >= 1 s

Budget (a goal, not a test: timings on a shared machine vary): all notebooks together <= 60 s,
every cell < 10 s. Lines over budget are marked with "!". Kernel start-up is included in the
notebook's time (about 1 s), as it is when a student or nbgrader runs the notebook. On a loaded
machine, compare the best of several runs (--repeat): the minimum is the least disturbed by others.
"""
from __future__ import annotations

import argparse
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


def time_notebook(path: Path) -> tuple[float, list[float]]:
    """(wall seconds, seconds of every cell, 0.0 for markdown) for one run of one notebook."""
    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory() as workdir:
        client = NotebookClient(nb, timeout=120, kernel_name="python3", record_timing=True,
                                resources={"metadata": {"path": workdir}})
        start = time.perf_counter()
        client.execute()
        wall = time.perf_counter() - start
    return wall, [cell_seconds(cell) if cell.cell_type == "code" else 0.0 for cell in nb.cells]


def first_line(path: Path, index: int) -> str:
    source = nbformat.read(path, as_version=4).cells[index].source.strip().splitlines()
    return source[0][:60] if source else ""


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prefixes", nargs="*", help="only notebooks whose name starts with one of these")
    parser.add_argument("--repeat", type=int, default=1, help="runs per notebook; report the best (default 1)")
    parser.add_argument("--cells", type=float, default=None, metavar="SECONDS",
                        help="also list every cell whose best time is at least SECONDS")
    args = parser.parse_args(argv)
    paths = sorted((ROOT / "solutions").glob("*/*.ipynb"))
    if args.prefixes:
        paths = [p for p in paths if any(p.name.startswith(prefix) for prefix in args.prefixes)]
    if not paths:
        print("no matching notebooks in solutions/", file=sys.stderr)
        return 1
    best_of = f"  (best of {args.repeat})" if args.repeat > 1 else ""
    print(f"{'notebook':<40} {'total s':>8} {'slowest cell':>14}" + best_of)
    total = 0.0
    for path in paths:
        runs = [time_notebook(path) for _ in range(max(1, args.repeat))]
        wall = min(w for w, _ in runs)
        cells = [min(column) for column in zip(*(c for _, c in runs))]
        slowest = max(cells, default=0.0)
        index = cells.index(slowest) if cells else -1
        total += wall
        mark = "!" if slowest >= CELL_BUDGET else " "
        print(f"{path.stem:<40} {wall:>8.1f} {slowest:>8.1f} (#{index:>2}){mark}", flush=True)
        if args.cells is not None:
            for i, seconds in enumerate(cells):
                if seconds >= args.cells:
                    print(f"    #{i:<3} {seconds:6.2f} s  {first_line(path, i)}", flush=True)
    mark = "!" if total > TOTAL_BUDGET else " "
    print(f"{'all':<40} {total:>8.1f}{mark}  (budget {TOTAL_BUDGET:.0f} s; each cell < {CELL_BUDGET:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
