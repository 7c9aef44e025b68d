"""Shared paths and helpers of the test suite."""

import asyncio
import concurrent.futures
import dataclasses
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from lossedu import plan

REPO_ROOT = Path(__file__).resolve().parent.parent

# The lesson slugs, in course order, from the course plan (lossedu/course_plan.toml):
# solutions/<slug>/<slug>.ipynb is the nbgrader source of a lesson and
# notebooks/<slug>/<slug>.ipynb its learner version.
LESSONS = tuple(lesson.slug for lesson in plan.LESSONS)

CHROMIUM = Path("/usr/bin/chromium")


def solution_path(slug, root=REPO_ROOT):
    return Path(root) / "solutions" / slug / f"{slug}.ipynb"


def learner_path(slug, root=REPO_ROOT):
    return Path(root) / "notebooks" / slug / f"{slug}.ipynb"


def lessons_with_solutions(root=REPO_ROOT):
    """The slugs whose solutions notebook exists, in course order."""
    return [slug for slug in LESSONS if solution_path(slug, root).exists()]


def require_chromium():
    """Return Chromium's path, or skip (fail when LOSSEDU_REQUIRE_BROWSER=1)."""
    if CHROMIUM.exists():
        return CHROMIUM
    message = f"{CHROMIUM} is missing: install Debian's Chromium with `apt-get install chromium`"
    if os.environ.get("LOSSEDU_REQUIRE_BROWSER") == "1":
        pytest.fail(f"LOSSEDU_REQUIRE_BROWSER=1 but {message}", pytrace=False)
    pytest.skip(message)


# ---------------------------------------------------------------------------
# Executing notebooks (tests/test_notebooks.py, benchmarks/course.py)

CELL_TIMEOUT = 120  # seconds; generous: the course's goal is no cell over 10 s
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def strip_ansi(text):
    """Text without terminal colour codes (IPython colours its tracebacks)."""
    return ANSI_ESCAPE.sub("", text)


def nbgrader_metadata(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def cell_label(cell, index):
    """A cell's nbgrader grade_id (or its index), for messages."""
    return nbgrader_metadata(cell).get("grade_id") or f"cell {index}"


@dataclasses.dataclass
class NotebookRun:
    """One notebook executed top to bottom in a fresh kernel."""

    path: Path
    notebook: object  # the executed nbformat.NotebookNode
    seconds: float  # wall time, kernel start included
    cell_seconds: dict  # cell index -> wall time of that cell
    error: str | None  # the first error that stopped execution (allow_errors=False)


def execute_notebook(path, *, allow_errors=False, timeout=CELL_TIMEOUT):
    """Execute the notebook at path in a fresh python3 kernel and return a NotebookRun.

    The notebook's folder is copied to a temporary folder first and executed
    there (as its working directory), so nothing it writes lands in the
    repository.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    path = Path(path)
    started = {}
    cell_seconds = {}

    def on_cell_execute(cell, cell_index):
        started[cell_index] = time.perf_counter()

    def on_cell_executed(cell, cell_index, execute_reply):
        cell_seconds[cell_index] = time.perf_counter() - started[cell_index]

    with tempfile.TemporaryDirectory(prefix="lossedu-run-") as workdir:
        copy = Path(shutil.copytree(path.parent, Path(workdir) / path.parent.name))
        notebook = nbformat.read(copy / path.name, as_version=4)
        client = NotebookClient(
            notebook,
            timeout=timeout,
            kernel_name="python3",
            allow_errors=allow_errors,
            resources={"metadata": {"path": str(copy)}},
            on_cell_execute=on_cell_execute,
            on_cell_executed=on_cell_executed,
        )
        error = None
        begin = time.perf_counter()
        try:
            # A private event loop, so that notebooks can run in parallel threads.
            asyncio.run(client.async_execute())
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as exception:
            error = strip_ansi(str(exception))
        seconds = time.perf_counter() - begin
    return NotebookRun(path, notebook, seconds, cell_seconds, error)


def execute_notebooks(paths, *, allow_errors=False, workers=2):
    """Execute notebooks in parallel (one kernel each); NotebookRuns in the order of paths."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda path: execute_notebook(path, allow_errors=allow_errors), paths))


def venv_environment(**changes):
    """os.environ with this interpreter's scripts folder first on PATH.

    nbgrader starts `alembic` by name, so running `python -m nbgrader` from a
    virtual environment that is not activated needs this.
    """
    environment = dict(os.environ)
    environment["PATH"] = str(Path(sys.executable).parent) + os.pathsep + environment.get("PATH", "")
    for name, value in changes.items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    return environment


def run_nbgrader(*args, cwd):
    """Run `python -m nbgrader ARGS` in cwd, gradebook in cwd; CompletedProcess.

    stdout and stderr are merged, in the order nbgrader wrote them.
    """
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=cwd,
        env=venv_environment(LOSSEDU_DB_URL=None, PYTHONUNBUFFERED="1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=900,
    )
    result.stdout = strip_ansi(result.stdout)
    return result


# ---------------------------------------------------------------------------
# A JupyterLab server for the browser test (tests/test_browser.py)


def free_loopback_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# JupyterLab options: loopback only, no token, no browser, and nothing that
# reaches the internet (news feed, update check, extension manager's PyPI).
QUIET_LAB_OPTIONS = (
    "--no-browser",
    "--allow-root",
    "--ServerApp.ip=127.0.0.1",
    "--ServerApp.port_retries=0",
    "--IdentityProvider.token=",
    "--ServerApp.password=",
    "--LabApp.news_url=None",
    "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    "--LabApp.extension_manager=readonly",
)

# The same in the user's settings (what postBuild writes for Binder): no news
# prompt, no update check.
QUIET_LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


@dataclasses.dataclass
class LabServer:
    url: str  # e.g. http://127.0.0.1:8899
    root: Path  # the server's root folder (a scratch copy of the course)
    log: Path

    def log_tail(self, lines=60):
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory):
    """`jupyter lab` on a free loopback port, serving a scratch copy of notebooks/.

    The scratch copy keeps the repository's notebooks unmodified; the copy of
    nbgrader_config.py makes it an nbgrader course, as a learner's checkout is.
    """
    scratch = tmp_path_factory.mktemp("lab")
    root = scratch / "course"
    root.mkdir()
    shutil.copytree(REPO_ROOT / "notebooks", root / "notebooks")
    shutil.copy(REPO_ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    settings = scratch / "user-settings"
    for name, values in QUIET_LAB_SETTINGS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(values))
    port = free_loopback_port()
    log = scratch / "jupyter-lab.log"
    environment = venv_environment(
        LOSSEDU_DB_URL=None,
        JUPYTER_CONFIG_DIR=str(scratch / "config"),
        JUPYTER_RUNTIME_DIR=str(scratch / "runtime"),
        JUPYTER_DATA_DIR=str(scratch / "data"),
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(scratch / "workspaces"),
    )
    with open(log, "w") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", f"--ServerApp.port={port}", f"--ServerApp.root_dir={root}"]
            + list(QUIET_LAB_OPTIONS),
            cwd=root,
            env=environment,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    server = LabServer(f"http://127.0.0.1:{port}", root, log)
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                pytest.fail(f"jupyter lab exited with code {process.returncode}:\n{server.log_tail()}")
            try:
                with urllib.request.urlopen(f"{server.url}/api/status", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"jupyter lab did not answer on {server.url} within 90 s:\n{server.log_tail()}")
            time.sleep(0.5)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
