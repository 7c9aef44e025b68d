"""The course's losses in one table: each with its function, its gradient and what it takes.

Everything that picks a loss by name reads this table: the model trainer
(:func:`lossedu.models.train_linear_model`), the loss explorer
(:func:`lossedu.widgets.loss_explorer`) and the grading registry (the
references of the loss exercises), so that a loss is paired with its gradient
once.

>>> from lossedu.losses_table import LOSSES
>>> entry = LOSSES["huber"]
>>> entry.function.__name__, entry.gradient.__name__, entry.prediction
('huber', 'huber_grad', 'values')
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Callable, Mapping

from lossedu.classification import (
    binary_cross_entropy,
    binary_cross_entropy_grad,
    binary_cross_entropy_with_logits,
    binary_cross_entropy_with_logits_grad,
    categorical_cross_entropy,
    categorical_cross_entropy_grad,
    categorical_cross_entropy_with_logits,
    categorical_cross_entropy_with_logits_grad,
    focal_loss,
    focal_loss_grad,
)
from lossedu.margins import hinge_loss, hinge_loss_grad, multiclass_hinge_loss, multiclass_hinge_loss_grad
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
from lossedu.segmentation import dice_loss, dice_loss_grad

__all__ = ["LOSSES", "PREDICTIONS", "Loss"]

#: What a loss's second argument holds.
PREDICTIONS = {
    "values": "real-valued predictions (regression)",
    "probabilities": "probabilities in [0, 1]",
    "probability rows": "rows of class probabilities, (n, C)",
    "logits": "logits of a sigmoid output (binary labels 0/1)",
    "class logits": "logits of a softmax output, (n, C)",
    "scores": "raw scores, labels -1/+1 or class labels",
    "masks": "predicted masks, (n, d)",
}


@dataclass(frozen=True)
class Loss:
    """One loss: its name (the function's), a label for people, its function and gradient.

    ``prediction`` is a key of :data:`PREDICTIONS`; ``hyperparameters`` the
    keyword arguments it takes besides ``reduction`` and ``sample_weight``.
    """

    function: Callable
    gradient: Callable
    label: str
    prediction: str
    hyperparameters: tuple = ()

    @property
    def name(self) -> str:
        return self.function.__name__


_ENTRIES = (
    Loss(mse, mse_grad, "squared error", "values"),
    Loss(mae, mae_grad, "absolute error", "values"),
    Loss(huber, huber_grad, "Huber", "values", ("delta",)),
    Loss(log_cosh, log_cosh_grad, "log-cosh", "values"),
    Loss(binary_cross_entropy, binary_cross_entropy_grad, "binary cross-entropy", "probabilities",
         ("eps",)),
    Loss(binary_cross_entropy_with_logits, binary_cross_entropy_with_logits_grad,
         "binary cross-entropy", "logits", ("pos_weight",)),
    Loss(categorical_cross_entropy, categorical_cross_entropy_grad, "categorical cross-entropy",
         "probability rows", ("eps",)),
    Loss(categorical_cross_entropy_with_logits, categorical_cross_entropy_with_logits_grad,
         "categorical cross-entropy", "class logits", ("class_weight", "label_smoothing")),
    Loss(focal_loss, focal_loss_grad, "focal", "logits", ("gamma", "alpha")),
    Loss(hinge_loss, hinge_loss_grad, "hinge", "scores"),
    Loss(multiclass_hinge_loss, multiclass_hinge_loss_grad, "multiclass hinge", "scores",
         ("margin",)),
    Loss(dice_loss, dice_loss_grad, "Dice", "masks", ("smooth",)),
)

#: Every loss with a gradient, by name (the function's name).
LOSSES: Mapping[str, Loss] = MappingProxyType({entry.name: entry for entry in _ENTRIES})
