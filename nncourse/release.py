"""`nncourse release`: regenerate the student notebooks (notebooks/) from the instructor ones (solutions/).

One nbgrader assignment per folder: solutions/<assignment>/ becomes notebooks/<assignment>/.

nbgrader's own `generate_assignment` does the work (solutions become `raise NotImplementedError`
stubs, hidden tests are removed, graded cells are locked and checksummed), configured by the
repository's nbgrader_config.py. It runs in a temporary course folder, so a release never touches
a gradebook, and its output is then normalised so that regenerating is byte-stable:

- every code cell has no outputs and `execution_count` null;
- notebook metadata is exactly `KERNELSPEC` and `LANGUAGE_INFO` (editors add their own keys);
- cell metadata keeps only the keys that mean something to nbgrader and JupyterLab (`KEPT_CELL_KEYS`);
- JSON as nbformat writes it (one-space indent, sorted keys) with a final newline.

    nncourse release            write notebooks/ (and remove student notebooks whose solution is gone)
    nncourse release --check    write nothing; exit 1 and list the notebooks that differ
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
NOTEBOOKS = ROOT / "notebooks"

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
LANGUAGE_INFO = {"name": "python"}
KEPT_CELL_KEYS = ("deletable", "editable", "nbgrader", "tags")


def normalise(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return a copy of `nb` with outputs, execution counts and editor metadata removed."""
    nb = nbformat.from_dict(nb)  # a deep copy
    nb.metadata = nbformat.from_dict({"kernelspec": dict(KERNELSPEC), "language_info": dict(LANGUAGE_INFO)})
    for cell in nb.cells:
        cell.metadata = nbformat.from_dict({k: v for k, v in cell.metadata.items() if k in KEPT_CELL_KEYS})
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb


def to_text(nb: nbformat.NotebookNode) -> str:
    """The canonical file contents of a notebook."""
    return nbformat.writes(nb, version=4) + "\n"


def load_nbgrader_config(root: Path = ROOT):
    """The repository's nbgrader configuration as a traitlets Config (nbgrader's API does not read it)."""
    from traitlets.config.loader import PyFileConfigLoader

    if not (root / "nbgrader_config.py").exists():
        raise ValueError(f"no nbgrader_config.py in {root}")
    return PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()


def assignments(solutions: Path = SOLUTIONS) -> list[str]:
    """The assignment ids: every folder of `solutions` that holds a notebook, sorted."""
    return sorted(folder.name for folder in Path(solutions).iterdir()
                  if folder.is_dir() and any(folder.glob("*.ipynb")))


def generate(solutions: Path = SOLUTIONS) -> dict[str, bytes]:
    """Run nbgrader generate_assignment on every solutions/<assignment>/.

    Returns {path relative to notebooks/ (posix): file contents}; notebooks are normalised, other
    files an assignment folder holds (data, figures) are released as nbgrader copies them.
    """
    from nbgrader.converters import GenerateAssignment
    from nbgrader.coursedir import CourseDirectory

    ids = assignments(solutions)
    if not ids:
        raise ValueError(f"no assignment folders with notebooks in {solutions} "
                         "(expected solutions/<assignment>/*.ipynb)")
    generated: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory(prefix="nncourse-release-") as tmp:
        course = Path(tmp)
        config = load_nbgrader_config()
        for assignment in ids:
            shutil.copytree(Path(solutions) / assignment, course / "solutions" / assignment,
                            ignore=shutil.ignore_patterns(*config.CourseDirectory.ignore))
        config.CourseDirectory.root = str(course)
        config.GenerateAssignment.no_database = True  # a release never needs a gradebook
        config.SaveCells.enabled = False
        for assignment in ids:
            coursedir = CourseDirectory(config=config)
            coursedir.assignment_id = assignment
            converter = GenerateAssignment(coursedir=coursedir, config=config)
            converter.log.setLevel("WARNING")
            converter.start()
        released = course / coursedir.release_directory
        for path in sorted(released.rglob("*")):
            if not path.is_file():
                continue
            name = path.relative_to(released).as_posix()
            if path.suffix == ".ipynb":
                generated[name] = to_text(normalise(nbformat.read(path, as_version=4))).encode("utf-8")
            else:
                generated[name] = path.read_bytes()
    return generated


def _released_files(notebooks: Path) -> set[str]:
    return {path.relative_to(notebooks).as_posix() for path in Path(notebooks).rglob("*")
            if path.is_file() and ".ipynb_checkpoints" not in path.parts}


def differences(generated: dict[str, bytes], notebooks: Path = NOTEBOOKS) -> list[str]:
    """Paths under notebooks/ that are missing, stale, or present without a source."""
    present = _released_files(notebooks)
    differ = [name for name, data in generated.items()
              if name not in present or (Path(notebooks) / name).read_bytes() != data]
    return sorted(differ + [name for name in present if name not in generated])


def write(generated: dict[str, bytes], notebooks: Path = NOTEBOOKS) -> None:
    """Write the generated files and remove released files that no longer have a source."""
    notebooks = Path(notebooks)
    notebooks.mkdir(parents=True, exist_ok=True)
    for name, data in generated.items():
        path = notebooks / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            os.chmod(path, 0o644)
        path.write_bytes(data)
    for name in _released_files(notebooks) - set(generated):
        (notebooks / name).unlink()
    for folder in sorted(notebooks.iterdir()):
        if folder.is_dir() and not any(folder.rglob("*")):
            folder.rmdir()


def main(args: argparse.Namespace | None = None) -> int:
    check = bool(getattr(args, "check", False))
    generated = generate(SOLUTIONS)
    stale = differences(generated, NOTEBOOKS)
    if check:
        if stale:
            print("notebooks/ is out of date with solutions/; run `nncourse release`. Differing:", file=sys.stderr)
            for name in stale:
                print(f"  notebooks/{name}", file=sys.stderr)
            return 1
        print(f"notebooks/ is in sync with solutions/ ({len(assignments(SOLUTIONS))} assignments)")
        return 0
    write(generated, NOTEBOOKS)
    print(f"released {len(assignments(SOLUTIONS))} assignments to {NOTEBOOKS.relative_to(ROOT)}/"
          + (f" ({len(stale)} changed: {', '.join(stale)})" if stale else " (no changes)"))
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m nncourse.release")
    parser.add_argument("--check", action="store_true")
    sys.exit(main(parser.parse_args()))
