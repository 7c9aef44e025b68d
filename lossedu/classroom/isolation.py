"""Run one learner's Python process inside operating-system isolation.

The grader never trusts a guard that lives inside the learner's interpreter:
whatever Python code can reach, learner code can switch off. The boundary is
drawn by the kernel instead, with `bubblewrap`_ (``bwrap``, the sandbox under
Flatpak), around a child started as::

    python -I -S -B SCRIPT ARGS...

with the grader's own interpreter version (its base installation,
``sys.base_prefix``, never the virtual environment's site-packages).

What the child gets
-------------------
- A file system of its own: a read-only, otherwise empty root with ``/usr``
  (and the ``/bin``, ``/lib``, ``/lib64`` symlinks of a merged-/usr system)
  bound read-only; the Python base installation read-only at
  ``/sandbox/python``; numpy's package folder (and ``numpy.libs`` when the
  wheel bundles one) read-only at ``/sandbox/site``; the script alone,
  read-only, at ``/sandbox/program/NAME``; a fresh ``/proc`` of its own pid
  namespace; a minimal ``/dev`` (read-only); and an empty, size-limited tmpfs
  at ``/tmp`` (the working folder), the only writable place. Nothing of the
  course, its solutions, lossedu, the grader's home or ``/etc`` is there.
- New pid, network (only a loopback of its own), IPC, UTS (hostname
  ``lossedu-sandbox``), cgroup and mount namespaces, and a new user namespace
  when the grader is not root.
- When the grader runs as root, the learner never does: bubblewrap (as root,
  without a user namespace) builds the namespaces, then util-linux
  ``setpriv`` switches to a fresh unprivileged uid/gid drawn from
  1,000,000-1,999,999 (one per sandbox, so that learners never share a uid
  and ``RLIMIT_NPROC`` counts one learner's processes only), clears the
  supplementary groups, empties every capability set and sets
  ``no_new_privs`` before the interpreter starts. A second, unprivileged
  ``bwrap --unshare-user --disable-userns`` then forbids nested user
  namespaces (which any unprivileged uid could otherwise create, with the
  kernel surface they open); where the kernel allows no unprivileged user
  namespaces, that step is left out (the learner cannot make one either).
- When the grader is not root: bubblewrap's unprivileged mode (a user
  namespace mapping the instructor's uid), ``--cap-drop ALL``,
  ``--disable-userns``, and ``no_new_privs`` (bubblewrap always sets it).
  ``RLIMIT_NPROC`` is set inside the new user namespace with util-linux
  ``prlimit``; since Linux 5.14 it then counts the processes of that
  namespace only, not all of the instructor's. (Either way the count
  includes bubblewrap's own helper process in the sandbox.)
- rlimits, set before ``bwrap`` is executed and inherited: address space
  (``RLIMIT_AS``), CPU seconds, file size (the scratch size), open files,
  core dumps 0, processes (see above).
- Where the machine offers one, a cgroup per learner with memory and pids
  limits (cgroup v1 ``memory`` and ``pids`` hierarchies, or a cgroup v2
  subtree with both controllers delegated; set ``LOSSEDU_CGROUP_PARENT`` to
  such a v2 folder to choose it). The process enters it from ``preexec_fn``
  (it writes itself into ``cgroup.procs`` before ``bwrap`` is executed), so
  no learner code ever runs outside it. Without cgroups, the description says
  so and the rlimits and the pid namespace remain.
- No inherited file descriptors but ``pass_fds``; stdin, stdout and stderr
  are ``/dev/null``; a new session (``--new-session``, no controlling
  terminal); ``--die-with-parent``. The environment is cleared, then holds
  only ``LANG=C.UTF-8``, ``PATH=/usr/bin:/bin``, ``HOME=/tmp``, single-thread
  settings for the BLAS libraries, ``MALLOC_ARENA_MAX=2``, the
  ``LOSSEDU_SANDBOX_SITE`` variable below and, when the interpreter was built
  with a shared ``libpython`` whose run path names the real prefix,
  ``LD_LIBRARY_PATH=/sandbox/python/lib``. bubblewrap reads its options,
  which name host paths, from a pipe (``--args``), so ``/proc/1/cmdline``
  inside the sandbox shows sandbox paths only. (``/proc/self/mountinfo``
  still names the folders the binds come from: their paths, not their
  contents.)

Use
---
::

    isolation = find_isolation()            # or find_isolation(allow_unisolated=True)
    print(isolation.description)            # one line for the terminal and feedback
    process = isolation.start(CHILD_SCRIPT, [str(read_fd), str(write_fd)],
                              pass_fds=(read_fd, write_fd), limits=Limits(memory_mb=1024))
    ...                                     # talk over the pipes, with deadlines
    process.kill()                          # always: ends everything it started

How the child finds numpy
-------------------------
``-I`` ignores ``PYTHON*`` variables and ``-S`` skips site-packages, so
nothing but the standard library is importable at first. ``start`` sets the
environment variable ``LOSSEDU_SANDBOX_SITE`` (:data:`SANDBOX_SITE_VARIABLE`)
to a folder holding numpy only; the script appends it to ``sys.path`` itself::

    sys.path.append(os.environ["LOSSEDU_SANDBOX_SITE"])

The same holds without isolation (the folder then holds symlinks to numpy),
so a script behaves alike in both modes. ``args`` reach the script unchanged.

Killing
-------
:meth:`IsolatedProcess.kill` sends SIGKILL to bubblewrap's process group;
``--die-with-parent`` then kills the pid namespace's init (it also does so
when the grader dies, or the grader's *thread* that called ``start``: start
learners from long-lived threads), and the kernel
kills every process of a pid namespace whose init dies, ``setsid``-ed and
double-forked ones included. ``kill`` waits until that init is gone (through
a pidfd), kills whatever is left in the learner's cgroup, and removes the
cgroup.

seccomp
-------
A small deny-list filter, handed to the innermost ``bwrap`` (``--seccomp
FD``) as a hand-assembled BPF program (libseccomp's Python binding is not
available to the course). It does not carry the boundary -- namespaces, the
unprivileged uid, no capabilities and ``no_new_privs`` do -- but it shrinks
the kernel surface learner code can reach, which is where a local privilege
escalation would start: ``io_uring``, ``bpf``, ``perf_event_open``,
``userfaultfd``, the key-management calls, module and ``kexec`` loading, the
mount API (old and new), ``unshare``, ``setns``, ``ptrace`` and
``process_vm_readv``/``writev`` fail with EPERM. Calls from another ABI
(``int 0x80`` on x86-64, the x32 ABI) fail with ENOSYS, so the list cannot be
sidestepped through other syscall numbers. Anything else is allowed: an
allow-list for CPython and numpy would be long and break with the next
glibc. The filter exists for x86-64 and aarch64; elsewhere there is none, and
the description says so.

Without isolation
-----------------
:func:`unisolated` (``--no-isolation``), and :func:`find_isolation` with
``allow_unisolated=True`` on a machine where bubblewrap cannot work, give the
plain child: same interpreter and command line,
same environment, rlimits, a new session, ``pass_fds`` only, and the cgroup
when one can be made, but the grader's uid, files, network and processes.
Its :attr:`Isolation.description` begins with "NOT ISOLATED".

.. _bubblewrap: https://github.com/containers/bubblewrap
"""
from __future__ import annotations

import atexit
import errno
import importlib.util
import os
import platform
import re
import secrets
import select
import shutil
import signal
import stat
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
import weakref
from dataclasses import dataclass
from pathlib import Path

try:
    import resource
except ImportError:      # Windows: no rlimits, no fork; nothing here can run there
    resource = None

__all__ = [
    "IsolatedProcess", "Isolation", "IsolationUnavailable", "Limits", "SANDBOX_SITE_VARIABLE",
    "describe_isolation", "find_isolation", "unisolated",
]

#: The environment variable naming the folder the child appends to ``sys.path``.
SANDBOX_SITE_VARIABLE = "LOSSEDU_SANDBOX_SITE"

_SANDBOX_PYTHON = "/sandbox/python"
_SANDBOX_SITE = "/sandbox/site"
_SANDBOX_PROGRAM = "/sandbox/program"
_LEARNER_UIDS = (1_000_000, 2_000_000)          # [low, high): no passwd entry needed
_SETPRIV = "/usr/bin/setpriv"
_PRLIMIT = "/usr/bin/prlimit"
_CGROUP_PARENT_VARIABLE = "LOSSEDU_CGROUP_PARENT"

# seccomp: the calls denied (EPERM), by name, and their numbers per architecture.
_DENIED_CALLS = {
    #                    x86-64, aarch64
    "io_uring_setup": (425, 425), "io_uring_enter": (426, 426), "io_uring_register": (427, 427),
    "bpf": (321, 280), "perf_event_open": (298, 241), "userfaultfd": (323, 282),
    "keyctl": (250, 219), "add_key": (248, 217), "request_key": (249, 218),
    "kexec_load": (246, 104), "kexec_file_load": (320, 294),
    "init_module": (175, 105), "finit_module": (313, 273), "delete_module": (176, 106),
    "mount": (165, 40), "umount2": (166, 39), "pivot_root": (155, 41),
    "open_tree": (428, 428), "move_mount": (429, 429), "fsopen": (430, 430),
    "fsconfig": (431, 431), "fsmount": (432, 432), "fspick": (433, 433),
    "mount_setattr": (442, 442), "unshare": (272, 97), "setns": (308, 268),
    "ptrace": (101, 117), "process_vm_readv": (310, 270), "process_vm_writev": (311, 271),
}
_AUDIT_ARCHES = {"x86_64": (0xC000003E, 0), "aarch64": (0xC00000B7, 1)}
_KILL_WAIT_SECONDS = 5.0

_INSTALL_HINT = (
    "Install bubblewrap: Debian/Ubuntu `sudo apt-get install bubblewrap`, "
    "Fedora `sudo dnf install bubblewrap`, Arch `sudo pacman -S bubblewrap`. "
    "On macOS or Windows, grade on Linux: a Linux VM, WSL2, or a container started "
    "with user namespaces allowed. "
    "`lossedu grade --no-isolation` grades without it; every feedback page and the "
    "summary are then marked \"not isolated\".")

_USERNS_HINT = (
    "The kernel refused to create the namespaces. Allow unprivileged user namespaces: "
    "`sudo sysctl -w kernel.unprivileged_userns_clone=1` (Debian kernels before 6.x), "
    "`sudo sysctl -w user.max_user_namespaces=15000`, or on Ubuntu 23.10+ "
    "`sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`. Inside Docker or Podman "
    "the default seccomp profile forbids namespaces: start the container with "
    "`--security-opt seccomp=unconfined --security-opt apparmor=unconfined` (or `--privileged`). "
    "`lossedu grade --no-isolation` grades without isolation; every feedback page and the "
    "summary are then marked \"not isolated\".")


class IsolationUnavailable(Exception):
    """The machine cannot isolate learner code; the message says what is missing and what to do."""


@dataclass(frozen=True)
class Limits:
    """Per-learner resource limits.

    memory_mb: address space of each process (``RLIMIT_AS``), and the learner's
        cgroup memory limit (plus the scratch size, which a tmpfs charges to it).
    cpu_seconds: CPU time of each process (``RLIMIT_CPU``).
    processes: processes and threads of the learner (``RLIMIT_NPROC`` under the
        learner's own uid or user namespace; cgroup ``pids.max``).
    scratch_mb: size of the writable tmpfs at ``/tmp``, and ``RLIMIT_FSIZE``.
    open_files: ``RLIMIT_NOFILE``.
    cpus: CPU time per wall-clock second that all the learner's processes
        together may use (cgroup ``cpu`` quota, where the machine offers the
        controller), so that one learner's processes cannot slow a learner
        graded beside it into a timeout.
    """

    memory_mb: int = 2048
    cpu_seconds: int = 600
    processes: int = 16
    scratch_mb: int = 16
    open_files: int = 64
    cpus: float = 1.0

    def __post_init__(self):
        for name in ("memory_mb", "cpu_seconds", "processes", "scratch_mb", "open_files"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"Limits.{name} must be a positive whole number, got {value!r}")
        if (isinstance(self.cpus, bool) or not isinstance(self.cpus, (int, float))
                or not 0.01 <= self.cpus <= 1024):
            raise ValueError(f"Limits.cpus must be a number of CPUs from 0.01 to 1024, "
                             f"got {self.cpus!r}")
        if self.open_files < 8:
            raise ValueError(f"Limits.open_files must be at least 8 (the interpreter needs a "
                             f"few to start), got {self.open_files}")


# ---------------------------------------------------------------------------
# the interpreter and numpy, as the child sees them
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class _Interpreter:
    prefix: Path                 # sys.base_prefix
    executable: str              # relative to prefix, e.g. "bin/python3.11"
    shared_library: bool         # libpython is a shared library under prefix/lib
    numpy_folders: tuple         # (numpy package folder, numpy.libs folder if any)


_interpreter_cache: _Interpreter | None = None


def _interpreter() -> _Interpreter:
    global _interpreter_cache
    if _interpreter_cache is not None:
        return _interpreter_cache
    prefix = Path(sys.base_prefix)
    name = f"python{sys.version_info.major}.{sys.version_info.minor}"
    if not (prefix / "bin" / name).is_file():
        raise IsolationUnavailable(
            f"the grader's base interpreter {prefix / 'bin' / name} was not found "
            f"(sys.base_prefix is {prefix}); run the grader with a standard CPython installation")
    spec = importlib.util.find_spec("numpy")
    if spec is None or not spec.submodule_search_locations:
        raise IsolationUnavailable(
            "numpy is not installed in the grader's environment; install the course "
            "(`python3 course.py setup`) and run the grader from its .venv")
    package = Path(list(spec.submodule_search_locations)[0]).resolve()
    folders = [package]
    bundled = package.parent / "numpy.libs"
    if bundled.is_dir():
        folders.append(bundled)
    shared = bool(sysconfig.get_config_var("Py_ENABLE_SHARED"))
    _interpreter_cache = _Interpreter(prefix, f"bin/{name}", shared, tuple(folders))
    return _interpreter_cache


def _child_environment(site: str, interpreter: _Interpreter, remapped: bool) -> dict:
    environment = {
        "LANG": "C.UTF-8", "PATH": "/usr/bin:/bin", "HOME": "/tmp",
        "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "MALLOC_ARENA_MAX": "2", SANDBOX_SITE_VARIABLE: site,
    }
    if remapped and interpreter.shared_library:
        # The interpreter's run path names its real prefix, which is not there.
        environment["LD_LIBRARY_PATH"] = f"{_SANDBOX_PYTHON}/lib"
    return environment


# ---------------------------------------------------------------------------
# cgroups
# ---------------------------------------------------------------------------

def _unescape_mount(field: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda match: chr(int(match.group(1), 8)), field)


class _CgroupOffer:
    """Where this machine lets the grader make per-learner cgroups, found once."""

    def __init__(self):
        self.version = None          # "v1" or "v2"
        self.parents: dict = {}      # controller -> parent folder (v1), or {"v2": folder}
        self.cpu = False             # the cpu controller too (optional)
        self.reason = ""
        try:
            self._find()
        except OSError as error:
            self.parents, self.reason = {}, f"cgroups not readable ({error})"
        self._remove_stale()

    def _remove_stale(self):
        """Remove the empty cgroups of graders that died before removing them.

        Only those older than a minute: a grader in another pid namespace
        (whose pid looks dead from here) may have just made one, empty until
        its learner enters it.
        """
        old = time.time() - 60
        for parent in self.parents.values():
            try:
                entries = list(parent.iterdir())
            except OSError:
                continue
            for entry in entries:
                match = re.fullmatch(r"lossedu-learner-(\d+)-\d+-[0-9a-f]{8}", entry.name)
                if match is None:
                    continue
                try:
                    if entry.stat().st_mtime > old:
                        continue
                    os.kill(int(match.group(1)), 0)
                except ProcessLookupError:
                    _remove_cgroup(entry)      # fails harmlessly while it holds processes
                except OSError:
                    pass

    @property
    def available(self) -> bool:
        return bool(self.parents)

    @property
    def controllers(self) -> str:
        return "memory+pids+cpu" if self.cpu else "memory+pids"

    def _find(self):
        memberships = {}             # controller -> path of this process, "" key for v2
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            for controller in controllers.split(","):
                memberships[controller] = path
        mounts = []                  # (fstype, root, mount point, super options)
        for line in Path("/proc/self/mountinfo").read_text().splitlines():
            head, _, tail = line.partition(" - ")
            fields, tail_fields = head.split(), tail.split()
            if len(fields) >= 5 and len(tail_fields) >= 3:
                mounts.append((tail_fields[0], _unescape_mount(fields[3]),
                               _unescape_mount(fields[4]), tail_fields[2].split(",")))

        def folder(root: str, point: str, path: str):
            if path != root and not path.startswith(root.rstrip("/") + "/"):
                return None
            relative = os.path.relpath(path, root)
            candidate = Path(point) if relative == "." else Path(point) / relative
            return candidate if candidate.is_dir() and os.access(candidate, os.W_OK) else None

        v1 = {}
        for controller in ("memory", "pids", "cpu"):
            for fstype, root, point, options in mounts:
                if fstype == "cgroup" and controller in options and controller in memberships:
                    found = folder(root, point, memberships[controller])
                    if found is not None:
                        v1[controller] = found
                        break
        if "memory" in v1 and "pids" in v1:
            self.version, self.parents, self.cpu = "v1", v1, "cpu" in v1
            return
        v1.pop("cpu", None)
        chosen = os.environ.get(_CGROUP_PARENT_VARIABLE)
        for fstype, root, point, _ in mounts:
            if fstype != "cgroup2":
                continue
            parent = Path(chosen) if chosen else folder(root, point, memberships.get("", "/"))
            if parent is None or not (parent / "cgroup.subtree_control").exists():
                continue
            enabled = set((parent / "cgroup.subtree_control").read_text().split())
            missing = {"memory", "pids"} - enabled
            if missing:
                try:   # fails (EBUSY) when the parent holds processes itself
                    (parent / "cgroup.subtree_control").write_text(
                        " ".join("+" + name for name in sorted(missing)))
                except OSError as error:
                    self.reason = (f"cgroup v2 at {parent} does not delegate "
                                   f"{'+'.join(sorted(missing))} to subgroups ({error.strerror}); "
                                   f"set {_CGROUP_PARENT_VARIABLE} to a delegated cgroup folder")
                    return
            if "cpu" not in enabled:
                try:
                    (parent / "cgroup.subtree_control").write_text("+cpu")
                except OSError:
                    pass
            self.version, self.parents = "v2", {"v2": parent}
            self.cpu = "cpu" in (parent / "cgroup.subtree_control").read_text().split()
            return
        self.reason = ("no writable cgroup with memory and pids controllers"
                       if not v1 else f"no writable cgroup for {'+'.join({'memory', 'pids'} - set(v1))}")

    def make(self, limits: Limits, uid: int | None) -> "_LearnerCgroup | None":
        if not self.available:
            return None
        # The grader's pid first: what _remove_stale goes by.
        name = f"lossedu-learner-{os.getpid()}-{uid or 0}-{secrets.token_hex(4)}"
        memory = (limits.memory_mb + limits.scratch_mb) * 1024 * 1024
        made = []
        try:
            if self.version == "v1":
                memory_folder = self.parents["memory"] / name
                memory_folder.mkdir(mode=0o755)
                made.append(memory_folder)
                (memory_folder / "memory.limit_in_bytes").write_text(str(memory))
                try:   # also cap swap, where swap accounting is on
                    (memory_folder / "memory.memsw.limit_in_bytes").write_text(str(memory))
                except OSError:
                    pass
                pids_folder = self.parents["pids"] / name
                pids_folder.mkdir(mode=0o755)
                made.append(pids_folder)
                (pids_folder / "pids.max").write_text(str(limits.processes))
                if self.cpu:
                    cpu_folder = self.parents["cpu"] / name
                    cpu_folder.mkdir(mode=0o755)
                    made.append(cpu_folder)
                    (cpu_folder / "cpu.cfs_period_us").write_text("100000")
                    (cpu_folder / "cpu.cfs_quota_us").write_text(str(int(limits.cpus * 100_000)))
            else:
                cgroup = self.parents["v2"] / name
                cgroup.mkdir(mode=0o755)
                made.append(cgroup)
                (cgroup / "memory.max").write_text(str(memory))
                if (cgroup / "memory.swap.max").exists():
                    (cgroup / "memory.swap.max").write_text("0")
                (cgroup / "pids.max").write_text(str(limits.processes))
                if self.cpu:
                    (cgroup / "cpu.max").write_text(f"{int(limits.cpus * 100_000)} 100000")
        except OSError:
            for folder in reversed(made):
                _remove_cgroup(folder)
            raise
        return _LearnerCgroup(tuple(made))


def _remove_cgroup(folder: Path) -> bool:
    try:
        folder.rmdir()
        return True
    except FileNotFoundError:
        return True
    except OSError:
        return False


class _LearnerCgroup:
    def __init__(self, folders: tuple):
        self.folders = folders
        # Opened now so that preexec_fn only calls os.write (no allocation, no import).
        self._procs = [str(folder / "cgroup.procs").encode() for folder in folders]

    def enter(self):
        """Move the calling process into the cgroup (called in preexec_fn)."""
        for path in self._procs:
            fd = os.open(path, os.O_WRONLY)
            try:
                os.write(fd, b"0")
            finally:
                os.close(fd)

    def members(self) -> set:
        pids = set()
        for folder in self.folders:
            try:
                pids.update(int(word) for word in (folder / "cgroup.procs").read_text().split())
            except OSError:
                pass
        return pids

    def kill_all(self, deadline: float) -> bool:
        """SIGKILL every member until the cgroup is empty; True when it is."""
        for folder in self.folders:
            if (folder / "cgroup.kill").exists():
                try:
                    (folder / "cgroup.kill").write_text("1")
                except OSError:
                    pass
        while True:
            members = self.members()
            if not members:
                return True
            for pid in members:
                _kill_pid_in(pid, self.folders[0].name)
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)

    def remove(self, deadline: float) -> bool:
        removed = True
        for folder in self.folders:
            while not _remove_cgroup(folder):
                if time.monotonic() > deadline:
                    removed = False
                    break
                time.sleep(0.01)
        return removed


_leftover_cgroups: list = []


@atexit.register
def _remove_leftover_cgroups():
    for cgroup in _leftover_cgroups:
        cgroup.kill_all(time.monotonic() + 1)
        cgroup.remove(time.monotonic() + 1)


def _kill_pid_in(pid: int, cgroup_name: str):
    """SIGKILL pid, unless it left the cgroup (its number may have been reused)."""
    try:
        pidfd = os.pidfd_open(pid)
    except OSError:
        return
    try:
        if cgroup_name in Path(f"/proc/{pid}/cgroup").read_text():
            signal.pidfd_send_signal(pidfd, signal.SIGKILL)
    except OSError:
        pass
    finally:
        os.close(pidfd)


# ---------------------------------------------------------------------------
# seccomp
# ---------------------------------------------------------------------------

def _seccomp_program(machine: str | None = None) -> bytes | None:
    """The deny-list filter as raw BPF (struct sock_filter[]), or None for
    an architecture without a table."""
    import struct
    machine = machine or platform.machine()
    if machine not in _AUDIT_ARCHES:
        return None
    audit_arch, column = _AUDIT_ARCHES[machine]
    load, jump_equal, jump_greater_equal, give = 0x20, 0x15, 0x35, 0x06   # BPF_LD|W|ABS, ...
    allow, kill_errno = 0x7FFF0000, 0x00050000                            # SECCOMP_RET_*
    numbers = sorted({row[column] for row in _DENIED_CALLS.values()})
    program = [
        (load, 0, 0, 4),                                   # A = seccomp_data.arch
        (jump_equal, 1, 0, audit_arch),                    # our ABI: go on
        (give, 0, 0, kill_errno | errno.ENOSYS),           # another ABI: ENOSYS
        (load, 0, 0, 0),                                   # A = seccomp_data.nr
    ]
    if machine == "x86_64":                                # x32 calls set bit 30
        program += [(jump_greater_equal, 0, 1, 0x40000000),
                    (give, 0, 0, kill_errno | errno.ENOSYS)]
    for index, number in enumerate(numbers):               # to the EPERM at the end
        program.append((jump_equal, len(numbers) - index, 0, number))
    program += [(give, 0, 0, allow), (give, 0, 0, kill_errno | errno.EPERM)]
    return b"".join(struct.pack("=HBBI", *instruction) for instruction in program)


# ---------------------------------------------------------------------------
# learner uids (root only)
# ---------------------------------------------------------------------------

_uids_in_use: set = set()
_uids_lock = threading.Lock()


def _take_uid() -> int:
    with _uids_lock:
        while True:
            uid = _LEARNER_UIDS[0] + secrets.randbelow(_LEARNER_UIDS[1] - _LEARNER_UIDS[0])
            if uid not in _uids_in_use:
                _uids_in_use.add(uid)
                return uid


def _give_back_uid(uid: int | None):
    if uid is not None:
        with _uids_lock:
            _uids_in_use.discard(uid)


# ---------------------------------------------------------------------------
# processes
# ---------------------------------------------------------------------------

def _set_limits(limits: Limits, processes: bool):
    """rlimits of the calling process (preexec_fn), inherited by everything it starts."""
    memory = limits.memory_mb * 1024 * 1024
    wanted = [(resource.RLIMIT_AS, memory),
              (resource.RLIMIT_CPU, limits.cpu_seconds),
              (resource.RLIMIT_FSIZE, limits.scratch_mb * 1024 * 1024),
              (resource.RLIMIT_NOFILE, limits.open_files),
              (resource.RLIMIT_CORE, 0)]
    if processes:
        wanted.append((resource.RLIMIT_NPROC, limits.processes))
    for which, value in wanted:
        hard = resource.getrlimit(which)[1]
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)       # never above what the grader may set
        try:
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            if sys.platform.startswith("linux"):
                raise
            # macOS refuses some (RLIMIT_AS); the fallback is unisolated there anyway.


class IsolatedProcess:
    """One learner's process (bubblewrap's, when isolated) and everything it starts."""

    def __init__(self, popen: subprocess.Popen, *, uid: int | None, cgroup,
                 namespace_init_pidfd: int | None, isolated: bool):
        self._popen = popen
        self.pid: int = popen.pid
        #: the learner's own uid (grader running as root), else None
        self.uid: int | None = uid
        self._cgroup = cgroup
        self._init_pidfd = namespace_init_pidfd
        self._isolated = isolated
        self._released = False
        self._lock = threading.Lock()

    def _code(self, code: int | None) -> int | None:
        # bubblewrap exits with 128+N when the learner was killed by signal N;
        # report it as subprocess does (-N). A learner's own sys.exit(128+N)
        # looks the same: exit codes come from untrusted code either way.
        if code is not None and self._isolated and 128 < code < 128 + 65:
            return -(code - 128)
        return code

    def poll(self) -> int | None:
        code = self._popen.poll()
        if code is not None:
            self._release()
        return self._code(code)

    def wait(self, timeout: float | None = None) -> int:
        """The exit code; raises subprocess.TimeoutExpired after timeout seconds."""
        code = self._popen.wait(timeout)
        self._release()
        return self._code(code)

    def kill(self) -> None:
        """SIGKILL the learner's process and everything it started; idempotent."""
        if self._popen.poll() is None and self._init_pidfd is not None:
            # The namespace's init first, with everything in its namespace. Its
            # parent, bubblewrap, reaps it and exits: killed together, bubblewrap
            # could die first and leave the dead init to the machine's init.
            self._kill_namespace()
            try:
                self._popen.wait(_KILL_WAIT_SECONDS)
            except subprocess.TimeoutExpired:
                pass
        # Only while unreaped: the pid (and group id) cannot be reused until then.
        if self._popen.poll() is None:
            try:
                os.killpg(self._popen.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            self._popen.kill()
        except ProcessLookupError:
            pass
        self._popen.wait()
        self._release()

    def _release(self):
        """Once the outer process is gone: make sure nothing of the learner is left."""
        with self._lock:
            if self._released:
                return
            self._released = True
        deadline = time.monotonic() + _KILL_WAIT_SECONDS
        if self._init_pidfd is not None:
            self._kill_namespace()
        elif not self._isolated:
            try:   # what is left of the learner's session
                os.killpg(self._popen.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if self._cgroup is not None:
            self._cgroup.kill_all(deadline)
            if not self._cgroup.remove(time.monotonic() + _KILL_WAIT_SECONDS):
                _leftover_cgroups.append(self._cgroup)   # retried at exit
        _give_back_uid(self.uid)

    def _kill_namespace(self):
        """SIGKILL the pid namespace's init and wait until it has exited.

        The namespace's init exits only after every process of its pid
        namespace is gone, and bwrap's --die-with-parent kills it when bwrap
        dies. Its pidfd turns readable when it has exited.
        """
        with self._lock:
            pidfd, self._init_pidfd = self._init_pidfd, None
        if pidfd is None:
            return
        try:
            signal.pidfd_send_signal(pidfd, signal.SIGKILL)
        except OSError:
            pass
        select.select([pidfd], [], [], _KILL_WAIT_SECONDS)
        os.close(pidfd)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.kill()


class Isolation:
    """How learner processes are started. Get one from :func:`find_isolation`."""

    isolated: bool = False
    description: str = ""

    def start(self, script: Path, args: list, *, pass_fds: tuple = (),
              limits: Limits = Limits()) -> IsolatedProcess:
        """Start ``python -I -S -B script *args`` for one learner.

        ``pass_fds`` are the only descriptors the child inherits (same numbers);
        stdin, stdout and stderr are /dev/null. The child finds numpy through
        ``os.environ[SANDBOX_SITE_VARIABLE]`` (see the module docstring).

        Start learners from a thread that outlives them (the main thread, or
        a pool thread that lives as long as the pool): ``--die-with-parent``
        rests on the kernel's parent-death signal, which fires when the
        *thread* that started the process ends, and the learner is then
        killed (its exit code is -9).
        """
        raise NotImplementedError

    def _check_start(self, script, args, pass_fds, limits):
        if resource is None or os.name != "posix":
            raise IsolationUnavailable(
                "learner processes need a POSIX system with rlimits; on Windows, grade in WSL2 "
                "or a Linux VM. " + _INSTALL_HINT)
        script = Path(script)
        if not script.is_file():
            raise FileNotFoundError(f"the script to run in the sandbox, {script}, is not a file")
        if not isinstance(limits, Limits):
            raise TypeError(f"limits must be a Limits, got {type(limits).__name__}")
        args = [str(arg) for arg in args]
        if any("\0" in arg for arg in args):
            raise ValueError("arguments for the sandboxed script must not contain NUL characters")
        pass_fds = tuple(int(fd) for fd in pass_fds)
        return script.resolve(), args, pass_fds

    def __repr__(self):
        return f"<{type(self).__name__}: {self.description}>"


class _Bubblewrap(Isolation):
    isolated = True

    def __init__(self, bwrap: str, version: str, cgroups: _CgroupOffer):
        self.bwrap = bwrap
        self.version = version
        self.cgroups = cgroups
        self.as_root = os.geteuid() == 0
        self.disable_userns = False     # --disable-userns (nested bwrap when root)
        self.namespace_nproc = False    # prlimit --nproc inside the user namespace
        self.seccomp = _seccomp_program()
        self.smoke_seconds = None
        self.description = ""

    def _describe(self) -> str:
        namespaces = "pid/net/ipc/uts/cgroup/mount namespaces"
        if self.as_root:
            who = (f"a fresh uid per learner ({_LEARNER_UIDS[0]}-{_LEARNER_UIDS[1] - 1}, "
                   f"not root), no capabilities, no_new_privs"
                   + (", no nested user namespaces" if self.disable_userns else "")
                   + ", rlimits incl. processes")
        else:
            namespaces = "user/" + namespaces
            who = (f"uid {os.getuid()} mapped in a user namespace, no capabilities, no_new_privs"
                   + (", no nested user namespaces" if self.disable_userns else "")
                   + (", rlimits (processes counted in the user namespace)"
                      if self.namespace_nproc else
                      ", rlimits (no process limit: RLIMIT_NPROC would be shared with the "
                      "instructor's uid)"))
        cgroup = (f"cgroup {self.cgroups.version} {self.cgroups.controllers}"
                  if self.cgroups.available else f"no cgroup ({self.cgroups.reason})")
        seccomp = (f"seccomp deny-list ({len(_DENIED_CALLS)} calls)" if self.seccomp
                   else f"no seccomp filter on {platform.machine()}")
        return (f"isolated with bubblewrap {self.version}: {namespaces}, {who}; {cgroup}; "
                f"{seccomp}; "
                f"read-only interpreter and numpy, size-limited tmpfs at /tmp the only writable "
                f"place, no network")

    def start(self, script, args, *, pass_fds=(), limits=Limits(), _stderr=None):
        script, args, pass_fds = self._check_start(script, args, pass_fds, limits)
        if self.as_root and not os.stat(script).st_mode & stat.S_IROTH:
            raise PermissionError(
                f"{script} must be readable by others (chmod o+r): the learner runs under "
                f"its own uid and reads it from inside the sandbox")
        interpreter = _interpreter()
        uid = _take_uid() if self.as_root else None
        try:
            return self._start(interpreter, script, args, pass_fds, limits, uid, _stderr)
        except BaseException:
            _give_back_uid(uid)
            raise

    def _namespace_options(self, info_fd, seccomp_fd) -> list:
        """The namespaces, session, environment and seccomp options of bwrap."""
        arguments = [
            "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--hostname", "lossedu-sandbox",
            "--new-session", "--die-with-parent",
            "--info-fd", str(info_fd), "--clearenv",
        ]
        if not self.as_root:
            arguments += ["--unshare-user", "--cap-drop", "ALL"]
            if self.disable_userns:
                arguments.append("--disable-userns")
        if seccomp_fd is not None and not self._nested():
            arguments += ["--seccomp", str(seccomp_fd)]
        return arguments

    def _options(self, interpreter, script, limits, info_fd, seccomp_fd) -> list:
        """bwrap's options, passed through a pipe (--args) so that no host path
        shows in the sandbox's /proc/1/cmdline."""
        arguments = self._namespace_options(info_fd, seccomp_fd)
        for name, value in _child_environment(_SANDBOX_SITE, interpreter, True).items():
            arguments += ["--setenv", name, value]
        arguments += ["--ro-bind", "/usr", "/usr"]
        for link in ("bin", "lib", "lib64", "lib32", "libx32", "sbin"):
            path = Path("/") / link
            if path.is_symlink():
                arguments += ["--symlink", os.readlink(path), f"/{link}"]
            elif path.is_dir() and link.startswith("lib"):
                arguments += ["--ro-bind", str(path), f"/{link}"]
        for folder in ("/sandbox", _SANDBOX_SITE, _SANDBOX_PROGRAM):
            arguments += ["--perms", "0755", "--dir", folder]
        arguments += ["--ro-bind", str(interpreter.prefix), _SANDBOX_PYTHON]
        for folder in interpreter.numpy_folders:
            arguments += ["--ro-bind", str(folder), f"{_SANDBOX_SITE}/{folder.name}"]
        program = f"{_SANDBOX_PROGRAM}/{script.name}"
        arguments += [
            "--ro-bind", str(script), program,
            "--proc", "/proc", "--dev", "/dev", "--remount-ro", "/dev",
            "--perms", "1777", "--size", str(limits.scratch_mb * 1024 * 1024), "--tmpfs", "/tmp",
            "--remount-ro", "/", "--chdir", "/tmp",
        ]
        return arguments

    def _nested(self) -> bool:
        """Whether a second, unprivileged bwrap runs inside (root only)."""
        return self.as_root and self.disable_userns

    def _command(self, interpreter, script, args, limits, uid, seccomp_fd) -> list:
        """The command bwrap runs, all paths inside the sandbox."""
        program = f"{_SANDBOX_PROGRAM}/{script.name}"
        arguments = self._unprivileged_prefix(uid, limits, seccomp_fd)
        arguments += [f"{_SANDBOX_PYTHON}/{interpreter.executable}", "-I", "-S", "-B", program]
        return arguments + args

    def _unprivileged_prefix(self, uid, limits, seccomp_fd) -> list:
        """What runs inside bwrap before the interpreter: the drop to the learner's uid
        (as root), or the process limit in the sandbox's namespace (not root)."""
        arguments = []
        if self.as_root:
            arguments += [_SETPRIV, f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                          "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
            if self._nested():
                # bwrap again, now unprivileged, only to forbid nested user
                # namespaces (which an unprivileged uid may otherwise create).
                arguments += [self.bwrap, "--unshare-user", "--disable-userns",
                              "--uid", str(uid), "--gid", str(uid), "--bind", "/", "/"]
                if seccomp_fd is not None:   # the innermost bwrap installs the filter
                    arguments += ["--seccomp", str(seccomp_fd)]
                arguments.append("--")
        elif self.namespace_nproc:
            arguments += [_PRLIMIT, f"--nproc={limits.processes}:{limits.processes}", "--"]
        return arguments

    def _start(self, interpreter, script, args, pass_fds, limits, uid, stderr):
        info_read, info_write = os.pipe()
        args_read, args_write = os.pipe()
        seccomp_read = seccomp_write = None
        cgroup = None
        popen = None
        try:
            if self.seccomp is not None:     # a few hundred bytes: fits a pipe buffer
                seccomp_read, seccomp_write = os.pipe()
                os.write(seccomp_write, self.seccomp)
                os.close(seccomp_write)
                seccomp_write = None
            options = self._options(interpreter, script, limits, info_write, seccomp_read)
            data = b"".join(option.encode() + b"\0" for option in options)
            if len(data) > 60_000:   # one pipe buffer; bwrap reads it only after exec
                raise ValueError("bwrap's options are too long (over 60 kB)")
            os.write(args_write, data)
            os.close(args_write)
            args_write = None
            cgroup = self.cgroups.make(limits, uid)
            as_root = self.as_root

            def prepare():   # in the child, between fork and exec
                _set_limits(limits, processes=as_root)
                if cgroup is not None:
                    cgroup.enter()

            popen = subprocess.Popen(
                [self.bwrap, "--args", str(args_read), "--",
                 *self._command(interpreter, script, args, limits, uid, seccomp_read)],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL if stderr is None else stderr,
                pass_fds=tuple(pass_fds) + (args_read, info_write)
                + (() if seccomp_read is None else (seccomp_read,)), close_fds=True,
                env={"LANG": "C.UTF-8", "PATH": "/usr/bin:/bin"}, cwd="/",
                start_new_session=True, preexec_fn=prepare)
        except BaseException:
            for fd in (info_read, info_write, args_read, args_write, seccomp_read, seccomp_write):
                if fd is not None:
                    os.close(fd)
            if cgroup is not None:
                cgroup.remove(time.monotonic() + 1)
            raise
        os.close(args_read)
        os.close(info_write)
        if seccomp_read is not None:
            os.close(seccomp_read)
        init_pidfd = _read_init_pidfd(info_read, popen)
        return IsolatedProcess(popen, uid=uid, cgroup=cgroup, namespace_init_pidfd=init_pidfd,
                               isolated=True)


def _read_init_pidfd(info_read: int, popen: subprocess.Popen) -> int | None:
    """A pidfd of the pid namespace's init, from bwrap's --info-fd JSON."""
    chunks = []
    deadline = time.monotonic() + 10
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([info_read], [], [], 0.5)
            if ready:
                chunk = os.read(info_read, 4096)
                if not chunk:
                    break
                chunks.append(chunk)
            elif popen.poll() is not None:
                break
    finally:
        os.close(info_read)
    match = re.search(rb'"child-pid"\s*:\s*(\d+)', b"".join(chunks))
    if match is None:
        return None
    try:
        return os.pidfd_open(int(match.group(1)))
    except OSError:
        return None     # already gone


class _Unisolated(Isolation):
    isolated = False

    def __init__(self, reason: str, cgroups: _CgroupOffer):
        self.cgroups = cgroups
        try:
            import pwd
            user = pwd.getpwuid(os.getuid()).pw_name
        except (ImportError, KeyError):
            user = f"uid {os.getuid()}"
        cgroup = (f" and a cgroup {cgroups.version} ({cgroups.controllers})"
                  if cgroups.available else "")
        self.description = (f"NOT ISOLATED ({reason}): learner code runs as {user} with "
                            f"rlimits{cgroup} only; it can read the grader's files, use the "
                            f"network and see its processes")
        self._site = None
        self._site_lock = threading.Lock()

    def _site_folder(self, interpreter: _Interpreter) -> str:
        """A folder holding numpy only (symlinks), removed when this object goes."""
        with self._site_lock:
            if self._site is None:
                folder = tempfile.mkdtemp(prefix="lossedu-site-")
                for source in interpreter.numpy_folders:
                    os.symlink(source, os.path.join(folder, source.name))
                weakref.finalize(self, shutil.rmtree, folder, True)
                self._site = folder
            return self._site

    def start(self, script, args, *, pass_fds=(), limits=Limits(), _stderr=None):
        script, args, pass_fds = self._check_start(script, args, pass_fds, limits)
        interpreter = _interpreter()
        environment = _child_environment(self._site_folder(interpreter), interpreter, False)
        cgroup = self.cgroups.make(limits, None)

        def prepare():
            _set_limits(limits, processes=True)
            if cgroup is not None:
                cgroup.enter()

        try:
            popen = subprocess.Popen(
                [str(interpreter.prefix / interpreter.executable), "-I", "-S", "-B", str(script),
                 *args],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL if _stderr is None else _stderr,
                pass_fds=pass_fds, close_fds=True, env=environment,
                cwd=tempfile.gettempdir(), start_new_session=True, preexec_fn=prepare)
        except BaseException:
            if cgroup is not None:
                cgroup.remove(time.monotonic() + 1)
            raise
        return IsolatedProcess(popen, uid=None, cgroup=cgroup, namespace_init_pidfd=None,
                               isolated=False)


# ---------------------------------------------------------------------------
# finding isolation
# ---------------------------------------------------------------------------

_found: dict = {}
_found_lock = threading.Lock()
_cgroup_offer: _CgroupOffer | None = None

_SMOKE_SCRIPT = """\
import os, sys
sys.path.append(os.environ["LOSSEDU_SANDBOX_SITE"])
import numpy
assert float(numpy.arange(4.0).sum()) == 6.0
status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
if (os.getuid() == 0 or os.geteuid() == 0 or int(status["CapEff"], 16) != 0
        or int(status["NoNewPrivs"]) != 1):
    sys.exit(3)
"""


def _cgroups() -> _CgroupOffer:
    global _cgroup_offer
    if _cgroup_offer is None:
        _cgroup_offer = _CgroupOffer()
    return _cgroup_offer


def _bwrap_path(bwrap: str | None) -> str | None:
    if bwrap is not None:
        return bwrap if os.access(bwrap, os.X_OK) and os.path.isfile(bwrap) else None
    return shutil.which("bwrap") or (
        "/usr/bin/bwrap" if os.access("/usr/bin/bwrap", os.X_OK) else None)


def _probe_bubblewrap(bwrap: str | None) -> tuple:
    """(the isolation, None) or (None, reason) -- runs the smoke test."""
    if platform.system() != "Linux":
        return None, (f"bubblewrap needs Linux namespaces, and this is {platform.system()}. "
                      + _INSTALL_HINT)
    path = _bwrap_path(bwrap)
    if path is None:
        where = f"at {bwrap}" if bwrap is not None else "on PATH or at /usr/bin/bwrap"
        return None, f"bubblewrap (bwrap) was not found {where}. " + _INSTALL_HINT
    try:
        version_text = subprocess.run([path, "--version"], capture_output=True, text=True,
                                      timeout=10).stdout
        help_text = subprocess.run([path, "--help"], capture_output=True, text=True,
                                   timeout=10).stdout
    except (OSError, subprocess.SubprocessError) as error:
        return None, f"{path} does not run ({error}). " + _INSTALL_HINT
    version = (version_text.split() or ["unknown"])[-1]
    if "--args" not in help_text or "--info-fd" not in help_text or "--size" not in help_text:
        return None, (f"bubblewrap {version} at {path} is too old (0.5 or newer is needed for "
                      f"--size and --perms). " + _INSTALL_HINT)
    isolation = _Bubblewrap(path, version, _cgroups())
    isolation.disable_userns = "--disable-userns" in help_text
    if isolation.as_root:
        if not os.access(_SETPRIV, os.X_OK):
            return None, (f"{_SETPRIV} (util-linux) is missing; the grader runs as root and needs "
                          f"it to start learner code under an unprivileged uid. Install util-linux "
                          f"(Debian/Ubuntu `apt-get install util-linux`).")
        # The nested bwrap must be reachable inside, where only /usr is.
        isolation.disable_userns &= os.path.realpath(path).startswith("/usr/")
    else:
        isolation.namespace_nproc = (os.access(_PRLIMIT, os.X_OK)
                                     and _kernel_at_least(5, 14))
    failure = _smoke_test(isolation, version)
    if failure is not None and isolation.as_root and isolation.disable_userns:
        # Unprivileged user namespaces may be off (only root can make them):
        # isolate without forbidding nested ones, which then cannot be made either.
        isolation.disable_userns = False
        failure = _smoke_test(isolation, version)
    if failure is not None:
        return None, failure
    return isolation, None


def _smoke_test(isolation: _Bubblewrap, version: str) -> str | None:
    """Start the real thing once; None when it works, else why not."""
    isolation.description = isolation._describe()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="lossedu-isolation-") as folder:
        script = Path(folder) / "smoke.py"
        script.write_text(_SMOKE_SCRIPT)
        script.chmod(0o644)
        os.chmod(folder, 0o755)
        errors = Path(folder) / "stderr"
        try:
            with open(errors, "wb") as stderr:
                process = isolation.start(script, [], limits=Limits(), _stderr=stderr)
                try:
                    code = process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    return "the bubblewrap smoke test did not finish within 30 seconds"
        except (OSError, subprocess.SubprocessError) as error:
            return f"bubblewrap could not be started: {error}"
        except IsolationUnavailable as error:
            return str(error)
        # bwrap's own complaints are the lines it prefixes with "bwrap:".
        lines = errors.read_text(errors="replace").strip().splitlines()
        message = " ".join(line for line in lines if line.startswith("bwrap")) or " ".join(lines[-3:])
    if code == 0:
        isolation.smoke_seconds = time.monotonic() - started
        return None
    if code == 3:
        return ("the smoke test ran as root, with capabilities or without no_new_privs inside "
                "the sandbox; refusing to grade with it")
    if re.search(r"namespace|uid map|Operation not permitted|setting up", message, re.I):
        return f"bubblewrap {version} failed: {message[-400:]}. " + _USERNS_HINT
    return (f"the bubblewrap smoke test failed (exit {code}): "
            f"{message[-400:] or 'no message'}. " + _INSTALL_HINT)


def _kernel_at_least(major: int, minor: int) -> bool:
    match = re.match(r"(\d+)\.(\d+)", platform.release())
    return bool(match) and (int(match.group(1)), int(match.group(2))) >= (major, minor)


def _isolation_or_reason(bwrap: str | None) -> tuple:
    with _found_lock:
        if bwrap not in _found:
            _found[bwrap] = _probe_bubblewrap(bwrap)
        return _found[bwrap]


def unisolated(reason: str = "--no-isolation") -> Isolation:
    """The plain child, explicitly without isolation; its description says why."""
    return _Unisolated(reason, _cgroups())


def find_isolation(*, allow_unisolated: bool = False, bwrap: str | None = None) -> Isolation:
    """bubblewrap isolation, checked once per process by a smoke test.

    When the machine cannot isolate: raises IsolationUnavailable (what is
    missing and how to install it), or with ``allow_unisolated`` returns the
    plain child, whose description begins "NOT ISOLATED" and says why.
    ``bwrap`` overrides where bubblewrap is looked for.
    """
    isolation, reason = _isolation_or_reason(bwrap)
    if isolation is not None:
        return isolation
    if allow_unisolated:
        return unisolated(f"--no-isolation; bubblewrap unavailable: {reason.split('. ')[0]}")
    raise IsolationUnavailable(reason)


def describe_isolation(*, bwrap: str | None = None) -> str:
    """What ``lossedu grade --check-isolation`` prints: what was found, or why not."""
    isolation, reason = _isolation_or_reason(bwrap)
    if isolation is None:
        return "\n".join([
            "Learner code cannot be isolated on this machine.",
            f"  reason: {reason}",
            "  `lossedu grade` stops unless `--no-isolation` is given; graded without isolation,",
            "  learner code runs as the grader's user and can read its files, use the network and",
            "  see its processes, and every feedback page and the summary say \"not isolated\".",
        ])
    cgroups = isolation.cgroups
    lines = [
        isolation.description,
        f"  bubblewrap {isolation.version} at {isolation.bwrap}; smoke test passed "
        f"(a sandboxed python importing numpy in {isolation.smoke_seconds:.2f} s)",
        "  namespaces: pid (sees only its own processes, fresh /proc), net (no network, own "
        "loopback),",
        "    ipc, uts, mount (read-only /usr, interpreter and numpy; tmpfs /tmp the only writable "
        "place)" + (", user" if not isolation.as_root else ""),
    ]
    if isolation.as_root:
        lines.append(f"  user: the grader is root; each learner runs under its own uid from "
                     f"{_LEARNER_UIDS[0]}-{_LEARNER_UIDS[1] - 1} (setpriv), never root"
                     + ("; nested user namespaces disabled (a second, unprivileged bwrap)"
                        if isolation.disable_userns else
                        "; nested user namespaces not disabled"))
    else:
        lines.append(f"  user: uid {os.getuid()} inside a user namespace; capabilities dropped"
                     + ("; nested user namespaces disabled" if isolation.disable_userns else ""))
    lines += [
        "  privileges: no capabilities, no_new_privs, new session, dies with the grader",
        "  rlimits: address space, CPU seconds, file size, open files, core 0"
        + (", processes" if isolation.as_root or isolation.namespace_nproc else
           " (no process limit without a cgroup)"),
        (f"  cgroup {cgroups.version}: memory and pids limits"
         + (" and a CPU quota" if cgroups.cpu else "") + " per learner, under "
         + ", ".join(str(folder) for folder in cgroups.parents.values()))
        if cgroups.available else f"  cgroup: none ({cgroups.reason})",
        (f"  seccomp: EPERM for {', '.join(sorted(_DENIED_CALLS))}; ENOSYS for other ABIs"
         if isolation.seccomp else f"  seccomp: no filter on {platform.machine()}"),
    ]
    return "\n".join(lines)
