"""One figure style and the plots the lessons share.

Importing this module applies the course style (:data:`STYLE`, through
:func:`use_style`): readable font sizes, the colour-blind-safe Okabe-Ito
palette (:data:`PALETTE`), a light grid, no top or right spines.  Every
plotting function draws on the ``ax`` it is given, or on a new figure when
``ax`` is None, and returns the :class:`matplotlib.axes.Axes`, so that a
lesson can add to it (``ax.set_title(...)``) or place several plots side by
side with :func:`new_axes`::

    fig, (left, right) = new_axes(ncols=2)
    loss_curves({"MSE": mse_history}, ax=left)
    loss_curves({"BCE": bce_history}, ax=right)

Callables passed to these functions receive numpy arrays and must return
arrays of the same shape (one value per point); the lossedu losses with
``reduction="none"`` do exactly that.

Two options are shared by the functions that draw named lines:

``styles``
    ``name -> dict`` of matplotlib line properties (``color``, ``linestyle``,
    ``linewidth``, ``zorder`` ...) for some of the lines, so that a lesson
    can give each loss one colour in all its figures, or tell apart lines
    that lie on top of each other::

        styles = {"true line": {"color": "black", "linestyle": "--", "linewidth": 1.0}}

``legend_loc``
    Where the legend goes: a matplotlib location (``"upper left"`` ...,
    default ``"best"``), ``"outside"`` (to the right of the axes, where it
    hides nothing), or None (no legend, e.g. when the next panel's legend
    already names the same lines).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from cycler import cycler
from matplotlib.colors import LinearSegmentedColormap, ListedColormap
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

__all__ = [
    "PALETTE",
    "STYLE",
    "bar_comparison",
    "cost_curve",
    "cost_landscape",
    "decision_boundary",
    "gradient_magnitudes",
    "histogram",
    "loss_curves",
    "loss_vs_prediction",
    "new_axes",
    "probability_bars",
    "regression_fit",
    "use_style",
]

#: Okabe-Ito colours (Okabe and Ito, "Color Universal Design", 2008), which stay
#: distinguishable with the common colour-vision deficiencies. Yellow comes last:
#: it is hard to see on white.
PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow
)

#: The rcParams of the course figures, applied by :func:`use_style`.
STYLE = {
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 100,
    "figure.constrained_layout.use": True,
    "savefig.dpi": 150,
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "legend.frameon": False,
    "axes.prop_cycle": cycler(color=list(PALETTE)),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": "#cccccc",
    "grid.linewidth": 0.6,
    "grid.alpha": 0.8,
    "lines.linewidth": 2.0,
    "lines.markersize": 6.0,
    "image.cmap": "viridis",
}

# regression_fit: the outliers are vermillion, and no line takes that colour.
_OUTLIER_COLOUR = PALETTE[3]
_LINE_COLOURS = tuple(colour for colour in PALETTE if colour != _OUTLIER_COLOUR)
_DIVERGING = LinearSegmentedColormap.from_list("lossedu_two_classes", [PALETTE[0], "#ffffff", PALETTE[1]])
_CURVE_POINTS = 401


def use_style() -> None:
    """Apply the course figure style (:data:`STYLE`) to matplotlib's rcParams.

    Called when :mod:`lossedu.plots` is imported; call it again after
    changing rcParams to get the course style back.

    Examples
    --------
    >>> import matplotlib as mpl
    >>> use_style()
    >>> mpl.rcParams["axes.spines.top"], mpl.rcParams["axes.grid"]
    (False, True)
    """
    mpl.rcParams.update(STYLE)


def new_axes(ncols: int = 1, nrows: int = 1, *, width: float | None = None,
             height: float | None = None, **subplots_kwargs):
    """A new figure with a grid of axes in the course style.

    Parameters
    ----------
    ncols, nrows : int
        Shape of the grid of axes.
    width, height : float, optional
        Figure size in inches; by default 4.6 inches per column (6.4 for one)
        and 3.6 inches per row (4.0 for one).
    **subplots_kwargs
        Passed to :func:`matplotlib.pyplot.subplots` (``sharey=True`` ...).

    Returns
    -------
    fig : matplotlib.figure.Figure
    axes : Axes, or array of Axes when there are several

    Examples
    --------
    >>> fig, (left, right) = new_axes(ncols=2)
    >>> fig.get_size_inches().tolist()
    [9.2, 3.6]
    >>> plt.close(fig)
    """
    single = ncols == 1 and nrows == 1
    if width is None:
        width = STYLE["figure.figsize"][0] if single else 4.6 * ncols
    if height is None:
        height = STYLE["figure.figsize"][1] if single else 3.6 * nrows
    return plt.subplots(nrows, ncols, figsize=(width, height), **subplots_kwargs)


def _axes(ax):
    if ax is None:
        _, ax = plt.subplots()
    return ax


def _evaluate(fn: Callable, x: np.ndarray, name: str, what: str) -> np.ndarray:
    """Call ``fn(x)`` and check that it gave one finite-or-inf value per point."""
    values = np.asarray(fn(x), dtype=np.float64)
    if values.shape != x.shape:
        raise ValueError(
            f"{what} {name!r} returned shape {values.shape} for an input of shape {x.shape}; "
            "it must return one value per point (for a lossedu loss, use reduction='none')"
        )
    return values


def _legend(ax, loc="best") -> None:
    """Draw the legend at ``loc`` (see the module docstring): a matplotlib location, "outside", or None."""
    handles, _ = ax.get_legend_handles_labels()
    if not handles or loc is None:
        return
    if loc == "outside":
        ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
    else:
        ax.legend(loc=loc)


def _styles(styles, names, what: str) -> dict:
    """Check ``styles`` (name -> dict of line properties) against the names of the lines drawn."""
    if styles is None:
        return {}
    if not isinstance(styles, Mapping):
        raise TypeError(f"styles must be a dict of name -> dict of line properties, got {type(styles).__name__}")
    names = list(names)
    unknown = [name for name in styles if name not in names]
    if unknown:
        raise ValueError(f"styles names {unknown!r}, which are not among the {what} {names!r}")
    for name, style in styles.items():
        if not isinstance(style, Mapping):
            raise TypeError(f"styles[{name!r}] must be a dict of line properties, got {type(style).__name__}")
    return {name: dict(style) for name, style in styles.items()}


def _readable_log_axis(axis, low: float, high: float) -> None:
    """On a log axis spanning less than three decades, label 1, 2 and 5 times each power of ten.

    Matplotlib labels only the powers of ten, so on a short log axis a value such as 0.64 cannot be read.
    """
    if not (np.isfinite(low) and np.isfinite(high)) or low <= 0 or high / low >= 1e3:
        return
    axis.set_major_locator(LogLocator(base=10.0, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axis.set_minor_formatter(NullFormatter())


def _check_mapping(values, name: str) -> None:
    if not isinstance(values, Mapping) or not values:
        raise TypeError(f"{name} must be a non-empty dict of name -> value, got {type(values).__name__}")


def _jumps(jumps, names) -> dict:
    """Check ``jumps`` (name -> x positions) against the names of the losses drawn."""
    if jumps is None:
        return {}
    if not isinstance(jumps, Mapping):
        raise TypeError(f"jumps must be a dict of name -> x positions, got {type(jumps).__name__}")
    names = list(names)
    unknown = [name for name in jumps if name not in names]
    if unknown:
        raise ValueError(f"jumps names {unknown!r}, which are not among the losses {names!r}")
    checked = {}
    for name, positions in jumps.items():
        positions = np.atleast_1d(np.asarray(positions, dtype=np.float64))
        if positions.ndim != 1 or not np.all(np.isfinite(positions)):
            raise ValueError(f"jumps[{name!r}] must be a sequence of finite x positions, got {positions!r}")
        checked[name] = sorted(float(x) for x in positions)
    return checked


def _pieces_between_jumps(x: np.ndarray, jumps) -> list:
    """Split the sorted grid ``x`` at each jump; each piece runs up to the float next to the jump."""
    pieces = []
    edges = [None, *jumps, None]
    for start, stop in zip(edges[:-1], edges[1:]):
        keep = np.ones(x.shape, dtype=bool)
        if start is not None:
            keep &= x > start
        if stop is not None:
            keep &= x < stop
        piece = x[keep]
        if start is not None:
            piece = np.concatenate([[np.nextafter(start, np.inf)], piece])
        if stop is not None:
            piece = np.concatenate([piece, [np.nextafter(stop, -np.inf)]])
        pieces.append(piece)
    return pieces


def loss_vs_prediction(losses: Mapping[str, Callable], *, pred_range=(-3.0, 3.0), y_true=None,
                       title=None, ylabel="loss", xlabel=r"prediction $\hat{y}$", ax=None, styles=None,
                       legend_loc="best", references=None, jumps=None):
    r"""Each loss of one sample as a function of the prediction.

    Parameters
    ----------
    losses : dict of str -> callable
        ``name -> f`` where ``f(y_pred)`` takes an array of predictions and
        returns the loss of each (same shape), e.g.
        ``lambda p: mse(np.ones_like(p), p, reduction="none")``.
    pred_range : (float, float)
        Range of predictions on the x axis.
    y_true : float, optional
        The target; drawn as a dashed vertical line.
    title, ylabel, xlabel : str, optional
        Labels.
    ax : matplotlib Axes, optional
    styles : dict of str -> dict, optional
        Line properties of some of the losses (see the module docstring).
    legend_loc : str or None
        Where the legend goes (see the module docstring).
    references : dict of str -> float, optional
        Horizontal reference lines (a level a loss saturates at), ``name -> y``,
        drawn dotted in grey and named in the legend.
    jumps : dict of str -> sequence of float, optional
        For losses that jump (the 0-1 loss), ``name -> x positions of the
        jumps``. The curve is drawn in pieces that stop on either side of each
        jump, with no vertical segment joining them, and a dot marks the
        value the loss takes at the jump itself.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = loss_vs_prediction({"squared error": lambda p: (1.0 - p) ** 2,
    ...                          "absolute error": lambda p: np.abs(1.0 - p)}, y_true=1.0)
    >>> [line.get_label() for line in ax.get_lines()]
    ['squared error', 'absolute error', '$y = 1$']
    >>> plt.close(ax.figure)
    """
    _check_mapping(losses, "losses")
    line_styles = _styles(styles, losses, "losses")
    jump_positions = _jumps(jumps, losses)
    references = {} if references is None else dict(references)
    ax = _axes(ax)
    low, high = (float(v) for v in pred_range)
    predictions = np.linspace(low, high, _CURVE_POINTS)
    for name, fn in losses.items():
        style = {"label": name, **line_styles.get(name, {})}
        inside = [x for x in jump_positions.get(name, ()) if low < x < high]
        if not inside:
            ax.plot(predictions, _evaluate(fn, predictions, name, "loss"), **style)
            continue
        for piece in _pieces_between_jumps(predictions, inside):
            (line,) = ax.plot(piece, _evaluate(fn, piece, name, "loss"), **style)
            style = {**style, "label": "_nolegend_", "color": line.get_color()}
        at_jumps = np.array(inside)
        ax.plot(at_jumps, _evaluate(fn, at_jumps, name, "loss"), linestyle="none", marker="o",
                markersize=5, color=style["color"], label="_nolegend_")
    if y_true is not None:
        ax.axvline(float(y_true), color="0.35", linestyle="--", linewidth=1.2,
                   label=f"$y = {float(y_true):g}$")
    for name, value in references.items():
        ax.axhline(float(value), color="0.35", linestyle=":", linewidth=1.5, label=name)
    ax.set_xlim(low, high)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    _legend(ax, legend_loc)
    return ax


def loss_curves(histories: Mapping[str, Sequence[float]], *, xlabel=None, ylabel="cost",
                log_y=False, log_x=False, title=None, ax=None, styles=None, references=None,
                legend_loc="best"):
    """Training curves: one line per history of costs (or accuracies).

    Parameters
    ----------
    histories : dict of str -> sequence of float
        ``name -> values``, the value at each step (x = 0, 1, 2, ...).
    xlabel, ylabel, title : str
        Labels; ``xlabel`` defaults to "step" ("step + 1" with ``log_x``).
    log_y : bool
        Logarithmic y axis (costs that fall by orders of magnitude); the
        values must then be positive.  When the values span less than three
        decades, 1, 2 and 5 times each power of ten are labelled, so that
        values in between can be read.
    log_x : bool
        Logarithmic x axis, for histories of very different lengths (11
        steps next to 11,000).  A log axis has no 0, so value ``k`` is drawn
        at ``k + 1``.
    ax : matplotlib Axes, optional
    styles : dict of str -> dict, optional
        Line properties of some of the histories (see the module docstring).
    references : dict of str -> float, optional
        Horizontal reference lines (a floor, a target), ``name -> y``, drawn
        dotted in grey and named in the legend.
    legend_loc : str or None
        Where the legend goes (see the module docstring).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = loss_curves({"lr = 0.1": [4.0, 2.0, 1.0], "lr = 0.01": [4.0, 3.8, 3.6]})
    >>> len(ax.get_lines()), ax.get_xlabel(), ax.get_ylabel()
    (2, 'step', 'cost')
    >>> plt.close(ax.figure)
    """
    _check_mapping(histories, "histories")
    line_styles = _styles(styles, histories, "histories")
    references = {} if references is None else dict(references)
    ax = _axes(ax)
    low, high = np.inf, -np.inf
    for name, history in histories.items():
        values = np.asarray(history, dtype=np.float64).ravel()
        if log_y and np.any(values <= 0):
            raise ValueError(f"log_y=True needs positive values, but history {name!r} has {values.min()!r}")
        steps = np.arange(values.size) + (1 if log_x else 0)
        ax.plot(steps, values, **{"label": name, **line_styles.get(name, {})})
        finite = values[np.isfinite(values)]
        if finite.size:
            low, high = min(low, finite.min()), max(high, finite.max())
    for name, value in references.items():
        value = float(value)
        if log_y and not value > 0:
            raise ValueError(f"log_y=True needs positive values, but reference {name!r} is {value!r}")
        ax.axhline(value, color="0.35", linestyle=":", linewidth=1.5, label=name)
        low, high = min(low, value), max(high, value)
    if log_y:
        ax.set_yscale("log")
        _readable_log_axis(ax.yaxis, low, high)
    if log_x:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel if xlabel is not None else ("step + 1" if log_x else "step"))
    ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    _legend(ax, legend_loc)
    return ax


def cost_curve(cost_fn: Callable[[float], float], w_range, *, path=None, ax=None,
               xlabel="parameter $w$", ylabel="cost $C(w)$", title=None, legend_loc="best"):
    """A cost as a function of one parameter, with a gradient-descent path on it.

    Parameters
    ----------
    cost_fn : callable float -> float
        The cost at one parameter value (called once per point).
    w_range : (float, float)
        Range of the parameter; widened to include every point of ``path``.
    path : sequence of float, optional
        Successive parameter values of gradient descent; drawn as connected
        dots on the curve, the first one labelled "start".
    xlabel, ylabel, title : str
        Labels.
    ax : matplotlib Axes, optional
    legend_loc : str or None
        Where the legend goes (see the module docstring).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = cost_curve(lambda w: (w - 3.0) ** 2, (-1.0, 6.0), path=[0.0, 1.2, 2.28])
    >>> [line.get_label() for line in ax.get_lines()]
    ['cost', 'gradient descent']
    >>> plt.close(ax.figure)
    """
    ax = _axes(ax)
    low, high = (float(v) for v in w_range)
    steps = None
    if path is not None:
        steps = np.asarray(path, dtype=np.float64).ravel()
        finite = steps[np.isfinite(steps)]
        if finite.size:
            low, high = min(low, finite.min()), max(high, finite.max())
    grid = np.linspace(low, high, _CURVE_POINTS)
    ax.plot(grid, [float(cost_fn(w)) for w in grid], color=PALETTE[0], label="cost")
    if steps is not None and steps.size:
        costs = np.array([float(cost_fn(w)) for w in steps])
        ax.plot(steps, costs, color=PALETTE[3], marker="o", markersize=5, linewidth=1.2,
                label="gradient descent")
        ax.annotate("start", (steps[0], costs[0]), textcoords="offset points", xytext=(6, 6))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    _legend(ax, legend_loc)
    return ax


def cost_landscape(cost_fn: Callable[[float, float], float], w_range, b_range, *, path=None, ax=None,
                   levels=20, resolution=60, colorbar=True, xlabel="weight $w$", ylabel="bias $b$",
                   title=None, spacing="sqrt", mark_minimum=False, legend_loc="best"):
    """Contour lines of a cost of two parameters, with a gradient-descent path.

    Parameters
    ----------
    cost_fn : callable (w, b) -> float
        The cost at one pair of parameters (called on a ``resolution`` x
        ``resolution`` grid).
    w_range, b_range : (float, float)
        Ranges of the two parameters.
    path : array_like of shape (k, 2), optional
        Successive ``(w, b)`` of gradient descent.
    levels : int or sequence of float
        Number of contour levels, spaced as ``spacing`` says; or the levels
        themselves.
    resolution : int
        Grid points per axis (raise it, to 150 or more, when the innermost
        contours look jagged).
    colorbar : bool
        Add a colour bar labelled "cost".
    spacing : {"sqrt", "geometric"}
        How ``levels`` contour levels are spread between the lowest and the
        highest cost on the grid.  "sqrt": evenly in ``sqrt(cost)`` (for a
        non-negative cost), so the bottom of a round quadratic bowl is as
        detailed as its rim.  "geometric": the height above the lowest cost
        grows by a constant factor from level to level, from 1/10,000 of
        the range; in a long narrow valley this draws closed rings around the
        minimum that the other spacings leave out.
    mark_minimum : bool
        Mark the minimum with a star and its coordinates: the lowest point
        of the grid, refined by a Newton step (exact for a quadratic cost).
    ax : matplotlib Axes, optional
    legend_loc : str or None
        Where the legend of the path goes (see the module docstring).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = cost_landscape(lambda w, b: (w - 1) ** 2 + 2 * (b + 1) ** 2, (-3, 3), (-3, 3),
    ...                     path=[(2.5, 2.0), (1.5, 0.0), (1.1, -0.8)])
    >>> [line.get_label() for line in ax.get_lines()]
    ['gradient descent']
    >>> plt.close(ax.figure)
    """
    ax = _axes(ax)
    w_grid = np.linspace(float(w_range[0]), float(w_range[1]), int(resolution))
    b_grid = np.linspace(float(b_range[0]), float(b_range[1]), int(resolution))
    costs = np.array([[float(cost_fn(w, b)) for w in w_grid] for b in b_grid])
    finite = costs[np.isfinite(costs)]
    if finite.size == 0:
        raise ValueError("cost_fn returned no finite value on the grid")
    low, high = finite.min(), finite.max()
    if spacing not in ("sqrt", "geometric"):
        raise ValueError(f"spacing must be 'sqrt' or 'geometric', got {spacing!r}")
    if not np.isscalar(levels):
        contour_levels = np.sort(np.asarray(levels, dtype=np.float64).ravel())
    elif high <= low:
        contour_levels = int(levels)
    elif spacing == "geometric":
        contour_levels = low + (high - low) * np.geomspace(1e-4, 1.0, int(levels))
    elif low >= 0:
        contour_levels = np.linspace(np.sqrt(low), np.sqrt(high), int(levels)) ** 2
    else:
        contour_levels = np.linspace(low, high, int(levels))
    contours = ax.contour(w_grid, b_grid, costs, levels=contour_levels, cmap="viridis", linewidths=1.0)
    if colorbar:
        ax.figure.colorbar(contours, ax=ax, label="cost", format="%.3g")
    if path is not None:
        points = np.asarray(path, dtype=np.float64).reshape(-1, 2)
        ax.plot(points[:, 0], points[:, 1], color=PALETTE[3], marker="o", markersize=4, linewidth=1.2,
                label="gradient descent")
        ax.annotate("start", points[0], textcoords="offset points", xytext=(6, 6))
    if mark_minimum:
        lowest = _lowest_point(cost_fn, w_grid, b_grid, costs)
        ax.plot(*lowest, marker="*", markersize=12, color=PALETTE[1], markeredgecolor="black",
                markeredgewidth=0.8, linestyle="none", label="_minimum", zorder=4)
        ax.annotate(f"minimum ({lowest[0]:.2f}, {lowest[1]:.2f})", lowest, textcoords="offset points",
                    xytext=(10, -4), va="top",
                    bbox=dict(boxstyle="round,pad=0.2", facecolor="white", edgecolor="none", alpha=0.85))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(False)
    if title is not None:
        ax.set_title(title)
    _legend(ax, legend_loc)
    return ax


def _lowest_point(cost_fn, w_grid, b_grid, costs):
    """The lowest point of a cost on a grid, refined by one Newton step on the 3 x 3 neighbourhood.

    In a long narrow valley the lowest grid point can be cells away from the true minimum along the
    nearly flat floor; a Newton step with finite-difference derivatives is exact for a quadratic.
    """
    row, column = np.unravel_index(np.nanargmin(np.where(np.isfinite(costs), costs, np.nan)), costs.shape)
    lowest = np.array([w_grid[column], b_grid[row]])
    if 0 < row < costs.shape[0] - 1 and 0 < column < costs.shape[1] - 1:
        c = costs[row - 1:row + 2, column - 1:column + 2]          # c[i, j]: b index i, w index j
        hw, hb = w_grid[1] - w_grid[0], b_grid[1] - b_grid[0]
        gradient = np.array([(c[1, 2] - c[1, 0]) / (2 * hw), (c[2, 1] - c[0, 1]) / (2 * hb)])
        hessian_wb = (c[2, 2] - c[2, 0] - c[0, 2] + c[0, 0]) / (4 * hw * hb)
        hessian = np.array([[(c[1, 2] - 2 * c[1, 1] + c[1, 0]) / hw ** 2, hessian_wb],
                            [hessian_wb, (c[2, 1] - 2 * c[1, 1] + c[0, 1]) / hb ** 2]])
        if np.all(np.isfinite(hessian)) and np.all(np.linalg.eigvalsh(hessian) > 0):
            candidate = lowest - np.linalg.solve(hessian, gradient)
            inside = w_grid[0] <= candidate[0] <= w_grid[-1] and b_grid[0] <= candidate[1] <= b_grid[-1]
            if inside and float(cost_fn(*candidate)) <= costs[row, column]:
                lowest = candidate
    return float(lowest[0]), float(lowest[1])


def regression_fit(x, y, lines: Mapping[str, Callable], *, highlight=None, ax=None,
                   xlabel="$x$", ylabel="$y$", title=None, styles=None, legend_loc="best"):
    """Data points and fitted lines (or curves) through them.

    Parameters
    ----------
    x, y : array_like, shape (n,)
        The data.
    lines : dict of str -> callable
        ``name -> f`` with ``f(x_array)`` the fitted prediction; may be empty.
    highlight : array_like of bool, shape (n,), optional
        Points to mark (for instance the outliers), drawn as vermillion
        crosses; the lines take the other colours of the palette.
    ax : matplotlib Axes, optional
    styles : dict of str -> dict, optional
        Line properties of some of the lines (see the module docstring).
        Lines that lie on top of each other need different widths and dash
        patterns to be told apart.
    legend_loc : str or None
        Where the legend goes (see the module docstring).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> x = np.array([0.0, 1.0, 2.0, 3.0])
    >>> y = np.array([1.0, 3.0, 5.0, 30.0])
    >>> ax = regression_fit(x, y, {"true line": lambda x: 2 * x + 1},
    ...                     highlight=[False, False, False, True])
    >>> len(ax.collections), [line.get_label() for line in ax.get_lines()]
    (2, ['true line'])
    >>> plt.close(ax.figure)
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    y = np.asarray(y, dtype=np.float64).ravel()
    if x.shape != y.shape:
        raise ValueError(f"x has shape {x.shape} but y has shape {y.shape}; they must match")
    if not isinstance(lines, Mapping):
        raise TypeError(f"lines must be a dict of name -> callable, got {type(lines).__name__}")
    line_styles = _styles(styles, lines, "lines")
    ax = _axes(ax)
    mask = np.zeros(x.shape, dtype=bool)
    if highlight is not None:
        mask = np.asarray(highlight, dtype=bool).ravel()
        if mask.shape != x.shape:
            raise ValueError(f"highlight has shape {mask.shape} but x has shape {x.shape}")
    ax.scatter(x[~mask], y[~mask], s=22, color="0.45", alpha=0.8, label="data", zorder=3)
    if mask.any():
        ax.scatter(x[mask], y[mask], s=60, marker="X", color=_OUTLIER_COLOUR, label="outliers", zorder=4)
    grid = np.linspace(x.min(), x.max(), _CURVE_POINTS)
    for index, (name, fn) in enumerate(lines.items()):
        style = {"color": _LINE_COLOURS[index % len(_LINE_COLOURS)], "label": name, **line_styles.get(name, {})}
        ax.plot(grid, _evaluate(fn, grid, name, "line"), **style)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    _legend(ax, legend_loc)
    return ax


def decision_boundary(predict_fn: Callable, X, labels, *, ax=None, resolution=150, class_names=None,
                      xlabel="$x_1$", ylabel="$x_2$", title=None):
    """Points of a 2-D classification problem over the regions a model predicts.

    ``predict_fn`` is called once on a grid of shape (m, 2) covering the
    data and may return

    * probabilities of class 1, shape (m,), values in [0, 1]: shown as a
      blue-white-orange shading with the 0.5 contour as a black line;
    * integer labels, shape (m,): one shaded region per class;
    * class probabilities, shape (m, C): class 1 probability when C = 2,
      otherwise the most probable class.

    Parameters
    ----------
    predict_fn : callable
        ``X_grid (m, 2) -> predictions`` as above.
    X : array_like, shape (n, 2)
    labels : array_like of int, shape (n,)
        True classes of the points, 0..C-1.
    resolution : int
        Grid points per axis.
    class_names : sequence of str, optional
        Legend names of the classes (default "class 0", "class 1", ...).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> X = np.array([[-1.0, -1.0], [-2.0, 0.0], [1.0, 1.0], [2.0, 0.5]])
    >>> labels = np.array([0, 0, 1, 1])
    >>> ax = decision_boundary(lambda X: 1 / (1 + np.exp(-(X[:, 0] + X[:, 1]))), X, labels)
    >>> [collection.get_label() for collection in ax.collections][-2:]
    ['class 0', 'class 1']
    >>> plt.close(ax.figure)
    """
    X = np.asarray(X, dtype=np.float64)
    labels = np.asarray(labels).ravel()
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (n, 2) (two features to plot), got shape {X.shape}")
    if labels.shape != (X.shape[0],):
        raise ValueError(f"labels must have shape ({X.shape[0]},), one per row of X, got shape {labels.shape}")
    labels = labels.astype(np.int64)
    ax = _axes(ax)
    margin = 0.1 * (X.max(axis=0) - X.min(axis=0)) + 0.5
    low, high = X.min(axis=0) - margin, X.max(axis=0) + margin
    u = np.linspace(low[0], high[0], int(resolution))
    v = np.linspace(low[1], high[1], int(resolution))
    grid_u, grid_v = np.meshgrid(u, v)
    grid = np.column_stack([grid_u.ravel(), grid_v.ravel()])
    predictions = np.asarray(predict_fn(grid), dtype=np.float64)
    if predictions.ndim == 2 and predictions.shape[0] == grid.shape[0]:
        # Class probabilities: probability of class 1 for two classes, else the likeliest class.
        predictions = predictions[:, 1] if predictions.shape[1] == 2 else predictions.argmax(axis=1)
    if predictions.shape != (grid.shape[0],):
        raise ValueError(
            f"predict_fn returned shape {predictions.shape} for a grid of shape {grid.shape}; "
            f"expected ({grid.shape[0]},) or ({grid.shape[0]}, C)"
        )
    surface = predictions.reshape(grid_u.shape).astype(np.float64)
    num_classes = int(labels.max(initial=1)) + 1
    if np.all(surface == np.round(surface)):
        # Hard labels: one shaded region per class.
        num_classes = max(num_classes, int(surface.max()) + 1)
        colours = ListedColormap([PALETTE[k % len(PALETTE)] for k in range(num_classes)])
        ax.contourf(grid_u, grid_v, surface, levels=np.arange(num_classes + 1) - 0.5, cmap=colours, alpha=0.25)
    else:
        # Probability of class 1: shading, and the boundary where it is 0.5.
        ax.contourf(grid_u, grid_v, surface, levels=np.linspace(0.0, 1.0, 11), cmap=_DIVERGING, alpha=0.45)
        ax.contour(grid_u, grid_v, surface, levels=[0.5], colors="black", linewidths=1.5)
    for k in range(num_classes):
        members = labels == k
        if not members.any():
            continue
        name = class_names[k] if class_names is not None else f"class {k}"
        ax.scatter(X[members, 0], X[members, 1], s=24, color=PALETTE[k % len(PALETTE)],
                   edgecolors="white", linewidths=0.5, label=name, zorder=3)
    ax.set_xlim(low[0], high[0])
    ax.set_ylim(low[1], high[1])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(False)
    if title is not None:
        ax.set_title(title)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(frameon=True, framealpha=0.85, edgecolor="none")
    return ax


def _bars(ax, names, values, colours, fmt):
    bars = ax.bar(names, values, color=colours)
    ax.bar_label(bars, labels=[fmt.format(v) for v in values], padding=2)
    ax.grid(False, axis="x")
    ax.margins(y=0.12)
    return bars


def bar_comparison(values: Mapping[str, float], *, ylabel, title=None, ax=None, fmt="{:.3g}"):
    """One bar per named number (accuracy of each loss, cost of each model ...).

    Each bar is labelled with its value (``fmt``).

    Parameters
    ----------
    values : dict of str -> float
    ylabel : str
        What the numbers are (required: a bar chart without it means nothing).
    title : str, optional
    ax : matplotlib Axes, optional
    fmt : str
        Format of the value labels.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = bar_comparison({"MSE": 0.91, "BCE": 0.95}, ylabel="test accuracy")
    >>> len(ax.patches), [text.get_text() for text in ax.texts]
    (2, ['0.91', '0.95'])
    >>> plt.close(ax.figure)
    """
    _check_mapping(values, "values")
    ax = _axes(ax)
    numbers = [float(v) for v in values.values()]
    colours = [PALETTE[k % len(PALETTE)] for k in range(len(numbers))]
    _bars(ax, [str(name) for name in values], numbers, colours, fmt)
    ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    return ax


def probability_bars(probabilities, *, class_names=None, ax=None, true_class=None, ylabel="probability",
                     title=None):
    """The probability a model gives each class, as bars on [0, 1].

    Parameters
    ----------
    probabilities : array_like, shape (C,)
        Values in [0, 1] (typically a softmax output).
    class_names : sequence of str, optional
        Names under the bars (default "0", "1", ...).
    true_class : int, optional
        Draw this class's bar in orange (the others are blue).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = probability_bars([0.659, 0.242, 0.099], class_names=["cat", "dog", "bird"])
    >>> [float(bar.get_height()) for bar in ax.patches]
    [0.659, 0.242, 0.099]
    >>> plt.close(ax.figure)
    """
    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim != 1 or p.size == 0:
        raise ValueError(f"probabilities must be a 1-d array (C,), got shape {p.shape}")
    if np.any((p < 0) | (p > 1)) or not np.isfinite(p).all():
        raise ValueError("probabilities must be in [0, 1]")
    names = [str(k) for k in range(p.size)] if class_names is None else [str(c) for c in class_names]
    if len(names) != p.size:
        raise ValueError(f"class_names has {len(names)} names for {p.size} probabilities")
    colours = [PALETTE[1] if k == true_class else PALETTE[0] for k in range(p.size)]
    ax = _axes(ax)
    _bars(ax, names, p.tolist(), colours, "{:.2f}")
    ax.set_ylim(0.0, 1.08)
    ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    return ax


def histogram(values: Mapping[str, np.ndarray], *, threshold=None, xlabel, ax=None, bins=30,
              ylabel="count", title=None, threshold_label=None, log_y=False, legend_loc="best"):
    """Overlaid histograms on shared bins (errors, scores of each class ...).

    Parameters
    ----------
    values : dict of str -> array_like
        ``name -> samples``; all histograms use the same bins.
    threshold : float, optional
        Drawn as a dashed vertical line (a decision or anomaly threshold).
    threshold_label : str, optional
        The line's legend entry (default ``"threshold = <value>"``); useful when
        the samples are transformed, e.g. plotted on a log10 scale.
    xlabel : str
        What the samples are (required).
    bins : int
        Number of shared bins.
    log_y : bool
        Logarithmic count axis: a bin with a handful of samples (the tail of a
        distribution) stays visible next to one with thousands.
    ax : matplotlib Axes, optional
    legend_loc : str or None
        Where the legend goes (see the module docstring).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> ax = histogram({"normal": rng.normal(0, 1, 200), "anomalies": rng.normal(4, 1, 20)},
    ...                threshold=3.0, xlabel="reconstruction error")
    >>> len(ax.patches), ax.get_lines()[0].get_label()
    (60, 'threshold = 3')
    >>> plt.close(ax.figure)
    """
    _check_mapping(values, "values")
    arrays = {name: np.asarray(v, dtype=np.float64).ravel() for name, v in values.items()}
    everything = np.concatenate(list(arrays.values()))
    if everything.size == 0 or not np.isfinite(everything).all():
        raise ValueError("histogram values must be non-empty and finite")
    edges = np.histogram_bin_edges(everything, bins=int(bins))
    ax = _axes(ax)
    for index, (name, samples) in enumerate(arrays.items()):
        ax.hist(samples, bins=edges, alpha=0.55, color=PALETTE[index % len(PALETTE)], label=name, log=log_y)
    if threshold is not None:
        label = threshold_label or f"threshold = {float(threshold):.3g}"
        ax.axvline(float(threshold), color="black", linestyle="--", linewidth=1.5, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    _legend(ax, legend_loc)
    return ax


def gradient_magnitudes(z_range, grads: Mapping[str, Callable], *, ax=None, log_y=False,
                        xlabel="logit $z$", ylabel=r"$|\partial \ell / \partial z|$", title=None,
                        legend_loc="best"):
    """Size of each gradient as a function of the logit (or any input).

    Shows saturation: where the gradient of MSE on a sigmoid vanishes while
    the gradient of cross-entropy on the logit does not.

    Parameters
    ----------
    z_range : (float, float)
        Range of the x axis.
    grads : dict of str -> callable
        ``name -> g`` with ``g(z_array)`` the gradient at each point; the
        absolute value is plotted.
    log_y : bool
        Logarithmic y axis (zero gradients are then not drawn).
    ax : matplotlib Axes, optional
    legend_loc : str or None
        Where the legend goes (see the module docstring).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> sigmoid = lambda z: 1 / (1 + np.exp(-z))
    >>> ax = gradient_magnitudes((-6, 6), {
    ...     "BCE": lambda z: sigmoid(z) - 1.0,
    ...     "MSE on sigmoid": lambda z: 2 * (sigmoid(z) - 1.0) * sigmoid(z) * (1 - sigmoid(z))})
    >>> len(ax.get_lines())
    2
    >>> plt.close(ax.figure)
    """
    _check_mapping(grads, "grads")
    ax = _axes(ax)
    low, high = (float(v) for v in z_range)
    z = np.linspace(low, high, _CURVE_POINTS)
    for name, fn in grads.items():
        magnitude = np.abs(_evaluate(fn, z, name, "gradient"))
        if log_y:
            magnitude = np.where(magnitude > 0, magnitude, np.nan)
        ax.plot(z, magnitude, label=name)
    if log_y:
        ax.set_yscale("log")
    ax.set_xlim(low, high)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    _legend(ax, legend_loc)
    return ax


use_style()
