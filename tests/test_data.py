"""Tests of lossedu.data: the shipped data sets and the seeded generators.

Expected values come from the data sets' own documentation (UCI / the
scikit-learn descriptions: row counts, class counts, summary statistics,
the first rows of the original files), not from the loaders.
"""

import dataclasses
import hashlib
import re
from importlib import resources

import numpy as np
import pytest

from lossedu import data

RTOL, ATOL = 1e-12, 1e-12


# ---------------------------------------------------------------------------
# Real data sets


def test_iris_shape_classes_and_known_values():
    iris = data.load_iris()
    assert iris.X.shape == (150, 4) and iris.X.dtype == np.float64
    assert iris.y.shape == (150,) and iris.y.dtype == np.int64
    assert np.bincount(iris.y).tolist() == [50, 50, 50]
    assert iris.target_names == ("setosa", "versicolor", "virginica")
    np.testing.assert_allclose(iris.X[0], [5.1, 3.5, 1.4, 0.2], rtol=RTOL, atol=ATOL)
    # Summary statistics of the UCI description: min, max and mean (2 decimals).
    np.testing.assert_allclose(iris.X.min(axis=0), [4.3, 2.0, 1.0, 0.1], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(iris.X.max(axis=0), [7.9, 4.4, 6.9, 2.5], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(iris.X.mean(axis=0), [5.84, 3.05, 3.76, 1.20], rtol=0, atol=0.01)
    assert iris.feature_names[0] == "sepal length (cm)"


def test_breast_cancer_counts_and_coding():
    cancer = data.load_breast_cancer()
    assert cancer.X.shape == (569, 30) and cancer.X.dtype == np.float64
    assert cancer.y.dtype == np.int64
    # 212 malignant, 357 benign; malignant is the positive class 1.
    assert int(cancer.y.sum()) == 212
    assert int((cancer.y == 0).sum()) == 357
    assert cancer.target_names == ("benign", "malignant")
    # The first row of the UCI file (ID 842302) is a malignant tumour.
    assert cancer.y[0] == 1
    np.testing.assert_allclose(cancer.X[0, :4], [17.99, 10.38, 122.8, 1001.0], rtol=RTOL, atol=ATOL)
    index = {name: k for k, name in enumerate(cancer.feature_names)}
    assert len(index) == 30
    for name, low, high in [("mean radius", 6.981, 28.11), ("mean area", 143.5, 2501.0),
                            ("worst area", 185.2, 4254.0), ("radius error", 0.1115, 2.873)]:
        column = cancer.X[:, index[name]]
        np.testing.assert_allclose([column.min(), column.max()], [low, high], rtol=1e-3, atol=1e-3)


def test_diabetes_raw_values():
    diabetes = data.load_diabetes()
    assert diabetes.X.shape == (442, 10) and diabetes.y.shape == (442,)
    assert diabetes.y.dtype == np.float64
    assert diabetes.feature_names == ("age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6")
    # First record of the original NCSU file: 59 2 32.1 101 157 93.2 38 4 4.8598 87 | 151
    np.testing.assert_allclose(
        diabetes.X[0], [59, 2, 32.1, 101, 157, 93.2, 38, 4, 4.8598, 87], rtol=RTOL, atol=ATOL)
    assert diabetes.y[0] == 151.0
    assert set(np.unique(diabetes.X[:, 1]).tolist()) == {1.0, 2.0}
    assert (diabetes.y.min(), diabetes.y.max()) == (25.0, 346.0)


def test_digits_images_and_class_counts():
    digits = data.load_digits()
    assert digits.X.shape == (1797, 64) and digits.y.shape == (1797,)
    assert digits.y.dtype == np.int64
    # optdigits.tes class distribution (UCI optdigits.names).
    assert np.bincount(digits.y).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    assert np.all(digits.X == np.round(digits.X))
    assert digits.X.min() == 0 and digits.X.max() == 16
    assert digits.X[0, :8].tolist() == [0, 0, 5, 13, 9, 1, 0, 0]
    assert digits.y[0] == 0
    assert digits.target_names == tuple("0123456789")


@pytest.mark.parametrize(
    "loader, licence, doi",
    [
        (data.load_diabetes, "BSD-3-Clause", None),
        (data.load_breast_cancer, "CC BY 4.0", "10.24432/C5DW2B"),
        (data.load_iris, "CC BY 4.0", "10.24432/C56C76"),
        (data.load_digits, "CC BY 4.0", "10.24432/C50P49"),
    ],
)
def test_every_dataset_states_source_licence_and_citation(loader, licence, doi):
    dataset = loader()
    assert dataset.licence.startswith(licence)
    assert dataset.source and dataset.description and dataset.citation
    if doi is not None:
        assert doi in dataset.citation
    assert len(dataset.feature_names) == dataset.X.shape[1]
    assert np.isfinite(dataset.X).all()
    with pytest.raises(dataclasses.FrozenInstanceError):
        dataset.X = None
    assert licence in repr(dataset)


def test_loaders_return_fresh_arrays():
    first = data.load_iris()
    first.X[0, 0] = -100.0
    assert data.load_iris().X[0, 0] == 5.1


def test_packaged_files_match_the_checksums_in_the_readme():
    folder = resources.files("lossedu").joinpath("datasets")
    readme = folder.joinpath("README.md").read_text(encoding="utf-8")
    listed = dict((name, digest) for digest, name in re.findall(r"^([0-9a-f]{64})  (\S+)$", readme, re.M))
    assert set(listed) == {"breast_cancer.csv.gz", "diabetes.csv.gz", "digits.csv.gz", "iris.csv"}
    for name, digest in listed.items():
        assert hashlib.sha256(folder.joinpath(name).read_bytes()).hexdigest() == digest, name
    assert folder.joinpath("LICENSE-scikit-learn-BSD-3-Clause.txt").is_file()


# ---------------------------------------------------------------------------
# make_line


def test_make_line_without_noise_is_the_line():
    x, y = data.make_line(30, slope=-0.5, intercept=4.0, noise=0.0)
    assert x.shape == y.shape == (30,) and x.dtype == y.dtype == np.float64
    assert np.all(np.diff(x) >= 0) and x.min() >= 0 and x.max() <= 10
    np.testing.assert_allclose(y, -0.5 * x + 4.0, rtol=1e-12, atol=1e-12)


def test_make_line_noise_has_the_requested_spread():
    x, y = data.make_line(4000, noise=2.0, seed=3)
    residual = y - (2.0 * x + 1.0)
    np.testing.assert_allclose(residual.std(), 2.0, rtol=0.05, atol=0.0)
    np.testing.assert_allclose(residual.mean(), 0.0, rtol=0.0, atol=0.15)


def test_make_line_outliers_are_shifted_points():
    x, y, is_outlier = data.make_line(40, noise=0.0, outliers=4, outlier_shift=25.0,
                                      seed=1, return_outliers=True)
    assert is_outlier.dtype == bool and int(is_outlier.sum()) == 4
    residual = y - (2.0 * x + 1.0)
    np.testing.assert_allclose(residual[is_outlier], 25.0, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(residual[~is_outlier], 0.0, rtol=0.0, atol=1e-9)
    # Same x and same clean points as without outliers: only y of the outliers moves.
    x0, y0 = data.make_line(40, noise=0.0, outlier_shift=25.0, seed=1)
    np.testing.assert_allclose(x0, x, rtol=0, atol=0)


def test_make_line_outliers_pull_the_mean_but_not_the_median():
    x, y, is_outlier = data.make_line(50, outliers=5, seed=0, return_outliers=True)
    residual = y - (2.0 * x + 1.0)
    assert residual.mean() > 2.0          # 5/50 * 30 = 3 on average
    assert abs(np.median(residual)) < 1.0


def test_make_line_is_seeded():
    a = data.make_line(20, outliers=2, seed=7)
    b = data.make_line(20, outliers=2, seed=7)
    c = data.make_line(20, outliers=2, seed=8)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[1], c[1])


def test_make_line_does_not_touch_the_global_random_state():
    np.random.seed(0)
    expected = np.random.random()
    np.random.seed(0)
    data.make_line(10)
    assert np.random.random() == expected


@pytest.mark.parametrize("kwargs, error", [
    (dict(n=1), ValueError), (dict(n=2.5), TypeError), (dict(outliers=60), ValueError),
    (dict(noise=-1.0), ValueError), (dict(seed=None), TypeError), (dict(slope="2"), TypeError),
])
def test_make_line_refuses_bad_arguments(kwargs, error):
    with pytest.raises(error):
        data.make_line(**kwargs)


# ---------------------------------------------------------------------------
# make_blobs, make_binary, make_masks


def test_make_blobs_balanced_classes_around_their_centres():
    X, labels = data.make_blobs(300, centers=3, spread=0.5, seed=2)
    assert X.shape == (300, 2) and labels.dtype == np.int64
    assert np.bincount(labels).tolist() == [100, 100, 100]
    angles = np.pi / 2 + 2 * np.pi * np.arange(3) / 3
    centres = 4.0 * np.column_stack([np.cos(angles), np.sin(angles)])
    for k in range(3):
        np.testing.assert_allclose(X[labels == k].mean(axis=0), centres[k], rtol=0, atol=0.15)
        np.testing.assert_allclose(X[labels == k].std(axis=0), [0.5, 0.5], rtol=0.2, atol=0)


def test_make_blobs_explicit_centres_and_seed():
    centres = [[0.0, 0.0], [10.0, -10.0]]
    X, labels = data.make_blobs(7, centers=centres, spread=0.0, seed=5)
    np.testing.assert_allclose(X, np.asarray(centres)[labels], rtol=0, atol=0)
    assert np.bincount(labels).tolist() == [4, 3]
    X2, labels2 = data.make_blobs(7, centers=centres, spread=0.0, seed=5)
    np.testing.assert_array_equal(labels, labels2)
    with pytest.raises(ValueError, match=r"\(C, 2\)"):
        data.make_blobs(5, centers=[1.0, 2.0, 3.0])


@pytest.mark.parametrize("n, fraction, positives", [(200, 0.5, 100), (200, 0.05, 10),
                                                    (101, 0.1, 10), (50, 0.0, 0), (50, 1.0, 50)])
def test_make_binary_imbalance_is_exact(n, fraction, positives):
    X, labels = data.make_binary(n, positive_fraction=fraction, seed=4)
    assert X.shape == (n, 2) and labels.shape == (n,) and labels.dtype == np.int64
    assert set(labels.tolist()) <= {0, 1}
    assert int(labels.sum()) == positives


def test_make_binary_separation_sets_the_distance_between_means():
    X, labels = data.make_binary(4000, separation=3.0, seed=0)
    difference = X[labels == 1].mean(axis=0) - X[labels == 0].mean(axis=0)
    np.testing.assert_allclose(difference, [3.0 / np.sqrt(2)] * 2, rtol=0, atol=0.1)
    same = data.make_binary(30, seed=9)
    again = data.make_binary(30, seed=9)
    np.testing.assert_array_equal(same[0], again[0])
    with pytest.raises(ValueError, match="positive_fraction"):
        data.make_binary(10, positive_fraction=1.5)


def test_make_masks_discs_and_probabilities():
    masks, probabilities = data.make_masks(12, size=16, seed=3)
    assert masks.shape == probabilities.shape == (12, 256)
    assert set(np.unique(masks).tolist()) == {0.0, 1.0}
    assert probabilities.min() > 0 and probabilities.max() < 1
    # Radius between size/8 and size/4: a disc of 2 to 4 pixels holds about pi r^2 pixels.
    areas = masks.sum(axis=1)
    assert np.all(areas >= 9) and np.all(areas <= 60)
    # The prediction overlaps its own mask far more than another one.
    own = (masks * probabilities).sum(axis=1)
    other = (masks * np.roll(probabilities, 1, axis=0)).sum(axis=1)
    assert own.mean() > 2 * other.mean()
    # Each mask is one connected disc: symmetric under its own bounding-box centre is
    # too strong for pixels, so check that every row of the image has contiguous ones.
    image = masks[0].reshape(16, 16)
    for row in image:
        ones = np.flatnonzero(row)
        if ones.size:
            assert ones[-1] - ones[0] + 1 == ones.size
    again = data.make_masks(12, size=16, seed=3)
    np.testing.assert_array_equal(again[1], probabilities)


# ---------------------------------------------------------------------------
# train_test_split and standardize


def test_train_test_split_partitions_the_rows():
    X = np.arange(40.0).reshape(20, 2)
    y = np.arange(20)
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, test_fraction=0.25, seed=1)
    assert X_train.shape == (15, 2) and X_test.shape == (5, 2)
    assert sorted(np.concatenate([y_train, y_test]).tolist()) == list(range(20))
    np.testing.assert_array_equal(X_train[:, 0], 2 * y_train)
    np.testing.assert_array_equal(X_test[:, 0], 2 * y_test)
    assert y_train.dtype == y.dtype
    again = data.train_test_split(X, y, test_fraction=0.25, seed=1)
    np.testing.assert_array_equal(again[3], y_test)
    X_test[0, 0] = -1.0
    assert X.min() == 0.0


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.1, 2.0])
def test_train_test_split_refuses_bad_fractions(fraction):
    with pytest.raises(ValueError, match="test_fraction"):
        data.train_test_split(np.zeros((10, 2)), np.zeros(10), test_fraction=fraction)


def test_train_test_split_refuses_mismatched_rows():
    with pytest.raises(ValueError, match="X has 10 rows but y has 9"):
        data.train_test_split(np.zeros((10, 2)), np.zeros(9))


def test_standardize_uses_training_statistics_only():
    X_train = np.array([[0.0, 5.0], [2.0, 5.0], [4.0, 5.0]])
    X_test = np.array([[6.0, 7.0]])
    train, test = data.standardize(X_train, X_test)
    std = np.sqrt(8.0 / 3.0)   # population std of 0, 2, 4
    np.testing.assert_allclose(train[:, 0], [-2 / std, 0.0, 2 / std], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(train[:, 1], 0.0, rtol=0, atol=1e-12)
    np.testing.assert_allclose(test, [[4 / std, 2.0]], rtol=1e-12, atol=1e-12)
    assert X_train[0, 0] == 0.0
    with pytest.raises(ValueError, match="same number of features"):
        data.standardize(np.zeros((3, 2)), np.zeros((3, 3)))
