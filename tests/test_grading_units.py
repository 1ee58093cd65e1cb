"""Fast tests of the grading pieces: the bounded wire, the proxy's round trip, the cell plan, safe
collection, the reference stubs and the CSVs' formula guard."""
from __future__ import annotations

import importlib
import json
import os
import pickle
import socket
import struct
import time
import traceback

import nbformat
import numpy as np
import pytest
from adversarial.build import SOLUTIONS, correct_notebook, set_solution

from nncourse.grading import wire
from nncourse.grading.collect import Refused, data_files, read_regular, student_id
from nncourse.grading.proxy import call_through_the_wire, copy_into, rebuild_exception
from nncourse.grading.report import spreadsheet_safe
from nncourse.grading.source import load_source, plan_cells
from nncourse.grading.stubs import ForbiddenReference, stub_source
from nncourse.grading.verdict import describe_cell, reference_use_message

NB1 = "01_the_neuron"


# ---- the wire -------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [
    None, True, 3, -2**100, -2.5, 1 + 2j, "text", "caf\udce9", b"bytes",
    np.arange(6.0).reshape(2, 3), np.float32(1.5), np.array(3.0), np.zeros((0, 4), dtype=np.int64),
    np.array(["ab", "c"]), [1, (2.0, np.ones(2))], {"a": [np.int8(3)]}, (np.array([True, False]),),
])
def test_plain_values_survive_the_wire(value):
    back = wire.decode(wire.encode(value))
    assert type(back) is type(value)
    if isinstance(value, (np.ndarray, np.generic)):
        assert back.dtype == value.dtype and np.shape(back) == np.shape(value)
        assert np.array_equal(back, value)
    elif not isinstance(value, (list, tuple, dict)):
        assert back == value


def test_a_zero_dimensional_array_stays_zero_dimensional():
    assert wire.decode(wire.encode(np.array(0.5))).shape == ()


@pytest.mark.parametrize("value", [object(), np.array([object()]), lambda: 1, np.random.default_rng(0), {1, 2}])
def test_anything_but_plain_data_is_refused_by_the_sender(value):
    with pytest.raises(TypeError):
        wire.encode(value)


def _shared_dag(levels: int):
    node = ("v", 1.0)
    for _ in range(levels):
        node = ("l", [node, node])
    return node


@pytest.mark.parametrize("forged, why", [
    (pickle.dumps(("returned", _shared_dag(40), False, [], {})), "a 2**40-node pickle of 2 kB"),
    (b"a" + bytes([3]) + b"<f8" + bytes([1]) + struct.pack("!Q", 2**40) + bytes(8), "an array bigger than its bytes"),
    (b"a" + bytes([3]) + b"|O8" + bytes([1]) + struct.pack("!Q", 1) + bytes(8), "an object array"),
    (b"l" + struct.pack("!I", 2**31) + b"N", "more items than bytes"),
    (b"i" + struct.pack("!H", 60000) + bytes(60000), "an integer of 60000 bytes"),
    (b"l" + struct.pack("!I", 1) * 1 + (b"l" + struct.pack("!I", 1)) * 200 + b"N", "nested 200 deep"),
    (b"d" + struct.pack("!I", 1) + b"l" + struct.pack("!I", 0) + b"N", "an unhashable key"),
    (b"N junk", "bytes after the end"),
    (b"", "nothing at all"),
])
def test_a_forged_reply_is_refused_at_once_without_a_big_allocation(forged, why):
    started = time.monotonic()
    with pytest.raises(wire.WireError):
        wire.decode(forged)
    assert time.monotonic() - started < 1, why


def test_an_oversized_message_is_refused_before_it_is_read():
    a, b = socket.socketpair()
    try:
        a.sendall(wire._HEADER.pack(wire.MAX_MESSAGE_BYTES + 1))
        with pytest.raises(wire.WireError, match="larger than the limit"):
            wire.recv(b, plain=True)
    finally:
        a.close()
        b.close()


# ---- the proxy ------------------------------------------------------------------------------------

def test_in_place_changes_in_the_worker_reach_the_checks_arguments():
    params = [(np.ones((2, 3)), np.zeros(3))]
    after = [(np.full((2, 3), 7.0), np.zeros(3))]
    copy_into(params, after)
    assert np.all(params[0][0] == 7.0)
    values = [1, 2, 3]
    copy_into(values, [1, 2])
    assert values == [1, 2]


def _scale_in_place(W, rng):
    W *= 2
    rng.random()
    return list(W.shape)


def test_a_call_through_the_wire_returns_plain_data_and_copies_changes_back():
    W, rng = np.ones((2, 3)), np.random.default_rng(5)
    expected_state = np.random.default_rng(5)
    expected_state.random()
    assert call_through_the_wire(_scale_in_place, W, rng) == [2, 3]
    assert np.all(W == 2.0)
    assert rng.bit_generator.state == expected_state.bit_generator.state


def test_rebuilt_student_exceptions_keep_type_and_cite_the_cell_line():
    error = rebuild_exception("ValueError", "bad shapes", ("<cell 4>", 2), {"<cell 4>": "x = 1\ny = x @ w\n"})
    assert isinstance(error, ValueError) and str(error) == "bad shapes"
    frame = traceback.extract_tb(error.__traceback__)[-1]
    assert frame.filename == "<cell 4>" and frame.lineno == 2 and frame.line == "y = x @ w"
    odd = rebuild_exception("LinAlgError", "singular", None, {})
    assert type(odd).__name__ == "LinAlgError" and isinstance(odd, Exception)
    assert not isinstance(rebuild_exception("SystemExit", "bye", None, {}), SystemExit)


def test_a_line_number_beyond_the_cell_is_not_believed():
    started = time.monotonic()
    error = rebuild_exception("ValueError", "boom", ("<cell 4>", 4_000_000_000), {"<cell 4>": "x = 1\n"})
    assert time.monotonic() - started < 1
    assert str(error) == "boom" and error.__traceback__ is None


# ---- messages -------------------------------------------------------------------------------------

def test_the_forbidden_message_fits_in_80_characters_and_says_what_to_do():
    message = reference_use_message("cross_entropy", ["nncourse.reference.costs._cross_entropy_of", "x", "y"])
    first, second = message.splitlines()
    assert len(first) <= 80 and first.startswith("cross_entropy: your function calls nncourse.reference.")
    assert second.strip() == "the grader gives 0 for calling the reference; write your own"


def test_cells_are_named_as_the_student_sees_them():
    source = load_source(SOLUTIONS / NB1 / f"{NB1}.ipynb")
    nb = correct_notebook(NB1)
    nb.cells.insert(5, nbformat.v4.new_code_cell("print('my own experiment')\nx = 1"))
    plan = plan_cells(source, json.loads(nbformat.writes(nb)))
    described = {cell.kind: describe_cell(cell) for cell in plan.cells}
    assert described["solution"].startswith("your ") and described["solution"].endswith(" cell")
    assert described["added"] == 'your cell 6 ("print(\'my own experiment\')")'
    assert described["setup"].startswith("the notebook's set-up cell 3 (")
    assert described["demo"].startswith("the notebook's cell ")


# ---- the cell plan ----------------------------------------------------------------------------------

def _plan(nb):
    source = load_source(SOLUTIONS / NB1 / f"{NB1}.ipynb")
    return source, plan_cells(source, json.loads(nbformat.writes(nb)))


def test_plan_leaves_out_test_cells_and_restores_read_only_cells():
    nb = correct_notebook(NB1)
    setup = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "setup")
    nb.cells[setup].source = "import numpy as np\nnp.allclose = lambda *a, **k: True\n"
    source, plan = _plan(nb)
    codes = [cell.code for cell in plan.cells]
    assert all(cell.grade_id not in source.test_ids for cell in plan.cells)
    assert source.locked_cells["setup"] in codes and "np.allclose = lambda" not in "".join(codes)
    assert any("setup" in note for note in plan.notes)
    del nb.cells[setup]
    source, plan = _plan(nb)
    assert plan.cells[0].code == source.locked_cells["setup"] and plan.cells[0].label == "restored setup"


def test_plan_turns_magics_into_python():
    nb = correct_notebook(NB1)
    set_solution(nb, "step", "%matplotlib inline\n!ls\ndef step(z):\n    return z\n")
    _, plan = _plan(nb)
    code = next(cell.code for cell in plan.cells if cell.grade_id == "step")
    compile(code, "<cell>", "exec")
    assert "get_ipython()" in code


def test_demonstration_cells_run_only_when_a_students_cell_uses_them():
    nb = correct_notebook(NB1)
    _, plan = _plan(nb)
    assert [c for c in plan.cells if c.kind == "demo"]
    assert not [c for c in plan.to_run() if c.kind == "demo"]
    gate = next(c for c in plan.cells if c.kind == "demo" and "X_gate =" in c.code)
    set_solution(nb, "or_neuron", "def or_neuron():\n    return np.ones(X_gate.shape[1]), -0.5\n")
    _, plan = _plan(nb)
    assert [c.label for c in plan.to_run() if c.kind == "demo"] == [gate.label]


@pytest.mark.parametrize("edit", ["metadata is a string", "grade_id is a list"])
def test_malformed_metadata_makes_the_cell_the_students_own(edit):
    nb = json.loads(nbformat.writes(correct_notebook(NB1)))
    cell = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "or_neuron")
    if edit == "metadata is a string":
        cell["metadata"]["nbgrader"] = "solution"
    else:
        cell["metadata"]["nbgrader"]["grade_id"] = ["or_neuron"]
    source = load_source(SOLUTIONS / NB1 / f"{NB1}.ipynb")
    plan = plan_cells(source, nb)
    assert any(c.kind == "added" and "def or_neuron" in c.code for c in plan.cells)


def test_a_source_that_is_not_text_makes_the_notebook_invalid():
    nb = json.loads(nbformat.writes(correct_notebook(NB1)))
    nb["cells"][2]["source"] = 42
    with pytest.raises(ValueError, match="source is not text"):
        plan_cells(load_source(SOLUTIONS / NB1 / f"{NB1}.ipynb"), nb)


# ---- collection -----------------------------------------------------------------------------------

def test_only_regular_files_are_read_and_never_through_a_link(tmp_path):
    (tmp_path / "ok.ipynb").write_bytes(b"{}")
    (tmp_path / "link.ipynb").symlink_to("/etc/shadow")
    os.mkfifo(tmp_path / "fifo.ipynb")
    (tmp_path / "big.ipynb").write_bytes(b"x" * 2000)
    assert read_regular(tmp_path / "ok.ipynb") == b"{}"
    with pytest.raises(Refused, match=r"^link.ipynb is a symbolic link: not graded$"):
        read_regular(tmp_path / "link.ipynb")
    with pytest.raises(Refused, match="^fifo.ipynb is not a regular file"):
        read_regular(tmp_path / "fifo.ipynb")
    with pytest.raises(Refused, match="larger than"):
        read_regular(tmp_path / "big.ipynb", limit=1000)


def test_data_files_leave_out_code_links_and_the_output_folder(tmp_path):
    (tmp_path / "data.csv").write_text("1,2")
    (tmp_path / "numpy.py").write_text("x = 1")
    (tmp_path / "secret.txt").symlink_to("/etc/shadow")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "scores.csv").write_text("everyone's scores")
    assert data_files(tmp_path, skip=tmp_path / "out") == {"data.csv": b"1,2"}


def test_student_ids_survive_names_that_are_not_utf8():
    assert student_id(os.fsdecode(b"caf\xe9")) == "caf\\xe9"


@pytest.mark.parametrize("cell, safe", [
    ("=cmd|' -C calc'!A0", "'=cmd|' -C calc'!A0"), ("+1+2", "'+1+2"), ("-x", "'-x"), ("@sum(A1)", "'@sum(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("-1.5", "-1.5"), ("alice", "alice"), (3, 3),
])
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(cell, safe):
    assert spreadsheet_safe(cell) == safe


# ---- the reference stubs ----------------------------------------------------------------------------

def test_a_stubbed_module_keeps_its_names_and_has_no_code_left():
    module = importlib.import_module("nncourse.reference.optimizers")
    scope = {"__name__": "nncourse.reference.optimizers"}
    exec(compile(stub_source(module), module.__file__, "exec"), scope)
    assert set(n for n in vars(module) if not n.startswith("__")) <= set(scope)
    for call in (lambda: scope["gd_update"]([], [], 0.1), lambda: scope["SGD"](0.1),
                 lambda: scope["_zeros_like"]([])):
        with pytest.raises(ForbiddenReference):
            call()
    with pytest.raises(ForbiddenReference) as raised:
        scope["gd_update"]([], [], 0.1)
    assert raised.value.name == "nncourse.reference.gd_update"
    assert scope["OPTIMIZERS"]["sgd"] is scope["SGD"]


def test_recording_an_assignment_again_updates_its_notebook_in_place(tmp_path, monkeypatch):
    """A second grader sharing the gradebook records the structure again while the first one adds
    submissions: the notebook must stay the same row (nbgrader's SaveCells removes and re-adds a
    notebook without submissions, and a submission added meanwhile loses it), and changed points
    still reach the gradebook."""
    import shutil

    from nbgrader.api import Gradebook

    from nncourse.grading.gradebook import ensure_structure
    name = "01_the_neuron"
    db = f"sqlite:///{tmp_path / 'gradebook.db'}"
    ensure_structure(db, {name: load_source(SOLUTIONS / name / f"{name}.ipynb")})
    removed = []
    monkeypatch.setattr(Gradebook, "remove_notebook", lambda self, *args: removed.append(args))
    changed = tmp_path / "solutions" / name
    shutil.copytree(SOLUTIONS / name, changed)
    nb = nbformat.read(changed / f"{name}.ipynb", as_version=4)
    test_cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "check_step")
    test_cell.metadata["nbgrader"]["points"] = 7
    nbformat.write(nb, changed / f"{name}.ipynb")
    ensure_structure(db, {name: load_source(changed / f"{name}.ipynb")})
    assert removed == []
    with Gradebook(db) as gb:
        assert gb.find_grade_cell("check_step", name, name).max_score == 7
