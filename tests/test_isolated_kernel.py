"""nbgrader's own route grades inside bubblewrap: the ``lossedu-isolated`` kernel.

End to end, as an instructor runs it from a course folder with the course's
``nbgrader_config.py``: a learner whose answer cell tries to read
``/etc/hostname``, the course's solution notebook and ``/proc/1/environ``,
run shell commands and reach a listener on the grader's ``127.0.0.1`` (started
here), with the rest of the notebook answered correctly, is autograded by
``nbgrader autograde``. None of the attempts succeeds (the listener sees no
connection, no file appears, the cell's outputs in the autograded notebook
show each failure, no secret of the grader's environment shows), and the
correct answers still get full points in ``nbgrader export``'s grades.csv.

The configuration is checked without bubblewrap too: the opt-out variable
selects nbgrader's plain kernel, and a machine without isolation gets a
message saying how to install it or opt out.
"""

from __future__ import annotations

import csv
import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from classroom_fixtures.sample_class import CORRECT, LESSON, POINTS, answers, notebook, read_release
from conftest import REPO_ROOT

MAX_SCORE = sum(POINTS.values())
SECRET = "instructor-secret-7f3a9c"
LEARNER = "attacker"

ATTACK = '''
import os, socket, subprocess

def _attempt(label, action):
    try:
        result = action()
        print(f"ATTACK {label}: SUCCEEDED {result!r}"[:400])
    except BaseException as error:
        print(f"ATTACK {label}: FAILED {type(error).__name__}: {error}"[:400])

def _system():
    status = os.system("touch @MARKER@")
    if status != 0:
        raise OSError(f"exit status {status}")
    return status

_attempt("hostname", lambda: open("/etc/hostname").read())
_attempt("solutions", lambda: open("@SOLUTION@").read()[:80])
_attempt("environ", lambda: open("/proc/1/environ", "rb").read())
_attempt("shell", lambda: subprocess.run("touch @MARKER@", shell=True, check=True))
_attempt("system", _system)
_attempt("network", lambda: socket.create_connection(("127.0.0.1", @PORT@), timeout=5).close())
'''
ATTEMPTS = ("hostname", "solutions", "environ", "shell", "system", "network")


def _bubblewrap_or_skip():
    from lossedu.classroom.isolation import IsolationUnavailable, find_isolation

    try:
        find_isolation()
    except IsolationUnavailable as error:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no isolation on this machine: {error}")


def _nbgrader(*args: str, cwd: Path, environment: dict) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd,
                            capture_output=True, text=True, timeout=600, env=environment)
    assert result.returncode == 0, f"nbgrader {' '.join(args)}:\n{result.stderr[-4000:]}"
    return result


class _Listener:
    """A TCP listener on the grader's loopback that records every connection."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.connections = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                connection, address = self.server.accept()
            except OSError:
                continue
            self.connections.append(address)
            connection.close()

    def close(self):
        self._stop.set()
        self._thread.join()
        self.server.close()


@pytest.fixture(scope="module")
def graded_attack(tmp_path_factory):
    """The attacking learner autograded through nbgrader with the course config."""
    _bubblewrap_or_skip()
    course = tmp_path_factory.mktemp("isolated-course")
    (course / "nbgrader_config.py").write_bytes((REPO_ROOT / "nbgrader_config.py").read_bytes())
    solutions = course / "solutions" / LESSON
    solutions.mkdir(parents=True)
    solution = solutions / f"{LESSON}.ipynb"
    solution.write_bytes((REPO_ROOT / "solutions" / LESSON / f"{LESSON}.ipynb").read_bytes())
    marker = course / "shell-ran"
    listener = _Listener()
    try:
        attack = (ATTACK.replace("@MARKER@", str(marker)).replace("@SOLUTION@", str(solution))
                  .replace("@PORT@", str(listener.port)))
        submitted = course / "submitted" / LEARNER / LESSON
        submitted.mkdir(parents=True)
        (submitted / f"{LESSON}.ipynb").write_bytes(notebook(
            read_release(REPO_ROOT),
            answers(squared_error=attack + "\n" + CORRECT["squared_error"])))
        environment = dict(os.environ)
        environment.pop("LOSSEDU_DB_URL", None)
        environment.pop("LOSSEDU_NBGRADER_UNISOLATED", None)
        environment["LOSSEDU_TEST_SECRET"] = SECRET
        environment["PATH"] = str(Path(sys.executable).parent) + os.pathsep + environment["PATH"]
        _nbgrader("generate_assignment", LESSON, "--force", cwd=course, environment=environment)
        _nbgrader("autograde", LESSON, cwd=course, environment=environment)
        _nbgrader("export", cwd=course, environment=environment)
    finally:
        listener.close()
    autograded = json.loads((course / "autograded" / LEARNER / LESSON / f"{LESSON}.ipynb")
                            .read_text(encoding="utf-8"))
    with open(course / "grades.csv", newline="", encoding="utf-8") as handle:
        scores = {row["student_id"]: float(row["raw_score"]) for row in csv.DictReader(handle)}
    return {"autograded": autograded, "scores": scores, "listener": listener,
            "marker": marker}


def _outputs_text(cell) -> str:
    parts = []
    for output in cell.get("outputs", []):
        text = output.get("text", "")
        parts.append("".join(text) if isinstance(text, list) else text)
        parts.extend(output.get("traceback", []))
        for value in output.get("data", {}).values():
            parts.append("".join(value) if isinstance(value, list) else str(value))
    return "\n".join(parts)


@pytest.mark.slow
def test_learner_code_in_nbgraders_kernel_reaches_nothing_of_the_grader(graded_attack):
    cells = graded_attack["autograded"]["cells"]
    attack_cells = [cell for cell in cells if "ATTACK " in _outputs_text(cell)]
    assert len(attack_cells) == 1, "the attacking cell ran once and printed its attempts"
    lines = {line.split(":", 1)[0].removeprefix("ATTACK "): line
             for line in _outputs_text(attack_cells[0]).splitlines()
             if line.startswith("ATTACK ")}
    assert sorted(lines) == sorted(ATTEMPTS)
    for label in ("hostname", "solutions", "shell", "system", "network"):
        assert ": FAILED " in lines[label], lines[label]
    if os.geteuid() == 0:   # the kernel's uid cannot read the namespace init's (root's) environ
        assert ": FAILED " in lines["environ"], lines["environ"]
    everything = json.dumps(graded_attack["autograded"])
    assert SECRET not in everything
    assert graded_attack["listener"].connections == []
    assert not graded_attack["marker"].exists()


@pytest.mark.slow
def test_correct_answers_get_full_points_in_the_isolated_kernel(graded_attack):
    assert graded_attack["scores"] == {LEARNER: MAX_SCORE}


# ---------------------------------------------------------------------------
# the configuration, without bubblewrap
# ---------------------------------------------------------------------------

def _course_config(monkeypatch, unisolated: str | None):
    from traitlets.config import Config

    if unisolated is None:
        monkeypatch.delenv("LOSSEDU_NBGRADER_UNISOLATED", raising=False)
    else:
        monkeypatch.setenv("LOSSEDU_NBGRADER_UNISOLATED", unisolated)
    config = Config()
    namespace = {"get_config": lambda: config, "__file__": str(REPO_ROOT / "nbgrader_config.py")}
    exec(compile((REPO_ROOT / "nbgrader_config.py").read_text(encoding="utf-8"),
                 str(REPO_ROOT / "nbgrader_config.py"), "exec"), namespace)
    return config


def test_course_config_autogrades_with_the_isolated_kernel(monkeypatch):
    from lossedu.classroom.isolated_kernel import IsolatedExecute, IsolatedKernelManager

    config = _course_config(monkeypatch, None)
    assert config.Autograde.autograde_preprocessors[0] is IsolatedExecute
    execute = IsolatedExecute(config=config)
    assert execute.kernel_name == "lossedu-isolated"
    assert execute.kernel_manager_class is IsolatedKernelManager
    assert execute.timeout == 60
    manager = IsolatedKernelManager(kernel_name=execute.kernel_name, config=config)
    assert manager.transport == "ipc"
    spec = manager.kernel_spec   # found in the package, without an install step
    assert spec.argv[1:3] == ["-m", "lossedu.classroom.isolated_kernel"]
    assert spec.interrupt_mode == "message"
    assert config.Execute.kernel_name == "python3"   # nbgrader validate


def test_opting_out_grades_with_the_plain_kernel_and_says_so(monkeypatch, capsys):
    from nbgrader.preprocessors import Execute

    config = _course_config(monkeypatch, "1")
    assert config.Autograde.autograde_preprocessors[0] is Execute
    assert Execute(config=config).kernel_name == "python3"
    assert "NOT ISOLATED" in capsys.readouterr().err


def test_opt_out_variable_refuses_other_values(monkeypatch):
    with pytest.raises(ValueError, match="LOSSEDU_NBGRADER_UNISOLATED must be 1"):
        _course_config(monkeypatch, "yes")


def test_without_isolation_the_kernel_does_not_start_and_the_message_says_what_to_do(
        monkeypatch):
    import asyncio

    from lossedu.classroom import isolated_kernel, isolation

    def unavailable(**_):
        raise isolation.IsolationUnavailable("bubblewrap (bwrap) was not found. Install it")

    monkeypatch.setattr(isolation, "find_isolation", unavailable)
    manager = isolated_kernel.IsolatedKernelManager(kernel_name="lossedu-isolated")
    with pytest.raises(isolation.IsolationUnavailable) as caught:
        asyncio.run(manager.start_kernel())
    message = str(caught.value)
    assert "bwrap" in message and "LOSSEDU_NBGRADER_UNISOLATED=1" in message
    assert manager.connection_file == ""   # nothing was made


def test_launcher_refuses_a_kernel_reachable_over_tcp(tmp_path, monkeypatch, capsys):
    from lossedu.classroom import isolated_kernel, isolation

    monkeypatch.setattr(isolation, "find_isolation", lambda **_: None)
    connection = tmp_path / "kernel.json"
    connection.write_text(json.dumps({"transport": "tcp", "ip": "127.0.0.1", "key": "k"}))
    assert isolated_kernel.main(["-f", str(connection)]) == 2
    assert "needs ZMQ's ipc transport" in capsys.readouterr().err


def test_launcher_refuses_a_shared_connection_folder(tmp_path, monkeypatch, capsys):
    from lossedu.classroom import isolated_kernel, isolation

    monkeypatch.setattr(isolation, "find_isolation", lambda **_: None)
    private = tmp_path / "private"
    (private / "ipc").mkdir(parents=True)
    private.chmod(0o700)
    (private / "ipc").chmod(0o700)
    (private / "ipc" / "kernel-other.json").write_text("{}")
    connection = private / "kernel.json"
    connection.write_text(json.dumps({"transport": "ipc", "ip": str(private / "ipc" / "kernel"),
                                      "key": "k"}))
    assert isolated_kernel.main(["-f", str(connection)]) == 2
    assert "not private to this kernel" in capsys.readouterr().err
