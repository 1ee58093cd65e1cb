"""The check framework: registry, calling students' functions, messages, comparisons, the reference guard."""
import importlib
import pickle
import types

import numpy as np
import pytest
from banks import backprop, evaluation, neuron
from banks.answers import model_answers
from banks.proxy import through_pickle

from nncourse import reference
from nncourse.checks import EXERCISES, CheckFailure, check, reference_use_message
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


def answer(name):
    """The model answer of exercise `name`, as a student's function."""
    return model_answers(EXERCISES[name])[name]


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


def relu_hiding_the_reference(z):
    """Calls the reference and swallows whatever it raises: the call is seen anyway."""
    try:
        return reference.relu(z)
    except BaseException:
        return np.maximum(z, 0.0)


def relu_numpy_max_of_two(z):
    return np.max(0, z)


# ---------------------------------------------------------------------------------------------
# The registry and check()
# ---------------------------------------------------------------------------------------------

def test_exercises_lists_all_36_syllabus_exercises_in_course_order_without_resorting():
    expected = [(name, notebook) for notebook, names in SYLLABUS.items() for name in names]
    assert len(expected) == 36
    assert list(EXERCISES.items()) == expected


def test_check_modules_import_no_sibling_check_module_and_no_private_reference_name():
    for module_name in ("neuron", "activations", "layers", "forward", "costs", "backprop", "training", "evaluation"):
        module = importlib.import_module(f"nncourse.checks.{module_name}")
        source = open(module.__file__).read()
        assert "from ." not in source.replace("from ._framework import", ""), module_name
        assert "nncourse.reference." not in source.replace("nncourse.reference.<", ""), \
            f"{module_name} reaches into a module of nncourse.reference: use its public names only"
        assert "import reference as ref" not in source, "one name for the reference package: `reference`"


def test_unknown_exercise_is_a_value_error_listing_the_known_names():
    with pytest.raises(ValueError) as error:
        check("sigmod", answer("sigmoid"))
    assert "'sigmod'" in str(error.value)
    assert "sigmoid" in str(error.value) and "weighted_sum" in str(error.value)


def test_passing_a_value_instead_of_a_function_is_a_clear_failure():
    with pytest.raises(CheckFailure) as failure:
        check("sigmoid", answer("sigmoid")(0.5))
    assert "expected a function, got ndarray" in str(failure.value)
    assert "without calling it" in failure.value.hint


def test_a_pass_prints_one_line_naming_what_was_verified_and_returns_none(capsys):
    assert check("sigmoid", answer("sigmoid")) is None
    out = capsys.readouterr().out
    assert out.startswith("sigmoid: passed: ") and out.count("\n") == 1
    assert "1e4" in out and "float32" in out


def test_check_failure_is_an_assertion_error_without_the_machinery_traceback():
    with pytest.raises(CheckFailure) as failure:
        check("sigmoid", sigmoid_naive)
    assert isinstance(failure.value, AssertionError)
    assert failure.value.__suppress_context__
    assert failure.value.exercise == "sigmoid" and failure.value.mistake == "unstable"
    assert "exp(-|z|)" in failure.value.hint


def test_registering_an_exercise_twice_is_refused():
    with pytest.raises(ValueError, match="registered twice"):
        fw.exercise("sigmoid", notebook="02_activation_functions")(lambda func, rng, hidden: "")


# ---------------------------------------------------------------------------------------------
# Fresh, seeded inputs
# ---------------------------------------------------------------------------------------------

def _shapes_seen(name, seed, hidden=False):
    seen = []
    student = answer(name)

    def record(*args, **kwargs):
        seen.append(tuple(np.shape(a) for a in args if isinstance(a, np.ndarray)))
        return student(*args, **kwargs)

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


@pytest.mark.parametrize("name", list(EXERCISES))
def test_hidden_draws_more_inputs_of_the_same_kinds(name):
    public, hidden = _shapes_seen(name, 0), _shapes_seen(name, 0, hidden=True)
    assert len(hidden) >= len(public)
    kinds = {tuple(len(shape) for shape in shapes) for shapes in public}
    assert {tuple(len(shape) for shape in shapes) for shapes in hidden} <= kinds, \
        f"{name}: the hidden tests call with arrays of a number of axes the public check never uses"


def test_the_public_check_covers_one_example_and_float32():
    dense_shapes = _shapes_seen("dense", 0)
    assert any(x_shape[0] == 1 for x_shape, _, _ in dense_shapes)
    assert (1, _shapes_seen("dense", 0)[0][0][1]) in [s[0] for s in dense_shapes]


def test_everything_passed_to_a_student_function_pickles():
    student = answer("forward")

    def record(*args, **kwargs):
        pickle.dumps((args, kwargs))
        return student(*args, **kwargs)

    check("forward", record, hidden=True)


def test_distinct_sizes_are_distinct_deterministic_and_bounded():
    sizes = fw.distinct_sizes(np.random.default_rng(1), 4, 2, 9)
    assert len(set(sizes)) == 4 and all(2 <= s <= 9 for s in sizes)
    assert sizes == fw.distinct_sizes(np.random.default_rng(1), 4, 2, 9)
    with pytest.raises(ValueError):
        fw.distinct_sizes(np.random.default_rng(1), 5, 2, 4)


# ---------------------------------------------------------------------------------------------
# call_student: exceptions, stubs, in-place changes, warnings, Python-vs-numpy slips
# ---------------------------------------------------------------------------------------------

def test_exception_is_reported_with_type_message_and_the_student_line():
    with pytest.raises(CheckFailure) as failure:
        check("sigmoid", through_pickle(reshape_wrongly))
    message = str(failure.value)
    assert message.startswith("sigmoid: the function raised ValueError: cannot reshape array")
    assert len(message.splitlines()[0]) <= fw.FIRST_LINE
    assert "error: ValueError: cannot reshape array of size" in message   # the full message on a later line
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
    assert "line: cell line 4: return 1 / (1 + np.exp(-z)) + undefined_name" in message
    assert "ipykernel" not in message, "the cell's file name means nothing to a student"
    assert "do not rely on variables from other cells" in failure.value.hint


def test_key_error_names_the_missing_key_and_line():
    with pytest.raises(CheckFailure) as failure:
        check("sigmoid", raise_key_error)
    assert "raised KeyError: 'sigmoid'" in str(failure.value)
    assert 'return table["sigmoid"]' in str(failure.value)
    assert failure.value.mistake is None


def test_not_implemented_stub_is_recognisable():
    with pytest.raises(CheckFailure) as failure:
        check("dense", not_implemented)
    assert str(failure.value).startswith("dense: not implemented yet")
    assert failure.value.mistake is None, "not attempted is not a mistake"


def test_in_place_change_names_the_nested_argument():
    X = np.ones((3, 2))
    params = [(np.ones((2, 4)), np.zeros(4)), (np.ones((4, 1)), np.zeros(1))]
    with pytest.raises(CheckFailure) as failure:
        fw.call_student("forward", scale_second_weights, X, params, names=("X", "params"))
    assert "changed its argument params[1][0] in place" in str(failure.value)
    assert failure.value.mistake == "modifies-input"
    assert params[1][0][0, 0] == 1.0, "the caller's arrays are never handed to the student"


def test_in_place_change_through_the_grader_proxy_is_named():
    with pytest.raises(CheckFailure, match="changed its argument W in place"):
        check("dense", through_pickle(dense_changing_last_w))


def test_numerical_gradient_may_nudge_x_if_it_puts_it_back_exactly():
    check("numerical_gradient", through_pickle(backprop.numgrad_restored_exactly))
    with pytest.raises(CheckFailure) as failure:
        check("numerical_gradient", through_pickle(backprop.numgrad_not_restored))
    assert "changed its argument x in place" in str(failure.value)
    assert "nudging x itself is fine if you put every entry back exactly" in failure.value.hint
    assert "never change an input" not in str(failure.value)


def test_overflow_in_a_stable_call_is_a_failure_with_the_hint(capsys):
    with pytest.raises(CheckFailure) as failure:
        fw.call_student("sigmoid", sigmoid_naive, np.array([-1e4, 0.0]), names=("z",), stable=True,
                        unstable_hint="use exp(-|z|)")
    assert "overflowed in np.exp" in str(failure.value)
    assert failure.value.hint == "use exp(-|z|)" and failure.value.mistake == "unstable"
    assert capsys.readouterr().err == ""


def test_harmless_warnings_are_silenced_where_stability_is_not_required(capsys):
    result = fw.call_student("demo", sigmoid_naive, np.array([-1e4, 0.0]), names=("z",))
    assert np.allclose(result, [0.0, 0.5])
    assert capsys.readouterr().err == ""


def test_numpy_max_of_two_arrays_gets_a_hint_naming_np_maximum():
    with pytest.raises(CheckFailure) as failure:
        check("relu", relu_numpy_max_of_two)
    assert failure.value.mistake == "numpy-max-of-two-arrays"
    assert "np.maximum(a, b)" in failure.value.hint


@pytest.mark.parametrize("name", ["weighted_sum", "standardize"])
def test_hints_never_speak_of_a_layer_where_the_exercise_has_none(name):
    bank = neuron if name == "weighted_sum" else evaluation
    messages = []
    for exercise, func, *_ in bank.WRONG:
        if exercise == name:
            with pytest.raises(CheckFailure) as failure:
                check(name, through_pickle(func))
            messages.append(str(failure.value))
    assert len(messages) >= 5
    for message in messages:
        assert "X @ W" not in message and " W " not in message and "W is" not in message, message


# ---------------------------------------------------------------------------------------------
# The use of the reference: the same verdict as in grading
# ---------------------------------------------------------------------------------------------

def test_reference_use_message_says_who_called_what_and_what_it_costs_in_two_lines():
    message = reference_use_message("relu", ["relu"])
    assert message.splitlines() == ["relu: your function calls nncourse.reference.relu",
                                    "  the grader gives 0 for calling the reference; write your own"]
    long = reference_use_message("leaky_relu_derivative", ["leaky_relu_derivative", "relu", "relu"])
    first, second = long.splitlines()
    assert len(first) <= fw.FIRST_LINE and "nncourse.reference.leaky_relu_derivative" in first
    assert second == "  the grader gives 0 for calling the reference; write your own"
    assert reference_use_message("relu", ["relu", "sigmoid"]).splitlines()[0] == \
        "relu: your function calls nncourse.reference.relu (and 1 more)"
    assert "nncourse.reference.layers._dense" in reference_use_message("dense", ["layers._dense"])


def test_a_function_that_is_the_reference_fails_as_in_grading():
    with pytest.raises(CheckFailure) as failure:
        check("relu", reference.relu)
    assert str(failure.value) == reference_use_message("relu", ["relu"])
    assert failure.value.mistake == "calls-reference"


def test_a_call_of_the_reference_is_seen_even_when_the_student_swallows_the_error():
    with pytest.raises(CheckFailure) as failure:
        check("relu", relu_hiding_the_reference)
    assert failure.value.mistake == "calls-reference"


def test_the_references_of_earlier_notebooks_are_allowed_and_work_normally_after_a_check(capsys):
    check("activation_backward", answer("activation_backward"))      # calls activation_derivative (02)
    check("train", answer("train"))                                   # forward (04), backward (06), ...
    assert capsys.readouterr().out.count("passed") == 2
    assert np.array_equal(reference.relu(np.array([-1.0, 2.0])), [0.0, 2.0])
    assert reference.relu.__code__.co_name == "relu" and "args" not in reference.relu.__code__.co_varnames


def test_the_guard_covers_the_exercises_and_every_private_helper_of_their_reference_modules():
    for notebook, names in SYLLABUS.items():
        guard = fw._reference_guard(names[0])
        guarded = {func for func, _ in guard.functions}
        for name in names:
            func = getattr(reference, name)
            assert func in guarded, name
            module = importlib.import_module(func.__module__)
            private = {value for key, value in vars(module).items() if key.startswith("_")
                       and isinstance(value, types.FunctionType) and value.__module__ == module.__name__}
            assert private <= guarded, f"{notebook}: {private - guarded}"
        others = {getattr(reference, name) for nb, more in SYLLABUS.items() if nb != notebook for name in more}
        assert not (others & guarded), f"{notebook} guards another notebook's exercise"


# ---------------------------------------------------------------------------------------------
# Comparisons and messages
# ---------------------------------------------------------------------------------------------

def test_message_has_the_style_guide_form():
    with pytest.raises(CheckFailure) as failure:
        fw.fail("dense_backward", "dW is wrong.", input="dZ (7, 3)", expected="[1, 2]", got="[2, 4]",
                hint="divide by m once.", mistake="divided-by-m-again")
    assert str(failure.value).splitlines() == [
        "dense_backward: dW is wrong.",
        "  input: dZ (7, 3)",
        "  expected: [1, 2]",
        "  got: [2, 4]",
        "  Hint: divide by m once.",
    ]
    assert failure.value.fact == "dW is wrong." and failure.value.hint == "divide by m once."
    assert failure.value.mistake == "divided-by-m-again"


def test_a_long_fact_wraps_so_that_the_first_line_fits():
    failure = CheckFailure("leaky_relu_derivative", "a fact " * 20, hint="h")
    lines = str(failure).splitlines()
    assert len(lines[0]) <= fw.FIRST_LINE and lines[1].startswith("  ")
    assert " ".join(line.strip() for line in lines[:-1]).startswith("leaky_relu_derivative: a fact a fact")


@pytest.mark.parametrize("factor, words", [(7.0, "exactly 7 times too large"), (1 / 7, "exactly 7 times too small"),
                                           (-1.0, "right in size but of the wrong sign")])
def test_expect_close_names_a_constant_ratio_over_many_entries(factor, words):
    expected = np.random.default_rng(0).normal(size=(7, 3))
    with pytest.raises(CheckFailure) as failure:
        fw.expect_close("dense_backward", factor * expected, expected, what="dW", hint="divide by m")
    assert f"dW is {words}." in str(failure.value)
    assert failure.value.hint == "divide by m" and failure.value.mistake is None


def test_expect_close_never_calls_one_wrong_number_k_times_too_large():
    with pytest.raises(CheckFailure) as failure:
        fw.expect_close("mse", 1.844 * 2.5, 2.5, what="mse")
    assert "times" not in str(failure.value)
    assert str(failure.value).splitlines()[0] == "mse: mse is 4.61, expected 2.5."
    with pytest.raises(CheckFailure) as failure:        # a factor a known mistake predicts is named
        fw.expect_close("mse", 7 * 2.5, 2.5, what="mse",
                        mistakes=[fw.Mistake("sum-not-mean", fw.times(2.5, 7), "mse is a sum.", "mean")])
    assert failure.value.mistake == "sum-not-mean"


def test_a_known_mistake_is_named_only_when_it_differs_from_the_answer():
    expected = np.array([1.0, 2.0, 3.0])
    wrong = np.array([1.0, 2.0, 4.0])
    off = fw.Mistake("last-entry", wrong, "x is off.", "fix the last entry")
    with pytest.raises(CheckFailure) as failure:
        fw.expect_close("demo", wrong, expected, what="x", mistakes=[off])
    assert str(failure.value).startswith("demo: x is off.") and failure.value.mistake == "last-entry"
    never = fw.Mistake("never", expected, "never this", "nor this")
    with pytest.raises(CheckFailure) as failure:  # a "mistake" equal to the answer is never named
        fw.expect_close("demo", wrong, expected, what="x", mistakes=[never])
    assert "never this" not in str(failure.value)
    assert "1 of 3 entries" in str(failure.value)
    fw.expect_close("demo", expected + 1e-12, expected, what="x", mistakes=[never])


def test_a_mistake_may_be_a_predicate_on_the_result():
    longer = fw.Mistake("too-long", lambda got: len(got) > 3, "x is too long.", "cut it")
    with pytest.raises(CheckFailure) as failure:
        fw.name_mistake("demo", [1, 2, 3, 4], [longer])
    assert failure.value.mistake == "too-long"
    fw.name_mistake("demo", [1, 2], [longer])


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


def _spoiled(kind, good):
    """The model answer with one generic fault: every check must say so in one line of at most 80 characters."""
    def spoiled(*args, **kwargs):
        if kind == "raise":
            raise TypeError("unsupported operand type(s) for +: 'int' and 'str', and a long message after it")
        if kind == "mutate":
            for arg in args:
                if isinstance(arg, np.ndarray) and arg.dtype.kind == "f" and arg.size:
                    arg.flat[0] += 1.0
        out = good(*args, **kwargs)
        if kind == "none":
            return None
        if kind == "list":
            return [1.0, 2.0]
        if kind in ("nan", "zeros", "times3") and not isinstance(out, (list, tuple, types.GeneratorType)):
            return {"nan": np.full(np.shape(out), np.nan), "zeros": np.zeros(np.shape(out)), "times3": 3 * out}[kind]
        return out
    return spoiled


@pytest.mark.parametrize("name", list(EXERCISES))
def test_every_exercise_states_generic_faults_in_a_first_line_of_at_most_80_characters(name, capsys):
    failures = 0
    for kind in ("none", "list", "raise", "nan", "zeros", "times3", "mutate"):
        try:
            check(name, _spoiled(kind, answer(name)))
        except CheckFailure as failure:
            failures += 1
            assert len(f"{name}: {failure.fact}") <= fw.FIRST_LINE, (kind, failure.fact)
            assert str(failure).startswith(f"{name}: {failure.fact}")
    assert failures >= 3
