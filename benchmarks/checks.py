"""Wall time of ``check()`` for every exercise, with the reference as the learner's answer.

Run: ``python benchmarks/checks.py [--repeat N]``.  Prints the median time of
one visible check and of one hidden check per exercise, then the largest and
the median of those medians against the goals (< 100 ms each, < 50 ms median).

How the reference is graded honestly: ``check()`` refuses a function that
calls the lossedu reference (it watches, with a profile hook, for the
reference's code object being entered from outside lossedu).  Passing the
reference itself would therefore measure the refusal, not the grading.  So
each exercise is graded with a *copy* of its reference: the same function
body and globals under a new code object whose name differs (``mse`` becomes
``mse_benchmark_copy``).  To the checker the copy is an ordinary learner
function, and it takes exactly the path a learner's answer takes: the
profile hook and the time limit are armed, the inputs are copied, the
result is converted and compared, and mutation is checked.  Decorators are
removed first (``inspect.unwrap``): the only one in lossedu sets numpy's
error state, which the checker sets anyway around the learner's call.
"""

from __future__ import annotations

import argparse
import inspect
import statistics
import time
import types

from lossedu.grading import EXERCISES, check

GOAL_EACH_MS = 100.0
GOAL_MEDIAN_MS = 50.0


def learner_copy(reference):
    """The reference's body as a new function with a code object of another name."""
    function = inspect.unwrap(reference)
    code = function.__code__.replace(co_name=f"{function.__code__.co_name}_benchmark_copy")
    copy = types.FunctionType(code, function.__globals__, function.__name__,
                              function.__defaults__, function.__closure__)
    copy.__kwdefaults__ = function.__kwdefaults__
    return copy


def median_ms(exercise_id: str, function, repeat: int, hidden: bool) -> float:
    check(exercise_id, function, hidden=hidden)  # warm-up (imports, caches)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        check(exercise_id, function, hidden=hidden)
        times.append(time.perf_counter() - started)
    return 1000.0 * statistics.median(times)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="timed runs per exercise")
    args = parser.parse_args(argv)

    print(f"{'exercise':44} {'checks':>6} {'visible ms':>11} {'hidden ms':>10}")
    visible, hidden = [], []
    for exercise_id, exercise in EXERCISES.items():
        function = learner_copy(exercise.reference)
        count = check(exercise_id, function).passed
        visible.append(median_ms(exercise_id, function, args.repeat, hidden=False))
        hidden.append(median_ms(exercise_id, function, args.repeat, hidden=True))
        print(f"{exercise_id:44} {count:6d} {visible[-1]:11.2f} {hidden[-1]:10.2f}")

    worst = max(visible + hidden)
    middle = statistics.median(visible)
    print()
    print(f"largest median: {worst:.2f} ms (goal < {GOAL_EACH_MS:g} ms) "
          f"{'ok' if worst < GOAL_EACH_MS else 'OVER'}")
    print(f"median of the visible medians: {middle:.2f} ms (goal < {GOAL_MEDIAN_MS:g} ms) "
          f"{'ok' if middle < GOAL_MEDIAN_MS else 'OVER'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
