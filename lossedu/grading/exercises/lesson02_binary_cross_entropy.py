"""Lesson 02, binary cross-entropy: its exercises, their inputs and their known mistakes.

Each mistake carries an example of the buggy learner function that earns it.
The registry collects the module's exercises; the course plan orders them.
"""

from __future__ import annotations

import numpy as np

from lossedu import activations, classification, gradcheck
from lossedu.grading.cases import arr, binary_labels, case, logits, probabilities
from lossedu.grading.diagnoses import nonfinite, ratio, unstable, variant, when
from lossedu.grading.exercise import Array, Exercise, Number, Tolerance
from lossedu.grading.exercises.common import (
    EPS, EXTREME_BINARY_LOGITS, EXTREME_LABELS, broadcast_cost, clip_probability,
    gradient_missing_mean, gradient_sign, log_likelihood_sign, logits_as_probabilities,
    saturated_on_extreme, sigmoid, softplus, sum_instead_of_mean,
)
from lossedu.losses_table import LOSSES


# What the buggy learner functions of this lesson (the mistakes' examples) share.

def _bce(y, p):
    """The per-sample binary cross-entropy, as a learner writes it (no clipping)."""
    return -(y * np.log(p) + (1 - y) * np.log(1 - p))


def binary_cross_entropy_in_bits(y_true, y_pred):
    p = np.clip(y_pred, 1e-7, 1 - 1e-7)
    return np.mean(-(y_true * np.log2(p) + (1 - y_true) * np.log2(1 - p)))


def binary_cross_entropy_plus_for_times(y_true, y_pred):
    p = np.clip(y_pred, 1e-7, 1 - 1e-7)
    return -np.sum(y_true * np.log(p) + (1 - y_true) + np.log(1 - p)) / len(y_true)


def binary_cross_entropy_with_log1p(y_true, y_pred):
    p = np.clip(y_pred, 1e-7, 1 - 1e-7)
    return np.mean(-y_true * np.log1p(p) - (1 - y_true) * np.log1p(1 - p))


_EXTREME_LOGITS = arr(-1000.0, -800.0, -500.0, 500.0, 800.0, 1000.0)

_STABLE_SIGMOID = (
    "Compute it so that exp only ever sees numbers <= 0: np.exp(-np.logaddexp(0, -z)); or "
    "e = np.exp(-np.abs(z)), which lies in (0, 1], and then np.where(z >= 0, 1 / (1 + e), "
    "e / (1 + e)); or 0.5 * (1 + np.tanh(z / 2)).")


def sigmoid_without_parentheses(z):
    return 1 / 1 + np.exp(-z)


def sigmoid_textbook(z):
    return 1 / (1 + np.exp(-z))


def sigmoid_where_on_both_branches(z):
    return np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))


SIGMOID = Exercise(
    id="sigmoid",
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
    stable=("over",),
    mistakes=(
        unstable(_STABLE_SIGMOID,
                 example=(sigmoid_textbook, sigmoid_where_on_both_branches)),
        nonfinite("sigmoid_overflow", "exp overflow",
                  "your result has inf or NaN at logits like ±1000: exp(1000) overflows to inf, "
                  "and inf / inf is NaN. Only ever compute exp of a number <= 0: "
                  "e = np.exp(-np.abs(z)) lies in (0, 1], and then "
                  "np.where(z >= 0, 1 / (1 + e), e / (1 + e)).",
                  tag="extreme",
                  example=lambda z: np.exp(z) / (1 + np.exp(z))),
        variant("sigmoid_precedence", "1 / 1 + exp(-z): parentheses missing",
                "your result is 1 + exp(-z): `1 / 1 + np.exp(-z)` divides 1 by 1 first, then "
                "adds exp(-z). The denominator needs parentheses: 1 / (1 + exp(-z)), and "
                "written stably as the exercise asks.",
                lambda c: 1 + np.exp(-np.asarray(c.args[0], dtype=float)),
                example=sigmoid_without_parentheses),
        variant("sigmoid_sign", "sign of the exponent",
                "your result is σ(-z) = 1 / (1 + exp(z)): the exponent is -z, so that large "
                "positive logits give probabilities close to 1.",
                lambda c: sigmoid(-c.args[0]),
                example=lambda z: 1 / (1 + np.exp(z))),
    ),
)


def _bce_case(rng):
    n = int(rng.integers(4, 13))
    return case(binary_labels(rng, n), probabilities(rng, n))


_BCE_EPS_HINT = ("clip the predictions before the log, as the exercise describes: "
                 "p = np.clip(y_pred, 1e-7, 1 - 1e-7).")

BINARY_CROSS_ENTROPY = Exercise(
    id="binary_cross_entropy",
    summary="Mean binary cross-entropy of probabilities, clipped to [1e-7, 1 - 1e-7].",
    reference=LOSSES["binary_cross_entropy"].function,
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
                  "0 * log(0) is NaN): " + _BCE_EPS_HINT, tag="zero_one",
                  example=lambda y, p: np.mean(_bce(y, p))),
        sum_instead_of_mean(example=lambda y, p: np.sum(_bce(y, np.clip(p, EPS, 1 - EPS)))),
        log_likelihood_sign(example=lambda y, p: -np.mean(_bce(y, np.clip(p, EPS, 1 - EPS)))),
        variant("positive_term_only", "only the y·log p half",
                "your result is -mean(y log p) alone: binary cross-entropy has two terms, "
                "-[y log p + (1 - y) log(1 - p)]; the second one is the loss of the negative "
                "samples.",
                lambda c: -np.mean(c.args[0] * np.log(clip_probability(c.args[1]))),
                example=lambda y, p: -np.mean(y * np.log(np.clip(p, EPS, 1 - EPS)))),
        variant("negative_term_only", "only the (1-y)·log(1-p) half",
                "your result is -mean((1 - y) log(1 - p)) alone: add the term of the positive "
                "samples, -y log p.",
                lambda c: -np.mean((1 - c.args[0]) * np.log(1 - clip_probability(c.args[1]))),
                example=lambda y, p: -np.mean((1 - y) * np.log(1 - np.clip(p, EPS, 1 - EPS)))),
        variant("plus_instead_of_times", "+ where * belongs",
                "your result is -mean(y log p + (1 - y) + log(1 - p)): a + slipped in where "
                "the product (1 - y) * log(1 - p) belongs.",
                lambda c: -np.mean(c.args[0] * np.log(clip_probability(c.args[1])) + (1 - c.args[0])
                                   + np.log(1 - clip_probability(c.args[1]))),
                example=binary_cross_entropy_plus_for_times),
        variant("log1p_instead_of_log", "log1p instead of log",
                "your result uses np.log1p(p) = log(1 + p), not log(p): log1p is for the log "
                "of 1 + a small number. Binary cross-entropy takes np.log(p) and np.log(1 - p).",
                lambda c: -np.mean(c.args[0] * np.log1p(clip_probability(c.args[1]))
                                   + (1 - c.args[0]) * np.log1p(1 - clip_probability(c.args[1]))),
                example=binary_cross_entropy_with_log1p),
        ratio("log_base", "log base 2 or 10",
              "cross-entropy uses the natural logarithm (np.log), not np.log2 or np.log10.",
              [1 / np.log(2.0), 1 / np.log(10.0)],
              example=binary_cross_entropy_in_bits),
        broadcast_cost(classification.binary_cross_entropy,
                       example=lambda y, p: np.mean(_bce(y.reshape(-1, 1), np.clip(p, EPS, 1 - EPS)))),
        when("clip_eps", "another clipping epsilon",
             "your result is right except where probabilities are exactly 0 or 1: "
             + _BCE_EPS_HINT,
             lambda a: "zero_one" in a.case.tags and a.got is not None
             and bool(np.all(np.isfinite(a.got))),
             example=lambda y, p: np.mean(_bce(y, np.clip(p, 1e-12, 1 - 1e-12)))),
    ),
)


def _logit_case(rng):
    n = int(rng.integers(4, 13))
    return case(binary_labels(rng, n), logits(rng, n))


_LOG_SIGMOID_HINT = (
    "your result has inf or NaN on logits like ±500. Two usual causes: (1) forming σ(z) and "
    "taking its log: σ(500) rounds to exactly 1, so log(1 - σ(z)) = log(0) = -inf; (2) "
    "computing softplus naively as log(1 + exp(z)): exp(500) overflows to inf. Use the stable "
    "softplus, max(z, 0) + log1p(exp(-|z|)) or np.logaddexp(0, z), with "
    "-log σ(z) = softplus(-z) and -log(1 - σ(z)) = softplus(z).")


def _bce_clipped(c, eps):
    return np.mean(-(c.args[0] * np.log(clip_probability(sigmoid(c.args[1]), eps))
                     + (1 - c.args[0]) * np.log(1 - clip_probability(sigmoid(c.args[1]), eps))))


def binary_cross_entropy_with_logits_where_on_both_branches(y_true, logits):
    z = logits
    return np.mean(np.where(z >= 0, (1 - y_true) * z + np.log1p(np.exp(-z)),
                            -y_true * z + np.log1p(np.exp(z))))


def binary_cross_entropy_with_logits_grad_textbook_sigmoid(y_true, logits):
    return (1 / (1 + np.exp(-logits)) - y_true) / len(y_true)


def binary_cross_entropy_with_logits_broadcast_column_vector(y, z):
    return np.mean(y.reshape(-1, 1) * softplus(-z) + (1 - y.reshape(-1, 1)) * softplus(z))


BINARY_CROSS_ENTROPY_WITH_LOGITS = Exercise(
    id="binary_cross_entropy_with_logits",
    summary="Mean binary cross-entropy computed from logits, exact for any finite logit.",
    reference=LOSSES["binary_cross_entropy_with_logits"].function,
    parameters=("y_true", "logits"),
    output=Number("the cost"),
    fixed=(
        case(arr(1.0, 0.0, 1.0, 0.0), arr(2.0, -1.0, -0.5, 3.0)),
        case(arr(1.0, 0.0), arr(0.0, 0.0), label="logit 0: probability 1/2"),
        case(arr(0.0, 1.0, 1.0, 0.0, 1.0), arr(-4.0, 6.0, 0.25, 1.5, -2.0)),
    ),
    random=_logit_case,
    extreme=(case(EXTREME_LABELS, EXTREME_BINARY_LOGITS, tags={"extreme"},
                  label="logits of ±500 and ±800"),),
    forbidden=(classification.focal_loss, classification.categorical_cross_entropy_with_logits),
    stable=("over", "divide", "invalid"),
    mistakes=(
        unstable("Write both terms with the stable softplus, softplus(x) = np.logaddexp(0, x) "
                 "(or np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))): the loss is "
                 "y softplus(-z) + (1 - y) softplus(z), and no exp ever sees a large number.",
                 example=binary_cross_entropy_with_logits_where_on_both_branches),
        nonfinite("log_sigmoid_overflow", "log(sigmoid(z)) overflow", _LOG_SIGMOID_HINT,
                  tag="extreme",
                  example=lambda y, z: np.mean(_bce(y, 1 / (1 + np.exp(-z))))),
        sum_instead_of_mean(example=lambda y, z: np.sum(y * softplus(-z) + (1 - y) * softplus(z))),
        log_likelihood_sign(example=lambda y, z: -np.mean(y * softplus(-z) + (1 - y) * softplus(z))),
        variant("positive_term_only", "only the y·log p half",
                "your result has only the term of the positive samples, y softplus(-z): add "
                "(1 - y) softplus(z), the loss of the negatives.",
                lambda c: np.mean(c.args[0] * softplus(-c.args[1])),
                example=lambda y, z: np.mean(y * softplus(-z))),
        variant("yz_sign", "+ y z instead of - y z",
                "your result is mean(softplus(z) + y z): the loss is softplus(z) - y z "
                "(= y softplus(-z) + (1 - y) softplus(z)).",
                lambda c: np.mean(softplus(c.args[1]) + c.args[0] * c.args[1]),
                example=lambda y, z: np.mean(softplus(z) + y * z)),
        variant("labels_flipped", "labels flipped",
                "your result treats y = 1 as the negative class: the positives cost "
                "softplus(-z) = -log σ(z), the negatives softplus(z) = -log(1 - σ(z)).",
                lambda c: np.mean(c.args[0] * softplus(c.args[1])
                                  + (1 - c.args[0]) * softplus(-c.args[1])),
                example=lambda y, z: np.mean(y * softplus(z) + (1 - y) * softplus(-z))),
        logits_as_probabilities(example=lambda y, z: np.mean(_bce(y, z))),
        broadcast_cost(classification.binary_cross_entropy_with_logits,
                       example=binary_cross_entropy_with_logits_broadcast_column_vector),
        saturated_on_extreme(_bce_clipped,
                             example=lambda y, z: np.mean(_bce(y, np.clip(sigmoid(z), EPS, 1 - EPS)))),
    ),
)

BINARY_CROSS_ENTROPY_WITH_LOGITS_GRAD = Exercise(
    id="binary_cross_entropy_with_logits_grad",
    summary="Gradient of the mean BCE with respect to the logits: (sigmoid(z) - y) / n.",
    reference=LOSSES["binary_cross_entropy_with_logits"].gradient,
    forbidden=(gradcheck.numerical_gradient,),
    parameters=("y_true", "logits"),
    output=Array("an array with the shape of logits"),
    fixed=(
        case(arr(1.0, 0.0, 1.0, 0.0), arr(2.0, -1.0, -0.5, 3.0)),
        case(arr(1.0, 0.0), arr(0.0, 0.0), label="logit 0: probability 1/2"),
        case(arr(0.0, 1.0, 1.0, 0.0, 1.0), arr(-4.0, 6.0, 0.25, 1.5, -2.0)),
    ),
    random=_logit_case,
    extreme=(case(EXTREME_LABELS, EXTREME_BINARY_LOGITS, tags={"extreme"},
                  label="logits of ±500 and ±800"),),
    stable=("over",),
    mistakes=(
        unstable("The gradient is (σ(z) - y) / n with σ computed stably. " + _STABLE_SIGMOID,
                 example=binary_cross_entropy_with_logits_grad_textbook_sigmoid),
        nonfinite("sigmoid_overflow", "exp overflow in the sigmoid",
                  "your gradient has inf or NaN at logits like ±800: exp(800) overflows, and "
                  "exp(z) / (1 + exp(z)) becomes inf / inf = NaN. Compute σ(z) stably (only "
                  "exp of negative numbers), e.g. 1 / (1 + exp(-z)) for z >= 0.",
                  tag="extreme",
                  example=lambda y, z: (np.exp(z) / (1 + np.exp(z)) - y) / len(y)),
        gradient_missing_mean(example=lambda y, z: sigmoid(z) - y),
        gradient_sign(example=lambda y, z: (y - sigmoid(z)) / len(y)),
        variant("gradient_wrt_probability", "gradient taken w.r.t. p instead of the logit",
                "your result is the derivative with respect to the probability p = σ(z), "
                "(p - y) / (p (1 - p)) / n. The exercise asks for the gradient with respect to "
                "the logits z: the chain rule multiplies by σ'(z) = p (1 - p), which cancels "
                "the denominator and leaves (σ(z) - y) / n.",
                lambda c: (sigmoid(c.args[1]) - c.args[0])
                / (sigmoid(c.args[1]) * (1 - sigmoid(c.args[1]))) / c.args[0].shape[0],
                example=lambda y, z: (sigmoid(z) - y) / (sigmoid(z) * (1 - sigmoid(z))) / len(y)),
        variant("sigmoid_derivative_again", "σ'(z) multiplied in again",
                "your gradient is (σ(z) - y) σ(z) (1 - σ(z)) / n: σ'(z) = σ(z)(1 - σ(z)) has "
                "already cancelled against the derivative of the log. With respect to the "
                "logits the gradient is simply (σ(z) - y) / n.",
                lambda c: (sigmoid(c.args[1]) - c.args[0]) * sigmoid(c.args[1])
                * (1 - sigmoid(c.args[1])) / c.args[0].shape[0],
                example=lambda y, z: (sigmoid(z) - y) * sigmoid(z) * (1 - sigmoid(z)) / len(y)),
        variant("logits_not_squashed", "logits used where σ(z) belongs",
                "your gradient is (z - y) / n: the gradient is (σ(z) - y) / n, with the "
                "probability σ(z), not the raw logit.",
                lambda c: (c.args[1] - c.args[0]) / c.args[0].shape[0],
                example=lambda y, z: (z - y) / len(y)),
    ),
)
