"""Seconds per submission: ``lossedu grade`` against plain ``nbgrader autograde``.

Run: ``python benchmarks/grading.py [--learners N] [--workers W]``.

One generated class of N learners of lesson 01 (a third correct, a third
with one wrong exercise, a third with two), graded in the same run:

1. by ``lossedu grade 01 class.zip`` (collect, autograde in W parallel nbgrader
   workers, independent re-check, feedback HTML, grades.csv);
2. by plain nbgrader in a fresh course folder: ``nbgrader generate_assignment``
   once (not timed), then ``nbgrader autograde`` of the same N notebooks,
   then ``nbgrader generate_feedback`` (nbgrader alone has no re-check).

It prints seconds per submission for each and their ratio.  The goal is
parity (ratio <= 1) with W = 2 on 2 cores; lossedu grade does more per
learner (the re-check, the rebuilt notebook), and wins it back by grading
learners in parallel.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from classroom_fixtures.sample_class import (CORRECT, LESSON, WRONG, answers,  # noqa: E402
                                             canvas_zip, notebook, read_release)


def learner_notebooks(count: int) -> list:
    """(learner id, notebook bytes) for a class of ``count``."""
    release = read_release(ROOT)
    variants = [CORRECT, answers(cost=WRONG["cost"]),
                answers(predict=WRONG["predict"],
                        gradient_descent_step=WRONG["gradient_descent_step"])]
    return [(str(5000 + index), notebook(release, variants[index % 3]))
            for index in range(count)]


def environment() -> dict:
    env = dict(os.environ)
    env.pop("LOSSEDU_DB_URL", None)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


def run(command: list, cwd: Path) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=environment())
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr[-3000:]}")
    return seconds


def time_lossedu(folder: Path, notebooks: list, workers: int) -> float:
    from classroom_fixtures.sample_class import Learner

    learners = [Learner(f"learner{user}", user, {f"{LESSON}.ipynb": data}, {}, "ok")
                for user, data in notebooks]
    canvas_zip(learners, folder / "class.zip")
    return run([sys.executable, "-m", "lossedu", "grade", "01", "class.zip", "--output",
                "results", "--workers", str(workers)], folder)


def time_nbgrader(folder: Path, notebooks: list) -> float:
    (folder / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        "c.CourseDirectory.source_directory = 'solutions'\n"
        "c.CourseDirectory.release_directory = 'notebooks'\n"
        "c.Execute.timeout = 60\n", encoding="utf-8")
    shutil.copytree(ROOT / "solutions" / LESSON, folder / "solutions" / LESSON)
    nbgrader = [sys.executable, "-m", "nbgrader"]
    run(nbgrader + ["generate_assignment", LESSON, "--force"], folder)
    for user, data in notebooks:
        target = folder / "submitted" / user / LESSON
        target.mkdir(parents=True)
        (target / f"{LESSON}.ipynb").write_bytes(data)
    seconds = run(nbgrader + ["autograde", LESSON, "--create"], folder)
    seconds += run(nbgrader + ["generate_feedback", LESSON], folder)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=12)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    notebooks = learner_notebooks(args.learners)
    with tempfile.TemporaryDirectory(prefix="lossedu-bench-") as scratch:
        scratch = Path(scratch)
        (scratch / "lossedu").mkdir()
        (scratch / "nbgrader").mkdir()
        plain = time_nbgrader(scratch / "nbgrader", notebooks)
        ours = time_lossedu(scratch / "lossedu", notebooks, args.workers)
    n = args.learners
    print(f"class of {n} learners, lesson {LESSON}, {os.cpu_count()} cores")
    print(f"  nbgrader autograde + generate_feedback: {plain / n:6.2f} s per submission")
    print(f"  lossedu grade (--workers {args.workers}):         {ours / n:6.2f} s per submission")
    print(f"  ratio lossedu / nbgrader: {ours / plain:.2f}  (goal: <= 1, parity)")


if __name__ == "__main__":
    main()
