"""Fast tests of the grading pieces: the wire refuses code, the cell plan restores what it must."""
from __future__ import annotations

import pickle
import socket

import numpy as np
import pytest
from adversarial.build import SOLUTIONS, correct_notebook, set_solution

from nncourse.grading import wire
from nncourse.grading.source import load_source, plan_cells
from nncourse.grading.verdict import _copy_into, _rebuild_exception


@pytest.mark.parametrize("value", [
    None, True, 3, -2.5, 1 + 2j, "text", b"bytes",
    np.arange(6.0).reshape(2, 3), np.float32(1.5), np.array(3.0), np.zeros((0, 4), dtype=np.int64),
    [1, (2.0, np.ones(2))], {"a": [np.int8(3)]}, (np.array([True, False]),),
])
def test_plain_values_survive_the_wire(value):
    back = wire.from_plain(wire.loads_plain(pickle.dumps(wire.to_plain(value))))
    assert type(back) is type(value)
    if isinstance(value, (np.ndarray, np.generic)):
        assert back.dtype == value.dtype and np.shape(back) == np.shape(value)
        assert np.array_equal(back, value)
    elif not isinstance(value, (list, tuple, dict)):
        assert back == value


def test_a_zero_dimensional_array_stays_zero_dimensional():
    assert wire.from_plain(wire.to_plain(np.array(0.5))).shape == ()


@pytest.mark.parametrize("value", [object(), np.array([object()]), lambda: 1, np.random.default_rng(0)])
def test_anything_but_plain_data_is_refused_by_the_sender(value):
    with pytest.raises(TypeError):
        wire.to_plain(value)


class Boom:
    def __reduce__(self):
        return (print, ("the grader ran code from the worker",))


def test_a_pickle_naming_any_global_is_refused_by_the_grader(capsys):
    with pytest.raises(wire.WireError, match="builtins.print"):
        wire.loads_plain(pickle.dumps(Boom()))
    assert capsys.readouterr().out == ""
    with pytest.raises(wire.WireError):
        wire.loads_plain(pickle.dumps(np.arange(3)))   # numpy's own pickles name globals too
    with pytest.raises(wire.WireError):
        wire.from_plain(("a", "O", (1,), b"\x00" * 8))  # object arrays are refused
    with pytest.raises(wire.WireError):
        wire.loads_plain(b"junk!")


def test_an_oversized_message_is_refused_before_it_is_read():
    a, b = socket.socketpair()
    try:
        a.sendall(wire._HEADER.pack(wire.MAX_MESSAGE_BYTES + 1))
        with pytest.raises(wire.WireError, match="larger than the limit"):
            wire.recv(b, plain=True)
    finally:
        a.close()
        b.close()


def test_plan_leaves_out_test_cells_and_restores_read_only_cells():
    source = load_source(SOLUTIONS / "01_the_neuron" / "01_the_neuron.ipynb")
    nb = correct_notebook("01_the_neuron")
    setup = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "setup")
    nb.cells[setup].source = "import numpy as np\nnp.allclose = lambda *a, **k: True\n"
    plan = plan_cells(source, nb)
    codes = [code for _, code, _ in plan.cells]
    assert not any("check(" in code and "BEGIN HIDDEN" in code for code in codes)
    assert all(gid not in source.test_ids for _, _, gid in plan.cells)
    assert source.locked_cells["setup"] in codes and "np.allclose = lambda" not in "".join(codes)
    assert any("setup" in note for note in plan.notes)

    del nb.cells[setup]
    plan = plan_cells(source, nb)
    assert plan.cells[0][1] == source.locked_cells["setup"]
    assert plan.cells[0][0] == "restored setup"


def test_plan_turns_magics_into_python():
    source = load_source(SOLUTIONS / "01_the_neuron" / "01_the_neuron.ipynb")
    nb = correct_notebook("01_the_neuron")
    set_solution(nb, "step", "%matplotlib inline\n!ls\ndef step(z):\n    return z\n")
    plan = plan_cells(source, nb)
    code = next(code for _, code, gid in plan.cells if gid == "step")
    compile(code, "<cell>", "exec")
    assert "get_ipython()" in code


def test_in_place_changes_in_the_worker_reach_the_checks_arguments():
    params = [(np.ones((2, 3)), np.zeros(3))]
    after = [(np.full((2, 3), 7.0), np.zeros(3))]
    _copy_into(params, after)
    assert np.all(params[0][0] == 7.0)
    values = [1, 2, 3]
    _copy_into(values, [1, 2])
    assert values == [1, 2]


def test_rebuilt_student_exceptions_keep_type_and_cite_the_cell_line():
    error = _rebuild_exception("ValueError", "bad shapes", ("<cell 4>", 2), {"<cell 4>": "x = 1\ny = x @ w\n"})
    assert isinstance(error, ValueError) and str(error) == "bad shapes"
    import traceback
    frame = traceback.extract_tb(error.__traceback__)[-1]
    assert frame.filename == "<cell 4>" and frame.lineno == 2 and frame.line == "y = x @ w"
    odd = _rebuild_exception("LinAlgError", "singular", None, {})
    assert type(odd).__name__ == "LinAlgError" and isinstance(odd, Exception)
    assert not isinstance(_rebuild_exception("SystemExit", "bye", None, {}), SystemExit)
