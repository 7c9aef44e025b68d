"""What the lessons' exercises share: small formulas and mistakes made in every lesson.

The formulas (``softplus``, ``sigmoid``, ...) are written stably, so that a
mistaken variant computed with them is what the mistaken formula means, not
an accident of overflow.  The mistake builders (``sum_instead_of_mean``,
``gradient_missing_mean``, ``broadcast_cost``, ...) make one
:class:`~lossedu.grading.diagnoses.Mistake` each; an exercise that can earn
the mistake calls the builder with an example of the buggy function.
"""

from __future__ import annotations

import numpy as np

from lossedu import activations
from lossedu.grading.cases import arr, case, regression_pair
from lossedu.grading.diagnoses import Mistake, ratio, variant, when


def softplus(x):
    return np.logaddexp(0.0, x)


def sigmoid(x):
    return np.asarray(activations.sigmoid(x), dtype=np.float64)


def clip_probability(p, eps=1e-7):
    return np.clip(p, eps, 1.0 - eps)


#: The clipping epsilon of the exercises that take probabilities.
EPS = 1e-7


def softmax_rows(z, axis=-1):
    """Softmax along ``axis``, with the maximum shift (as a careful learner writes it)."""
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax_rows(z, axis=-1):
    """Log-softmax along ``axis``: z - max - log(sum(exp(z - max)))."""
    m = z.max(axis=axis, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=axis, keepdims=True))


def value_counts(case_) -> list:
    """Both counts a "sum instead of mean" may be off by: samples and values."""
    first = np.asarray(case_.args[1] if len(case_.args) > 1 else case_.args[0])
    n = first.shape[0] if first.ndim else 1
    return [n, first.size]


def outputs_per_row(case_) -> float:
    first = np.asarray(case_.args[1])
    return float(first.size // (first.shape[0] if first.ndim else 1))


def keyword(case_, name, default):
    return case_.kwargs.get(name, default)


def from_case(formula):
    """A variant's computation from a wrong formula written with the exercise's signature.

    ``formula(*case.args, **case.kwargs)``: the formula's defaults stand for the
    hyperparameters a case does not pass.
    """
    return lambda case_: formula(*case_.args, **case_.kwargs)


def either(name: str, title: str, hint, *tests: Mistake, example=None) -> Mistake:
    """One named mistake recognised by any of several tests (unnamed mistakes)."""
    return Mistake(name, title, hint, lambda attempt: any(m.detect(attempt) for m in tests),
                   example)


def sum_instead_of_mean(what: str = "the per-sample losses", *, example) -> Mistake:
    return ratio(
        "sum_instead_of_mean", "sum instead of mean",
        lambda a: (f"your result is exactly {ratio_text(a)} times the expected one, and that "
                   f"is the number of values: you added up {what} instead of taking their "
                   "mean (use `np.mean`, or divide the sum by the number of values)."),
        value_counts, example=example)


def ratio_text(attempt) -> str:
    expected = np.asarray(attempt.expected).ravel()
    got = np.asarray(attempt.got).ravel()
    nonzero = np.abs(expected) > attempt.tolerance.atol
    value = float(np.median(got[nonzero] / expected[nonzero]))
    return f"{value:.6g}"


def divided_by_rows(*, example) -> Mistake:
    return ratio(
        "divided_by_rows", "divided by the number of rows",
        "for an (n, k) array, `len(y_true)` is the number of rows n, but there are n * k "
        "values: the mean must divide by all of them (`np.mean`, or `.size`).",
        outputs_per_row, example=example)


def log_likelihood_sign(*, example) -> Mistake:
    return ratio(
        "log_likelihood_sign", "log-likelihood instead of loss",
        "your result is the negative of the loss: that is the log-likelihood. The loss is the "
        "*negative* log-likelihood, -log p, which is positive and shrinks as the prediction "
        "improves; put the minus sign in front.", -1.0, example=example)


def gradient_missing_mean(*, example) -> Mistake:
    return ratio(
        "gradient_missing_mean", "gradient missing 1/n",
        lambda a: (f"your gradient is exactly {ratio_text(a)} times the expected one: the "
                   "cost is a mean over the samples, so its gradient keeps the factor 1/n "
                   "of the mean. Divide by the number of values."),
        value_counts, example=example)


def gradient_sign(*, example) -> Mistake:
    return ratio(
        "gradient_sign", "gradient with the wrong sign",
        "your gradient points the opposite way: the derivative with respect to the prediction "
        "has the prediction first, e.g. (prediction - target), not (target - prediction).",
        -1.0, example=example)


def broadcast_cost(reference, *, example) -> Mistake:
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
        compute, example=example)


def regression_case(rng):
    n = int(rng.integers(3, 11))
    shape = (n,) if rng.random() < 0.7 else (n, int(rng.integers(2, 4)))
    return case(*regression_pair(rng, shape))


EXTREME_LABELS = arr(1.0, 0.0, 1.0, 0.0, 1.0, 0.0)


EXTREME_BINARY_LOGITS = arr(500.0, -500.0, -500.0, 500.0, 800.0, -800.0)


def saturated_hint(_attempt) -> str:
    return ("your result is right for moderate logits but too small on logits like ±500: "
            "turning logits into probabilities and clipping them caps each loss at "
            "-log(eps) (about 16 for eps = 1e-7), while the true loss of a confidently wrong "
            "logit z is about |z|. Compute from the logits: -log σ(z) = np.logaddexp(0, -z).")


CLIPPING_EPSILONS = (1e-7, 1e-8, 1e-10, 1e-12, 1e-15)


def logits_as_probabilities(*, example) -> Mistake:
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
                "the sigmoid, and their logs stably: -log σ(z) = np.logaddexp(0, -z).", detect,
                example=example)


def saturated_on_extreme(clipped=None, hint=None, *, example) -> Mistake:
    """Probabilities formed from logits and clipped: the loss saturates at -log(eps).

    Recognised on the extreme cases (finite but wrong there), and on any case
    where ``clipped(case, eps)``, the clipped computation, matches for one of
    the usual epsilons.
    """
    tests = [when("extreme", "", "", lambda a: "extreme" in a.case.tags and a.got is not None
                  and bool(np.all(np.isfinite(a.got))))]
    if clipped is not None:
        tests += [variant(f"eps{eps:g}", "", "", lambda c, eps=eps: clipped(c, eps))
                  for eps in CLIPPING_EPSILONS]
    return either("clipped_probabilities", "probabilities clipped instead of using logits",
                  hint or saturated_hint, *tests, example=example)
