"""Small real data sets shipped with the course, and seeded synthetic data.

Real data sets
--------------
Four classic tables are stored as CSV files inside the package
(``lossedu/datasets/``), each with a header row; nothing is downloaded at run
time.  :file:`lossedu/datasets/README.md` states where each one comes from,
how to cite it and its licence; the same text travels with every
:class:`Dataset` in its ``source``, ``citation`` and ``licence`` fields.

============================  =========  =====  ========  ======================
loader                        task       rows   features  licence
============================  =========  =====  ========  ======================
:func:`load_diabetes`         regression   442        10  BSD-3-Clause (scikit-learn)
:func:`load_breast_cancer`    binary       569        30  CC BY 4.0 (UCI)
:func:`load_iris`             3 classes    150         4  CC BY 4.0 (UCI)
:func:`load_digits`           10 classes  1797        64  CC BY 4.0 (UCI)
============================  =========  =====  ========  ======================

Synthetic data
--------------
Every generator takes a ``seed`` and draws from its own
:func:`numpy.random.default_rng`, so the same call always returns the same
numbers and never touches numpy's global random state.
"""

from __future__ import annotations

import dataclasses
import gzip
import io
import math
import numbers
import re
from importlib import resources

import numpy as np

__all__ = [
    "Dataset",
    "load_breast_cancer",
    "load_diabetes",
    "load_digits",
    "load_iris",
    "make_binary",
    "make_blobs",
    "make_line",
    "make_masks",
    "standardize",
    "train_test_split",
]

_CC_BY_4 = "CC BY 4.0 (Creative Commons Attribution 4.0 International, https://creativecommons.org/licenses/by/4.0/)"
_VIA_SKLEARN = (
    "This copy was taken from the CSV files bundled with scikit-learn 1.9.1 "
    "(sklearn/datasets/data/)."
)


@dataclasses.dataclass(frozen=True, eq=False)
class Dataset:
    """A small table of examples with its provenance.

    Attributes
    ----------
    X : ndarray of float64, shape (n, d)
        One row per example, one column per feature.
    y : ndarray, shape (n,)
        Targets: float64 for regression, int64 class labels ``0..C-1`` for
        classification.
    feature_names : tuple of str
        Name of each column of ``X`` (the CSV header).
    target_names : tuple of str
        For classification, the name of each class (``target_names[k]`` is
        class ``k``); for regression, the name of the target.
    description : str
        What the examples are, what ``y`` means, how many of each class.
    source : str
        Where the data come from (creators, repository, URL).
    licence : str
        The licence under which the data are redistributed here.
    citation : str
        How to cite the data.
    """

    X: np.ndarray
    y: np.ndarray
    feature_names: tuple
    target_names: tuple
    description: str
    source: str
    licence: str
    citation: str = ""

    def __repr__(self) -> str:
        return (
            f"Dataset(X shape {self.X.shape}, y shape {self.y.shape}, "
            f"target_names={self.target_names!r}, licence={re.split(r'[:(]', self.licence)[0].strip()!r})"
        )


def _read_csv(filename: str) -> tuple[tuple[str, ...], np.ndarray]:
    """Read one of the packaged CSV files (gzip or plain): header and body."""
    raw = resources.files("lossedu").joinpath("datasets", filename).read_bytes()
    if filename.endswith(".gz"):
        raw = gzip.decompress(raw)
    text = raw.decode("utf-8")
    header, _, body = text.partition("\n")
    table = np.loadtxt(io.StringIO(body), delimiter=",", dtype=np.float64, ndmin=2)
    return tuple(header.strip().split(",")), table


def _dataset(filename: str, *, classification: bool, target_names, **text) -> Dataset:
    header, table = _read_csv(filename)
    X = np.ascontiguousarray(table[:, :-1])
    y = table[:, -1]
    if classification:
        y = y.astype(np.int64)
    return Dataset(
        X=X,
        y=np.ascontiguousarray(y),
        feature_names=header[:-1],
        target_names=tuple(target_names) if target_names is not None else (header[-1],),
        **text,
    )


def load_diabetes() -> Dataset:
    """Diabetes progression: 442 patients, 10 baseline measurements (regression).

    ``y`` is a quantitative measure of disease progression one year after
    baseline (float64, from 25 to 346).  The features are the raw values,
    *not* the centred and scaled version scikit-learn returns by default:
    age (years), sex (coded 1 or 2), body mass index, average blood
    pressure and six blood serum measurements ``s1`` ... ``s6``.  Use
    :func:`standardize` before gradient descent.

    Returns
    -------
    Dataset
        ``X`` (442, 10) float64, ``y`` (442,) float64.

    Notes
    -----
    Efron, Hastie, Johnstone and Tibshirani (2004), "Least Angle
    Regression", *Annals of Statistics* 32(2), 407-499.  Redistributed, as
    in scikit-learn, under scikit-learn's BSD-3-Clause licence (see
    ``lossedu/datasets/README.md``).

    Examples
    --------
    >>> data = load_diabetes()
    >>> data.X.shape, data.y.shape
    ((442, 10), (442,))
    >>> data.feature_names[:4]
    ('age', 'sex', 'bmi', 'bp')
    >>> float(data.y.min()), float(data.y.max())
    (25.0, 346.0)
    """
    return _dataset(
        "diabetes.csv.gz",
        classification=False,
        target_names=("disease progression one year after baseline",),
        description=(
            "Ten baseline variables (age, sex, body mass index, average blood "
            "pressure and six blood serum measurements s1-s6: total serum "
            "cholesterol, LDL, HDL, total cholesterol / HDL, log of serum "
            "triglycerides, blood sugar) for 442 diabetes patients, and the "
            "response y, a quantitative measure of disease progression one year "
            "after baseline. Raw (unscaled) values; sex is coded 1 or 2."
        ),
        source=(
            "Bradley Efron, Trevor Hastie, Iain Johnstone and Robert Tibshirani, "
            "data of 'Least Angle Regression' (2004); original file at "
            "https://www4.stat.ncsu.edu/~boos/var.select/diabetes.html. "
            + _VIA_SKLEARN
        ),
        licence=(
            "BSD-3-Clause: redistributed as part of scikit-learn under its "
            "BSD 3-Clause licence, Copyright (c) 2007-2026 The scikit-learn "
            "developers (full text in lossedu/datasets/LICENSE-scikit-learn-BSD-3-Clause.txt); "
            "the original authors state no separate licence"
        ),
        citation=(
            "Efron, B., Hastie, T., Johnstone, I. and Tibshirani, R. (2004). "
            "Least Angle Regression. Annals of Statistics 32(2), 407-499."
        ),
    )


def load_breast_cancer() -> Dataset:
    """Breast Cancer Wisconsin (Diagnostic): 569 tumours, 30 features (binary).

    Each row describes the cell nuclei in a digitized image of a fine needle
    aspirate of a breast mass: the mean, standard error and "worst" (mean of
    the three largest) of ten measurements (radius, texture, perimeter,
    area, smoothness, compactness, concavity, concave points, symmetry,
    fractal dimension).

    ``y`` is 1 for malignant (212 tumours) and 0 for benign (357), so the
    positive class, the one precision and recall refer to, is the one to
    detect.  (scikit-learn's ``load_breast_cancer`` uses the opposite
    coding, 0 = malignant.)

    Returns
    -------
    Dataset
        ``X`` (569, 30) float64, ``y`` (569,) int64 in {0, 1},
        ``target_names == ("benign", "malignant")``.

    Notes
    -----
    W. H. Wolberg, W. N. Street, O. L. Mangasarian (1995), UCI Machine
    Learning Repository, https://doi.org/10.24432/C5DW2B, CC BY 4.0.

    Examples
    --------
    >>> data = load_breast_cancer()
    >>> data.X.shape
    (569, 30)
    >>> [int(count) for count in np.bincount(data.y)]
    [357, 212]
    >>> data.target_names[1]
    'malignant'
    """
    return _dataset(
        "breast_cancer.csv.gz",
        classification=True,
        target_names=("benign", "malignant"),
        description=(
            "569 fine needle aspirates of breast masses. Thirty real-valued "
            "features: mean, standard error ('error') and worst (mean of the three "
            "largest) of ten characteristics of the cell nuclei in the image "
            "(radius, texture, perimeter, area, smoothness, compactness, "
            "concavity, concave points, symmetry, fractal dimension). "
            "y = 1 malignant (212), y = 0 benign (357)."
        ),
        source=(
            "Breast Cancer Wisconsin (Diagnostic), creators William H. Wolberg, "
            "W. Nick Street and Olvi L. Mangasarian (University of Wisconsin), "
            "donor Nick Street, November 1995; UCI Machine Learning Repository, "
            "https://archive.ics.uci.edu/dataset/17/breast+cancer+wisconsin+diagnostic. "
            + _VIA_SKLEARN
        ),
        licence=_CC_BY_4,
        citation=(
            "Wolberg, W., Mangasarian, O., Street, N. and Street, W. (1995). "
            "Breast Cancer Wisconsin (Diagnostic) [Dataset]. UCI Machine Learning "
            "Repository. https://doi.org/10.24432/C5DW2B"
        ),
    )


def load_iris() -> Dataset:
    """Fisher's iris flowers: 150 flowers, 4 measurements in cm (3 classes).

    Fifty flowers of each species: 0 setosa, 1 versicolor, 2 virginica.
    Setosa is linearly separable from the other two; versicolor and
    virginica are not linearly separable from each other.

    Returns
    -------
    Dataset
        ``X`` (150, 4) float64, ``y`` (150,) int64 in {0, 1, 2}.

    Notes
    -----
    R. A. Fisher (1936); UCI Machine Learning Repository,
    https://doi.org/10.24432/C56C76, CC BY 4.0.  The values follow Fisher's
    paper (as in R and scikit-learn), which differs from some UCI copies in
    two data points.

    Examples
    --------
    >>> data = load_iris()
    >>> data.X.shape
    (150, 4)
    >>> [int(count) for count in np.bincount(data.y)]
    [50, 50, 50]
    >>> data.target_names
    ('setosa', 'versicolor', 'virginica')
    """
    return _dataset(
        "iris.csv",
        classification=True,
        target_names=("setosa", "versicolor", "virginica"),
        description=(
            "150 iris flowers, 50 of each species (0 setosa, 1 versicolor, "
            "2 virginica); features: sepal length, sepal width, petal length and "
            "petal width in centimetres."
        ),
        source=(
            "R. A. Fisher, 'The use of multiple measurements in taxonomic "
            "problems', Annals of Eugenics 7(2), 179-188 (1936); donor Michael "
            "Marshall, July 1988; UCI Machine Learning Repository, "
            "https://archive.ics.uci.edu/dataset/53/iris. Values as in Fisher's "
            "paper (as in R), which differ from some UCI copies in two data "
            "points. " + _VIA_SKLEARN
        ),
        licence=_CC_BY_4,
        citation=(
            "Fisher, R. A. (1936). Iris [Dataset]. UCI Machine Learning "
            "Repository. https://doi.org/10.24432/C56C76"
        ),
    )


def load_digits() -> Dataset:
    """Handwritten digits: 1797 images of 8x8 pixels, values 0..16 (10 classes).

    Each row of ``X`` is one image flattened row by row
    (``X[i].reshape(8, 8)`` shows it); each pixel counts the "on" pixels of
    a 4x4 block of the original 32x32 bitmap, so it is an integer from 0
    to 16 (stored as float64).  ``y`` is the digit, 0 to 9.

    Returns
    -------
    Dataset
        ``X`` (1797, 64) float64, ``y`` (1797,) int64 in 0..9.

    Notes
    -----
    The test set (writer-independent, 13 writers) of E. Alpaydin and
    C. Kaynak's Optical Recognition of Handwritten Digits (1998), UCI
    Machine Learning Repository, https://doi.org/10.24432/C50P49,
    CC BY 4.0.

    Examples
    --------
    >>> data = load_digits()
    >>> data.X.shape, data.y.shape
    ((1797, 64), (1797,))
    >>> float(data.X.min()), float(data.X.max())
    (0.0, 16.0)
    >>> data.X[0].reshape(8, 8).shape
    (8, 8)
    """
    return _dataset(
        "digits.csv.gz",
        classification=True,
        target_names=tuple(str(digit) for digit in range(10)),
        description=(
            "1797 handwritten digits as 8x8 images (64 features, row by row); "
            "each pixel is the count of 'on' pixels in a 4x4 block of a 32x32 "
            "bitmap, an integer 0..16. y is the digit 0..9."
        ),
        source=(
            "Optical Recognition of Handwritten Digits, E. Alpaydin and C. Kaynak, "
            "Bogazici University, July 1998 (test set, optdigits.tes: 13 writers); "
            "UCI Machine Learning Repository, "
            "https://archive.ics.uci.edu/dataset/80/optical+recognition+of+handwritten+digits. "
            + _VIA_SKLEARN
        ),
        licence=_CC_BY_4,
        citation=(
            "Alpaydin, E. and Kaynak, C. (1998). Optical Recognition of "
            "Handwritten Digits [Dataset]. UCI Machine Learning Repository. "
            "https://doi.org/10.24432/C50P49"
        ),
    )


# ---------------------------------------------------------------------------
# Argument checks for the generators


def _count(value, name: str, *, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def _real(value, name: str, *, low=None, high=None, low_open=False, high_open=False) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {value!r}")
    value = float(value)
    bad = not math.isfinite(value)
    if low is not None:
        bad |= value <= low if low_open else value < low
    if high is not None:
        bad |= value >= high if high_open else value > high
    if bad:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        interval = f"{left}{'-inf' if low is None else low}, {'inf' if high is None else high}{right}"
        raise ValueError(f"{name} must be a finite number in {interval}, got {value!r}")
    return value


def _rng(seed) -> np.random.Generator:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be an integer, got {type(seed).__name__} {seed!r}")
    return np.random.default_rng(int(seed))


# ---------------------------------------------------------------------------
# Synthetic generators


def make_line(n=50, *, slope=2.0, intercept=1.0, noise=1.0, outliers=0,
              outlier_shift=30.0, seed=0, return_outliers=False):
    r"""Noisy points around a straight line, optionally with outliers.

    .. math:: y_i = \text{slope}\, x_i + \text{intercept} + \text{noise}\,\varepsilon_i,
              \qquad \varepsilon_i \sim \mathcal{N}(0, 1),

    with ``x`` drawn uniformly in ``[0, 10]`` and returned sorted.  Then
    ``outliers`` points, chosen at random, get ``outlier_shift`` added to
    their ``y``: all in the same direction, so they pull the fitted line
    (and the mean of the residuals), the situation where MSE and MAE
    disagree.

    Parameters
    ----------
    n : int
        Number of points (>= 2).
    slope, intercept : float
        The true line.
    noise : float
        Standard deviation of the Gaussian noise (>= 0).
    outliers : int
        How many points to shift (0 <= outliers <= n).
    outlier_shift : float
        Added to ``y`` of each outlier.
    seed : int
        Seed of the random generator.
    return_outliers : bool
        Also return the boolean mask of the shifted points.

    Returns
    -------
    x, y : ndarray of float64, shape (n,)
    is_outlier : ndarray of bool, shape (n,)
        Only when ``return_outliers=True``.

    Examples
    --------
    >>> x, y = make_line(5, noise=0.0)
    >>> bool(np.allclose(y, 2.0 * x + 1.0, rtol=0, atol=1e-12))
    True
    >>> x, y, is_outlier = make_line(20, outliers=3, return_outliers=True)
    >>> int(is_outlier.sum())
    3
    """
    n = _count(n, "n", minimum=2)
    outliers = _count(outliers, "outliers", minimum=0)
    if outliers > n:
        raise ValueError(f"outliers must be <= n ({n}), got {outliers}")
    slope = _real(slope, "slope")
    intercept = _real(intercept, "intercept")
    noise = _real(noise, "noise", low=0.0)
    outlier_shift = _real(outlier_shift, "outlier_shift")
    rng = _rng(seed)
    x = np.sort(rng.uniform(0.0, 10.0, size=n))
    y = slope * x + intercept + noise * rng.standard_normal(n)
    is_outlier = np.zeros(n, dtype=bool)
    is_outlier[rng.choice(n, size=outliers, replace=False)] = True
    y[is_outlier] += outlier_shift
    if return_outliers:
        return x, y, is_outlier
    return x, y


def make_blobs(n=200, *, centers=3, spread=1.0, seed=0):
    """Gaussian clusters in the plane, one per class.

    With an integer ``centers = C`` the cluster centres sit evenly on a
    circle of radius 4 around the origin (class 0 at angle 90 degrees);
    an array of shape (C, 2) gives the centres explicitly.  Classes are as
    balanced as possible (sizes differ by at most one) and the rows are in
    random order.  Each point is its centre plus ``spread`` times a standard
    normal vector.

    Parameters
    ----------
    n : int
        Number of points (>= 1).
    centers : int or array_like of shape (C, 2)
        Number of classes (>= 1) or their centres.
    spread : float
        Standard deviation of each cluster along each axis (>= 0).
    seed : int
        Seed of the random generator.

    Returns
    -------
    X : ndarray of float64, shape (n, 2)
    labels : ndarray of int64, shape (n,), values 0..C-1

    Examples
    --------
    >>> X, labels = make_blobs(6, centers=3)
    >>> X.shape, sorted(labels.tolist())
    ((6, 2), [0, 0, 1, 1, 2, 2])
    """
    n = _count(n, "n")
    spread = _real(spread, "spread", low=0.0)
    if isinstance(centers, numbers.Integral) and not isinstance(centers, bool):
        count = _count(centers, "centers")
        angles = np.pi / 2 + 2 * np.pi * np.arange(count) / count
        positions = 4.0 * np.column_stack([np.cos(angles), np.sin(angles)])
    else:
        try:
            positions = np.array(centers, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(
                f"centers must be an integer or an array of shape (C, 2), got {centers!r}"
            ) from None
        if positions.ndim != 2 or positions.shape[1] != 2 or positions.shape[0] == 0:
            raise ValueError(f"centers must have shape (C, 2), got shape {positions.shape}")
        if not np.isfinite(positions).all():
            raise ValueError("centers must be finite")
    rng = _rng(seed)
    labels = rng.permutation(np.arange(n) % positions.shape[0]).astype(np.int64)
    X = positions[labels] + spread * rng.standard_normal((n, 2))
    return X, labels


def make_binary(n=200, *, separation=2.0, positive_fraction=0.5, seed=0):
    """Two overlapping Gaussian classes in the plane, possibly imbalanced.

    Class 0 and class 1 are unit-variance Gaussians whose means lie on the
    diagonal at distance ``separation`` from each other (class 1 at
    ``+separation/2 * (1, 1)/sqrt(2)``, class 0 opposite).  Exactly
    ``round(positive_fraction * n)`` points are positives (label 1);
    the rows are in random order.  A small ``positive_fraction`` (say 0.05)
    gives the imbalanced problems where accuracy misleads and weighted or
    focal losses help.

    Parameters
    ----------
    n : int
        Number of points (>= 1).
    separation : float
        Distance between the two class means (>= 0); larger is easier.
    positive_fraction : float
        Fraction of label-1 points, in [0, 1].
    seed : int
        Seed of the random generator.

    Returns
    -------
    X : ndarray of float64, shape (n, 2)
    labels : ndarray of int64, shape (n,), values in {0, 1}

    Examples
    --------
    >>> X, labels = make_binary(100, positive_fraction=0.1)
    >>> X.shape, int(labels.sum())
    ((100, 2), 10)
    """
    n = _count(n, "n")
    separation = _real(separation, "separation", low=0.0)
    positive_fraction = _real(positive_fraction, "positive_fraction", low=0.0, high=1.0)
    rng = _rng(seed)
    positives = int(round(positive_fraction * n))
    labels = np.zeros(n, dtype=np.int64)
    labels[:positives] = 1
    labels = rng.permutation(labels)
    direction = np.array([1.0, 1.0]) / np.sqrt(2.0)
    means = np.where(labels[:, None] == 1, 1.0, -1.0) * (separation / 2.0) * direction
    X = means + rng.standard_normal((n, 2))
    return X, labels


def make_masks(n=20, *, size=16, seed=0):
    """Segmentation masks and imperfect predicted probabilities (for Dice).

    Each true mask is a filled disc (value 1 inside, 0 outside) with a
    random centre and a radius between ``size/8`` and ``size/4`` pixels,
    on a ``size`` x ``size`` image.  The prediction for it is a soft disc
    whose centre is shifted by up to ``size/8`` pixels and whose radius is
    off by up to 30 %: ``p = sigmoid((r' - distance) / 0.75)``, so it is
    close to 1 inside, close to 0 outside and 0.5 on its rim.  Images are
    flattened row by row (``masks[i].reshape(size, size)``).

    Parameters
    ----------
    n : int
        Number of masks (>= 1).
    size : int
        Side of each square image in pixels (>= 4).
    seed : int
        Seed of the random generator.

    Returns
    -------
    masks : ndarray of float64, shape (n, size * size), values in {0, 1}
    probabilities : ndarray of float64, shape (n, size * size), values in (0, 1)

    Examples
    --------
    >>> masks, probabilities = make_masks(3, size=8)
    >>> masks.shape, probabilities.shape
    ((3, 64), (3, 64))
    >>> sorted(set(masks.ravel().tolist()))
    [0.0, 1.0]
    """
    n = _count(n, "n")
    size = _count(size, "size", minimum=4)
    rng = _rng(seed)
    rows, cols = np.mgrid[0:size, 0:size].astype(np.float64)
    rows, cols = rows.ravel(), cols.ravel()
    radius = rng.uniform(size / 8, size / 4, size=n)
    margin = radius + 0.5
    centre_row = rng.uniform(margin, size - 1 - margin)
    centre_col = rng.uniform(margin, size - 1 - margin)
    shift = rng.uniform(-size / 8, size / 8, size=(n, 2))
    predicted_radius = radius * rng.uniform(0.7, 1.3, size=n)
    distance = np.hypot(rows - centre_row[:, None], cols - centre_col[:, None])
    masks = (distance <= radius[:, None]).astype(np.float64)
    predicted_distance = np.hypot(rows - (centre_row + shift[:, 0])[:, None],
                                  cols - (centre_col + shift[:, 1])[:, None])
    # A logistic edge; computed as 0.5 * (1 + tanh(t / 2)) it never overflows.
    t = (predicted_radius[:, None] - predicted_distance) / 0.75
    probabilities = 0.5 * (1.0 + np.tanh(t / 2.0))
    probabilities = np.clip(probabilities, 1e-6, 1 - 1e-6)
    return masks, probabilities


# ---------------------------------------------------------------------------
# Helpers


def _as_table(value, name: str) -> np.ndarray:
    try:
        array = np.array(value, dtype=np.float64)  # always a new array
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an array of numbers, got {type(value).__name__}") from None
    if array.ndim not in (1, 2):
        raise ValueError(f"{name} must be a 1-d (n,) or 2-d (n, d) array, got shape {array.shape}")
    if array.shape[0] == 0:
        raise ValueError(f"{name} is empty (shape {array.shape})")
    return array


def train_test_split(X, y, *, test_fraction=0.25, seed=0):
    """Shuffle the rows and split them into a training and a test part.

    ``ceil(test_fraction * n)`` rows (at least one, at most ``n - 1``) go to
    the test part, the rest to the training part.  ``X`` and ``y`` are
    shuffled with the same permutation, so rows stay paired.  The inputs are
    not modified; the outputs are new arrays with the inputs' dtypes.

    Parameters
    ----------
    X : array_like, shape (n, ...)
        Features.
    y : array_like, shape (n, ...)
        Targets or labels.
    test_fraction : float
        Fraction of rows for the test part, strictly between 0 and 1.
    seed : int
        Seed of the random generator.

    Returns
    -------
    X_train, X_test, y_train, y_test : ndarray

    Examples
    --------
    >>> X = np.arange(20.0).reshape(10, 2)
    >>> y = np.arange(10)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=0.3)
    >>> X_train.shape, X_test.shape, y_train.shape, y_test.shape
    ((7, 2), (3, 2), (7,), (3,))
    >>> bool(np.all(X_test[:, 0] == 2 * y_test))
    True
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError("X and y must be arrays with one row per example, got a scalar")
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"X has {X.shape[0]} rows but y has {y.shape[0]}; they must have one row per example each"
        )
    n = X.shape[0]
    if n < 2:
        raise ValueError(f"need at least 2 rows to split, got {n}")
    test_fraction = _real(test_fraction, "test_fraction", low=0.0, high=1.0,
                          low_open=True, high_open=True)
    n_test = min(max(1, math.ceil(test_fraction * n - 1e-9)), n - 1)
    order = _rng(seed).permutation(n)
    test, train = order[:n_test], order[n_test:]
    return X[train].copy(), X[test].copy(), y[train].copy(), y[test].copy()


def standardize(X_train, X_test):
    """Scale each feature to mean 0 and standard deviation 1, using the training part.

    .. math:: x' = (x - \\mu_{\\text{train}}) / \\sigma_{\\text{train}}

    The mean and (population, ``ddof=0``) standard deviation come from
    ``X_train`` only and are applied to both parts: using the test part's
    statistics would leak information from it.  A constant feature
    (standard deviation 0) is only centred (divided by 1).

    Parameters
    ----------
    X_train : array_like, shape (n, d) or (n,)
    X_test : array_like, shape (m, d) or (m,)
        Same number of features as ``X_train``.

    Returns
    -------
    X_train_scaled, X_test_scaled : ndarray of float64
        New arrays of the input shapes.

    Examples
    --------
    >>> X_train = np.array([[1.0, 10.0], [3.0, 10.0]])
    >>> X_test = np.array([[5.0, 12.0]])
    >>> train, test = standardize(X_train, X_test)
    >>> train.tolist(), test.tolist()
    ([[-1.0, 0.0], [1.0, 0.0]], [[3.0, 2.0]])
    """
    X_train = _as_table(X_train, "X_train")
    X_test = _as_table(X_test, "X_test")
    if X_train.shape[1:] != X_test.shape[1:]:
        raise ValueError(
            f"X_train has shape {X_train.shape} and X_test has shape {X_test.shape}; "
            "they must have the same number of features"
        )
    if not (np.isfinite(X_train).all() and np.isfinite(X_test).all()):
        raise ValueError("X_train and X_test must not contain NaN or infinite values")
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return (X_train - mean) / std, (X_test - mean) / std
