"""Tests of lossedu.widgets: moving a slider updates the numbers, the table and the figure.

Expected numbers are worked out here from the formulas (math module), not
taken from lossedu.
"""

import io
import math

import matplotlib

matplotlib.use("Agg")

import ipywidgets  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import PIL.Image  # noqa: E402
import pytest  # noqa: E402

from lossedu import widgets  # noqa: E402

TOL = dict(rel=1e-9, abs=1e-12)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def approx(value):
    return pytest.approx(value, **TOL)


def figure_of(explorer) -> PIL.Image.Image:
    data = bytes(explorer.image.value)
    assert data.startswith(PNG_SIGNATURE)
    return PIL.Image.open(io.BytesIO(data))


def check_shell(explorer, controls):
    """A VBox holding the controls, a PNG figure of the figure's size and the HTML table."""
    assert isinstance(explorer, ipywidgets.VBox)
    assert set(controls) <= set(explorer.controls)
    for control in explorer.controls.values():
        assert control in explorer.children
    assert explorer.image in explorer.children and explorer.numbers in explorer.children
    image = figure_of(explorer)
    width, height = explorer.figure.get_size_inches() * explorer.figure.dpi
    assert image.size == (round(width), round(height))
    assert explorer.numbers.value == explorer.table and explorer.table.startswith("<table")


@pytest.fixture(autouse=True)
def no_pyplot_figures():
    plt.close("all")
    yield
    assert plt.get_fignums() == [], "an explorer left a pyplot figure open"


# ---------------------------------------------------------------------------
# loss_explorer


def test_loss_explorer_numbers_follow_the_prediction_slider():
    explorer = widgets.loss_explorer(y_true=1.0)
    check_shell(explorer, ["y_pred", "y_true"])
    before = bytes(explorer.image.value)
    explorer.controls["y_pred"].value = 0.25
    values = explorer.values
    assert values["y_pred"] == 0.25 and values["y_true"] == 1.0
    # squared error (y - p)^2 and 2 (p - y); absolute |y - p| and sign(p - y)
    assert values["squared_error"] == {"loss": approx(0.5625), "gradient": approx(-1.5)}
    assert values["absolute_error"] == {"loss": approx(0.75), "gradient": approx(-1.0)}
    # Huber, delta = 1, |r| = 0.75 <= 1: r^2 / 2 and r
    assert values["huber"] == {"loss": approx(0.28125), "gradient": approx(-0.75)}
    # BCE, y = 1: -log p and -1 / p
    assert values["bce"] == {"loss": approx(math.log(4.0)), "gradient": approx(-4.0)}
    for text in ("0.5625", "-1.5", "0.2812", "1.386", "-4"):
        assert text in explorer.table
    assert bytes(explorer.image.value) != before


def test_loss_explorer_target_slider_and_soft_labels():
    explorer = widgets.loss_explorer(y_true=1.0, losses=("bce", "squared_error"), y_pred=0.25)
    explorer.controls["y_true"].value = 0.0
    # y = 0: -log(1 - p) and 1 / (1 - p)
    assert explorer.values["bce"] == {"loss": approx(-math.log(0.75)), "gradient": approx(1 / 0.75)}
    explorer.controls["y_true"].value = 0.5
    loss = -(0.5 * math.log(0.25) + 0.5 * math.log(0.75))
    gradient = -0.5 / 0.25 + 0.5 / 0.75
    assert explorer.values["bce"] == {"loss": approx(loss), "gradient": approx(gradient)}
    assert explorer.values["squared_error"]["loss"] == approx(0.0625)


def test_loss_explorer_regression_losses_far_from_the_target():
    explorer = widgets.loss_explorer(y_true=0.0, losses=("log_cosh", "huber", "squared_error"), delta=1.5)
    explorer.controls["y_pred"].value = 3.0
    assert explorer.values["log_cosh"] == {"loss": approx(math.log(math.cosh(3.0))),
                                           "gradient": approx(math.tanh(3.0))}
    # |r| = 3 > delta = 1.5: delta (|r| - delta / 2) and delta sign(r)
    assert explorer.values["huber"] == {"loss": approx(1.5 * (3.0 - 0.75)), "gradient": approx(1.5)}
    assert explorer.values["squared_error"] == {"loss": approx(9.0), "gradient": approx(6.0)}
    low, high = explorer.controls["y_pred"].min, explorer.controls["y_pred"].max
    assert (low, high) == (-4.0, 4.0)


def test_loss_explorer_moves_markers_without_redrawing_the_axes():
    explorer = widgets.loss_explorer(y_true=1.0, losses=("squared_error",))
    axes = explorer.figure.axes[0]
    explorer.controls["y_pred"].value = 0.6
    assert explorer.figure.axes[0] is axes          # only the markers moved
    marker = explorer._markers[0][1]
    np.testing.assert_allclose(marker.get_xydata(), [[0.6, 0.16]], rtol=1e-12, atol=1e-12)
    explorer.controls["y_true"].value = 0.0
    assert explorer.figure.axes[0] is not axes      # a new target redraws the curves


def test_loss_explorer_refuses_bad_arguments():
    with pytest.raises(ValueError, match="absolute_error, bce, huber, log_cosh, squared_error"):
        widgets.loss_explorer(losses=("squared_error", "cross_entropy"))
    with pytest.raises(ValueError, match=r"y_true must be in \[0, 1\]"):
        widgets.loss_explorer(y_true=3.0)


# ---------------------------------------------------------------------------
# huber_explorer


def test_huber_explorer_delta_slider_changes_numbers_and_curves():
    explorer = widgets.huber_explorer(delta=1.0, y_true=0.0, y_pred=3.0)
    check_shell(explorer, ["delta", "y_pred", "y_true"])
    assert explorer.values["huber"] == {"loss": approx(2.5), "gradient": approx(1.0)}
    explorer.controls["delta"].value = 2.0
    assert explorer.values["huber"] == {"loss": approx(4.0), "gradient": approx(2.0)}
    explorer.controls["delta"].value = 3.0
    assert explorer.values["huber"] == {"loss": approx(4.5), "gradient": approx(3.0)}
    assert explorer.values["squared_error"] == {"loss": approx(9.0), "gradient": approx(6.0)}
    # The drawn Huber curve is the one for delta = 3: quadratic everywhere on [-3, 3].
    loss_curve, gradient_curve = explorer._huber_curves
    r = np.asarray(loss_curve.get_xdata())
    expected = np.where(np.abs(r) <= 3.0, 0.5 * r ** 2, 3.0 * (np.abs(r) - 1.5))
    np.testing.assert_allclose(loss_curve.get_ydata(), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gradient_curve.get_ydata(), np.clip(r, -3.0, 3.0), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(explorer._delta_lines[1].get_xdata(), [3.0, 3.0], rtol=0, atol=1e-12)


# ---------------------------------------------------------------------------
# sigmoid_explorer


def test_sigmoid_explorer_probability_losses_and_gradients():
    explorer = widgets.sigmoid_explorer()
    check_shell(explorer, ["z"])
    explorer.controls["z"].value = 2.0
    p = 1 / (1 + math.exp(-2.0))
    assert explorer.values["p"] == approx(p)
    assert explorer.values["y=1"] == {"loss": approx(math.log1p(math.exp(-2.0))), "gradient": approx(p - 1)}
    assert explorer.values["y=0"] == {"loss": approx(math.log1p(math.exp(2.0))), "gradient": approx(p)}
    explorer.controls["z"].value = -8.0
    assert explorer.values["y=1"]["loss"] == approx(8.0 + math.log1p(math.exp(-8.0)))
    assert f"{1 / (1 + math.exp(8.0)):.4g}" in explorer.table


# ---------------------------------------------------------------------------
# softmax_explorer


def softmax(z):
    exps = [math.exp(v - max(z)) for v in z]
    return [e / sum(exps) for e in exps]


def test_softmax_explorer_logits_temperature_and_true_class():
    explorer = widgets.softmax_explorer((2.0, 1.0, 0.1), class_names=("cat", "dog", "bird"))
    check_shell(explorer, ["z0", "z1", "z2", "temperature", "true_class"])
    assert explorer.values["probabilities"].tolist() == [approx(p) for p in softmax([2.0, 1.0, 0.1])]
    explorer.controls["z1"].value = 3.0
    explorer.controls["temperature"].value = 2.0
    p = softmax([1.0, 1.5, 0.05])
    assert explorer.values["probabilities"].tolist() == [approx(v) for v in p]
    assert explorer.values["loss"] == approx(-math.log(p[0]))
    assert explorer.values["gradient"].tolist() == [approx(p[0] - 1), approx(p[1]), approx(p[2])]
    explorer.controls["true_class"].value = 1
    assert explorer.values["loss"] == approx(-math.log(p[1]))
    assert explorer.values["gradient"].tolist() == [approx(p[0]), approx(p[1] - 1), approx(p[2])]
    assert "dog (true)" in explorer.table
    # The bars show the probabilities.
    bars = explorer._bars
    np.testing.assert_allclose([bar.get_height() for bar in bars], p, rtol=1e-12, atol=1e-12)


def test_softmax_explorer_high_temperature_flattens():
    explorer = widgets.softmax_explorer((4.0, 0.0))
    explorer.controls["temperature"].value = 10.0
    assert explorer.values["probabilities"].tolist() == [approx(v) for v in softmax([0.4, 0.0])]
    explorer.controls["temperature"].value = 0.1
    assert explorer.values["probabilities"][0] == approx(1 / (1 + math.exp(-40.0)))


# ---------------------------------------------------------------------------
# gradient_descent_explorer


def test_gradient_descent_explorer_path_and_verdicts():
    explorer = widgets.gradient_descent_explorer(learning_rate=0.25, steps=3, start=-1.0, minimum=3.0)
    check_shell(explorer, ["learning_rate", "steps"])
    # w <- w - 0.25 * 2 (w - 3) halves the distance to 3 at every step.
    assert explorer.values["path"].tolist() == [-1.0, 1.0, 2.0, 2.5]
    assert explorer.values["cost"] == approx(0.25) and explorer.values["verdict"] == "converges"
    explorer.controls["learning_rate"].value = 0.75          # factor 1 - 1.5 = -0.5
    assert explorer.values["path"].tolist() == [-1.0, 5.0, 2.0, 3.5]
    assert explorer.values["verdict"].startswith("converges (oscillating")
    explorer.controls["learning_rate"].value = 1.05          # factor -1.1
    explorer.controls["steps"].value = 20
    distance = 4.0 * 1.1 ** 20
    assert abs(explorer.values["w"] - 3.0) == approx(distance)
    assert explorer.values["verdict"] == "diverges"
    assert "diverges" in explorer.table
    # The drawn path is the computed one, and the plotted range contains it.
    line = explorer._path_line
    np.testing.assert_allclose(line.get_xdata(), explorer.values["path"], rtol=1e-12, atol=1e-12)
    low, high = explorer.figure.axes[0].get_xlim()
    assert low <= explorer.values["path"].min() and high >= explorer.values["path"].max()


def test_gradient_descent_explorer_curvature_sets_the_stability_limit():
    explorer = widgets.gradient_descent_explorer(learning_rate=0.3, steps=1, start=0.0, minimum=1.0,
                                                 curvature=2.0)
    # C(w) = 2 (w - 1)^2, C'(0) = -4, w1 = 0 + 0.3 * 4 = 1.2
    assert explorer.values["path"].tolist() == [0.0, approx(1.2)]
    assert explorer.controls["learning_rate"].max == approx(0.55)
    # The table states the limit 1/a = 0.5 as a bound the rate must stay below: at 1/a itself the path
    # bounces between two points and never converges.
    assert "convergence limit 1/a (η must stay below it)" in explorer.table and "0.5" in explorer.table
    explorer.controls["learning_rate"].value = 0.5
    assert explorer.values["verdict"] == "never converges (bounces between two points)"
    with pytest.raises(ValueError, match="curvature"):
        widgets.gradient_descent_explorer(curvature=0.0)


# ---------------------------------------------------------------------------
# focal_explorer


def focal(p, gamma):
    return -((1 - p) ** gamma) * math.log(p)


def focal_gradient(p, gamma):
    # d/dz of -(1 - p)^gamma log p with p = sigmoid(z), dp/dz = p (1 - p)
    return (1 - p) ** gamma * (gamma * p * math.log(p) - (1 - p))


def test_focal_explorer_gamma_and_p_t_sliders():
    explorer = widgets.focal_explorer(gamma=2.0, p_t=0.9)
    check_shell(explorer, ["gamma", "p_t"])
    assert explorer.values["bce"] == approx(-math.log(0.9))
    assert explorer.values["focal"] == approx(focal(0.9, 2.0))
    assert explorer.values["ratio"] == approx(0.01)
    assert explorer.values["focal_gradient"] == approx(focal_gradient(0.9, 2.0))
    assert explorer.values["bce_gradient"] == approx(0.9 - 1.0)
    explorer.controls["p_t"].value = 0.3
    explorer.controls["gamma"].value = 0.5
    assert explorer.values["focal"] == approx(focal(0.3, 0.5))
    assert explorer.values["focal_gradient"] == approx(focal_gradient(0.3, 0.5))
    # The drawn focal curve follows gamma.
    p = np.asarray(explorer._focal_curve.get_xdata())
    np.testing.assert_allclose(explorer._focal_curve.get_ydata(), -(1 - p) ** 0.5 * np.log(p),
                               rtol=1e-9, atol=1e-12)
    explorer.controls["gamma"].value = 0.0
    assert explorer.values["focal"] == approx(explorer.values["bce"])


# ---------------------------------------------------------------------------
# threshold_explorer


def test_threshold_explorer_metrics_follow_the_threshold():
    scores = [0.1, 0.4, 0.35, 0.8, 0.65, 0.2]
    labels = [0, 0, 1, 1, 1, 0]
    explorer = widgets.threshold_explorer(scores, labels)
    check_shell(explorer, ["threshold"])
    # threshold 0.5: predicted 1 for 0.8, 0.65 -> TP 2, FP 0, FN 1, TN 3
    values = explorer.values
    assert (values["true_positives"], values["false_positives"], values["false_negatives"],
            values["true_negatives"]) == (2, 0, 1, 3)
    assert values["accuracy"] == approx(5 / 6) and values["precision"] == approx(1.0)
    assert values["recall"] == approx(2 / 3) and values["f1"] == approx(0.8)
    explorer.controls["threshold"].value = 0.3
    # predicted 1 for 0.4, 0.35, 0.8, 0.65 -> TP 3, FP 1, FN 0, TN 2
    values = explorer.values
    assert (values["true_positives"], values["false_positives"]) == (3, 1)
    assert values["precision"] == approx(0.75) and values["recall"] == approx(1.0)
    assert values["f1"] == approx(2 * 0.75 / 1.75)
    assert "0.8571" in explorer.table
    np.testing.assert_allclose(explorer._threshold_line.get_xdata(), [0.3, 0.3], rtol=0, atol=1e-12)


def test_threshold_explorer_raw_scores_and_bad_input():
    explorer = widgets.threshold_explorer([-3.0, -1.0, 2.0, 5.0], [0, 1, 0, 1])
    slider = explorer.controls["threshold"]
    assert (slider.min, slider.max, slider.value) == (-3.0, 5.0, 0.5)   # median of the scores
    with pytest.raises(ValueError, match="same length"):
        widgets.threshold_explorer([0.1, 0.2], [0, 1, 1])
    with pytest.raises(ValueError, match="labels must be 0 or 1"):
        widgets.threshold_explorer([0.1, 0.2], [0, 2])
