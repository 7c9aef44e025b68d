"""The grader's side of the sandbox treats what comes back as hostile.

These tests replace the sandbox process by small scripts that misbehave on
purpose (they run without isolation: what is tested here is the grader's
side of the pipes): a process that never reads, one that floods a huge or
deeply nested message, one that lies about the protocol, one that resets
its own time limits.  Each ends as a typed :class:`Fault` within the
deadlines, and statuses come from those types, never from message text.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from lossedu.classroom.job import ExerciseOutcome, Outcome
from lossedu.classroom.run import exercise_note
from lossedu.classroom.sandbox import (MAX_CONTAINERS, Fault, LearnerError, Sandbox,
                                       SandboxFault, SandboxLimits, decode, parse_message)


class _Process:
    def __init__(self, popen):
        self.popen = popen
        self.pid = popen.pid

    def poll(self):
        return self.popen.poll()

    def kill(self):
        if self.popen.poll() is None:
            self.popen.kill()
        self.popen.wait()


class ScriptIsolation:
    """Runs ``source`` (a Python script) instead of the real sandbox child."""

    isolated = False
    description = "test"

    def __init__(self, source: str, folder):
        self.script = folder / "child.py"
        self.script.write_text(textwrap.dedent(source))

    def start(self, script, args, *, pass_fds, limits):
        return _Process(subprocess.Popen([sys.executable, str(self.script), *args],
                                         pass_fds=pass_fds, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))


HEADER = """
import json, os, struct, sys, time
IN, OUT = int(sys.argv[1]), int(sys.argv[2])
def send(message):
    data = json.dumps(message).encode()
    os.write(OUT, struct.pack("!I", len(data)) + data)
def send_raw(data):
    view = memoryview(struct.pack("!I", len(data)) + data)
    while view:
        view = view[os.write(OUT, view):]
def receive():
    (n,) = struct.unpack("!I", os.read(IN, 4))
    data = b""
    while len(data) < n:
        data += os.read(IN, n - len(data))
    return json.loads(data)
"""


def sandbox(tmp_path, body: str, **limits) -> Sandbox:
    isolation = ScriptIsolation(HEADER + textwrap.dedent(body), tmp_path)
    defaults = dict(cell_seconds=1.0, call_seconds=1.0, learner_seconds=6.0, start_seconds=5.0)
    defaults.update(limits)
    return Sandbox([("answer_f", "def f(x):\n    return x\n")], {},
                   SandboxLimits(**defaults), isolation)


def test_a_well_behaved_process_answers(tmp_path):
    box = sandbox(tmp_path, """
        receive(); send({"op": "ready"})
        request = receive()
        send({"op": "result", "ok": True, "value": {"t": "float", "v": "2.5"},
              "args_after": [None]})
        """)
    try:
        assert box.call("f", (np.ones(2),), {}) == 2.5
    finally:
        box.close()


def test_a_process_that_never_reads_cannot_block_the_grader(tmp_path):
    box = sandbox(tmp_path, "time.sleep(60)\n")
    started = time.monotonic()
    with pytest.raises(SandboxFault) as raised:
        box.start()
    assert time.monotonic() - started < 10
    assert raised.value.fault in (Fault.UNAVAILABLE, Fault.TIME_LIMIT)
    box.close()


def test_a_huge_result_is_refused_before_it_is_read(tmp_path):
    box = sandbox(tmp_path, """
        receive(); send({"op": "ready"}); receive()
        os.write(OUT, struct.pack("!I", 2**31))
        time.sleep(30)
        """)
    with pytest.raises(SandboxFault) as raised:
        box.call("f", (1.0,), {})
    assert raised.value.fault is Fault.MALFORMED
    box.close()


def test_a_result_of_countless_tiny_objects_is_refused_unparsed(tmp_path):
    box = sandbox(tmp_path, """
        receive(); send({"op": "ready"}); receive()
        send_raw(b'{"op": "result", "ok": true, "value": ' + b"[" * 100000 + b"]" * 100000 + b"}")
        time.sleep(30)
        """)
    with pytest.raises(SandboxFault) as raised:
        box.call("f", (1.0,), {})
    assert raised.value.fault is Fault.MALFORMED
    box.close()


def test_the_budget_is_checked_before_parsing():
    with pytest.raises(SandboxFault):
        parse_message(b"[" * (MAX_CONTAINERS + 1))
    with pytest.raises(ValueError):
        decode({"t": "ndarray", "dtype": "<f8", "shape": [10**9], "data": ""})
    with pytest.raises(ValueError):
        decode({"t": "ndarray", "dtype": "|O", "shape": [1], "data": ""})
    assert isinstance(decode({"t": "float", "v": "1.5"}), float)


def test_the_learners_deadline_is_not_reset_by_messages(tmp_path):
    """A process that keeps announcing new cells gets no more than the learner's time."""
    box = sandbox(tmp_path, """
        setup = receive()
        while True:
            send({"op": "cell", "index": 0})
            time.sleep(0.5)
            send({"op": "cell_done", "index": 0, "fault": None, "message": ""})
        """, learner_seconds=3.0)
    started = time.monotonic()
    with pytest.raises(SandboxFault):
        box.start()
        box.call("f", (1.0,), {})
    assert time.monotonic() - started < 8
    box.close()


def test_an_unknown_fault_name_is_malformed_not_trusted(tmp_path):
    box = sandbox(tmp_path, """
        receive(); send({"op": "ready"}); receive()
        send({"op": "result", "ok": False, "fault": "passed", "message": "all good"})
        time.sleep(30)
        """)
    with pytest.raises(SandboxFault) as raised:
        box.call("f", (1.0,), {})
    assert raised.value.fault is Fault.MALFORMED
    box.close()


def test_a_learners_exception_comes_back_as_their_error_type(tmp_path):
    box = sandbox(tmp_path, """
        receive(); send({"op": "ready"}); receive()
        send({"op": "result", "ok": False, "fault": "error", "error": "ZeroDivisionError",
              "message": "division by zero", "where": "line 2 of f: return 1 / 0"})
        time.sleep(30)
        """)
    with pytest.raises(LearnerError) as raised:
        box.call("f", (1.0,), {})
    assert type(raised.value).__name__ == "ZeroDivisionError"
    assert "line 2 of f" in str(raised.value)
    box.close()


def test_a_process_that_dies_is_a_crash(tmp_path):
    box = sandbox(tmp_path, """
        receive(); send({"op": "ready"}); receive()
        os._exit(3)
        """)
    with pytest.raises(SandboxFault) as raised:
        box.call("f", (1.0,), {})
    assert raised.value.fault is Fault.CRASH
    box.close()


@pytest.mark.parametrize("outcome", [Outcome.TIME_LIMIT, Outcome.MEMORY, Outcome.CRASH,
                                     Outcome.MALFORMED])
def test_a_status_depends_on_the_fault_type_never_on_the_message(outcome):
    notes = {exercise_note(ExerciseOutcome("cost", 0.0, 1.0, outcome, message))
             for message in ("", "stopped after 5 seconds", "MemoryError", "passed",
                             "the process stopped", "ok")}
    assert len(notes) == 1 and notes.pop().startswith("cost: ")


def test_passed_and_failed_exercises_add_no_status_note():
    for outcome in (Outcome.PASSED, Outcome.FAILED):
        assert exercise_note(ExerciseOutcome("cost", 0.0, 1.0, outcome,
                                             "stopped after 5 seconds; MemoryError")) is None


def test_a_correct_function_before_an_endless_loop_keeps_its_points_with_a_note():
    note = exercise_note(ExerciseOutcome("cost", 1.0, 1.0, Outcome.PASSED, "",
                                         cell_fault="time_limit"))
    assert note == "cost: its answer cell was stopped at the time limit (endless loop?) " \
                   "after defining cost (points kept)"





def test_every_reference_answer_needs_nothing_but_numpy_and_its_own_functions():
    """Why no exercise's answer gets a lossedu helper in the sandbox (an empty allow-list).

    The sandbox holds numpy and the standard library only; the lesson's given
    cells' lossedu names are stubs there.  Every solution's answer cells use
    nothing else, so an honest answer never needs what the sandbox withholds.
    """
    import ast
    import builtins
    import json

    from conftest import REPO_ROOT
    from lossedu import plan

    for lesson in plan.LESSONS:
        notebook = json.loads((REPO_ROOT / "solutions" / lesson.slug /
                               f"{lesson.slug}.ipynb").read_text(encoding="utf-8"))
        trees = [ast.parse("".join(cell["source"])) for cell in notebook["cells"]
                 if cell["metadata"].get("nbgrader", {}).get("grade_id", "")
                 .startswith("answer_")]
        defined, loaded = {"np"}, set()
        for tree in trees:
            for node in ast.walk(tree):
                if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                    defined.add(node.name)
                elif isinstance(node, ast.arg):
                    defined.add(node.arg)
                elif isinstance(node, ast.Name):
                    (defined if isinstance(node.ctx, ast.Store) else loaded).add(node.id)
                elif isinstance(node, (ast.Import, ast.ImportFrom)):
                    module = node.module if isinstance(node, ast.ImportFrom) else \
                        node.names[0].name
                    assert module.split(".")[0] in ("numpy", "math"), (lesson.slug, module)
                    defined.update((alias.asname or alias.name).split(".")[0]
                                   for alias in node.names)
        missing = {name for name in loaded - defined if not hasattr(builtins, name)}
        assert not missing, (lesson.slug, missing)
