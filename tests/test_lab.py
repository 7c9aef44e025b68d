"""`python3 course.py lab` as a learner runs it, and stopping it.

The launcher is started exactly as the README says (it finds .venv set up),
its terminal output is read until the first lesson's URL appears, the URL
and the lesson behind it are fetched through the server, a kernel is started
(as opening the lesson would), and then course.py is stopped the three ways
a terminal stops a program: `kill PID` (SIGTERM), Ctrl-C (SIGINT to the
terminal's foreground process group) and closing the terminal (SIGHUP).
Afterwards course.py has exited, the port does not answer, and neither the
server nor its kernel is left running.

Run as root (as CI does), course.py passes --allow-root to JupyterLab and
says so; as another user it does neither. The fast tests below check the
command line course.py builds, and that a server which ignores SIGTERM is
killed.
"""

import importlib.util
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import REPO_ROOT

_spec = importlib.util.spec_from_file_location("course", REPO_ROOT / "course.py")
course = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(course)

posix_only = pytest.mark.skipif(os.name != "posix", reason="sends POSIX signals")

FIRST_LESSON = "notebooks/01-loss-vs-cost/01-loss-vs-cost.ipynb"
LESSON_URL = re.compile(
    r"(http://127\.0\.0\.1:(\d+)/)lab/tree/" + re.escape(FIRST_LESSON) + r"\?token=([0-9a-f]+)\b"
)
ROOT_NOTICE = "course.py: running as root, so JupyterLab is started with --allow-root."
START_TIMEOUT = 120  # seconds until the URL appears (JupyterLab's first start is slow on 2 busy cores)
STOP_TIMEOUT = 30  # seconds for course.py to stop the server and exit (it waits 10 s before SIGKILL)


class Terminal:
    """What course.py prints (stdout and stderr, as in a terminal), read in the background."""

    def __init__(self, stream):
        self.lines = []
        self._queue = queue.Queue()
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream):
        try:
            for line in iter(stream.readline, ""):
                self._queue.put(line)
        except (OSError, ValueError):  # the stream was closed under the reader
            pass
        self._queue.put(None)

    def close(self, stream, timeout=10):
        """Close stream once everything that writes to it has ended (bounded wait)."""
        self._thread.join(timeout)
        if not self._thread.is_alive():
            stream.close()

    def wait_for(self, pattern, timeout):
        """The first match of pattern in a line printed within timeout seconds."""
        deadline = time.monotonic() + timeout
        for line in self.lines:
            if match := pattern.search(line):
                return match
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                line = self._queue.get(timeout=remaining)
            except queue.Empty:
                break
            if line is None:
                raise AssertionError(f"course.py ended its output without matching {pattern.pattern}:\n{self.text()}")
            self.lines.append(line)
            if match := pattern.search(line):
                return match
        raise AssertionError(f"no line matched {pattern.pattern} within {timeout} s:\n{self.text()}")

    def text(self):
        while True:
            try:
                line = self._queue.get_nowait()
            except queue.Empty:
                break
            if line is not None:
                self.lines.append(line)
        return "".join(self.lines[-80:])


def answers(url):
    """True if anything answers HTTP on url (whatever the status)."""
    try:
        with urllib.request.urlopen(url, timeout=5):
            return True
    except urllib.error.HTTPError as error:
        error.close()
        return True
    except OSError:
        return False


def get(url):
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.read()


def post(url):
    request = urllib.request.Request(url, data=b"{}", method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, json.loads(response.read())


def alive(pid):
    """True while pid runs (a zombie, dead but not yet reaped, counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    status = Path(f"/proc/{pid}/stat")
    if status.exists():
        try:
            return status.read_text().rsplit(")", 1)[1].split()[0] != "Z"
        except OSError:  # gone while reading
            return False
    return True


def pids_with_argument(text):
    """The pids of processes whose command line contains text (Linux /proc; empty elsewhere)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            command_line = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if text in command_line:
            found.append(int(entry.name))
    return found


def wait_until(condition, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def kill_all(pids):
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def lab_environment(runtime_dir):
    """The test's environment, with Jupyter's runtime files in a folder of the test's own
    and no browser to open (a headless machine, as in CI)."""
    environment = dict(os.environ)
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "JUPYTER_TOKEN", "JUPYTER_PORT"):
        environment.pop(name, None)
    environment["BROWSER"] = "true"  # should a browser be opened anyway, it is the no-op `true`
    environment["JUPYTER_RUNTIME_DIR"] = str(runtime_dir)
    return environment


def server_pid(runtime_dir, token):
    """The pid in the jpserver-<pid>.json that holds token (the server course.py started)."""
    for path in Path(runtime_dir).glob("jpserver-*.json"):
        try:
            info = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if info.get("token") == token:
            return info["pid"]
    raise AssertionError(f"no jpserver-*.json with course.py's token in {runtime_dir}")


def python3():
    return shutil.which("python3") or sys.executable


@pytest.mark.slow
@posix_only
@pytest.mark.parametrize(
    "how",
    ["kill PID (SIGTERM)", "Ctrl-C (SIGINT to the foreground process group)", "terminal closed (SIGHUP)"],
)
def test_lab_opens_the_first_lesson_and_stops_with_the_launcher(tmp_path, how):
    runtime_dir = tmp_path / "runtime"
    # Its own session, as a command line in a terminal is its own process group.
    launcher = subprocess.Popen(
        [python3(), "course.py", "lab"],
        cwd=REPO_ROOT,
        env=lab_environment(runtime_dir),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    terminal = Terminal(launcher.stdout)
    started = []  # pids of the server and its kernel, killed in `finally` whatever happens
    try:
        match = terminal.wait_for(LESSON_URL, START_TIMEOUT)
        address, port, token = match.group(1), int(match.group(2)), match.group(3)
        started.append(server_pid(runtime_dir, token))

        if os.geteuid() == 0:
            assert ROOT_NOTICE in terminal.text()
        else:
            assert ROOT_NOTICE not in terminal.text()

        status, page = get(match.group(0))
        assert status == 200
        assert b"JupyterLab" in page
        status, content = get(f"{address}api/contents/{FIRST_LESSON}?token={token}")
        assert status == 200
        model = json.loads(content)
        assert model["type"] == "notebook" and model["path"] == FIRST_LESSON
        assert any(cell["cell_type"] == "code" for cell in model["content"]["cells"])
        # Without the token the server refuses: the token in the URL is what opens it.
        with pytest.raises(urllib.error.HTTPError) as refused:
            get(f"{address}api/contents/{FIRST_LESSON}")
        refused.value.close()
        assert refused.value.code == 403

        status, kernel = post(f"{address}api/kernels?token={token}")
        assert status == 201
        kernels = []
        if Path("/proc").is_dir():
            assert wait_until(lambda: pids_with_argument(f"kernel-{kernel['id']}.json"), 60), "no kernel process"
            kernels = pids_with_argument(f"kernel-{kernel['id']}.json")
            started.extend(kernels)

        if how.startswith("kill PID"):
            os.kill(launcher.pid, signal.SIGTERM)
        elif how.startswith("Ctrl-C"):
            os.killpg(launcher.pid, signal.SIGINT)
        else:
            os.killpg(launcher.pid, signal.SIGHUP)
        try:
            code = launcher.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"course.py did not exit within {STOP_TIMEOUT} s of {how}:\n{terminal.text()}")
        assert code == 0, terminal.text()
        assert not answers(f"{address}api/status"), f"port {port} still answers after {how}"
        survivors = [pid for pid in started if alive(pid)]
        assert not survivors, f"left running after {how}: {survivors}\n{terminal.text()}"
        # A clean shutdown (not SIGKILL): the server removed its jpserver-<pid>.json.
        assert not list(runtime_dir.glob("jpserver-*.json")), terminal.text()
    finally:
        if launcher.poll() is None:
            os.killpg(launcher.pid, signal.SIGKILL)
            launcher.wait(timeout=STOP_TIMEOUT)
        kill_all(pid for pid in started if alive(pid))
        terminal.close(launcher.stdout)


@pytest.fixture
def lab_command(monkeypatch):
    """course.py lab's JupyterLab command line and token, for a given user and display.

    Nothing is started: set-up and the server are replaced by a recorder.
    """
    monkeypatch.setattr(course, "setup", lambda: None)

    def build(args=(), uid=1000, display=None, platform="linux"):
        started = {}
        monkeypatch.setattr(course, "run_lab", lambda command, token: started.update(command=command, token=token))
        monkeypatch.setattr(os, "geteuid", lambda: uid, raising=False)
        monkeypatch.setattr(course.sys, "platform", platform)
        monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
        if display is None:
            monkeypatch.delenv("DISPLAY", raising=False)
        else:
            monkeypatch.setenv("DISPLAY", display)
        course.command_lab(list(args))
        return started["command"], started["token"]

    return build


def test_lab_as_root_passes_allow_root_and_says_so(lab_command, capsys):
    command, _ = lab_command(uid=0)
    assert command.count("--allow-root") == 1
    assert capsys.readouterr().out.splitlines() == [ROOT_NOTICE]


def test_lab_as_a_user_does_not_allow_root(lab_command, capsys):
    command, _ = lab_command(uid=1000)
    assert "--allow-root" not in command
    assert ROOT_NOTICE not in capsys.readouterr().out


def test_lab_as_root_with_allow_root_given_passes_it_once(lab_command):
    command, _ = lab_command(["--allow-root"], uid=0)
    assert command.count("--allow-root") == 1


def test_lab_opens_no_browser_on_a_headless_linux_machine(lab_command):
    assert "--no-browser" in lab_command(display=None)[0]
    assert "--no-browser" not in lab_command(display=":0")[0]
    assert "--no-browser" not in lab_command(display=None, platform="darwin")[0]


def test_lab_serves_the_course_and_opens_the_first_lesson(lab_command):
    command, _ = lab_command()
    assert command[1:3] == ["-m", "jupyterlab"]
    assert f"--ServerApp.root_dir={REPO_ROOT}" in command
    assert FIRST_LESSON in command
    assert lab_command(["--ip=0.0.0.0"])[0][-1] == "--ip=0.0.0.0"  # arguments after `lab` go to JupyterLab


def test_lab_token_is_new_and_unguessable_each_time(lab_command):
    first, second = lab_command()[1], lab_command()[1]
    assert re.fullmatch(r"[0-9a-f]{48}", first) and re.fullmatch(r"[0-9a-f]{48}", second)
    assert first != second


@pytest.mark.parametrize(
    "info, expected",
    [
        ({"hostname": "localhost", "port": 8888, "base_url": "/", "secure": False}, "http://127.0.0.1:8888/"),
        ({"hostname": "0.0.0.0", "port": 8890, "base_url": "/course/", "secure": False}, "http://127.0.0.1:8890/course/"),
        ({"hostname": "::1", "port": 8888, "base_url": "/", "secure": True}, "https://[::1]:8888/"),
        ({"hostname": "lab.example.org", "port": 443, "base_url": "/", "secure": True}, "https://lab.example.org:443/"),
    ],
)
def test_server_address_from_the_servers_runtime_file(info, expected):
    assert course.server_address(info) == expected


@posix_only
def test_a_server_that_ignores_sigterm_is_killed_after_the_grace_time():
    saved = {name: signal.getsignal(getattr(signal, name)) for name in course.STOP_SIGNALS}
    stubborn = course.start_server(
        [sys.executable, "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(120)"],
        dict(os.environ),
    )
    try:
        time.sleep(1)  # let it install its handler
        began = time.monotonic()
        course.stop_server(stubborn, grace_seconds=1.0)
        assert stubborn.returncode == -signal.SIGKILL
        assert time.monotonic() - began < 10
    finally:
        for name, handler in saved.items():
            signal.signal(getattr(signal, name), handler)
        if stubborn.poll() is None:
            stubborn.kill()
            stubborn.wait()


def start_course_run(pid_file):
    """`course.py`'s run() of a command that writes its pid and sleeps, as from a terminal.

    The stop signals start at their defaults, whatever this test run itself
    was started with (under nohup, SIGHUP is ignored, and so by the command).
    """
    child = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(120)"

    def dispositions():
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGHUP, signal.SIG_DFL)

    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import importlib.util, sys\n"
            f"spec = importlib.util.spec_from_file_location('course', {str(REPO_ROOT / 'course.py')!r})\n"
            "course = importlib.util.module_from_spec(spec)\n"
            "spec.loader.exec_module(course)\n"
            f"sys.exit(course.run([sys.executable, '-c', {child!r}]))\n",
        ],
        start_new_session=True,
        preexec_fn=dispositions,
    )


@posix_only
@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGHUP"])
def test_killing_course_py_stops_the_command_it_runs(tmp_path, signal_name):
    """`kill PID` of `course.py test` (or release) does not leave pytest (or nbgrader) running."""
    pid_file = tmp_path / "child.pid"
    launcher = start_course_run(pid_file)
    child_pid = None
    try:
        assert wait_until(lambda: pid_file.exists() and pid_file.read_text(), 60), "the command did not start"
        child_pid = int(pid_file.read_text())
        os.kill(launcher.pid, getattr(signal, signal_name))
        # The command's end, passed on as a shell reports it: 128 + the signal's number.
        assert launcher.wait(timeout=STOP_TIMEOUT) == 128 + getattr(signal, signal_name)
        assert wait_until(lambda: not alive(child_pid), 10), f"the command survived {signal_name} of course.py"
    finally:
        if launcher.poll() is None:
            os.killpg(launcher.pid, signal.SIGKILL)
            launcher.wait(timeout=STOP_TIMEOUT)
        if child_pid is not None and alive(child_pid):
            os.kill(child_pid, signal.SIGKILL)
