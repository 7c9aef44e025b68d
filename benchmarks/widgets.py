"""How fast each explorer answers a slider move.

Prints, for every widget of ``lossedu.widgets``, the median time of one
update of its main slider and, as the baseline measured in the same run, the
time to build the widget (which draws its whole figure).  The ratio shows
what the incremental redraw saves; the goal is an update under 100 ms, so
dragging a slider feels live.

    python benchmarks/widgets.py
"""

import statistics
import time

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from lossedu import widgets  # noqa: E402

CASES = [
    ("loss_explorer", lambda: widgets.loss_explorer(), "y_pred", np.linspace(0.05, 0.95, 15)),
    ("huber_explorer", lambda: widgets.huber_explorer(), "delta", np.linspace(0.2, 2.8, 15)),
    ("sigmoid_explorer", lambda: widgets.sigmoid_explorer(), "z", np.linspace(-6, 6, 15)),
    ("softmax_explorer", lambda: widgets.softmax_explorer(), "temperature", np.geomspace(0.2, 5, 15)),
    ("gradient_descent_explorer", lambda: widgets.gradient_descent_explorer(), "learning_rate",
     np.linspace(0.05, 1.05, 15)),
    ("focal_explorer", lambda: widgets.focal_explorer(), "gamma", np.linspace(0.1, 4.9, 15)),
    ("threshold_explorer",
     lambda: widgets.threshold_explorer(np.linspace(0, 1, 200), np.arange(200) % 2),
     "threshold", np.linspace(0.1, 0.9, 15)),
]


def main() -> None:
    print(f"{'widget':28s} {'build ms':>9s} {'update ms':>10s} {'update/build':>13s}")
    for name, make, control, values in CASES:
        start = time.perf_counter()
        explorer = make()
        build = time.perf_counter() - start
        durations = []
        for value in values:
            start = time.perf_counter()
            explorer.controls[control].value = float(value)
            durations.append(time.perf_counter() - start)
        update = statistics.median(durations)
        print(f"{name:28s} {build * 1e3:9.1f} {update * 1e3:10.1f} {update / build:13.2f}")


if __name__ == "__main__":
    main()
