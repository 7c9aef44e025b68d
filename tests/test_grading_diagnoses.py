"""The messages of a failed check: what they say about a mistake, an error, a difference.

That every declared mistake is recognised on its own example is
tests/test_grading_mistakes.py.
"""

import numpy as np
import pytest

from lossedu.grading import CheckFailed, check

def _softmax(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _not_written(y_true, y_pred):
    raise NotImplementedError()


def test_sum_instead_of_mean_message_states_the_ratio():
    with pytest.raises(CheckFailed) as failure:
        check("mse", lambda y, p: np.sum((y - p) ** 2))
    message = str(failure.value)
    assert "exactly 3 times the expected one" in message
    # y = [1, 2, 3], ŷ = [1.5, 2, 0.5]: squared errors 0.25, 0, 6.25
    assert "Expected: 2.166666667" in message and "Got:      6.5" in message


def test_exception_message_names_the_type_the_line_and_the_input():
    def mse(y_true, y_pred):
        errors = y_true - y_pred
        return np.mean(errors ** 2) / (len(errors) - len(errors))  # ZeroDivisionError? no: numpy

    def mae(y_true, y_pred):
        total = 0
        for a, b in zip(y_true, y_pred):
            total += abs(a - b)
        return total / {}["count"]

    with pytest.raises(CheckFailed) as failure:
        check("mae", mae)
    message = str(failure.value)
    assert "Your function raised KeyError: 'count'" in message
    assert 'return total / {}["count"]' in message and "line" in message
    assert "y_true = array of shape (3,): [1, 2, 3]" in message
    assert failure.value.diagnosis is None


def test_not_written_says_so():
    with pytest.raises(CheckFailed) as failure:
        check("huber", _not_written)
    assert "you have not written huber yet" in str(failure.value)
    assert "NotImplementedError" in str(failure.value)  # the stub's line, to find it


def test_keyword_argument_message_shows_the_signature():
    def huber(y_true, y_pred):
        r = np.abs(y_pred - y_true)
        return np.mean(np.where(r <= 1, 0.5 * r ** 2, r - 0.5))

    with pytest.raises(CheckFailed) as failure:
        check("huber", huber)
    assert failure.value.diagnosis == "keyword_arguments"
    assert "def huber(y_true, y_pred, *, delta=1.0):" in str(failure.value)


def test_no_diagnosis_when_nothing_matches():
    with pytest.raises(CheckFailed) as failure:
        check("mse", lambda y, p: np.mean((y - p) ** 2) + 0.1)
    message = str(failure.value)
    assert failure.value.diagnosis is None
    assert "Likely mistake" not in message
    assert "compared with rtol=1e-06, atol=1e-09" in message


def test_array_difference_is_located():
    def sigmoid(z):
        result = 1 / (1 + np.exp(-z))
        return np.where(z > 2, 0.5, result)

    with pytest.raises(CheckFailed) as failure:
        check("sigmoid", sigmoid)
    message = str(failure.value)
    assert "farthest off is at index 3" in message  # z = 2.5 in the first case


def test_the_value_shown_is_the_one_outside_its_tolerance():
    from lossedu.grading.formatting import describe_difference

    # index 0 differs more (1e-5) but is within rtol * 100 = 1e-4; index 1 is off by 1e-6,
    # a relative 1e-3, far outside its tolerance
    text = describe_difference(np.array([100.00001, 0.001001]), np.array([100.0, 0.001]),
                               rtol=1e-6, atol=1e-9)
    assert text == ("1 of 2 values differ; the farthest off is at index 1: "
                    "expected 0.001, got 0.001001")


def test_short_arrays_are_shown_whole():
    from lossedu.grading.formatting import describe

    labels = np.array([3, 3, 2, 2, 0, 1, 1, 0, 2, 3, 0, 1, 2, 2])
    assert describe(labels) == ("array of shape (14,), dtype int64: "
                                "[3, 3, 2, 2, 0, 1, 1, 0, 2, 3, 0, 1, 2, 2]")
    assert describe(np.arange(30.0)).endswith("[0, 1, 2, 3, 4, 5, 6, 7, ...]")


def test_an_extra_leading_axis_is_described_as_such():
    with pytest.raises(CheckFailed) as failure:
        check("softmax", lambda z: np.atleast_2d(_softmax(z)))
    message = str(failure.value)
    assert "shape (1, 3) but shape (3,) is expected" in message
    assert "in front" in message and ".ravel()" not in message


def test_a_bias_of_shape_one_is_told_to_be_a_single_number():
    def gradient_descent_step(X, y, w, b, learning_rate):
        residual = X @ w + b - y
        n = len(y)
        new_b = b - learning_rate * 2 / n * np.sum(residual, keepdims=True)  # shape (1,)
        return w - learning_rate * 2 / n * (X.T @ residual), new_b

    with pytest.raises(CheckFailed) as failure:
        check("gradient_descent_step", gradient_descent_step)
    assert "new_b must be a single number, but yours is an array of shape (1,)" in str(
        failure.value)


def test_every_reading_of_class_weight_is_told_the_exercises_convention():
    """Answers from another reading of "weighted mean" are told the one the exercise uses."""
    from lossedu.grading.exercises import lesson05_categorical_cross_entropy as lesson
    from tests.test_grading_mistakes import as_learner_code

    readings = {
        "weighted_mean_over_n": lesson.cce_logits_pytorch_probability_targets,
        "weight_of_argmax_class": lesson.cce_logits_weight_of_the_argmax_class,
        "whole_loss_times_row_weight": lesson.cce_logits_whole_loss_times_row_weight,
    }
    for diagnosis, function in readings.items():
        with pytest.raises(CheckFailed) as failure:
            check("categorical_cross_entropy_with_logits", as_learner_code(function))
        assert failure.value.diagnosis == diagnosis
        message = str(failure.value)
        assert "weights each class's term inside the sum" in message
        assert "-np.sum(class_weight * rows * log_p) / np.sum(rows @ class_weight)" in message
        assert "class_weight = " in message  # the failing case has class weights


def test_a_list_of_per_sample_losses_is_told_to_take_their_mean():
    def binary_cross_entropy(y_true, y_pred):
        return [float(-(y * np.log(p) + (1 - y) * np.log(1 - p)))
                for y, p in zip(y_true, np.clip(y_pred, 1e-7, 1 - 1e-7))]

    with pytest.raises(CheckFailed) as failure:
        check("binary_cross_entropy", binary_cross_entropy)
    message = str(failure.value)
    assert failure.value.diagnosis == "list_instead_of_number"
    assert "returned a Python list of 4 values, one per sample" in message
    assert "np.mean(losses)" in message
    assert "not numbers" not in message


def test_np_max_where_np_maximum_was_meant_is_named():
    with pytest.raises(CheckFailed) as failure:
        check("hinge_loss", lambda y, s: np.mean(np.max(0, 1 - y * s)))
    assert failure.value.diagnosis == "max_instead_of_maximum"
    assert "np.maximum(0, x)" in str(failure.value)


def test_np_max_with_an_axis_the_input_lacks_is_not_taken_for_np_maximum():
    def softmax(z):
        e = np.exp(z - np.max(z, axis=1, keepdims=True))
        return e / np.sum(e, axis=1, keepdims=True)

    with pytest.raises(CheckFailed) as failure:
        check("softmax", softmax)
    assert failure.value.diagnosis == "axis_out_of_range"


def test_the_gradient_of_argmax_rows_is_told_about_the_gradient():
    def categorical_cross_entropy_with_logits_grad(y_true, logits):
        labels = y_true if y_true.ndim == 1 else np.argmax(y_true, axis=1)
        return (_softmax(logits) - np.eye(logits.shape[1])[labels]) / len(labels)

    with pytest.raises(CheckFailed) as failure:
        check("categorical_cross_entropy_with_logits_grad",
              categorical_cross_entropy_with_logits_grad)
    message = str(failure.value)
    assert failure.value.diagnosis == "argmax_of_soft_targets"
    assert "your gradient is the one for each row's most likely class" in message
    assert "(softmax(z) - y_true) / n" in message
    assert "loss" not in message.split("Likely mistake")[1]


def test_values_that_agree_to_four_digits_are_shown_with_enough_digits():
    def numerical_gradient(f, x, *, h=1e-5):  # forward difference with the learner's own step
        gradient = np.zeros(np.shape(x))
        for i in range(np.size(x)):
            step = np.zeros(np.shape(x))
            step.flat[i] = h
            gradient.flat[i] = (f(x + step) - f(x)) / h
        return gradient

    with pytest.raises(CheckFailed) as failure:
        check("numerical_gradient", numerical_gradient)
    message = str(failure.value)
    assert failure.value.diagnosis == "forward_difference"
    expected = next(line for line in message.splitlines() if line.startswith("Expected: "))
    got = next(line for line in message.splitlines() if line.startswith("Got:      "))
    assert expected[len("Expected: "):] != got[len("Got:      "):]
    # f = sum(x ** 3) at x = [1, -2, 0.5]: 3x² = [3, 12, 0.75]; the forward difference adds 3x h
    assert "0.750015" in got and "0.75]" in expected
