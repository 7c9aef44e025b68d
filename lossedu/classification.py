r"""Classification losses: binary and categorical cross-entropy, and the focal loss.

Each loss exists in two forms:

* on **probabilities** (``binary_cross_entropy``, ``categorical_cross_entropy``):
  the textbook formula; a probability of exactly 0 (or, for the binary
  loss, 1) would give :math:`\log 0 = -\infty`, so predictions are clipped:
  to ``[eps, 1 - eps]`` by the binary loss, to ``[eps, 1]`` by the
  categorical one, whose only logarithm is of the true class's probability
  (``eps = 1e-7`` by default, as in Keras); each loss is bounded by
  :math:`-\log(\text{eps}) \approx 16.1`;
* on **logits** (``*_with_logits``): the raw scores of the last layer, before
  sigmoid/softmax.  Written with softplus and log-sum-exp, they are exact for
  every finite logit, need no clipping and keep a useful gradient
  :math:`p - y` even for confidently wrong predictions.  Train with these.

Conventions (shared by every loss of :mod:`lossedu`): ``(y_true, y_pred)``
order (``y_true, logits`` for the logit forms), ``reduction`` in
``{"mean", "sum", "none"}``, ``sample_weight`` of shape ``(n,)`` (the mean
becomes :math:`\sum_i s_i \ell_i / \sum_i s_i`), keyword-only
hyperparameters, and ``*_grad`` returning the derivative of the reduced
value with respect to the second argument, with its shape.

Shapes: binary losses take ``(n,)`` arrays (or a scalar: one sample).
Categorical losses take predictions ``(n, C)`` (or ``(C,)``: one sample)
and targets that are either integer labels ``(n,)`` in ``0 .. C-1`` or
probability rows ``(n, C)`` that sum to 1 (one-hot or soft).

The focal loss (``focal_loss``) is binary cross-entropy from logits with a
modulating factor ``(1 - p_t) ** gamma`` that down-weights well-classified
examples (class imbalance); it lives here, with the loss it reweights, as in
optax's classification losses.
"""

from __future__ import annotations

import numbers

import numpy as np

from lossedu._validation import (
    as_float_array,
    as_float_pair,
    as_labels,
    as_sample_weight,
    check_binary_labels,
    check_ndim,
    check_not_empty,
    check_positive_number,
    check_probabilities,
    check_reduction,
    check_rows_sum_to_one,
    check_same_shape,
    normalized_weight,
    overflow_gives_inf,
    reduce,
    reduction_scale,
    scaled_difference,
)
from lossedu.activations import _shifted_rows, log_sigmoid, sigmoid

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_grad",
    "binary_cross_entropy_with_logits",
    "binary_cross_entropy_with_logits_grad",
    "categorical_cross_entropy",
    "categorical_cross_entropy_grad",
    "categorical_cross_entropy_with_logits",
    "categorical_cross_entropy_with_logits_grad",
    "focal_loss",
    "focal_loss_grad",
]

DEFAULT_EPS = 1e-7
"""Default clipping of probabilities: to ``[eps, 1 - eps]`` (binary), ``[eps, 1]`` (categorical)."""


# ----------------------------------------------------------------------------
# Input checking
# ----------------------------------------------------------------------------

def _check_eps(eps) -> float:
    if isinstance(eps, bool) or not isinstance(eps, (numbers.Real, np.floating, np.integer)):
        raise TypeError(f"eps must be a number, got {type(eps).__name__} {eps!r}")
    eps = float(eps)
    if not 0.0 < eps < 0.5:
        raise ValueError(
            "eps must be in (0, 0.5): probabilities are clipped from below at eps "
            f"(and, in the binary loss, from above at 1 - eps), got {eps!r}"
        )
    return eps


def _check_targets_in_unit_interval(y_true: np.ndarray) -> None:
    """Binary targets are labels 0/1 or soft labels in [0, 1]."""
    if y_true.min() < 0.0 or y_true.max() > 1.0:
        outside = (y_true < 0.0) | (y_true > 1.0)
        raise ValueError(
            f"y_true must hold targets in [0, 1] (labels 0 and 1, or soft labels), but "
            f"{int(outside.sum())} value(s) are outside, e.g. {float(y_true[outside].ravel()[0])!r}"
            + ("; labels in {-1, +1} can be converted with (y_true + 1) / 2"
               if (y_true == -1.0).any() else "")
        )


class _BinaryInputs:
    """Validated ``(y_true, prediction)`` of a binary loss, flattened to ``(n,)``."""

    def __init__(self, y_true, prediction, prediction_name, reduction, sample_weight):
        check_reduction(reduction)
        y_true = as_float_array(y_true, "y_true", copy=False)
        prediction = as_float_array(prediction, prediction_name, copy=False)
        # shapes first: (n, 1) against (n,) gets the message about broadcasting
        check_same_shape(y_true, prediction, ("y_true", prediction_name))
        check_ndim(y_true, "y_true", (0, 1))
        check_ndim(prediction, prediction_name, (0, 1))
        check_not_empty(prediction, prediction_name)
        _check_targets_in_unit_interval(y_true)
        self.shape = prediction.shape
        self.y = y_true.reshape(-1)
        self.prediction = prediction.reshape(-1)
        self.n = self.y.shape[0]
        self.reduction = reduction
        self.weight = as_sample_weight(sample_weight, self.n)

    def scale(self) -> np.ndarray:
        return reduction_scale(self.n, self.reduction, self.weight)


def _check_pos_weight(pos_weight):
    if pos_weight is None:
        return None
    return check_positive_number(pos_weight, "pos_weight", allow_zero=True)


def _check_label_smoothing(label_smoothing) -> float:
    value = check_positive_number(label_smoothing, "label_smoothing", allow_zero=True)
    if value > 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1], got {value!r}")
    return value


def _check_target_rows(rows: np.ndarray, prediction_name: str) -> None:
    """Target rows must be probability distributions (one-hot or soft)."""
    hint = "y_true given as rows must be one-hot or soft targets"
    if rows.ndim == 1 and np.all(rows == np.round(rows)) and rows.max() > 1:
        # [0, 2, 1] against a single row of scores: labels meant for several samples
        hint = (f"integer labels of n samples go with {prediction_name} of shape (n, C), "
                "one row per sample")
    check_probabilities(rows, "y_true", hint)
    check_rows_sum_to_one(rows, "y_true", hint=hint)


class _CategoricalInputs:
    """Validated targets and ``(n, C)`` predictions of a categorical loss.

    ``labels`` (int64, ``(n,)``) is set for integer targets, ``rows``
    (float64, ``(n, C)``) for probability-row targets; the other is None.
    """

    def __init__(self, y_true, prediction, prediction_name, reduction, sample_weight):
        check_reduction(reduction)
        y_true = as_float_array(y_true, "y_true", copy=False)
        prediction = as_float_array(prediction, prediction_name, copy=False)
        check_ndim(prediction, prediction_name, (1, 2))
        check_not_empty(prediction, prediction_name)
        self.shape = prediction.shape
        single = prediction.ndim == 1
        self.prediction = prediction.reshape(1, -1) if single else prediction
        self.n, self.num_classes = self.prediction.shape
        expected = (
            f"an integer label (a scalar) or a probability row of shape {self.shape}"
            if single else
            f"integer labels of shape ({self.n},) or probability rows of shape {self.shape}"
        )
        if y_true.ndim == prediction.ndim - 1:
            if y_true.shape != prediction.shape[:-1]:
                raise ValueError(
                    f"y_true has shape {y_true.shape} but {prediction_name} has shape "
                    f"{prediction.shape}; y_true must be {expected}"
                )
            self.labels = as_labels(y_true, "y_true", self.num_classes).reshape(-1)
            self.rows = None
        elif y_true.ndim == prediction.ndim:
            if y_true.shape != prediction.shape:
                raise ValueError(
                    f"y_true has shape {y_true.shape} but {prediction_name} has shape "
                    f"{prediction.shape}; y_true must be {expected}"
                )
            _check_target_rows(y_true, prediction_name)
            self.labels = None
            self.rows = y_true.reshape(self.prediction.shape)
        else:
            raise ValueError(
                f"y_true has shape {y_true.shape} but {prediction_name} has shape "
                f"{prediction.shape}; y_true must be {expected}"
            )
        self.reduction = reduction
        self.weight = as_sample_weight(sample_weight, self.n)
        self.every_row = np.arange(self.n)


def _check_class_weight(class_weight, num_classes: int):
    if class_weight is None:
        return None
    weight = as_float_array(class_weight, "class_weight")
    if weight.shape != (num_classes,):
        raise ValueError(
            f"class_weight must have shape ({num_classes},), one weight per class, "
            f"got shape {weight.shape}"
        )
    if (weight < 0).any():
        raise ValueError(f"class_weight must be >= 0, got {float(weight[weight < 0][0])!r}")
    return weight


# ----------------------------------------------------------------------------
# Binary cross-entropy on probabilities
# ----------------------------------------------------------------------------

@overflow_gives_inf
def binary_cross_entropy(y_true, y_pred, *, eps=DEFAULT_EPS, reduction="mean",
                         sample_weight=None):
    r"""Binary cross-entropy (log loss) of predicted probabilities.

    .. math::

        \ell_i = -\big[\,y_i \log p_i + (1 - y_i) \log(1 - p_i)\,\big],
        \qquad p_i = \operatorname{clip}(\hat y_i, \epsilon, 1 - \epsilon)

    The negative log-likelihood of a Bernoulli variable: the loss is small
    when :math:`\hat y` is close to :math:`y` and grows without bound (up to
    the clipping) as a confident prediction turns out wrong.

    Parameters
    ----------
    y_true : array_like, shape (n,) or scalar
        Targets in ``[0, 1]``: labels 0/1 or soft labels.
    y_pred : array_like, same shape as ``y_true``
        Predicted probabilities of the positive class, in ``[0, 1]``.  For
        raw scores use :func:`binary_cross_entropy_with_logits`.
    eps : float, default 1e-7
        Clipping: ``y_pred`` is clipped to ``[eps, 1 - eps]``, in ``(0, 0.5)``.
    reduction : {"mean", "sum", "none"}, default "mean"
        ``"mean"``: the cost (weighted mean with ``sample_weight``);
        ``"sum"``: the total; ``"none"``: per-sample losses, shape ``(n,)``.
    sample_weight : array_like, shape (n,), optional
        Non-negative weight of each sample.

    Returns
    -------
    float or numpy.ndarray
        A float for ``"mean"``/``"sum"``, per-sample losses ``(n,)`` for ``"none"``.

    Notes
    -----
    Stability: without clipping, a prediction of exactly 0 for a positive
    sample gives :math:`-\log 0 = \infty` (and ``0 * log 0`` is NaN).  After
    clipping each loss is at most :math:`-\log\epsilon \approx 16.12`.
    :math:`\log(1 - p)` is computed as ``log1p(-p)``, which keeps its digits
    for small :math:`p`.  Both terms are non-negative, so nothing cancels.

    Examples
    --------
    The worked examples of the log loss: a correct prediction of 0 costs
    (almost) nothing, predicting 0.1 for a positive costs :math:`\ln 10`:

    >>> import numpy as np
    >>> from lossedu.classification import binary_cross_entropy
    >>> binary_cross_entropy(0, 0.0)  # -log(1 - eps): 0 up to the clipping
    1.0000000500000033e-07
    >>> binary_cross_entropy(1, 0.1)  # ln 10
    2.3025850929940455
    >>> binary_cross_entropy([1, 0, 1], [0.9, 0.2, 0.6], reduction="none")
    array([0.10536052, 0.22314355, 0.51082562])

    Without clipping a confident mistake is infinite:

    >>> with np.errstate(divide="ignore"):
    ...     -np.log(np.array([0.0]))
    array([inf])
    >>> binary_cross_entropy(1, 0.0)  # -log(eps)
    16.11809565095832
    """
    eps = _check_eps(eps)
    inputs = _BinaryInputs(y_true, y_pred, "y_pred", reduction, sample_weight)
    check_probabilities(inputs.prediction, "y_pred")
    y = inputs.y
    p = np.clip(inputs.prediction, eps, 1.0 - eps)
    losses = -(y * np.log(p) + (1.0 - y) * np.log1p(-p))
    return reduce(losses, reduction, inputs.weight)


@overflow_gives_inf
def binary_cross_entropy_grad(y_true, y_pred, *, eps=DEFAULT_EPS, reduction="mean",
                              sample_weight=None):
    r"""Gradient of :func:`binary_cross_entropy` with respect to ``y_pred``.

    .. math::

        \frac{\partial \ell_i}{\partial \hat y_i} = \frac{p_i - y_i}{p_i (1 - p_i)}
        \quad\text{where } \epsilon \le \hat y_i \le 1 - \epsilon,
        \qquad 0 \text{ where the clipping is active,}

    times the reduction's factor (:math:`1/n` for the mean,
    :math:`s_i / \sum s` with ``sample_weight``).

    Parameters
    ----------
    y_true, y_pred, eps, reduction, sample_weight
        As in :func:`binary_cross_entropy`.

    Returns
    -------
    numpy.ndarray
        float64 array with the shape of ``y_pred``.

    Notes
    -----
    This is the gradient of the clipped function: a prediction clipped to
    ``eps`` gets gradient 0, which is why training on probabilities can
    stall and why training uses :func:`binary_cross_entropy_with_logits`.
    The form :math:`(p - y) / (p(1 - p))` has a single subtraction of the
    inputs instead of :math:`-y/p + (1-y)/(1-p)`, whose two terms cancel
    near the optimum.

    Examples
    --------
    >>> from lossedu.classification import binary_cross_entropy_grad
    >>> binary_cross_entropy_grad([1, 0], [0.5, 0.5], reduction="sum")  # -1/p, 1/(1-p)
    array([-2.,  2.])
    >>> binary_cross_entropy_grad(1, 0.0)  # clipped: no gradient
    array(0.)
    """
    eps = _check_eps(eps)
    inputs = _BinaryInputs(y_true, y_pred, "y_pred", reduction, sample_weight)
    check_probabilities(inputs.prediction, "y_pred")
    p, y = inputs.prediction, inputs.y
    inside = (p >= eps) & (p <= 1.0 - eps)
    grad = np.zeros_like(p)
    grad[inside] = (p[inside] - y[inside]) / (p[inside] * (1.0 - p[inside]))
    return (grad * inputs.scale()).reshape(inputs.shape)


# ----------------------------------------------------------------------------
# Binary cross-entropy on logits
# ----------------------------------------------------------------------------

@overflow_gives_inf
def binary_cross_entropy_with_logits(y_true, logits, *, pos_weight=None, reduction="mean",
                                     sample_weight=None):
    r"""Binary cross-entropy computed from logits, exact for any finite logit.

    With :math:`p = \sigma(z)` and
    :math:`\operatorname{softplus}(z) = \log(1 + e^{z})`, so that
    :math:`-\log\sigma(z) = \operatorname{softplus}(-z)` and
    :math:`-\log(1 - \sigma(z)) = \operatorname{softplus}(z)`:

    .. math::

        \ell_i = w_+\, y_i \operatorname{softplus}(-z_i)
                 + (1 - y_i) \operatorname{softplus}(z_i)

    where :math:`w_+` is ``pos_weight`` (1 by default).  The same loss as
    ``torch.nn.functional.binary_cross_entropy_with_logits``.

    Parameters
    ----------
    y_true : array_like, shape (n,) or scalar
        Targets in ``[0, 1]``: labels 0/1 or soft labels.
    logits : array_like, same shape as ``y_true``
        Raw scores :math:`z` (any finite real numbers), before the sigmoid.
    pos_weight : float, optional
        Weight :math:`w_+ \ge 0` of the positive term; set it to
        ``negatives / positives`` to balance an imbalanced data set.
    reduction : {"mean", "sum", "none"}, default "mean"
        ``"mean"``: the cost (weighted mean with ``sample_weight``);
        ``"sum"``: the total; ``"none"``: per-sample losses, shape ``(n,)``.
    sample_weight : array_like, shape (n,), optional
        Non-negative weight of each sample.

    Returns
    -------
    float or numpy.ndarray
        A float for ``"mean"``/``"sum"``, per-sample losses ``(n,)`` for ``"none"``.

    Notes
    -----
    Stability: ``-log(sigmoid(z))`` is ``inf`` for ``z < -745`` (the sigmoid
    underflows) and ``log(1 - sigmoid(z))`` is ``-inf`` for ``z > 37`` (the
    sigmoid rounds to 1).  Here

    .. math::

        \operatorname{softplus}(\pm z) = \max(\pm z, 0) + \operatorname{log1p}(e^{-|z|}),

    so ``exp`` only sees non-positive numbers, and every term of the loss is
    non-negative: nothing overflows or cancels, and the result is exact to a
    few ulp for any finite logit.  (The common shortcut
    :math:`\operatorname{softplus}(z) - yz` cancels for :math:`y = 1` and a
    large :math:`z` and is not used.)

    Examples
    --------
    >>> import numpy as np
    >>> from lossedu.classification import binary_cross_entropy_with_logits
    >>> binary_cross_entropy_with_logits([1, 0], [0.0, 0.0], reduction="none")  # log 2
    array([0.69314718, 0.69314718])
    >>> binary_cross_entropy_with_logits([1, 0, 1], [1e4, 1e4, -1e4], reduction="none")
    array([    0., 10000., 10000.])
    >>> binary_cross_entropy_with_logits([1, 0], [0.0, 0.0], pos_weight=3.0)  # (3 + 1) log 2 / 2
    1.3862943611198906

    The naive composition of sigmoid and log fails at the same logits:

    >>> z = np.array([1e4, 1e4, -1e4])
    >>> y = np.array([1.0, 0.0, 1.0])
    >>> with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
    ...     p = 1 / (1 + np.exp(-z))
    ...     -(y * np.log(p) + (1 - y) * np.log(1 - p))
    array([nan, inf, inf])
    """
    pos_weight = _check_pos_weight(pos_weight)
    inputs = _BinaryInputs(y_true, logits, "logits", reduction, sample_weight)
    z, y = inputs.prediction, inputs.y
    # softplus(+-z) = max(+-z, 0) + log1p(exp(-|z|)): exp only ever sees -|z| <= 0,
    # and the "tail" log1p(exp(-|z|)) lies in [0, log 2].
    tail = np.log1p(np.exp(-np.abs(z)))
    softplus_z = np.maximum(z, 0.0) + tail  # -log(1 - sigmoid(z)), the cost of a negative
    softplus_minus_z = np.maximum(-z, 0.0) + tail  # -log(sigmoid(z)), the cost of a positive
    positive_term = y * softplus_minus_z
    if pos_weight is not None:
        positive_term *= pos_weight
    # Both terms are >= 0: their sum never cancels.
    losses = positive_term + (1.0 - y) * softplus_z
    return reduce(losses, reduction, inputs.weight)


@overflow_gives_inf
def binary_cross_entropy_with_logits_grad(y_true, logits, *, pos_weight=None,
                                          reduction="mean", sample_weight=None):
    r"""Gradient of :func:`binary_cross_entropy_with_logits` with respect to the logits.

    .. math::

        \frac{\partial \ell_i}{\partial z_i}
        = (1 - y_i)\,\sigma(z_i) - w_+\, y_i\, \sigma(-z_i)

    which is :math:`\sigma(z_i) - y_i = p_i - y_i` for :math:`w_+ = 1`;
    times the reduction's factor (:math:`1/n` for the mean,
    :math:`s_i / \sum s` with ``sample_weight``).

    Parameters
    ----------
    y_true, logits, pos_weight, reduction, sample_weight
        As in :func:`binary_cross_entropy_with_logits`.

    Returns
    -------
    numpy.ndarray
        float64 array with the shape of ``logits``.

    Notes
    -----
    The gradient never vanishes for a confidently wrong prediction: it tends
    to :math:`\pm 1` (times the reduction's factor).  Computing
    :math:`\sigma(z) - 1` for a positive with :math:`z > 37` would round to 0;
    the form above gives :math:`-\sigma(-z) = -e^{-z}` with all its digits
    for hard labels.

    Examples
    --------
    >>> import numpy as np
    >>> from lossedu.classification import binary_cross_entropy_with_logits_grad
    >>> binary_cross_entropy_with_logits_grad([1, 0], [0.0, 0.0], reduction="sum")  # p - y
    array([-0.5,  0.5])
    >>> binary_cross_entropy_with_logits_grad([1, 0], [-1e4, 1e4])  # (p - y) / n
    array([-0.5,  0.5])

    A confident correct prediction keeps its small gradient :math:`-e^{-40}`,
    which ``sigmoid(z) - y`` rounds to 0:

    >>> binary_cross_entropy_with_logits_grad(1, 40.0)
    array(-4.24835426e-18)
    >>> 1 / (1 + np.exp(-40.0)) - 1
    np.float64(0.0)
    """
    pos_weight = _check_pos_weight(pos_weight)
    inputs = _BinaryInputs(y_true, logits, "logits", reduction, sample_weight)
    z, y = inputs.prediction, inputs.y
    # sigma(-z) is evaluated directly, never as 1 - sigma(z), which rounds to
    # 0 for z > 37; lossedu.activations.sigmoid never overflows.
    sigmoid_z = sigmoid(z)
    sigmoid_minus_z = sigmoid(-z)
    positive_term = y * sigmoid_minus_z
    if pos_weight is not None:
        positive_term *= pos_weight
    grad = (1.0 - y) * sigmoid_z - positive_term
    return (grad * inputs.scale()).reshape(inputs.shape)


# ----------------------------------------------------------------------------
# Categorical cross-entropy on probabilities
# ----------------------------------------------------------------------------

@overflow_gives_inf
def categorical_cross_entropy(y_true, y_pred, *, eps=DEFAULT_EPS, reduction="mean",
                              sample_weight=None):
    r"""Categorical cross-entropy of predicted class probabilities.

    .. math::

        \ell_i = -\sum_{c=1}^{C} y_{ic} \log \max(\hat y_{ic}, \epsilon)
        \quad\left(= -\log \max(\hat y_{i, y_i}, \epsilon) \text{ for an integer label } y_i\right)

    Parameters
    ----------
    y_true : array_like
        Integer labels of shape ``(n,)`` in ``0 .. C-1``, or probability rows
        of shape ``(n, C)`` (one-hot or soft) that sum to 1.
    y_pred : array_like, shape (n, C) or (C,)
        Predicted probabilities; each row must sum to 1 (within 1e-6).  For
        raw scores use :func:`categorical_cross_entropy_with_logits`.
    eps : float, default 1e-7
        Probabilities are clipped to ``[eps, 1]`` (from below only: the loss
        takes no log of 1 - p), with ``0 < eps < 0.5``.
    reduction : {"mean", "sum", "none"}, default "mean"
        ``"mean"``: the cost (weighted mean with ``sample_weight``);
        ``"sum"``: the total; ``"none"``: per-sample losses, shape ``(n,)``.
    sample_weight : array_like, shape (n,), optional
        Non-negative weight of each sample.

    Returns
    -------
    float or numpy.ndarray
        A float for ``"mean"``/``"sum"``, per-sample losses ``(n,)`` for ``"none"``.

    Notes
    -----
    Stability: a probability of exactly 0 for the true class gives
    :math:`-\log 0 = \infty`; clipping bounds each loss by
    :math:`-\log\epsilon \approx 16.12`.  Target entries equal to 0 contribute
    exactly 0 (never ``0 * log 0 = NaN``).

    Examples
    --------
    >>> import numpy as np
    >>> from lossedu.classification import categorical_cross_entropy
    >>> p = [[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]]
    >>> categorical_cross_entropy([0, 2], p, reduction="none")  # -log 0.7, -log 0.8
    array([0.35667494, 0.22314355])
    >>> categorical_cross_entropy([[1, 0, 0], [0, 0, 1]], p, reduction="none")  # one-hot: same
    array([0.35667494, 0.22314355])
    >>> categorical_cross_entropy([1, 1], [[1.0, 0.0], [0.5, 0.5]])  # (-log eps + log 2) / 2
    8.405621415759132

    Without clipping, one zero probability for a true class makes the cost infinite:

    >>> with np.errstate(divide="ignore"):
    ...     -np.mean(np.log(np.array([0.0, 0.5])))
    np.float64(inf)
    """
    eps = _check_eps(eps)
    inputs = _CategoricalInputs(y_true, y_pred, "y_pred", reduction, sample_weight)
    p = inputs.prediction
    check_probabilities(p, "y_pred")
    check_rows_sum_to_one(p, "y_pred")
    if inputs.labels is not None:
        losses = -np.log(np.maximum(p[inputs.every_row, inputs.labels], eps))
    else:
        log_p = np.log(np.maximum(p, eps))  # finite: no 0 * (-inf)
        losses = -(inputs.rows * log_p).sum(axis=1)
    return reduce(losses, reduction, inputs.weight)


@overflow_gives_inf
def categorical_cross_entropy_grad(y_true, y_pred, *, eps=DEFAULT_EPS, reduction="mean",
                                   sample_weight=None):
    r"""Gradient of :func:`categorical_cross_entropy` with respect to ``y_pred``.

    .. math::

        \frac{\partial \ell_i}{\partial \hat y_{ic}} = -\frac{y_{ic}}{\hat y_{ic}}
        \quad\text{where } \hat y_{ic} \ge \epsilon,
        \qquad 0 \text{ where the clipping is active,}

    times the reduction's factor (:math:`1/n` for the mean).  The
    probabilities are treated as free variables (the constraint that rows sum
    to 1 is not projected out).

    Parameters
    ----------
    y_true, y_pred, eps, reduction, sample_weight
        As in :func:`categorical_cross_entropy`.

    Returns
    -------
    numpy.ndarray
        float64 array with the shape of ``y_pred``.

    Examples
    --------
    >>> from lossedu.classification import categorical_cross_entropy_grad
    >>> categorical_cross_entropy_grad([0], [[0.5, 0.25, 0.25]])
    array([[-2.,  0.,  0.]])
    """
    eps = _check_eps(eps)
    inputs = _CategoricalInputs(y_true, y_pred, "y_pred", reduction, sample_weight)
    p = inputs.prediction
    check_probabilities(p, "y_pred")
    check_rows_sum_to_one(p, "y_pred")
    scale = reduction_scale(inputs.n, reduction, inputs.weight)
    grad = np.zeros_like(p)
    if inputs.labels is not None:
        chosen = p[inputs.every_row, inputs.labels]
        values = np.zeros_like(chosen)
        inside = chosen >= eps
        values[inside] = -1.0 / chosen[inside]
        grad[inputs.every_row, inputs.labels] = values * scale
    else:
        inside = p >= eps
        grad[inside] = -inputs.rows[inside] / p[inside]
        grad *= scale[:, None]
    return grad.reshape(inputs.shape)


# ----------------------------------------------------------------------------
# Categorical cross-entropy on logits
# ----------------------------------------------------------------------------

def _smoothed_target_weights(inputs: _CategoricalInputs, class_weight, label_smoothing):
    r"""The matrix :math:`a_{ic} = w_c\, y'_{ic}` with :math:`y' = (1 - \alpha) y + \alpha / C`."""
    num_classes = inputs.num_classes
    if inputs.labels is not None:
        targets = np.zeros((inputs.n, num_classes))
        targets[inputs.every_row, inputs.labels] = 1.0
    else:
        targets = inputs.rows.copy()
    if label_smoothing:
        targets *= 1.0 - label_smoothing
        targets += label_smoothing / num_classes
    if class_weight is not None:
        targets *= class_weight
    return targets


def _class_weighted_denominator(inputs: _CategoricalInputs, class_weight) -> np.ndarray | None:
    r"""Per-sample :math:`\sum_c w_c y_{ic}`, the denominator weights of the mean (None: plain).

    The mean divides :math:`\sum_i s_i \ell_i` by :math:`\sum_i s_i \sum_c w_c y_{ic}`;
    :func:`lossedu._validation.reduce` applies the sample weights :math:`s_i`.
    """
    if class_weight is None:
        return None
    if inputs.labels is not None:
        per_sample = class_weight[inputs.labels]
    else:
        per_sample = inputs.rows @ class_weight
    present = per_sample > 0
    if inputs.weight is not None:
        present &= inputs.weight > 0
    if inputs.reduction == "mean" and not present.any():
        raise ValueError(
            "class_weight gives every target a total weight of 0 (the weights of the "
            "classes present in y_true sum to 0), so the weighted mean is undefined; "
            "give at least one present class a positive weight"
        )
    return per_sample


def _class_weight_for(reduction: str, class_weight):
    """Class weights as the loss uses them: for the mean, divided by a power of two.

    The class-weighted mean is a ratio in which a common factor of the class
    weights cancels; dividing it out (exactly) keeps weights near 1e308 or
    5e-324 from overflowing or underflowing the per-sample losses.
    """
    if class_weight is None or reduction != "mean" or not class_weight.max() > 0:
        return class_weight
    return normalized_weight(class_weight)[0]


@overflow_gives_inf
def categorical_cross_entropy_with_logits(y_true, logits, *, class_weight=None,
                                          label_smoothing=0.0, reduction="mean",
                                          sample_weight=None):
    r"""Categorical cross-entropy computed from logits, exact for any finite logits.

    .. math::

        \ell_i = -\sum_{c=1}^{C} w_c\, y'_{ic} \log\operatorname{softmax}(z_i)_c,
        \qquad y'_{ic} = (1 - \alpha)\, y_{ic} + \frac{\alpha}{C}

    with class weights :math:`w_c` (``class_weight``, default 1) and label
    smoothing :math:`\alpha` (``label_smoothing``).  For an integer label
    and no weights or smoothing,
    :math:`\ell_i = \operatorname{logsumexp}(z_i) - z_{i, y_i}`.

    ``reduction="mean"`` divides the (sample-weighted) sum of losses by
    :math:`\sum_i s_i \sum_c w_c y_{ic}` (the unsmoothed targets; :math:`n`
    without weights), so integer labels and their one-hot rows give the
    same cost, and integer targets match
    ``torch.nn.functional.cross_entropy(weight=, label_smoothing=)``.

    Parameters
    ----------
    y_true : array_like
        Integer labels of shape ``(n,)`` in ``0 .. C-1``, or probability rows
        of shape ``(n, C)`` (one-hot or soft) that sum to 1.
    logits : array_like, shape (n, C) or (C,)
        Raw scores (any finite real numbers), before the softmax.
    class_weight : array_like, shape (C,), optional
        Non-negative weight of each class.
    label_smoothing : float, default 0.0
        :math:`\alpha \in [0, 1]`: mixes the targets with the uniform
        distribution.
    reduction : {"mean", "sum", "none"}, default "mean"
        ``"mean"``: the cost (see above); ``"sum"``: the total; ``"none"``:
        per-sample losses, shape ``(n,)``, multiplied by ``sample_weight``.
    sample_weight : array_like, shape (n,), optional
        Non-negative weight of each sample.

    Returns
    -------
    float or numpy.ndarray
        A float for ``"mean"``/``"sum"``, per-sample losses ``(n,)`` for ``"none"``.

    Notes
    -----
    Stability: with :math:`m = z_k = \max_c z_c` and
    :math:`t = \sum_{c \ne k} e^{z_c - m}`,

    .. math::

        -\log\operatorname{softmax}(z)_c = (m - z_c) + \operatorname{log1p}(t),

    a sum of two non-negative terms: ``exp`` never overflows, nothing
    cancels, and a confident correct prediction keeps the digits of its tiny
    loss (``log`` of a sum that rounded to 1 would give 0).  Exact to a few
    ulp for logits spread over any finite range.

    Examples
    --------
    >>> import numpy as np
    >>> from lossedu.classification import categorical_cross_entropy_with_logits
    >>> z = [[2.0, 1.0, 0.1], [0.0, 0.0, 0.0]]
    >>> categorical_cross_entropy_with_logits([0, 2], z, reduction="none")
    array([0.41703002, 1.09861229])
    >>> categorical_cross_entropy_with_logits([1, 0], [[0.0, 1e4], [0.0, 1e4]], reduction="none")
    array([    0., 10000.])
    >>> categorical_cross_entropy_with_logits([0], [[0.0, 0.0]], label_smoothing=0.2)  # log 2
    0.6931471805599453

    Softmax without the max shift, then log, fails on the same logits:

    >>> with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
    ...     e = np.exp(np.array([[0.0, 1e4]]))
    ...     -np.log(e / e.sum(axis=1, keepdims=True))
    array([[inf, nan]])
    """
    inputs = _CategoricalInputs(y_true, logits, "logits", reduction, sample_weight)
    class_weight = _class_weight_for(
        reduction, _check_class_weight(class_weight, inputs.num_classes))
    label_smoothing = _check_label_smoothing(label_smoothing)
    z = inputs.prediction
    peak, _, rest, _ = _shifted_rows(z)
    log_normalizer = np.log1p(rest)  # logsumexp(z) - m, >= 0
    # m_i - z_ic can exceed the float64 range (1e308 - (-1e308)) although its
    # product with a weight below 1 does not: scaled_difference rescues it.
    if inputs.labels is not None and not label_smoothing:
        # l_i = (m_i - z_{i, y_i}) + log1p(t_i): two non-negative terms
        weight = 1.0 if class_weight is None else class_weight[inputs.labels]
        losses = scaled_difference(peak, z[inputs.every_row, inputs.labels], weight)
        losses += weight * log_normalizer
    else:
        targets = _smoothed_target_weights(inputs, class_weight, label_smoothing)
        # sum_c a_ic (m_i - z_ic) + (sum_c a_ic) log1p(t_i), all terms >= 0
        losses = scaled_difference(peak[:, None], z, targets).sum(axis=1)
        losses += targets.sum(axis=1) * log_normalizer
    denominator = _class_weighted_denominator(inputs, class_weight)
    return reduce(losses, reduction, inputs.weight, denominator)


@overflow_gives_inf
def categorical_cross_entropy_with_logits_grad(y_true, logits, *, class_weight=None,
                                               label_smoothing=0.0, reduction="mean",
                                               sample_weight=None):
    r"""Gradient of :func:`categorical_cross_entropy_with_logits` with respect to the logits.

    With :math:`a_{ic} = w_c y'_{ic}` and :math:`A_i = \sum_c a_{ic}`:

    .. math::

        \frac{\partial \ell_i}{\partial z_{ij}} = A_i \operatorname{softmax}(z_i)_j - a_{ij}

    which is :math:`\operatorname{softmax}(z_i) - y'_i` without class
    weights; times the reduction's factor (:math:`1/n` for the plain mean,
    :math:`s_i / \sum_i s_i \sum_c w_c y_{ic}` in general).

    Parameters
    ----------
    y_true, logits, class_weight, label_smoothing, reduction, sample_weight
        As in :func:`categorical_cross_entropy_with_logits`.

    Returns
    -------
    numpy.ndarray
        float64 array with the shape of ``logits``.

    Notes
    -----
    Computing :math:`p_y - 1` for a confident correct prediction rounds to 0
    although the true value is :math:`-t/(1 + t)`.  The gradient is written
    as :math:`(A_i - a_{ij})\, p_j - a_{ij}(1 - p_j)`, with :math:`1 - p_k`
    of the most probable class computed as :math:`t/(1 + t)`, so hard
    (integer or one-hot) targets get every digit; with soft targets the two
    terms can cancel near the optimum.

    Examples
    --------
    >>> from lossedu.classification import categorical_cross_entropy_with_logits_grad
    >>> categorical_cross_entropy_with_logits_grad([0], [[0.0, 0.0]])  # softmax - one_hot
    array([[-0.5,  0.5]])
    >>> categorical_cross_entropy_with_logits_grad([0], [[40.0, 0.0]], reduction="sum")
    array([[-4.24835426e-18,  4.24835426e-18]])

    ``softmax(z) - one_hot`` loses the first entry:

    >>> from lossedu.activations import softmax
    >>> softmax([40.0, 0.0]) - [1.0, 0.0]
    array([0.00000000e+00, 4.24835426e-18])
    """
    inputs = _CategoricalInputs(y_true, logits, "logits", reduction, sample_weight)
    class_weight = _class_weight_for(
        reduction, _check_class_weight(class_weight, inputs.num_classes))
    label_smoothing = _check_label_smoothing(label_smoothing)
    z = inputs.prediction
    _, exp_shifted, rest, argmax = _shifted_rows(z)
    normalizer = 1.0 + rest
    probabilities = exp_shifted / normalizer[:, None]
    complement = 1.0 - probabilities
    # 1 - p_k for the largest logit: t / (1 + t), without cancellation
    complement[inputs.every_row, argmax] = rest / normalizer
    targets = _smoothed_target_weights(inputs, class_weight, label_smoothing)
    total = targets.sum(axis=1, keepdims=True)
    grad = (total - targets) * probabilities - targets * complement
    denominator = _class_weighted_denominator(inputs, class_weight)
    scale = reduction_scale(inputs.n, reduction, inputs.weight, denominator)
    grad *= scale[:, None]
    return grad.reshape(inputs.shape)


# ----------------------------------------------------------------------------
# Focal loss: binary cross-entropy from logits that down-weights easy examples
# ----------------------------------------------------------------------------

def _check_alpha(alpha) -> float | None:
    if alpha is None:
        return None
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real):
        raise TypeError(
            f"alpha must be None or a number in [0, 1], got {type(alpha).__name__} {alpha!r}"
        )
    alpha = float(alpha)
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be None or a number in [0, 1], got {alpha!r}")
    return alpha


def _prepare_focal(y_true, logits, reduction, sample_weight, gamma, alpha):
    check_reduction(reduction)
    truth, z = as_float_pair(y_true, logits, "logits", (0, 1))
    check_binary_labels(truth, "y_true")
    gamma = check_positive_number(gamma, "gamma", allow_zero=True)
    alpha = _check_alpha(alpha)
    shape = z.shape
    truth, z = truth.reshape(-1), z.reshape(-1)
    weight = as_sample_weight(sample_weight, z.shape[0])
    sign = 2.0 * truth - 1.0
    if alpha is None:
        alpha_t = np.ones_like(z)
    else:
        alpha_t = np.where(truth == 1.0, alpha, 1.0 - alpha)
    return sign, sign * z, gamma, alpha_t, weight, shape


@overflow_gives_inf
def focal_loss(y_true, logits, *, gamma=2.0, alpha=None, reduction="mean", sample_weight=None):
    r"""Binary focal loss computed from logits (Lin et al., 2017).

    With :math:`p = \sigma(z)` and :math:`p_t` the probability given to the
    true class (:math:`p` for :math:`y = 1`, :math:`1 - p` for :math:`y = 0`),

    .. math::

        \ell_i = -\alpha_t \, (1 - p_t)^{\gamma} \, \log p_t ,

    where :math:`\alpha_t = \alpha` for positives and :math:`1 - \alpha` for
    negatives (:math:`\alpha_t = 1` when ``alpha`` is None).  The factor
    :math:`(1 - p_t)^\gamma` shrinks the loss of examples that are already
    classified confidently, so a rare class is not drowned by many easy
    negatives.  With ``gamma=0`` and ``alpha=None`` it is exactly binary
    cross-entropy with logits.

    Parameters
    ----------
    y_true : array_like, shape (n,) or scalar
        Labels in {0, 1}.
    logits : array_like, shape (n,) or scalar
        Raw scores :math:`z` (any finite real); :math:`p = \sigma(z)`.
    gamma : float, default 2.0
        Focusing parameter, ``>= 0``.
    alpha : float in [0, 1] or None, default None
        Weight of the positive class (negatives get ``1 - alpha``).
    reduction : {"mean", "sum", "none"}, default "mean"
        ``"mean"``: the cost (weighted mean with ``sample_weight``);
        ``"sum"``: the total; ``"none"``: per-sample losses, shape ``(n,)``.
    sample_weight : array_like, shape (n,), optional
        Non-negative weight of each sample.

    Returns
    -------
    float or numpy.ndarray
        A float for ``"mean"``/``"sum"``, per-sample losses ``(n,)`` for ``"none"``.

    Notes
    -----
    Stability: with the signed logit :math:`m = (2y - 1) z` one has
    :math:`p_t = \sigma(m)`, :math:`\log p_t = \log\sigma(m)` and
    :math:`(1 - p_t)^\gamma = \exp(\gamma \log\sigma(-m))`, with
    :math:`\log\sigma` from :func:`lossedu.activations.log_sigmoid`
    (``min(x, 0) - log1p(exp(-|x|))``).  No probability is formed and then
    logged, so nothing overflows or loses precision for any finite logit:
    a confidently wrong logit of -1000 costs exactly 1000, where the naive
    ``-log(sigmoid(z))`` returns ``inf``.

    Examples
    --------
    >>> from lossedu.classification import focal_loss
    >>> round(focal_loss([1, 0], [2.0, -1.0]), 6)
    0.012231
    >>> focal_loss([1], [-1000.0], reduction="sum")  # confidently wrong
    1000.0
    >>> focal_loss([1, 0], [0.5, 0.5], gamma=0.0, reduction="none").round(6)
    array([0.474077, 0.974077])
    """
    _, margin, gamma, alpha_t, weight, _ = _prepare_focal(
        y_true, logits, reduction, sample_weight, gamma, alpha)
    negative_log_pt = -log_sigmoid(margin)
    modulating = np.exp(gamma * log_sigmoid(-margin))  # (1 - p_t) ** gamma
    return reduce(alpha_t * modulating * negative_log_pt, reduction, weight)


@overflow_gives_inf
def focal_loss_grad(y_true, logits, *, gamma=2.0, alpha=None, reduction="mean",
                    sample_weight=None):
    r"""Gradient of :func:`focal_loss` with respect to the logits.

    With the signed logit :math:`m = (2y - 1) z`, :math:`p_t = \sigma(m)` and
    :math:`q = 1 - p_t = \sigma(-m)`,

    .. math::

        \frac{\partial \ell_i}{\partial z_i} = -(2y_i - 1)\, \alpha_t \, q^{\gamma}
        \left(\gamma \, p_t \log\frac{1}{p_t} + q\right),

    multiplied by the reduction's factor (``1/n`` or ``w_i / sum(w)`` for
    ``"mean"``, ``w_i`` for ``"sum"`` and ``"none"``).  With ``gamma=0`` and
    ``alpha=None`` this is ``sigmoid(z) - y`` (scaled).

    Parameters
    ----------
    y_true, logits, gamma, alpha, reduction, sample_weight
        As in :func:`focal_loss`.

    Returns
    -------
    numpy.ndarray
        float64 array with the shape of ``logits``.

    Notes
    -----
    Stability: :math:`q^\gamma` is ``exp(gamma * log_sigmoid(-m))``,
    :math:`\log(1/p_t)` is ``-log_sigmoid(m)`` and both sigmoids are evaluated
    without overflow (:mod:`lossedu.activations`); :math:`q^{\gamma - 1}` is
    never formed, so ``gamma < 1`` is safe at :math:`q = 0`.

    Examples
    --------
    >>> from lossedu.classification import focal_loss_grad
    >>> focal_loss_grad([1, 0], [0.0, 0.0], gamma=0.0)  # (sigmoid(z) - y) / n
    array([-0.25,  0.25])
    >>> focal_loss_grad([1], [-1000.0])  # confidently wrong: full gradient -1
    array([-1.])
    """
    sign, margin, gamma, alpha_t, weight, shape = _prepare_focal(
        y_true, logits, reduction, sample_weight, gamma, alpha)
    p_t = sigmoid(margin)
    q = sigmoid(-margin)
    modulating = np.exp(gamma * log_sigmoid(-margin))
    per_sample = -sign * alpha_t * modulating * (gamma * p_t * -log_sigmoid(margin) + q)
    scale = reduction_scale(margin.shape[0], reduction, weight)
    return (per_sample * scale).reshape(shape)
