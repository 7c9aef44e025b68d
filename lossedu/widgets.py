"""Interactive explorers: move a slider, watch the losses, gradients and figure change.

Each function returns an explorer, an :class:`ipywidgets.VBox` holding

* the sliders (``explorer.controls``, a dict name -> widget),
* a figure drawn with :mod:`lossedu.plots` and shown as a PNG image
  (``explorer.image``), redrawn after every change,
* the numbers behind it as an HTML table (``explorer.numbers``).

Every change of a slider calls ``explorer.update()``, which recomputes
``explorer.values`` (a dict of the numbers, computed with the lossedu
reference functions), rewrites ``explorer.table`` (the HTML of the table)
and redraws the figure.  The state can therefore be checked without a
browser::

    explorer = loss_explorer()
    explorer.controls["y_pred"].value = 0.3
    explorer.values["squared_error"]["loss"]    # (1 - 0.3) ** 2

In a notebook, put the explorer as the last expression of a cell to show it.
Figures are drawn on :class:`matplotlib.figure.Figure` objects that pyplot
does not track, so explorers leave no open pyplot figure behind.
"""

from __future__ import annotations

import html
import io
from collections.abc import Sequence

import ipywidgets as widgets
import numpy as np
import PIL.Image
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import PlaceHolderLayoutEngine

from lossedu import activations, classification, metrics, plots
from lossedu.losses_table import LOSSES as LOSS_TABLE

__all__ = [
    "FocalExplorer",
    "GradientDescentExplorer",
    "HuberExplorer",
    "LossExplorer",
    "SigmoidExplorer",
    "SoftmaxExplorer",
    "ThresholdExplorer",
    "focal_explorer",
    "gradient_descent_explorer",
    "huber_explorer",
    "loss_explorer",
    "sigmoid_explorer",
    "softmax_explorer",
    "threshold_explorer",
]

_SLIDER_LAYOUT = {"width": "460px"}
_SLIDER_STYLE = {"description_width": "150px"}
_DPI = 80
_NO_SCENE = object()


def _format(value) -> str:
    """A number for the tables: 4 significant digits, no noise."""
    if isinstance(value, str):
        return html.escape(value)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    value = float(value)
    if value == 0:
        return "0"
    return f"{value:.4g}"


def _freeze_limits(ax) -> None:
    """Fix the axis limits where autoscaling put them, so moving artists cannot change them."""
    ax.set_xlim(ax.get_xlim())
    ax.set_ylim(ax.get_ylim())


def html_table(header: Sequence[str], rows: Sequence[Sequence]) -> str:
    """An HTML table with a header row; numbers formatted to 4 significant digits.

    Examples
    --------
    >>> html_table(["loss", "value"], [["MSE", 0.25]])  # doctest: +ELLIPSIS
    '<table ...><tr><th ...>loss</th><th ...>value</th></tr><tr><td ...>MSE</td><td ...>0.25</td></tr></table>'
    """
    cell = "padding:2px 10px;text-align:right;font-family:monospace"
    head = "padding:2px 10px;text-align:right;border-bottom:1px solid #888"
    parts = ['<table style="border-collapse:collapse;margin:4px 0">', "<tr>"]
    parts += [f'<th style="{head}">{html.escape(str(name))}</th>' for name in header]
    parts.append("</tr>")
    for row in rows:
        parts.append("<tr>")
        parts += [f'<td style="{cell}">{_format(value)}</td>' for value in row]
        parts.append("</tr>")
    parts.append("</table>")
    return "".join(parts)


def _float_slider(description, value, low, high, step, *, readout_format=".2f"):
    return widgets.FloatSlider(
        value=float(np.clip(value, low, high)), min=low, max=high, step=step, description=description,
        readout_format=readout_format, continuous_update=True, layout=_SLIDER_LAYOUT, style=_SLIDER_STYLE,
    )


class _Explorer(widgets.VBox):
    """Sliders, a figure and a table of numbers that follow the sliders.

    Subclasses set ``self.controls`` (name -> widget) and call ``_build``;
    they implement

    * ``_compute()`` -> ``(values, table)``: the numbers, from the controls;
    * ``_draw(figure)``: draw the whole figure through :mod:`lossedu.plots`;
      return the artists that follow the sliders without a full redraw
      (markers, a threshold line), or nothing;
    * ``_scene_key()``: the control values the static part of the figure
      depends on (None: redraw everything at every change);
    * ``_move()``: update the moving artists from ``self.values``.

    When only moving artists change, the static part is restored from a
    cached bitmap and only they are drawn again (blitting): a slider drag
    then costs a few milliseconds instead of a full redraw.
    """

    figure_size = (9.0, 3.4)
    margins = {"left": 0.08, "right": 0.98, "bottom": 0.15, "top": 0.9, "wspace": 0.28}
    title = ""
    _ONE_PANEL = {"left": 0.12, "right": 0.97, "bottom": 0.15, "top": 0.9}

    def _build(self):
        self.values: dict = {}
        self.table: str = ""
        # A fixed layout: constrained layout would cost more than the drawing itself at
        # every redraw.  (An explicit placeholder engine, because savefig restores a figure
        # without an engine to the rcParams default, constrained.)
        self.figure = Figure(figsize=self.figure_size, dpi=_DPI, layout="none")
        self.figure.set_layout_engine(PlaceHolderLayoutEngine(adjust_compatible=True, colorbar_gridspec=True))
        FigureCanvasAgg(self.figure)
        self._scene = _NO_SCENE
        self._moving: list = []
        self._background = None
        self.image = widgets.Image(format="png", layout={"max_width": "100%"})
        self.numbers = widgets.HTML()
        header = widgets.HTML(f"<b>{html.escape(self.title)}</b>") if self.title else None
        children = ([header] if header is not None else []) + list(self.controls.values())
        super().__init__(children=children + [self.image, self.numbers])
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.update()

    def _on_change(self, change):
        self.update()

    def update(self) -> None:
        """Recompute ``values`` and ``table`` from the controls and redraw the figure."""
        self.values, self.table = self._compute()
        self.numbers.value = self.table
        canvas = self.figure.canvas
        key = self._scene_key()
        if key is None or key != self._scene:
            self.figure.clear()
            self.figure.subplots_adjust(**self.margins)
            self._moving = list(self._draw(self.figure) or [])
            for artist in self._moving:
                artist.set_animated(True)
            canvas.draw()
            self._background = canvas.copy_from_bbox(self.figure.bbox)
            self._scene = key
        else:
            self._move()
            canvas.restore_region(self._background)
        for artist in self._moving:
            self.figure.draw_artist(artist)
        buffer = io.BytesIO()
        PIL.Image.fromarray(np.asarray(canvas.buffer_rgba())).save(buffer, format="png", compress_level=1)
        self.image.value = buffer.getvalue()

    def _scene_key(self):
        return None

    def _move(self) -> None:
        pass

    def _compute(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def _draw(self, figure):  # pragma: no cover - abstract
        raise NotImplementedError


# ---------------------------------------------------------------------------
# Loss explorer (and Huber explorer)


def _full(value: float, like: np.ndarray) -> np.ndarray:
    return np.full(np.shape(like), float(value))


#: The loss names the explorer takes -> the loss in lossedu.losses_table.
_EXPLORER_LOSSES = {
    "squared_error": "mse",
    "absolute_error": "mae",
    "huber": "huber",
    "log_cosh": "log_cosh",
    "bce": "binary_cross_entropy",
}


def _one_sample(name: str) -> tuple:
    """(label, loss(y, p, delta), gradient(y, p, delta), needs probabilities) per sample."""
    entry = LOSS_TABLE[_EXPLORER_LOSSES[name]]

    def options(delta):
        return {"delta": delta} if "delta" in entry.hyperparameters else {}

    return (entry.label,
            lambda y, p, d: entry.function(_full(y, p), p, reduction="none", **options(d)),
            lambda y, p, d: entry.gradient(_full(y, p), p, reduction="none", **options(d)),
            entry.prediction == "probabilities")


# name -> (label, loss(y, p, delta), gradient(y, p, delta), needs probabilities)
_LOSSES = {name: _one_sample(name) for name in _EXPLORER_LOSSES}


class LossExplorer(_Explorer):
    """Drag the prediction: each loss of one sample and its gradient. See :func:`loss_explorer`."""

    title = "Drag the prediction: the loss of one sample and its gradient"

    def __init__(self, y_true=1.0, losses=("squared_error", "absolute_error", "huber", "bce"), *,
                 y_pred=None, delta=1.0, pred_range=None, delta_slider=False):
        if isinstance(losses, str):
            losses = (losses,)
        unknown = [name for name in losses if name not in _LOSSES]
        if unknown or not losses:
            raise ValueError(
                f"unknown loss {unknown[0] if unknown else None!r}; "
                f"choose among {', '.join(sorted(_LOSSES))}"
            )
        self.losses = tuple(losses)
        self.probability_mode = any(_LOSSES[name][3] for name in self.losses)
        y_true = float(y_true)
        if self.probability_mode:
            if not 0.0 <= y_true <= 1.0:
                raise ValueError(
                    f"y_true must be in [0, 1] when a probability loss (bce) is shown, got {y_true!r}"
                )
            self.pred_range = (0.001, 0.999) if pred_range is None else tuple(pred_range)
            if not 0.0 < self.pred_range[0] < self.pred_range[1] < 1.0:
                raise ValueError(
                    f"pred_range must lie inside (0, 1) for probability losses, got {self.pred_range!r}"
                )
            truth_range = (0.0, 1.0)
        else:
            self.pred_range = (y_true - 4.0, y_true + 4.0) if pred_range is None else tuple(pred_range)
            truth_range = (y_true - 3.0, y_true + 3.0)
        low, high = (float(v) for v in self.pred_range)
        if y_pred is None:
            y_pred = 0.3 if self.probability_mode else y_true + 2.0
        step = 0.001 if self.probability_mode else 0.01
        self.controls = {
            "y_pred": _float_slider("prediction ŷ", y_pred, low, high, step, readout_format=".3f"),
            "y_true": _float_slider("target y", y_true, *truth_range, 0.01),
        }
        # Moving the target redraws every curve and axis: do it when the slider is released.
        self.controls["y_true"].continuous_update = False
        self._delta = float(delta)
        if delta_slider:
            self.controls["delta"] = _float_slider("Huber δ", delta, 0.1, 3.0, 0.05)
        self._build()

    @property
    def delta(self) -> float:
        control = self.controls.get("delta")
        return float(control.value) if control is not None else self._delta

    def _compute(self):
        y = float(self.controls["y_true"].value)
        p = np.array([float(self.controls["y_pred"].value)])
        delta = self.delta
        values = {"y_true": y, "y_pred": float(p[0]), "delta": delta}
        rows = []
        for name in self.losses:
            label, loss, grad, _ = _LOSSES[name]
            entry = {"loss": float(loss(y, p, delta)[0]), "gradient": float(grad(y, p, delta)[0])}
            values[name] = entry
            rows.append([label, entry["loss"], entry["gradient"]])
        table = html_table(["loss", f"ℓ(y={y:g}, ŷ={p[0]:.3g})", "gradient dℓ/dŷ"], rows)
        return values, table

    def _curves(self, which: int) -> dict:
        y, delta = float(self.controls["y_true"].value), self.delta
        return {_LOSSES[name][0]: (lambda p, f=_LOSSES[name][which]: f(y, p, delta)) for name in self.losses}

    def _scene_key(self):
        # With the squared error on the plot, the axis limits do not depend on delta
        # (Huber <= squared error, |Huber gradient| <= |squared-error gradient|), so a new
        # delta only moves the Huber curves and the y +- delta lines.
        delta_moves_only_curves = "delta" in self.controls and "squared_error" in self.losses
        return (float(self.controls["y_true"].value), None if delta_moves_only_curves else self.delta)

    def _draw(self, figure):
        left, right = figure.subplots(1, 2)
        y = float(self.controls["y_true"].value)
        p = self.values["y_pred"]
        plots.loss_vs_prediction(self._curves(1), pred_range=self.pred_range, y_true=y, ax=left,
                                 title="loss")
        plots.loss_vs_prediction(self._curves(2), pred_range=self.pred_range, y_true=y, ax=right,
                                 ylabel=r"gradient $d\ell/d\hat{y}$", title="gradient")
        if self.probability_mode:
            right.set_ylim(-8.0, 8.0)
        right.axhline(0.0, color="0.5", linewidth=0.8)
        if right.get_legend() is not None:
            right.get_legend().remove()
        _freeze_limits(left)
        _freeze_limits(right)
        self._markers = []
        moving = [ax.axvline(p, color="0.25", linewidth=0.8) for ax in (left, right)]
        self._prediction_lines = moving[:2]
        self._delta_lines, self._huber_curves = [], []
        if "delta" in self.controls:
            self._delta_lines = [ax.axvline(y + sign * self.delta, color="0.6", linestyle=":", linewidth=1.2)
                                 for ax in (left, right) for sign in (-1.0, 1.0)]
            if "huber" in self.losses:
                index = self.losses.index("huber")
                self._huber_curves = [left.get_lines()[index], right.get_lines()[index]]
            moving += self._delta_lines + self._huber_curves
        for index, name in enumerate(self.losses):
            colour = plots.PALETTE[index % len(plots.PALETTE)]
            (loss_marker,) = left.plot([p], [self.values[name]["loss"]], "o", color=colour,
                                       markeredgecolor="black")
            (gradient_marker,) = right.plot([p], [self.values[name]["gradient"]], "o", color=colour,
                                            markeredgecolor="black")
            self._markers.append((name, loss_marker, gradient_marker))
            moving += [loss_marker, gradient_marker]
        return moving

    def _move(self):
        p, y, delta = self.values["y_pred"], self.values["y_true"], self.values["delta"]
        for line, sign in zip(self._delta_lines, (-1.0, 1.0, -1.0, 1.0)):
            line.set_xdata([y + sign * delta] * 2)
        for line, which in zip(self._huber_curves, (1, 2)):
            grid = np.asarray(line.get_xdata())
            line.set_ydata(_LOSSES["huber"][which](y, grid, delta))
        for line in self._prediction_lines:
            line.set_xdata([p, p])
        for name, loss_marker, gradient_marker in self._markers:
            loss_marker.set_data([p], [self.values[name]["loss"]])
            gradient_marker.set_data([p], [self.values[name]["gradient"]])


def loss_explorer(y_true=1.0, losses=("squared_error", "absolute_error", "huber", "bce"), *, y_pred=None,
                  delta=1.0, pred_range=None, delta_slider=False):
    """Drag a prediction and watch each loss of one sample and its gradient.

    Parameters
    ----------
    y_true : float
        Initial target (a slider also moves it).  Must be in [0, 1] when a
        probability loss (``"bce"``) is among ``losses``; the prediction is
        then a probability in (0, 1).
    losses : sequence of str
        Among ``"squared_error"``, ``"absolute_error"``, ``"huber"``,
        ``"log_cosh"``, ``"bce"``.
    y_pred : float, optional
        Initial prediction (default 0.3 for probabilities, else
        ``y_true + 2``).
    delta : float
        Huber's delta.
    pred_range : (float, float), optional
        Range of the prediction slider and of the plots (default
        (0.001, 0.999) for probabilities, else ``y_true ± 4``).
    delta_slider : bool
        Add a slider ``controls["delta"]`` for Huber's delta.

    Returns
    -------
    LossExplorer
        A VBox: sliders ``controls["y_pred"]``, ``controls["y_true"]`` (the
        target slider acts when released: it redraws every curve); a
        figure (each loss and each gradient against the prediction, dots at
        the current one); a table of each loss and gradient ``dℓ/dŷ`` at the
        current prediction, also in ``.values[name]["loss" | "gradient"]``.

    Examples
    --------
    >>> explorer = loss_explorer(y_true=1.0, losses=("squared_error", "absolute_error"))
    >>> explorer.controls["y_pred"].value = 3.0
    >>> explorer.values["squared_error"], explorer.values["absolute_error"]
    ({'loss': 4.0, 'gradient': 4.0}, {'loss': 2.0, 'gradient': 1.0})
    """
    return LossExplorer(y_true, losses, y_pred=y_pred, delta=delta, pred_range=pred_range,
                        delta_slider=delta_slider)


class HuberExplorer(LossExplorer):
    """Huber's delta: between squared and absolute error. See :func:`huber_explorer`."""

    title = "Huber loss: δ sets where the square turns into a straight line"

    def __init__(self, *, delta=1.0, y_true=0.0, y_pred=2.0):
        super().__init__(y_true, ("huber", "squared_error", "absolute_error"), y_pred=y_pred, delta=delta,
                         delta_slider=True)


def huber_explorer(*, delta=1.0, y_true=0.0, y_pred=2.0):
    """Move Huber's delta and compare Huber with squared and absolute error.

    Within ``|ŷ - y| <= δ`` Huber is ``r²/2`` (gradient ``r``, like half the
    squared error); beyond, ``δ(|r| - δ/2)`` (gradient ``±δ``, like the
    absolute error, scaled): the gradient is the residual clipped to
    ``[-δ, δ]``, so an outlier cannot pull harder than ``δ``.  Dotted lines
    mark ``y ± δ``.

    Parameters
    ----------
    delta : float
        Initial delta (slider ``controls["delta"]`` from 0.1 to 3).
    y_true, y_pred : float
        Initial target and prediction (sliders).

    Returns
    -------
    HuberExplorer
        Like :func:`loss_explorer` with the losses ``"huber"``,
        ``"squared_error"``, ``"absolute_error"`` and a delta slider.

    Examples
    --------
    >>> explorer = huber_explorer(delta=1.0, y_pred=3.0)
    >>> explorer.values["huber"]
    {'loss': 2.5, 'gradient': 1.0}
    >>> explorer.controls["delta"].value = 2.0
    >>> explorer.values["huber"]
    {'loss': 4.0, 'gradient': 2.0}
    """
    return HuberExplorer(delta=delta, y_true=y_true, y_pred=y_pred)


# ---------------------------------------------------------------------------
# Sigmoid explorer


class SigmoidExplorer(_Explorer):
    """Drag a logit: its probability, and BCE for each label. See :func:`sigmoid_explorer`."""

    title = "Drag the logit z: p = σ(z), the BCE for y = 1 and y = 0, and its gradient p − y"
    logit_range = (-8.0, 8.0)

    def __init__(self, *, z=1.0):
        self.controls = {"z": _float_slider("logit z", z, *self.logit_range, 0.05)}
        self._build()

    def _compute(self):
        z = float(self.controls["z"].value)
        p = float(activations.sigmoid(z))
        values = {"z": z, "p": p}
        rows = []
        for label in (1.0, 0.0):
            loss = float(classification.binary_cross_entropy_with_logits(np.array([label]), np.array([z])))
            grad = float(classification.binary_cross_entropy_with_logits_grad(np.array([label]), np.array([z]))[0])
            values[f"y={label:g}"] = {"loss": loss, "gradient": grad}
            rows.append([f"y = {label:g}", p, loss, grad])
        table = html_table(["label", "p = σ(z)", "BCE", "gradient dℓ/dz = p − y"], rows)
        return values, table

    def _draw(self, figure):
        left, right = figure.subplots(1, 2)
        z = self.values["z"]
        plots.loss_vs_prediction({"σ(z)": lambda t: np.asarray(activations.sigmoid(t))},
                                 pred_range=self.logit_range, ax=left, xlabel="logit $z$",
                                 ylabel="probability $p$", title="sigmoid")
        left.axhline(0.5, color="0.6", linestyle=":", linewidth=1.0)
        curves = {
            f"BCE, y = {label:g}": (lambda t, y=label: classification.binary_cross_entropy_with_logits(
                np.full(t.shape, y), t, reduction="none"))
            for label in (1.0, 0.0)
        }
        plots.loss_vs_prediction(curves, pred_range=self.logit_range, ax=right, xlabel="logit $z$",
                                 title="binary cross-entropy")
        _freeze_limits(left)
        _freeze_limits(right)
        (self._probability_marker,) = left.plot([z], [self.values["p"]], "o", color=plots.PALETTE[0],
                                                markeredgecolor="black")
        self._loss_markers = [
            right.plot([z], [self.values[f"y={label:g}"]["loss"]], "o", color=plots.PALETTE[index],
                       markeredgecolor="black")[0]
            for index, label in enumerate((1.0, 0.0))
        ]
        return [self._probability_marker, *self._loss_markers]

    def _scene_key(self):
        return ()

    def _move(self):
        z = self.values["z"]
        self._probability_marker.set_data([z], [self.values["p"]])
        for marker, label in zip(self._loss_markers, (1.0, 0.0)):
            marker.set_data([z], [self.values[f"y={label:g}"]["loss"]])


def sigmoid_explorer(*, z=1.0):
    """Drag a logit and see the sigmoid probability, the BCE and its gradient.

    Parameters
    ----------
    z : float
        Initial logit (slider ``controls["z"]`` from -8 to 8).

    Returns
    -------
    SigmoidExplorer
        A VBox with the figure (sigmoid curve; BCE for y = 1 and y = 0
        against the logit) and a table: ``p = σ(z)``, the loss for each
        label (``softplus(-z)`` and ``softplus(z)``) and its gradient
        ``p - y``, also in ``.values["p"]``, ``.values["y=1"]``,
        ``.values["y=0"]``.

    Examples
    --------
    >>> explorer = sigmoid_explorer(z=0.0)
    >>> explorer.values["p"], explorer.values["y=1"]["gradient"]
    (0.5, -0.5)
    """
    return SigmoidExplorer(z=z)


# ---------------------------------------------------------------------------
# Softmax explorer


class SoftmaxExplorer(_Explorer):
    """Logit and temperature sliders -> softmax probabilities. See :func:`softmax_explorer`."""

    title = "Move the logits and the temperature T: p = softmax(z / T)"
    figure_size = (6.0, 3.2)
    margins = _Explorer._ONE_PANEL

    def __init__(self, logits=(2.0, 1.0, 0.1), *, temperature=1.0, class_names=None, true_class=0):
        logits = [float(v) for v in np.asarray(logits, dtype=np.float64).ravel()]
        if len(logits) < 2:
            raise ValueError(f"logits must hold at least 2 classes, got {len(logits)}")
        self.class_names = (tuple(str(k) for k in range(len(logits))) if class_names is None
                            else tuple(str(c) for c in class_names))
        if len(self.class_names) != len(logits):
            raise ValueError(f"class_names has {len(self.class_names)} names for {len(logits)} logits")
        self.controls = {
            f"z{k}": _float_slider(f"logit z[{self.class_names[k]}]", v, -6.0, 6.0, 0.05)
            for k, v in enumerate(logits)
        }
        self.controls["temperature"] = widgets.FloatLogSlider(
            value=float(temperature), base=10, min=-1, max=1, step=0.01, description="temperature T",
            readout_format=".2f", layout=_SLIDER_LAYOUT, style=_SLIDER_STYLE,
        )
        self.controls["true_class"] = widgets.Dropdown(
            options=[(name, k) for k, name in enumerate(self.class_names)], value=int(true_class),
            description="true class", style=_SLIDER_STYLE,
        )
        self.num_classes = len(logits)
        self._build()

    def _compute(self):
        z = np.array([float(self.controls[f"z{k}"].value) for k in range(self.num_classes)])
        temperature = float(self.controls["temperature"].value)
        true_class = int(self.controls["true_class"].value)
        scaled = z / temperature
        probabilities = np.asarray(activations.softmax(scaled))
        target = np.array([true_class])
        loss = float(classification.categorical_cross_entropy_with_logits(target, scaled[None, :]))
        gradient = np.asarray(classification.categorical_cross_entropy_with_logits_grad(target, scaled[None, :]))[0]
        values = {"logits": z, "temperature": temperature, "true_class": true_class,
                  "probabilities": probabilities, "loss": loss, "gradient": gradient}
        rows = [[self.class_names[k] + (" (true)" if k == true_class else ""), z[k], scaled[k],
                 probabilities[k], gradient[k]] for k in range(self.num_classes)]
        table = html_table(["class", "logit z", "z / T", "p = softmax(z / T)", "gradient p − y"], rows)
        table += (f"<div>cross-entropy −log p[true] = <code>{_format(loss)}</code>, "
                  f"sum of p = <code>{_format(probabilities.sum())}</code></div>")
        return values, table

    def _draw(self, figure):
        ax = figure.subplots()
        plots.probability_bars(self.values["probabilities"], class_names=self.class_names, ax=ax,
                               true_class=self.values["true_class"], title=self._title())
        _freeze_limits(ax)
        self._bars, self._bar_labels, self._title_text = list(ax.patches), list(ax.texts), ax.title
        return [*self._bars, *self._bar_labels, self._title_text]

    def _title(self):
        return f"softmax at temperature T = {self.values['temperature']:.2f}"

    def _scene_key(self):
        return (self.values["true_class"],)

    def _move(self):
        for bar, label, p in zip(self._bars, self._bar_labels, self.values["probabilities"].tolist()):
            bar.set_height(p)
            label.xy = (label.xy[0], p)
            label.set_text(f"{p:.2f}")
        self._title_text.set_text(self._title())


def softmax_explorer(logits=(2.0, 1.0, 0.1), *, temperature=1.0, class_names=None, true_class=0):
    """One slider per logit and a temperature slider; the softmax probabilities as bars.

    Parameters
    ----------
    logits : sequence of float
        Initial logits, one per class (sliders ``controls["z0"]``,
        ``controls["z1"]`` ... from -6 to 6).
    temperature : float
        Initial temperature (log slider ``controls["temperature"]``, 0.1 to
        10): high T flattens the distribution, low T sharpens it.
    class_names : sequence of str, optional
    true_class : int
        Initial true class (dropdown ``controls["true_class"]``) for the
        cross-entropy and its gradient ``softmax(z / T) - onehot``.

    Returns
    -------
    SoftmaxExplorer
        A VBox with the bars and a table; ``.values["probabilities"]``,
        ``.values["loss"]``, ``.values["gradient"]`` (w.r.t. ``z / T``).

    Examples
    --------
    >>> explorer = softmax_explorer((2.0, 1.0, 0.1))
    >>> [round(p, 3) for p in explorer.values["probabilities"].tolist()]
    [0.659, 0.242, 0.099]
    >>> explorer.controls["temperature"].value = 10.0
    >>> [round(p, 3) for p in explorer.values["probabilities"].tolist()]
    [0.366, 0.331, 0.303]
    """
    return SoftmaxExplorer(logits, temperature=temperature, class_names=class_names, true_class=true_class)


# ---------------------------------------------------------------------------
# Gradient descent explorer


class GradientDescentExplorer(_Explorer):
    """Learning rate and steps on a 1-D quadratic cost. See :func:`gradient_descent_explorer`."""

    title = "Gradient descent on C(w) = a (w − w*)²: choose the learning rate and the number of steps"
    figure_size = (6.4, 3.6)
    margins = _Explorer._ONE_PANEL

    def __init__(self, *, learning_rate=0.1, steps=10, start=-2.0, minimum=3.0, curvature=1.0):
        self.start = float(start)
        self.minimum = float(minimum)
        self.curvature = float(curvature)
        if not self.curvature > 0:
            raise ValueError(f"curvature must be > 0, got {curvature!r}")
        self.controls = {
            "learning_rate": _float_slider("learning rate η", learning_rate, 0.01, 1.1 / self.curvature,
                                           0.01 / self.curvature if self.curvature > 1 else 0.01),
            "steps": widgets.IntSlider(value=int(steps), min=0, max=30, description="steps",
                                       layout=_SLIDER_LAYOUT, style=_SLIDER_STYLE),
        }
        self._build()

    def cost(self, w):
        """The cost ``a (w - w*)²``."""
        return self.curvature * (w - self.minimum) ** 2

    def gradient(self, w):
        """Its derivative ``2 a (w - w*)``."""
        return 2.0 * self.curvature * (w - self.minimum)

    def _compute(self):
        rate = float(self.controls["learning_rate"].value)
        steps = int(self.controls["steps"].value)
        path = [self.start]
        for _ in range(steps):
            path.append(path[-1] - rate * self.gradient(path[-1]))
        path = np.array(path)
        factor = 1.0 - 2.0 * self.curvature * rate
        if abs(factor) < 1:
            verdict = "converges" + (" (oscillating around the minimum)" if factor < 0 else "")
        elif abs(factor) == 1:
            verdict = "never converges (bounces between two points)" if factor < 0 else "does not move"
        else:
            verdict = "diverges"
        values = {"learning_rate": rate, "steps": steps, "path": path, "w": float(path[-1]),
                  "cost": float(self.cost(path[-1])), "factor": factor, "verdict": verdict}
        rows = [["learning rate η", rate], ["steps", steps], ["final w", values["w"]],
                ["final cost C(w)", values["cost"]],
                ["distance to w* multiplied per step by 1 − 2aη", factor],
                ["verdict", verdict],
                ["convergence limit 1/a (η must stay below it)", 1.0 / self.curvature]]
        table = html_table(["", "value"], rows)
        return values, table

    def _draw(self, figure):
        ax = figure.subplots()
        reach = self._scene_key()[0]
        plots.cost_curve(self.cost, (self.minimum - reach, self.minimum + reach), path=[self.start], ax=ax,
                         title=self._title())
        _freeze_limits(ax)
        self._path_line = ax.get_lines()[-1]
        self._path_line.set_data(self.values["path"], self.cost(self.values["path"]))
        self._title_text = ax.title
        return [self._path_line, self._title_text]

    def _title(self):
        return f"η = {self.values['learning_rate']:.2f}: {self.values['verdict']}"

    def _scene_key(self):
        # The plotted range: 6 around the minimum, doubled until the whole path fits, so
        # that the curve is redrawn only when a diverging path leaves it.
        distance = float(np.max(np.abs(self.values["path"] - self.minimum)))
        reach = 6.0
        while reach < 1.05 * distance and reach < 1e12:
            reach *= 2.0
        return (reach,)

    def _move(self):
        path = self.values["path"]
        self._path_line.set_data(path, self.cost(path))
        self._title_text.set_text(self._title())


def gradient_descent_explorer(*, learning_rate=0.1, steps=10, start=-2.0, minimum=3.0, curvature=1.0):
    """Gradient descent on a 1-D quadratic cost: learning rate and number of steps.

    The cost is ``C(w) = a (w - w*)²`` with ``a = curvature`` and
    ``w* = minimum``; each step is ``w <- w - η C'(w)``, which multiplies
    the distance to the minimum by ``1 - 2aη``: slow for small ``η``,
    oscillating for ``1/(2a) < η < 1/a``, diverging beyond ``1/a``.

    Parameters
    ----------
    learning_rate : float
        Initial η (slider ``controls["learning_rate"]`` up to 1.1 / a).
    steps : int
        Initial number of steps (slider ``controls["steps"]``, 0 to 30).
    start, minimum, curvature : float
        Starting point, minimiser ``w*`` and curvature ``a`` of the cost.

    Returns
    -------
    GradientDescentExplorer
        A VBox with the cost curve and the path on it, and a table;
        ``.values["path"]`` (steps + 1 values of w), ``.values["w"]``,
        ``.values["cost"]``, ``.values["verdict"]``.

    Examples
    --------
    >>> explorer = gradient_descent_explorer(learning_rate=0.25, steps=2, start=-1.0, minimum=3.0)
    >>> explorer.values["path"].tolist()  # distance 4 -> 2 -> 1
    [-1.0, 1.0, 2.0]
    """
    return GradientDescentExplorer(learning_rate=learning_rate, steps=steps, start=start, minimum=minimum,
                                   curvature=curvature)


# ---------------------------------------------------------------------------
# Focal loss explorer


def _logit(p: np.ndarray) -> np.ndarray:
    return np.log(p) - np.log1p(-p)


class FocalExplorer(_Explorer):
    """Gamma slider: focal loss vs BCE as a function of p_t. See :func:`focal_explorer`."""

    title = "Focal loss: (1 − p_t)^γ turns down the loss of examples the model already gets right"
    figure_size = (6.4, 3.6)
    margins = _Explorer._ONE_PANEL
    p_range = (0.001, 0.999)

    def __init__(self, *, gamma=2.0, p_t=0.9, alpha=None):
        self.alpha = alpha
        self.controls = {
            "gamma": _float_slider("focusing γ", gamma, 0.0, 5.0, 0.1),
            "p_t": _float_slider("p_t (true class)", p_t, 0.01, 0.99, 0.01),
        }
        self._build()

    def _losses(self, p: np.ndarray, gamma: float):
        """Per-sample BCE and focal loss of positives (y = 1) with probability p."""
        logits = _logit(p)
        ones = np.ones_like(p)
        bce = classification.binary_cross_entropy_with_logits(ones, logits, reduction="none")
        focal = classification.focal_loss(ones, logits, gamma=gamma, alpha=self.alpha, reduction="none")
        return bce, focal

    def _compute(self):
        gamma = float(self.controls["gamma"].value)
        p = np.array([float(self.controls["p_t"].value)])
        bce, focal = self._losses(p, gamma)
        logits, ones = _logit(p), np.ones(1)
        bce_grad = classification.binary_cross_entropy_with_logits_grad(ones, logits, reduction="none")
        focal_grad = classification.focal_loss_grad(ones, logits, gamma=gamma, alpha=self.alpha, reduction="none")
        values = {"gamma": gamma, "p_t": float(p[0]), "bce": float(bce[0]), "focal": float(focal[0]),
                  "ratio": float(focal[0] / bce[0]), "bce_gradient": float(bce_grad[0]),
                  "focal_gradient": float(focal_grad[0])}
        rows = [["binary cross-entropy", values["bce"], values["bce_gradient"]],
                [f"focal, γ = {gamma:g}", values["focal"], values["focal_gradient"]],
                ["focal / BCE", values["ratio"], ""]]
        table = html_table(["", f"loss at p_t = {p[0]:.2f}", "gradient dℓ/dz"], rows)
        return values, table

    def _draw(self, figure):
        ax = figure.subplots()
        gamma = self.values["gamma"]
        curves = {"BCE (γ = 0)": lambda p: self._losses(p, gamma)[0],
                  "focal loss": lambda p: self._losses(p, gamma)[1]}
        plots.loss_vs_prediction(curves, pred_range=self.p_range, ax=ax,
                                 xlabel="$p_t$, probability given to the true class", title=self._title())
        self._focal_curve, self._title_text = ax.get_lines()[1], ax.title
        ax.set_ylim(0.0, 5.0)
        _freeze_limits(ax)
        p = self.values["p_t"]
        (self._bce_marker,) = ax.plot([p], [self.values["bce"]], "o", color=plots.PALETTE[0],
                                      markeredgecolor="black")
        (self._focal_marker,) = ax.plot([p], [self.values["focal"]], "o", color=plots.PALETTE[1],
                                        markeredgecolor="black")
        return [self._focal_curve, self._title_text, self._bce_marker, self._focal_marker]

    def _title(self):
        return f"focal loss (γ = {self.values['gamma']:g}) vs BCE"

    def _scene_key(self):
        return ()

    def _move(self):
        grid = np.asarray(self._focal_curve.get_xdata())
        self._focal_curve.set_ydata(self._losses(grid, self.values["gamma"])[1])
        self._title_text.set_text(self._title())
        p = self.values["p_t"]
        self._bce_marker.set_data([p], [self.values["bce"]])
        self._focal_marker.set_data([p], [self.values["focal"]])


def focal_explorer(*, gamma=2.0, p_t=0.9, alpha=None):
    """Move the focusing parameter γ and compare focal loss with BCE.

    Focal loss (Lin et al. 2017) is ``-(1 - p_t)^γ log p_t``: the BCE of an
    example multiplied by ``(1 - p_t)^γ``, which is near 0 for examples
    already classified well (``p_t`` near 1) so that training focuses on
    the hard ones.  ``γ = 0`` gives BCE back.

    Parameters
    ----------
    gamma : float
        Initial γ (slider ``controls["gamma"]``, 0 to 5).
    p_t : float
        Probability given to the true class where the table reads the
        losses (slider ``controls["p_t"]``).
    alpha : float, optional
        Class weight of the positives, as in :func:`lossedu.classification.focal_loss`.

    Returns
    -------
    FocalExplorer
        A VBox with the curves and a table; ``.values["bce"]``,
        ``.values["focal"]``, ``.values["ratio"]`` (``(1 - p_t)^γ``),
        and both gradients w.r.t. the logit.

    Examples
    --------
    >>> explorer = focal_explorer(gamma=2.0, p_t=0.9)
    >>> round(explorer.values["ratio"], 6)  # (1 - 0.9) ** 2
    0.01
    """
    return FocalExplorer(gamma=gamma, p_t=p_t, alpha=alpha)


# ---------------------------------------------------------------------------
# Threshold explorer


class ThresholdExplorer(_Explorer):
    """Threshold slider -> accuracy, precision, recall, F1. See :func:`threshold_explorer`."""

    title = "Move the decision threshold: predict 1 when score ≥ threshold"
    figure_size = (6.4, 3.6)
    margins = _Explorer._ONE_PANEL

    def __init__(self, scores, labels, *, threshold=None, class_names=("label 0", "label 1")):
        scores = np.array(scores, dtype=np.float64).ravel()
        labels = np.asarray(labels).ravel()
        if scores.size == 0 or scores.shape != labels.shape:
            raise ValueError(
                f"scores and labels must be non-empty and of the same length, got {scores.size} scores "
                f"and {labels.size} labels"
            )
        if not np.isfinite(scores).all():
            raise ValueError("scores must be finite")
        if not np.isin(labels, (0, 1)).all():
            raise ValueError(f"labels must be 0 or 1, got {labels[~np.isin(labels, (0, 1))][0]!r}")
        self.scores, self.labels = scores, labels.astype(np.int64)
        self.class_names = tuple(class_names)
        low, high = float(scores.min()), float(scores.max())
        if 0.0 <= low and high <= 1.0:
            low, high = 0.0, 1.0
        if high == low:
            high = low + 1.0
        if threshold is None:
            threshold = 0.5 if (low, high) == (0.0, 1.0) else float(np.median(scores))
        self.controls = {"threshold": _float_slider("threshold", threshold, low, high, (high - low) / 200,
                                                    readout_format=".3f")}
        self._build()

    def _compute(self):
        threshold = float(self.controls["threshold"].value)
        predicted = (self.scores >= threshold).astype(np.int64)
        truth = self.labels
        values = {
            "threshold": threshold,
            "accuracy": float(metrics.accuracy(truth, predicted)),
            "precision": float(metrics.precision(truth, predicted)),
            "recall": float(metrics.recall(truth, predicted)),
            "f1": float(metrics.f1_score(truth, predicted)),
            "true_positives": int(np.sum((predicted == 1) & (truth == 1))),
            "false_positives": int(np.sum((predicted == 1) & (truth == 0))),
            "false_negatives": int(np.sum((predicted == 0) & (truth == 1))),
            "true_negatives": int(np.sum((predicted == 0) & (truth == 0))),
        }
        table = html_table(["accuracy", "precision", "recall", "F1"],
                           [[values["accuracy"], values["precision"], values["recall"], values["f1"]]])
        table += html_table(["", "predicted 1", "predicted 0"],
                            [["actual 1", values["true_positives"], values["false_negatives"]],
                             ["actual 0", values["false_positives"], values["true_negatives"]]])
        return values, table

    def _draw(self, figure):
        ax = figure.subplots()
        plots.histogram({self.class_names[0]: self.scores[self.labels == 0],
                         self.class_names[1]: self.scores[self.labels == 1]},
                        xlabel="score", ax=ax, title="scores of each class")
        _freeze_limits(ax)
        threshold = self.values["threshold"]
        self._threshold_line = ax.axvline(threshold, color="black", linestyle="--", linewidth=1.5,
                                          label="threshold")
        ax.legend()
        return [self._threshold_line]

    def _scene_key(self):
        return ()

    def _move(self):
        threshold = self.values["threshold"]
        self._threshold_line.set_xdata([threshold, threshold])


def threshold_explorer(scores, labels, *, threshold=None, class_names=("label 0", "label 1")):
    """Move a decision threshold over scores and watch accuracy, precision, recall and F1.

    Parameters
    ----------
    scores : array_like, shape (n,)
        A model's scores or probabilities for the positive class.
    labels : array_like, shape (n,)
        True labels in {0, 1}.
    threshold : float, optional
        Initial threshold (default 0.5 for scores in [0, 1], else the
        median score).  The slider ``controls["threshold"]`` spans the
        scores (or [0, 1]).
    class_names : (str, str)
        Legend names of the two classes in the histogram.

    Returns
    -------
    ThresholdExplorer
        A VBox with the histogram of the scores of each class, the
        threshold line, and a table of the metrics and the confusion
        counts; ``.values["accuracy" | "precision" | "recall" | "f1" |
        "true_positives" | ...]``.

    Examples
    --------
    >>> explorer = threshold_explorer([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])
    >>> explorer.values["precision"], explorer.values["recall"]
    (1.0, 0.5)
    >>> explorer.controls["threshold"].value = 0.3
    >>> explorer.values["precision"], explorer.values["recall"]
    (0.6666666666666666, 1.0)
    """
    return ThresholdExplorer(scores, labels, threshold=threshold, class_names=class_names)
