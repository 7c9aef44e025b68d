"""Speed of lossedu's stable cross-entropies against the naive formula and PyTorch.

Times, on the same arrays in one run:

* ``binary_cross_entropy_with_logits`` on 1e6 samples,
* ``categorical_cross_entropy_with_logits`` on 1e5 samples x 100 classes
  (integer labels),

against (a) the naive, unstable numpy formula (sigmoid or unshifted
softmax, then ``log``) and (b) ``torch.nn.functional`` on the CPU in float64,
when torch is installed.  numpy evaluates these element-wise operations on
one thread, so torch is limited to the same number of threads with
``torch.set_num_threads``.  Each figure is the median of ``--repeats``
timings, the contenders taking turns within each repeat; the ratios are
lossedu's median divided by the other's.

Targets: stable <= 1.5x naive and <= 3x torch.

Run: ``python benchmarks/losses.py [--repeats 21] [--threads 1]``.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from lossedu.classification import (
    binary_cross_entropy_with_logits,
    categorical_cross_entropy_with_logits,
)

BINARY_SAMPLES = 1_000_000
CATEGORICAL_SAMPLES = 100_000
CLASSES = 100


def naive_binary_cross_entropy(y_true, logits):
    """The textbook composition: overflows for large logits (not an issue here)."""
    p = 1.0 / (1.0 + np.exp(-logits))
    return float(-np.mean(y_true * np.log(p) + (1.0 - y_true) * np.log(1.0 - p)))


def naive_categorical_cross_entropy(labels, logits):
    """Softmax without the max shift, then log of the true class's probability."""
    e = np.exp(logits)
    p = e / e.sum(axis=1, keepdims=True)
    return float(-np.mean(np.log(p[np.arange(labels.shape[0]), labels])))


def median_seconds(functions: dict, repeats: int) -> dict:
    """Median time of each function; the functions take turns within each repeat,
    so a burst of load on the machine slows all of them alike."""
    times = {key: [] for key in functions}
    for function in functions.values():
        function()  # warm up: caches, lazy imports, allocator
    for _ in range(repeats):
        for key, function in functions.items():
            start = time.perf_counter()
            function()
            times[key].append(time.perf_counter() - start)
    return {key: statistics.median(values) for key, values in times.items()}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=21)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (numpy's element-wise ops use one)")
    args = parser.parse_args(argv)

    rng = np.random.default_rng(0)
    binary_logits = rng.normal(0.0, 3.0, BINARY_SAMPLES)
    binary_targets = rng.integers(0, 2, BINARY_SAMPLES).astype(np.float64)
    categorical_logits = rng.normal(0.0, 3.0, (CATEGORICAL_SAMPLES, CLASSES))
    categorical_labels = rng.integers(0, CLASSES, CATEGORICAL_SAMPLES)

    cases = {
        "binary_cross_entropy_with_logits (1e6)": {
            "lossedu": lambda: binary_cross_entropy_with_logits(binary_targets, binary_logits),
            "naive": lambda: naive_binary_cross_entropy(binary_targets, binary_logits),
        },
        "categorical_cross_entropy_with_logits (1e5 x 100)": {
            "lossedu": lambda: categorical_cross_entropy_with_logits(
                categorical_labels, categorical_logits),
            "naive": lambda: naive_categorical_cross_entropy(
                categorical_labels, categorical_logits),
        },
    }

    try:
        import torch
        import torch.nn.functional as functional
    except ImportError:
        torch = None
        print("torch is not installed: comparing with the naive formula only")
    if torch is not None:
        torch.set_num_threads(args.threads)
        binary_logits_t = torch.from_numpy(binary_logits)
        binary_targets_t = torch.from_numpy(binary_targets)
        categorical_logits_t = torch.from_numpy(categorical_logits)
        categorical_labels_t = torch.from_numpy(categorical_labels)
        cases["binary_cross_entropy_with_logits (1e6)"]["torch"] = lambda: float(
            functional.binary_cross_entropy_with_logits(binary_logits_t, binary_targets_t))
        cases["categorical_cross_entropy_with_logits (1e5 x 100)"]["torch"] = lambda: float(
            functional.cross_entropy(categorical_logits_t, categorical_labels_t))
        print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s); "
              f"numpy {np.__version__}; median of {args.repeats} repeats")
    else:
        print(f"numpy {np.__version__}; median of {args.repeats} repeats")

    for name, functions in cases.items():
        values = {key: function() for key, function in functions.items()}
        reference = values["lossedu"]
        for key, value in values.items():
            if not np.isclose(value, reference, rtol=1e-9, atol=0.0):
                raise SystemExit(f"{name}: {key} gives {value!r} but lossedu gives {reference!r}")
        seconds = median_seconds(functions, args.repeats)
        print(f"\n{name}")
        for key, value in seconds.items():
            print(f"  {key:8s} {value * 1e3:8.2f} ms")
        print(f"  lossedu / naive: {seconds['lossedu'] / seconds['naive']:.2f}x (target <= 1.5x)")
        if "torch" in seconds:
            print(f"  lossedu / torch: {seconds['lossedu'] / seconds['torch']:.2f}x (target <= 3x)")


if __name__ == "__main__":
    main()
