"""OS-level isolation of learner code (lossedu.classroom.isolation).

Every test here starts tests/isolation_probe.py through Isolation.start, sends
it code on a pipe and reads what the code found back as JSON. The isolated
tests are skipped when bubblewrap is unavailable, unless
LOSSEDU_REQUIRE_ISOLATION=1 (set by .ci/run), which turns the skip into a
failure.
"""
import errno
import json
import os
import secrets
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import pytest

from lossedu.classroom import isolation as isolation_module
from lossedu.classroom.isolation import (
    SANDBOX_SITE_VARIABLE, IsolationUnavailable, Limits, describe_isolation, find_isolation,
    unisolated)

from conftest import REPO_ROOT, solution_path

PROBE = Path(__file__).resolve().parent / "isolation_probe.py"
SOLUTION = solution_path("01-loss-vs-cost")
GRADER_PID = os.getpid()


@pytest.fixture(scope="module")
def isolation():
    try:
        return find_isolation()
    except IsolationUnavailable as error:
        if os.environ.get("LOSSEDU_REQUIRE_ISOLATION") == "1":
            pytest.fail(f"LOSSEDU_REQUIRE_ISOLATION=1 but isolation is unavailable: {error}",
                        pytrace=False)
        pytest.skip(f"bubblewrap isolation is unavailable here: {error}")


def read_line(fd, timeout):
    """One newline-terminated line from fd, or what came before EOF or the timeout."""
    data = b""
    deadline = time.monotonic() + timeout
    while not data.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            break
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            break
        data += chunk
    return data


def start_probe(isolation, code, *, limits=Limits(), extra_fds=()):
    """Start the probe on code; return (process, fd the result comes on)."""
    code_read, code_write = os.pipe()
    result_read, result_write = os.pipe()
    try:
        process = isolation.start(PROBE, [str(code_read), str(result_write)],
                                  pass_fds=(code_read, result_write, *extra_fds), limits=limits)
    finally:
        os.close(code_read)
        os.close(result_write)
    data = (ATTEMPT + textwrap.dedent(code)).encode()
    assert len(data) < 60_000, "probe code must fit in one pipe buffer"
    os.write(code_write, data)
    os.close(code_write)
    return process, result_read


def run_probe(isolation, code, *, limits=Limits(), extra_fds=(), timeout=60):
    """Run code in a fresh sandbox; return (its result dict, the process, killed)."""
    process, result_read = start_probe(isolation, code, limits=limits, extra_fds=extra_fds)
    try:
        line = read_line(result_read, timeout)
    finally:
        process.kill()
        os.close(result_read)
    assert line.endswith(b"\n"), f"the probe sent no complete result: {line[-300:]!r}"
    return json.loads(line)


def read_to_end(fd, timeout):
    """(what came, whether end of file came) within timeout seconds."""
    data = b""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            return data, False
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return data, True
        data += chunk


def uid_processes(uid):
    """Pids of the processes whose real uid is uid, seen from the grader."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("Uid:") and int(line.split()[1]) == uid:
                pids.append(int(entry))
    return pids


# Code every probe starts with: try something, record the exception's name or "ok".
ATTEMPT = """
def attempt(action):
    try:
        value = action()
    except BaseException as error:
        return type(error).__name__
    return "ok" if value is None else f"ok: {str(value)[:2000]}"
"""


# ---------------------------------------------------------------------------
# what the child can do
# ---------------------------------------------------------------------------

def test_numpy_imports_and_computes_and_nothing_else_of_site_packages(isolation):
    result = run_probe(isolation, """
        import sys, numpy
        # 2x + y = 3, x + 3y = 5  ->  x = 0.8, y = 1.4 (by hand)
        result["solution"] = numpy.linalg.solve([[2.0, 1.0], [1.0, 3.0]], [3.0, 5.0]).tolist()
        result["lossedu"] = attempt(lambda: __import__("lossedu"))
        result["nbgrader"] = attempt(lambda: __import__("nbgrader"))
        result["version"] = list(sys.version_info[:3])
        result["flags"] = [sys.flags.isolated, sys.flags.no_site, sys.flags.dont_write_bytecode]
    """)
    assert "error" not in result, result
    assert result["solution"] == pytest.approx([0.8, 1.4], rel=1e-12, abs=1e-12)
    assert result["lossedu"] == "ModuleNotFoundError"
    assert result["nbgrader"] == "ModuleNotFoundError"
    assert result["version"] == list(sys.version_info[:3])
    assert result["flags"] == [1, 1, 1]


def test_child_sees_none_of_the_graders_files(isolation):
    assert SOLUTION.exists()
    paths = ["/etc/hostname", "/etc/passwd", "/root", str(SOLUTION), str(REPO_ROOT),
             isolation_module.__file__, str(Path.home()), f"/proc/{GRADER_PID}/environ",
             f"/proc/{GRADER_PID}/cmdline", sys.prefix]
    # (/usr and /tmp exist inside too: a grader run from /usr/bin/python3 with HOME=/tmp)
    paths = [path for path in paths if not path.startswith(("/usr", "/tmp"))]
    result = run_probe(isolation, f"""
        import os
        paths = {paths!r}
        result["read"] = {{path: attempt(lambda: open(path, "rb").read(10)) for path in paths}}
        result["listed"] = {{path: attempt(lambda: os.listdir(path)) for path in paths}}
        result["proc"] = sorted(int(name) for name in os.listdir("/proc") if name.isdigit())
        result["root"] = sorted(os.listdir("/"))
    """)
    assert "error" not in result, result
    for path in paths:
        assert not result["read"][path].startswith("ok"), (path, result["read"][path])
        assert not result["listed"][path].startswith("ok"), (path, result["listed"][path])
    assert GRADER_PID not in result["proc"]
    # Its own pid namespace: bwrap's init, the probe, and perhaps setpriv's pid.
    assert max(result["proc"]) < 10, result["proc"]
    assert set(result["root"]) <= {"bin", "dev", "lib", "lib32", "lib64", "libx32", "proc",
                                   "sandbox", "sbin", "tmp", "usr"}, result["root"]


def test_child_cannot_reach_a_listener_on_loopback(isolation):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener, \
            socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as unix_listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        abstract = b"\0lossedu-isolation-test-" + secrets.token_hex(8).encode()
        unix_listener.bind(abstract)
        unix_listener.listen()
        result = run_probe(isolation, f"""
            import socket
            def unix():
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
                    client.connect({abstract!r})
            result["tcp"] = attempt(lambda: socket.create_connection(("127.0.0.1", {port}), 2))
            result["unix"] = attempt(unix)
            result["dns"] = attempt(lambda: socket.getaddrinfo("pypi.org", 443))
        """)
        listener.settimeout(0.5)
        unix_listener.settimeout(0.5)
        with pytest.raises(TimeoutError):
            listener.accept()
        with pytest.raises(TimeoutError):
            unix_listener.accept()
    assert "error" not in result, result
    assert result["tcp"] == "ConnectionRefusedError"
    assert result["unix"] == "ConnectionRefusedError"
    assert not result["dns"].startswith("ok"), result["dns"]


def test_child_environment_holds_no_secret_of_the_grader(isolation, monkeypatch):
    secret = "lossedu-secret-" + secrets.token_hex(16)
    monkeypatch.setenv("LOSSEDU_TEST_SECRET", secret)
    monkeypatch.setenv("PYTHONPATH", str(REPO_ROOT))
    result = run_probe(isolation, """
        import os
        result["environment"] = dict(os.environ)
        result["init"] = attempt(lambda: open("/proc/1/environ", "rb").read().decode("latin-1"))
        result["init_cmdline"] = attempt(
            lambda: open("/proc/1/cmdline", "rb").read().decode("latin-1"))
    """)
    assert "error" not in result, result
    assert secret not in json.dumps(result)
    assert set(result["environment"]) <= {
        "LANG", "PATH", "HOME", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
        "MALLOC_ARENA_MAX", SANDBOX_SITE_VARIABLE, "LD_LIBRARY_PATH", "PWD"}, result["environment"]
    assert result["environment"]["HOME"] == "/tmp"
    assert result["environment"]["PATH"] == "/usr/bin:/bin"
    # No host path shows in what the sandbox can read about its own init.
    assert str(REPO_ROOT) not in json.dumps(result)
    assert f"{sys.base_prefix}/bin/python" not in json.dumps(result)
    assert "/sandbox/python/bin/python" in result["init_cmdline"]


def test_child_can_write_only_in_its_scratch_tmpfs(isolation, tmp_path):
    tmp_path.chmod(0o777)    # even a folder everybody may write to is out of reach
    targets = ["/usr/lossedu-probe", f"{REPO_ROOT}/lossedu-probe", "/lossedu-probe",
               "/sandbox/lossedu-probe", "/sandbox/program/lossedu-probe", "/dev/lossedu-probe",
               "/dev/shm/lossedu-probe", f"{tmp_path}/lossedu-probe", "/proc/lossedu-probe"]
    result = run_probe(isolation, f"""
        import os
        def write(path, size=10):
            with open(path, "wb") as stream:
                stream.write(b"x" * size)
        targets = {targets!r}
        result["outside"] = {{path: attempt(lambda: write(path)) for path in targets}}
        result["tmp"] = attempt(lambda: write("/tmp/small"))
        result["cwd"] = os.getcwd()
        result["big"] = attempt(lambda: write("/tmp/big", 3 * 1024 * 1024))
    """, limits=Limits(scratch_mb=2))
    assert "error" not in result, result
    for path in targets:
        assert not result["outside"][path].startswith("ok"), (path, result["outside"][path])
    assert not Path("/usr/lossedu-probe").exists()
    assert not (REPO_ROOT / "lossedu-probe").exists()
    assert not (tmp_path / "lossedu-probe").exists()
    assert result["tmp"] == "ok"
    assert result["cwd"] == "/tmp"
    # 3 MB into a 2 MB scratch: RLIMIT_FSIZE (SIGXFSZ is ignored by Python) or a full tmpfs.
    assert result["big"] == "OSError", result["big"]


def test_child_runs_unprivileged(isolation):
    process, result_read = start_probe(isolation, """
        import os
        result["status"] = open("/proc/self/status").read()
        result["uid"] = [os.getuid(), os.geteuid(), os.getgid(), os.getegid()]
        result["groups"] = os.getgroups()
    """)
    try:
        result = json.loads(read_line(result_read, 60))
        learner_uid = process.uid
    finally:
        process.kill()
        os.close(result_read)
    status = dict(line.split(":", 1) for line in result["status"].splitlines() if ":" in line)
    assert all(int(value) != 0 for value in status["Uid"].split()), status["Uid"]
    assert all(int(value) != 0 for value in status["Gid"].split()), status["Gid"]
    assert 0 not in result["uid"]
    assert result["groups"] in ([], [result["uid"][2]])
    for field in ("CapInh", "CapPrm", "CapEff", "CapAmb"):
        assert int(status[field], 16) == 0, (field, status[field])
    assert int(status["NoNewPrivs"]) == 1
    if os.geteuid() == 0:
        assert int(status["CapBnd"], 16) == 0
        assert learner_uid == result["uid"][0]
        assert isolation_module._LEARNER_UIDS[0] <= learner_uid < isolation_module._LEARNER_UIDS[1]


def test_concurrent_learners_get_different_uids(isolation):
    if os.geteuid() != 0:
        pytest.skip("learners get uids of their own only when the grader runs as root")
    processes = [start_probe(isolation, "import time; time.sleep(30)") for _ in range(3)]
    try:
        uids = [process.uid for process, _ in processes]
        assert len(set(uids)) == 3, uids
        assert all(uid_processes(uid) for uid in uids)
    finally:
        for process, result_read in processes:
            process.kill()
            os.close(result_read)
    assert not any(uid_processes(uid) for uid in uids)


def test_child_cannot_signal_the_grader(isolation):
    result = run_probe(isolation, f"""
        import os, signal
        result["kill"] = attempt(lambda: os.kill({GRADER_PID}, signal.SIGKILL))
        result["pidfd"] = attempt(lambda: os.pidfd_open({GRADER_PID}))
        result["parent"] = os.getppid()
    """)
    assert "error" not in result, result
    assert result["kill"] == "ProcessLookupError"
    assert result["pidfd"] == "ProcessLookupError"
    assert result["parent"] != GRADER_PID


def test_fifos_and_device_nodes_only_in_tmp(isolation):
    result = run_probe(isolation, f"""
        import os, stat
        result["fifo_tmp"] = attempt(lambda: os.mkfifo("/tmp/fifo"))
        result["fifo_program"] = attempt(lambda: os.mkfifo("/sandbox/program/fifo"))
        result["fifo_repo"] = attempt(lambda: os.mkfifo({str(REPO_ROOT / "fifo")!r}))
        result["fifo_usr"] = attempt(lambda: os.mkfifo("/usr/fifo"))
        result["device_tmp"] = attempt(
            lambda: os.mknod("/tmp/null", 0o666 | stat.S_IFCHR, os.makedev(1, 3)))
        result["device_dev"] = attempt(
            lambda: os.mknod("/dev/sda-copy", 0o666 | stat.S_IFBLK, os.makedev(8, 0)))
    """)
    assert "error" not in result, result
    assert result["fifo_tmp"] == "ok"
    for name in ("fifo_program", "fifo_repo", "fifo_usr", "device_dev"):
        assert not result[name].startswith("ok"), (name, result[name])
    assert result["device_tmp"] == "PermissionError"   # no CAP_MKNOD
    assert not (REPO_ROOT / "fifo").exists()


def test_ctypes_works_but_reaches_nothing_outside(isolation):
    result = run_probe(isolation, f"""
        import ctypes, ctypes.util, os
        libc = ctypes.CDLL(None, use_errno=True)
        buffer = ctypes.create_string_buffer(b"sandbox")
        ctypes.memmove(buffer, b"SAND", 4)
        result["memmove"] = buffer.value.decode()
        result["open"] = [libc.open(b"/etc/hostname", 0), ctypes.get_errno()]
        result["open_repo"] = [libc.open({str(SOLUTION).encode()!r}, 0), ctypes.get_errno()]
        result["kill"] = [libc.kill({GRADER_PID}, 9), ctypes.get_errno()]
        result["getuid"] = libc.getuid()
        result["unlink"] = [libc.unlink(b"/usr/bin/python3"), ctypes.get_errno()]
    """)
    assert "error" not in result, result
    assert result["memmove"] == "SANDbox"
    assert result["open"] == [-1, errno.ENOENT]
    assert result["open_repo"] == [-1, errno.ENOENT]
    assert result["kill"] == [-1, errno.ESRCH]
    assert result["getuid"] != 0
    assert result["unlink"][0] == -1
    assert Path("/usr/bin/python3").exists() or not Path("/usr/bin/python3").is_symlink()


def test_child_cannot_make_namespaces_or_mounts(isolation):
    result = run_probe(isolation, """
        import ctypes, os
        libc = ctypes.CDLL(None, use_errno=True)
        def call(function, *args):
            return [function(*args), ctypes.get_errno()]
        result["userns"] = call(libc.unshare, 0x10000000)          # CLONE_NEWUSER
        result["netns"] = call(libc.unshare, 0x40000000)           # CLONE_NEWNET
        result["mount"] = call(libc.mount, b"none", b"/tmp", b"tmpfs", 0, None)
        result["hostname"] = os.uname().nodename
    """)
    assert "error" not in result, result
    if isolation.disable_userns:
        assert result["userns"][0] == -1, result["userns"]
    assert result["netns"] == [-1, errno.EPERM]
    assert result["mount"] == [-1, errno.EPERM]
    assert result["hostname"] == "lossedu-sandbox"


def test_seccomp_denies_the_listed_calls_and_other_abis(isolation):
    if isolation.seccomp is None:
        pytest.skip("no seccomp table for this architecture")
    numbers = {"x86_64": {"io_uring_setup": 425, "bpf": 321, "perf_event_open": 298,
                          "keyctl": 250, "userfaultfd": 323, "getpid": 39},
               "aarch64": {"io_uring_setup": 425, "bpf": 280, "perf_event_open": 241,
                           "keyctl": 219, "userfaultfd": 282, "getpid": 172}}[os.uname().machine]
    result = run_probe(isolation, f"""
        import ctypes, os
        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
        numbers = {numbers!r}
        def call(number, *args):
            ctypes.set_errno(0)
            return [libc.syscall(ctypes.c_long(number), *args), ctypes.get_errno()]
        result["denied"] = {{name: call(number, 0, 0, 0, 0, 0)
                            for name, number in numbers.items() if name != "getpid"}}
        result["getpid"] = call(numbers["getpid"]) + [os.getpid()]
        result["x32_getpid"] = call(0x40000000 | numbers["getpid"])
        result["status"] = [line for line in open("/proc/self/status")
                            if line.startswith("Seccomp:")]
    """)
    assert "error" not in result, result
    for name, (value, error_number) in result["denied"].items():
        assert (value, error_number) == (-1, errno.EPERM), name
    assert result["getpid"][0] == result["getpid"][2]      # ordinary calls still work
    if os.uname().machine == "x86_64":
        assert result["x32_getpid"] == [-1, errno.ENOSYS]
    assert result["status"] == ["Seccomp:\t2\n"]


def test_seccomp_program_is_well_formed():
    """Every jump lands inside the program, which ends in returns, per architecture."""
    import struct
    for machine in ("x86_64", "aarch64"):
        program = isolation_module._seccomp_program(machine)
        instructions = list(struct.iter_unpack("=HBBI", program))
        for position, (code, true, false, _) in enumerate(instructions):
            if code & 0x07 == 0x05:          # BPF_JMP
                assert position + 1 + max(true, false) < len(instructions)
        assert [code for code, *_ in instructions[-2:]] == [0x06, 0x06]
        # The calls a numpy computation needs are not in the list.
        denied = {row[0 if machine == "x86_64" else 1]
                  for row in isolation_module._DENIED_CALLS.values()}
        assert not denied & ({0, 1, 3, 9, 11, 56, 57, 59, 435} if machine == "x86_64" else
                             {63, 64, 57, 222, 215, 220, 221, 435})
    assert isolation_module._seccomp_program("riscv64") is None


# ---------------------------------------------------------------------------
# limits and killing
# ---------------------------------------------------------------------------

SLEEPERS = """
import os, sys, time
keep_alive = {keep_alive}
for _ in range(30):
    if os.fork() == 0:               # child: a new session, then a double fork
        os.setsid()
        if os.fork() == 0:
            os.write(keep_alive, b"+")   # one byte per sleeper that runs
            time.sleep({sleep})
            try:                     # not even visible from here, but try
                with open({canary!r}, "w") as stream:
                    stream.write("survived")
            except OSError:
                pass
            time.sleep(60)
        os._exit(0)
    os.wait()
# Report, then stay alive: when the learner's main process ends, its pid
# namespace ends with it, which would kill the sleepers before kill() does.
os.write(int(sys.argv[2]), b'{{"started": true}}\\n')
time.sleep(60)
"""


def test_kill_ends_every_process_the_learner_started(isolation, tmp_path):
    canary = tmp_path / "canary"
    keep_alive_read, keep_alive_write = os.pipe()
    code = SLEEPERS.format(keep_alive=keep_alive_write, sleep=3, canary=str(canary))
    try:
        process, result_read = start_probe(isolation, code, limits=Limits(processes=64),
                                           extra_fds=(keep_alive_write,))
        os.close(keep_alive_write)
        try:
            result = json.loads(read_line(result_read, 60))
            assert result == {"started": True}
            # Thirty sleepers run, each holding the pipe's write end.
            started = b""
            while len(started) < 30:
                assert select.select([keep_alive_read], [], [], 30)[0], started
                started += os.read(keep_alive_read, 64)
            assert started == b"+" * 30
            assert not select.select([keep_alive_read], [], [], 0.2)[0]
            learner_uid = process.uid
            killed_at = time.monotonic()
        finally:
            process.kill()
            os.close(result_read)
        # End of file once the last holder of the write end is dead.
        assert select.select([keep_alive_read], [], [], 10)[0], "sleepers survived the kill"
        assert os.read(keep_alive_read, 64) == b""
        assert time.monotonic() - killed_at < 3
        if learner_uid is not None:
            assert uid_processes(learner_uid) == []
        time.sleep(3.5)     # past the sleepers' wake-up time
        assert not canary.exists()
        process.kill()      # idempotent
    finally:
        os.close(keep_alive_read)


def test_background_processes_end_with_the_learners_main_process(isolation, tmp_path):
    keep_alive_read, keep_alive_write = os.pipe()
    code = SLEEPERS.format(keep_alive=keep_alive_write, sleep=3, canary=str(tmp_path / "canary"))
    code = code.rsplit("time.sleep(60)", 1)[0]      # the main process returns at once
    try:
        process, result_read = start_probe(isolation, code, limits=Limits(processes=64),
                                           extra_fds=(keep_alive_write,))
        os.close(keep_alive_write)
        try:
            assert process.wait(timeout=60) == 0
        finally:
            process.kill()
            os.close(result_read)
        data, ended = read_to_end(keep_alive_read, 10)
        assert ended, f"sleepers outlived the learner ({len(data)} had started)"
        assert set(data) <= {ord("+")}
    finally:
        os.close(keep_alive_read)


def test_killing_the_grader_kills_the_learner(isolation, tmp_path):
    """--die-with-parent: a grader that dies takes its learners with it."""
    keep_alive_read, keep_alive_write = os.pipe()
    grader = textwrap.dedent(f"""
        import os, sys, time
        sys.path.insert(0, {str(REPO_ROOT)!r})
        from pathlib import Path
        from lossedu.classroom.isolation import find_isolation, Limits
        code_read, code_write = os.pipe()
        result_read, result_write = os.pipe()
        process = find_isolation().start(Path({str(PROBE)!r}), [str(code_read), str(result_write)],
            pass_fds=(code_read, result_write, {keep_alive_write}), limits=Limits(processes=64))
        os.write(code_write, {SLEEPERS.format(keep_alive=keep_alive_write, sleep=3,
                                              canary=str(tmp_path / "canary"))!r}.encode())
        os.close(code_write)
        os.read(result_read, 100)
        print(process.uid, flush=True)
        time.sleep(60)
    """)
    runner = subprocess.Popen([sys.executable, "-c", grader], stdout=subprocess.PIPE,
                              pass_fds=(keep_alive_write,))
    os.close(keep_alive_write)
    try:
        line = read_line(runner.stdout.fileno(), 60)
        assert line.strip(), "the grader process did not start a learner"
        started = b""
        while len(started) < 30:
            assert select.select([keep_alive_read], [], [], 30)[0], started
            started += os.read(keep_alive_read, 64)
        os.kill(runner.pid, signal.SIGKILL)
        runner.wait()
        assert select.select([keep_alive_read], [], [], 10)[0], "learners survived the grader"
        assert os.read(keep_alive_read, 64) == b""
        if line.strip() != b"None":
            assert uid_processes(int(line)) == []
    finally:
        runner.kill()
        runner.wait()
        # A grader killed with SIGKILL cannot remove its learners' cgroups; the
        # next grader does (after a minute). Here: they must be empty, and go.
        for parent in isolation_module._cgroups().parents.values():
            for folder in parent.glob(f"lossedu-learner-{runner.pid}-*"):
                assert (folder / "cgroup.procs").read_text() == ""
                folder.rmdir()
        runner.stdout.close()
        os.close(keep_alive_read)


def test_a_learner_dies_with_the_thread_that_started_it(isolation):
    """The documented caveat of --die-with-parent: start learners from long-lived threads."""
    started = []
    thread = threading.Thread(target=lambda: started.append(
        start_probe(isolation, "import time; time.sleep(30)")))
    thread.start()
    thread.join()
    process, result_read = started[0]
    try:
        assert process.wait(timeout=10) == -signal.SIGKILL
    finally:
        process.kill()
        os.close(result_read)


def test_memory_exhaustion_raises_memory_error(isolation):
    result = run_probe(isolation, """
        import numpy
        result["bytes"] = attempt(lambda: bytearray(1 << 30))
        result["numpy"] = attempt(lambda: numpy.ones((1 << 28,)))
        result["after"] = float(numpy.ones(10).sum())
    """, limits=Limits(memory_mb=512))
    assert "error" not in result, result
    assert result["bytes"] == "MemoryError"
    assert result["numpy"] in ("MemoryError", "_ArrayMemoryError")   # numpy's is a subclass
    assert result["after"] == 10.0


def test_fork_bomb_is_stopped_by_the_process_limit(isolation):
    result = run_probe(isolation, """
        import os, time
        forked = 0
        failure = None
        for _ in range(200):
            try:
                pid = os.fork()
            except OSError as error:
                failure = error.errno
                break
            if pid == 0:           # every child forks too: a bomb, held in check
                time.sleep(20)
                os._exit(0)
            forked += 1
        result["forked"], result["failure"] = forked, failure
    """, limits=Limits(processes=8))
    assert "error" not in result, result
    assert result["failure"] == errno.EAGAIN
    assert result["forked"] < 8


def test_cpu_limit_stops_an_endless_computation(isolation):
    process, result_read = start_probe(isolation, "while True: pass",
                                       limits=Limits(cpu_seconds=1))
    try:
        code = process.wait(timeout=30)
    finally:
        process.kill()
        os.close(result_read)
    assert code in (-signal.SIGXCPU, -signal.SIGKILL), code


def test_cgroup_limits_are_set_and_removed_after_kill(isolation):
    cgroup_offer = isolation_module._cgroups()
    if not cgroup_offer.available:
        pytest.skip(f"no cgroup on this machine: {cgroup_offer.reason}")
    process, result_read = start_probe(isolation, "import time; time.sleep(30)",
                                       limits=Limits(memory_mb=300, processes=12, scratch_mb=4,
                                                     cpus=0.5))
    try:
        folders = process._cgroup.folders
        assert all(folder.is_dir() for folder in folders)
        members = process._cgroup.members()
        assert process.pid in members
        files = {path.name: path for folder in folders for path in folder.iterdir()}
        if "memory.limit_in_bytes" in files:
            assert int(files["memory.limit_in_bytes"].read_text()) == 304 * 1024 * 1024
        else:
            assert int(files["memory.max"].read_text()) == 304 * 1024 * 1024
        assert int(files["pids.max"].read_text()) == 12
        if cgroup_offer.cpu:       # half of each 100 ms period
            if "cpu.cfs_quota_us" in files:
                assert int(files["cpu.cfs_quota_us"].read_text()) == 50_000
                assert int(files["cpu.cfs_period_us"].read_text()) == 100_000
            else:
                assert files["cpu.max"].read_text().split() == ["50000", "100000"]
    finally:
        process.kill()
        os.close(result_read)
    assert not any(folder.exists() for folder in folders)


def test_cpu_quota_throttles_a_busy_learner(isolation):
    cgroup_offer = isolation_module._cgroups()
    if not cgroup_offer.cpu:
        pytest.skip("no cgroup cpu controller on this machine")
    process, result_read = start_probe(isolation, "while True: pass", limits=Limits(cpus=0.1))
    try:
        time.sleep(1.0)
        statistics = {}
        for folder in process._cgroup.folders:
            if (folder / "cpu.stat").exists():
                statistics = dict(line.split() for line in (folder / "cpu.stat").read_text()
                                  .splitlines() if len(line.split()) == 2)
                break
        assert int(statistics["nr_throttled"]) > 0, statistics
    finally:
        process.kill()
        os.close(result_read)


def test_cgroups_left_by_a_dead_grader_are_removed_but_fresh_ones_kept():
    offer = isolation_module._cgroups()
    if not offer.available:
        pytest.skip(f"no cgroup on this machine: {offer.reason}")
    parent = next(iter(offer.parents.values()))
    # 999999999 is above any pid_max, so that grader is dead.
    stale = parent / f"lossedu-learner-999999999-1000001-{secrets.token_hex(4)}"
    fresh = parent / f"lossedu-learner-999999999-1000002-{secrets.token_hex(4)}"
    stale.mkdir()
    fresh.mkdir()
    try:
        an_hour_ago = time.time() - 3600
        os.utime(stale, (an_hour_ago, an_hour_ago))
        offer._remove_stale()
        assert not stale.exists()
        assert fresh.exists()     # it may belong to a grader that just made it
    finally:
        for folder in (stale, fresh):
            if folder.exists():
                folder.rmdir()


def test_only_the_passed_descriptors_are_inherited(isolation):
    extra_read, extra_write = os.pipe()
    leaked_read, leaked_write = os.pipe()
    try:
        os.set_inheritable(leaked_write, True)
        result = run_probe(isolation, """
            import os
            result["fds"] = sorted(int(fd) for fd in os.listdir("/proc/self/fd"))
        """, extra_fds=(extra_write,))
    finally:
        for fd in (extra_read, extra_write, leaked_read, leaked_write):
            os.close(fd)
    # 0-2 (/dev/null), the result pipe, the extra one, and listdir's own (the
    # probe closed its code pipe after reading it).
    fds = result["fds"]
    assert fds[:3] == [0, 1, 2]
    assert extra_write in fds
    assert leaked_write not in fds
    assert len(fds) == 6, fds


@pytest.mark.slow
def test_isolation_for_a_grader_that_is_not_root(isolation, tmp_path):
    """This file again, with the grader as an unprivileged user (bwrap's user namespace mode)."""
    if os.geteuid() != 0:
        pytest.skip("this run is already the unprivileged one")
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    system_python = Path(f"/usr/bin/python{version}")
    if not system_python.exists() or not Path("/usr/bin/setpriv").exists():
        pytest.skip(f"needs {system_python} (the grader's Python version, readable by an "
                    f"unprivileged user) and /usr/bin/setpriv")
    site_packages = Path(pytest.__file__).resolve().parent.parent
    scratch = Path(tempfile.mkdtemp(prefix="lossedu-isolation-nobody-"))
    scratch.chmod(0o777)
    try:
        run = subprocess.run(
            ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--",
             str(system_python), "-m", "pytest", str(Path(__file__)), "-q", "-p",
             "no:cacheprovider", f"--basetemp={scratch / 'pytest'}", "-m", "not slow",
             "-W", "error"],
            env={"PATH": "/usr/bin:/bin", "HOME": str(scratch), "LANG": "C.UTF-8",
                 "PYTHONPATH": f"{REPO_ROOT}:{site_packages}", "LOSSEDU_REQUIRE_ISOLATION": "1"},
            cwd=scratch, capture_output=True, text=True, timeout=600)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if "No module named" in run.stdout + run.stderr and run.returncode == 1:
        pytest.skip(f"{system_python} cannot import the test dependencies: {run.stderr[-300:]}")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert " passed" in run.stdout


# ---------------------------------------------------------------------------
# finding isolation, and the fallback
# ---------------------------------------------------------------------------

def test_description_says_what_protects_the_grader(isolation):
    assert isolation.isolated is True
    assert isolation.description.startswith("isolated with bubblewrap ")
    assert "\n" not in isolation.description
    for word in ("pid", "net", "mount", "no capabilities", "no_new_privs", "rlimits"):
        assert word in isolation.description
    if os.geteuid() == 0:
        assert "not root" in isolation.description
    report = describe_isolation()
    assert report.splitlines()[0] == isolation.description
    assert "seccomp" in report


def test_missing_bubblewrap_raises_with_install_instructions(tmp_path):
    missing = str(tmp_path / "bwrap")
    with pytest.raises(IsolationUnavailable) as raised:
        find_isolation(bwrap=missing)
    message = str(raised.value)
    assert missing in message
    for hint in ("apt-get install bubblewrap", "dnf install bubblewrap",
                 "pacman -S bubblewrap", "WSL2", "--no-isolation", "not isolated"):
        assert hint in message, hint
    fallback = find_isolation(bwrap=missing, allow_unisolated=True)
    assert fallback.isolated is False
    assert fallback.description.startswith("NOT ISOLATED")
    assert "bubblewrap (bwrap) was not found" in fallback.description
    report = describe_isolation(bwrap=missing)
    assert "cannot be isolated" in report and "apt-get install bubblewrap" in report


def test_a_bwrap_that_cannot_make_namespaces_is_refused(tmp_path):
    fake = tmp_path / "bwrap"
    fake.write_text("#!/bin/sh\n"
                    "case \"$1\" in --version) echo 'bubblewrap 0.8.0';; "
                    "--help) echo '--args --info-fd --size --perms';; "
                    "*) echo 'bwrap: No permissions to create new namespace' >&2; exit 1;; esac\n")
    fake.chmod(0o755)
    with pytest.raises(IsolationUnavailable, match="user namespaces"):
        find_isolation(bwrap=str(fake))


def test_unisolated_fallback_runs_with_limits_and_a_clean_environment(monkeypatch):
    secret = "lossedu-secret-" + secrets.token_hex(16)
    monkeypatch.setenv("LOSSEDU_TEST_SECRET", secret)
    fallback = unisolated()
    assert fallback.isolated is False
    assert fallback.description.startswith("NOT ISOLATED (--no-isolation): learner code runs as ")
    assert "\n" not in fallback.description
    result = run_probe(fallback, """
        import os, resource, sys, numpy
        result["sum"] = float(numpy.arange(5.0).sum())
        result["lossedu"] = attempt(lambda: __import__("lossedu"))
        result["environment"] = dict(os.environ)
        result["limits"] = [resource.getrlimit(resource.RLIMIT_AS)[0],
                            resource.getrlimit(resource.RLIMIT_NOFILE)[0]]
        result["session"] = os.getsid(0) == os.getpid()
        result["bytes"] = attempt(lambda: bytearray(1 << 30))
    """, limits=Limits(memory_mb=512, open_files=32))
    assert "error" not in result, result
    assert result["sum"] == 10.0
    assert result["lossedu"] == "ModuleNotFoundError"
    assert secret not in json.dumps(result)
    assert result["limits"] == [512 * 1024 * 1024, 32]
    assert result["session"] is True
    assert result["bytes"] == "MemoryError"


def test_unisolated_kill_ends_setsid_children_through_the_cgroup(tmp_path):
    """Without namespaces, the learner's cgroup is what finds escaped sessions."""
    fallback = unisolated()
    if not fallback.cgroups.available:
        pytest.skip(f"no cgroup on this machine: {fallback.cgroups.reason}")
    keep_alive_read, keep_alive_write = os.pipe()
    code = SLEEPERS.format(keep_alive=keep_alive_write, sleep=30, canary=str(tmp_path / "canary"))
    try:
        process, result_read = start_probe(fallback, code, limits=Limits(processes=64),
                                           extra_fds=(keep_alive_write,))
        os.close(keep_alive_write)
        try:
            assert json.loads(read_line(result_read, 60)) == {"started": True}
            started = b""
            while len(started) < 30:
                assert select.select([keep_alive_read], [], [], 30)[0], started
                started += os.read(keep_alive_read, 64)
        finally:
            process.kill()
            os.close(result_read)
        _, ended = read_to_end(keep_alive_read, 10)
        assert ended, "setsid children survived the kill"
    finally:
        os.close(keep_alive_read)


def test_limits_reject_bad_values():
    with pytest.raises(ValueError, match="memory_mb must be a positive whole number, got 0"):
        Limits(memory_mb=0)
    with pytest.raises(ValueError, match="processes"):
        Limits(processes=2.5)
    with pytest.raises(ValueError, match="open_files must be at least 8"):
        Limits(open_files=3)
    with pytest.raises(ValueError, match="cpus must be a number of CPUs from 0.01 to 1024, got 0"):
        Limits(cpus=0)
