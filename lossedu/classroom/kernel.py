"""Start an IPython kernel with resource limits (the kernel of ``lossedu grade``).

nbgrader starts the kernel that runs a learner's notebook with the argv of a
kernel spec.  ``lossedu grade`` writes a private kernel spec whose argv is::

    python .../lossedu/classroom/kernel.py --memory-mb 2048 -f {connection_file}

This file caps the kernel's address space (``RLIMIT_AS``: an endless
allocation raises MemoryError instead of exhausting the machine), turns off
core files, asks Linux to kill the kernel when its parent dies, and then
runs ipykernel as usual.  It is run as a file, not imported with the
package, so that nothing but the standard library is loaded before the
limits are set.
"""

import os
import resource
import sys


def _limit(memory_mb: int) -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if memory_mb > 0:
        limit = memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _die_with_parent() -> None:
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:  # not Linux: the grader kills the kernel itself
        pass


def _keep_kernel_on_exit() -> None:
    """Make ``exit()``, ``quit()`` and ``get_ipython().ask_exit()`` do nothing.

    A learner's notebook that ends its own kernel would stop the grading of
    every cell after it.  (``sys.exit()`` in a cell only raises SystemExit,
    which IPython reports; ``os._exit`` and signals still kill the kernel,
    and the grader then grades the cell responsible as not answered.)
    """
    from ipykernel.zmqshell import ZMQInteractiveShell

    def ask_exit(shell) -> None:
        print("exit() and quit() are switched off while this notebook is graded.",
              file=sys.stderr)

    ZMQInteractiveShell.keepkernel_on_exit = True
    ZMQInteractiveShell.ask_exit = ask_exit


def main(argv: list) -> None:
    memory_mb = 0
    if argv[:1] == ["--memory-mb"]:
        memory_mb, argv = int(argv[1]), argv[2:]
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")
    _die_with_parent()
    _limit(memory_mb)
    sys.argv = ["ipykernel_launcher", *argv]
    from ipykernel import kernelapp

    _keep_kernel_on_exit()

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main(sys.argv[1:])
