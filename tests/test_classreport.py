"""`nncourse report` and `nncourse similarity` on a synthetic class (tests/classbuild.py), and on a real run."""
from __future__ import annotations

import base64
import concurrent.futures
import csv
import io
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import numpy as np
import pytest
from classbuild import NB05, NB06, ROOT, build_class

from nncourse.cli import main
from nncourse.grading.similarity import BOTH, COURSE, MODEL, NOTE, REFERENCE

SOLUTIONS = ROOT / "solutions"
ARTIFACTS = ROOT / "test-artifacts" / "classreport"


@pytest.fixture(scope="module")
def graded():
    """The synthetic class, written once: (submissions, out). Tests that change OUT copy it first."""
    # not tmp_path_factory: pytest runs of other sessions prune old basetemps while this one runs
    with tempfile.TemporaryDirectory(prefix="nncourse-classreport-") as folder:
        yield build_class(Path(folder))


@pytest.fixture
def workdir():
    with tempfile.TemporaryDirectory(prefix="nncourse-classreport-") as folder:
        yield Path(folder)


def copy_out(out: Path, workdir: Path) -> Path:
    target = workdir / "out"
    shutil.copytree(out, target)
    return target


def report_json(out: Path, *extra: str, command: str = "report") -> dict:
    path = out.parent / f"{command}-{len(extra)}.json"
    code = main([command, str(out), "--format", "json", "--output", str(path), "--source", str(SOLUTIONS),
                 "--no-progress", *extra])
    assert code == 0
    return json.loads(path.read_text())


def notebook(report: dict, name: str) -> dict:
    return next(nb for nb in report["notebooks"] if nb["notebook"] == name)


def exercise(report: dict, nb: str, name: str) -> dict:
    return next(e for e in notebook(report, nb)["exercises"] if e["exercise"] == name)


def pairs(similarity: dict) -> set[tuple[str, str, str]]:
    """(notebook, a, b) of every pair listed; the course's code (the reference implementation, the model
    answers, or both when they are the same code) is "course"."""
    return {(p["notebook"], p["a"], "course" if p["b"] in COURSE else p["b"]) for p in similarity["pairs"]}


# ---- the numbers ------------------------------------------------------------------------------------------

def test_report_counts_every_status_and_named_mistake_exactly(graded):
    report = report_json(graded[1], "--no-similarity")
    assert report["students"] == 15
    assert [nb["notebook"] for nb in report["notebooks"]] == [NB05, NB06]
    assert exercise(report, NB05, "mse")["statuses"] == {"passed": 13, "not attempted": 1, "missing": 1}
    assert exercise(report, NB05, "rmse")["statuses"] == {"passed": 12, "not attempted": 2, "missing": 1}
    bce = exercise(report, NB05, "binary_cross_entropy")
    assert bce["statuses"] == {"passed": 10, "failed": 2, "not attempted": 2, "missing": 1}
    assert [(m["mistake"], m["count"], m["students"]) for m in bce["mistakes"]] == [
        ("sum-not-mean", 2, ["s02", "s05"])]
    assert bce["mistakes"][0]["example"] == "binary_cross_entropy: the cost is 7 times too large (m = 7)."
    ce = exercise(report, NB05, "cross_entropy")
    assert ce["statuses"] == {"passed": 11, "failed": 1, "not attempted": 2, "missing": 1}
    assert [(m["mistake"], m["count"]) for m in ce["mistakes"]] == [("other", 1)]

    dense = exercise(report, NB06, "dense_backward")
    assert dense["statuses"] == {"passed": 10, "failed": 2, "not attempted": 1, "missing": 2}
    assert [(m["mistake"], m["count"], m["share"], m["students"]) for m in dense["mistakes"]] == [
        ("divided-by-m-again", 2, round(2 / 15, 4), ["s06", "s07"])]
    assert dense["mistakes"][0]["meaning"].startswith("a gradient m times too small")
    assert exercise(report, NB06, "activation_backward")["mistakes"][0]["mistake"] == "derivative-at-A"
    backward = exercise(report, NB06, "backward")
    assert backward["statuses"] == {"passed": 9, "failed": 3, "not attempted": 1, "missing": 2}
    assert backward["passed_share"] == round(9 / 15, 4)
    assert [(m["mistake"], m["count"]) for m in backward["mistakes"]] == [("other", 3)]
    assert exercise(report, NB06, "numerical_gradient")["statuses"] == {
        "passed": 10, "failed": 1, "not attempted": 1, "missing": 2, "timeout": 1}
    assert exercise(report, NB06, "relative_error")["statuses"] == {
        "passed": 11, "not attempted": 1, "missing": 2, "forbidden": 1}


def test_report_lists_who_has_not_attempted_each_notebook_and_their_scores(graded):
    report = report_json(graded[1], "--no-similarity")
    nb05, nb06 = notebook(report, NB05), notebook(report, NB06)
    assert (nb05["not_submitted"], nb05["not_attempted"], nb05["handed_in"]) == (["s15"], ["s13"], 14)
    assert (nb06["not_submitted"], nb06["not_attempted"], nb06["handed_in"]) == (["s14", "s15"], ["s13"], 13)
    # 05 (6 points): nine students 100%, three 4/6, s14 1/6 (mse only), s13 0
    assert nb05["scores"]["histogram"]["counts"] == [1, 1, 0, 0, 0, 0, 3, 0, 0, 9]
    assert nb05["scores"]["median_percent"] == 100.0
    assert nb05["scores"]["max_score"] == 6.0


def test_report_summary_names_the_biggest_mistakes_and_who_has_not_started(graded):
    highlights = report_json(graded[1], "--no-similarity")["highlights"]
    assert highlights[0].startswith("13% of the class (2 of 15 students) made the mistake sum-not-mean in "
                                    "binary_cross_entropy")
    # what the mistake is comes from docs/exercises.md, the list of every id the checks record
    assert highlights[1] == ("13% of the class (2 of 15 students) made the mistake divided-by-m-again in "
                             "dense_backward (a gradient m times too small: divided by m although dZ carries the "
                             "1/m).")
    assert "Fewest passed backward: 60% of the class (9 of 15 students)." in highlights
    assert ("3 of 15 students have not attempted 06_backward_propagation (2 did not submit it, 1 handed it in "
            "untouched).") in highlights
    assert any("1 exercise used the course's own implementation (forbidden)" in line for line in highlights)


def test_report_works_on_a_partial_run_and_on_scores_csv_alone(graded, workdir):
    full = report_json(graded[1], "--no-similarity")
    out = copy_out(graded[1], workdir)
    (out / "scores.csv").unlink()   # stopped before the end: only the records written so far
    (out / ".state" / "s03" / f"{NB06}.json").unlink()
    (out / ".state" / "s15" / f"{NB06}.json").unlink()
    partial = report_json(out, "--no-similarity")
    nb06 = notebook(partial, NB06)
    assert (nb06["students"], nb06["not_graded_yet"], nb06["not_submitted"]) == (13, 2, ["s14"])
    assert exercise(partial, NB06, "backward")["statuses"] == {"passed": 8, "failed": 3, "not attempted": 1,
                                                              "missing": 1}
    assert notebook(partial, NB05) == notebook(full, NB05)
    assert any("This run is not finished: 2 submissions have no result yet" in line
               for line in partial["highlights"])

    only_csv = workdir / "csv"
    only_csv.mkdir()
    shutil.copy(graded[1] / "scores.csv", only_csv / "scores.csv")
    assert report_json(only_csv, "--no-similarity")["notebooks"] == full["notebooks"]


# ---- similarity -----------------------------------------------------------------------------------------

def test_similarity_finds_the_copied_pair_and_the_pasted_reference_and_nobody_else(graded):
    similarity = report_json(graded[1], command="similarity")
    assert pairs(similarity) == {(NB06, "s10", "s11"), (NB05, "s12", "course"), (NB06, "s12", "course")}
    assert {p["b"] for p in similarity["pairs"] if p["a"] == "s12"} in ({REFERENCE}, {REFERENCE, MODEL}, {BOTH})
    copied = next(p for p in similarity["pairs"] if p["b"] == "s11")
    assert copied["similarity_a"] >= 0.6 and copied["similarity_b"] >= 0.6 and copied["kind"] == "students"
    # the matching parts are marked in both students' code: the renamed helper and the loop
    marked_b = "".join(copied["code_b"][s:e] for s, e in copied["matches_b"])
    assert "grads_of_layer" in marked_b and "f_shifted" in marked_b
    pasted = [p for p in similarity["pairs"] if p["a"] == "s12"]
    assert all(p["similarity_a"] >= 0.8 for p in pasted)   # not 1: some of it is what most students write
    assert similarity["note"] == NOTE and "never changes a grade" in NOTE
    nb06 = next(n for n in similarity["notebooks"] if n["notebook"] == NB06)
    assert (nb06["students_compared"], nb06["student_pairs_compared"]) == (12, 66)   # s13-s15 wrote nothing
    assert nb06["baselines"] in ([REFERENCE, MODEL], [BOTH])


def test_similarity_scores_independent_students_well_below_the_threshold(graded):
    # with a low threshold the closest independent pairs show up: they stay far from the default 0.5
    similarity = report_json(graded[1], "--threshold", "0.05", "--min-match", "0", command="similarity")
    copiers = {"s10", "s11", "s12"}
    independent = [max(p["similarity_a"], p["similarity_b"]) for p in similarity["pairs"]
                   if not {p["a"], p["b"]} & copiers]
    assert independent and max(independent) < 0.35


def test_similarity_reads_the_code_from_the_submissions_when_the_records_lack_it(graded, workdir):
    expected = pairs(report_json(graded[1], command="similarity"))
    out = copy_out(graded[1], workdir)
    for path in (out / ".state").glob("*/*.json"):
        record = json.loads(path.read_text())
        for result in record["results"]:
            result.pop("code")
        path.write_text(json.dumps(record))
    assert main(["similarity", str(out), "--no-progress", "--source", str(SOLUTIONS)]) == 2
    assert pairs(report_json(out, "--submissions", str(graded[0]), command="similarity")) == expected
    # the report still has its numbers, and says why the code was not compared
    report = report_json(out)
    assert report["similarity"]["unavailable"].startswith("Not compared: the students' code is not in the records")
    assert exercise(report, NB06, "backward")["statuses"]["passed"] == 9


def test_similarity_changes_no_grade(graded, workdir):
    out = copy_out(graded[1], workdir)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    report_json(out, command="similarity")
    main(["report", str(out), "--no-progress", "--source", str(SOLUTIONS)])
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert {p: after[p] for p in before} == before
    assert sorted(p.name for p in set(after) - set(before)) == ["report.html"]   # the JSON went beside OUT


def test_python_tokenizer_filter_agrees_with_copydetect_and_maps_back_to_the_code():
    import inspect

    from copydetect.utils import filter_code as pygments_filter
    from copydetect.utils import get_document_fingerprints, get_token_coverage

    import nncourse.reference.backprop
    import nncourse.reference.training
    from nncourse.grading.similarity import coverage, filter_code
    def without_imports_and_fstrings(text: str) -> str:   # where the two filters differ (see filter_code)
        return "\n".join(line for line in text.splitlines()
                         if "import " not in line and 'f"' not in line and "__" not in line)

    texts = [without_imports_and_fstrings(inspect.getsource(module))
             for module in (nncourse.reference.backprop, nncourse.reference.training)]
    texts += ["def f(x):\n    s = 'a b' + x  # note\n    return g(x, 'a' \\\n  \"b\")\n",
              "    return dA * activation_derivative(Z, activation)\nclass Net:\n    pass\n"]
    for text in texts:
        filtered, offsets = filter_code(text)
        # the same as copydetect's (Pygments) filter, but for how a string literal's quotes are written
        assert filtered.replace('"', "") == pygments_filter(text, "x.py", "python")[0].replace('"', "")
        for position, char in enumerate(filtered):     # copydetect's mapping finds each token in the code
            entry = np.clip(np.searchsorted(offsets[:, 0], position), 0, len(offsets) - 1)
            found = text[position + offsets[entry, 1]]
            assert found == char if char not in "VFOS" else (found.isalpha() or found in "_'\"")
        _, positions = get_document_fingerprints(filtered, 25, 6)
        assert coverage(positions, 25) == get_token_coverage(positions, 25, len(filtered))
    assert filter_code("import numpy as np\nv = f'{x} and {y!r}'\n")[0] == "importVasVV=S"
    broken = "def f(:\n    return '''never closed\n"
    assert filter_code(broken)[0] == pygments_filter(broken, "x.py", "python")[0]   # copydetect's own


# ---- the command line -------------------------------------------------------------------------------------

def test_commands_explain_an_out_without_results(workdir, capsys):
    assert main(["report", str(workdir / "nope"), "--no-progress"]) == 2
    assert "nncourse report: error: no such folder" in capsys.readouterr().err
    (workdir / "empty").mkdir()
    for command in ("report", "similarity"):
        assert main([command, str(workdir / "empty"), "--no-progress"]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith(f"nncourse {command}: error: no grading results in") and "autograde" in err
        assert len(err.splitlines()) == 1
    (workdir / "empty" / "scores.csv").write_text("name,grade\nann,3\n")
    assert main(["report", str(workdir / "empty"), "--no-progress"]) == 2
    assert "is not a scores.csv of nncourse autograde (no column" in capsys.readouterr().err


def test_report_shows_progress_bars_and_writes_into_out_by_default(graded, workdir, capsys):
    out = copy_out(graded[1], workdir)
    assert main(["report", str(out), "--source", str(SOLUTIONS)]) == 0
    captured = capsys.readouterr()
    assert f"wrote {out / 'report.html'}" in captured.out
    assert "similarity: 100%" in captured.err and "figures: 100%" in captured.err
    assert main(["similarity", str(out), "--format", "json", "--source", str(SOLUTIONS), "--no-progress"]) == 0
    assert json.loads((out / "similarity.json").read_text())["pairs"]


# ---- the page, in a real browser ---------------------------------------------------------------------------

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _png_pixels(png: bytes) -> np.ndarray:
    import matplotlib.image
    return matplotlib.image.imread(io.BytesIO(png), format="png")


@pytest.mark.slow
@pytest.mark.browser
def test_report_page_shows_every_figure_in_chromium_without_javascript(graded, workdir):
    out = copy_out(graded[1], workdir)
    assert main(["report", str(out), "--source", str(SOLUTIONS), "--no-progress"]) == 0
    page_path = out / "report.html"
    text = page_path.read_text()
    assert "<script" not in text and "http://" not in text and "https://" not in text   # nothing to fetch or run
    # in a thread of its own: an earlier test of the session may leave an asyncio loop in this one, where
    # Playwright's sync API refuses to run
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(_check_report_page, page_path).result()


def _check_report_page(page_path: Path) -> None:
    from playwright.sync_api import sync_playwright
    expected = {"scores", f"status:{NB05}", f"status:{NB06}", f"mistakes:{NB05}", f"mistakes:{NB06}"}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900}, java_script_enabled=False)
            page.goto(page_path.as_uri())
            page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
            figures = page.locator("figure[data-figure]")
            assert {figures.nth(i).get_attribute("data-figure") for i in range(figures.count())} == expected
            for i in range(figures.count()):
                name = figures.nth(i).get_attribute("data-figure")
                image = figures.nth(i).locator("img")
                box = image.bounding_box()
                assert box and box["width"] > 300 and box["height"] > 100, name
                shot = image.screenshot(path=str(ARTIFACTS / f"{name.replace(':', '-')}.png"))
                pixels = _png_pixels(shot)[..., :3]
                drawn = np.mean(np.any(pixels < 0.9, axis=-1))   # share of pixels that are not near-white
                assert drawn > 0.03, f"{name} looks empty ({drawn:.1%} drawn)"
                assert len(np.unique((pixels * 255).astype(np.uint8).reshape(-1, 3), axis=0)) > 8, name
            assert page.locator("#summary li").count() >= 5
            assert page.locator("#similarity .note").inner_text().startswith("This list never changes a grade")
            sides = page.locator("#similarity .pair pre")
            assert sides.count() == 6   # three pairs side by side, each side with its matching code marked
            assert all(sides.nth(i).locator("mark").count() >= 1 for i in range(6))
        finally:
            browser.close()


def test_report_figures_are_embedded_pngs(graded, workdir):
    out = copy_out(graded[1], workdir)
    assert main(["report", str(out), "--source", str(SOLUTIONS), "--no-progress", "--no-similarity"]) == 0
    text = (out / "report.html").read_text()
    images = text.split('src="data:image/png;base64,')[1:]
    assert len(images) == 5
    for image in images:
        png = base64.b64decode(image.split('"', 1)[0])
        assert png.startswith(b"\x89PNG") and _png_pixels(png).shape[1] > 600


# ---- a real grading run, then the report ------------------------------------------------------------------

def _venv_env() -> dict:
    import os
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    return env


@pytest.mark.slow
def test_report_after_a_real_autograde_run(workdir):
    from adversarial.build import correct_notebook
    from classbuild import answers, fill, release

    from nncourse.grading.similarity import answer_cells
    stubs = answer_cells(release(NB06))
    students = {"ann": "s01", "ben": "s06", "cat": "s10", "dan": "s11", "eve": None, "fay": "model"}
    for name, persona in students.items():
        if persona == "model":
            nb = correct_notebook(NB06)          # the instructor's answers, as they are
        else:
            nb = release(NB06)
            code = answers(persona)[NB06] if persona else {}
            for cell in nb.cells:
                grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                if grade_id in code:
                    cell.source = fill(stubs[grade_id], *code[grade_id])
        path = workdir / "class" / name / f"{NB06}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(nb, path)
    graded = subprocess.run([sys.executable, "-m", "nncourse.cli", "autograde", str(workdir / "class"), "--out",
                             str(workdir / "out"), "--source", str(SOLUTIONS), "--notebooks", NB06, "--workers", "2",
                             "--no-progress"], capture_output=True, text=True, env=_venv_env(), cwd=ROOT, timeout=900)
    assert graded.returncode == 0, graded.stdout + graded.stderr
    with open(workdir / "out" / "scores.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))

    shutil.move(workdir / "class", workdir / "graded")   # the report needs nothing but OUT (and the course)
    report = report_json(workdir / "out")
    for e in notebook(report, NB06)["exercises"]:
        mine = [r for r in rows if r["exercise"] == e["exercise"]]
        assert e["statuses"] == {s: sum(r["status"] == s for r in mine) for s in e["statuses"]}
        assert sum(e["statuses"].values()) == len(mine) == 6
    dense = exercise(report, NB06, "dense_backward")
    assert dense["statuses"]["passed"] == 4    # ann, cat, dan, fay; ben divides by m again, eve left it blank
    named = {m["mistake"]: m["students"] for m in dense["mistakes"]}
    assert named["divided-by-m-again"] == ["ben"]
    untouched = all(r["status"] == "not attempted" for r in rows if r["student_id"] == "eve")
    assert notebook(report, NB06)["not_attempted"] == (["eve"] if untouched else [])
    found = pairs(report["similarity"])
    assert (NB06, "cat", "dan") in found and (NB06, "fay", "course") in found
    assert not {p for p in found if {"ann", "ben", "eve"} & set(p)}
    assert main(["report", str(workdir / "out"), "--source", str(SOLUTIONS), "--no-progress"]) == 0
    assert (workdir / "out" / "report.html").stat().st_size > 50_000


@pytest.mark.slow
def test_class_report_benchmark_runs_and_prints_its_figures():
    # the one-minute target for 1,000 students is the benchmark's, not a timed test's: this only runs it
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "class_report.py"), "--students", "30",
                             "--workers", "2"], capture_output=True, text=True, cwd=ROOT, env=_venv_env(), timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("class: 30 students x 8 notebooks;")
    assert any(line.startswith("nncourse similarity:") and "of the 8 copied notebooks" in line for line in lines)
    assert lines[-1].startswith("report + similarity: ") and "of the 60 s target" in lines[-1]
