"""Tests of lossedu.plots: the style, and what each function draws."""

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402
from matplotlib.contour import ContourSet  # noqa: E402

from lossedu import plots  # noqa: E402

TOL = dict(rtol=1e-12, atol=1e-12)


@pytest.fixture(autouse=True)
def close_new_figures():
    """Every test starts and ends without open figures (and checks it)."""
    plt.close("all")
    yield
    plt.close("all")


@pytest.fixture
def ax():
    figure, axes = plt.subplots()
    return axes


def render(axes: Axes) -> None:
    """Draw the figure as a PNG: text and mathtext errors only appear at draw time."""
    axes.figure.savefig(io.BytesIO(), format="png", dpi=40)


def legend_labels(axes: Axes) -> list[str]:
    legend = axes.get_legend()
    return [] if legend is None else [text.get_text() for text in legend.get_texts()]


# ---------------------------------------------------------------------------
# Style


def test_style_is_applied_on_import():
    for key, value in plots.STYLE.items():
        if key == "axes.prop_cycle":
            colours = [to_hex(c["color"]) for c in matplotlib.rcParams[key]]
            assert colours == [to_hex(c) for c in plots.PALETTE]
        elif isinstance(value, tuple):
            assert tuple(matplotlib.rcParams[key]) == value, key
        else:
            assert matplotlib.rcParams[key] == value, key


def test_use_style_restores_the_course_style():
    matplotlib.rcParams["axes.spines.top"] = True
    matplotlib.rcParams["axes.grid"] = False
    plots.use_style()
    assert matplotlib.rcParams["axes.spines.top"] is False
    assert matplotlib.rcParams["axes.grid"] is True


def test_new_figures_have_the_style():
    axes = plots.loss_curves({"cost": [3.0, 2.0, 1.0]})
    assert not axes.spines["top"].get_visible() and not axes.spines["right"].get_visible()
    assert axes.spines["left"].get_visible()
    assert any(line.get_visible() for line in axes.get_xgridlines())
    assert to_hex(axes.get_lines()[0].get_color()) == plots.PALETTE[0].lower()
    assert axes.title.get_fontsize() >= 11 and axes.xaxis.label.get_fontsize() >= 10


def test_palette_is_the_okabe_ito_colour_blind_safe_set():
    okabe_ito = {"#000000", "#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7"}
    assert {colour.lower() for colour in plots.PALETTE} == okabe_ito
    assert len(plots.PALETTE) == 8


def test_new_axes_grid_and_size():
    figure, axes = plots.new_axes(ncols=3, nrows=2)
    assert axes.shape == (2, 3)
    np.testing.assert_allclose(figure.get_size_inches(), [13.8, 7.2], **TOL)
    figure, single = plots.new_axes()
    assert isinstance(single, Axes)
    np.testing.assert_allclose(figure.get_size_inches(), plots.STYLE["figure.figsize"], **TOL)
    assert len(plt.get_fignums()) == 2


# ---------------------------------------------------------------------------
# Functions: each returns the Axes, draws on the one it is given, and renders.


def test_every_function_draws_on_the_given_axes_without_new_figures(ax):
    calls = [
        lambda a: plots.loss_vs_prediction({"l": lambda p: p ** 2}, ax=a),
        lambda a: plots.loss_curves({"c": [1.0, 0.5]}, ax=a),
        lambda a: plots.cost_curve(lambda w: w ** 2, (-1, 1), ax=a),
        lambda a: plots.cost_landscape(lambda w, b: w ** 2 + b ** 2, (-1, 1), (-1, 1), resolution=10,
                                       colorbar=False, ax=a),
        lambda a: plots.regression_fit([0.0, 1.0], [1.0, 2.0], {}, ax=a),
        lambda a: plots.decision_boundary(lambda X: (X[:, 0] > 0).astype(int), [[-1.0, 0.0], [1.0, 0.0]],
                                          [0, 1], resolution=10, ax=a),
        lambda a: plots.bar_comparison({"a": 1.0}, ylabel="value", ax=a),
        lambda a: plots.probability_bars([0.5, 0.5], ax=a),
        lambda a: plots.histogram({"a": [0.0, 1.0]}, xlabel="x", ax=a),
        lambda a: plots.gradient_magnitudes((-1, 1), {"g": lambda z: z}, ax=a),
    ]
    for call in calls:
        ax.clear()
        assert call(ax) is ax
        render(ax)
    assert plt.get_fignums() == [ax.figure.number]


def test_loss_vs_prediction_lines_labels_and_values():
    axes = plots.loss_vs_prediction(
        {"squared": lambda p: (p - 1.0) ** 2, "absolute": lambda p: np.abs(p - 1.0)},
        pred_range=(-2.0, 4.0), y_true=1.0, title="two losses")
    lines = axes.get_lines()
    assert len(lines) == 3
    assert legend_labels(axes) == ["squared", "absolute", "$y = 1$"]
    x, y = lines[0].get_data()
    np.testing.assert_allclose(y, (x - 1.0) ** 2, **TOL)
    assert x[0] == -2.0 and x[-1] == 4.0
    np.testing.assert_allclose(lines[2].get_xdata(), [1.0, 1.0], **TOL)
    assert axes.get_xlim() == (-2.0, 4.0)
    assert axes.get_title() == "two losses" and axes.get_ylabel() == "loss"
    assert "hat{y}" in axes.get_xlabel()
    render(axes)


def test_loss_vs_prediction_refuses_a_reducing_callable():
    with pytest.raises(ValueError, match="reduction='none'"):
        plots.loss_vs_prediction({"mean": lambda p: float(np.mean(p))})
    with pytest.raises(TypeError, match="losses"):
        plots.loss_vs_prediction([lambda p: p])


def test_loss_curves_steps_and_log_scale():
    history = [8.0, 4.0, 2.0, 1.0]
    axes = plots.loss_curves({"a": history, "b": np.array([8.0, 7.0, 6.0, 5.0])}, log_y=True,
                             ylabel="training cost", title="t")
    x, y = axes.get_lines()[0].get_data()
    np.testing.assert_allclose(x, [0, 1, 2, 3], **TOL)
    np.testing.assert_allclose(y, history, **TOL)
    assert axes.get_yscale() == "log" and axes.get_ylabel() == "training cost"
    assert legend_labels(axes) == ["a", "b"]
    render(axes)
    with pytest.raises(ValueError, match="positive"):
        plots.loss_curves({"a": [1.0, 0.0]}, log_y=True)


def test_cost_curve_with_path_widens_the_range():
    cost = lambda w: (w - 3.0) ** 2  # noqa: E731
    path = [-4.0, 0.5, 2.0]
    axes = plots.cost_curve(cost, (0.0, 6.0), path=path)
    curve, descent = axes.get_lines()
    w, c = curve.get_data()
    assert w[0] == -4.0 and w[-1] == 6.0
    np.testing.assert_allclose(c, (w - 3.0) ** 2, **TOL)
    np.testing.assert_allclose(descent.get_xdata(), path, **TOL)
    np.testing.assert_allclose(descent.get_ydata(), [49.0, 6.25, 1.0], **TOL)
    assert [text.get_text() for text in axes.texts] == ["start"]
    render(axes)


def test_cost_landscape_contours_colorbar_and_path():
    cost = lambda w, b: (w - 1.0) ** 2 + 2.0 * (b + 1.0) ** 2  # noqa: E731
    axes = plots.cost_landscape(cost, (-3, 3), (-3, 3), path=[(2.0, 2.0), (1.5, 0.0)], levels=12,
                                resolution=30)
    contours = [c for c in axes.collections if isinstance(c, ContourSet)]
    assert len(contours) == 1
    levels = contours[0].levels
    assert levels.min() >= 0 and len(levels) >= 8
    # sqrt-spaced levels: finer near the minimum than near the rim.
    assert levels[1] - levels[0] < levels[-1] - levels[-2]
    assert len(axes.figure.axes) == 2  # the colour bar
    assert axes.figure.axes[1].get_ylabel() == "cost"
    np.testing.assert_allclose(axes.get_lines()[0].get_xydata(), [[2.0, 2.0], [1.5, 0.0]], **TOL)
    render(axes)


def test_regression_fit_points_outliers_and_lines():
    x = np.array([0.0, 1.0, 2.0, 3.0])
    y = np.array([1.0, 3.0, 5.0, 40.0])
    axes = plots.regression_fit(x, y, {"true": lambda t: 2 * t + 1, "fit": lambda t: 3 * t},
                                highlight=[False, False, False, True])
    assert len(axes.collections) == 2
    np.testing.assert_allclose(axes.collections[1].get_offsets(), [[3.0, 40.0]], **TOL)
    assert legend_labels(axes) == ["data", "outliers", "true", "fit"]
    grid, values = axes.get_lines()[0].get_data()
    np.testing.assert_allclose(values, 2 * grid + 1, **TOL)
    render(axes)
    plain = plots.regression_fit(x, y, {})
    assert len(plain.collections) == 1 and not plain.get_lines()
    with pytest.raises(ValueError, match="highlight"):
        plots.regression_fit(x, y, {}, highlight=[True])


def test_decision_boundary_with_probabilities_draws_the_half_contour():
    X = np.array([[-1.0, -1.0], [-2.0, 0.0], [1.0, 1.0], [2.0, 0.5]])
    labels = np.array([0, 0, 1, 1])
    axes = plots.decision_boundary(lambda G: 1 / (1 + np.exp(-(G[:, 0] + G[:, 1]))), X, labels,
                                   resolution=40, class_names=["benign", "malignant"])
    contours = [c for c in axes.collections if isinstance(c, ContourSet)]
    assert len(contours) == 2 and [float(v) for v in contours[1].levels] == [0.5]
    assert legend_labels(axes) == ["benign", "malignant"]
    render(axes)


def test_decision_boundary_with_labels_or_class_probabilities():
    X = np.array([[0.0, 4.0], [-3.0, -2.0], [3.0, -2.0]])
    labels = np.array([0, 1, 2])
    centres = X.copy()

    def nearest(G):
        return np.argmin(((G[:, None, :] - centres) ** 2).sum(axis=-1), axis=1)

    def probabilities(G):
        scores = -((G[:, None, :] - centres) ** 2).sum(axis=-1)
        scores -= scores.max(axis=1, keepdims=True)
        return np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)

    for predict in (nearest, probabilities):
        axes = plots.decision_boundary(predict, X, labels, resolution=30)
        contours = [c for c in axes.collections if isinstance(c, ContourSet)]
        assert len(contours) == 1
        np.testing.assert_allclose(contours[0].levels, [-0.5, 0.5, 1.5, 2.5], **TOL)
        assert legend_labels(axes) == ["class 0", "class 1", "class 2"]
        render(axes)
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        plots.decision_boundary(nearest, np.zeros((3, 3)), labels)
    with pytest.raises(ValueError, match="predict_fn returned shape"):
        plots.decision_boundary(lambda G: np.zeros(3), X, labels, resolution=10)


def test_bar_comparison_heights_and_value_labels():
    axes = plots.bar_comparison({"MSE": 0.9123, "BCE": 0.95, "focal": 0.961}, ylabel="accuracy", title="t")
    np.testing.assert_allclose([bar.get_height() for bar in axes.patches], [0.9123, 0.95, 0.961], **TOL)
    assert [text.get_text() for text in axes.texts] == ["0.912", "0.95", "0.961"]
    assert [label.get_text() for label in axes.get_xticklabels()] == ["MSE", "BCE", "focal"]
    assert axes.get_ylabel() == "accuracy"
    colours = [to_hex(bar.get_facecolor()) for bar in axes.patches]
    assert colours == [c.lower() for c in plots.PALETTE[:3]]
    render(axes)


def test_probability_bars_heights_highlight_and_limits():
    axes = plots.probability_bars([0.7, 0.2, 0.1], class_names=["cat", "dog", "bird"], true_class=1)
    np.testing.assert_allclose([bar.get_height() for bar in axes.patches], [0.7, 0.2, 0.1], **TOL)
    colours = [to_hex(bar.get_facecolor()) for bar in axes.patches]
    assert colours == [plots.PALETTE[0].lower(), plots.PALETTE[1].lower(), plots.PALETTE[0].lower()]
    assert [text.get_text() for text in axes.texts] == ["0.70", "0.20", "0.10"]
    assert axes.get_ylim() == (0.0, 1.08)
    render(axes)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        plots.probability_bars([1.5, -0.5])
    with pytest.raises(ValueError, match="class_names"):
        plots.probability_bars([0.5, 0.5], class_names=["a"])


def test_histogram_shared_bins_and_threshold():
    rng = np.random.default_rng(0)
    normal, anomalies = rng.normal(0, 1, 300), rng.normal(5, 1, 30)
    axes = plots.histogram({"normal": normal, "anomalies": anomalies}, threshold=3.0, bins=20,
                           xlabel="error")
    assert len(axes.patches) == 40
    heights = np.array([bar.get_height() for bar in axes.patches])
    assert heights[:20].sum() == 300 and heights[20:].sum() == 30
    lefts = [bar.get_x() for bar in axes.patches]
    np.testing.assert_allclose(lefts[:20], lefts[20:], **TOL)
    np.testing.assert_allclose(axes.get_lines()[0].get_xdata(), [3.0, 3.0], **TOL)
    assert legend_labels(axes) == ["normal", "anomalies", "threshold = 3"]
    assert axes.get_xlabel() == "error" and axes.get_ylabel() == "count"
    render(axes)


def test_histogram_threshold_label_can_be_given():
    axes = plots.histogram({"log errors": np.log10([0.5, 1.0, 2.0, 4.0])}, threshold=np.log10(1.2),
                           threshold_label="threshold 1.2 (log10: 0.0792)", xlabel="log10 error")
    assert legend_labels(axes) == ["log errors", "threshold 1.2 (log10: 0.0792)"]
    render(axes)


def test_gradient_magnitudes_plots_absolute_values():
    axes = plots.gradient_magnitudes((-4.0, 4.0), {"linear": lambda z: z, "const": lambda z: -np.ones_like(z)},
                                     log_y=False)
    z, magnitude = axes.get_lines()[0].get_data()
    np.testing.assert_allclose(magnitude, np.abs(z), **TOL)
    np.testing.assert_allclose(axes.get_lines()[1].get_ydata(), 1.0, **TOL)
    assert axes.get_xlim() == (-4.0, 4.0)
    render(axes)
    log_axes = plots.gradient_magnitudes((-4.0, 4.0), {"linear": lambda z: z}, log_y=True)
    assert log_axes.get_yscale() == "log"
    render(log_axes)


def test_functions_without_ax_open_exactly_one_figure_each():
    plots.loss_curves({"a": [1.0, 0.5]})
    plots.bar_comparison({"a": 1.0}, ylabel="v")
    assert len(plt.get_fignums()) == 2


# ---------------------------------------------------------------------------
# Options: per-line styles, legend placement, log axes, contour levels.


def test_styles_set_the_properties_of_the_named_lines_only():
    styles = {"true": {"color": "black", "linestyle": "--", "linewidth": 1.0}}
    axes = plots.loss_vs_prediction({"fit": lambda p: p, "true": lambda p: 2 * p}, styles=styles)
    fit, true = axes.get_lines()
    assert to_hex(true.get_color()) == "#000000" and true.get_linestyle() == "--" and true.get_linewidth() == 1.0
    assert to_hex(fit.get_color()) == plots.PALETTE[0].lower() and fit.get_linestyle() == "-"
    assert legend_labels(axes) == ["fit", "true"]
    curves = plots.loss_curves({"a": [2.0, 1.0], "b": [3.0, 1.0]}, styles={"b": {"color": plots.PALETTE[3]}})
    assert to_hex(curves.get_lines()[1].get_color()) == plots.PALETTE[3].lower()
    x = np.array([0.0, 1.0, 2.0])
    fits = plots.regression_fit(x, 2 * x, {"MSE": lambda t: 2 * t, "MAE": lambda t: 2 * t},
                                styles={"MAE": {"linewidth": 6.0, "alpha": 0.5}})
    assert fits.get_lines()[1].get_linewidth() == 6.0 and fits.get_lines()[1].get_alpha() == 0.5
    for each in (axes, curves, fits):
        render(each)


def test_styles_refuse_names_that_are_not_drawn():
    with pytest.raises(ValueError, match="'Huber'"):
        plots.loss_curves({"MSE": [1.0, 0.5]}, styles={"Huber": {"color": "black"}})
    with pytest.raises(TypeError, match="styles"):
        plots.loss_vs_prediction({"l": lambda p: p}, styles={"l": "black"})


def test_regression_fit_lines_never_take_the_outlier_colour():
    x = np.arange(6.0)
    lines = {f"line {k}": (lambda t, k=k: t + k) for k in range(7)}
    axes = plots.regression_fit(x, x, lines, highlight=x > 4)
    outlier_colour = to_hex(axes.collections[1].get_facecolor()[0])
    assert outlier_colour == plots.PALETTE[3].lower()
    assert outlier_colour not in {to_hex(line.get_color()) for line in axes.get_lines()}
    render(axes)


def test_legend_loc_places_or_omits_the_legend():
    curves = {"a": [2.0, 1.0], "b": [3.0, 1.0]}
    assert plots.loss_curves(curves, legend_loc=None).get_legend() is None
    upper_left = plots.loss_curves(curves, legend_loc="upper left").get_legend()
    assert upper_left._loc == 2  # matplotlib's code for "upper left"
    outside = plots.histogram({"a": [0.0, 1.0, 1.0]}, xlabel="x", legend_loc="outside")
    render(outside)
    legend_box = outside.get_legend().get_window_extent()
    assert legend_box.x0 >= outside.get_window_extent().x1  # right of the axes: hides no data
    for call in (lambda: plots.cost_curve(lambda w: w ** 2, (-1, 1), path=[1.0, 0.5], legend_loc=None),
                 lambda: plots.gradient_magnitudes((-1, 1), {"g": lambda z: z}, legend_loc=None),
                 lambda: plots.regression_fit([0.0, 1.0], [0.0, 1.0], {"l": lambda t: t}, legend_loc=None),
                 lambda: plots.loss_vs_prediction({"l": lambda p: p}, legend_loc=None)):
        assert call().get_legend() is None


def test_loss_curves_log_x_draws_step_plus_one():
    axes = plots.loss_curves({"short": [-10.0, -5.0, 0.0], "long": np.linspace(-10.0, 0.0, 1000)}, log_x=True,
                             ylabel="logit z")
    x, _ = axes.get_lines()[0].get_data()
    np.testing.assert_allclose(x, [1, 2, 3], **TOL)
    assert axes.get_lines()[1].get_xdata()[-1] == 1000
    assert axes.get_xscale() == "log" and axes.get_yscale() == "linear"
    assert axes.get_xlabel() == "step + 1"
    assert plots.loss_curves({"a": [1.0, 2.0]}).get_xlabel() == "step"
    render(axes)


def test_loss_curves_references_and_readable_short_log_axis():
    axes = plots.loss_curves({"smoothed": np.linspace(2.3, 0.64, 50), "plain": np.geomspace(2.3, 0.08, 50)},
                             log_y=True, references={"floor 0.50": 0.5})
    reference = axes.get_lines()[2]
    np.testing.assert_allclose(reference.get_ydata(), [0.5, 0.5], **TOL)
    assert reference.get_linestyle() == ":" and legend_labels(axes)[-1] == "floor 0.50"
    render(axes)
    # Less than three decades: 1, 2 and 5 times each power of ten are labelled.
    labels = {label.get_text() for label in axes.get_yticklabels() if label.get_text()}
    assert {"0.1", "0.2", "0.5", "1", "2"} <= labels
    wide = plots.loss_curves({"diverges": np.geomspace(1.0, 1e10, 20)}, log_y=True)
    render(wide)
    assert "2" not in {label.get_text() for label in wide.get_yticklabels()}
    with pytest.raises(ValueError, match="reference"):
        plots.loss_curves({"a": [1.0, 0.5]}, log_y=True, references={"zero": 0.0})


def test_histogram_log_y_keeps_small_counts_visible():
    rng = np.random.default_rng(0)
    axes = plots.histogram({"laplace": rng.laplace(0.0, 1.0, 5000)}, xlabel="value", bins=40, log_y=True)
    assert axes.get_yscale() == "log"
    heights = np.array([bar.get_height() for bar in axes.patches])
    assert heights.sum() == 5000
    low, _ = axes.get_ylim()
    assert 0 < low <= 1  # a bin with a single sample still shows
    assert plots.histogram({"a": [0.0, 1.0]}, xlabel="x").get_yscale() == "linear"
    render(axes)


def test_cost_landscape_geometric_levels_close_rings_in_a_narrow_valley():
    cost = lambda w, b: 1.0 + 50.0 * (w - 1.0) ** 2 + 0.2 * (b - 2.0) ** 2  # noqa: E731
    # 121 points per axis: the grid holds the minimum (1, 2), where the cost is 1.
    axes = plots.cost_landscape(cost, (-3, 5), (-4, 8), levels=15, resolution=121, spacing="geometric",
                                colorbar=False)
    levels = [c for c in axes.collections if isinstance(c, ContourSet)][0].levels
    above = levels - 1.0
    ratios = above[1:] / above[:-1]
    np.testing.assert_allclose(ratios, ratios[0], rtol=1e-2, atol=0.0)  # constant factor above the minimum
    # The lowest ring, cost - 1 = above[0], fits inside the b range: a closed ellipse around (1, 2).
    assert 2.0 + np.sqrt(above[0] / 0.2) < 8.0
    render(axes)
    with pytest.raises(ValueError, match="spacing"):
        plots.cost_landscape(cost, (-1, 1), (-1, 1), spacing="log", resolution=5)


def test_cost_landscape_explicit_levels_and_marked_minimum():
    cost = lambda w, b: (w - 0.3) ** 2 + 10.0 * (w + b - 1.0) ** 2  # noqa: E731 (minimum at (0.3, 0.7))
    axes = plots.cost_landscape(cost, (-2, 2), (-2, 2), levels=[0.1, 1.0, 5.0], resolution=41,
                                mark_minimum=True, colorbar=False)
    levels = [c for c in axes.collections if isinstance(c, ContourSet)][0].levels
    np.testing.assert_allclose(levels, [0.1, 1.0, 5.0], **TOL)
    star = axes.get_lines()[0]
    # The grid step is 0.1; the Newton step from the lowest grid point lands on the exact minimum.
    np.testing.assert_allclose(star.get_xydata(), [[0.3, 0.7]], rtol=0, atol=1e-9)
    assert [text.get_text() for text in axes.texts] == ["minimum (0.30, 0.70)"]
    assert axes.get_legend() is None  # the star is annotated, not a legend entry
    render(axes)


def test_loss_vs_prediction_draws_a_jump_without_a_vertical_segment():
    step = lambda m: (m <= 0).astype(float)  # noqa: E731
    axes = plots.loss_vs_prediction({"0-1 loss": step, "hinge": lambda m: np.maximum(0.0, 1.0 - m)},
                                    pred_range=(-3.0, 3.0), jumps={"0-1 loss": [0.0]})
    left, right, dot, hinge = axes.get_lines()
    x_left, y_left = left.get_data()
    x_right, y_right = right.get_data()
    # each piece is flat: 1 up to the float below 0, 0 from the float above 0
    assert x_left[0] == -3.0 and x_left[-1] == np.nextafter(0.0, -1.0)
    assert x_right[0] == np.nextafter(0.0, 1.0) and x_right[-1] == 3.0
    np.testing.assert_array_equal(y_left, np.ones_like(x_left))
    np.testing.assert_array_equal(y_right, np.zeros_like(x_right))
    # the dot says which value the loss takes at the jump: 1, since m = 0 counts as a mistake
    np.testing.assert_array_equal(dot.get_xdata(), [0.0])
    np.testing.assert_array_equal(dot.get_ydata(), [1.0])
    assert dot.get_linestyle() == "None" and dot.get_marker() == "o"
    assert left.get_color() == right.get_color() == dot.get_color() != hinge.get_color()
    assert legend_labels(axes) == ["0-1 loss", "hinge"]
    render(axes)


def test_loss_vs_prediction_jumps_are_checked():
    with pytest.raises(ValueError, match="not among the losses"):
        plots.loss_vs_prediction({"a": lambda p: p}, jumps={"b": [0.0]})
    with pytest.raises(ValueError, match="finite"):
        plots.loss_vs_prediction({"a": lambda p: p}, jumps={"a": [np.nan]})
    with pytest.raises(TypeError, match="jumps"):
        plots.loss_vs_prediction({"a": lambda p: p}, jumps=[0.0])
    # a jump outside the drawn range leaves the curve in one piece
    axes = plots.loss_vs_prediction({"a": lambda p: p}, pred_range=(0.0, 1.0), jumps={"a": [5.0]})
    assert len(axes.get_lines()) == 1


def test_loss_vs_prediction_reference_lines():
    axes = plots.loss_vs_prediction({"a": lambda p: np.minimum(p ** 2, 1.0)},
                                    references={"log 2": np.log(2.0)})
    curve, reference = axes.get_lines()
    np.testing.assert_allclose(reference.get_ydata(), [np.log(2.0)] * 2, **TOL)
    assert reference.get_linestyle() == ":"
    assert legend_labels(axes) == ["a", "log 2"]
    render(axes)
