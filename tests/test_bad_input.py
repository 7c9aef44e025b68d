"""Bad input to the activations and to every loss, and the contract they all keep.

Every refusal is a ValueError or TypeError whose message names the argument,
says what was expected and shows what came.  One test per rule, each run on
every function the rule applies to.  The last section checks the shared
contract (signature, return types and shapes) on every loss at once.
"""

import inspect
import re

import numpy as np
import pytest

from lossedu.activations import log_sigmoid, log_softmax, logsumexp, one_hot, sigmoid, softmax
from lossedu.classification import (
    binary_cross_entropy,
    binary_cross_entropy_grad,
    binary_cross_entropy_with_logits,
    binary_cross_entropy_with_logits_grad,
    categorical_cross_entropy,
    categorical_cross_entropy_grad,
    categorical_cross_entropy_with_logits,
    categorical_cross_entropy_with_logits_grad,
)
from lossedu import (
    dice_loss,
    dice_loss_grad,
    focal_loss,
    focal_loss_grad,
    hinge_loss,
    hinge_loss_grad,
    multiclass_hinge_loss,
    multiclass_hinge_loss_grad,
)
from lossedu.regression import (
    huber,
    huber_grad,
    log_cosh,
    log_cosh_grad,
    mae,
    mae_grad,
    mse,
    mse_grad,
)

REGRESSION = [mse, mse_grad, mae, mae_grad, huber, huber_grad, log_cosh, log_cosh_grad]
BINARY_PROBABILITY = [binary_cross_entropy, binary_cross_entropy_grad]
BINARY_LOGITS = [binary_cross_entropy_with_logits, binary_cross_entropy_with_logits_grad]
CATEGORICAL_PROBABILITY = [categorical_cross_entropy, categorical_cross_entropy_grad]
CATEGORICAL_LOGITS = [categorical_cross_entropy_with_logits,
                      categorical_cross_entropy_with_logits_grad]
CATEGORICAL = CATEGORICAL_PROBABILITY + CATEGORICAL_LOGITS
FOCAL = [focal_loss, focal_loss_grad]
DICE = [dice_loss, dice_loss_grad]
HINGE = [hinge_loss, hinge_loss_grad]
MULTICLASS_HINGE = [multiclass_hinge_loss, multiclass_hinge_loss_grad]
CUSTOM = FOCAL + DICE + HINGE + MULTICLASS_HINGE
ACTIVATIONS = [sigmoid, log_sigmoid, softmax, log_softmax, logsumexp]

# A valid (y_true, prediction) pair for each family; the tests spoil one part.
VALID = {}
for function in REGRESSION:
    VALID[function] = (np.array([1.0, 2.0, 3.0]), np.array([1.5, 2.0, 2.0]))
for function in BINARY_PROBABILITY:
    VALID[function] = (np.array([1.0, 0.0, 1.0]), np.array([0.9, 0.2, 0.6]))
for function in BINARY_LOGITS:
    VALID[function] = (np.array([1.0, 0.0, 1.0]), np.array([2.0, -1.0, 0.5]))
for function in CATEGORICAL_PROBABILITY:
    VALID[function] = (np.array([0, 2, 1]), np.full((3, 3), 1 / 3))
for function in CATEGORICAL_LOGITS:
    VALID[function] = (np.array([0, 2, 1]), np.array([[1.0, 2.0, 3.0]] * 3))
for function in FOCAL:
    VALID[function] = (np.array([1.0, 0.0, 1.0]), np.array([2.0, -1.0, 0.5]))
for function in DICE:  # three masks of two pixels
    VALID[function] = (np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]),
                       np.array([[0.9, 0.2], [0.4, 0.6], [0.7, 0.8]]))
for function in HINGE:
    VALID[function] = (np.array([1.0, -1.0, 1.0]), np.array([2.0, -1.0, 0.5]))
for function in MULTICLASS_HINGE:
    VALID[function] = (np.array([0, 2, 1]), np.array([[1.0, 2.0, 3.0]] * 3))

LOSSES = REGRESSION + BINARY_PROBABILITY + BINARY_LOGITS + CATEGORICAL + CUSTOM
# Losses whose y_true and prediction have the same shape (never broadcast).
SAME_SHAPE = REGRESSION + BINARY_PROBABILITY + BINARY_LOGITS + FOCAL + DICE + HINGE


def prediction_name(function):
    return "logits" if function in BINARY_LOGITS + CATEGORICAL_LOGITS + FOCAL else "y_pred"


def names(functions):
    return [f.__name__ for f in functions]


def raises(exception, *fragments):
    """pytest.raises whose message must contain every fragment (literally)."""
    return pytest.raises(exception, match="(?s)" + "".join(
        f"(?=.*{re.escape(fragment)})" for fragment in fragments))


# ----------------------------------------------------------------------------
# Shapes
# ----------------------------------------------------------------------------

@pytest.mark.parametrize("function", SAME_SHAPE, ids=names(SAME_SHAPE))
def test_column_against_vector_is_refused_not_broadcast(function):
    y_true, prediction = VALID[function]
    if function in DICE:  # one mask per row: take one pixel of each
        y_true, prediction = y_true[:, 0], prediction[:, 0]
    column = y_true.reshape(-1, 1)
    name = prediction_name(function)
    # (n, 1) against (n,) would broadcast to (n, n): refused, and the message says why
    with raises(ValueError, "y_true has shape (3, 1)", f"{name} has shape (3,)", "broadcast"):
        function(column, prediction)
    with raises(ValueError, "y_true has shape (3,)", f"{name} has shape (3, 1)", "broadcast"):
        function(y_true, prediction.reshape(-1, 1))
    with raises(ValueError, "y_true", name, "(3,)", "(2,)"):
        function(y_true[:2], prediction)


@pytest.mark.parametrize("function", CATEGORICAL, ids=names(CATEGORICAL))
def test_categorical_target_shapes_must_fit_the_predictions(function):
    y_true, prediction = VALID[function]
    name = prediction_name(function)
    with raises(ValueError, "y_true has shape (2,)", f"{name} has shape (3, 3)",
                "integer labels of shape (3,)"):
        function(y_true[:2], prediction)
    with raises(ValueError, "y_true has shape (3, 2)", "probability rows of shape (3, 3)"):
        function(np.eye(3)[:, :2], prediction)
    with raises(ValueError, "y_true has shape (3, 1, 1)"):
        function(y_true.reshape(3, 1, 1), prediction)


@pytest.mark.parametrize("function", LOSSES, ids=names(LOSSES))
def test_too_many_dimensions_are_refused(function):
    y_true, prediction = VALID[function]
    name = prediction_name(function)
    if prediction.ndim == 2:
        prediction = prediction[:, 0]
    with raises(ValueError, name, "shape (1, 3, 1)"):
        function(y_true, prediction.reshape(1, -1, 1))


# ----------------------------------------------------------------------------
# Values
# ----------------------------------------------------------------------------

@pytest.mark.parametrize("function", BINARY_PROBABILITY + CATEGORICAL_PROBABILITY,
                         ids=names(BINARY_PROBABILITY + CATEGORICAL_PROBABILITY))
@pytest.mark.parametrize("bad", [1.5, -0.25])
def test_predicted_probabilities_outside_0_1_are_refused(function, bad):
    y_true, prediction = VALID[function]
    prediction = prediction.copy()
    if prediction.ndim == 1:
        prediction[1] = bad
    else:
        prediction[1] = [bad, 0.5 - bad / 2, 0.5 - bad / 2]  # still sums to 1
    with raises(ValueError, "y_pred", "[0, 1]", repr(bad), "logits"):
        function(y_true, prediction)


@pytest.mark.parametrize("function", BINARY_PROBABILITY + BINARY_LOGITS,
                         ids=names(BINARY_PROBABILITY + BINARY_LOGITS))
def test_binary_targets_outside_0_1_are_refused(function):
    _, prediction = VALID[function]
    with raises(ValueError, "y_true", "[0, 1]", "e.g. 2.0"):
        function([1.0, 2.0, 0.0], prediction)
    with raises(ValueError, "y_true", "-1.0", "(y_true + 1) / 2"):
        function([1.0, -1.0, 1.0], prediction)


@pytest.mark.parametrize("function", CATEGORICAL + [one_hot], ids=names(CATEGORICAL + [one_hot]))
@pytest.mark.parametrize("bad", [3, -1])
def test_labels_outside_the_classes_are_refused(function, bad):
    if function is one_hot:
        with raises(ValueError, "labels", "0..2", str(bad)):
            one_hot([0, bad], 3)
        return
    _, prediction = VALID[function]
    with raises(ValueError, "y_true", "0..2", "3 classes", str(bad)):
        function([0, bad, 1], prediction)


@pytest.mark.parametrize("function", CATEGORICAL + [one_hot], ids=names(CATEGORICAL + [one_hot]))
def test_non_integer_labels_are_refused(function):
    if function is one_hot:
        with raises(ValueError, "labels", "integer", "1.5"):
            one_hot([0, 1.5], 3)
        return
    _, prediction = VALID[function]
    with raises(ValueError, "y_true", "integer", "1.5"):
        function([0, 1.5, 1], prediction)


@pytest.mark.parametrize("function", CATEGORICAL, ids=names(CATEGORICAL))
def test_target_rows_must_be_probabilities_summing_to_1(function):
    _, prediction = VALID[function]
    with raises(ValueError, "y_true", "sum to 1", "row 1", "1.5"):
        function([[1, 0, 0], [1, 0.5, 0], [0, 0, 1]], prediction)
    with raises(ValueError, "y_true", "[0, 1]", "2 value(s)", "e.g. 1.5"):
        function([[1, 0, 0], [1.5, -0.5, 0], [0, 0, 1]], prediction)


@pytest.mark.parametrize("function", CATEGORICAL, ids=names(CATEGORICAL))
def test_labels_of_several_samples_against_one_row_say_what_shape_is_needed(function):
    _, prediction = VALID[function]
    with raises(ValueError, "y_true", "integer labels of n samples",
                f"{prediction_name(function)} of shape (n, C)"):
        function([0, 2, 1], prediction[0])


@pytest.mark.parametrize("function", CATEGORICAL_PROBABILITY, ids=names(CATEGORICAL_PROBABILITY))
def test_predicted_rows_must_sum_to_1(function):
    y_true, _ = VALID[function]
    with raises(ValueError, "y_pred", "sum to 1", "row 2", "0.6", "softmax"):
        function(y_true, [[0.5, 0.5, 0.0], [0.2, 0.3, 0.5], [0.2, 0.2, 0.2]])


# ----------------------------------------------------------------------------
# Empty, NaN, infinite, wrong types
# ----------------------------------------------------------------------------

@pytest.mark.parametrize("function", LOSSES, ids=names(LOSSES))
def test_empty_arrays_are_refused(function):
    name = prediction_name(function)
    two_d = function in CATEGORICAL + MULTICLASS_HINGE
    prediction = np.zeros((0, 3)) if two_d else np.zeros(0)
    with raises(ValueError, name, "empty", "at least one value"):
        function(np.zeros(0), prediction)


@pytest.mark.parametrize("function", [softmax, log_softmax, logsumexp],
                         ids=names([softmax, log_softmax, logsumexp]))
def test_empty_logits_are_refused(function):
    with raises(ValueError, "z", "empty"):
        function(np.zeros((0,)))


@pytest.mark.parametrize("function", LOSSES, ids=names(LOSSES))
def test_nan_is_refused_in_every_argument(function):
    y_true, prediction = VALID[function]
    name = prediction_name(function)
    bad_prediction = prediction.copy()
    bad_prediction.flat[1] = np.nan
    with raises(ValueError, name, "NaN", "1 of"):
        function(y_true, bad_prediction)
    bad_true = y_true.astype(float)
    bad_true.flat[0] = np.nan
    with raises(ValueError, "y_true", "NaN"):
        function(bad_true, prediction)
    with raises(ValueError, "sample_weight", "NaN"):
        function(y_true, prediction, sample_weight=[1.0, np.nan, 1.0])


@pytest.mark.parametrize("function", ACTIVATIONS, ids=names(ACTIVATIONS))
def test_nan_and_infinity_are_refused_by_activations(function):
    with raises(ValueError, "z", "NaN"):
        function([0.0, np.nan])
    with raises(ValueError, "z", "infinite"):
        function([0.0, np.inf])


@pytest.mark.parametrize("function", LOSSES, ids=names(LOSSES))
def test_infinite_values_are_refused(function):
    y_true, prediction = VALID[function]
    bad_prediction = prediction.copy()
    bad_prediction.flat[0] = -np.inf
    with raises(ValueError, prediction_name(function), "infinite", "finite"):
        function(y_true, bad_prediction)


@pytest.mark.parametrize("function", LOSSES + ACTIVATIONS, ids=names(LOSSES + ACTIVATIONS))
@pytest.mark.parametrize("bad", ["0.5", None, {"a": 1}, [1 + 2j]], ids=["str", "None", "dict",
                                                                       "complex"])
def test_non_numbers_are_refused_with_a_type_error(function, bad):
    if function in ACTIVATIONS:
        with raises(TypeError, "z"):
            function(bad)
        return
    y_true, prediction = VALID[function]
    with raises(TypeError, prediction_name(function)):
        function(y_true, bad)
    with raises(TypeError, "y_true"):
        function(bad, prediction)


def test_ragged_lists_are_refused_with_a_type_error():
    with raises(TypeError, "y_pred", "regular shape"):
        mse([1.0, 2.0], [[1.0], [1.0, 2.0]])


# ----------------------------------------------------------------------------
# reduction, sample_weight, hyperparameters
# ----------------------------------------------------------------------------

@pytest.mark.parametrize("function", LOSSES, ids=names(LOSSES))
@pytest.mark.parametrize("bad", ["avg", "Mean", None, 1])
def test_unknown_reduction_is_refused(function, bad):
    y_true, prediction = VALID[function]
    with raises(ValueError, "reduction", "'mean', 'sum' or 'none'", repr(bad)):
        function(y_true, prediction, reduction=bad)


@pytest.mark.parametrize("function", LOSSES, ids=names(LOSSES))
def test_bad_sample_weight_is_refused(function):
    y_true, prediction = VALID[function]
    with raises(ValueError, "sample_weight", "shape (3,)", "(2,)"):
        function(y_true, prediction, sample_weight=[1.0, 2.0])
    with raises(ValueError, "sample_weight", ">= 0", "-1.0"):
        function(y_true, prediction, sample_weight=[1.0, -1.0, 1.0])
    with raises(ValueError, "sample_weight", "sums to 0"):
        function(y_true, prediction, sample_weight=[0.0, 0.0, 0.0])


@pytest.mark.parametrize("function", LOSSES, ids=names(LOSSES))
@pytest.mark.parametrize("scale", [1e300, 4e307, 1e-300, 5e-324])
def test_weighted_mean_does_not_depend_on_the_scale_of_the_weights(function, scale):
    # sum(w l) / sum(w) is unchanged when every weight is multiplied by the same
    # number; weights 1 : 2 : 4 stay exact multiples of the scale, even 5e-324.
    # (w l overflows for 4e307, loses its digits for 5e-324, sum(w) overflows...)
    y_true, prediction = VALID[function]
    reference = function(y_true, prediction, sample_weight=[1.0, 2.0, 4.0])
    scaled = function(y_true, prediction, sample_weight=np.array([1.0, 2.0, 4.0]) * scale)
    np.testing.assert_allclose(scaled, reference, rtol=1e-13, atol=1e-300)


@pytest.mark.parametrize("function", LOSSES, ids=names(LOSSES))
def test_weighted_sum_multiplies_by_the_weights(function):
    y_true, prediction = VALID[function]
    reference = function(y_true, prediction, reduction="sum")
    scaled = function(y_true, prediction, sample_weight=[1e300] * 3, reduction="sum")
    np.testing.assert_allclose(scaled, np.multiply(reference, 1e300), rtol=1e-13, atol=1e-300)


@pytest.mark.parametrize("function", [huber, huber_grad], ids=names([huber, huber_grad]))
def test_bad_delta_is_refused(function):
    for bad in (0.0, -1.0, np.inf):
        with raises(ValueError, "delta", "> 0", repr(float(bad))):
            function([1.0], [2.0], delta=bad)
    with raises(TypeError, "delta", "number", "str"):
        function([1.0], [2.0], delta="1")


@pytest.mark.parametrize("function", BINARY_PROBABILITY + CATEGORICAL_PROBABILITY,
                         ids=names(BINARY_PROBABILITY + CATEGORICAL_PROBABILITY))
def test_bad_eps_is_refused(function):
    y_true, prediction = VALID[function]
    for bad in (0.0, 0.5, -1e-7):
        with raises(ValueError, "eps", "(0, 0.5)", repr(bad)):
            function(y_true, prediction, eps=bad)
    with raises(TypeError, "eps", "number"):
        function(y_true, prediction, eps=None)


@pytest.mark.parametrize("function", BINARY_LOGITS, ids=names(BINARY_LOGITS))
def test_bad_pos_weight_is_refused(function):
    y_true, logits = VALID[function]
    with raises(ValueError, "pos_weight", ">= 0", "-2.0"):
        function(y_true, logits, pos_weight=-2.0)
    with raises(TypeError, "pos_weight", "number"):
        function(y_true, logits, pos_weight=[2.0, 1.0])


@pytest.mark.parametrize("function", CATEGORICAL_LOGITS, ids=names(CATEGORICAL_LOGITS))
def test_bad_class_weight_and_label_smoothing_are_refused(function):
    y_true, logits = VALID[function]
    with raises(ValueError, "class_weight", "shape (3,)", "(2,)"):
        function(y_true, logits, class_weight=[1.0, 2.0])
    with raises(ValueError, "class_weight", ">= 0", "got -1.0"):
        function(y_true, logits, class_weight=[1.0, -1.0, 1.0])
    with raises(ValueError, "class_weight", "sum to 0"):
        function([1, 1, 1], logits, class_weight=[1.0, 0.0, 1.0])
    with raises(ValueError, "label_smoothing", "[0, 1]", "1.5"):
        function(y_true, logits, label_smoothing=1.5)
    with raises(ValueError, "label_smoothing", ">= 0", "-0.1"):
        function(y_true, logits, label_smoothing=-0.1)


@pytest.mark.parametrize("function", LOSSES, ids=names(LOSSES))
def test_hyperparameters_are_keyword_only(function):
    y_true, prediction = VALID[function]
    with raises(TypeError, "positional"):
        function(y_true, prediction, 0.5)


# ----------------------------------------------------------------------------
# Activations: axis, scalars, one_hot arguments
# ----------------------------------------------------------------------------

@pytest.mark.parametrize("function", [softmax, log_softmax, logsumexp],
                         ids=names([softmax, log_softmax, logsumexp]))
def test_bad_axis_is_refused(function):
    with raises(ValueError, "axis 2", "z", "(2, 3)"):
        function(np.zeros((2, 3)), axis=2)
    with raises(TypeError, "axis", "int"):
        function(np.zeros((2, 3)), axis=1.0)
    with raises(ValueError, "z", "at least one dimension", "scalar"):
        function(1.0)


def test_labels_beyond_the_int64_range_are_named_not_wrapped():
    # 1e20 has no int64 value: casting it gives -9223372036854775808 and a warning
    with raises(ValueError, "labels", "0..2", "10000000000000000000"):
        one_hot([1e19], 3)
    for function in CATEGORICAL + MULTICLASS_HINGE:
        y_true, prediction = VALID[function]
        with raises(ValueError, "y_true", "100000000000000000000"):
            function([0.0, 1e20, 1.0], prediction)
        with raises(ValueError, "y_true", "-100000000000000000000"):
            function([0.0, -1e20, 1.0], prediction)


@pytest.mark.parametrize("function", LOSSES, ids=names(LOSSES))
def test_masked_arrays_are_refused_not_silently_unmasked(function):
    y_true, prediction = VALID[function]
    masked_prediction = np.ma.masked_array(prediction, mask=np.zeros(prediction.shape, bool))
    masked_prediction.mask.flat[0] = True
    name = prediction_name(function)
    with raises(TypeError, name, "masked array", "compressed()"):
        function(y_true, masked_prediction)
    with raises(TypeError, "y_true", "masked array"):
        function(np.ma.masked_array(y_true, mask=np.ones(y_true.shape, bool)), prediction)
    with raises(TypeError, "sample_weight", "masked array"):
        function(y_true, prediction, sample_weight=np.ma.masked_array([1.0, 1.0, 1.0],
                                                                      mask=[0, 1, 0]))


def test_bad_num_classes_is_refused():
    with raises(ValueError, "num_classes", "at least 1", "0"):
        one_hot([0], 0)
    with raises(TypeError, "num_classes", "int", "2.5"):
        one_hot([0], 2.5)
    with raises(TypeError, "num_classes", "int", "True"):
        one_hot([0], True)


# ----------------------------------------------------------------------------
# The contract every loss keeps
# ----------------------------------------------------------------------------

GRADIENTS = [f for f in LOSSES if f.__name__.endswith("_grad")]
VALUES = [f for f in LOSSES if f not in GRADIENTS]


@pytest.mark.parametrize("function", LOSSES, ids=names(LOSSES))
def test_signature_is_truth_prediction_then_keyword_only(function):
    parameters = list(inspect.signature(function).parameters.values())
    assert [p.name for p in parameters[:2]] == ["y_true", prediction_name(function)]
    assert all(p.kind is p.POSITIONAL_OR_KEYWORD for p in parameters[:2])
    keyword_only = {p.name: p.default for p in parameters[2:]}
    assert all(p.kind is p.KEYWORD_ONLY for p in parameters[2:]), function.__name__
    assert keyword_only["reduction"] == "mean"
    assert keyword_only["sample_weight"] is None


@pytest.mark.parametrize("function", VALUES, ids=names(VALUES))
def test_every_loss_has_a_gradient_with_the_same_keywords(function):
    gradient = {g.__name__: g for g in GRADIENTS}.get(function.__name__ + "_grad")
    assert gradient is not None, f"{function.__name__} has no {function.__name__}_grad"
    assert inspect.signature(gradient) == inspect.signature(function)


@pytest.mark.parametrize("function", VALUES, ids=names(VALUES))
def test_reductions_return_a_float_or_one_loss_per_sample(function):
    y_true, prediction = VALID[function]
    for reduction in ("mean", "sum"):
        assert type(function(y_true, prediction, reduction=reduction)) is float
    per_sample = function(y_true, prediction, reduction="none")
    assert isinstance(per_sample, np.ndarray)
    assert per_sample.dtype == np.float64 and per_sample.shape == (3,)
    weight = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(
        function(y_true, prediction, reduction="none", sample_weight=weight),
        weight * per_sample, rtol=1e-15, atol=0.0)
    np.testing.assert_allclose(
        function(y_true, prediction, sample_weight=weight),
        np.sum(weight * per_sample) / np.sum(weight), rtol=1e-15, atol=0.0)


@pytest.mark.parametrize("function", GRADIENTS, ids=names(GRADIENTS))
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_gradients_have_the_shape_of_the_prediction(function, reduction):
    y_true, prediction = VALID[function]
    gradient = function(y_true, prediction, reduction=reduction)
    assert isinstance(gradient, np.ndarray)
    assert gradient.dtype == np.float64 and gradient.shape == prediction.shape


@pytest.mark.parametrize("function", LOSSES, ids=names(LOSSES))
def test_inputs_are_never_modified(function):
    y_true, prediction = VALID[function]
    weight = np.array([1.0, 2.0, 3.0])
    copies = [y_true.copy(), prediction.copy(), weight.copy()]
    function(y_true, prediction, sample_weight=weight)
    for array, copy in zip((y_true, prediction, weight), copies):
        np.testing.assert_array_equal(array, copy)


@pytest.mark.parametrize("function", LOSSES, ids=names(LOSSES))
def test_lists_are_accepted_like_arrays(function):
    y_true, prediction = VALID[function]
    np.testing.assert_array_equal(function(y_true.tolist(), prediction.tolist(), reduction="none"),
                                  function(y_true, prediction, reduction="none"))
