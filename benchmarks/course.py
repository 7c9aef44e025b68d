"""Time the course: execute every solution notebook in a fresh kernel.

    .venv/bin/python benchmarks/course.py          # one notebook at a time
    .venv/bin/python benchmarks/course.py --workers 2

Prints the wall time of each lesson (kernel start included), the slowest cell
of each, the total, and the slowest cell of the course. The goals: the whole
course under 60 s, no cell over 10 s. Exits with 1 if a notebook fails.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from conftest import cell_label, execute_notebooks, lessons_with_solutions, solution_path  # noqa: E402

COURSE_GOAL_SECONDS = 60.0
CELL_GOAL_SECONDS = 10.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1, help="notebooks executed at once (default 1)")
    arguments = parser.parse_args()

    slugs = lessons_with_solutions()
    if not slugs:
        print("no lesson in solutions/")
        return 1
    begin = time.perf_counter()
    runs = execute_notebooks([solution_path(slug) for slug in slugs], workers=arguments.workers)
    wall = time.perf_counter() - begin

    print(f"{'lesson':32} {'seconds':>8}   slowest cell")
    slowest = (0.0, "", "")
    for slug, run in zip(slugs, runs):
        index, seconds = max(run.cell_seconds.items(), key=lambda item: item[1], default=(None, 0.0))
        label = cell_label(run.notebook.cells[index], index) if index is not None else "-"
        status = "" if run.error is None else "   FAILED"
        print(f"{slug:32} {run.seconds:8.2f}   {label} ({seconds:.2f} s){status}")
        slowest = max(slowest, (seconds, slug, label))
    total = sum(run.seconds for run in runs)
    print(f"{'total (sum of lessons)':32} {total:8.2f}   goal < {COURSE_GOAL_SECONDS:.0f} s")
    print(f"{'wall time':32} {wall:8.2f}   ({arguments.workers} worker(s))")
    print(f"slowest cell: {slowest[1]} {slowest[2]} {slowest[0]:.2f} s   goal < {CELL_GOAL_SECONDS:.0f} s")
    for slug, run in zip(slugs, runs):
        if run.error is not None:
            print(f"\n{slug} failed:\n{run.error}", file=sys.stderr)
    return 0 if all(run.error is None for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
