"""The checker's guarantees: robust to what a learner's function does and returns.

Warnings, mutation, exceptions, endless loops, calls of the reference, objects
with overloaded operators, hidden-mode seeds, unknown ids, and how a passed
check shows in a notebook.
"""

import copy
import functools
import math
import numbers
import signal
import sys
import threading
import time
import warnings

import numpy as np
import pytest

import lossedu.grading.checker as checker
from lossedu import activations, metrics, regression, training
from lossedu.grading import (EXERCISES, CheckFailed, CheckResult, UnknownExerciseError, check,
                             exercise_cases)


def mse(y_true, y_pred):
    return np.mean((y_true - y_pred) ** 2)


def _inputs_recorder(store):
    def mse(y_true, y_pred):
        store.append((y_true.copy(), y_pred.copy()))
        return np.mean((y_true - y_pred) ** 2)
    return mse


# --- what a passed check shows ---------------------------------------------------

def test_result_is_one_line_in_text_and_html():
    result = check("mse", mse)
    assert isinstance(result, CheckResult)
    assert repr(result) == str(result) == "mse: 11 checks passed"
    html = result._repr_html_()
    assert "mse: 11 checks passed" in html and "color: #1a7f37" in html
    assert html.count("<div") == 1


def test_check_prints_nothing(capfd):
    check("mse", mse)
    check("mse", mse, hidden=True)
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""


def test_a_check_cell_shows_its_result_exactly_once(capfd):
    """Run check cells through IPython's own display machinery: one rich output each."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # IPython's own deprecation notices
        from IPython.core.interactiveshell import InteractiveShell
        shell = InteractiveShell.instance()
    shown = []
    shell.displayhook.write_output_prompt = lambda: None
    shell.displayhook.write_format_data = lambda data, metadata=None: shown.append(("result", data))
    shell.display_pub.publish = lambda data, metadata=None, **kwargs: shown.append(("display", data))
    cell = ("import numpy as np\n"
            "from lossedu.grading import check\n"
            "def mse(y_true, y_pred):\n"
            "    return np.mean((y_true - y_pred) ** 2)\n"
            "check('mse', mse)")
    hidden_cell = "check('mse', mse)\ncheck('mse', mse, hidden=True)"  # nbgrader's source version
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert shell.run_cell(cell, store_history=False).success
            assert shell.run_cell(hidden_cell, store_history=False).success
    finally:
        InteractiveShell.clear_instance()
    assert len(shown) == 2
    (kind, data), (hidden_kind, hidden_data) = shown
    # display data, not an execute_result: nbgrader would try to read a result as partial credit
    assert kind == hidden_kind == "display"
    assert data["text/plain"] == "mse: 11 checks passed"
    assert "mse: 11 checks passed" in data["text/html"] and "#1a7f37" in data["text/html"]
    assert hidden_data["text/plain"].startswith("mse: 19 checks passed (hidden cases, seed ")
    assert capfd.readouterr().out == ""


# --- numpy warnings ---------------------------------------------------------------

def test_numpy_warnings_in_a_correct_answer_do_not_fail_and_stay_silent(capfd):
    def binary_cross_entropy(y_true, y_pred):
        # both branches are evaluated: log(0) and 0 * inf warn where y_pred is exactly 0 or 1
        per_sample = np.where(y_true == 1, -np.log(y_pred), -np.log(1 - y_pred))
        scale = np.float64(1e308) * 10  # an overflow whose result is not used
        p = np.clip(y_pred, 1e-7, 1 - 1e-7)
        del per_sample, scale
        return -np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))

    with np.errstate(all="warn"):  # even when numpy is set to warn, nothing comes out
        assert check("binary_cross_entropy", binary_cross_entropy).passed == 14
    assert capfd.readouterr().err == ""


# --- numerical stability, where the exercise asks for it ------------------------

def _unstable(exercise_id, function):
    with pytest.raises(CheckFailed) as failure:
        check(exercise_id, function)
    assert failure.value.diagnosis == "unstable", str(failure.value)
    return str(failure.value)


def test_the_textbook_sigmoid_is_refused_for_its_overflow():
    def sigmoid(z):
        return 1 / (1 + np.exp(-z))

    message = _unstable("sigmoid", sigmoid)
    assert "logits of -1000 to 1000" in message
    assert "  z = " in message and "-1000" in message  # the input is shown
    assert "numpy reported overflow in your code, at line" in message
    assert "return 1 / (1 + np.exp(-z))" in message  # the learner's line
    assert "np.exp(-np.logaddexp(0, -z))" in message  # the stable recipe
    assert "Your result is right, but numpy reported overflow" in message


def test_the_np_where_sigmoid_is_refused_for_its_overflow():
    def sigmoid(z):
        return np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))

    message = _unstable("sigmoid", sigmoid)
    assert "evaluates both branches" in message


@pytest.mark.parametrize("form", [
    lambda z: np.exp(-np.logaddexp(0, -z)),
    lambda z: 0.5 * (1 + np.tanh(z / 2)),
    lambda z: np.where(z >= 0, 1, np.exp(-np.abs(z))) / (1 + np.exp(-np.abs(z))),
], ids=["logaddexp", "tanh", "where-on-exp-minus-abs"])
def test_stable_sigmoids_pass(form, capfd):
    def sigmoid(z):
        return form(z)

    assert check("sigmoid", sigmoid).passed == 13
    assert check("sigmoid", sigmoid, hidden=True).passed > 13
    assert capfd.readouterr().err == ""


def test_a_masked_two_branch_sigmoid_passes():
    def sigmoid(z):
        z = np.asarray(z, dtype=float)
        out = np.empty_like(z)
        positive = z >= 0
        out[positive] = 1 / (1 + np.exp(-z[positive]))
        e = np.exp(z[~positive])
        out[~positive] = e / (1 + e)
        return out

    assert check("sigmoid", sigmoid).passed == 13


def test_the_learners_own_warning_does_not_fail_a_stable_answer(capfd):
    def sigmoid(z):
        warnings.warn("debugging: sigmoid called", UserWarning)
        return np.exp(-np.logaddexp(0, -z))

    assert check("sigmoid", sigmoid).passed == 13
    assert capfd.readouterr().err == ""


def test_an_overflow_inside_lossedu_is_not_the_learners():
    from lossedu import activations

    def binary_cross_entropy_with_logits_grad(y_true, logits):
        with np.errstate(over="raise"):  # lossedu's sigmoid must not overflow
            probabilities = activations.sigmoid(logits)
        return (probabilities - y_true) / len(y_true)

    assert check("binary_cross_entropy_with_logits_grad",
                 binary_cross_entropy_with_logits_grad).passed > 0


def test_naive_stable_exercises_are_refused_and_stable_ones_pass():
    def softmax(z):
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    def log_softmax(z):
        m = z.max(axis=-1, keepdims=True)
        return z - m - np.log(np.sum(np.exp(z - m), axis=-1, keepdims=True))

    def binary_cross_entropy_with_logits(y_true, logits):
        return np.mean(y_true * np.logaddexp(0, -logits) + (1 - y_true) * np.logaddexp(0, logits))

    def binary_cross_entropy_with_logits_textbook(y_true, logits):
        p = 1 / (1 + np.exp(-logits))
        return -np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))

    assert check("softmax", softmax)
    assert check("log_softmax", log_softmax)
    assert check("binary_cross_entropy_with_logits", binary_cross_entropy_with_logits)
    with pytest.raises(CheckFailed) as failure:
        check("binary_cross_entropy_with_logits", binary_cross_entropy_with_logits_textbook)
    assert failure.value.diagnosis == "log_sigmoid_overflow"


def test_only_declared_exercises_ask_for_stability():
    from lossedu.grading.exercise import FLOATING_POINT_ERRORS

    stable = {name for name, exercise in EXERCISES.items() if exercise.stable}
    assert stable == {"sigmoid", "binary_cross_entropy_with_logits",
                      "binary_cross_entropy_with_logits_grad", "softmax", "log_softmax",
                      "categorical_cross_entropy_with_logits",
                      "categorical_cross_entropy_with_logits_grad"}
    assert all(set(EXERCISES[name].stable) <= set(FLOATING_POINT_ERRORS) for name in stable)


def test_explicit_warnings_do_not_reach_stderr(capfd):
    def binary_cross_entropy(y_true, y_pred):
        warnings.warn("a warning of the learner's own", RuntimeWarning)
        np.log(np.zeros(1))  # divide-by-zero warning, result unused
        p = np.clip(y_pred, 1e-7, 1 - 1e-7)
        return -np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))

    filters, errors = list(warnings.filters), np.geterr()
    assert check("binary_cross_entropy", binary_cross_entropy).passed == 14
    assert capfd.readouterr().err == ""
    assert warnings.filters == filters and np.geterr() == errors


def test_what_the_learner_prints_to_stderr_goes_to_stdout(capsys):
    """nbgrader zeroes a test cell with anything on stderr: a debugging print must not cost marks."""
    import sys

    def mse(y_true, y_pred):
        print("debugging mse", file=sys.stderr)
        return float(np.mean((np.asarray(y_true) - np.asarray(y_pred)) ** 2))

    assert check("mse", mse).passed == 11
    captured = capsys.readouterr()
    assert captured.err == ""
    assert "debugging mse" in captured.out


# --- hidden mode and seeds --------------------------------------------------------

def test_visible_mode_repeats_the_same_cases():
    first, second = [], []
    check("mse", _inputs_recorder(first))
    check("mse", _inputs_recorder(second))
    assert len(first) == len(second) == 11
    assert all(np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
               for a, b in zip(first, second))


def test_hidden_mode_draws_fresh_cases_every_call():
    first, second = [], []
    one = check("mse", _inputs_recorder(first), hidden=True)
    two = check("mse", _inputs_recorder(second), hidden=True)
    assert one.hidden and two.hidden and one.seed != two.seed
    assert str(one.seed) in repr(one)
    fixed = len(EXERCISES["mse"].fixed)
    assert len(first) == len(second) == fixed + EXERCISES["mse"].random_counts[1]
    random_first, random_second = first[fixed:], second[fixed:]
    assert not any(a[1].shape == b[1].shape and np.array_equal(a[1], b[1])
                   for a, b in zip(random_first, random_second))
    visible = []
    check("mse", _inputs_recorder(visible))
    assert not np.array_equal(visible[fixed][1], random_first[0][1]) or \
        visible[fixed][1].shape != random_first[0][1].shape


def test_hidden_failure_reports_the_seed_and_repeats_with_it():
    def fails_on_long_inputs(y_true, y_pred):
        value = np.mean((y_true - y_pred) ** 2)
        return value if np.size(y_true) < 9 else value + 1.0

    failure = None
    for _ in range(20):  # a hidden draw almost surely contains a long input
        try:
            check("mse", fails_on_long_inputs, hidden=True)
        except CheckFailed as error:
            failure = error
            break
    assert failure is not None, "no hidden draw had an input of 9 or more values"
    message = str(failure)
    assert failure.hidden and f"seed {failure.seed}" in message
    assert "hidden=True" not in message        # feedback does not show how hidden tests run
    with pytest.raises(CheckFailed) as again:
        check("mse", fails_on_long_inputs, hidden=True, seed=failure.seed)
    assert str(again.value) == message
    seed, cases = exercise_cases("mse", hidden=True, seed=failure.seed)
    assert seed == failure.seed and len(cases) == 19


@pytest.mark.parametrize("seed", [-1, 1.5, True, "7"])
def test_bad_seed_is_refused(seed):
    with pytest.raises(TypeError, match="seed"):
        check("mse", mse, seed=seed)


# --- inputs are copies -----------------------------------------------------------

def test_mutation_is_reported_and_not_suffered():
    before = copy.deepcopy([case.args for case in EXERCISES["mse"].fixed])

    def mse_in_place(y_true, y_pred):
        y_pred -= y_true
        y_pred **= 2
        return np.mean(y_pred)

    with pytest.raises(CheckFailed) as failure:
        check("mse", mse_in_place)
    assert failure.value.diagnosis == "mutated_input"
    message = str(failure.value)
    assert "changed its input y_pred in place" in message
    assert "Your result is right, but your function changed its inputs." in message
    after = [case.args for case in EXERCISES["mse"].fixed]
    assert all(np.array_equal(a, b) for old, new in zip(before, after) for a, b in zip(old, new))
    assert check("mse", mse).passed == 11


def test_a_helper_that_changes_its_input_is_named():
    def softmax(z):
        z -= z.max(axis=-1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=-1, keepdims=True)

    def categorical_cross_entropy_with_logits(y_true, logits, class_weight=None):
        print("computing the loss")  # shown once, not again when the check looks for the writer
        rows = np.eye(logits.shape[1])[y_true] if y_true.ndim == 1 else y_true
        return float(np.mean(-np.sum(rows * np.log(softmax(logits)), axis=1)))

    with pytest.raises(CheckFailed) as failure:
        check("categorical_cross_entropy_with_logits", categorical_cross_entropy_with_logits)
    assert failure.value.diagnosis == "mutated_input"
    message = str(failure.value)
    assert "your softmax, which categorical_cross_entropy_with_logits calls, changed its " \
        "argument z (your categorical_cross_entropy_with_logits's logits) in place" in message
    assert "Your result is right, but your helper softmax changed" in message
    assert "categorical_cross_entropy_with_logits changed its input" not in message


def test_a_function_that_changes_its_own_input_is_not_told_of_a_helper(capsys):
    def shift(z):
        return z - z.max(axis=-1, keepdims=True)

    def log_softmax(z):
        print("log_softmax")
        z -= 0.0  # harmless
        z[...] = shift(z)  # writes into the caller's array itself
        return z - np.log(np.sum(np.exp(z), axis=-1, keepdims=True))

    with pytest.raises(CheckFailed) as failure:
        check("log_softmax", log_softmax)
    message = str(failure.value)
    assert "log_softmax changed its input z in place" in message
    assert "helper" not in message and "shift" not in message
    assert capsys.readouterr().out.count("log_softmax\n") == 1


def test_a_comprehension_that_changes_the_input_is_the_function_itself():
    def wasserstein_1d(u_values, v_values):
        [values.sort() for values in (u_values, v_values)]
        return float(np.mean(np.abs(u_values - v_values)))

    with pytest.raises(CheckFailed) as failure:
        check("wasserstein_1d", wasserstein_1d)
    message = str(failure.value)
    assert "wasserstein_1d changed its input u_values and v_values in place" in message
    assert "helper" not in message and "listcomp" not in message


def test_a_list_argument_is_copied_too():
    seen = []

    def one_hot(labels, num_classes):
        seen.append(labels)
        return np.eye(num_classes)[labels]

    check("one_hot", one_hot)
    assert all(a is not b for a, b in zip(seen, [case.args[0] for case in EXERCISES["one_hot"].fixed]))


# --- the reference may not be called ---------------------------------------------

def _refused(exercise_id, function):
    with pytest.raises(CheckFailed) as failure:
        check(exercise_id, function)
    assert failure.value.diagnosis == "reference_called"
    assert "calls lossedu's" in str(failure.value)
    return str(failure.value)


def test_the_reference_itself_is_refused():
    for exercise_id in ("mse", "sigmoid", "binary_cross_entropy", "numerical_gradient", "cost"):
        _refused(exercise_id, EXERCISES[exercise_id].reference)


def test_a_wrapper_around_the_reference_is_refused_whatever_its_name():
    from lossedu.regression import mse as mean_of_squares

    def mse(y_true, y_pred):
        return mean_of_squares(y_true, y_pred)

    assert "regression" not in _refused("mse", mse)  # never shows the reference's code
    _refused("mse", lambda y, p: regression.mse(p, y))
    _refused("mse", functools.partial(regression.mse, reduction="mean"))
    _refused("softmax", lambda z: activations.softmax(z, axis=-1))
    _refused("mse", lambda y, p: training.cost(y, p))  # the same computation under another name


def test_lossedu_functions_that_compute_the_same_thing_are_refused():
    from lossedu import gradcheck, penalties

    assert "lossedu's own mse" in _refused("mse", regression.mse)
    assert "lossedu's huber, which computes" in _refused(
        "mse", lambda y, p: 2 * regression.huber(y, p, delta=1e300))
    _refused("mse", lambda y, p: training.regularized_cost(y, p, [0.0], strength=0.0))
    _refused("softmax", lambda z: np.exp(activations.log_softmax(z)))
    _refused("sigmoid", lambda z: np.exp(activations.log_sigmoid(z)))
    _refused("mse_grad", lambda y, p: gradcheck.numerical_gradient(
        lambda q: float(np.mean((y - q) ** 2)), p))
    _refused("mse_grad", lambda y, p: 2 * regression.huber_grad(y, p, delta=1e300))
    _refused("f1_score", lambda y, p: 2 / (1 / metrics.precision(y, p) + 1 / metrics.recall(y, p)))
    _refused("regularized_cost", lambda y, p, w, strength: float(
        np.mean((y - p) ** 2)) + penalties.l2_penalty(w, strength=strength))


def test_reading_the_expected_value_from_the_checker_is_impossible():
    def mse(y_true, y_pred):
        frame = sys._getframe(1)
        while frame is not None:
            if "expected" in frame.f_locals and frame.f_locals["expected"] is not None:
                return frame.f_locals["expected"]
            attempt = frame.f_locals.get("attempt")
            if attempt is not None and getattr(attempt, "expected", None) is not None:
                return attempt.expected
            frame = frame.f_back
        return 0.0

    with pytest.raises(CheckFailed):
        check("mse", mse)
    with pytest.raises(CheckFailed):
        check("mse", mse, hidden=True)


def test_switching_off_the_profiler_is_refused():
    def mse(y_true, y_pred):
        sys.setprofile(None)
        return regression.mse(y_true, y_pred)

    with pytest.raises(CheckFailed) as failure:
        check("mse", mse)
    assert failure.value.diagnosis == "reference_called"
    assert "sys.setprofile" in str(failure.value)
    assert sys.getprofile() is None


def test_the_reference_called_in_a_thread_is_refused():
    def mse(y_true, y_pred):
        result = []
        worker = threading.Thread(target=lambda: result.append(regression.mse(y_true, y_pred)))
        worker.start()
        worker.join()
        return result[0]

    _refused("mse", mse)
    assert threading.getprofile() is None


def test_sys_exit_in_the_learners_function_is_reported_not_suffered():
    def mse(y_true, y_pred):
        sys.exit(0)

    with pytest.raises(CheckFailed) as failure:
        check("mse", mse)
    assert "SystemExit" in str(failure.value)


def test_a_lazy_result_that_calls_the_reference_later_is_refused():
    class Lazy(numbers.Real):
        def __init__(self, y, p):
            self.args = (y, p)

        def __float__(self):
            return regression.mse(*self.args)

    for name in ("__abs__", "__add__", "__ceil__", "__eq__", "__floor__", "__floordiv__",
                 "__le__", "__lt__", "__mod__", "__mul__", "__neg__", "__pos__", "__pow__",
                 "__radd__", "__rfloordiv__", "__rmod__", "__rmul__", "__round__", "__rpow__",
                 "__rtruediv__", "__truediv__", "__trunc__", "__hash__"):
        setattr(Lazy, name, lambda self, *a: 0)
    Lazy.__abstractmethods__ = frozenset()
    _refused("mse", lambda y, p: Lazy(y, p))


def test_other_lossedu_functions_are_allowed():
    def binary_cross_entropy_with_logits_grad(y_true, logits):
        return (activations.sigmoid(logits) - y_true) / len(y_true)

    def categorical_cross_entropy_with_logits(y_true, logits, class_weight=None):
        rows = activations.one_hot(y_true, logits.shape[1]) if y_true.ndim == 1 else y_true
        weight = np.ones(logits.shape[1]) if class_weight is None else class_weight
        log_probabilities = activations.log_softmax(logits)
        return -np.sum(weight * rows * log_probabilities) / np.sum(rows @ weight)

    assert check("binary_cross_entropy_with_logits_grad", binary_cross_entropy_with_logits_grad)
    assert check("categorical_cross_entropy_with_logits", categorical_cross_entropy_with_logits)


def test_profile_hook_is_restored():
    calls = []

    def profiler(frame, event, arg):
        calls.append(event)

    sys.setprofile(profiler)
    try:
        check("mse", mse)
        assert sys.getprofile() is profiler
    finally:
        sys.setprofile(None)
    with pytest.raises(CheckFailed):
        check("mse", regression.mse)
    assert sys.getprofile() is None


# --- endless loops ----------------------------------------------------------------

def test_a_slow_function_is_stopped(monkeypatch):
    monkeypatch.setattr(checker, "TIME_LIMIT", 0.2)
    handler = signal.getsignal(signal.SIGALRM)

    def mse_forever(y_true, y_pred):
        total = 0.0
        while True:
            try:
                total += 1.0
            except Exception:  # cannot swallow the time limit
                pass

    started = time.monotonic()
    with pytest.raises(CheckFailed) as failure:
        check("mse", mse_forever)
    assert time.monotonic() - started < 2.0
    assert failure.value.diagnosis == "time_limit" and failure.value.case_index == 1
    message = str(failure.value)
    assert "mse: check 1 of 11 was stopped after 0.2 seconds" in message
    assert "y_true = array of shape (3,): [1, 2, 3]" in message
    assert signal.getsignal(signal.SIGALRM) is handler
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert sys.getprofile() is None


def test_an_outer_timer_is_given_back(monkeypatch):
    monkeypatch.setattr(checker, "TIME_LIMIT", 0.2)
    fired = []
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: fired.append(signum))
    signal.setitimer(signal.ITIMER_REAL, 30.0)
    filters, errors = list(warnings.filters), np.geterr()
    try:
        with pytest.raises(CheckFailed):
            check("mse", lambda y, p: time.sleep(30))
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 25.0 < remaining <= 30.0
        assert signal.getsignal(signal.SIGALRM) is not checker._on_alarm
        assert warnings.filters == filters and np.geterr() == errors
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert fired == []


def test_a_sleeping_function_is_stopped(monkeypatch):
    monkeypatch.setattr(checker, "TIME_LIMIT", 0.2)

    def mse_asleep(y_true, y_pred):
        time.sleep(30)

    with pytest.raises(CheckFailed) as failure:
        check("mse", mse_asleep)
    assert failure.value.diagnosis == "time_limit"


def test_check_works_outside_the_main_thread():
    results = []
    thread = threading.Thread(target=lambda: results.append(check("mse", mse)))
    thread.start()
    thread.join()
    assert repr(results[0]) == "mse: 11 checks passed"


# --- what comes back --------------------------------------------------------------

class Anything:
    """Claims to equal everything and to be at distance 0 from everything."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __sub__(self, other):
        return 0.0

    __rsub__ = __sub__

    def __abs__(self):
        return 0.0

    def __lt__(self, other):
        return True

    __le__ = __lt__

    def __float__(self):
        return 0.0

    def __array__(self, dtype=None, copy=None):
        return np.zeros(3)


class LyingFloat(float):
    def __eq__(self, other):
        return True

    def __sub__(self, other):
        return 0.0

    __rsub__ = __sub__

    def __float__(self):
        return 1.4166666666666667  # the right answer of the first case, always

    def __abs__(self):
        return 0.0


class LyingArray(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(other), dtype=bool)

    def __sub__(self, other):
        return np.zeros(np.shape(other))

    def __array__(self, dtype=None, copy=None):
        return np.full(self.shape, 0.5)


@pytest.mark.parametrize("exercise_id,function,diagnosis", [
    ("mse", lambda y, p: Anything(), "not_numbers"),
    ("sigmoid", lambda z: [Anything()] * np.size(z), "wrong_shape"),  # read via __array__: zeros
    ("mse", lambda y, p: LyingFloat(7.0), None),
    ("sigmoid", lambda z: np.zeros(np.shape(z)).view(LyingArray), None),
    ("mse", lambda y, p: True, "not_numbers"),
    ("mse", lambda y, p: np.array("0.5"), "not_numbers"),
    ("mse", lambda y, p: complex(np.mean((y - p) ** 2)), "not_numbers"),
    ("gradient_descent_step", lambda X, y, w, b, lr: [w, b], "not_numbers"),
    ("gradient_descent_step", lambda X, y, w, b, lr: (w,), "not_numbers"),
])
def test_objects_with_tricks_do_not_pass(exercise_id, function, diagnosis):
    with pytest.raises(CheckFailed) as failure:
        check(exercise_id, function)
    assert failure.value.diagnosis == diagnosis
    if diagnosis == "not_numbers":
        assert "Your function returned" in str(failure.value)


def test_a_float_subclass_with_the_right_value_passes():
    """What counts is the stored value, read without the subclass's own methods."""
    class Tagged(float):
        pass

    assert check("mse", lambda y, p: Tagged(np.mean((y - p) ** 2)))


@pytest.mark.parametrize("convert", [float, np.float64, np.array, lambda v: np.float32(v) * 0 + v],
                         ids=["float", "float64", "0-d array", "expression"])
def test_every_kind_of_number_is_accepted(convert):
    assert check("mse", lambda y, p: convert(np.mean((y - p) ** 2))).passed == 11


def test_integer_output_accepts_numpy_integers_and_refuses_booleans():
    assert check("steps_to_accuracy", lambda h, t: np.int64(
        np.flatnonzero(np.asarray(h) >= t)[0]) if np.any(np.asarray(h) >= t) else -1)
    with pytest.raises(CheckFailed):
        check("steps_to_accuracy", lambda h, t: bool(np.any(np.asarray(h) >= t)))


def test_not_a_function_is_refused():
    with pytest.raises(TypeError, match=r"check\('mse', mse\)"):
        check("mse", 0.5)


def test_messages_never_show_the_reference_code():
    import inspect
    source = inspect.getsource(inspect.unwrap(regression.huber))
    lines = {line.strip() for line in source.splitlines() if len(line.strip()) > 25}
    for function in (lambda y, p, delta=1.0: np.sum((p - y) ** 2),
                     lambda y, p, delta=1.0: 1 / 0,
                     lambda y, p, delta=1.0: None):
        with pytest.raises(CheckFailed) as failure:
            check("huber", function)
        assert not any(line in str(failure.value) for line in lines)


# --- unknown exercises -------------------------------------------------------------

def test_unknown_exercise_lists_the_valid_ids():
    with pytest.raises(UnknownExerciseError) as failure:
        check("mse_gard", mse)
    assert isinstance(failure.value, KeyError)
    message = str(failure.value)
    assert "there is no exercise 'mse_gard'. Did you mean 'mse_grad'?" in message
    assert all(exercise_id in message for exercise_id in EXERCISES)
    with pytest.raises(KeyError):
        check(None, mse)


# --- the functions given to numerical_gradient -------------------------------------

def test_scalar_functions_declare_their_exact_gradients():
    """Expected values from outside the reference: the exact gradient formulas."""
    _, cases = exercise_cases("numerical_gradient", seed=11)
    for case in cases:
        f, x = case.args
        exact = f.gradient(np.asarray(x, dtype=float))
        h = case.kwargs.get("h", 1e-6)
        numeric = np.zeros_like(exact)
        for index in np.ndindex(exact.shape):
            step = np.zeros_like(exact)
            step[index] = 1e-5
            numeric[index] = (f(x + step) - f(x - step)) / 2e-5
        np.testing.assert_allclose(numeric, exact, rtol=1e-6, atol=1e-6)
        assert math.isfinite(f(x)) and h > 0


def test_an_id_in_the_wrong_case_gets_a_suggestion():
    with pytest.raises(UnknownExerciseError) as failure:
        check("MSE", mse)
    assert "Did you mean 'mse'?" in str(failure.value)
