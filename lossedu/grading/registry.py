"""The registry: every graded exercise of the course, declared once.

Each ``_declare(Exercise(...))`` below says, for one learner function:

* ``id`` -- the function's name, the same as the lossedu reference's name;
* ``reference`` -- the lossedu function that gives the expected values;
* ``parameters`` / ``hyperparameters`` -- how the learner's function is
  called: the parameters positionally, hyperparameters by keyword (only the
  ones declared, with their default, e.g. ``delta=1.0`` for Huber);
* ``fixed`` / ``random`` / ``extreme`` -- the inputs: hand-picked cases, a
  generator of seeded random cases, and numerically extreme cases (run last);
* ``output`` -- a number (the cost), an array, a whole number or a tuple;
* ``tolerance`` -- rtol/atol of the comparison;
* ``mistakes`` -- the known mistakes of this exercise, most specific first
  (the generic ones in :mod:`lossedu.grading.diagnoses` come after them).

Adding an exercise is one more ``_declare(...)`` here; the check cells, the
hidden tests and the test-suite all read :data:`EXERCISES`.
"""

from __future__ import annotations

import numpy as np

from lossedu import activations, classification, custom, gradcheck, metrics, regression, training
from lossedu.grading.cases import (
    ScalarFunction, arr, binary_labels, case, class_labels, logits, one_hot_rows, probabilities,
    probability_rows, regression_pair, shapes_not_square, signed_labels,
)
from lossedu.grading.diagnoses import Mistake, nonfinite, raised, ratio, variant, when
from lossedu.grading.exercise import REQUIRED, Array, Exercise, Integer, Number, Tolerance, TupleOf

__all__ = ["EXERCISES", "REQUIRED"]

#: Every exercise, by id (= the learner's function name), in course order.
EXERCISES: dict[str, Exercise] = {}


def _declare(exercise: Exercise) -> None:
    if exercise.id in EXERCISES:
        raise ValueError(f"exercise {exercise.id!r} is declared twice")
    EXERCISES[exercise.id] = exercise


# ---------------------------------------------------------------------------
# small formulas for mistaken variants (stable, so that a variant is what the
# mistaken formula means, not an accident of overflow)
# ---------------------------------------------------------------------------

def _softplus(x):
    return np.logaddexp(0.0, x)


def _sigmoid(x):
    return np.asarray(activations.sigmoid(x), dtype=np.float64)


def _clip(p, eps=1e-7):
    return np.clip(p, eps, 1.0 - eps)


def _size(case_) -> list:
    """Both counts a "sum instead of mean" may be off by: samples and values."""
    first = np.asarray(case_.args[1] if len(case_.args) > 1 else case_.args[0])
    n = first.shape[0] if first.ndim else 1
    return [n, first.size]


def _outputs_per_row(case_) -> float:
    first = np.asarray(case_.args[1])
    return float(first.size // (first.shape[0] if first.ndim else 1))


def _kw(case_, name, default):
    return case_.kwargs.get(name, default)


def _either(name: str, title: str, hint, *mistakes: Mistake) -> Mistake:
    """One named mistake recognised by any of several tests."""
    return Mistake(name, title, hint, lambda attempt: any(m.detect(attempt) for m in mistakes))


def _sum_instead_of_mean(what: str = "the per-sample losses") -> Mistake:
    return ratio(
        "sum_instead_of_mean", "sum instead of mean",
        lambda a: (f"your result is exactly {_ratio_text(a)} times the expected one, and that "
                   f"is the number of values: you added up {what} instead of taking their "
                   "mean (use `np.mean`, or divide the sum by the number of values)."),
        _size)


def _ratio_text(attempt) -> str:
    expected = np.asarray(attempt.expected).ravel()
    got = np.asarray(attempt.got).ravel()
    nonzero = np.abs(expected) > attempt.tolerance.atol
    value = float(np.median(got[nonzero] / expected[nonzero]))
    return f"{value:.6g}"


def _divided_by_rows() -> Mistake:
    return ratio(
        "divided_by_rows", "divided by the number of rows",
        "for an (n, k) array, `len(y_true)` is the number of rows n, but there are n * k "
        "values: the mean must divide by all of them (`np.mean`, or `.size`).",
        _outputs_per_row)


def _log_likelihood_sign() -> Mistake:
    return ratio(
        "log_likelihood_sign", "log-likelihood instead of loss",
        "your result is the negative of the loss: that is the log-likelihood. The loss is the "
        "*negative* log-likelihood, -log p, which is positive and shrinks as the prediction "
        "improves; put the minus sign in front.", -1.0)


def _gradient_missing_mean() -> Mistake:
    return ratio(
        "gradient_missing_mean", "gradient missing 1/n",
        lambda a: (f"your gradient is exactly {_ratio_text(a)} times the expected one: the "
                   "cost is a mean over the samples, so its gradient keeps the factor 1/n "
                   "of the mean. Divide by the number of values."),
        _size)


def _gradient_sign() -> Mistake:
    return ratio(
        "gradient_sign", "gradient with the wrong sign",
        "your gradient points the opposite way: the derivative with respect to the prediction "
        "has the prediction first, e.g. (prediction - target), not (target - prediction).",
        -1.0)


def _broadcast_cost(reference) -> Mistake:
    """The cost of an (n, 1) column broadcast against an (n,) vector."""
    def compute(case_):
        a, b = case_.args[0], case_.args[1]
        if np.ndim(a) != 1 or np.ndim(b) != 1 or a.shape[0] < 2:
            return None
        n = a.shape[0]
        return reference(np.repeat(a, n), np.tile(b, n), **case_.kwargs)

    return variant(
        "broadcast_column_vector", "(n, 1) combined with (n,) by broadcasting",
        "your result equals the average over all n * n pairs (sample i's target with sample "
        "j's prediction): a column of shape (n, 1) met a vector of shape (n,) and numpy "
        "broadcast them to an (n, n) table. Keep both as flat vectors (`.ravel()`).",
        compute)


# ---------------------------------------------------------------------------
# lesson 01: loss vs cost
# ---------------------------------------------------------------------------

def _regression_case(rng):
    n = int(rng.integers(3, 11))
    shape = (n,) if rng.random() < 0.7 else (n, int(rng.integers(2, 4)))
    return case(*regression_pair(rng, shape))


_declare(Exercise(
    id="squared_error",
    lesson="01-loss-vs-cost",
    summary="The loss of each sample, (y_true - y_pred) ** 2, with the shape of the inputs.",
    reference=training.squared_error,
    parameters=("y_true", "y_pred"),
    output=Array("an array with the shape of the inputs, one loss per value"),
    fixed=(
        case(arr(1.0, 2.0, 3.0), arr(1.5, 2.0, 1.0)),
        case(arr(-2.0, 0.5, 4.0, 1.0, 0.0), arr(1.0, 0.5, 3.0, -1.0, 0.25)),
        case(arr([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), arr([[1.5, 2.0], [2.0, 4.0], [5.0, 8.0]]),
             label="an (n, k) array"),
        case(np.array(3.0), np.array(1.0), label="a single number"),
    ),
    random=_regression_case,
    mistakes=(
        ratio("half_factor", "extra 1/2 factor",
              "your result is exactly half the expected one: the squared error here is "
              "(y - ŷ)², without the 1/2 that some books add to simplify the derivative.", 0.5),
        variant("missing_square", "missing square",
                "your result is the absolute difference |y - ŷ|: square the difference "
                "instead, (y_true - y_pred) ** 2.",
                lambda c: np.abs(c.args[0] - c.args[1])),
        _either("missing_square_signed", "missing square",
                "your result is the difference itself; square it: (y_true - y_pred) ** 2.",
                variant("a", "", "", lambda c: c.args[0] - c.args[1]),
                variant("b", "", "", lambda c: c.args[1] - c.args[0])),
        when("cost_instead_of_losses", "the cost instead of each sample's loss",
             "you returned one number, the mean of the losses: that is the cost. "
             "squared_error is the loss of *each* sample, an array with the shape of the "
             "inputs; averaging them is the job of cost.",
             lambda a: a.got is not None and a.got.ndim == 0 and a.expected.ndim > 0
             and a.matches(np.mean(a.expected))),
    ),
))

_declare(Exercise(
    id="cost",
    lesson="01-loss-vs-cost",
    summary="The cost: the mean of the squared errors of all samples.",
    reference=training.cost,
    parameters=("y_true", "y_pred"),
    output=Number("the cost"),
    fixed=(
        case(arr(1.0, 2.0, 3.0), arr(1.5, 2.0, 1.0)),
        case(arr(-2.0, 0.5, 4.0, 1.0, 0.0), arr(1.0, 0.5, 3.0, -1.0, 0.25)),
        case(arr([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), arr([[1.5, 2.0], [2.0, 4.0], [5.0, 8.0]]),
             label="an (n, k) array"),
    ),
    random=_regression_case,
    forbidden=(regression.mse,),
    mistakes=(
        _sum_instead_of_mean("the squared errors"),
        _divided_by_rows(),
        ratio("half_factor", "extra 1/2 factor",
              "your result is exactly half the expected one: the cost here is the plain mean "
              "of (y - ŷ)², without a 1/2 factor.", 0.5),
        variant("root_mean_squared", "square root taken",
                "your result is the square root of the cost (the RMSE): the cost is the mean "
                "of the squared errors itself.", lambda c: np.sqrt(training.cost(*c.args))),
        _either("missing_square", "missing square",
                "your result is the mean of the errors without squaring them: square each "
                "difference, then average.",
                variant("a", "", "", lambda c: np.mean(np.abs(c.args[0] - c.args[1]))),
                variant("b", "", "", lambda c: np.mean(c.args[0] - c.args[1])),
                variant("c", "", "", lambda c: np.mean(c.args[1] - c.args[0]))),
        _broadcast_cost(training.cost),
    ),
))


def _predict_case(rng):
    n = int(rng.integers(3, 9))
    d = int(rng.integers(1, 5))
    if d == n:
        n += 1
    return case(rng.normal(size=(n, d)), rng.normal(size=d), float(rng.normal(0, 2)))


_declare(Exercise(
    id="predict",
    lesson="01-loss-vs-cost",
    summary="Predictions of a linear model: X @ w + b, one per row of X.",
    reference=training.predict,
    parameters=("X", "w", "b"),
    output=Array("an array of shape (n,), one prediction per row of X"),
    fixed=(
        case(arr([[1.0, 2.0], [3.0, 4.0], [0.5, -1.0]]), arr(0.5, -0.25), 1.0),
        case(arr([[1.0], [2.0], [3.0], [4.0]]), arr(2.0), -1.0, label="one feature"),
        case(arr([[1.0, -2.0, 0.5]]), arr(3.0, 1.0, 2.0), 0.5, label="one sample"),
        case(arr([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]]), arr(1.5, -0.5), 0.0, label="no bias"),
    ),
    random=_predict_case,
    mistakes=(
        variant("missing_bias", "bias forgotten",
                "your predictions equal X @ w: add the bias b to every prediction.",
                lambda c: c.args[0] @ c.args[1]),
        when("summed_over_samples", "summed over the wrong axis",
             "your result has one value per feature instead of one per sample: each "
             "prediction is the sum over the features of one row, X @ w (or "
             "np.sum(X * w, axis=1)) + b.",
             lambda a: a.got is not None and a.got.shape == (a.case.args[0].shape[1],)
             and a.got.shape != a.expected.shape),
        raised("weights_before_features", "w @ X instead of X @ w",
               "X has one row per sample and one column per feature, w one weight per "
               "feature: the product is X @ w (the rows of X times w), not w @ X.",
               ValueError, "matmul|aligned|mismatch"),
    ),
))


def _descent_case(rng):
    n = int(rng.integers(4, 10))
    d = int(rng.integers(1, 4))
    X = rng.normal(size=(n, d))
    y = X @ rng.normal(size=d) + rng.normal(0, 0.3, size=n)
    return case(X, y, rng.normal(size=d), float(rng.normal()), float(rng.choice([0.01, 0.05, 0.1])))


def _descent_variant(transform):
    """A mistaken step derived from the reference's step: transform(w, b, gw, gb, lr, n)."""
    def compute(c):
        X, y, w, b, lr = c.args
        new_w, new_b = training.gradient_descent_step(X, y, w, b, lr)
        gradient_w, gradient_b = (w - new_w) / lr, (b - new_b) / lr
        return transform(w, b, gradient_w, gradient_b, lr, X.shape[0])
    return compute


def _divided_by_features(c):
    """The step of a gradient divided by X.size = n * d instead of n."""
    features = c.args[0].shape[1]
    if features == 1:
        return None
    return _descent_variant(lambda w, b, gw, gb, lr, n: (w - lr * gw / features,
                                                         b - lr * gb / features))(c)


_declare(Exercise(
    id="gradient_descent_step",
    lesson="01-loss-vs-cost",
    summary="One gradient-descent step on the MSE cost of predict: returns (new_w, new_b).",
    reference=training.gradient_descent_step,
    parameters=("X", "y", "w", "b", "learning_rate"),
    output=TupleOf((Array("new_w"), Number("new_b", per_sample=False)), ("new_w", "new_b")),
    fixed=(
        case(arr([[1.0], [2.0]]), arr(2.0, 4.0), arr(0.0), 0.0, 0.1, label="one feature"),
        case(arr([[1.0, 2.0, 0.5], [3.0, -1.0, 1.0], [0.5, 0.5, -1.0]]), arr(1.0, -2.0, 0.5),
             arr(0.5, 0.5, 0.25), 0.25, 0.05),
        case(arr([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [2.0, -1.0]]), arr(1.0, 2.0, 3.0, 0.0),
             arr(1.0, 2.0), 0.0, 0.1, label="already at the minimum"),
    ),
    random=_descent_case,
    samples=lambda c: c.args[0].shape[0],
    tolerance=Tolerance(rtol=1e-6, atol=1e-9),
    mistakes=(
        variant("gradient_ascent", "step along the gradient",
                "your step goes uphill. Either the residual has the wrong order (the "
                "gradient uses prediction minus truth, (2/n) X^T (ŷ - y)), or the gradient is "
                "added instead of subtracted: w - learning_rate * dC/dw (the same for b).",
                _descent_variant(lambda w, b, gw, gb, lr, n: (w + lr * gw, b + lr * gb))),
        variant("divided_by_size", "divided by X.size instead of n",
                "your step is d times too short, d the number of features: the mean is over "
                "the n samples, so divide by n = X.shape[0] (or len(y)), not by X.size = n·d.",
                _divided_by_features),
        variant("missing_factor_2", "factor 2 missing",
                "your step is half as long as it should be: the derivative of (ŷ - y)² is "
                "2 (ŷ - y), so the gradient of the cost is (2/n) X^T (ŷ - y) for w and "
                "(2/n) sum(ŷ - y) for b.",
                _descent_variant(lambda w, b, gw, gb, lr, n: (w - lr * gw / 2, b - lr * gb / 2))),
        variant("gradient_missing_mean", "gradient missing 1/n",
                "your step is n times too long: the cost is a mean over the n samples, so its "
                "gradient keeps the 1/n: (2/n) X^T (ŷ - y).",
                _descent_variant(lambda w, b, gw, gb, lr, n: (w - lr * gw * n, b - lr * gb * n))),
        variant("bias_not_updated", "bias not updated",
                "your new_w is right but new_b is the old b: the bias takes a step too, "
                "b - learning_rate * (2/n) sum(ŷ - y).",
                _descent_variant(lambda w, b, gw, gb, lr, n: (w - lr * gw, b))),
        variant("learning_rate_ignored", "learning rate not applied",
                "your step ignores the learning rate: multiply the gradient by learning_rate "
                "before subtracting it.",
                _descent_variant(lambda w, b, gw, gb, lr, n: (w - gw, b - gb))),
    ),
))

# ---------------------------------------------------------------------------
# lesson 02: binary cross-entropy
# ---------------------------------------------------------------------------

_EXTREME_LOGITS = arr(-1000.0, -800.0, -500.0, 500.0, 800.0, 1000.0)

_declare(Exercise(
    id="sigmoid",
    lesson="02-binary-cross-entropy",
    summary="The logistic sigmoid 1 / (1 + exp(-z)), elementwise, exact for any finite z.",
    reference=activations.sigmoid,
    forbidden=(activations.log_sigmoid,),
    parameters=("z",),
    output=Array("an array with the shape of z"),
    fixed=(
        case(arr(0.0, 1.0, -1.0, 2.5, -4.0)),
        case(arr([[0.5, -0.5, 3.0], [10.0, -10.0, 0.0]]), label="a 2-d array"),
        case(np.array(0.0), label="a single number"),
        case(0.5, label="a Python float"),
    ),
    random=lambda rng: case(rng.normal(0, 5, size=int(rng.integers(3, 12)))),
    extreme=(case(_EXTREME_LOGITS, tags={"extreme"}, label="logits of -1000 to 1000"),),
    mistakes=(
        nonfinite("sigmoid_overflow", "exp overflow",
                  "your result has inf or NaN at logits like ±1000: exp(1000) overflows to inf, "
                  "and inf / inf is NaN. Only ever compute exp of a number <= 0: "
                  "e = np.exp(-np.abs(z)) lies in (0, 1], and then "
                  "np.where(z >= 0, 1 / (1 + e), e / (1 + e)).",
                  tag="extreme"),
        variant("sigmoid_sign", "sign of the exponent",
                "your result is σ(-z) = 1 / (1 + exp(z)): the exponent is -z, so that large "
                "positive logits give probabilities close to 1.",
                lambda c: _sigmoid(-c.args[0])),
    ),
))


def _bce_case(rng):
    n = int(rng.integers(4, 13))
    return case(binary_labels(rng, n), probabilities(rng, n))


_BCE_EPS_HINT = ("clip the predictions before the log, as the exercise describes: "
                 "p = np.clip(y_pred, 1e-7, 1 - 1e-7).")

_declare(Exercise(
    id="binary_cross_entropy",
    lesson="02-binary-cross-entropy",
    summary="Mean binary cross-entropy of probabilities, clipped to [1e-7, 1 - 1e-7].",
    reference=classification.binary_cross_entropy,
    parameters=("y_true", "y_pred"),
    output=Number("the cost"),
    fixed=(
        case(arr(1.0, 0.0, 1.0, 0.0), arr(0.9, 0.1, 0.8, 0.3)),
        case(arr(1.0), arr(0.1), label="y = 1 predicted with p = 0.1"),
        case(arr(0.0, 1.0, 1.0), arr(0.4, 0.6, 0.5)),
        case(arr(0.2, 0.9, 0.5), arr(0.3, 0.8, 0.5), label="soft labels (probabilities as targets)"),
    ),
    random=_bce_case,
    extreme=(
        case(arr(1.0, 0.0, 1.0, 0.0), arr(1.0, 0.0, 0.7, 0.2), tags={"zero_one"},
             label="confident and right: probabilities exactly 1 and 0"),
        case(arr(1.0, 0.0, 1.0), arr(0.0, 1.0, 0.5), tags={"zero_one"},
             label="confident and wrong: probabilities exactly 0 and 1"),
    ),
    # log(p + eps) instead of clipping differs by about eps: accepted
    tolerance=Tolerance(rtol=1e-5, atol=1e-7),
    swappable=True,
    mistakes=(
        nonfinite("log_of_zero", "log(0) with unclipped probabilities",
                  "with probabilities exactly 0 or 1 your formula takes log(0) = -inf (and "
                  "0 * log(0) is NaN): " + _BCE_EPS_HINT, tag="zero_one"),
        _sum_instead_of_mean(),
        _log_likelihood_sign(),
        variant("positive_term_only", "only the y·log p half",
                "your result is -mean(y log p) alone: binary cross-entropy has two terms, "
                "-[y log p + (1 - y) log(1 - p)]; the second one is the loss of the negative "
                "samples.",
                lambda c: -np.mean(c.args[0] * np.log(_clip(c.args[1])))),
        variant("negative_term_only", "only the (1-y)·log(1-p) half",
                "your result is -mean((1 - y) log(1 - p)) alone: add the term of the positive "
                "samples, -y log p.",
                lambda c: -np.mean((1 - c.args[0]) * np.log(1 - _clip(c.args[1])))),
        ratio("log_base", "log base 2 or 10",
              "cross-entropy uses the natural logarithm (np.log), not np.log2 or np.log10.",
              [1 / np.log(2.0), 1 / np.log(10.0)]),
        _broadcast_cost(classification.binary_cross_entropy),
        when("clip_eps", "another clipping epsilon",
             "your result is right except where probabilities are exactly 0 or 1: "
             + _BCE_EPS_HINT,
             lambda a: "zero_one" in a.case.tags and a.got is not None
             and bool(np.all(np.isfinite(a.got)))),
    ),
))


def _logit_case(rng):
    n = int(rng.integers(4, 13))
    return case(binary_labels(rng, n), logits(rng, n))


_EXTREME_LABELS = arr(1.0, 0.0, 1.0, 0.0, 1.0, 0.0)
_EXTREME_BINARY_LOGITS = arr(500.0, -500.0, -500.0, 500.0, 800.0, -800.0)

_LOG_SIGMOID_HINT = (
    "your result has inf or NaN on logits like ±500. Two usual causes: (1) forming σ(z) and "
    "taking its log: σ(500) rounds to exactly 1, so log(1 - σ(z)) = log(0) = -inf; (2) "
    "computing softplus naively as log(1 + exp(z)): exp(500) overflows to inf. Use the stable "
    "softplus, max(z, 0) + log1p(exp(-|z|)) or np.logaddexp(0, z), with "
    "-log σ(z) = softplus(-z) and -log(1 - σ(z)) = softplus(z).")


def _saturated_hint(_attempt) -> str:
    return ("your result is right for moderate logits but too small on logits like ±500: "
            "turning logits into probabilities and clipping them caps each loss at "
            "-log(eps) (about 16 for eps = 1e-7), while the true loss of a confidently wrong "
            "logit z is about |z|. Compute from the logits: -log σ(z) = np.logaddexp(0, -z).")


def _bce_clipped(c, eps):
    return np.mean(-(c.args[0] * np.log(_clip(_sigmoid(c.args[1]), eps))
                     + (1 - c.args[0]) * np.log(1 - _clip(_sigmoid(c.args[1]), eps))))


_CLIPPING_EPSILONS = (1e-7, 1e-8, 1e-10, 1e-12, 1e-15)


def _logits_as_probabilities() -> Mistake:
    """NaN or inf on moderate logits: the logits were treated as probabilities."""
    def detect(a) -> bool:
        if "extreme" in a.case.tags or a.got is None:
            return False
        if not np.all(np.isfinite(a.got)):
            return True
        # a loss is never negative; exactly -expected is the sign mistake, named elsewhere
        return bool(np.any(a.got < 0)) and not a.matches(-np.asarray(a.expected))

    return when("logits_as_probabilities", "logits used as probabilities",
                "your result is NaN, inf or negative although the logits are moderate: logits "
                "are raw scores, any real number, so log(logits) or log(1 - logits) is "
                "undefined or meaningless for many of them. Turn them into probabilities with "
                "the sigmoid, and their logs stably: -log σ(z) = np.logaddexp(0, -z).", detect)


def _saturated_on_extreme(clipped=None, hint=None) -> Mistake:
    """Probabilities formed from logits and clipped: the loss saturates at -log(eps).

    Recognised on the extreme cases (finite but wrong there), and on any case
    where ``clipped(case, eps)``, the clipped computation, matches for one of
    the usual epsilons.
    """
    tests = [when("extreme", "", "", lambda a: "extreme" in a.case.tags and a.got is not None
                  and bool(np.all(np.isfinite(a.got))))]
    if clipped is not None:
        tests += [variant(f"eps{eps:g}", "", "", lambda c, eps=eps: clipped(c, eps))
                  for eps in _CLIPPING_EPSILONS]
    return _either("clipped_probabilities", "probabilities clipped instead of using logits",
                   hint or _saturated_hint, *tests)


_declare(Exercise(
    id="binary_cross_entropy_with_logits",
    lesson="02-binary-cross-entropy",
    summary="Mean binary cross-entropy computed from logits, exact for any finite logit.",
    reference=classification.binary_cross_entropy_with_logits,
    parameters=("y_true", "logits"),
    output=Number("the cost"),
    fixed=(
        case(arr(1.0, 0.0, 1.0, 0.0), arr(2.0, -1.0, -0.5, 3.0)),
        case(arr(1.0, 0.0), arr(0.0, 0.0), label="logit 0: probability 1/2"),
        case(arr(0.0, 1.0, 1.0, 0.0, 1.0), arr(-4.0, 6.0, 0.25, 1.5, -2.0)),
    ),
    random=_logit_case,
    extreme=(case(_EXTREME_LABELS, _EXTREME_BINARY_LOGITS, tags={"extreme"},
                  label="logits of ±500 and ±800"),),
    forbidden=(custom.focal_loss, classification.categorical_cross_entropy_with_logits),
    mistakes=(
        nonfinite("log_sigmoid_overflow", "log(sigmoid(z)) overflow", _LOG_SIGMOID_HINT,
                  tag="extreme"),
        _sum_instead_of_mean(),
        _log_likelihood_sign(),
        variant("positive_term_only", "only the y·log p half",
                "your result has only the term of the positive samples, y softplus(-z): add "
                "(1 - y) softplus(z), the loss of the negatives.",
                lambda c: np.mean(c.args[0] * _softplus(-c.args[1]))),
        variant("yz_sign", "+ y z instead of - y z",
                "your result is mean(softplus(z) + y z): the loss is softplus(z) - y z "
                "(= y softplus(-z) + (1 - y) softplus(z)).",
                lambda c: np.mean(_softplus(c.args[1]) + c.args[0] * c.args[1])),
        variant("labels_flipped", "labels flipped",
                "your result treats y = 1 as the negative class: the positives cost "
                "softplus(-z) = -log σ(z), the negatives softplus(z) = -log(1 - σ(z)).",
                lambda c: np.mean(c.args[0] * _softplus(c.args[1])
                                  + (1 - c.args[0]) * _softplus(-c.args[1]))),
        _logits_as_probabilities(),
        _broadcast_cost(classification.binary_cross_entropy_with_logits),
        _saturated_on_extreme(_bce_clipped),
    ),
))

_declare(Exercise(
    id="binary_cross_entropy_with_logits_grad",
    lesson="02-binary-cross-entropy",
    summary="Gradient of the mean BCE with respect to the logits: (sigmoid(z) - y) / n.",
    reference=classification.binary_cross_entropy_with_logits_grad,
    forbidden=(gradcheck.numerical_gradient,),
    parameters=("y_true", "logits"),
    output=Array("an array with the shape of logits"),
    fixed=(
        case(arr(1.0, 0.0, 1.0, 0.0), arr(2.0, -1.0, -0.5, 3.0)),
        case(arr(1.0, 0.0), arr(0.0, 0.0), label="logit 0: probability 1/2"),
        case(arr(0.0, 1.0, 1.0, 0.0, 1.0), arr(-4.0, 6.0, 0.25, 1.5, -2.0)),
    ),
    random=_logit_case,
    extreme=(case(_EXTREME_LABELS, _EXTREME_BINARY_LOGITS, tags={"extreme"},
                  label="logits of ±500 and ±800"),),
    mistakes=(
        nonfinite("sigmoid_overflow", "exp overflow in the sigmoid",
                  "your gradient has inf or NaN at logits like ±800: exp(800) overflows, and "
                  "exp(z) / (1 + exp(z)) becomes inf / inf = NaN. Compute σ(z) stably (only "
                  "exp of negative numbers), e.g. 1 / (1 + exp(-z)) for z >= 0.",
                  tag="extreme"),
        _gradient_missing_mean(),
        _gradient_sign(),
        variant("gradient_wrt_probability", "gradient taken w.r.t. p instead of the logit",
                "your result is the derivative with respect to the probability p = σ(z), "
                "(p - y) / (p (1 - p)) / n. The exercise asks for the gradient with respect to "
                "the logits z: the chain rule multiplies by σ'(z) = p (1 - p), which cancels "
                "the denominator and leaves (σ(z) - y) / n.",
                lambda c: (_sigmoid(c.args[1]) - c.args[0])
                / (_sigmoid(c.args[1]) * (1 - _sigmoid(c.args[1]))) / c.args[0].shape[0]),
        variant("sigmoid_derivative_again", "σ'(z) multiplied in again",
                "your gradient is (σ(z) - y) σ(z) (1 - σ(z)) / n: σ'(z) = σ(z)(1 - σ(z)) has "
                "already cancelled against the derivative of the log. With respect to the "
                "logits the gradient is simply (σ(z) - y) / n.",
                lambda c: (_sigmoid(c.args[1]) - c.args[0]) * _sigmoid(c.args[1])
                * (1 - _sigmoid(c.args[1])) / c.args[0].shape[0]),
        variant("logits_not_squashed", "logits used where σ(z) belongs",
                "your gradient is (z - y) / n: the gradient is (σ(z) - y) / n, with the "
                "probability σ(z), not the raw logit.",
                lambda c: (c.args[1] - c.args[0]) / c.args[0].shape[0]),
    ),
))

# ---------------------------------------------------------------------------
# lesson 03: mean squared error
# ---------------------------------------------------------------------------

_REGRESSION_FIXED = (
    case(arr(1.0, 2.0, 3.0), arr(1.5, 2.0, 0.5)),
    case(arr(-2.0, 0.5, 4.0, 1.0, 0.0), arr(1.0, 0.5, 3.0, -1.0, 0.25)),
    case(arr([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), arr([[1.5, 2.0], [2.0, 4.0], [5.0, 8.0]]),
         label="an (n, k) array: k outputs per sample"),
)

_declare(Exercise(
    id="mse",
    lesson="03-mean-squared-error",
    summary="Mean squared error over all values.",
    reference=regression.mse,
    parameters=("y_true", "y_pred"),
    output=Number("the cost"),
    fixed=_REGRESSION_FIXED,
    random=_regression_case,
    forbidden=(training.cost, regression.huber, training.regularized_cost),
    mistakes=(
        _sum_instead_of_mean("the squared errors"),
        _divided_by_rows(),
        ratio("half_factor", "extra 1/2 factor",
              "your result is exactly half the expected one: MSE is the plain mean of "
              "(y - ŷ)², without the 1/2 factor some derivations add.", 0.5),
        variant("root_mean_squared", "square root taken",
                "your result is the square root of the MSE (the RMSE): return the mean of "
                "the squared errors itself.", lambda c: np.sqrt(regression.mse(*c.args))),
        variant("absolute_instead_of_square", "missing square",
                "your result is the mean absolute error: MSE squares each error, "
                "np.mean((y_true - y_pred) ** 2).", lambda c: regression.mae(*c.args)),
        _either("missing_square", "missing square",
                "your result is the mean of the errors themselves, where positive and negative "
                "errors cancel: square each error before averaging.",
                variant("a", "", "", lambda c: np.mean(c.args[0] - c.args[1])),
                variant("b", "", "", lambda c: np.mean(c.args[1] - c.args[0]))),
        _broadcast_cost(regression.mse),
    ),
))

_declare(Exercise(
    id="mse_grad",
    lesson="03-mean-squared-error",
    summary="Gradient of the MSE cost with respect to y_pred: 2 (y_pred - y_true) / (number of values).",
    reference=regression.mse_grad,
    forbidden=(regression.huber_grad, gradcheck.numerical_gradient),
    parameters=("y_true", "y_pred"),
    output=Array("an array with the shape of y_pred"),
    fixed=_REGRESSION_FIXED,
    random=_regression_case,
    mistakes=(
        _gradient_missing_mean(),
        ratio("missing_factor_2", "factor 2 missing",
              "your gradient is exactly half the expected one: the derivative of (ŷ - y)² is "
              "2 (ŷ - y).", 0.5),
        ratio("half_mse_without_mean", "factor 2 and 1/n missing",
              "your gradient is y_pred - y_true, the gradient of one sample's ½(ŷ - y)². The "
              "MSE cost has no ½ and is a mean: its gradient is 2 (y_pred - y_true) / (number "
              "of values).", lambda c: [size / 2 for size in _size(c)]),
        _gradient_sign(),
        _divided_by_rows(),
    ),
))

_declare(Exercise(
    id="mae",
    lesson="03-mean-squared-error",
    summary="Mean absolute error over all values.",
    reference=regression.mae,
    parameters=("y_true", "y_pred"),
    output=Number("the cost"),
    fixed=_REGRESSION_FIXED,
    random=_regression_case,
    mistakes=(
        _sum_instead_of_mean("the absolute errors"),
        _divided_by_rows(),
        variant("squared_instead_of_absolute", "squared instead of absolute",
                "your result is the MSE: MAE takes the absolute value of each error, "
                "np.mean(np.abs(y_true - y_pred)), without squaring.",
                lambda c: regression.mse(*c.args)),
        variant("median_instead_of_mean", "median instead of mean",
                "your result is the median of the absolute errors: MAE is their *mean*, "
                "np.mean(np.abs(y_true - y_pred)). (The median is the best constant "
                "prediction under MAE, not the loss itself.)",
                lambda c: float(np.median(np.abs(c.args[0] - c.args[1])))),
        _either("missing_absolute_value", "missing absolute value",
                "your result is the mean of the signed errors, where positive and negative "
                "errors cancel: take np.abs of each error before averaging.",
                variant("a", "", "", lambda c: np.mean(c.args[0] - c.args[1])),
                variant("b", "", "", lambda c: np.mean(c.args[1] - c.args[0]))),
        _broadcast_cost(regression.mae),
    ),
))


def _huber_case(rng):
    c = _regression_case(rng)
    if rng.random() < 0.6:
        return case(*c.args, delta=float(rng.choice([0.3, 0.5, 2.0, 3.0])))
    return c


def _huber_formula(c, *, quadratic_half=True, offset=True, swapped=False, delta=None,
                   signed_test=False, signed_linear=False):
    r = c.args[1] - c.args[0]
    d = _kw(c, "delta", 1.0) if delta is None else delta
    small = (r <= d) if signed_test else (np.abs(r) <= d)
    if swapped:
        small = ~small
    quadratic = (0.5 if quadratic_half else 1.0) * r ** 2
    size = r if signed_linear else np.abs(r)
    linear = d * (size - 0.5 * d) if offset else d * size
    return np.mean(np.where(small, quadratic, linear))


_HUBER_FIXED = (
    case(arr(0.0, 0.0, 0.0, 0.0), arr(0.5, -3.0, 1.0, -0.25), label="errors on both sides of delta"),
    # errors 0.2, 2.5, -4, -0.8: one inside the band, one between delta and 1, two far out
    case(arr(1.0, 2.0, 3.0, -1.0), arr(1.2, 4.5, -1.0, -1.8), delta=0.5),
    case(arr(1.0, 2.0, 3.0, -1.0), arr(1.2, 4.5, -1.0, -1.5), delta=2.0),
    case(arr([[0.0, 1.0], [2.0, 3.0], [1.0, -1.0]]), arr([[2.0, 1.5], [-1.0, 3.0], [1.2, -3.5]]),
         delta=1.5, label="an (n, k) array"),
)

_declare(Exercise(
    id="huber",
    lesson="03-mean-squared-error",
    summary="Mean Huber loss: 0.5 r² where |r| <= delta, delta (|r| - delta / 2) elsewhere.",
    reference=regression.huber,
    parameters=("y_true", "y_pred"),
    hyperparameters={"delta": 1.0},
    output=Number("the cost"),
    fixed=_HUBER_FIXED,
    random=_huber_case,
    mistakes=(
        variant("delta_ignored", "delta ignored",
                "your result is the Huber loss with delta = 1 although the check passed "
                "another delta: use the delta argument in both the test |r| <= delta and the "
                "linear piece.", lambda c: _huber_formula(c, delta=1.0)),
        variant("quadratic_half_missing", "missing 1/2 factor in the quadratic piece",
                "where |r| <= delta the Huber loss is ½ r², with the factor 1/2 (so that both "
                "pieces have the same slope at |r| = delta).",
                lambda c: _huber_formula(c, quadratic_half=False)),
        variant("linear_offset_missing", "linear piece without - delta / 2",
                "the linear piece is delta (|r| - delta / 2): without the - delta / 2 the two "
                "pieces do not meet at |r| = delta.",
                lambda c: _huber_formula(c, offset=False)),
        variant("branches_swapped", "pieces swapped",
                "your quadratic and linear pieces are swapped: use ½ r² for the small errors "
                "(|r| <= delta) and the linear piece for the large ones.",
                lambda c: _huber_formula(c, swapped=True)),
        variant("test_without_abs", "|r| <= delta tested without the absolute value",
                "a large *negative* error got the quadratic piece: the test is on the size of "
                "the error, np.abs(r) <= delta, not r <= delta.",
                lambda c: _huber_formula(c, signed_test=True)),
        variant("linear_without_abs", "linear piece without the absolute value",
                "your linear piece is negative for large negative errors: it is "
                "delta * (|r| - delta / 2), with np.abs(r); a loss is never negative.",
                lambda c: _huber_formula(c, signed_linear=True)),
        ratio("smooth_l1", "Huber divided by delta (PyTorch's SmoothL1)",
              "your result is the Huber loss divided by delta: that is SmoothL1 as PyTorch "
              "defines it, ½ r² / delta inside the band. The Huber loss here is ½ r² inside "
              "and delta (|r| - delta / 2) outside.", lambda c: 1.0 / _kw(c, "delta", 1.0)),
        _sum_instead_of_mean("the per-sample losses"),
        _divided_by_rows(),
        _broadcast_cost(regression.huber),
    ),
))


def _huber_grad_formula(c, *, clip=True, delta=None, outside=None, inside=None):
    r = c.args[1] - c.args[0]
    d = _kw(c, "delta", 1.0) if delta is None else delta
    if outside is not None or inside is not None:  # a mistaken piece
        small = np.abs(r) <= d
        inside_value = r if inside is None else inside(r, d)
        outside_value = d * np.sign(r) if outside is None else outside(r, d)
        return np.where(small, inside_value, outside_value) / np.size(r)
    return (np.clip(r, -d, d) if clip else r) / np.size(r)


_declare(Exercise(
    id="huber_grad",
    lesson="03-mean-squared-error",
    summary="Gradient of the mean Huber loss w.r.t. y_pred: clip(r, -delta, delta) / (number of values).",
    reference=regression.huber_grad,
    forbidden=(gradcheck.numerical_gradient,),
    parameters=("y_true", "y_pred"),
    hyperparameters={"delta": 1.0},
    output=Array("an array with the shape of y_pred"),
    fixed=_HUBER_FIXED,
    random=_huber_case,
    mistakes=(
        variant("delta_ignored", "delta ignored",
                "your gradient is the one for delta = 1 although the check passed another "
                "delta: clip the error to [-delta, delta] with the delta argument.",
                lambda c: _huber_grad_formula(c, delta=1.0)),
        variant("slope_one_outside", "slope ±1 outside the band",
                "outside the band |r| <= delta the Huber loss is delta (|r| - delta / 2), whose "
                "slope is ±delta, not ±1: use delta * np.sign(r) there (or np.clip(r, -delta, "
                "delta) for both pieces at once).",
                lambda c: _huber_grad_formula(c, outside=lambda r, d: np.sign(r))),
        variant("gradient_pieces_swapped", "gradient pieces swapped",
                "your pieces are swapped: inside the band |r| <= delta the slope is r (from "
                "½ r²), outside it is ±delta.",
                lambda c: _huber_grad_formula(c, inside=lambda r, d: d * np.sign(r),
                                              outside=lambda r, d: r)),
        variant("quadratic_slope_doubled", "slope 2r inside the band",
                "inside the band the loss is ½ r², whose derivative is r, not 2r.",
                lambda c: _huber_grad_formula(c, inside=lambda r, d: 2 * r)),
        variant("not_clipped", "gradient not clipped at ±delta",
                "for |r| > delta the Huber loss is linear, so its slope stays at ±delta: "
                "np.clip(y_pred - y_true, -delta, delta) / n.",
                lambda c: _huber_grad_formula(c, clip=False)),
        _gradient_missing_mean(),
        _gradient_sign(),
        _divided_by_rows(),
    ),
))

# ---------------------------------------------------------------------------
# lesson 04: MSE vs BCE, measured
# ---------------------------------------------------------------------------

def _labels_with_errors(rng, n, classes):
    truth = class_labels(rng, n, classes)
    prediction = truth.copy()
    wrong = rng.random(n) < rng.uniform(0.1, 0.6)
    prediction[wrong] = rng.integers(0, classes, size=int(wrong.sum()))
    return truth, prediction


def _accuracy_case(rng):
    return case(*_labels_with_errors(rng, int(rng.integers(5, 16)), int(rng.integers(2, 5))))


_declare(Exercise(
    id="accuracy",
    lesson="04-mse-vs-bce",
    summary="The fraction of samples whose predicted label equals the true label.",
    reference=metrics.accuracy,
    parameters=("y_true", "y_pred"),
    output=Number("the accuracy"),
    fixed=(
        case(np.array([0, 1, 2, 1]), np.array([0, 2, 2, 1])),
        case(np.array([1, 0, 1, 1, 0]), np.array([1, 0, 1, 1, 0]), label="all correct"),
        case(np.array([1, 0, 0]), np.array([0, 1, 1]), label="all wrong"),
    ),
    random=_accuracy_case,
    mistakes=(
        ratio("count_instead_of_fraction", "count instead of fraction",
              "your result is the number of correct predictions: the accuracy is the "
              "fraction, that count divided by the number of samples (np.mean of the "
              "comparison).", lambda c: c.args[0].shape[0]),
        ratio("percentage", "percentage instead of fraction",
              "your result is a percentage: return a fraction between 0 and 1.", 100.0),
        variant("error_rate", "error rate instead of accuracy",
                "your result is the fraction of *wrong* predictions: accuracy counts the "
                "samples where y_pred == y_true.",
                lambda c: 1.0 - metrics.accuracy(*c.args)),
        variant("integer_division", "integer division",
                "your result is a whole number: `//` divides and rounds down, so a fraction "
                "such as 7 // 10 is 0. Divide with `/`, or take np.mean(y_true == y_pred).",
                lambda c: float(np.sum(c.args[0] == c.args[1]) // c.args[0].shape[0])),
    ),
))


def _jaccard(y_true, y_pred):
    true_positive = np.sum((y_true == 1) & (y_pred == 1))
    wrong = np.sum(y_true != y_pred)
    return None if true_positive + wrong == 0 else true_positive / (true_positive + wrong)


def _f1_case(rng):
    return case(*_labels_with_errors(rng, int(rng.integers(6, 16)), 2))


_declare(Exercise(
    id="f1_score",
    lesson="04-mse-vs-bce",
    summary="F1 score of binary labels (positive class 1); 0.0 when it is 0/0.",
    reference=metrics.f1_score,
    forbidden=(metrics.precision, metrics.recall),
    parameters=("y_true", "y_pred"),
    output=Number("the F1 score", per_sample=False),
    fixed=(
        case(np.array([1, 0, 1, 0]), np.array([1, 1, 0, 0])),
        case(np.array([1, 1, 1, 0, 0, 0, 0, 0, 0, 0]), np.array([1, 1, 0, 1, 1, 0, 0, 0, 0, 0]),
             label="TP = 2, FN = 1, FP = 2, TN = 5"),
        case(np.array([1, 1, 0, 0, 1, 0, 1]), np.array([1, 0, 0, 1, 1, 0, 1])),
        case(np.array([1, 0, 1, 0, 0]), np.array([1, 0, 1, 0, 0]), label="all correct"),
        case(np.array([1, 1, 0, 0]), np.array([0, 0, 1, 1]), tags={"zero_division"},
             label="no true positives: precision and recall are 0"),
        case(np.array([0, 0, 0]), np.array([0, 0, 0]), tags={"zero_division"},
             label="no positive labels and no positive predictions"),
    ),
    random=_f1_case,
    mistakes=(
        when("zero_division_as_one", "1.0 at 0/0",
             "with no positive label and no positive prediction, TP = FP = FN = 0 and "
             "2TP / (2TP + FP + FN) is 0/0. Conventions differ; this course, like "
             "scikit-learn's default, defines F1 as 0.0 there, not 1.0.",
             lambda a: "zero_division" in a.case.tags and a.matches(1.0)),
        _either("zero_division", "0/0 not handled",
                "when there are no true positives, precision, recall or 2PR / (P + R) can be "
                "0/0 (with no positive label and no positive prediction, even TP + FP and "
                "TP + FN are 0). Compute F1 as 2TP / (2TP + FP + FN) and return 0.0 when the "
                "denominator is 0.",
                nonfinite("a", "", "", tag="zero_division"),
                raised("b", "", "", ZeroDivisionError)),
        variant("accuracy_instead", "accuracy instead of F1",
                "your result is the accuracy: F1 only looks at the positive class, "
                "2TP / (2TP + FP + FN).", lambda c: metrics.accuracy(*c.args)),
        variant("precision_instead", "precision instead of F1",
                "your result is the precision TP / (TP + FP): F1 is the harmonic mean of "
                "precision and recall.", lambda c: metrics.precision(*c.args)),
        variant("recall_instead", "recall instead of F1",
                "your result is the recall TP / (TP + FN): F1 is the harmonic mean of "
                "precision and recall.", lambda c: metrics.recall(*c.args)),
        variant("arithmetic_mean", "arithmetic instead of harmonic mean",
                "your result is (precision + recall) / 2: F1 is the *harmonic* mean, "
                "2 P R / (P + R).",
                lambda c: (metrics.precision(*c.args) + metrics.recall(*c.args)) / 2),
        variant("jaccard", "TP / (TP + FP + FN)",
                "your result is TP / (TP + FP + FN), the Jaccard index (IoU): F1 counts the "
                "true positives twice, 2TP / (2TP + FP + FN).",
                lambda c: _jaccard(*c.args)),
        variant("positive_class_swapped", "positive class 0",
                "your result is the F1 score of class 0: the positive class is 1.",
                lambda c: metrics.f1_score(1 - c.args[0], 1 - c.args[1])),
    ),
))


def _history_case(rng):
    steps = int(rng.integers(8, 25))
    history = np.clip(np.cumsum(rng.uniform(-0.02, 0.08, size=steps)) + rng.uniform(0.3, 0.6),
                      0.0, 1.0)
    history = np.round(history, 3)
    choice = rng.random()
    if choice < 0.4:
        target = float(history[int(rng.integers(0, steps))])  # exactly reached
    elif choice < 0.7:
        target = float(np.round(rng.uniform(history.min(), history.max()), 3))
    else:
        target = float(np.round(history.max() + rng.uniform(0.001, 0.05), 3))  # never
    tags = {"never"} if training.steps_to_accuracy(history, target) == -1 else set()
    return case(history, target, tags=tags)


def _stays_above(c):
    """The first index from which every later accuracy reaches the target (or -1)."""
    reached = np.asarray(c.args[0]) >= c.args[1]
    below = np.flatnonzero(~reached)
    if not reached.any() or (below.size and below[-1] == reached.size - 1):
        return -1
    return int(below[-1] + 1) if below.size else 0


def _first_index(c, test):
    hits = np.flatnonzero(test(np.asarray(c.args[0]), c.args[1]))
    return int(hits[0]) if hits.size else None


_declare(Exercise(
    id="steps_to_accuracy",
    lesson="04-mse-vs-bce",
    summary="The first index i with accuracy_history[i] >= target, or -1 if never reached.",
    reference=training.steps_to_accuracy,
    parameters=("accuracy_history", "target"),
    output=Integer("the index of the first step that reaches the target, or -1"),
    fixed=(
        case(arr(0.5, 0.7, 0.92, 0.95), 0.9),
        case(arr(0.5, 0.9, 0.95), 0.9, label="one value equals the target"),
        case(arr(0.95, 0.97, 0.99), 0.9, label="reached at step 0"),
        case(arr(0.5, 0.91, 0.85, 0.95), 0.9, label="accuracy goes down again"),
        case(arr(0.5, 0.7, 0.8), 0.9, tags={"never"}, label="never reached"),
    ),
    random=_history_case,
    samples=lambda c: np.asarray(c.args[0]).shape[0],
    mistakes=(
        variant("strict_inequality", "> instead of >=",
                "reaching the target includes being equal to it: look for the first accuracy "
                ">= target.",
                lambda c: _first_index(c, np.greater) if _first_index(c, np.greater) is not None
                else -1),
        variant("off_by_one", "index plus one",
                "your answer is one too large: indices start at 0, and history[0] is step 0; "
                "return the index i itself.",
                lambda c: None if "never" in c.tags else _first_index(c, np.greater_equal) + 1),
        variant("argmax_when_never", "0 when the target is never reached",
                "when no accuracy reaches the target you return 0: np.argmax returns 0 when "
                "nothing is True. Check first whether any value reaches the target "
                "(np.any) and return -1 if not.",
                lambda c: 0 if "never" in c.tags else None),
        variant("stays_above", "the step from which it stays above",
                "the first time the target is reached counts, even if the accuracy drops "
                "below it again later.", _stays_above),
        variant("length_when_never", "len(history) when never reached",
                "when the target is never reached, return -1 (not the length of the history).",
                lambda c: len(c.args[0]) if "never" in c.tags else None),
        when("none_when_never", "None when never reached",
             "your function returned None when the target is never reached: return -1 in "
             "that case.", lambda a: a.raw is None and a.error is None and "never" in a.case.tags),
    ),
))

# ---------------------------------------------------------------------------
# lesson 05: categorical cross-entropy
# ---------------------------------------------------------------------------

def _softmax_formula(z, axis=-1):
    return np.asarray(activations.softmax(z, axis=axis), dtype=np.float64)


def _scores_case(rng):
    if rng.random() < 0.25:
        return case(logits(rng, int(rng.integers(3, 7))))
    n, c = shapes_not_square(rng)
    return case(logits(rng, (n, c)))


_SCORES_FIXED = (
    case(arr(1.0, 2.0, 3.0), label="one sample, three classes"),
    case(arr([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0], [-2.0, 0.0, 4.0], [0.5, -0.5, 0.0]]),
         label="4 samples, 3 classes"),
    case(arr([[2.0, 1.0, 0.1], [0.0, 3.0, -1.0], [1.0, 1.0, 5.0]]), tags={"square"},
         label="3 samples, 3 classes (square)"),
)

_SCORES_EXTREME = (
    case(arr([[1000.0, 999.0, -1000.0], [-1000.0, -1000.0, -1001.0]]), tags={"extreme"},
         label="logits of ±1000"),
    case(arr([[0.0, -1000.0, 5.0], [800.0, 0.0, -5.0]]), tags={"extreme"},
         label="logits far apart"),
)

_WRONG_AXIS_HINT = ("normalise each row: the sums go along the last axis (axis=-1, the classes), "
                    "with keepdims=True so that they line up with the rows.")

_KEEPDIMS_HINT = ("z.max(axis=1) and z.sum(axis=1) have shape (n,), which numpy lines up with "
                  "the *columns* of an (n, C) array: keep the reduced axis with "
                  "keepdims=True (shape (n, 1)) before subtracting or dividing.")


_GLOBAL_MAX_HINT = ("you subtracted the largest logit of the whole array, not of each row: a row "
                    "whose logits are all far below it underflows to exp(...) = 0, and 0/0 is "
                    "NaN. Subtract each row's own maximum, z.max(axis=-1, keepdims=True).")


def _global_shift(z):
    """exp(z - max of the whole array): what a shift by the global maximum computes."""
    with np.errstate(all="ignore"):
        return np.exp(z - np.max(z))


def _softmax_global_shift(c):
    z = c.args[0]
    if z.ndim != 2:
        return None
    shifted = _global_shift(z)
    with np.errstate(all="ignore"):
        return shifted / shifted.sum(axis=-1, keepdims=True)


def _log_softmax_global_shift(c):
    z = c.args[0]
    if z.ndim != 2:
        return None
    with np.errstate(all="ignore"):
        return z - np.max(z) - np.log(_global_shift(z).sum(axis=-1, keepdims=True))


def _rows_do_not_sum_to_one(attempt) -> bool:
    got = attempt.got
    return (got is not None and got.shape == attempt.expected.shape and got.ndim == 2
            and not np.allclose(got.sum(axis=-1), 1.0, atol=1e-6))


_declare(Exercise(
    id="softmax",
    lesson="05-categorical-cross-entropy",
    summary="Softmax over the last axis: exp(z) / sum(exp(z)), exact for any finite logits.",
    reference=activations.softmax,
    forbidden=(activations.log_softmax,),
    parameters=("z",),
    output=Array("an array with the shape of z, each row summing to 1"),
    fixed=_SCORES_FIXED,
    random=_scores_case,
    extreme=_SCORES_EXTREME,
    mistakes=(
        variant("global_max_shift", "the whole array's maximum subtracted", _GLOBAL_MAX_HINT,
                _softmax_global_shift),
        nonfinite("softmax_overflow", "softmax without the max shift",
                  "your result has NaN or inf for logits like ±1000: exp(1000) overflows to "
                  "inf (and a row of very negative logits gives 0/0). Subtract each row's "
                  "largest logit first, z - z.max(axis=-1, keepdims=True): softmax does not "
                  "change when the same number is subtracted from a whole row.",
                  tag="extreme"),
        variant("wrong_axis", "softmax over the wrong axis",
                "your columns sum to 1 instead of your rows: " + _WRONG_AXIS_HINT,
                lambda c: _softmax_formula(c.args[0], axis=0) if c.args[0].ndim == 2 else None),
        variant("whole_array", "normalised over the whole array",
                "your whole array sums to 1: each row (one sample) must sum to 1 on its own; "
                + _WRONG_AXIS_HINT,
                lambda c: np.exp(c.args[0]) / np.exp(c.args[0]).sum() if c.args[0].ndim == 2
                else None),
        variant("double_softmax", "softmax applied twice",
                "your result is softmax(softmax(z)): apply softmax once, to the logits.",
                lambda c: _softmax_formula(_softmax_formula(c.args[0]))),
        raised("keepdims_missing", "row reduction without keepdims", _KEEPDIMS_HINT,
               ValueError, "could not be broadcast"),
        when("rows_not_normalised", "rows do not sum to 1",
             "the rows of your result do not sum to 1. With as many samples as classes numpy "
             "raised no error, but a reduction without keepdims=True was lined up with the "
             "wrong axis: " + _KEEPDIMS_HINT, _rows_do_not_sum_to_one),
    ),
))


def _log_of_zero(attempt) -> bool:
    got = attempt.got
    return (got is not None and "extreme" in attempt.case.tags and bool(np.any(got == -np.inf))
            and not np.any(np.isnan(got)) and not np.any(got == np.inf))


_declare(Exercise(
    id="log_softmax",
    lesson="05-categorical-cross-entropy",
    summary="log(softmax(z)) over the last axis, computed as z - logsumexp(z), exact for any logits.",
    reference=activations.log_softmax,
    forbidden=(activations.logsumexp, activations.softmax),
    parameters=("z",),
    output=Array("an array with the shape of z"),
    fixed=_SCORES_FIXED,
    random=_scores_case,
    extreme=_SCORES_EXTREME,
    mistakes=(
        when("log_of_softmax", "log of softmax underflows to log(0)",
             "your result has -inf where a logit is far below the largest one: its softmax "
             "rounds to 0 and log(0) = -inf. Do not take the log of softmax; compute "
             "z - logsumexp(z) directly: m = z.max(axis=-1, keepdims=True), then "
             "z - m - np.log(np.sum(np.exp(z - m), axis=-1, keepdims=True)).", _log_of_zero),
        variant("global_max_shift", "the whole array's maximum subtracted",
                "you subtracted the largest logit of the whole array, not of each row: in a "
                "row whose logits are all far below it, sum(exp(z - m)) underflows to 0 and "
                "its log is -inf. Use each row's own maximum, z.max(axis=-1, keepdims=True).",
                _log_softmax_global_shift),
        nonfinite("logsumexp_overflow", "logsumexp without the max shift",
                  "your result has NaN or inf for logits like ±1000: exp(1000) overflows. "
                  "Subtract each row's maximum m before exponentiating and add it back: "
                  "logsumexp(z) = m + log(sum(exp(z - m))).", tag="extreme"),
        variant("maximum_not_added_back", "the row maximum not added back",
                "your result is off by each row's maximum m: with the shift, "
                "log_softmax(z) = z - m - log(sum(exp(z - m))); you subtracted m inside the "
                "exp but not outside.",
                lambda c: np.asarray(activations.log_softmax(c.args[0]))
                + np.max(c.args[0], axis=-1, keepdims=True)),
        variant("softmax_returned", "softmax instead of its log",
                "your result is softmax(z): log-softmax is its logarithm, "
                "z - logsumexp(z).", lambda c: _softmax_formula(c.args[0])),
        variant("wrong_axis", "log-softmax over the wrong axis",
                "your result is normalised over the columns: " + _WRONG_AXIS_HINT,
                lambda c: np.asarray(activations.log_softmax(c.args[0], axis=0))
                if c.args[0].ndim == 2 else None),
        variant("double_softmax", "log-softmax of probabilities",
                "your result is log_softmax(softmax(z)): the input is logits; apply "
                "log-softmax to them directly.",
                lambda c: np.asarray(activations.log_softmax(_softmax_formula(c.args[0])))),
        raised("keepdims_missing", "row reduction without keepdims", _KEEPDIMS_HINT,
               ValueError, "could not be broadcast"),
        when("rows_not_normalised", "rows not normalised",
             "exp of your rows does not sum to 1. With as many samples as classes numpy "
             "raised no error, but a reduction without keepdims=True was lined up with the "
             "wrong axis: " + _KEEPDIMS_HINT,
             lambda a: a.got is not None and a.got.shape == a.expected.shape and a.got.ndim == 2
             and not np.allclose(np.exp(a.got).sum(axis=-1), 1.0, atol=1e-6)),
    ),
))


def _one_hot_case(rng):
    n, c = shapes_not_square(rng)
    return case(class_labels(rng, n, c), c)


_declare(Exercise(
    id="one_hot",
    lesson="05-categorical-cross-entropy",
    summary="One-hot rows (n, num_classes) for integer labels (n,).",
    reference=activations.one_hot,
    parameters=("labels", "num_classes"),
    output=Array("an array of shape (n, num_classes)"),
    fixed=(
        case(np.array([0, 2, 1]), 3, label="3 labels, 3 classes"),
        case(np.array([0, 1, 1, 0]), 3, label="class 2 does not appear in the labels"),
        case(np.array([3]), 5, label="a single label"),
        case(np.array([1, 0, 1, 1, 0, 1]), 2),
    ),
    random=_one_hot_case,
    mistakes=(
        when("classes_from_labels", "number of classes taken from the labels",
             "your result has as many columns as the largest label + 1: use num_classes "
             "for the number of columns, since a class may be absent from these labels.",
             lambda a: a.got is not None and a.got.ndim == 2
             and a.got.shape == (a.case.args[0].shape[0], int(a.case.args[0].max()) + 1)
             and a.got.shape != a.expected.shape),
        variant("transposed", "one column per sample",
                "your result is transposed: one row per label, one column per class, "
                "shape (n, num_classes).", lambda c: activations.one_hot(*c.args).T),
    ),
))


def _targets(rng, n, c):
    """y_true in one of the forms the CCE exercises accept, with its tag."""
    labels = class_labels(rng, n, c)
    choice = rng.random()
    if choice < 1 / 3:
        return labels, "labels"
    if choice < 2 / 3:
        return one_hot_rows(labels, c), "one_hot"
    return probability_rows(rng, n, c), "soft_targets"


def _target_rows(y_true, classes):
    y_true = np.asarray(y_true)
    return one_hot_rows(y_true, classes) if y_true.ndim == 1 else np.asarray(y_true, float)


def _argmax_of_rows(reference):
    """The cost of soft target rows reduced to their argmax labels."""
    def compute(c):
        if "soft_targets" not in c.tags:
            return None
        return reference(np.argmax(c.args[0], axis=1), *c.args[1:], **c.kwargs)
    return compute


_ARGMAX_HINT = ("your result is the loss of each row's most likely class only: target rows may "
                "be soft (mass on several classes, e.g. [0.8, 0.1, 0.1]). Use every entry, "
                "-np.sum(y_true_rows * log_p, axis=1), not np.argmax(y_true, axis=1).")

_LABELS_AS_ROWS_HINT = ("y_true may be integer labels of shape (n,): tell the two forms apart by "
                        "y_true.ndim, and turn labels into rows with one_hot(y_true, C) first.")


def _cce_case(rng):
    n, c = shapes_not_square(rng)
    targets, form = _targets(rng, n, c)
    return case(targets, probability_rows(rng, n, c), tags={form})


_CCE_EPS_HINT = "clip the probabilities before the log: np.clip(y_pred, 1e-7, 1)."


_declare(Exercise(
    id="categorical_cross_entropy",
    lesson="05-categorical-cross-entropy",
    summary="Mean categorical cross-entropy of targets (integer labels (n,) or rows (n, C)) and "
            "probability rows (n, C), probabilities clipped to [1e-7, 1].",
    reference=classification.categorical_cross_entropy,
    forbidden=(classification.categorical_cross_entropy_with_logits,),
    parameters=("y_true", "y_pred"),
    output=Number("the cost"),
    fixed=(
        case(arr([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]),
             arr([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4], [0.5, 0.25, 0.25]]),
             label="4 samples, 3 classes"),
        case(np.array([0, 1, 2, 1]),
             arr([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4], [0.5, 0.25, 0.25]]),
             tags={"labels"}, label="the same targets as integer labels (n,)"),
        case(arr([[0.8, 0.1, 0.1], [0.2, 0.5, 0.3], [0.0, 0.25, 0.75]]),
             arr([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4]]),
             tags={"soft_targets"}, label="soft target rows"),
        case(arr([[0.0, 1.0]]), arr([[0.25, 0.75]]), label="one sample"),
    ),
    random=_cce_case,
    extreme=(
        case(arr([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]), arr([[0.6, 0.4, 0.0], [0.0, 1.0, 0.0]]),
             tags={"zero_probability"}, label="probabilities exactly 0 and 1"),
        case(arr([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]), arr([[0.0, 0.5, 0.5], [0.2, 0.8, 0.0]]),
             tags={"zero_probability"}, label="probability 0 for the true class"),
    ),
    tolerance=Tolerance(rtol=1e-6, atol=1e-6),
    swappable=True,
    mistakes=(
        nonfinite("log_of_zero", "log(0) with unclipped probabilities",
                  "with probabilities exactly 0 your formula takes log(0) = -inf (and "
                  "0 * log(0) is NaN): " + _CCE_EPS_HINT, tag="zero_probability"),
        raised("labels_not_one_hot", "target rows used as integer labels",
               "here y_true holds target rows of shape (n, C), not integer labels: compute "
               "-np.sum(y_true * np.log(p), axis=1) for rows (turn labels into rows with "
               "one_hot first).", IndexError),
        raised("labels_as_rows", "integer labels used as target rows", _LABELS_AS_ROWS_HINT,
               ValueError, "could not be broadcast", tag="labels"),
        variant("argmax_of_soft_targets", "soft target rows reduced with argmax", _ARGMAX_HINT,
                _argmax_of_rows(classification.categorical_cross_entropy)),
        _sum_instead_of_mean(),
        _log_likelihood_sign(),
        ratio("mean_over_classes", "mean over the classes too",
              "your result is the expected one divided by the number of classes: sum over "
              "the classes of each sample (axis=1), then take the mean over the samples.",
              lambda c: 1.0 / c.args[1].shape[-1]),
        when("clip_eps", "another clipping epsilon",
             "your result is right except where probabilities are exactly 0: " + _CCE_EPS_HINT,
             lambda a: "zero_probability" in a.case.tags and a.got is not None
             and bool(np.all(np.isfinite(a.got)))),
    ),
))


def _cce_logits_case(rng):
    n, c = shapes_not_square(rng)
    targets, form = _targets(rng, n, c)
    if rng.random() < 0.3:
        return case(targets, logits(rng, (n, c)),
                    class_weight=rng.uniform(0.2, 3.0, size=c), tags={"class_weight", form})
    return case(targets, logits(rng, (n, c)), tags={form})


def _log_probs(c):
    return np.asarray(activations.log_softmax(c.args[1]), dtype=np.float64)


def _weighted_over_n(c):
    weight = c.kwargs.get("class_weight")
    if weight is None:
        return None
    rows = _target_rows(c.args[0], c.args[1].shape[1])
    losses = -np.sum(weight * rows * _log_probs(c), axis=1)
    return np.sum(losses) / rows.shape[0]


def _over_weight_total(c):
    weight = c.kwargs.get("class_weight")
    if weight is None:
        return None
    rows = _target_rows(c.args[0], c.args[1].shape[1])
    return -np.sum(weight * rows * _log_probs(c)) / np.sum(weight)


def _cce_clipped(c, eps):
    targets, scores = c.args
    rows = _target_rows(targets, scores.shape[1])
    log_p = np.log(np.clip(_softmax_formula(scores), eps, 1.0))
    weight = c.kwargs.get("class_weight")
    weight = np.ones(scores.shape[1]) if weight is None else weight
    return np.sum(-np.sum(weight * rows * log_p, axis=1)) / np.sum(rows @ weight)


def _one_hot_as_labels_cost(c):
    labels, scores = c.args
    if labels.ndim != 1 or labels.shape[0] != scores.shape[1]:
        return None
    return np.mean(-np.sum(labels[None, :] * _log_probs(c), axis=1))


_ONE_HOT_CONFUSION_HINT = (
    "here y_true holds integer class labels of shape (n,), not rows: tell the two forms apart "
    "by y_true.ndim, and convert labels first with one_hot(y_true, C) (or pick each sample's "
    "log-probability with log_probs[np.arange(n), y_true]).")

_DOUBLE_SOFTMAX_HINT = (
    "your result is what the right formula gives for softmax(z): softmax was applied to "
    "values that are already probabilities. The function receives logits; apply "
    "log-softmax to them once.")

_SOFTMAX_OVERFLOW_HINT = (
    "your result has NaN or inf for logits like ±500: exp(500) overflows (and a row of very "
    "negative logits gives log(0)). Compute log_softmax(z) = z - logsumexp(z), with each "
    "row's maximum subtracted before exp.")

_CCE_LOGITS_FIXED = (
    case(np.array([0, 1, 2, 1]),
         arr([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0], [0.0, 0.0, 0.0], [1.0, -1.0, 3.0]]),
         tags={"labels"}, label="4 samples, 3 classes"),
    case(np.array([1]), arr([[0.25, 1.75]]), tags={"labels"}, label="one sample"),
    case(np.array([2, 0, 1]), arr([[2.0, 1.0, 0.1], [0.0, 3.0, -1.0], [1.0, 1.0, 5.0]]),
         tags={"square", "labels"}, label="3 samples, 3 classes (square)"),
)

# "very negative logits" first: a softmax without the max shift gives NaN there
# (0/0), the log of a shifted softmax gives inf (-log 0), so the first failure
# tells the two mistakes apart.
_CCE_LOGITS_EXTREME = (
    case(np.array([1, 1]), arr([[-800.0, -800.0, -801.0], [0.0, -1000.0, 5.0]]),
         tags={"extreme", "labels"}, label="very negative logits"),
    case(np.array([0, 2]), arr([[500.0, 0.0, -500.0], [1000.0, 999.0, -1000.0]]),
         tags={"extreme", "labels"}, label="logits of ±500 and ±1000"),
)

_declare(Exercise(
    id="categorical_cross_entropy_with_logits",
    lesson="05-categorical-cross-entropy",
    summary="Mean categorical cross-entropy of targets (integer labels (n,) or rows (n, C)) and "
            "logits (n, C); with class_weight, the weighted mean of exercise 5.",
    reference=classification.categorical_cross_entropy_with_logits,
    parameters=("y_true", "logits"),
    hyperparameters={"class_weight": None},
    output=Number("the cost"),
    fixed=_CCE_LOGITS_FIXED + (
        case(np.array([0, 1, 2, 1, 1]),
             arr([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0], [0.0, 0.0, 0.0], [1.0, -1.0, 3.0],
                  [0.2, 0.1, 0.0]]),
             class_weight=arr(1.0, 0.5, 4.0), tags={"class_weight", "labels"},
             label="with class weights"),
        case(arr([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]),
             arr([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0], [0.0, 0.0, 0.0]]),
             tags={"one_hot"}, label="one-hot target rows (n, C)"),
        case(arr([[0.8, 0.1, 0.1], [0.2, 0.5, 0.3], [0.0, 0.25, 0.75]]),
             arr([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0], [1.0, -1.0, 3.0]]),
             tags={"soft_targets"}, label="soft target rows"),
    ),
    random=_cce_logits_case,
    extreme=_CCE_LOGITS_EXTREME,
    mistakes=(
        _either("log_of_softmax", "log of a probability that rounded to 0",
                "your result is inf on logits far apart: a probability far below the row's "
                "largest logit rounds to 0 even with the max shift, and -log(0) = inf. Do "
                "not take the log of softmax: use "
                "log_softmax(z) = z - m - log(sum(exp(z - m))) with "
                "m = z.max(axis=-1, keepdims=True).",
                when("picked", "", "", lambda a: "extreme" in a.case.tags and a.got is not None
                     and bool(np.any(np.isposinf(a.got))) and not np.any(np.isnan(a.got)))),
        nonfinite("softmax_overflow", "softmax without the max shift", _SOFTMAX_OVERFLOW_HINT,
                  tag="extreme"),
        _either("one_hot_confusion", "integer labels used as one-hot rows",
                _ONE_HOT_CONFUSION_HINT,
                raised("a", "", "", ValueError, "could not be broadcast", tag="labels"),
                variant("b", "", "", _one_hot_as_labels_cost)),
        raised("rows_as_labels", "target rows used as integer labels",
               "here y_true holds target rows of shape (n, C): use them directly, "
               "-np.sum(y_true * log_softmax(z), axis=1) (integer labels (n,) go through "
               "one_hot first).", IndexError),
        variant("argmax_of_soft_targets", "soft target rows reduced with argmax", _ARGMAX_HINT,
                _argmax_of_rows(classification.categorical_cross_entropy_with_logits)),
        variant("weighted_mean_over_n", "weighted mean divided by n",
                "with class weights the cost is a *weighted* mean: divide the weighted sum of "
                "the losses by the sum of the weights used, sum_i sum_c w_c y_ic (sum_i w[y_i] "
                "for labels), not by n.",
                _weighted_over_n),
        variant("divided_by_weight_total", "divided by the sum of all class weights",
                "you divided by sum(class_weight), the weights of the classes; the weighted "
                "mean divides by the weights actually used, one per sample: "
                "sum_i sum_c w_c y_ic (sum_i w[y_i] for labels).", _over_weight_total),
        variant("class_weight_ignored", "class_weight ignored",
                "your result ignores class_weight: multiply each sample's loss by the weight "
                "of its true class, w[y_i], and divide by the sum of those weights.",
                lambda c: classification.categorical_cross_entropy_with_logits(*c.args)
                if c.kwargs.get("class_weight") is not None else None),
        variant("double_softmax", "softmax applied to probabilities", _DOUBLE_SOFTMAX_HINT,
                lambda c: classification.categorical_cross_entropy_with_logits(
                    c.args[0], _softmax_formula(c.args[1]), **c.kwargs)),
        _sum_instead_of_mean(),
        _log_likelihood_sign(),
        ratio("mean_over_classes", "mean over the classes too",
              "your result is the expected one divided by the number of classes: sum over "
              "the classes of each sample, then take the mean over the samples.",
              lambda c: 1.0 / c.args[1].shape[-1]),
        _saturated_on_extreme(
            _cce_clipped,
            "your result is right for moderate logits but too small on logits far apart: "
            "turning logits into probabilities and clipping them caps each loss at -log(eps) "
            "(about 16 for eps = 1e-7), while the true loss of a confidently wrong example "
            "grows with the logit gap. Compute log_softmax(z) = z - m - log(sum(exp(z - m))) "
            "with m = z.max(axis=-1, keepdims=True), and pick the true class's entry."),
    ),
))


def _cce_grad_case(rng):
    n, c = shapes_not_square(rng)
    targets, form = _targets(rng, n, c)
    return case(targets, logits(rng, (n, c)), tags={form})


def _cce_grad_variant(transform):
    def compute(c):
        labels, scores = c.args
        n, classes = scores.shape
        targets = _target_rows(labels, classes)
        return transform(_softmax_formula(scores), targets, n, labels)
    return compute


_declare(Exercise(
    id="categorical_cross_entropy_with_logits_grad",
    lesson="05-categorical-cross-entropy",
    summary="Gradient of the mean CCE w.r.t. the logits: (softmax(z) - target rows) / n.",
    reference=classification.categorical_cross_entropy_with_logits_grad,
    forbidden=(gradcheck.numerical_gradient,),
    parameters=("y_true", "logits"),
    output=Array("an array with the shape of logits, (n, C)"),
    fixed=_CCE_LOGITS_FIXED + (
        case(arr([[0.8, 0.1, 0.1], [0.2, 0.5, 0.3], [0.0, 0.25, 0.75]]),
             arr([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0], [1.0, -1.0, 3.0]]),
             tags={"soft_targets"}, label="soft target rows"),
    ),
    random=_cce_grad_case,
    extreme=_CCE_LOGITS_EXTREME,
    mistakes=(
        nonfinite("softmax_overflow", "softmax without the max shift",
                  "your gradient has NaN or inf for logits like ±500: exp(500) overflows. "
                  "Subtract each row's maximum before exp: softmax(z) = "
                  "softmax(z - z.max(axis=-1, keepdims=True)).", tag="extreme"),
        _either("one_hot_confusion", "integer labels used as one-hot rows",
                "y_true holds integer class labels of shape (n,), not one-hot rows: "
                "subtract 1 at each sample's class, e.g. grad = softmax(z); "
                "grad[np.arange(n), y_true] -= 1, or build one_hot(y_true, C) first.",
                raised("a", "", "", ValueError, "could not be broadcast", tag="labels"),
                variant("b", "", "", _cce_grad_variant(
                    lambda p, t, n, labels: (p - labels[None, :]) / n
                    if labels.ndim == 1 and labels.shape[0] == p.shape[1] else None))),
        raised("rows_as_labels", "target rows used as integer labels",
               "here y_true holds target rows of shape (n, C): subtract them directly, "
               "(softmax(z) - y_true) / n (integer labels (n,) go through one_hot first).",
               IndexError),
        variant("argmax_of_soft_targets", "soft target rows reduced with argmax", _ARGMAX_HINT,
                _argmax_of_rows(classification.categorical_cross_entropy_with_logits_grad)),
        _gradient_missing_mean(),
        _gradient_sign(),
        variant("gradient_wrt_probability", "gradient taken w.r.t. p instead of the logits",
                "your result is the derivative with respect to the probabilities, "
                "-y / p / n. The exercise asks for the gradient with respect to the logits: "
                "through the softmax it simplifies to (softmax(z) - one_hot(y)) / n.",
                _cce_grad_variant(lambda p, t, n, labels: -t / p / n)),
        variant("double_softmax", "softmax applied to probabilities", _DOUBLE_SOFTMAX_HINT,
                lambda c: classification.categorical_cross_entropy_with_logits_grad(
                    c.args[0], _softmax_formula(c.args[1]))),
        ratio("divided_by_size", "divided by n * C",
              "your gradient is C times too small: the cost is a mean over the n samples only "
              "(each sample's loss sums over its C classes), so divide by n = logits.shape[0], "
              "not by logits.size.", lambda c: 1.0 / c.args[1].shape[-1]),
        variant("targets_not_subtracted", "one-hot targets not subtracted",
                "your result is softmax(z) / n: subtract the one-hot targets, "
                "(softmax(z) - one_hot(y)) / n.",
                _cce_grad_variant(lambda p, t, n, labels: p / n)),
    ),
))

# ---------------------------------------------------------------------------
# lesson 06: custom losses
# ---------------------------------------------------------------------------

_CUBE = ScalarFunction("np.sum(x ** 3)", "3 * x ** 2")
_EXP = ScalarFunction("np.sum(np.exp(2 * x))", "2 * np.exp(2 * x)")
_WAVE = ScalarFunction("np.sum(np.sin(3 * x)) + np.sum(x ** 2)", "3 * np.cos(3 * x) + 2 * x")
_WEIGHTED = ScalarFunction("np.sum(np.arange(1, x.size + 1).reshape(x.shape) * x ** 2)",
                           "2 * np.arange(1, x.size + 1).reshape(x.shape) * x")
_MEAN_SQUARE = ScalarFunction("np.mean((x - 1.5) ** 2)", "2 * (x - 1.5) / x.size")
# Not a sum of one-variable terms: an element left at x[j] - h changes every later difference.
_LOGSUMEXP = ScalarFunction("np.log(np.sum(np.exp(x)))", "np.exp(x) / np.sum(np.exp(x))")
_FUNCTIONS = (_CUBE, _EXP, _WAVE, _WEIGHTED, _MEAN_SQUARE, _LOGSUMEXP)


def _rows_moved(c):
    """The difference when a 2-d x's rows, not its elements, are moved by ±h."""
    f, x = c.args
    point = np.array(x, dtype=np.float64)
    if point.ndim != 2:
        return None
    h = _kw(c, "h", 1e-6)
    gradient = np.zeros_like(point)
    for row in range(point.shape[0]):
        up, down = point.copy(), point.copy()
        up[row] += h
        down[row] -= h
        gradient[row] = (f(up) - f(down)) / (2 * h)
    return gradient


def _all_at_once(c):
    f, x = c.args
    point = np.array(x, dtype=np.float64)
    h = _kw(c, "h", 1e-6)
    return np.full(point.shape, (f(point + h) - f(point - h)) / (2 * h))


def _numerical_case(rng):
    function = _FUNCTIONS[int(rng.integers(0, len(_FUNCTIONS)))]
    shape = (int(rng.integers(2, 7)),) if rng.random() < 0.7 else (2, int(rng.integers(2, 4)))
    x = rng.normal(0, 1, size=shape)
    step = rng.choice([0.0, 1e-3, 1e-4])
    return case(function, x, h=float(step)) if step else case(function, x)


def _difference(c, kind: str, step=None, restore=True):
    f, x = c.args
    h = _kw(c, "h", 1e-6) if step is None else step
    point = np.array(x, dtype=np.float64)
    gradient = np.zeros_like(point)
    flat = point.reshape(-1)
    for j in range(flat.size):
        base = flat.copy() if restore else flat
        old = base[j]
        base[j] = old + h
        up = f(base.reshape(point.shape))
        base[j] = old - h
        down = f(base.reshape(point.shape))
        if restore:
            base[j] = old
        centre = f(point) if kind != "central" else 0.0
        gradient.reshape(-1)[j] = {"central": (up - down) / (2 * h), "forward": (up - centre) / h,
                                   "backward": (centre - down) / h}[kind]
    return gradient


_declare(Exercise(
    id="numerical_gradient",
    lesson="06-custom-losses",
    summary="Central-difference gradient (f(x + h e_j) - f(x - h e_j)) / (2h) of f: array -> float.",
    reference=gradcheck.numerical_gradient,
    parameters=("f", "x"),
    hyperparameters={"h": 1e-6},
    output=Array("an array with the shape of x"),
    fixed=(
        case(_CUBE, arr(1.0, -2.0, 0.5)),
        case(_WEIGHTED, arr([[1.0, -1.0, 0.5], [2.0, 0.0, -0.5]]), label="a 2-d x"),
        case(_MEAN_SQUARE, arr(0.0, 1.0, 2.0, 3.0)),
        case(_CUBE, arr(1.0, -2.0, 0.5), h=1e-3, label="h = 1e-3"),
        case(_EXP, arr(0.3, -0.2), h=0.05, label="h = 0.05"),
        case(_WAVE, arr(0.1, 0.7, -1.2), h=1e-2, label="h = 0.01"),
        case(_LOGSUMEXP, arr(0.5, -1.0, 2.0, 0.0), h=1e-3, label="h = 1e-3"),
        case(_CUBE, np.array([1, 2, 3]), tags={"integer_input"}, label="x holds integers"),
    ),
    random=_numerical_case,
    samples=lambda c: int(np.size(c.args[1])),
    tolerance=Tolerance(rtol=1e-5, atol=1e-6),
    mistakes=(
        when("integer_input", "integer x perturbed in place",
             "x holds integers, so x.copy() does too, and adding h = 1e-6 to an integer "
             "element rounds it back: your differences came out wrong. Make a float copy "
             "first: x = np.array(x, dtype=float).",
             lambda a: "integer_input" in a.case.tags and a.got is not None),
        variant("forward_difference", "forward difference",
                "your result is the forward difference (f(x + h) - f(x)) / h: use the "
                "central difference (f(x + h e_j) - f(x - h e_j)) / (2h), which is far more "
                "accurate for the same h.", lambda c: _difference(c, "forward")),
        variant("backward_difference", "backward difference",
                "your result is the backward difference (f(x) - f(x - h)) / h: use the "
                "central difference (f(x + h e_j) - f(x - h e_j)) / (2h).",
                lambda c: _difference(c, "backward")),
        ratio("divided_by_h", "divided by h instead of 2h",
              "your result is twice the expected one: the two points x + h and x - h are 2h "
              "apart, so divide their difference by 2h.", 2.0),
        variant("h_ignored", "h ignored",
                "your result is the one for h = 1e-6 although the check passed another h: use "
                "the h argument.",
                lambda c: gradcheck.numerical_gradient(*c.args) if "h" in c.kwargs else None),
        variant("rows_moved", "whole rows moved (a loop over len(x))",
                "for a 2-d x, a loop over range(len(x)) moves a whole row x[j] at once: loop "
                "over every element, e.g. for j in np.ndindex(x.shape) (or over a flat view, "
                "x.reshape(-1)).", _rows_moved),
        variant("all_at_once", "all coordinates moved together",
                "your result moves every coordinate at once, (f(x + h) - f(x - h)) / (2h): "
                "that is a directional derivative, one number. Move one coordinate j at a "
                "time, x + h e_j, for each component of the gradient.", _all_at_once),
        variant("not_restored", "element not put back",
                "after moving x[j] by ±h, put it back to its old value before moving the "
                "next element: your later elements were evaluated at a shifted point.",
                lambda c: _difference(c, "central", restore=False)),
    ),
))


def _focal_formula(c, *, gamma=None, alpha="case", inverted=False, swap_alpha=False):
    y, z = c.args
    g = _kw(c, "gamma", 2.0) if gamma is None else gamma
    a = _kw(c, "alpha", None) if alpha == "case" else alpha
    signed = np.where(y == 1, z, -z)
    minus_log_pt = _softplus(-signed)
    factor = np.exp(-g * _softplus(-signed)) if inverted else np.exp(-g * _softplus(signed))
    losses = factor * minus_log_pt
    if a is not None:
        weight = (1 - a) if swap_alpha else a
        losses = losses * np.where(y == 1, weight, 1 - weight)
    return np.mean(losses)


def _focal_clipped(c, eps):
    y, z = c.args
    p_t = np.clip(_sigmoid(np.where(y == 1, z, -z)), eps, 1 - eps)
    alpha = _kw(c, "alpha", None)
    weight = 1.0 if alpha is None else np.where(y == 1, alpha, 1 - alpha)
    return np.mean(-weight * (1 - p_t) ** _kw(c, "gamma", 2.0) * np.log(p_t))


def _focal_case(rng):
    n = int(rng.integers(4, 13))
    kwargs = {}
    if rng.random() < 0.5:
        kwargs["gamma"] = float(rng.choice([0.0, 0.5, 1.0, 3.0]))
    if rng.random() < 0.5:
        kwargs["alpha"] = float(rng.choice([0.25, 0.6, 0.75]))
    return case(binary_labels(rng, n), logits(rng, n), **kwargs)


_declare(Exercise(
    id="focal_loss",
    lesson="06-custom-losses",
    summary="Mean binary focal loss from logits: -alpha_t (1 - p_t)^gamma log p_t, stable.",
    reference=custom.focal_loss,
    parameters=("y_true", "logits"),
    hyperparameters={"gamma": 2.0, "alpha": None},
    output=Number("the cost"),
    fixed=(
        case(arr(1.0, 0.0), arr(2.0, -1.0)),
        case(arr(1.0, 0.0, 1.0, 0.0), arr(0.5, 0.5, -2.0, 3.0), gamma=0.0,
             label="gamma = 0: binary cross-entropy"),
        case(arr(1.0, 0.0, 1.0, 0.0, 0.0), arr(1.5, -0.5, -1.0, 2.0, 0.0), alpha=0.25),
        case(arr(0.0, 1.0, 1.0), arr(-3.0, 0.2, 4.0), gamma=1.0, alpha=0.75),
    ),
    random=_focal_case,
    extreme=(case(_EXTREME_LABELS, _EXTREME_BINARY_LOGITS, tags={"extreme"},
                  label="logits of ±500 and ±800"),),
    mistakes=(
        nonfinite("log_sigmoid_overflow", "log(sigmoid(z)) overflow",
                  "your result has inf or NaN on logits like ±500: σ(z) rounds to exactly 0 "
                  "or 1 there and log(p_t) = log(0). With m = z for y = 1 and m = -z for "
                  "y = 0: -log p_t = np.logaddexp(0, -m) and (1 - p_t)^γ = "
                  "np.exp(-γ * np.logaddexp(0, m)); nothing overflows.", tag="extreme"),
        variant("gamma_ignored", "gamma ignored",
                "your result is the one for gamma = 2 although the check passed another "
                "gamma: use the gamma argument in (1 - p_t) ** gamma.",
                lambda c: _focal_formula(c, gamma=2.0) if "gamma" in c.kwargs else None),
        variant("alpha_ignored", "alpha ignored",
                "your result ignores alpha: weight positives by alpha and negatives by "
                "1 - alpha.", lambda c: _focal_formula(c, alpha=None)
                if c.kwargs.get("alpha") is not None else None),
        variant("alpha_swapped", "alpha on the wrong class",
                "alpha weights the positive class (y = 1) and 1 - alpha the negatives; "
                "yours are the other way round.",
                lambda c: _focal_formula(c, swap_alpha=True)
                if c.kwargs.get("alpha") is not None else None),
        variant("modulating_factor_inverted", "p_t ** gamma instead of (1 - p_t) ** gamma",
                "the modulating factor is (1 - p_t) ** gamma, which shrinks the loss of "
                "well-classified samples (p_t close to 1); yours uses p_t ** gamma.",
                lambda c: _focal_formula(c, inverted=True)),
        _logits_as_probabilities(),
        _sum_instead_of_mean(),
        _log_likelihood_sign(),
        _broadcast_cost(custom.focal_loss),
        _saturated_on_extreme(_focal_clipped),
    ),
))


def _dice_formula(c, *, smooth=None, numerator_smooth=True, denominator_smooth=True, factor=2.0,
                  squared=False, whole_batch=False, coefficient=False):
    y, p = np.atleast_2d(c.args[0]), np.atleast_2d(c.args[1])
    if whole_batch:
        y, p = y.reshape(1, -1), p.reshape(1, -1)
    s = _kw(c, "smooth", 1.0) if smooth is None else smooth
    inter = np.sum(y * p, axis=1)
    total = np.sum(y ** 2, axis=1) + np.sum(p ** 2, axis=1) if squared else \
        np.sum(y, axis=1) + np.sum(p, axis=1)
    dice = (factor * inter + (s if numerator_smooth else 0.0)) / \
        (total + (s if denominator_smooth else 0.0))
    return np.mean(dice if coefficient else 1 - dice)


def _dice_case(rng):
    n = int(rng.integers(2, 6))
    d = int(rng.integers(6, 17))
    truth = (rng.random((n, d)) < 0.4).astype(np.float64)
    prediction = np.clip(truth * rng.uniform(0.4, 1.0, (n, d)) + rng.uniform(0, 0.4, (n, d)), 0, 1)
    if rng.random() < 0.4:
        return case(truth, prediction, smooth=float(rng.choice([0.1, 0.5, 2.0])))
    return case(truth, prediction)


_declare(Exercise(
    id="dice_loss",
    lesson="06-custom-losses",
    summary="Mean soft Dice loss of masks (n, d) (or one mask (d,)): "
            "1 - (2 sum(y p) + smooth) / (sum(y) + sum(p) + smooth) per row.",
    reference=custom.dice_loss,
    parameters=("y_true", "y_pred"),
    hyperparameters={"smooth": 1.0},
    output=Number("the cost"),
    fixed=(
        case(arr([[1.0, 1.0, 0.0, 0.0, 1.0, 0.0], [0.0, 1.0, 1.0, 0.0, 0.0, 0.0]]),
             arr([[0.9, 0.7, 0.2, 0.1, 0.6, 0.0], [0.2, 0.8, 0.4, 0.1, 0.0, 0.3]]),
             label="2 masks of 6 pixels"),
        case(arr(1.0, 1.0, 0.0, 0.0), arr(0.9, 0.6, 0.2, 0.1), label="a single mask (d,)"),
        case(arr([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0], [1.0, 1.0, 1.0]]),
             arr([[0.8, 0.1, 0.6], [0.3, 0.9, 0.2], [0.5, 0.5, 0.5]]), smooth=0.0,
             label="smooth = 0"),
    ),
    random=_dice_case,
    extreme=(
        case(arr([[0.0, 0.0, 0.0, 0.0], [1.0, 0.0, 1.0, 0.0]]),
             arr([[0.0, 0.0, 0.0, 0.0], [0.9, 0.2, 0.7, 0.1]]), tags={"empty_mask"},
             label="an empty mask predicted empty"),
    ),
    mistakes=(
        variant("smooth_missing", "smooth term missing",
                "your result is the Dice loss without smooth: add smooth to both the "
                "numerator and the denominator, 1 - (2 sum(y p) + smooth) / "
                "(sum(y) + sum(p) + smooth); it also keeps an empty mask from giving 0/0.",
                lambda c: _dice_formula(c, smooth=0.0) if _kw(c, "smooth", 1.0) else None),
        variant("smooth_denominator_only", "smooth only in the denominator",
                "add smooth to the numerator too, so that an empty mask predicted empty has "
                "Dice 1 (loss 0).", lambda c: _dice_formula(c, numerator_smooth=False)),
        variant("smooth_numerator_only", "smooth only in the numerator",
                "add smooth to the denominator too.",
                lambda c: _dice_formula(c, denominator_smooth=False)),
        variant("missing_factor_2", "factor 2 missing",
                "the Dice coefficient has 2 sum(y p) in the numerator (the overlap counts for "
                "both masks).", lambda c: _dice_formula(c, factor=1.0)),
        variant("coefficient_instead_of_loss", "Dice coefficient instead of the loss",
                "your result is the Dice coefficient (1 is perfect): the loss is "
                "1 - coefficient, so that lower is better.",
                lambda c: _dice_formula(c, coefficient=True)),
        variant("whole_batch", "one Dice for the whole batch",
                "your result is the Dice loss of all masks pooled together: compute it for "
                "each row (one mask) with sums along axis=-1, then average the rows.",
                lambda c: _dice_formula(c, whole_batch=True) if np.ndim(c.args[0]) == 2
                and c.args[0].shape[0] > 1 else None),
        variant("squared_denominator", "squares in the denominator",
                "this exercise uses the plain sums sum(y) + sum(p) in the denominator, not "
                "sums of squares.", lambda c: _dice_formula(c, squared=True)),
        raised("single_mask_axis", "a single mask (d,) not handled",
               "a 1-d input of shape (d,) is one mask: sum along axis=-1 (which works for "
               "both shapes) or reshape it to (1, d) first.",
               Exception, "axis 1 is out of bounds|too many indices"),
        _sum_instead_of_mean(),
    ),
))


def _hinge_case(rng):
    n = int(rng.integers(4, 13))
    return case(signed_labels(rng, n), rng.normal(0, 1.5, size=n))


_declare(Exercise(
    id="hinge_loss",
    lesson="06-custom-losses",
    summary="Mean hinge loss max(0, 1 - y s) of labels in {-1, +1} and raw scores.",
    reference=custom.hinge_loss,
    parameters=("y_true", "y_pred"),
    output=Number("the cost"),
    fixed=(
        case(arr(1.0, -1.0, 1.0, -1.0), arr(2.0, -0.5, 0.3, 1.5)),
        case(arr(1.0, -1.0, 1.0), arr(1.0, -1.0, 3.0), label="margins exactly 1 or more: loss 0"),
        case(np.array([1, -1, -1, 1, 1]), arr(-0.2, 0.4, -2.0, 0.9, 0.0), label="integer labels"),
    ),
    random=_hinge_case,
    mistakes=(
        variant("missing_max", "max(0, ...) missing",
                "your result is mean(1 - y s) without the clip at 0: samples beyond the margin "
                "must cost 0, not a negative amount; use np.maximum(0, 1 - y * s).",
                lambda c: np.mean(1 - c.args[0] * c.args[1])),
        variant("margin_missing", "margin 1 missing",
                "your result is mean(max(0, -y s)): the hinge loss asks for a margin of 1, "
                "max(0, 1 - y s).", lambda c: np.mean(np.maximum(0, -c.args[0] * c.args[1]))),
        variant("labels_converted", "labels converted from {0, 1}",
                "the labels are already -1 and +1: use them as they are (2 y - 1 is only "
                "needed for labels in {0, 1}).",
                lambda c: np.mean(np.maximum(0, 1 - (2 * c.args[0] - 1) * c.args[1]))),
        variant("squared_hinge", "squared hinge",
                "your result is the squared hinge loss: this exercise asks for "
                "max(0, 1 - y s) itself, not its square.",
                lambda c: np.mean(np.maximum(0, 1 - c.args[0] * c.args[1]) ** 2)),
        _sum_instead_of_mean(),
        _broadcast_cost(custom.hinge_loss),
    ),
))


def _triplet_formula(c, *, squared=False, use_max=True, margin=None, axis=-1, swap=False,
                     largest=False):
    a, p, n = (np.atleast_2d(v) for v in c.args)
    if swap:
        p, n = n, p
    m = _kw(c, "margin", 1.0) if margin is None else margin
    if squared:
        dp, dn = np.sum((a - p) ** 2, axis=axis), np.sum((a - n) ** 2, axis=axis)
    else:
        dp, dn = np.linalg.norm(a - p, axis=axis), np.linalg.norm(a - n, axis=axis)
    value = dp - dn + m
    if largest:  # np.max(value, 0): the largest over the batch, not a clip
        return np.max(value)
    return np.mean(np.maximum(0, value) if use_max else value)


def _triplet_case(rng):
    n = int(rng.integers(3, 7))
    d = int(rng.integers(2, 6))
    if d == n:
        d += 1
    anchor = rng.normal(size=(n, d))
    positive = anchor + rng.normal(0, 0.5, size=(n, d))
    negative = anchor + rng.normal(0, 1.0, size=(n, d))
    if rng.random() < 0.4:
        return case(anchor, positive, negative, margin=float(rng.choice([0.2, 0.5, 2.0])))
    return case(anchor, positive, negative)


_declare(Exercise(
    id="triplet_loss",
    lesson="06-custom-losses",
    summary="Mean triplet loss max(0, |a - p| - |a - n| + margin) with Euclidean distances per row.",
    reference=custom.triplet_loss,
    parameters=("anchor", "positive", "negative"),
    hyperparameters={"margin": 1.0},
    output=Number("the cost"),
    fixed=(
        # d(a, p) = 0.5, 1, 1.5 and d(a, n) = 2, 0.5, 0.8: losses 0, 1.5, 1.7
        case(arr([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0]]), arr([[0.5, 0.0], [1.0, 2.0], [2.0, 1.5]]),
             arr([[2.0, 0.0], [1.5, 1.0], [2.0, 0.8]]), label="3 triplets in 2-d"),
        case(arr(0.0, 0.0, 0.0), arr(1.0, 0.0, 0.0), arr(0.0, 0.5, 0.0), label="one triplet (d,)"),
        case(arr([[1.0, 2.0, 0.0, 1.0], [0.0, 0.0, 1.0, 1.0]]),
             arr([[1.0, 1.0, 0.0, 1.0], [0.5, 0.0, 1.0, 0.0]]),
             arr([[0.0, 2.0, 0.5, 1.0], [3.0, 1.0, 1.0, 1.0]]), margin=0.5),
    ),
    random=_triplet_case,
    mistakes=(
        variant("squared_distance", "squared distances",
                "your result uses squared distances: this exercise uses the Euclidean "
                "distance, the square root of the sum of squares (np.linalg.norm(a - p, "
                "axis=-1)).", lambda c: _triplet_formula(c, squared=True)),
        variant("missing_max", "max(0, ...) missing",
                "a triplet whose negative is already far enough must cost 0, not a negative "
                "amount: clip each triplet with np.maximum(0, ...), then average.",
                lambda c: _triplet_formula(c, use_max=False)),
        variant("positive_negative_swapped", "positive and negative swapped",
                "the loss is d(anchor, positive) - d(anchor, negative) + margin: the positive "
                "should end up closer than the negative.",
                lambda c: _triplet_formula(c, swap=True)),
        variant("margin_ignored", "margin ignored",
                "your result is the one for margin = 1 although the check passed another "
                "margin: use the margin argument.",
                lambda c: _triplet_formula(c, margin=1.0) if "margin" in c.kwargs else None),
        variant("np_max_instead_of_maximum", "np.max instead of np.maximum",
                "your result is the largest triplet value of the batch: np.max(x, 0) reduces "
                "along axis 0. The clip at zero is elementwise, np.maximum(0, x), followed by "
                "the mean.", lambda c: _triplet_formula(c, largest=True)),
        variant("distance_wrong_axis", "distance over the wrong axis",
                "each row is one embedding: take the norm along axis=-1 (the features), one "
                "distance per triplet.",
                lambda c: _triplet_formula(c, axis=0) if np.ndim(c.args[0]) == 2 else None),
        _sum_instead_of_mean(),
    ),
))


def _wasserstein_case(rng):
    n = int(rng.integers(3, 13))
    return case(rng.normal(0, 1, size=n), rng.normal(rng.uniform(-1, 1), rng.uniform(0.5, 2), size=n))


_declare(Exercise(
    id="wasserstein_1d",
    lesson="06-custom-losses",
    summary="Wasserstein-1 distance of two equal-size 1-d samples: mean |sort(u) - sort(v)|.",
    reference=custom.wasserstein_1d,
    parameters=("u_values", "v_values"),
    output=Number("the distance"),
    fixed=(
        case(arr(0.0, 1.0, 3.0), arr(5.0, 6.0, 8.0), label="shifted by 5"),
        case(arr(2.5, -1.0, 0.3, 1.7), arr(0.4, 2.2, -0.8, 3.1), label="unsorted samples"),
        case(arr(1.0, 2.0, 3.0), arr(3.0, 1.0, 2.0), label="the same values in another order"),
        case(arr(2.0), arr(-1.0), label="one value each"),
    ),
    random=_wasserstein_case,
    mistakes=(
        variant("not_sorted", "samples not sorted",
                "your result is mean |u - v| in the given order: sort both samples first, "
                "so that the smallest value of u is paired with the smallest of v, and so on.",
                lambda c: np.mean(np.abs(c.args[0] - c.args[1]))),
        variant("difference_of_means", "difference of the means",
                "your result is |mean(u) - mean(v)|: that only compares the centres (it is a "
                "lower bound); W1 is mean |sort(u) - sort(v)|.",
                lambda c: abs(np.mean(c.args[0]) - np.mean(c.args[1]))),
        variant("squared_differences", "squared differences",
                "your result is the mean *squared* difference of the sorted samples: W1 uses "
                "the absolute difference.",
                lambda c: np.mean((np.sort(c.args[0]) - np.sort(c.args[1])) ** 2)),
        variant("opposite_order", "one sample sorted in reverse",
                "sort both samples in the same (increasing) order.",
                lambda c: np.mean(np.abs(np.sort(c.args[0]) - np.sort(c.args[1])[::-1]))),
        _sum_instead_of_mean("the differences"),
    ),
))

# ---------------------------------------------------------------------------
# lesson 07: choosing a loss
# ---------------------------------------------------------------------------

def _weights_case(rng):
    shape = (int(rng.integers(2, 9)),) if rng.random() < 0.7 else \
        (int(rng.integers(2, 5)), int(rng.integers(2, 4)))
    weights = rng.normal(0, 1.5, size=shape)
    if rng.random() < 0.6:
        return case(weights, strength=float(rng.choice([0.01, 0.1, 0.5, 2.0])))
    return case(weights)


_declare(Exercise(
    id="l2_penalty",
    lesson="07-choosing-a-loss",
    summary="L2 penalty: strength * sum(weights ** 2) over all weights.",
    reference=custom.l2_penalty,
    parameters=("weights",),
    hyperparameters={"strength": 1.0},
    output=Number("the penalty", per_sample=False),
    fixed=(
        case(arr(3.0, -4.0, 12.0)),
        case(arr(3.0, -4.0), strength=0.1),
        case(arr([[1.0, -2.0], [0.5, 0.0], [-1.0, 3.0]]), strength=0.01, label="a 2-d weight matrix"),
        case(arr(0.0, 0.0, 0.0), strength=0.5, label="all weights zero"),
    ),
    random=_weights_case,
    mistakes=(
        variant("norm_not_squared", "norm instead of squared norm",
                "your result is strength times the Euclidean norm: the L2 penalty is the sum "
                "of the *squared* weights, strength * np.sum(weights ** 2).",
                lambda c: _kw(c, "strength", 1.0) * np.sqrt(np.sum(c.args[0] ** 2))),
        ratio("mean_instead_of_sum", "mean instead of sum",
              "your result is divided by the number of weights: the penalty is the sum of the "
              "squared weights, not their mean.", lambda c: 1.0 / c.args[0].size),
        ratio("half_factor", "extra 1/2 factor",
              "your result is exactly half the expected one: this penalty is "
              "strength * sum(w²) without a 1/2.", 0.5),
        variant("l1_instead", "L1 instead of L2",
                "your result is the L1 penalty strength * sum|w|: square the weights instead "
                "of taking their absolute value.",
                lambda c: _kw(c, "strength", 1.0) * np.sum(np.abs(c.args[0]))),
        variant("strength_ignored", "strength ignored",
                "your result ignores strength: multiply the sum of squares by it.",
                lambda c: np.sum(c.args[0] ** 2) if _kw(c, "strength", 1.0) != 1.0 else None),
    ),
))


def _regularized_case(rng):
    n = int(rng.integers(3, 11))
    y_true, y_pred = regression_pair(rng, (n,))
    weights = rng.normal(0, 1.5, size=int(rng.integers(2, 6)))
    return case(y_true, y_pred, weights, strength=float(rng.choice([0.0, 0.01, 0.1, 0.5])))


def _regularized(c, *, penalty_scale=1.0, strength=None, kind="l2", data_scale=1.0):
    y_true, y_pred, weights = c.args
    s = c.kwargs["strength"] if strength is None else strength
    penalty = {"l2": np.sum(weights ** 2), "l1": np.sum(np.abs(weights)),
               "norm": np.sqrt(np.sum(weights ** 2))}[kind]
    return data_scale * regression.mse(y_true, y_pred) + penalty_scale * s * penalty


_declare(Exercise(
    id="regularized_cost",
    lesson="07-choosing-a-loss",
    summary="MSE cost plus an L2 penalty: mse(y_true, y_pred) + strength * sum(weights ** 2).",
    reference=training.regularized_cost,
    forbidden=(custom.l2_penalty, regression.mse, training.cost),
    parameters=("y_true", "y_pred", "weights"),
    hyperparameters={"strength": REQUIRED},
    output=Number("the regularized cost"),
    fixed=(
        case(arr(1.0, 2.0, 0.0), arr(1.5, 2.0, 0.5), arr(3.0, -4.0), strength=0.01),
        case(arr(0.0, 1.0, 2.0, 3.0), arr(0.5, 0.5, 2.5, 2.0), arr(1.0, -1.0, 2.0), strength=0.1),
        case(arr(0.0, 1.0, 2.0), arr(1.0, 1.0, 1.0), arr(5.0, 5.0), strength=0.0,
             label="strength 0: no penalty"),
    ),
    random=_regularized_case,
    mistakes=(
        variant("penalty_missing", "penalty not added",
                "your result is the MSE alone: add the penalty strength * sum(weights ** 2).",
                lambda c: regression.mse(c.args[0], c.args[1])
                if c.kwargs["strength"] != 0 else None),
        variant("strength_ignored", "strength ignored",
                "your penalty ignores strength: it is strength * sum(weights ** 2).",
                lambda c: _regularized(c, strength=1.0) if c.kwargs["strength"] != 1 else None),
        variant("penalty_divided_by_n", "penalty divided by n",
                "your penalty is divided by the number of samples: in this exercise only the "
                "data term is a mean; add strength * sum(weights ** 2) as it is.",
                lambda c: _regularized(c, penalty_scale=1.0 / c.args[0].shape[0])),
        variant("half_penalty", "½ in front of the penalty",
                "your penalty is ½ strength * sum(weights ** 2): some books write the L2 "
                "penalty with a ½; in this exercise it is strength * sum(weights ** 2).",
                lambda c: _regularized(c, penalty_scale=0.5)),
        variant("half_data_term", "½ in front of the MSE",
                "your data term is half the MSE: here it is the plain mean of the squared "
                "errors, without a ½.", lambda c: _regularized(c, data_scale=0.5)),
        variant("l1_penalty", "L1 penalty instead of L2",
                "your penalty is strength * sum|w|: the L2 penalty squares the weights.",
                lambda c: _regularized(c, kind="l1")),
        variant("penalty_not_squared", "norm instead of squared norm",
                "your penalty is strength * ||w||: the L2 penalty is the sum of the squared "
                "weights, without a square root.", lambda c: _regularized(c, kind="norm")),
        variant("sum_of_squared_errors", "sum of squared errors instead of the mean",
                "the data term is the *mean* squared error: you added up the squared errors.",
                lambda c: _regularized(c, data_scale=c.args[0].shape[0])),
    ),
))


def _anomaly_case(rng):
    errors = np.abs(rng.normal(0, 1, size=int(rng.integers(5, 30))))
    if rng.random() < 0.6:
        return case(errors, k=float(rng.choice([0.0, 1.0, 2.0, 2.5])))
    return case(errors)


def _anomaly(c, *, k=None, ddof=0, spread="std", centre="mean", sign=1.0):
    errors = c.args[0]
    kk = _kw(c, "k", 3.0) if k is None else k
    middle = np.mean(errors) if centre == "mean" else np.median(errors)
    width = np.std(errors, ddof=ddof) if spread == "std" else np.var(errors)
    return middle + sign * kk * width


_declare(Exercise(
    id="anomaly_threshold",
    lesson="07-choosing-a-loss",
    summary="Anomaly threshold mean(errors) + k * std(errors) (population std, ddof=0).",
    reference=training.anomaly_threshold,
    parameters=("errors",),
    hyperparameters={"k": 3.0},
    output=Number("the threshold", per_sample=False),
    fixed=(
        case(arr(1.0, 2.0, 3.0, 4.0), k=2.0),
        case(arr(0.2, 0.1, 0.4, 0.3, 0.25, 0.15)),
        case(arr(0.5, 1.5, 1.0), k=0.0, label="k = 0: the mean"),
    ),
    random=_anomaly_case,
    mistakes=(
        variant("sample_std", "sample standard deviation",
                "your result uses the sample standard deviation (ddof=1): this threshold uses "
                "the population standard deviation, np.std(errors) (ddof=0).",
                lambda c: _anomaly(c, ddof=1)),
        variant("variance_instead", "variance instead of standard deviation",
                "your result uses the variance: use the standard deviation, its square root.",
                lambda c: _anomaly(c, spread="var")),
        variant("k_ignored", "k ignored",
                "your result is the one for k = 3 although the check passed another k: use "
                "the k argument.", lambda c: _anomaly(c, k=3.0) if "k" in c.kwargs else None),
        variant("median_instead", "median instead of mean",
                "your threshold starts from the median: use the mean of the errors.",
                lambda c: _anomaly(c, centre="median")),
        variant("minus_instead_of_plus", "mean - k std",
                "anomalies have *large* errors: the threshold is mean + k * std.",
                lambda c: _anomaly(c, sign=-1.0)),
    ),
))
