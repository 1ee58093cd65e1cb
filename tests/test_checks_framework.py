"""The check framework: registry, calling students' functions, messages, comparisons, helpers."""
import pickle

import numpy as np
import pytest
from banks.proxy import through_pickle

from nncourse import reference
from nncourse.checks import EXERCISES, CheckFailure, check
from nncourse.checks import _framework as fw

SYLLABUS = {
    "01_the_neuron": ["weighted_sum", "step", "neuron", "and_neuron", "or_neuron"],
    "02_activation_functions": ["sigmoid", "tanh", "relu", "leaky_relu", "softmax", "sigmoid_derivative",
                                "tanh_derivative", "relu_derivative", "leaky_relu_derivative"],
    "03_layers_and_deep_networks": ["dense", "init_params", "count_params", "xor_params"],
    "04_forward_propagation": ["forward", "predict"],
    "05_cost_functions": ["mse", "rmse", "binary_cross_entropy", "cross_entropy"],
    "06_backward_propagation": ["dense_backward", "activation_backward", "backward", "numerical_gradient",
                                "relative_error"],
    "07_gradient_descent_and_training": ["gd_update", "minibatches", "train"],
    "08_evaluation_tuning_and_use": ["train_test_split", "standardize", "accuracy", "confusion_matrix"],
}


# Student-like functions (module-level, so they pickle like the grader's proxy needs).

def sigmoid_naive(z):
    return 1 / (1 + np.exp(-z))


def reshape_wrongly(z):
    return np.reshape(z, (100, 100))


def raise_key_error(z):
    table = {"relu": 1}
    return table["sigmoid"]


def not_implemented(*args, **kwargs):
    raise NotImplementedError()


def scale_second_weights(X, params):
    params[1][0][0, 0] += 1.0
    return X


def dense_changing_last_w(X, W, b):
    W[-1] = 0.0
    return X @ W + b


# ---------------------------------------------------------------------------------------------
# The registry and check()
# ---------------------------------------------------------------------------------------------

def test_exercises_lists_all_36_syllabus_exercises_in_course_order():
    expected = [(name, notebook) for notebook, names in SYLLABUS.items() for name in names]
    assert len(expected) == 36
    assert sorted(EXERCISES.items(), key=lambda item: item[1]) == list(EXERCISES.items())
    assert set(EXERCISES.items()) == set(expected)


def test_unknown_exercise_is_a_value_error_listing_the_known_names():
    with pytest.raises(ValueError) as error:
        check("sigmod", reference.sigmoid)
    assert "'sigmod'" in str(error.value)
    assert "sigmoid" in str(error.value) and "weighted_sum" in str(error.value)


def test_passing_a_value_instead_of_a_function_is_a_clear_failure():
    with pytest.raises(CheckFailure) as failure:
        check("sigmoid", reference.sigmoid(0.5))
    assert "expected a function, got ndarray" in str(failure.value)
    assert "without calling it" in failure.value.hint


def test_a_pass_prints_one_line_naming_what_was_verified_and_returns_none(capsys):
    assert check("sigmoid", reference.sigmoid) is None
    out = capsys.readouterr().out
    assert out.startswith("sigmoid: passed: ") and out.count("\n") == 1
    assert "1e+04" in out and "float32" in out


def test_check_failure_is_an_assertion_error_without_the_machinery_traceback():
    with pytest.raises(CheckFailure) as failure:
        check("sigmoid", sigmoid_naive)
    assert isinstance(failure.value, AssertionError)
    assert failure.value.__suppress_context__
    assert failure.value.exercise == "sigmoid"
    assert "exp(-|z|)" in failure.value.hint


def test_registering_an_exercise_twice_is_refused():
    with pytest.raises(ValueError, match="registered twice"):
        fw.exercise("sigmoid", notebook="02_activation_functions")(lambda func, rng, hidden: "")


# ---------------------------------------------------------------------------------------------
# Fresh, seeded inputs
# ---------------------------------------------------------------------------------------------

def _shapes_seen(name, seed, hidden=False):
    seen = []

    def record(*args, **kwargs):
        seen.append(tuple(np.shape(a) for a in args if isinstance(a, np.ndarray)))
        return getattr(reference, name)(*args, **kwargs)

    check(name, record, seed=seed, hidden=hidden)
    return seen


@pytest.mark.parametrize("name", ["dense", "sigmoid", "weighted_sum", "forward"])
def test_same_seed_same_inputs_other_seeds_other_sizes(name):
    assert _shapes_seen(name, 4) == _shapes_seen(name, 4)
    assert len({tuple(_shapes_seen(name, seed)) for seed in range(6)}) > 1


def test_dense_inputs_are_non_square_with_distinct_sizes():
    for seed in range(10):
        (x_shape, w_shape, b_shape) = _shapes_seen("dense", seed)[0]
        m, n_in = x_shape
        n_out = w_shape[1]
        assert len({m, n_in, n_out}) == 3


def test_hidden_adds_cases():
    assert len(_shapes_seen("sigmoid", 0, hidden=True)) > len(_shapes_seen("sigmoid", 0))
    assert (1, _shapes_seen("dense", 0)[0][0][1]) in [s[0] for s in _shapes_seen("dense", 0, hidden=True)]


def test_everything_passed_to_a_student_function_pickles():
    def record(*args, **kwargs):
        pickle.dumps((args, kwargs))
        return reference.forward(*args, **kwargs)

    check("forward", record, hidden=True)


def test_distinct_sizes_are_distinct_deterministic_and_bounded():
    sizes = fw.distinct_sizes(np.random.default_rng(1), 4, 2, 9)
    assert len(set(sizes)) == 4 and all(2 <= s <= 9 for s in sizes)
    assert sizes == fw.distinct_sizes(np.random.default_rng(1), 4, 2, 9)
    with pytest.raises(ValueError):
        fw.distinct_sizes(np.random.default_rng(1), 5, 2, 4)


# ---------------------------------------------------------------------------------------------
# call_student: exceptions, stubs, in-place changes, warnings
# ---------------------------------------------------------------------------------------------

def test_exception_is_reported_with_type_message_and_the_student_line():
    with pytest.raises(CheckFailure) as failure:
        check("sigmoid", through_pickle(reshape_wrongly))
    message = str(failure.value)
    assert message.startswith("sigmoid: the function raised ValueError: cannot reshape array")
    assert "test_checks_framework.py:" in message  # the student's line, not numpy's
    assert "return np.reshape(z, (100, 100))" in message


def test_exception_in_a_notebook_cell_cites_the_cell_line():
    import linecache

    filename = "/tmp/ipykernel_4242/1234567.py"  # how IPython names a cell's code
    source = "import numpy as np\n\ndef sigmoid(z):\n    return 1 / (1 + np.exp(-z)) + undefined_name\n"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {}
    exec(compile(source, filename, "exec"), namespace)
    with pytest.raises(CheckFailure) as failure:
        check("sigmoid", namespace["sigmoid"])
    message = str(failure.value)
    assert "raised NameError: name 'undefined_name' is not defined" in message
    assert f"line: {filename}:4: return 1 / (1 + np.exp(-z)) + undefined_name" in message
    assert "do not rely on variables from other cells" in failure.value.hint


def test_key_error_names_the_missing_key_and_line():
    with pytest.raises(CheckFailure) as failure:
        check("sigmoid", raise_key_error)
    assert "raised KeyError: 'sigmoid'" in str(failure.value)
    assert 'return table["sigmoid"]' in str(failure.value)


def test_not_implemented_stub_is_recognisable():
    with pytest.raises(CheckFailure) as failure:
        check("dense", not_implemented)
    assert str(failure.value).startswith("dense: not implemented yet")


def test_in_place_change_names_the_nested_argument():
    X = np.ones((3, 2))
    params = [(np.ones((2, 4)), np.zeros(4)), (np.ones((4, 1)), np.zeros(1))]
    with pytest.raises(CheckFailure) as failure:
        fw.call_student("forward", scale_second_weights, X, params, names=("X", "params"))
    assert "modified its argument params[1][0] in place" in str(failure.value)
    assert params[1][0][0, 0] == 1.0, "the caller's arrays are never handed to the student"


def test_in_place_change_through_the_grader_proxy_is_named():
    with pytest.raises(CheckFailure, match="modified its argument W in place"):
        check("dense", through_pickle(dense_changing_last_w))


def test_overflow_in_a_stable_call_is_a_failure_with_the_hint(capsys):
    with pytest.raises(CheckFailure) as failure:
        fw.call_student("sigmoid", sigmoid_naive, np.array([-1e4, 0.0]), names=("z",), stable=True,
                        unstable_hint="use exp(-|z|)")
    assert "overflowed in np.exp" in str(failure.value)
    assert failure.value.hint == "use exp(-|z|)"
    assert capsys.readouterr().err == ""


def test_harmless_warnings_are_silenced_where_stability_is_not_required(capsys):
    result = fw.call_student("demo", sigmoid_naive, np.array([-1e4, 0.0]), names=("z",))
    assert np.allclose(result, [0.0, 0.5])
    assert capsys.readouterr().err == ""


# ---------------------------------------------------------------------------------------------
# Comparisons and messages
# ---------------------------------------------------------------------------------------------

def test_message_has_the_style_guide_form():
    with pytest.raises(CheckFailure) as failure:
        fw.fail("dense_backward", "dW is wrong.", input="dZ (7, 3)", expected="[1, 2]", got="[2, 4]",
                hint="divide by m once.")
    assert str(failure.value).splitlines() == [
        "dense_backward: dW is wrong.",
        "  input: dZ (7, 3)",
        "  expected: [1, 2]",
        "  got: [2, 4]",
        "  Hint: divide by m once.",
    ]
    assert failure.value.fact == "dW is wrong." and failure.value.hint == "divide by m once."


@pytest.mark.parametrize("factor, words", [(7.0, "exactly 7 times too large"), (1 / 7, "exactly 7 times too small"),
                                           (-1.0, "right in size but of the wrong sign")])
def test_expect_close_names_a_constant_ratio(factor, words):
    expected = np.random.default_rng(0).normal(size=(7, 3))
    with pytest.raises(CheckFailure) as failure:
        fw.expect_close("dense_backward", factor * expected, expected, what="dW", ratios={7.0: "divide by m"})
    assert f"dW is {words}." in str(failure.value)
    assert failure.value.hint == ("divide by m" if factor == 7.0 else None)


def test_expect_close_names_a_known_mistake_only_when_it_differs_from_the_answer():
    expected = np.array([1.0, 2.0, 3.0])
    wrong = np.array([1.0, 2.0, 4.0])
    with pytest.raises(CheckFailure) as failure:
        fw.expect_close("demo", wrong, expected, what="x", hints=[(wrong, "x is off.", "fix the last entry")])
    assert str(failure.value).startswith("demo: x is off.")
    with pytest.raises(CheckFailure) as failure:  # a "mistake" equal to the answer is never named
        fw.expect_close("demo", wrong, expected, what="x", hints=[(expected, "never this", "nor this")])
    assert "never this" not in str(failure.value)
    assert "1 of 3 entries" in str(failure.value)
    fw.expect_close("demo", expected + 1e-12, expected, what="x", hints=[(expected, "never", "never")])


def test_expect_shape_accepts_any_of_several_shapes():
    fw.expect_shape("demo", np.zeros((7, 1)), [(7,), (7, 1)], what="p")
    with pytest.raises(CheckFailure, match=r"p has shape \(1, 7\), expected \(7,\) or \(7, 1\)"):
        fw.expect_shape("demo", np.zeros((1, 7)), [(7,), (7, 1)], what="p")


def test_as_array_rejects_lists_and_none_with_hints():
    with pytest.raises(CheckFailure) as failure:
        fw.as_array("relu", [1.0, 2.0], what="relu(z)")
    assert "returned a list, not a numpy array" in str(failure.value)
    with pytest.raises(CheckFailure) as failure:
        fw.as_array("relu", None, what="relu(z)")
    assert "forget the `return`" in failure.value.hint
    assert fw.as_array("relu", 2.5, what="relu(z)").shape == ()


def test_expect_float_and_finite():
    fw.expect_float("demo", np.float32(1.0), what="x")
    with pytest.raises(CheckFailure, match="dtype int64"):
        fw.expect_float("demo", np.array([1, 0]), what="x")
    with pytest.raises(CheckFailure, match="contains nan"):
        fw.expect_finite("demo", np.array([1.0, np.nan]), what="x")


def test_format_array_is_one_short_line_with_shape_and_dtype():
    text = fw.format_array(np.arange(1000.0).reshape(100, 10))
    assert "\n" not in text and len(text) < 160
    assert text.startswith("shape (100, 10) float64")
    assert fw.format_array(np.float64(0.25)) == "float64 0.25"
    assert fw.format_array([np.zeros(2), np.zeros(3)]).startswith("list of 2: [shape (2,) float64")
