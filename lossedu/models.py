"""Tiny linear models trained by full-batch gradient descent.

The lessons' experiments compare losses on the same model: a single linear
layer :math:`z = Xw + b` (or :math:`Z = XW + b` with one column per class)
followed by an output activation, trained by plain gradient descent on the
mean loss.  Nothing is hidden: every step computes the loss and its gradient
with the :mod:`lossedu` references, and the history of the cost, the
accuracy and the gradient norm is kept for plotting.

Which losses pair with which outputs:

============================  ====================  =================================
``loss``                      ``output``            computed as
============================  ====================  =================================
``"mse"``, ``"mae"``,         ``"linear"``          loss(y, z)
``"huber"``, ``"log_cosh"``   ``"sigmoid"``         loss(y, sigmoid(z)), chained
                                                    through sigmoid'(z)
                              ``"softmax"``         loss(one_hot(y), softmax(Z)),
                                                    chained through the softmax
``"bce"``, ``"focal"``        ``"sigmoid"``         from the logits z (stable)
``"cce"``                     ``"softmax"``         from the logits Z (stable)
``"hinge"``                   ``"linear"``          on the raw scores z
============================  ====================  =================================

A regression loss on a sigmoid output is what shows *gradient saturation*:
when the model is confidently wrong, :math:`\\sigma'(z) \\approx 0` and the
gradient vanishes, while cross-entropy from the logits keeps a gradient of
:math:`\\sigma(z) - y`.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from lossedu._validation import (
    as_float_array,
    as_labels,
    as_sample_weight,
    check_binary_labels,
    check_ndim,
    check_not_empty,
    check_positive_number,
)
from lossedu.activations import one_hot, sigmoid, softmax
from lossedu.losses_table import LOSSES as LOSS_TABLE
from lossedu.margins import _check_signed_labels
from lossedu.penalties import l2_penalty

__all__ = ["LOSSES", "OUTPUTS", "TrainingResult", "train_linear_model"]

#: The loss names train_linear_model takes -> the loss in lossedu.losses_table.
_LOSS_NAMES = {
    "mse": "mse",
    "mae": "mae",
    "huber": "huber",
    "log_cosh": "log_cosh",
    "bce": "binary_cross_entropy_with_logits",
    "cce": "categorical_cross_entropy_with_logits",
    "focal": "focal_loss",
    "hinge": "hinge_loss",
}
#: The output a loss computed from raw outputs needs (the others are regression
#: losses, chained through any output).
_OUTPUT_FOR = {"logits": "sigmoid", "class logits": "softmax", "scores": "linear"}
LOSSES = tuple(_LOSS_NAMES)
OUTPUTS = ("linear", "sigmoid", "softmax")


def _sigmoid_derivative(z: np.ndarray) -> np.ndarray:
    """sigma'(z) = sigma(z) * sigma(-z): keeps its digits where 1 - sigma(z) rounds to 0."""
    return sigmoid(z) * sigmoid(-z)


@dataclass(frozen=True, eq=False, repr=False)
class TrainingResult:
    """The trained parameters and the history of one training run.

    Attributes
    ----------
    weights : ndarray, shape (d,) or (d, C)
        Final weights (one column per class for a softmax output).
    bias : float or ndarray of shape (C,)
        Final bias.
    losses : ndarray, shape (steps + 1,)
        The training objective (mean loss plus the L2 penalty) before each
        step and after the last one.
    accuracies : ndarray of shape (steps + 1,), or None
        Training accuracy at the same points; None for regression (a linear
        output with a regression loss).
    gradient_norms : ndarray, shape (steps,)
        Euclidean norm of the full gradient (weights and bias) at each step.
    loss, output : str
        The loss and output activation the model was trained with.

    Examples
    --------
    >>> import numpy as np
    >>> from lossedu.models import train_linear_model
    >>> X = np.array([[0.0], [1.0], [2.0]])
    >>> result = train_linear_model(X, [1.0, 3.0, 5.0], loss="mse", steps=300)
    >>> result.predict(np.array([[3.0]])).round(3)  # y = 2x + 1
    array([7.])
    >>> result.accuracies is None  # a regression model has no accuracy
    True
    """

    weights: np.ndarray
    bias: float | np.ndarray
    losses: np.ndarray
    accuracies: np.ndarray | None
    gradient_norms: np.ndarray
    loss: str
    output: str

    def __repr__(self) -> str:
        steps = self.gradient_norms.shape[0]
        text = (f"TrainingResult(loss={self.loss!r}, output={self.output!r}, steps={steps}, "
                f"final loss={self.losses[-1]:.4g}")
        if self.accuracies is not None:
            text += f", final accuracy={self.accuracies[-1]:.3f}"
        return text + ")"

    def _logits(self, X) -> np.ndarray:
        features = as_float_array(X, "X")
        check_ndim(features, "X", (2,))
        if features.shape[1] != self.weights.shape[0]:
            raise ValueError(
                f"X has {features.shape[1]} features (shape {features.shape}) but the model "
                f"was trained on {self.weights.shape[0]}"
            )
        return features @ self.weights + self.bias

    def predict(self, X) -> np.ndarray:
        """Output activations for ``X`` of shape (m, d).

        ``"linear"``: the scores :math:`z` (m,); ``"sigmoid"``: the
        probabilities of class 1 (m,); ``"softmax"``: class probabilities
        (m, C).
        """
        z = self._logits(X)
        if self.output == "sigmoid":
            return np.asarray(sigmoid(z))
        if self.output == "softmax":
            return softmax(z, axis=1)
        return z

    def predict_labels(self, X) -> np.ndarray:
        """Predicted labels (int64, shape (m,)) for ``X`` of shape (m, d).

        ``"sigmoid"``: 1 where the probability is >= 0.5 (the logit >= 0);
        ``"softmax"``: the class of largest score; hinge (``"linear"``):
        +1 where the score is >= 0, else -1.  A regression model has no labels.
        """
        z = self._logits(X)
        if self.output == "sigmoid":
            return (z >= 0).astype(np.int64)
        if self.output == "softmax":
            return np.argmax(z, axis=1).astype(np.int64)
        if self.loss == "hinge":
            return np.where(z >= 0, 1, -1).astype(np.int64)
        raise ValueError(
            f"a regression model (loss={self.loss!r}, output='linear') predicts numbers, "
            "not labels; use predict(X)"
        )


def _check_choice(value, name: str, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, got {value!r}")
    return value


def _check_integer(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def _check_combination(loss: str, output: str) -> None:
    required = _OUTPUT_FOR.get(LOSS_TABLE[_LOSS_NAMES[loss]].prediction)
    if required is not None:
        if output != required:
            reason = {
                "sigmoid": "it is computed from the logits of a sigmoid output",
                "softmax": "it is computed from the logits of a softmax output",
                "linear": "it works on raw scores with labels -1/+1",
            }[required]
            raise ValueError(
                f"loss={loss!r} needs output={required!r} ({reason}), got output={output!r}"
            )


def _prepare_targets(y, n: int, loss: str, output: str):
    """Validate the targets; return them and the number of classes (or None)."""
    if output == "softmax":
        labels = as_labels(y, "y")
        if labels.shape != (n,):
            raise ValueError(
                f"y must have shape ({n},), one label per row of X, got {labels.shape}"
            )
        if (labels < 0).any():
            raise ValueError(f"y must hold class labels >= 0, got {int(labels[labels < 0][0])}")
        num_classes = int(labels.max()) + 1
        if num_classes < 2:
            raise ValueError(
                "y must contain at least two classes (labels 0 and 1) for a softmax output"
            )
        return labels, num_classes
    targets = as_float_array(y, "y")
    if targets.shape != (n,):
        raise ValueError(f"y must have shape ({n},), one target per row of X, got {targets.shape}")
    if output == "sigmoid":
        check_binary_labels(targets, "y")
    elif loss == "hinge":
        _check_signed_labels(targets, "y")
    return targets, None


def _loss_and_output_gradient(loss, output, targets, z, num_classes, weight, kwargs):
    """The mean loss and its gradient with respect to the logits ``z``."""
    options = dict(kwargs, sample_weight=weight)
    entry = LOSS_TABLE[_LOSS_NAMES[loss]]
    function, gradient = entry.function, entry.gradient
    if entry.prediction in _OUTPUT_FOR:
        return function(targets, z, **options), gradient(targets, z, **options)
    if output == "linear":
        return function(targets, z, **options), gradient(targets, z, **options)
    if output == "sigmoid":
        probability = np.asarray(sigmoid(z))
        value = function(targets, probability, **options)
        return value, gradient(targets, probability, **options) * _sigmoid_derivative(z)
    probabilities = softmax(z, axis=1)
    one_hot_targets = one_hot(targets, num_classes)
    value = function(one_hot_targets, probabilities, **options)
    upstream = gradient(one_hot_targets, probabilities, **options)
    # Jacobian-vector product of softmax: p * (g - <g, p>) in each row.
    inner = np.sum(upstream * probabilities, axis=1, keepdims=True)
    return value, probabilities * (upstream - inner)


def train_linear_model(X, y, *, loss, output="linear", learning_rate=0.1, steps=100,
                       loss_kwargs=None, l2=0.0, sample_weight=None, seed=0):
    r"""Train a linear model with full-batch gradient descent.

    The model computes logits :math:`z = Xw + b` (shape (n,)) or
    :math:`Z = XW + b` (shape (n, C) for ``output="softmax"``) and is trained
    on the objective

    .. math::

        J(W, b) = \frac{\sum_i s_i\, \ell(y_i, \text{output}(z_i))}{\sum_i s_i}
                  + \lambda \lVert W \rVert^2

    (the plain mean when ``sample_weight`` is None; the bias is not
    penalized) by ``steps`` updates
    :math:`W \leftarrow W - \eta\, \partial J/\partial W`,
    :math:`b \leftarrow b - \eta\, \partial J/\partial b`.

    Parameters
    ----------
    X : array_like, shape (n, d)
        Features, one sample per row (standardize them for stable training).
    y : array_like, shape (n,)
        Targets: real numbers for a linear output with a regression loss;
        labels {0, 1} for a sigmoid output; integer labels ``0 .. C-1`` for a
        softmax output (``C`` is the largest label plus one); labels
        {-1, +1} for ``"hinge"``.
    loss : {"mse", "mae", "huber", "log_cosh", "bce", "cce", "focal", "hinge"}
        The loss (see the table in :mod:`lossedu.models` for the outputs each
        one accepts).
    output : {"linear", "sigmoid", "softmax"}, default "linear"
        The output activation.
    learning_rate : float, default 0.1
        Step size :math:`\eta > 0`.
    steps : int, default 100
        Number of gradient steps (0 returns the initial model).
    loss_kwargs : dict, optional
        Hyperparameters passed to the loss and its gradient, e.g.
        ``{"delta": 0.5}`` for Huber, ``{"gamma": 2.0, "alpha": 0.25}`` for
        focal, ``{"pos_weight": 3.0}`` for BCE, ``{"label_smoothing": 0.1}``
        for CCE.
    l2 : float, default 0.0
        L2 penalty strength :math:`\lambda \ge 0` on the weights.
    sample_weight : array_like, shape (n,), optional
        Weight of each sample in the mean loss.
    seed : int, default 0
        Seed of the small normal initialization of the weights (standard
        deviation 0.01; the bias starts at 0).

    Returns
    -------
    TrainingResult

    Raises
    ------
    FloatingPointError
        When training diverges (the logits or the loss stop being finite):
        lower the learning rate.

    Notes
    -----
    The loss values and gradients come from :mod:`lossedu.regression`,
    :mod:`lossedu.classification` and :mod:`lossedu.margins`; ``"bce"``,
    ``"focal"`` and ``"cce"`` are computed from the logits, which stays
    exact for any finite logit.  The sigmoid derivative is evaluated as
    :math:`\sigma(z)\sigma(-z)`, which keeps its digits where
    :math:`1 - \sigma(z)` would round to 0.

    Examples
    --------
    >>> import numpy as np
    >>> from lossedu.models import train_linear_model
    >>> X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    >>> result = train_linear_model(X, [0, 0, 1, 1], loss="bce", output="sigmoid", steps=50)
    >>> result.losses.shape, result.accuracies.shape, result.gradient_norms.shape
    ((51,), (51,), (50,))
    >>> bool(result.losses[-1] < result.losses[0]), float(result.accuracies[-1])
    (True, 1.0)
    >>> result.predict_labels(np.array([[-3.0], [3.0]]))
    array([0, 1])
    """
    loss = _check_choice(loss, "loss", LOSSES)
    output = _check_choice(output, "output", OUTPUTS)
    _check_combination(loss, output)
    features = as_float_array(X, "X")
    check_ndim(features, "X", (2,))
    check_not_empty(features, "X")
    n, d = features.shape
    targets, num_classes = _prepare_targets(y, n, loss, output)
    learning_rate = check_positive_number(learning_rate, "learning_rate")
    steps = _check_integer(steps, "steps", 0)
    l2 = check_positive_number(l2, "l2", allow_zero=True)
    seed = _check_integer(seed, "seed", 0)
    weight = as_sample_weight(sample_weight, n)
    kwargs = {} if loss_kwargs is None else dict(loss_kwargs)
    forbidden = {"reduction", "sample_weight"} & set(kwargs)
    if forbidden:
        raise ValueError(
            f"loss_kwargs must not contain {sorted(forbidden)}: the model trains on the mean "
            "loss; pass sample_weight to train_linear_model itself"
        )

    rng = np.random.default_rng(seed)
    if output == "softmax":
        weights = rng.normal(0.0, 0.01, size=(d, num_classes))
        bias = np.zeros(num_classes)
    else:
        weights = rng.normal(0.0, 0.01, size=d)
        bias = 0.0
    is_classifier = output != "linear" or loss == "hinge"

    def evaluate(step):
        with np.errstate(over="ignore", invalid="ignore"):
            z = features @ weights + bias
        if not np.isfinite(z).all():
            raise FloatingPointError(
                f"training diverged at step {step}: the logits are no longer finite; "
                f"lower learning_rate (now {learning_rate})"
            )
        with np.errstate(over="ignore"):
            value, output_gradient = _loss_and_output_gradient(
                loss, output, targets, z, num_classes, weight, kwargs)
            value += l2_penalty(weights, strength=l2) if l2 else 0.0
            gradient_w = features.T @ output_gradient + 2.0 * l2 * weights
            gradient_b = np.sum(output_gradient, axis=0)
        if not np.isfinite(value):
            raise FloatingPointError(
                f"training diverged at step {step}: the loss is {value}; "
                f"lower learning_rate (now {learning_rate})"
            )
        correct = None
        if is_classifier:
            if output == "softmax":
                labels = np.argmax(z, axis=1)
            elif output == "sigmoid":
                labels = (z >= 0).astype(np.float64)
            else:
                labels = np.where(z >= 0, 1.0, -1.0)
            correct = float(np.mean(labels == targets))
        return value, correct, gradient_w, gradient_b

    losses = np.empty(steps + 1)
    accuracies = np.empty(steps + 1) if is_classifier else None
    gradient_norms = np.empty(steps)
    for step in range(steps + 1):
        value, correct, gradient_w, gradient_b = evaluate(step)
        losses[step] = value
        if accuracies is not None:
            accuracies[step] = correct
        if step == steps:
            break
        with np.errstate(over="ignore", invalid="ignore"):
            # A diverging run overflows here first; the next evaluate() sees
            # the non-finite logits and says to lower the learning rate.
            gradient_norms[step] = np.hypot(np.linalg.norm(gradient_w), np.linalg.norm(gradient_b))
            weights = weights - learning_rate * gradient_w
            bias = bias - learning_rate * gradient_b

    return TrainingResult(
        weights=weights,
        bias=float(bias) if output != "softmax" else bias,
        losses=losses,
        accuracies=accuracies,
        gradient_norms=gradient_norms,
        loss=loss,
        output=output,
    )
