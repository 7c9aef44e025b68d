"""nbgrader's route: the learner's notebook kernel inside the grading sandbox.

``nbgrader autograde`` runs each learner's notebook in a Jupyter kernel. With
the course's ``nbgrader_config.py`` that kernel is ``lossedu-isolated``
(:data:`KERNEL_NAME`), started inside the same kind of operating-system
isolation as ``lossedu grade``'s sandbox (see
:mod:`lossedu.classroom.isolation`, whose bubblewrap probe, learner uids,
rlimits, cgroups and process handling this module reuses):

- bubblewrap with new pid, network, IPC, UTS, cgroup and mount namespaces (and
  a user namespace when the grader is not root); as root the kernel runs under
  a fresh unprivileged uid (util-linux ``setpriv``), never as root, inside a
  second, unprivileged bwrap that forbids nested user namespaces when the
  machine offers it; no capabilities, ``no_new_privs``, isolation's seccomp
  deny-list where it has one, a new session, ``--die-with-parent``;
- a file system of read-only binds of what the kernel needs and nothing else:
  the shared libraries (``/usr/lib*``), the Python base installation, the
  environment's site-packages (ipykernel, numpy, matplotlib, ipywidgets, ...),
  the ``lossedu`` package folder (not the course: ``solutions/``, the
  gradebook and the instructor's files are not there), a copy of the
  notebook's working folder (read-only, at its own path), a size-limited
  tmpfs at ``/tmp`` (also ``HOME``), a fresh ``/proc`` and a minimal ``/dev``.
  No ``/etc``, no ``/usr/bin``: there is no shell to run;
- an environment holding only what the kernel needs (``LANG``, ``HOME``,
  ``MPLBACKEND``, single-thread BLAS settings, ...);
- rlimits (:data:`KERNEL_LIMITS`) and, where the machine offers one, a cgroup.

The connection
--------------
The kernel has a network namespace of its own, so it cannot reach the grader's
``127.0.0.1``. nbclient talks to it over ZMQ's ``ipc`` transport instead: unix
sockets, which are files. :class:`IsolatedKernelManager` (the kernel manager
of :class:`IsolatedExecute`, the preprocessor that executes notebooks in
``nbgrader autograde``) makes a private folder per kernel (``mkdtemp``, mode
0700) holding the connection file and an empty ``ipc/`` folder (and, from the launcher, the
copy of the notebook's folder), and points
the kernel's socket paths (the connection's ``ip``) into ``ipc/``. The
launcher (``python -m lossedu.classroom.isolated_kernel -f CONNECTION_FILE``,
the kernelspec's command) binds that ``ipc/`` folder, and nothing else of the
grader's, read-write at ``/sandbox/ipc`` and gives the kernel a copy of the
connection file whose ``ip`` names ``/sandbox/ipc/kernel``: the sockets the
kernel creates there are the ones the client connects to. Other kernels'
connection files are never visible. Interrupts go over the control channel
(``interrupt_mode: message``), since no signal crosses into the sandbox.

When bubblewrap is not available, starting the kernel fails with
:class:`~lossedu.classroom.isolation.IsolationUnavailable`, whose message says
how to install it and how to opt out: ``LOSSEDU_NBGRADER_UNISOLATED=1``
(:data:`UNISOLATED_VARIABLE`) makes the course's configuration grade with the
plain ``python3`` kernel instead.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import stat
import sys
import sysconfig
import tempfile
import threading
import time
from pathlib import Path

from lossedu.classroom import isolation as _isolation
from lossedu.classroom.isolation import IsolationUnavailable, Limits

__all__ = ["KERNEL_LIMITS", "KERNEL_NAME", "KERNELSPEC_FOLDER", "UNISOLATED_VARIABLE",
           "IsolatedExecute", "IsolatedKernelManager", "main"]

#: The kernelspec's name.
KERNEL_NAME = "lossedu-isolated"
#: The folder holding the kernelspec folder (``KERNELSPEC_FOLDER / KERNEL_NAME / kernel.json``).
KERNELSPEC_FOLDER = Path(__file__).resolve().parent / "kernels"
#: Set to ``1`` to grade nbgrader's route with the plain ``python3`` kernel, without isolation.
UNISOLATED_VARIABLE = "LOSSEDU_NBGRADER_UNISOLATED"
#: A kernel needs more threads, descriptors and scratch space than ``lossedu grade``'s child.
KERNEL_LIMITS = Limits(memory_mb=2048, cpu_seconds=900, processes=64, scratch_mb=64,
                       open_files=512)

_OPT_OUT_HINT = (
    f"To grade nbgrader's route without isolation (learner code then runs as the grader's "
    f"user and can read its files, use the network and see its processes), set "
    f"{UNISOLATED_VARIABLE}=1, e.g. `{UNISOLATED_VARIABLE}=1 nbgrader autograde LESSON`.")

_SOCKETS = "/sandbox/ipc"                     # the ipc folder inside the sandbox
_CONNECTION = "/sandbox/connection.json"      # the kernel's copy of the connection file
_IPC_NAME = "kernel"                          # socket paths are ipc/kernel-<port>
_WORK_COPY_FILES = 2000
_WORK_COPY_BYTES = 200 * 1024 * 1024
_STDERR_BYTES = 64 * 1024


# ---------------------------------------------------------------------------
# the grader's side: kernel manager and preprocessor
# ---------------------------------------------------------------------------

def _kernel_manager_class():
    from jupyter_client import AsyncKernelManager
    from jupyter_client.kernelspec import KernelSpecManager
    from traitlets import default

    class IsolatedKernelManager(AsyncKernelManager):
        """Starts the ``lossedu-isolated`` kernel over ipc, in a private folder."""

        _private_folder = None

        @default("transport")
        def _transport_default(self):
            return "ipc"

        @default("kernel_spec_manager")
        def _kernel_spec_manager_default(self):
            manager = KernelSpecManager(data_dir=self.data_dir)
            manager.kernel_dirs = [str(KERNELSPEC_FOLDER), *manager.kernel_dirs]
            return manager

        async def _async_pre_start_kernel(self, **kw):
            if self.kernel_name != KERNEL_NAME:
                raise ValueError(
                    f"IsolatedKernelManager starts the {KERNEL_NAME!r} kernel only, and was "
                    f"asked for {self.kernel_name!r}; set c.IsolatedExecute.kernel_name = "
                    f"{KERNEL_NAME!r} in nbgrader_config.py (or {UNISOLATED_VARIABLE}=1 to "
                    f"grade without isolation)")
            if self.transport != "ipc":
                raise ValueError(f"the {KERNEL_NAME!r} kernel talks over ZMQ's ipc transport "
                                 f"(the sandbox has no network); got transport "
                                 f"{self.transport!r}")
            try:
                _isolation.find_isolation()
            except IsolationUnavailable as error:
                raise IsolationUnavailable(
                    f"nbgrader's kernel cannot be isolated on this machine: {error} "
                    + _OPT_OUT_HINT) from None
            if self._private_folder is None:
                folder = Path(tempfile.mkdtemp(prefix="lossedu-kernel-"))
                (folder / "ipc").mkdir(mode=0o700)
                self._private_folder = folder
                self.connection_file = str(folder / "kernel.json")
                self.ip = str(folder / "ipc" / _IPC_NAME)
            return await super()._async_pre_start_kernel(**kw)

        async def _async_cleanup_resources(self, restart: bool = False) -> None:
            await super()._async_cleanup_resources(restart=restart)
            if not restart and self._private_folder is not None:
                shutil.rmtree(self._private_folder, ignore_errors=True)
                self._private_folder = None

    IsolatedKernelManager.__module__ = __name__
    IsolatedKernelManager.__qualname__ = "IsolatedKernelManager"
    return IsolatedKernelManager


def _execute_class():
    from nbgrader.preprocessors import Execute

    class IsolatedExecute(Execute):
        """nbgrader's Execute, with the kernel started through :class:`IsolatedKernelManager`.

        Its kernel is chosen with ``c.IsolatedExecute.kernel_name`` (the course's
        ``nbgrader_config.py`` names ``lossedu-isolated``); every other
        ``c.Execute`` setting applies to it too.
        """

        def __init__(self, *args, **kwargs):
            kwargs.setdefault("kernel_manager_class",
                              getattr(sys.modules[__name__], "IsolatedKernelManager"))
            super().__init__(*args, **kwargs)

    IsolatedExecute.__module__ = __name__
    IsolatedExecute.__qualname__ = "IsolatedExecute"
    return IsolatedExecute


def __getattr__(name):
    # jupyter_client and nbgrader are imported only when these are used, so that
    # the launcher (and lossedu's other users) start without them.
    if name == "IsolatedKernelManager":
        value = _kernel_manager_class()
    elif name == "IsolatedExecute":
        value = _execute_class()
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


# ---------------------------------------------------------------------------
# the launcher: the kernelspec's command
# ---------------------------------------------------------------------------

class KernelLaunchError(Exception):
    """The launcher refuses to start the kernel; the message says why."""


def _read_connection(path: Path) -> tuple[dict, Path]:
    """The connection info and the private ipc folder, checked."""
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise KernelLaunchError(f"cannot read the connection file {path}: {error}") from None
    if info.get("transport") != "ipc":
        raise KernelLaunchError(
            f"the {KERNEL_NAME} kernel needs ZMQ's ipc transport (the sandbox has no network), "
            f"and its connection file says {info.get('transport')!r}; start it through "
            f"lossedu.classroom.isolated_kernel.IsolatedKernelManager (the course's "
            f"nbgrader_config.py does)")
    ip = Path(str(info.get("ip", "")))
    if not ip.is_absolute() or ip.name != _IPC_NAME:
        raise KernelLaunchError(f"the connection's ip {str(ip)!r} is not a socket path in a "
                                f"private folder made by IsolatedKernelManager")
    folder = ip.parent
    # The manager's private folder is this user's, mode 0700, so nobody else put
    # anything in it; its ipc folder may belong to a learner uid from an earlier
    # start of this same kernel (a restart).
    for private, own in ((folder.parent, True), (folder, False)):
        try:
            status = os.lstat(private)
        except OSError as error:
            raise KernelLaunchError(f"the kernel's folder {private} is missing: {error}") from None
        if (not stat.S_ISDIR(status.st_mode) or status.st_mode & 0o077
                or (own and status.st_uid != os.geteuid())):
            raise KernelLaunchError(
                f"the kernel's folder {private} must be a directory of this user, mode 0700 "
                f"(IsolatedKernelManager makes one per kernel)")
    # only this kernel's own sockets (kernel-<port>, left by a restart) may be there
    strangers = [name for name in os.listdir(folder)
                 if not (re.fullmatch(re.escape(_IPC_NAME) + r"-\d+", name)
                         and stat.S_ISSOCK(os.lstat(folder / name).st_mode))]
    if strangers:
        raise KernelLaunchError(f"the ipc folder {folder} is not private to this kernel: it "
                                f"holds {', '.join(sorted(strangers)[:5])}")
    return info, folder


def _copy_working_folder(source: Path, destination: Path) -> None:
    """Regular files and folders of ``source`` (no links, devices or FIFOs), capped."""
    if (source / "nbgrader_config.py").exists() or (source / "gradebook.db").exists():
        raise KernelLaunchError(
            f"the notebook's folder {source} is a course root (it holds nbgrader_config.py or "
            f"gradebook.db); the {KERNEL_NAME} kernel runs notebooks from their own folder "
            f"(nbgrader autograde runs them in autograded/LEARNER/LESSON)")
    files, size = 0, 0
    destination.mkdir(mode=0o755)
    for root, folders, names in os.walk(source):
        relative = Path(root).relative_to(source)
        for name in list(folders):
            if os.path.islink(os.path.join(root, name)):
                folders.remove(name)
                continue
            (destination / relative / name).mkdir(mode=0o755)
        for name in names:
            path = os.path.join(root, name)
            status = os.lstat(path)
            if not stat.S_ISREG(status.st_mode):
                continue
            files += 1
            size += status.st_size
            if files > _WORK_COPY_FILES or size > _WORK_COPY_BYTES:
                raise KernelLaunchError(
                    f"the notebook's folder {source} holds more than {_WORK_COPY_FILES} files "
                    f"or {_WORK_COPY_BYTES // 2**20} MB; the {KERNEL_NAME} kernel gets a copy "
                    f"of it, so keep a lesson's folder small")
            target = destination / relative / name
            shutil.copyfile(path, target, follow_symlinks=False)
            os.chmod(target, 0o644)


def _site_folders() -> list[Path]:
    """site-packages of this environment and the lossedu package folder."""
    import site

    import lossedu

    folders = []
    for candidate in [*site.getsitepackages(), sysconfig.get_path("purelib"),
                      sysconfig.get_path("platlib")]:
        if candidate and os.path.isdir(candidate):
            folders.append(Path(os.path.realpath(candidate)))
    folders.append(Path(os.path.realpath(os.path.dirname(lossedu.__file__))))
    return folders


class _Layout:
    """What the kernel's sandbox holds: (source, destination, writable) binds and files."""

    def __init__(self, ipc_folder: Path, work_copy: Path, work_path: Path, bwrap: str):
        self.binds: list = []          # (source, destination, writable)
        self.files: list = []          # (source, destination) single files
        self.symlinks: list = []       # (target, link)
        for link in ("lib", "lib64", "lib32", "libx32"):
            path = Path("/") / link
            if path.is_symlink():
                self.symlinks.append((os.readlink(path), str(path)))
            elif path.is_dir():
                self.binds.append((path, path, False))
        for library in ("/usr/lib", "/usr/lib64", "/usr/lib32", "/usr/libx32"):
            if os.path.isdir(library) and not os.path.islink(library):
                self.binds.append((Path(library), Path(library), False))
        base = Path(os.path.realpath(sys.base_prefix))
        if str(base) not in ("/", "/usr"):
            self.binds.append((base, base, False))
        else:   # a system Python: its standard library is under /usr/lib
            for name in ("stdlib", "platstdlib"):
                folder = Path(os.path.realpath(sysconfig.get_paths()[name]))
                if not str(folder).startswith("/usr/lib"):
                    self.binds.append((folder, folder, False))
        # the interpreter, as this launcher was started (a virtual environment's
        # python finds its site-packages through pyvenv.cfg next to its folder)
        executable = Path(os.path.realpath(os.path.dirname(sys.executable))) / \
            os.path.basename(sys.executable)
        self.python = str(executable)
        if not any(_inside(executable, destination) for _, destination, _ in self.binds):
            self.files.append((Path(os.path.realpath(sys.executable)), executable))
        prefix = Path(os.path.realpath(sys.prefix))
        if (prefix / "pyvenv.cfg").is_file():
            self.files.append((prefix / "pyvenv.cfg", prefix / "pyvenv.cfg"))
        for folder in _site_folders():
            if not any(_inside(folder, destination) for _, destination, _ in self.binds):
                self.binds.append((folder, folder, False))
        for tool in (_isolation._SETPRIV, _isolation._PRLIMIT, bwrap):
            if os.access(tool, os.X_OK):
                self.files.append((Path(os.path.realpath(tool)), Path(tool)))
        self.binds.append((work_copy, work_path, False))
        self.binds.append((ipc_folder, Path(_SOCKETS), True))

    def options(self) -> list:
        destinations = ([destination for _, destination, _ in self.binds]
                        + [destination for _, destination in self.files]
                        + [Path(_CONNECTION)])
        ancestors = set()
        for destination in destinations:
            for parent in destination.parents:
                if parent not in (Path("/"), Path("/tmp")) and not any(
                        _inside(parent, bound) for _, bound, _ in self.binds):
                    ancestors.add(parent)
        arguments = []
        # bwrap would make missing parents with the host folder's mode (e.g. /root's 0700)
        for folder in sorted(ancestors, key=lambda path: len(path.parts)):
            arguments += ["--perms", "0755", "--dir", str(folder)]
        for target, link in self.symlinks:
            arguments += ["--symlink", target, link]
        for source, destination, writable in sorted(self.binds,
                                                    key=lambda bind: len(bind[1].parts)):
            arguments += ["--bind" if writable else "--ro-bind", str(source), str(destination)]
        for source, destination in self.files:
            arguments += ["--ro-bind", str(source), str(destination)]
        return arguments


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _kernel_environment() -> dict:
    return {
        "LANG": "C.UTF-8", "PATH": "/usr/bin:/bin", "HOME": "/tmp", "TMPDIR": "/tmp",
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "MPLCONFIGDIR": "/tmp/.matplotlib", "IPYTHONDIR": "/tmp/.ipython",
        "JUPYTER_PLATFORM_DIRS": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "MALLOC_ARENA_MAX": "2",
    }


class _KernelSandbox(_isolation._Bubblewrap):
    """isolation's bubblewrap, with the kernel's file system and command."""

    def __init__(self, found, layout: _Layout, connection_fd: int, work_path: Path,
                 kernel_arguments: list):
        self.__dict__.update(found.__dict__)
        self.layout = layout
        self.connection_fd = connection_fd
        self.work_path = work_path
        self.kernel_arguments = kernel_arguments

    def _options(self, interpreter, script, limits, info_fd, seccomp_fd=None) -> list:
        arguments = self._namespace_options(info_fd, seccomp_fd)
        for name, value in _kernel_environment().items():
            arguments += ["--setenv", name, value]
        # the tmpfs first: the notebook's folder may lie under /tmp
        arguments += ["--perms", "1777", "--size", str(limits.scratch_mb * 1024 * 1024),
                      "--tmpfs", "/tmp"]
        arguments += self.layout.options()
        arguments += [
            "--perms", "0444", "--ro-bind-data", str(self.connection_fd), _CONNECTION,
            "--proc", "/proc", "--dev", "/dev", "--remount-ro", "/dev",
            "--remount-ro", "/", "--chdir", str(self.work_path),
        ]
        return arguments

    def _command(self, interpreter, script, args, limits, uid, seccomp_fd=None) -> list:
        arguments = self._unprivileged_prefix(uid, limits, seccomp_fd)
        return arguments + [self.layout.python, "-I", "-B", "-m", "ipykernel_launcher",
                            "-f", _CONNECTION, "--HistoryManager.hist_file=:memory:",
                            *self.kernel_arguments]


def _forward_stderr(read_fd: int) -> threading.Thread:
    """Copy the kernel's stderr to ours, at most _STDERR_BYTES of it."""
    def forward():
        written = 0
        with os.fdopen(read_fd, "rb", buffering=0) as source:
            while True:
                chunk = source.read(4096)
                if not chunk:
                    return
                if written < _STDERR_BYTES:
                    chunk = chunk[:_STDERR_BYTES - written]
                    written += len(chunk)
                    try:
                        os.write(2, chunk)
                        if written >= _STDERR_BYTES:
                            os.write(2, b"\n[lossedu-isolated: the kernel's stderr is cut here]\n")
                    except OSError:
                        pass

    thread = threading.Thread(target=forward, daemon=True)
    thread.start()
    return thread


def _watch_parent(parent: int, process) -> None:
    """Kill the kernel when the grader that started us is gone (as ipykernel's parent poller
    would; bubblewrap's --die-with-parent only watches this launcher)."""
    def watch():
        while process.poll() is None:
            if os.getppid() != parent:
                process.kill()
                return
            time.sleep(1)

    threading.Thread(target=watch, daemon=True).start()


def launch(connection_file: str, kernel_arguments: list) -> int:
    """Start the kernel in the sandbox and wait for it; its exit code."""
    parent = os.getppid()
    found = _isolation.find_isolation()          # raises IsolationUnavailable
    info, ipc_folder = _read_connection(Path(connection_file))
    work_path = Path(os.path.realpath(os.getcwd()))
    uid = _isolation._take_uid() if found.as_root else None
    # In the manager's private folder, which it removes even when it had to kill us.
    scratch = Path(tempfile.mkdtemp(prefix="work-", dir=ipc_folder.parent))
    process = None
    stderr_thread = None
    try:
        work_copy = scratch / "work"
        _copy_working_folder(work_path, work_copy)
        if uid is not None:   # the learner's uid makes its sockets there
            os.chown(ipc_folder, uid, uid)
        inside = dict(info, ip=f"{_SOCKETS}/{_IPC_NAME}")
        connection_read, connection_write = os.pipe()
        os.write(connection_write, json.dumps(inside).encode())
        os.close(connection_write)
        stderr_read, stderr_write = os.pipe()
        layout = _Layout(ipc_folder, work_copy, work_path, found.bwrap)
        sandbox = _KernelSandbox(found, layout, connection_read, work_path, kernel_arguments)
        try:
            process = sandbox._start(None, None, [], (connection_read,), KERNEL_LIMITS, uid,
                                     stderr_write)
        finally:
            os.close(connection_read)
            os.close(stderr_write)
        stderr_thread = _forward_stderr(stderr_read)
        # Interrupts come over the control channel (interrupt_mode "message").
        signal.signal(signal.SIGINT, signal.SIG_IGN)

        def stop(signum, frame):
            process.kill()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGHUP, stop)
        _watch_parent(parent, process)
        code = process.wait()
    finally:
        if process is not None:
            process.kill()
        elif uid is not None:
            _isolation._give_back_uid(uid)
        if stderr_thread is not None:
            stderr_thread.join(timeout=2)
        shutil.rmtree(scratch, ignore_errors=True)
    return code if code >= 0 else 128 - code


def main(argv: list | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lossedu.classroom.isolated_kernel",
        description=f"Start an IPython kernel inside bubblewrap isolation (the {KERNEL_NAME} "
                    f"kernelspec's command; see lossedu/classroom/isolated_kernel.py).")
    parser.add_argument("-f", dest="connection_file", required=True,
                        help="the connection file written by IsolatedKernelManager")
    arguments, kernel_arguments = parser.parse_known_args(argv)
    try:
        return launch(arguments.connection_file, kernel_arguments)
    except IsolationUnavailable as error:
        print(f"{KERNEL_NAME}: the kernel cannot be isolated on this machine: {error} "
              f"{_OPT_OUT_HINT}", file=sys.stderr)
        return 2
    except KernelLaunchError as error:
        print(f"{KERNEL_NAME}: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
