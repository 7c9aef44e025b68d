"""How fast ``lossedu grade`` grades a class, against stock nbgrader, on one machine and on Dask.

Run from the course repository (with its virtual environment)::

    .venv/bin/python benchmarks/grading.py [--learners 30] [--big 1000] [--repeat 3]

One run generates the classes and prints, then sums up in a table at the end:

1. **lossedu vs nbgrader.**  For lesson 01 (4 exercises) and lesson 05 (6
   exercises, the most of any lesson), a class of ``--learners`` learners as
   a Canvas download: a third answer everything correctly, a third get one
   exercise wrong, a third two (lesson 01: ``cost`` sums instead of
   averaging; also ``predict`` without its bias and an uphill step.  Lesson
   05: the solution's answer cells, then ``categorical_cross_entropy`` sums
   instead of averaging; also the gradient not divided by n).  Each class is
   graded by ``lossedu grade`` (defaults: 2 workers, learner code isolated)
   and by stock nbgrader in a fresh course folder made from ``solutions/``
   (``generate_assignment`` once, not timed; then ``nbgrader autograde`` and
   ``nbgrader generate_feedback`` of the same notebooks in
   ``submitted/<id>/<lesson>/``, timed together).  It prints seconds per
   submission of each and the ratio (goal: lossedu at least 20x faster), and
   asserts that every learner's total in lossedu's grades.csv equals the
   score in ``nbgrader export``'s CSV, and that both equal the total the
   class was built to earn.
2. **Cold start.**  The first ``lossedu grade`` of a lesson builds nbgrader's
   assignment template (cached in ``$XDG_CACHE_HOME/lossedu/templates``).
   The benchmark points ``XDG_CACHE_HOME`` at a fresh folder, so each
   lesson's first run is cold: it is timed, printed, and not counted
   (warm-up).  Every later run is warm.
3. **Throughput** (learners per second) of lesson 01's class with
   ``--workers 1`` and ``--workers 2``.
4. **Peak memory per worker.**  Every ``lossedu grade`` is started with
   ``os.wait4``, whose ``ru_maxrss`` is the largest peak resident set of any
   process of that run's tree (the grader, its pool workers, the sandboxes),
   as ``getrusage(RUSAGE_CHILDREN)`` would report it.  With ``--workers 1``
   the grading runs inside the grader process itself, so that figure is the
   peak of one worker (plus the gradebook and feedback work it also does).
   During the 1- and 2-worker runs a sampler also reads ``VmHWM`` (peak
   resident set, shared pages included) of every process of the tree from
   ``/proc`` every 0.25 s and reports the largest grader process, pool worker
   and sandboxed learner process separately.
5. **A class of 1,000 learners** (``--big``, 0 to skip) of lesson 01,
   lossedu only, 2 workers: seconds in all (run last, after 6 and 7: it
   takes longest).
6. **Dask.**  A ``dask scheduler`` and two ``dask worker --nthreads 1
   --no-nanny`` processes on 127.0.0.1 (free port); lesson 01's class graded
   with ``--scheduler``: seconds per submission and the ratio to the local
   pool (same scores asserted).  Skipped with a note when ``distributed`` is
   not installed.
7. **Cost of isolation.**  Lesson 01's class isolated and unisolated
   (``--no-isolation`` with the bubblewrap probe answering "unavailable":
   ``--no-isolation`` alone still isolates where bubblewrap works), with 2
   workers and with 1, in alternating runs (at least 3 of each; the
   difference of the medians' wall time per learner in ms; goal under 50
   ms), and the bare cost of starting
   one sandbox process that imports numpy and exits: ``--starts`` timed
   starts through ``find_isolation()`` (bubblewrap) and through
   ``isolation.unisolated()`` (the plain child ``--no-isolation`` uses),
   one after the other.

lossedu figures are the median of ``--repeat`` runs (default 1); nbgrader
is run once per lesson (it takes minutes).  With ``--no-isolation`` every lossedu run
is unisolated and section 7 is skipped (for machines without bubblewrap).
Every run grades with ``--seed 1234``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from classroom_fixtures.dask_cluster import DaskCluster  # noqa: E402
from classroom_fixtures.sample_class import (CORRECT, WRONG, Learner, answers,  # noqa: E402
                                             canvas_zip, notebook)

SEED = "1234"
LESSON_01 = "01-loss-vs-cost"
LESSON_05 = "05-categorical-cross-entropy"


# ---------------------------------------------------------------------------
# the generated classes
# ---------------------------------------------------------------------------

def read_release(slug: str) -> dict:
    """The learners' version of a lesson (notebooks/, made by ``course.py release``)."""
    return json.loads((ROOT / "notebooks" / slug / f"{slug}.ipynb").read_text(encoding="utf-8"))


def solution_answers(slug: str) -> dict:
    """``{function: source}``: the solution notebook's answer cells, markers removed."""
    source = json.loads((ROOT / "solutions" / slug / f"{slug}.ipynb").read_text(encoding="utf-8"))
    result = {}
    for cell in source["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
        if not grade_id.startswith("answer_"):
            continue
        text = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        lines = [line for line in text.splitlines()
                 if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")]
        result[grade_id[len("answer_"):]] = "\n".join(lines) + "\n"
    return result


def edited(source: str, old: str, new: str) -> str:
    if source.count(old) != 1:
        raise SystemExit(f"the solution changed: {old!r} is not found exactly once in\n{source}")
    return source.replace(old, new)


@dataclass
class Variant:
    answers: dict
    total: float            # the points this learner must get


def variants_01() -> list:
    return [Variant(CORRECT, 6.0),
            Variant(answers(cost=WRONG["cost"]), 5.0),
            Variant(answers(predict=WRONG["predict"],
                            gradient_descent_step=WRONG["gradient_descent_step"]), 2.0)]


def variants_05() -> list:
    right = solution_answers(LESSON_05)
    # cost: a sum instead of the mean over samples (2 points)
    cce = edited(right["categorical_cross_entropy"], "-np.mean(np.sum(", "-np.sum(np.sum(")
    # the gradient of the mean without the 1/n (3 points); no other exercise calls it
    grad = edited(right["categorical_cross_entropy_with_logits_grad"],
                  "(softmax(logits, axis=1) - y_true) / logits.shape[0]",
                  "softmax(logits, axis=1) - y_true")
    return [Variant(right, 12.0),
            Variant({**right, "categorical_cross_entropy": cce}, 10.0),
            Variant({**right, "categorical_cross_entropy": cce,
                     "categorical_cross_entropy_with_logits_grad": grad}, 7.0)]


@dataclass
class Class:
    slug: str
    notebooks: list         # (learner id, notebook bytes)
    expected: dict          # learner id -> total points
    download: Path | None = None

    @property
    def size(self) -> int:
        return len(self.notebooks)


def make_class(slug: str, variants: list, count: int, folder: Path, first_id: int) -> Class:
    release = read_release(slug)
    made = [variant_notebook(release, variants[index % 3]) for index in range(3)]
    notebooks, expected = [], {}
    for index in range(count):
        learner = str(first_id + index)
        notebooks.append((learner, made[index % 3]))
        expected[learner] = variants[index % 3].total
    group = Class(slug, notebooks, expected)
    group.download = canvas_zip(
        [Learner(f"learner{learner}", learner, {f"{slug}.ipynb": data}, {}, "ok")
         for learner, data in notebooks], folder / f"{slug}-{count}.zip")
    return group


def variant_notebook(release: dict, variant: Variant) -> bytes:
    return notebook(release, variant.answers)


# ---------------------------------------------------------------------------
# running commands: time, peak memory, per-process peaks
# ---------------------------------------------------------------------------

def environment(cache: Path | None = None) -> dict:
    env = dict(os.environ)
    env.pop("LOSSEDU_DB_URL", None)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    if cache is not None:
        env["XDG_CACHE_HOME"] = str(cache)
    return env


class TreeSampler(threading.Thread):
    """Peak resident set (VmHWM) of every process under ``root``, read from /proc.

    Kinds: ``grader`` (the root), ``worker`` (a pool worker: a child of the
    root running the root's own command line, seen in at least 3 samples; a
    copy caught between fork and exec of a sandbox start is seen once),
    ``sandbox`` (the learner's interpreter).  bwrap and setpriv are left out.
    """

    def __init__(self, root: int, interval: float = 0.25):
        super().__init__(daemon=True)
        self.root, self.interval = root, interval
        self.peaks: dict = {}           # (pid, kind) -> [peak kB, samples]
        self.done = threading.Event()
        self._root_command = None

    @staticmethod
    def _children() -> dict:
        children = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", "rb") as handle:
                    stat = handle.read().decode("utf-8", "replace")
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry))
        return children

    def _kind(self, pid: int, parent: int) -> str | None:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                command = handle.read()
        except OSError:
            return None
        if pid == self.root:
            self._root_command = command
            return "grader"
        text = command.replace(b"\0", b" ").decode("utf-8", "replace")
        if "_sandbox_child" in text or "/sandbox/program/" in text:
            return "sandbox"
        if parent == self.root and command == self._root_command:
            return "worker"
        return None                 # bwrap, setpriv, anything else

    @staticmethod
    def _hwm(pid: int) -> int | None:
        try:
            with open(f"/proc/{pid}/status", encoding="utf-8") as handle:
                for line in handle:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1])
        except OSError:
            return None
        return None

    def run(self):
        while not self.done.is_set():
            children = self._children()
            todo = [(self.root, None)]
            while todo:
                pid, parent = todo.pop()
                todo.extend((child, pid) for child in children.get(pid, ()))
                kind = self._kind(pid, parent)
                peak = self._hwm(pid) if kind else None
                if peak is not None:
                    entry = self.peaks.setdefault((pid, kind), [0, 0])
                    entry[0], entry[1] = max(entry[0], peak), entry[1] + 1
            self.done.wait(self.interval)

    def largest(self) -> dict:
        """``{kind: (peak MB of the largest, number of such processes seen)}``."""
        result = {}
        for (_, kind), (peak, samples) in self.peaks.items():
            if kind == "worker" and samples < 3:
                continue
            largest, count = result.get(kind, (0.0, 0))
            result[kind] = (max(largest, peak / 1024), count + 1)
        return result


@dataclass
class Ran:
    seconds: float
    max_rss_mb: float                   # largest peak RSS of any process of the tree
    peaks: dict = field(default_factory=dict)   # TreeSampler.largest()
    stdout: str = ""


def run(command: list, cwd: Path, env: dict, *, sample: bool = False, log: str = "run") -> Ran:
    out_path, err_path = cwd / f"{log}.stdout", cwd / f"{log}.stderr"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                   stdout=out, stderr=err)
        sampler = TreeSampler(process.pid) if sample else None
        if sampler:
            sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
    if sampler:
        sampler.done.set()
        sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, command))} failed ({process.returncode}):\n"
                         f"{err_path.read_text(errors='replace')[-3000:]}")
    return Ran(seconds, usage.ru_maxrss / 1024, sampler.largest() if sampler else {},
               out_path.read_text(errors="replace"))


# ---------------------------------------------------------------------------
# lossedu grade
# ---------------------------------------------------------------------------

#: ``lossedu grade --no-isolation`` only *allows* grading unisolated: where bubblewrap
#: works it still isolates.  To grade unisolated on such a machine, this runs the CLI
#: with the bubblewrap probe answering "unavailable" (what a machine without bubblewrap
#: says), so every learner gets the plain child of ``isolation.unisolated``.
UNISOLATED_CLI = """\
import sys
import lossedu.classroom.isolation as isolation
isolation._probe_bubblewrap = lambda bwrap: (None, "switched off by benchmarks/grading.py")
from lossedu.cli import main
sys.argv[0] = "lossedu"
sys.exit(main())
"""


class Lossedu:
    def __init__(self, scratch: Path, isolated: bool):
        self.folder = scratch / "lossedu"
        self.folder.mkdir()
        self.env = environment(scratch / "xdg-cache")
        self.isolated = isolated
        self.count = 0

    def grade(self, group: Class, *options: str, isolated: bool | None = None,
              sample: bool = False) -> Ran:
        isolated = self.isolated if isolated is None else isolated
        self.count += 1
        output = self.folder / f"run{self.count}"
        cli = ["-m", "lossedu"] if isolated else ["-c", UNISOLATED_CLI]
        command = [sys.executable, *cli, "grade", group.slug[:2], str(group.download),
                   "--output", str(output), "--seed", SEED, *options]
        if not isolated:
            command.append("--no-isolation")
        ran = run(command, self.folder, self.env, sample=sample, log=f"run{self.count}")
        scores = read_lossedu(output / "grades.csv")
        agree(scores, group.expected, f"lossedu grade {' '.join(options)} ({group.slug})")
        said = (output / "summary.txt").read_text(encoding="utf-8")
        if isolated == ("NOT ISOLATED" in said):
            raise SystemExit(f"lossedu grade ran {'un' if isolated else ''}isolated, "
                             f"not as asked:\n{said}")
        return ran

    def median(self, group: Class, repeat: int, *options: str, **keywords) -> Ran:
        runs = [self.grade(group, *options, **keywords) for _ in range(repeat)]
        runs.sort(key=lambda ran: ran.seconds)
        middle = runs[len(runs) // 2]
        peaks = {}
        for ran in runs:
            for kind, (mb, count) in ran.peaks.items():
                peaks[kind] = (max(mb, peaks.get(kind, (0.0, 0))[0]), count)
        return Ran(statistics.median(ran.seconds for ran in runs),
                   max(ran.max_rss_mb for ran in runs), peaks, middle.stdout)


    def paired(self, group: Class, pairs: int, *options: str) -> tuple:
        """Median seconds isolated and unisolated, of ``pairs`` runs each, alternating."""
        isolated, plain = [], []
        for _ in range(pairs):
            isolated.append(self.grade(group, *options, isolated=True).seconds)
            plain.append(self.grade(group, *options, isolated=False).seconds)
        return statistics.median(isolated), statistics.median(plain)


def read_lossedu(path: Path) -> dict:
    with open(path, newline="", encoding="utf-8") as handle:
        return {row["learner"]: float(row["score"]) for row in csv.DictReader(handle)}


#: Disagreements found; printed as they are found, and the run exits 1 at the end.
FAILURES: list = []


def agree(scores: dict, expected: dict, what: str) -> None:
    wrong = {learner: (scores.get(learner), total) for learner, total in expected.items()
             if scores.get(learner) is None or abs(scores[learner] - total) > 1e-9}
    extra = sorted(set(scores) - set(expected))
    if wrong or extra:
        sample = dict(list(wrong.items())[:10])
        message = (f"{what}: scores differ from the expected totals (learner: (got, "
                   f"expected)) {sample}; unexpected learners {extra[:10]}")
        print(f"  FAILED: {message}", flush=True)
        FAILURES.append(message)


# ---------------------------------------------------------------------------
# stock nbgrader
# ---------------------------------------------------------------------------

def nbgrader(group: Class, folder: Path) -> tuple:
    """Seconds of autograde + generate_feedback, and ``nbgrader export``'s scores."""
    folder.mkdir(parents=True)
    (folder / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        "c.CourseDirectory.source_directory = 'solutions'\n"
        "c.CourseDirectory.release_directory = 'release'\n"
        "c.Execute.timeout = 60\n", encoding="utf-8")
    shutil.copytree(ROOT / "solutions" / group.slug, folder / "solutions" / group.slug,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    command = [sys.executable, "-m", "nbgrader"]
    env = environment()
    run(command + ["generate_assignment", group.slug, "--force"], folder, env, log="generate")
    for learner, data in group.notebooks:
        target = folder / "submitted" / learner / group.slug
        target.mkdir(parents=True)
        (target / f"{group.slug}.ipynb").write_bytes(data)
    seconds = run(command + ["autograde", group.slug, "--create"], folder, env,
                  log="autograde").seconds
    seconds += run(command + ["generate_feedback", group.slug], folder, env,
                   log="feedback").seconds
    run(command + ["export", "--to", "export.csv"], folder, env, log="export")
    with open(folder / "export.csv", newline="", encoding="utf-8") as handle:
        scores = {row["student_id"]: float(row["score"]) for row in csv.DictReader(handle)
                  if row["assignment"] == group.slug}
    return seconds, scores


# ---------------------------------------------------------------------------
# Dask
# ---------------------------------------------------------------------------

def dask_installed() -> bool:
    try:
        import distributed  # noqa: F401
    except ImportError:
        return False
    return True


# ---------------------------------------------------------------------------
# the bare cost of one sandbox
# ---------------------------------------------------------------------------

IMPORT_NUMPY = """\
import os, sys
sys.path.append(os.environ["LOSSEDU_SANDBOX_SITE"])
import numpy
"""


def sandbox_starts(isolation, script: Path, count: int) -> float:
    """Median seconds of starting ``script`` in ``isolation`` until it has exited."""
    from lossedu.classroom.isolation import Limits

    def once() -> float:
        started = time.perf_counter()
        process = isolation.start(script, [], limits=Limits())
        code = process.wait(timeout=120)
        seconds = time.perf_counter() - started
        if code != 0:
            raise SystemExit(f"the sandbox ({isolation.description}) exited with {code}")
        return seconds

    once()      # warm the file cache and the isolation's own one-time set-up
    return statistics.median(once() for _ in range(count))


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------

def main() -> None:
    first_line, _, rest = __doc__.partition("\n")
    parser = argparse.ArgumentParser(description=first_line,
                                     epilog=rest.split("One run generates")[0].strip(),
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learners", type=int, default=30,
                        help="learners per class of lessons 01 and 05 (default 30, at least 3)")
    parser.add_argument("--big", type=int, default=1000,
                        help="learners of the big class of lesson 01 (default 1000; 0 skips)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="lossedu runs per figure, the median is shown (default 1)")
    parser.add_argument("--starts", type=int, default=20,
                        help="timed sandbox starts of each kind (default 20)")
    parser.add_argument("--no-isolation", action="store_true",
                        help="grade without isolation (where bubblewrap is unavailable); "
                             "skips the cost of isolation")
    parser.add_argument("--skip-nbgrader", action="store_true",
                        help="skip the comparison with stock nbgrader (quick runs)")
    parser.add_argument("--skip-dask", action="store_true", help="skip the Dask cluster")
    args = parser.parse_args()
    if args.learners < 3 or args.repeat < 1 or args.starts < 1 or args.big < 0:
        parser.error("--learners must be at least 3, --repeat and --starts at least 1, "
                     "--big 0 or more")

    from lossedu.classroom.isolation import IsolationUnavailable, find_isolation, unisolated

    if args.no_isolation:
        isolation = None
        where = "NOT ISOLATED (--no-isolation)"
    else:
        try:
            isolation = find_isolation()
        except IsolationUnavailable as error:
            raise SystemExit(f"learner code cannot be isolated here ({error}); measure with "
                             "--no-isolation") from None
        where = isolation.description
    n = args.learners
    table = []                                  # (what, figure)

    def say(text: str = "") -> None:
        print(text, flush=True)

    say(f"lossedu grading benchmark: {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.1f}, Python {sys.version.split()[0]}")
    say(f"learner code: {where}")
    say(f"lossedu figures: median of {args.repeat} runs; nbgrader: one run per lesson")
    with tempfile.TemporaryDirectory(prefix="lossedu-bench-") as scratch:
        scratch = Path(scratch)
        (scratch / "classes").mkdir()
        lossedu = Lossedu(scratch, isolated=not args.no_isolation)
        classes = {LESSON_01: make_class(LESSON_01, variants_01(), n, scratch / "classes", 5000),
                   LESSON_05: make_class(LESSON_05, variants_05(), n, scratch / "classes", 7000)}

        # -- 1 and 2: lossedu against nbgrader; the cold first run as warm-up ----------
        per_lesson = {}
        for slug, group in classes.items():
            cold = lossedu.grade(group)
            say(f"\n{slug}: class of {n} learners ({len(group.expected)} rows expected)")
            say(f"  warm-up (not counted): cold first run, building the cached template: "
                f"{cold.seconds:.1f} s")
            ours = lossedu.median(group, args.repeat)
            say(f"  lossedu grade (2 workers):               {ours.seconds / n:7.3f} s per "
                f"submission ({ours.seconds:.1f} s)")
            table.append((f"{slug[:2]}: cold first run ({n} learners)", f"{cold.seconds:.1f} s"))
            table.append((f"{slug[:2]}: lossedu grade, s/submission", f"{ours.seconds / n:.3f}"))
            if not args.skip_nbgrader:
                plain, scores = nbgrader(group, scratch / "nbgrader" / slug)
                agree(scores, group.expected, f"nbgrader export ({slug})")
                agree(read_lossedu(lossedu.folder / f"run{lossedu.count}" / "grades.csv"),
                      scores, f"lossedu grades.csv against nbgrader export ({slug})")
                say(f"  nbgrader autograde + generate_feedback:  {plain / n:7.3f} s per "
                    f"submission ({plain:.1f} s)")
                say(f"  lossedu is {plain / ours.seconds:.1f}x faster (goal: >= 20x); every "
                    f"learner's total agrees with nbgrader export")
                table.append((f"{slug[:2]}: nbgrader, s/submission", f"{plain / n:.3f}"))
                table.append((f"{slug[:2]}: speed-up over nbgrader (goal >= 20x)",
                              f"{plain / ours.seconds:.1f}x"))
            per_lesson[slug] = ours
        group = classes[LESSON_01]
        two = per_lesson[LESSON_01]

        # -- 3 and 4: throughput and memory --------------------------------------------
        one = lossedu.median(group, args.repeat, "--workers", "1", sample=True)
        two_sampled = lossedu.grade(group, "--workers", "2", sample=True)
        say(f"\nthroughput, {LESSON_01}, {n} learners:")
        say(f"  --workers 1: {n / one.seconds:6.2f} learners/s")
        say(f"  --workers 2: {n / two.seconds:6.2f} learners/s (the runs above)")
        table.append(("throughput --workers 1, learners/s", f"{n / one.seconds:.2f}"))
        table.append(("throughput --workers 2, learners/s", f"{n / two.seconds:.2f}"))
        say("\npeak memory (resident set, MB):")
        say(f"  --workers 1, whole run (wait4 ru_maxrss, the largest process of the tree: "
            f"the grader, which is the worker): {one.max_rss_mb:.0f}")
        for label, ran in (("--workers 1", one), ("--workers 2", two_sampled)):
            parts = [f"{kind} {mb:.0f} ({count} seen)"
                     for kind, (mb, count) in sorted(ran.peaks.items())]
            say(f"  {label}, largest VmHWM by kind: {', '.join(parts)}")
        worker_peak = two_sampled.peaks.get("worker", (float("nan"), 0))[0]
        sandbox_peak = max(one.peaks.get("sandbox", (0.0, 0))[0],
                           two_sampled.peaks.get("sandbox", (0.0, 0))[0])
        table.append(("peak RSS, one worker (--workers 1 run), MB", f"{one.max_rss_mb:.0f}"))
        table.append(("peak RSS, pool worker (--workers 2), MB", f"{worker_peak:.0f}"))
        table.append(("peak RSS, learner sandbox, MB", f"{sandbox_peak:.0f}"))

        # -- 6: Dask --------------------------------------------------------------------
        if args.skip_dask:
            say("\nDask: skipped (--skip-dask)")
        elif not dask_installed():
            say("\nDask: skipped, `distributed` is not installed "
                "(.venv/bin/python -m pip install -e '.[cluster]')")
            table.append(("Dask, 2 workers", "skipped: no distributed"))
        else:
            with DaskCluster(scratch / "dask", environment()) as address:
                lossedu.grade(group, "--scheduler", address)      # warm the workers' imports
                dask = lossedu.median(group, args.repeat, "--scheduler", address)
            say(f"\nDask, scheduler and 2 workers (--nthreads 1) on loopback, {n} learners:")
            say(f"  {dask.seconds / n:.3f} s per submission, {dask.seconds / two.seconds:.2f}x "
                f"the local pool's time (first run on the cluster not counted)")
            table.append(("Dask, s/submission", f"{dask.seconds / n:.3f}"))
            table.append(("Dask / local pool, time", f"{dask.seconds / two.seconds:.2f}x"))

        # -- 7: the cost of isolation ------------------------------------------------------
        if isolation is None:
            say("\ncost of isolation: skipped (--no-isolation)")
        else:
            # Isolated and unisolated runs alternate, so that both see the same load.
            pairs = max(3, args.repeat)
            iso_two, plain_two = lossedu.paired(group, pairs)
            iso_one, plain_one = lossedu.paired(group, pairs, "--workers", "1")
            per_two = (iso_two - plain_two) / n * 1000
            per_one = (iso_one - plain_one) / n * 1000
            script = scratch / "import_numpy.py"
            script.write_text(IMPORT_NUMPY, encoding="utf-8")
            isolated_start = sandbox_starts(isolation, script, args.starts)
            plain_start = sandbox_starts(unisolated("benchmark"), script, args.starts)
            say(f"\ncost of isolation, {LESSON_01}, {n} learners (goal < 50 ms per learner):")
            say(f"  --workers 2: {iso_two:.2f} s isolated, {plain_two:.2f} s --no-isolation "
                f"(medians of {pairs} alternating runs each): {per_two:+.0f} ms per learner")
            say(f"  --workers 1: {iso_one:.2f} s isolated, {plain_one:.2f} s --no-isolation "
                f"(medians of {pairs} alternating runs each): {per_one:+.0f} ms per learner")
            say(f"  one sandbox importing numpy, median of {args.starts} starts: "
                f"{isolated_start * 1000:.0f} ms isolated, {plain_start * 1000:.0f} ms "
                f"unisolated: {(isolated_start - plain_start) * 1000:+.0f} ms")
            table.append(("isolation, ms per learner (--workers 2)", f"{per_two:+.0f}"))
            table.append(("isolation, ms per learner (--workers 1)", f"{per_one:+.0f}"))
            table.append(("one sandbox start: isolated / unisolated, ms",
                          f"{isolated_start * 1000:.0f} / {plain_start * 1000:.0f}"))

        # -- 5: a big class, run last (the longest) ------------------------------------
        if args.big:
            big = make_class(LESSON_01, variants_01(), args.big, scratch / "classes", 100000)
            ran = lossedu.grade(big)
            say(f"\n{LESSON_01}: class of {args.big} learners, 2 workers: {ran.seconds:.1f} s "
                f"({ran.seconds / args.big:.3f} s per submission, "
                f"{args.big / ran.seconds:.2f} learners/s)")
            table.append((f"class of {args.big} learners, 2 workers", f"{ran.seconds:.0f} s"))

    width = max(len(what) for what, _ in table)
    say("\nsummary" + ("" if isolation else " (NOT ISOLATED)")
        + f"; load average now {os.getloadavg()[0]:.1f} (figures measured under other load "
          "are not comparable: run it on an idle machine)")
    for what, figure in table:
        say(f"  {what:<{width}}  {figure}")
    if FAILURES:
        say(f"\nFAILED: {len(FAILURES)} disagreement(s) in the scores:")
        for message in FAILURES:
            say(f"  {message}")
        sys.exit(1)
    say("every learner's total agreed in every run" + (
        "" if args.skip_nbgrader else ", and with nbgrader export"))


if __name__ == "__main__":
    main()
