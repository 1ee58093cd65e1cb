"""docs/exercises.md is the contract: every exercise it lists has all its parts, every mistake id is documented.

The document lives in the repository, so this test runs in any clone: for every exercise of the
contract table, a reference implementation, a check (in course order), a bank, a solution cell with
the documented signature, and the student notebook's stub and check cells; for every mistake id the
checks can report, a line in the document, and no documented id that no check reports.
"""
import ast
import inspect
import re
import textwrap
from functools import cache
from pathlib import Path

import nbformat
import pytest
from banks import activations, backprop, costs, evaluation, forward, layers, neuron, training

from nncourse import reference
from nncourse.checks import EXERCISES
from nncourse.checks._framework import CHECKS

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "exercises.md"
BANKS = (neuron, activations, layers, forward, costs, backprop, training, evaluation)


def contract():
    """[(notebook number, name, signature)] of every graded exercise, read from the contract table."""
    found = []
    for number, cell in re.findall(r"^\| (\d\d) \| (`.*?) \|", DOC.read_text(), re.M):
        found += [(number, match.group(1), match.group(0).strip("`"))
                  for match in re.finditer(r"`([a-z_]+)\((.*?)\)`", cell)]
    return found


def documented_mistakes():
    """{exercise name or "any": set of ids}, from the sections of the document."""
    text = DOC.read_text()
    sections = re.split(r"^#{2,3} ", text, flags=re.M)
    ids = {}
    for section in sections:
        heading, _, body = section.partition("\n")
        table_ids = set(re.findall(r"^\| `([A-Za-z0-9/-]+)` \|", body, re.M))
        if heading.startswith("Mistakes any check may name"):
            ids["any"] = table_ids
        elif re.match(r"\d\d `", heading):
            for name in re.findall(r"`([a-z_]+)\(", heading):
                ids.setdefault(name, set()).update(table_ids)
    return ids


def reported_mistakes():
    """Every mistake id written in the checks' source: Mistake("id", ...), mistake="id", the slips table."""
    found = set()
    for path in (ROOT / "nncourse" / "checks").glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Mistake" and node.args:
                found.add(node.args[0].value)
            if isinstance(node, ast.keyword) and node.arg == "mistake":
                found |= {c.value for c in ast.walk(node.value) if isinstance(c, ast.Constant) and c.value}
            targets = (node.targets if isinstance(node, ast.Assign)          # _SLIPS: list[...] = [...] too
                       else [node.target] if isinstance(node, ast.AnnAssign) and node.value is not None else [])
            if any(getattr(t, "id", "") in ("mistake", "_SLIPS")
                   for t in targets + [e for t in targets for e in getattr(t, "elts", [])]):
                values = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
                for value in values:
                    if isinstance(value, ast.List):       # the slips table: (id, pattern, ...) rows
                        found |= {row.elts[0].value for row in value.elts}
                    else:
                        found |= {c.value for c in ast.walk(value) if isinstance(c, ast.Constant)
                                  and isinstance(c.value, str) and re.fullmatch(r"[A-Za-z0-9/-]+", c.value)}
    return found


def notebook_of(number):
    return next(nb for nb in EXERCISES.values() if nb.startswith(number))


@cache
def cells(folder, notebook):
    nb = nbformat.read(ROOT / folder / notebook / f"{notebook}.ipynb", as_version=4)
    return {cell.metadata.get("nbgrader", {}).get("grade_id"): cell for cell in nb.cells
            if "nbgrader" in cell.metadata}


def test_the_document_lists_all_36_exercises_in_course_order():
    found = contract()
    assert len(found) == 36
    assert [name for _, name, _ in found] == list(EXERCISES) == list(CHECKS)
    assert [EXERCISES[name][:2] for _, name, _ in found] == [number for number, _, _ in found]


@pytest.mark.parametrize("number, name, signature", contract(), ids=[name for _, name, _ in contract()])
def test_every_exercise_has_a_reference_check_bank_solution_and_notebook_cell(number, name, signature):
    notebook = notebook_of(number)
    assert name in reference.__all__ and callable(getattr(reference, name, None)), "no reference"
    assert EXERCISES[name] == notebook and name in CHECKS, "no check"
    wrong = [entry for bank in BANKS for entry in bank.WRONG if entry[0] == name]
    correct = [entry for bank in BANKS for entry in bank.CORRECT if entry[0] == name]
    assert len(wrong) >= 3 and len(correct) >= 1, f"bank: {len(wrong)} wrong, {len(correct)} correct"
    solution, student = cells("solutions", notebook), cells("notebooks", notebook)
    wanted = _canonical(signature)
    for where, found in (("solutions", solution), ("notebooks", student)):
        assert name in found and f"check_{name}" in found, f"{where}/{notebook} lacks {name} or check_{name}"
        definition = next(node for node in ast.walk(ast.parse(found[name].source))
                          if isinstance(node, ast.FunctionDef) and node.name == name)
        assert f"{name}({ast.unparse(definition.args)})" == wanted, where
    source = inspect.getsource(getattr(reference, name))
    definition = next(node for node in ast.walk(ast.parse(textwrap.dedent(source)))
                      if isinstance(node, ast.FunctionDef) and node.name == name)
    definition.args.kwonlyargs, definition.args.kw_defaults = [], []   # extras of the reference's own
    assert f"{name}({ast.unparse(definition.args)})" == wanted, "reference"


def _canonical(signature: str) -> str:
    """`name(args)` as ast.unparse writes it (1e-5 and 1e-05 alike)."""
    name, _, args = signature.partition("(")
    definition = ast.parse(f"def {name}({args}:\n    pass").body[0]
    return f"{name}({ast.unparse(definition.args)})"


def test_every_exercise_has_a_section_with_its_checks_and_mistakes():
    text = DOC.read_text()
    for number, name, _ in contract():
        heading = re.search(rf"^### {number} .*`{name}\(.*$", text, re.M)
        assert heading, f"no section for {name}"
        assert "\nChecked" in text[heading.end():heading.end() + 400], name


def test_every_mistake_id_the_checks_report_is_documented_and_every_documented_one_is_reported():
    documented = set().union(*documented_mistakes().values())
    reported = reported_mistakes()
    assert len(reported) > 100
    assert reported - documented == set(), "ids the checks report that docs/exercises.md does not explain"
    assert documented - reported == set(), "ids docs/exercises.md explains that no check reports"


def test_every_mistake_a_bank_expects_is_documented_for_its_exercise():
    documented = documented_mistakes()
    for bank in BANKS:
        for name, func, _, mistake in bank.WRONG:
            if mistake is not None:
                assert mistake in documented.get(name, set()) | documented["any"], (name, func.__name__, mistake)
