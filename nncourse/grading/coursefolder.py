"""OUT, the folder a grading run writes, is an nbgrader course folder.

    OUT/nbgrader_config.py   written by nncourse: root = OUT, the source and release folders of the
                             course OUT was graded from, its gradebook; it loads the course's own
                             nbgrader_config.py first, so every setting of the course applies
    OUT/gradebook.db         nbgrader's gradebook (unless --db names another)
    OUT/submitted/<student>/<assignment>/<notebook>.ipynb + timestamp.txt
    OUT/autograded/<student>/<assignment>/<notebook>.ipynb
    OUT/feedback/<student>/<assignment>/<notebook>.html

So `nncourse formgrader OUT` (or `cd OUT && jupyter lab`) shows every assignment, submission and score
in formgrader, and nbgrader's own commands (`nbgrader export`, `nbgrader release_feedback`,
`nbgrader db assignment add --duedate`) work in OUT. The repository root itself can be OUT (the
exchange workflow): a course's own nbgrader_config.py is never overwritten.
"""
from __future__ import annotations

import ast
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

MARK = "# Written by nncourse"
CONFIG = "nbgrader_config.py"


@dataclass
class CourseFolder:
    out: Path
    source: Path          # the instructor notebooks (solutions/)
    db_url: str

    @property
    def release(self) -> Path:
        return self.source.parent / "notebooks"

    @property
    def course_config(self) -> Path | None:
        path = self.source.parent / CONFIG
        return path if path.exists() else None

    def submitted(self, student: str, assignment: str) -> Path:
        return self.out / "submitted" / student / assignment

    def autograded(self, student: str, assignment: str) -> Path:
        return self.out / "autograded" / student / assignment

    def feedback(self, student: str, assignment: str) -> Path:
        return self.out / "feedback" / student / assignment

    def write_config(self, late_policy: str | None = None) -> bool:
        """Write OUT/nbgrader_config.py (unless OUT has a config of its own); True when written.

        `late_policy` (from `--late-policy`) overrides the course's; without it, the override an
        earlier run wrote is kept, so every later export applies the same policy.
        """
        path = self.out / CONFIG
        previous = path.read_text(encoding="utf-8") if path.exists() else ""
        if previous and not previous.startswith(MARK):
            return False
        if late_policy is None:
            kept = re.search(r"^c\.LatePenalty\.policy = (.*)$", previous, re.MULTILINE)
            late_policy = ast.literal_eval(kept.group(1)) if kept else None
        lines = [f"{MARK}: {self.out.resolve()} is an nbgrader course folder (see nncourse.grading.coursefolder).",
                 "c = get_config()  # noqa: F821"]
        if self.course_config is not None:
            lines.append(f"load_subconfig({str(self.course_config.resolve())!r})  # noqa: F821  the course's settings")
        lines += [f"c.CourseDirectory.root = {str(self.out.resolve())!r}",
                  f"c.CourseDirectory.source_directory = {str(self.source.resolve())!r}",
                  f"c.CourseDirectory.release_directory = {str(self.release.resolve())!r}",
                  f"c.CourseDirectory.db_url = {self.db_url!r}"]
        if late_policy is not None:
            lines.append(f"c.LatePenalty.policy = {late_policy!r}")
        lines.append("")
        atomic_write(path, "\n".join(lines).encode("utf-8"))
        return True


def atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def mirror_submission(folder: CourseFolder, student: str, assignment: str, notebook: Path,
                      timestamp: str | None) -> None:
    """Copy a graded notebook to OUT/submitted/ with nbgrader's timestamp.txt (unless it is already there)."""
    target = folder.submitted(student, assignment)
    destination = target / notebook.name
    if notebook.resolve() != destination.resolve():
        from .collect import read_regular
        try:
            data = read_regular(notebook)   # the student's file: never through a link, bounded
        except ValueError:
            return
        if not destination.exists() or destination.read_bytes() != data:
            atomic_write(destination, data)
    stamp = target / "timestamp.txt"
    if timestamp and (not stamp.exists() or stamp.read_text(encoding="utf-8").strip() != timestamp):
        atomic_write(stamp, (timestamp + "\n").encode("utf-8"))


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
