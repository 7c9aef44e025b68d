"""The red-team class, graded end to end as an instructor grades it (issue 13).

tests/classroom_fixtures/red_team.py holds the learners: one attack on the
machine that grades them per learner, in the answer cells of lesson 01.
They are zipped as Canvas downloads them and graded by the real command, as
root (as CI runs), isolated::

    python -m lossedu grade 01 class.zip --output OUT --timeout 3 --learner-timeout 30

with an instructor's secret in the grader's environment
(``LOSSEDU_TEST_SECRET``) and in a root-only file, a TCP and UDP listener on
127.0.0.1 and an abstract unix socket listener that record anything that
reaches them, and, before the run, a symlink and a FIFO planted in the output
folder as a hostile co-tenant would plant them.  While the run lasts, every
process it starts is recorded.

For every learner: the batch completes (exit 0, a row each), its points are
its honest part only, its status says what happened.  For the class: no
connection reached a listener; nothing was created or changed outside the
sandbox (the witness folder, the planted symlink's target, the files the
sandbox can see read-only); no process of a learner outlives the run; the
secret, the solution notebook's lines and lossedu's source lines appear in no
output file; and the output files are byte-identical 5 s after the run.

Then the honest learner is regraded (``--learner``) twice at once, into folders a
co-tenant has planted: links waiting where a regrade keeps a copy of the earlier
grades.csv, and a FIFO in place of grades.csv; a link is also planted at
``OUT/previous`` before the class run.  None is followed or waited on: earlier
results go into folders the grader creates itself, and a FIFO is refused.
"""

from __future__ import annotations

import csv
import hashlib
import html
import json
import os
import secrets
import select
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from classroom_fixtures.red_team import MARKER_NAME, Targets, red_team_class
from classroom_fixtures.sample_class import (FUNCTIONS, LESSON, canvas_zip, matches,
                                             read_release)
from conftest import REPO_ROOT, solution_path

pytestmark = pytest.mark.slow

LABELS = ("honest", "control", "hooks", "rawmemory", "native", "syscalls", "procenviron",
          "network", "setsid", "planted", "killer", "latetamper", "references", "bombs",
          "framebombs", "deadlines", "forgedcells")
VICTIM_ID = "1101"
RUN_SECONDS = 240          # the whole grading run; beyond it the run counts as hung
QUIET_SECONDS = 5          # how long the results must stay unchanged after the run
SANDBOX_CHILD = REPO_ROOT / "lossedu" / "classroom" / "_sandbox_child.py"


# ---------------------------------------------------------------------------
# what the test watches: listeners, processes, files
# ---------------------------------------------------------------------------

class Listeners:
    """TCP and UDP on 127.0.0.1 (one port) and an abstract unix socket; every contact is kept."""

    def __init__(self):
        self.contacts = []
        self.tcp = socket.create_server(("127.0.0.1", 0))
        self.port = self.tcp.getsockname()[1]
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", self.port))
        self.unix_name = f"lossedu-red-team-{secrets.token_hex(6)}"
        self.unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.unix.bind("\0" + self.unix_name)
        self.unix.listen()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        sockets = (self.tcp, self.udp, self.unix)
        while not self._stop.is_set():
            ready, _, _ = select.select(sockets, [], [], 0.2)
            for ready_socket in ready:
                if ready_socket is self.udp:
                    data, sender = self.udp.recvfrom(4096)
                    self.contacts.append(("udp", str(sender), data[:200]))
                    continue
                connection, sender = ready_socket.accept()
                with connection:
                    connection.settimeout(1)
                    try:
                        data = connection.recv(4096)
                    except OSError:
                        data = b""
                kind = "tcp" if ready_socket is self.tcp else "unix"
                self.contacts.append((kind, str(sender), data[:200]))

    def check_and_clear(self):
        """Reach every listener once from here: they record what reaches them."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as connection:
            connection.sendall(b"self-check")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            sender.sendto(b"self-check", ("127.0.0.1", self.port))
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.connect("\0" + self.unix_name)
            connection.sendall(b"self-check")
        deadline = time.monotonic() + 10
        while len(self.contacts) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        kinds = sorted(kind for kind, _, data in self.contacts if data == b"self-check")
        assert kinds == ["tcp", "udp", "unix"], self.contacts
        self.contacts.clear()

    def close(self):
        self._stop.set()
        self._thread.join(timeout=5)
        for each in (self.tcp, self.udp, self.unix):
            each.close()


def _proc_stat(pid: int):
    """(parent pid, start time in clock ticks, name) of a process, or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = text[text.index("(") + 1:text.rindex(")")]
    fields = text[text.rindex(")") + 2:].split()
    return int(fields[1]), int(fields[19]), name


def _processes() -> dict:
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            info = _proc_stat(int(entry))
            if info is not None:
                found[int(entry)] = info
    return found


def _uid(pid: int):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("Uid:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _peak_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


class ProcessWatch:
    """Every descendant of the grading run, seen by polling /proc while the run lasts.

    Records ``(pid, start time)`` of each (so that a pid reused later is not
    mistaken for it), and the peak memory of the grader's own processes (root's
    descendants that are not bubblewrap or a learner).
    """

    def __init__(self, root_pid: int):
        self.root_pid = root_pid
        self.seen = {}                     # pid -> (start time, name)
        self.learner_uids = set()          # uids of the run's processes other than the grader's
        self.grader_peak_kb = {}           # pid -> VmHWM of the grader's own processes
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self):
        while not self._stop.is_set():
            self.scan()
            self._stop.wait(0.2)

    def scan(self):
        table = _processes()
        children = {}
        for pid, (parent, _, _) in table.items():
            children.setdefault(parent, []).append(pid)
        todo = [self.root_pid]
        while todo:
            pid = todo.pop()
            if pid in table:
                self.seen.setdefault(pid, (table[pid][1], table[pid][2]))
                uid = _uid(pid)
                if uid is not None and uid != os.getuid():
                    self.learner_uids.add(uid)
                if table[pid][2] != "bwrap" and uid == os.getuid():
                    self.grader_peak_kb[pid] = max(self.grader_peak_kb.get(pid, 0),
                                                   _peak_kb(pid))
            todo.extend(children.get(pid, ()))

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=5)

    def alive(self) -> dict:
        """The recorded processes still running (same pid and start time): ``{pid: name}``."""
        alive = {}
        for pid, (started, name) in self.seen.items():
            info = _proc_stat(pid)
            if info is not None and info[1] == started:
                alive[pid] = name
        return alive

    def learner_processes(self) -> dict:
        """Every process, descendant or not, running under a uid a learner of this run had."""
        found = {}
        for pid, (_, _, name) in _processes().items():
            if _uid(pid) in self.learner_uids:
                found[pid] = name
        return found


def marked_processes(folder: Path) -> dict:
    """Processes named as the survivors name themselves, or whose command line names ``folder``."""
    found = {}
    for pid, (_, _, name) in _processes().items():
        if pid == os.getpid():
            continue
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if name == MARKER_NAME or str(folder).encode() in command:
            found[pid] = f"{name}: {command[:200].decode(errors='replace')}"
    return found


def snapshot(folder: Path) -> dict:
    """Every entry under ``folder`` (never followed, never opened unless a regular file)."""
    entries = {}
    for root, folders, files in os.walk(folder):
        for name in folders + files:
            path = Path(root) / name
            info = os.lstat(path)
            relative = str(path.relative_to(folder))
            if stat.S_ISREG(info.st_mode):
                entries[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
            elif stat.S_ISLNK(info.st_mode):
                entries[relative] = "symlink -> " + os.readlink(path)
            elif stat.S_ISDIR(info.st_mode):
                entries[relative] = "folder"
            else:
                entries[relative] = f"special file {stat.filemode(info.st_mode)}"
    return entries


def file_facts(path: Path) -> tuple:
    """What a sandboxed learner might change on a file it can see: content, times, mode, xattrs."""
    info = os.stat(path)
    try:
        attributes = sorted(os.listxattr(path))
    except OSError:
        attributes = []
    return (hashlib.sha256(path.read_bytes()).hexdigest(), info.st_mtime_ns, info.st_mode,
            info.st_uid, attributes)


def output_texts(output: Path, skip_tables=()) -> dict:
    """The text of every regular file under ``output``; a database as its SQL dump.

    ``skip_tables``: tables of a database left out of its dump.
    """
    skipped = tuple(f'INSERT INTO "{table}"' for table in skip_tables)
    texts = {}
    for root, _, files in os.walk(output):
        for name in files:
            path = Path(root) / name
            if not stat.S_ISREG(os.lstat(path).st_mode):
                continue
            relative = str(path.relative_to(output))
            if path.suffix == ".db":
                connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
                try:
                    texts[relative] = "\n".join(statement for statement in connection.iterdump()
                                                if not statement.startswith(skipped))
                finally:
                    connection.close()
            else:
                texts[relative] = path.read_bytes().decode("utf-8", "replace")
    return texts


def variants(line: str) -> set:
    """A line as it can appear in an output file: as is, HTML-escaped, JSON- or SQL-quoted."""
    return {line, html.escape(line), html.escape(line, quote=False), json.dumps(line)[1:-1],
            line.replace("'", "''")}


def instructor_environment(secret: str) -> dict:
    environment = dict(os.environ)
    environment.pop("LOSSEDU_DB_URL", None)
    environment["PATH"] = str(Path(sys.executable).parent) + os.pathsep + environment["PATH"]
    environment["LOSSEDU_TEST_SECRET"] = secret
    return environment


def require_isolation():
    from lossedu.classroom.isolation import IsolationUnavailable, find_isolation

    try:
        find_isolation()
    except IsolationUnavailable as error:
        if os.environ.get("LOSSEDU_REQUIRE_ISOLATION") == "1":
            pytest.fail(f"LOSSEDU_REQUIRE_ISOLATION=1 but isolation is unavailable: {error}",
                        pytrace=False)
        pytest.skip(f"bubblewrap isolation is unavailable here: {error}")


# ---------------------------------------------------------------------------
# the run
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def red_team(tmp_path_factory):
    require_isolation()
    folder = tmp_path_factory.mktemp("red-team")
    secret = secrets.token_hex(20)
    control_mark = f"control-message-{secrets.token_hex(6)}"
    witness = folder / "witness"
    witness.mkdir()
    secret_file = folder / "instructor-secret.txt"
    secret_file.write_text(f"LOSSEDU_TEST_SECRET={secret}\n")
    secret_file.chmod(0o600)
    victim = folder / "victim.txt"
    victim.write_text("a file of the instructor's that no result may overwrite\n")
    output = folder / "results"

    # A hostile co-tenant plants links and a FIFO where the results go.
    (output / "feedback").mkdir(parents=True)
    (output / "course").mkdir()
    os.symlink(victim, output / "feedback" / f"{VICTIM_ID}.html")
    os.symlink(victim, output / "summary.txt")
    os.symlink(victim, output / "course" / "gradebook.db")
    os.symlink(victim, output / "canvas_grades.csv")
    os.mkfifo(output / "grades.csv")
    elsewhere = folder / "elsewhere"
    elsewhere.mkdir()
    os.symlink(elsewhere, output / "previous")

    visible = {path: file_facts(path) for path in (
        SANDBOX_CHILD, Path(__import__("numpy").__file__).resolve(),
        Path(sys.base_prefix) / "bin" / f"python{sys.version_info[0]}.{sys.version_info[1]}",
        Path("/usr/bin/env"), solution_path(LESSON), victim, secret_file)}
    planted_names = [place / name for place in (
        SANDBOX_CHILD.parent, Path(__import__("numpy").__file__).parent, Path("/usr"),
        Path("/"), witness) for name in ("redteam-fifo", "redteam-node", "redteam-link")]
    already = [path for path in planted_names if os.path.lexists(path)]
    assert not already, f"left from an earlier run: {already}"

    listeners = Listeners()
    listeners.check_and_clear()
    targets = Targets(output=str(output), witness=str(witness), secret_file=str(secret_file),
                      victim=str(victim), solution=str(solution_path(LESSON)),
                      repository=str(REPO_ROOT), port=listeners.port,
                      unix_name=listeners.unix_name, victim_id=VICTIM_ID)
    learners = red_team_class(read_release(REPO_ROOT), targets, control_mark)
    assert tuple(learner.label for learner in learners) == LABELS
    download = canvas_zip(learners, folder / "class.zip")

    stdout, stderr = folder / "stdout.txt", folder / "stderr.txt"
    started = time.monotonic()
    with open(stdout, "wb") as out, open(stderr, "wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "lossedu", "grade", "01", str(download), "--output",
             str(output), "--timeout", "3", "--learner-timeout", "30"],
            cwd=folder, stdout=out, stderr=err, env=instructor_environment(secret),
            start_new_session=True)
        watch = ProcessWatch(process.pid)
        try:
            returncode = process.wait(timeout=RUN_SECONDS)
            hung = False
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            returncode = process.wait(timeout=30)
            hung = True
    seconds = time.monotonic() - started
    watch.scan()
    watch.stop()

    right_after = snapshot(output)
    survivors_right_after = {**watch.alive(), **watch.learner_processes()}
    marked_right_after = marked_processes(folder)
    time.sleep(QUIET_SECONDS)
    later = snapshot(output)
    survivors_later = {**watch.alive(), **watch.learner_processes()}
    marked_later = marked_processes(folder)
    listeners.close()
    for pid in {**survivors_later, **marked_later}:   # what this run left: ended, by pid
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass

    csv_path = output / "grades.csv"
    rows = {}
    if stat.S_ISREG(os.lstat(csv_path).st_mode if os.path.lexists(csv_path) else 0):
        with open(csv_path, newline="", encoding="utf-8") as handle:
            rows = {row["learner"]: row for row in csv.DictReader(handle)}
    return {
        "folder": folder, "output": output, "secret": secret, "control_mark": control_mark,
        "witness": witness, "victim": victim, "learners": learners, "rows": rows,
        "returncode": returncode, "hung": hung, "seconds": seconds,
        "stdout": stdout.read_text(errors="replace"), "stderr": stderr.read_text(errors="replace"),
        "contacts": list(listeners.contacts), "visible_before": visible,
        "visible_after": {path: file_facts(path) for path in visible},
        "planted_names": planted_names,
        "right_after": right_after, "later": later,
        "survivors": {**survivors_right_after, **survivors_later},
        "marked": {**marked_right_after, **marked_later},
        "grader_peak_kb": dict(watch.grader_peak_kb),
        "seen": dict(watch.seen), "learner_uids": set(watch.learner_uids),
        "elsewhere": elsewhere,
    }


# ---------------------------------------------------------------------------
# the batch
# ---------------------------------------------------------------------------

def test_the_batch_completes_isolated_with_a_row_per_learner(red_team):
    assert not red_team["hung"], f"the run did not end within {RUN_SECONDS} s"
    assert red_team["returncode"] == 0, red_team["stderr"][-4000:]
    first = red_team["stderr"].splitlines()[0]
    assert first.startswith("lossedu grade: learner code runs isolated"), first
    assert sorted(red_team["rows"]) == sorted(learner.user_id for learner in red_team["learners"])
    assert f"Graded lesson {LESSON}: {len(LABELS)} learner(s)" in red_team["stdout"]


@pytest.mark.parametrize("label", LABELS)
def test_each_attacker_gets_its_honest_points_and_a_status_that_says_what_happened(
        red_team, label):
    learner = next(learner for learner in red_team["learners"] if learner.label == label)
    row = red_team["rows"][learner.user_id]
    points = {function: float(row[function]) for function in FUNCTIONS}
    assert points == {function: float(value) for function, value in learner.scores.items()}, (
        f"{label}: {row['status']}")
    assert float(row["score"]) == learner.total
    assert matches(learner.status, row["status"]), (
        f"{label}: status {row['status']!r} does not match {learner.status!r}")


def test_a_learners_message_reaches_the_feedback_so_a_leak_would_show(red_team):
    """The control: what the leak checks below look for would be found if it were there."""
    page = (red_team["output"] / "feedback" / "1102.html").read_text(encoding="utf-8")
    assert red_team["control_mark"] in page
    assert red_team["control_mark"] in output_texts(red_team["output"])["course/gradebook.db"]


# ---------------------------------------------------------------------------
# no side effect outside the sandbox
# ---------------------------------------------------------------------------

def test_nothing_reached_the_listeners(red_team):
    assert red_team["contacts"] == []


def test_nothing_was_created_or_changed_outside_the_sandbox(red_team):
    assert sorted(os.listdir(red_team["witness"])) == []
    changed = {str(path): (before, red_team["visible_after"][path])
               for path, before in red_team["visible_before"].items()
               if red_team["visible_after"][path] != before}
    assert changed == {}
    planted = [str(path) for path in red_team["planted_names"] if os.path.lexists(path)]
    assert planted == []
    canaries = [name for name in red_team["later"] if "canary" in name]
    assert canaries == []


def test_no_learner_process_outlives_the_run(red_team):
    names = {name for _, name in red_team["seen"].values()}
    assert "bwrap" in names and MARKER_NAME in names, (
        f"the watch did not see the sandboxes and the survivors ({sorted(names)}): "
        "its verdict would mean nothing")
    if os.getuid() == 0:      # a learner never runs as root: a uid of its own per sandbox
        assert len(red_team["learner_uids"]) >= len(LABELS) - 1, red_team["learner_uids"]
    assert red_team["survivors"] == {}
    assert red_team["marked"] == {}


def test_results_do_not_change_after_the_run(red_team):
    assert red_team["later"] == red_team["right_after"]


def test_planted_links_and_fifo_are_set_aside_not_followed(red_team):
    """The co-tenant's symlinks and FIFO: the victim is untouched, the run did not hang on the
    FIFO, and the results are regular files in their place."""
    output = red_team["output"]
    assert red_team["victim"].read_text() == \
        "a file of the instructor's that no result may overwrite\n"
    assert not red_team["hung"]
    for name in ("grades.csv", "summary.txt", "canvas_grades.csv", f"feedback/{VICTIM_ID}.html",
                 "course/gradebook.db"):
        assert stat.S_ISREG(os.lstat(output / name).st_mode), name
    assert float(red_team["rows"][VICTIM_ID]["score"]) == 6.0


def test_a_planted_previous_link_is_not_followed(red_team):
    """Earlier results are set aside under previous/; a link planted there leads nowhere."""
    assert sorted(os.listdir(red_team["elsewhere"])) == []


def test_the_graders_memory_stays_bounded_under_result_bombs(red_team):
    peak = max(red_team["grader_peak_kb"].values(), default=0)
    assert 0 < peak < 1024 * 1024, f"a grader process peaked at {peak / 1024:.0f} MB"


# ---------------------------------------------------------------------------
# nothing leaks into the results
# ---------------------------------------------------------------------------

def _learner_lines(learners) -> set:
    lines = set()
    for learner in learners:
        for data in learner.files.values():
            for cell in json.loads(data)["cells"]:
                source = cell["source"]
                source = "".join(source) if isinstance(source, list) else source
                lines.update(line.strip() for line in source.splitlines())
    return lines


def _release_lines() -> set:
    release = read_release(REPO_ROOT)
    lines = set()
    for cell in release["cells"]:
        source = cell["source"]
        source = "".join(source) if isinstance(source, list) else source
        lines.update(line.strip() for line in source.splitlines())
    return lines


def secret_lines(learners) -> dict:
    """Lines of the solution notebook and of lossedu's source that no output may hold.

    Distinctive lines only: long enough, not in the learner's release notebook,
    not in any learner's own cells (the feedback shows those), and for the
    source, code rather than message text (no quotes).  The sandbox's own
    script is left out: the sandbox runs it, so learner code can read it.
    """
    common = _learner_lines(learners) | _release_lines()
    solution = json.loads(solution_path(LESSON).read_text(encoding="utf-8"))
    found = {}
    for cell in solution["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = cell["source"]
        source = "".join(source) if isinstance(source, list) else source
        for line in source.splitlines():
            line = line.strip()
            if len(line) >= 16 and line not in common:
                found[line] = f"solutions/{LESSON}"
    sources = [REPO_ROOT / "lossedu" / f"{module}.py" for module in REFERENCE_MODULES] + \
        sorted((REPO_ROOT / "lossedu" / "grading").rglob("*.py"))
    for path in sources:
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if len(line) >= 30 and line not in common and not line.startswith("#") and \
                    not any(quote in line for quote in "'\""):
                found.setdefault(line, str(path.relative_to(REPO_ROOT)))
    return found


#: lossedu's modules that hold the reference implementations of exercises (the checker's
#: modules, lossedu/grading/, are searched too).
REFERENCE_MODULES = ("training", "regression", "activations", "classification", "margins",
                     "segmentation", "embeddings", "distributions", "penalties",
                     "metrics", "gradcheck")

#: What the course folder holds of the lesson itself, as nbgrader's own course folder does:
#: the instructor's solution notebook, and the gradebook's copy of the check cells with their
#: hidden tests (nbgrader's ``source_cell`` table), which learners never see; and the release
#: generated from it before any learner code ran (left out for speed: nothing of a learner
#: can reach it).
INSTRUCTOR_FOLDERS = ("course/source/", "course/release/")
INSTRUCTOR_TABLES = ("source_cell",)


def test_the_secret_is_in_no_output(red_team):
    secret = red_team["secret"]
    texts = output_texts(red_team["output"])
    assert texts, "no output file was found"
    holding = [name for name, text in texts.items() if secret in text]
    assert holding == []
    assert secret not in red_team["stdout"] and secret not in red_team["stderr"]


def found_in(text: str, needles) -> list:
    """The needles (each at least 16 characters) that occur in ``text``.

    Each needle's first 16 characters are looked up among the text's 16-character
    windows first, so that thousands of needles cost one pass over the text.
    """
    windows = {text[index:index + 16] for index in range(len(text) - 15)}
    return [needle for needle in needles if needle[:16] in windows and needle in text]


def test_no_line_of_the_solutions_or_of_lossedu_is_in_any_output(red_team):
    lines = secret_lines(red_team["learners"])
    assert len(lines) > 50, "too few distinctive lines to search for"
    texts = {name: text for name, text in output_texts(red_team["output"],
                                                       INSTRUCTOR_TABLES).items()
             if not name.startswith(INSTRUCTOR_FOLDERS)}
    texts["stdout"], texts["stderr"] = red_team["stdout"], red_team["stderr"]
    needles = {variant: f"{origin}: {line}" for line, origin in lines.items()
               for variant in variants(line)}
    leaks = {}
    for name, text in texts.items():
        for needle in found_in(text, needles):
            leaks.setdefault(name, []).append(needles[needle])
    assert leaks == {}


# ---------------------------------------------------------------------------
# regrading one learner into a folder a co-tenant has planted
# ---------------------------------------------------------------------------

class Regrade:
    """``lossedu grade 01 DOWNLOAD --output OUTPUT --learner 1101``, started now."""

    def __init__(self, red_team, download: Path, output: Path):
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "lossedu", "grade", "01", str(download), "--output",
             str(output), "--learner", VICTIM_ID, "--timeout", "3", "--learner-timeout", "30"],
            cwd=red_team["folder"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            env=instructor_environment(red_team["secret"]), start_new_session=True)

    def finish(self, deadline: float) -> dict:
        """Its outcome; ended (its process group killed) if still running at ``deadline``."""
        try:
            _, error = self.process.communicate(timeout=max(1.0, deadline - time.monotonic()))
            hung = False
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            _, error = self.process.communicate(timeout=30)
            hung = True
        return {"returncode": self.process.returncode, "hung": hung,
                "seconds": time.monotonic() - self.started,
                "stderr": error.decode(errors="replace")}


@pytest.fixture(scope="module")
def regraded(red_team):
    """Two regrades of the honest learner after the class run, each into a planted folder.

    In the run's folder, links wait at previous/<time>/grades.csv for every second of
    the next two minutes (where a regrade keeps a copy of the earlier grades.csv),
    pointing to a file of the instructor's.  In a copy of the folder, grades.csv itself
    is replaced by a FIFO.  Both regrades run at once; the FIFO's is given 20 s more
    than the other took.
    """
    import shutil
    from datetime import datetime, timedelta

    output, folder = red_team["output"], red_team["folder"]
    download = canvas_zip([red_team["learners"][0]], folder / "resubmission.zip")
    second_victim = folder / "second-victim.txt"
    second_victim.write_text("another file of the instructor's\n")

    if (output / "previous").is_symlink():              # the first plant, if still there
        os.unlink(output / "previous")
    copy = folder / "results-copy"
    shutil.copytree(output, copy, symlinks=True, ignore=lambda where, names: [
        name for name in names if stat.S_ISFIFO(os.lstat(os.path.join(where, name)).st_mode)])
    os.unlink(copy / "grades.csv")
    os.mkfifo(copy / "grades.csv")
    now = datetime.now()
    for offset in range(-2, 120):
        stamp = (now + timedelta(seconds=offset)).strftime("%Y-%m-%dT%H-%M-%S")
        (output / "previous" / stamp).mkdir(parents=True, exist_ok=True)
        if not os.path.lexists(output / "previous" / stamp / "grades.csv"):
            os.symlink(second_victim, output / "previous" / stamp / "grades.csv")

    through_links = Regrade(red_team, download, output)
    into_fifo = Regrade(red_team, download, copy)
    links = through_links.finish(time.monotonic() + 120)
    fifo = into_fifo.finish(time.monotonic() + 20)
    fifo["links_seconds"] = links["seconds"]
    return {"links": links, "second_victim": second_victim, "fifo": fifo}


def test_a_regrade_does_not_write_through_a_planted_link(regraded):
    assert regraded["second_victim"].read_text() == "another file of the instructor's\n"
    assert regraded["links"]["returncode"] == 0, regraded["links"]["stderr"][-3000:]


def test_a_regrade_does_not_hang_on_a_planted_fifo(regraded):
    assert not regraded["fifo"]["hung"], (
        f"the regrade hung on the FIFO at grades.csv (the same regrade took "
        f"{regraded['fifo']['links_seconds']:.0f} s without it)")
    assert regraded["fifo"]["returncode"] in (0, 1), regraded["fifo"]["stderr"][-3000:]
