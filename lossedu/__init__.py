r"""Loss Functions: the reference library of the course.

Every loss of the course, written to be read: plain numpy, float64,
vectorized and numerically stable, with the formula, the shapes and a
note on stability in each docstring.  The conventions that hold for all
of them:

* truth first, prediction second: ``loss(y_true, y_pred)`` (``logits`` for
  the losses computed from raw scores); hyperparameters are keyword-only;
* ``reduction="mean"`` returns the cost (a float), ``"sum"`` the total (a
  float) and ``"none"`` the per-sample losses (an array of shape ``(n,)``);
  ``sample_weight`` makes the mean :math:`\sum_i w_i \ell_i / \sum_i w_i`;
* ``loss_grad`` returns the derivative of that reduced value with respect
  to the prediction, with the prediction's shape;
* bad input (shapes that would broadcast, probabilities outside [0, 1],
  labels outside the classes, NaN, empty arrays) is refused with a message
  naming the argument, what was expected and what came; inputs are never
  modified.

The figures, widgets, data sets and grader live in their own modules
(:mod:`lossedu.plots`, :mod:`lossedu.widgets`, :mod:`lossedu.data`,
:mod:`lossedu.grading`) and are imported from there, so that importing
the losses stays light.
"""


from .activations import (
    log_sigmoid,
    log_softmax,
    logsumexp,
    one_hot,
    sigmoid,
    softmax,
)
from .classification import (
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
from .distributions import (
    wasserstein_1d,
)
from .embeddings import (
    triplet_loss,
)
from .gradcheck import (
    check_gradient,
    numerical_gradient,
    relative_error,
)
from .margins import (
    hinge_loss,
    hinge_loss_grad,
    multiclass_hinge_loss,
    multiclass_hinge_loss_grad,
)
from .metrics import (
    accuracy,
    confusion_matrix,
    f1_score,
    precision,
    recall,
    top_k_accuracy,
)
from .models import (
    TrainingResult,
    train_linear_model,
)
from .penalties import (
    l1_penalty,
    l1_penalty_grad,
    l2_penalty,
    l2_penalty_grad,
)
from .regression import (
    huber,
    huber_grad,
    log_cosh,
    log_cosh_grad,
    mae,
    mae_grad,
    mse,
    mse_grad,
)
from .segmentation import (
    dice_loss,
    dice_loss_grad,
)
from .training import (
    anomaly_threshold,
    cost,
    gradient_descent_step,
    predict,
    regularized_cost,
    squared_error,
    steps_to_accuracy,
)

__version__ = "0.1.0"

__all__ = [
    "TrainingResult",
    "accuracy",
    "anomaly_threshold",
    "binary_cross_entropy",
    "binary_cross_entropy_grad",
    "binary_cross_entropy_with_logits",
    "binary_cross_entropy_with_logits_grad",
    "categorical_cross_entropy",
    "categorical_cross_entropy_grad",
    "categorical_cross_entropy_with_logits",
    "categorical_cross_entropy_with_logits_grad",
    "check_gradient",
    "confusion_matrix",
    "cost",
    "dice_loss",
    "dice_loss_grad",
    "f1_score",
    "focal_loss",
    "focal_loss_grad",
    "gradient_descent_step",
    "hinge_loss",
    "hinge_loss_grad",
    "huber",
    "huber_grad",
    "l1_penalty",
    "l1_penalty_grad",
    "l2_penalty",
    "l2_penalty_grad",
    "log_cosh",
    "log_cosh_grad",
    "log_sigmoid",
    "log_softmax",
    "logsumexp",
    "mae",
    "mae_grad",
    "mse",
    "mse_grad",
    "multiclass_hinge_loss",
    "multiclass_hinge_loss_grad",
    "numerical_gradient",
    "one_hot",
    "precision",
    "predict",
    "recall",
    "regularized_cost",
    "relative_error",
    "sigmoid",
    "softmax",
    "squared_error",
    "steps_to_accuracy",
    "top_k_accuracy",
    "train_linear_model",
    "triplet_loss",
    "wasserstein_1d",
]
