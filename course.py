#!/usr/bin/env python3
"""Set up and run the Loss Functions course with one command.

Usage (from the repository root)::

    python3 course.py lab              set up, then open JupyterLab on the first lesson
    python3 course.py test [ARGS...]   set up, then run the test suite (ARGS go to pytest)
    python3 course.py release          regenerate notebooks/ from solutions/ (nbgrader)
    python3 course.py setup            only set up ./.venv

"Set up" means: create ./.venv if it is missing, and install this package with
its test extras (``pip install -e .[test]``) whenever pyproject.toml changed
since the last install.  A hash of pyproject.toml is kept in ./.venv, so
running a command again skips the install and starts at once.

`lab` prints the first lesson's URL (with the server's token) once JupyterLab
answers, passes --allow-root when run as root, and does not try to open a
browser on a machine without a display.  Ctrl-C, `kill PID` or closing the
terminal stops course.py and the JupyterLab server with it.

This file uses the standard library only, and its syntax stays old enough for
any Python (even 2.7) to read it, so that an old interpreter gets a clear
message instead of a SyntaxError.
"""
from __future__ import print_function

import hashlib
import os
import shutil
import signal
import subprocess
import sys

MINIMUM_PYTHON = (3, 11)

ROOT = os.path.dirname(os.path.abspath(__file__))
VENV = os.path.join(ROOT, ".venv")
PYPROJECT = os.path.join(ROOT, "pyproject.toml")
STAMP = os.path.join(VENV, ".lossedu-install-stamp")

# The course plan (lessons, their order, exercises and points), written once.
PLAN = os.path.join(ROOT, "lossedu", "course_plan.toml")
FIRST_NOTEBOOK = "notebooks/01-loss-vs-cost/01-loss-vs-cost.ipynb"

# JupyterLab options for a quiet classroom: no news feed, no update check.
QUIET_LAB_OPTIONS = (
    "--LabApp.news_url=None",
    "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
)
# ... and the same as default settings of .venv's JupyterLab, so that it does
# not ask whether to fetch the news either (postBuild does this on Binder).
QUIET_LAB_SETTINGS = {
    "@jupyterlab/apputils-extension:notification": {"checkForUpdates": False, "fetchNews": "false"},
}


def fail(message):
    print("course.py: " + message, file=sys.stderr)
    sys.exit(1)


def check_python():
    if sys.version_info < MINIMUM_PYTHON:
        fail(
            "this course needs Python {0}.{1} or newer, but this is Python {2}.{3} ({4}).\n"
            "Install a newer Python (https://www.python.org/downloads/) and run the "
            "command again with it, e.g. `python3.12 course.py lab`.".format(
                MINIMUM_PYTHON[0], MINIMUM_PYTHON[1],
                sys.version_info[0], sys.version_info[1], sys.executable,
            )
        )


def venv_python():
    if os.name == "nt":
        return os.path.join(VENV, "Scripts", "python.exe")
    return os.path.join(VENV, "bin", "python")


def pyproject_hash():
    with open(PYPROJECT, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def create_venv():
    print("course.py: creating the virtual environment .venv ...", flush=True)
    import venv

    try:
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    except (subprocess.CalledProcessError, OSError) as error:
        shutil.rmtree(VENV, ignore_errors=True)
        fail(
            "could not create .venv ({0}).\n"
            "On Debian or Ubuntu, install the venv module first: "
            "`sudo apt-get install python3-venv`, then run the command again.".format(error)
        )
    if not os.path.exists(venv_python()):
        shutil.rmtree(VENV, ignore_errors=True)
        fail("creating .venv did not produce {0}.".format(venv_python()))


def venv_is_usable():
    """True if .venv has a Python that is new enough."""
    if not os.path.exists(venv_python()):
        return False
    try:
        output = subprocess.check_output(
            [venv_python(), "-c", "import sys; print('%d %d' % sys.version_info[:2])"]
        )
    except (subprocess.CalledProcessError, OSError):
        return False
    version = tuple(int(part) for part in output.split())
    if version < MINIMUM_PYTHON:
        fail(
            ".venv was made with Python {0}.{1}; this course needs {2}.{3}+. "
            "Delete the .venv folder and run the command again with a newer Python.".format(
                version[0], version[1], MINIMUM_PYTHON[0], MINIMUM_PYTHON[1]
            )
        )
    return True


def setup():
    """Create .venv if needed; install the package when pyproject.toml changed."""
    check_python()
    if not venv_is_usable():
        create_venv()
    wanted = pyproject_hash()
    installed = None
    if os.path.exists(STAMP):
        with open(STAMP) as handle:
            installed = handle.read().strip()
    if installed == wanted:
        return
    print("course.py: installing the course into .venv (pip install -e .[test]) ...", flush=True)
    command = [venv_python(), "-m", "pip", "install", "--progress-bar", "off", "-e", ".[test]"]
    if subprocess.call(command, cwd=ROOT) != 0:
        fail("installing the course failed (see pip's messages above).")
    quiet_jupyterlab()
    with open(STAMP, "w") as handle:
        handle.write(wanted + "\n")


def quiet_jupyterlab():
    """Write QUIET_LAB_SETTINGS into .venv's JupyterLab settings/overrides.json."""
    import json

    folder = os.path.join(VENV, "share", "jupyter", "lab", "settings")
    path = os.path.join(folder, "overrides.json")
    overrides = {}
    if os.path.exists(path):
        with open(path) as handle:
            overrides = json.load(handle)
    for plugin, values in QUIET_LAB_SETTINGS.items():
        overrides.setdefault(plugin, {}).update(values)
    if not os.path.isdir(folder):
        os.makedirs(folder)
    with open(path, "w") as handle:
        json.dump(overrides, handle, indent=2, sort_keys=True)


def venv_environment():
    """os.environ as `source .venv/bin/activate` would leave it.

    Some tools start others by name (nbgrader runs `alembic`), so .venv's
    scripts folder must come first on PATH.
    """
    environment = dict(os.environ)
    scripts = os.path.dirname(venv_python())
    environment["PATH"] = scripts + os.pathsep + environment.get("PATH", "")
    environment["VIRTUAL_ENV"] = VENV
    environment.pop("PYTHONHOME", None)
    return environment


def run(command):
    """Run a command with .venv active, in the repository root; return its exit code.

    The command shares course.py's terminal: a Ctrl-C reaches it directly and
    it stops on its own terms (pytest prints its summary), so course.py keeps
    waiting.  SIGTERM and SIGHUP, which may have been sent to course.py alone
    (`kill PID`), are passed on to the command.
    """
    process = subprocess.Popen(command, cwd=ROOT, env=venv_environment())

    def pass_on(signum, frame):
        if process.poll() is None:
            process.send_signal(signum)

    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), pass_on)
    while True:
        try:
            code = process.wait()
        except KeyboardInterrupt:
            continue
        # Killed by signal N: exit with 128 + N, as a shell reports it.
        return 128 - code if code < 0 else code


def running_as_root():
    return hasattr(os, "geteuid") and os.geteuid() == 0


def has_display():
    """False on a headless Linux/BSD machine, where Python's webbrowser would
    fall back on a text browser (lynx, w3m) that takes over the terminal."""
    if sys.platform.startswith("win") or sys.platform == "darwin":
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def jupyter_runtime_dir(environment):
    """The folder where a Jupyter server of .venv writes jpserver-<pid>.json."""
    output = subprocess.check_output(
        [venv_python(), "-c", "from jupyter_core.paths import jupyter_runtime_dir; print(jupyter_runtime_dir())"],
        env=environment,
    )
    return output.decode().strip()


def server_info(runtime_dir, process, token):
    """The server's jpserver-<pid>.json (its port, base URL, ...), or None before it is written.

    Jupyter writes that file once it listens (on 8888, or the next free
    port).  The file is found by the server's pid, or by the token where the
    interpreter is a launcher with another pid (Windows).
    """
    import glob
    import json

    names = [os.path.join(runtime_dir, "jpserver-{0}.json".format(process.pid))]
    names += glob.glob(os.path.join(runtime_dir, "jpserver-*.json"))
    for name in names:
        try:
            with open(name) as handle:
                info = json.load(handle)
        except (OSError, IOError, ValueError):
            continue
        if info.get("pid") == process.pid or (token and info.get("token") == token):
            return info
    return None


def server_address(info):
    """http://127.0.0.1:PORT/ (with the server's base URL) for a loopback or any-address server."""
    host = info.get("hostname") or "127.0.0.1"
    if host in ("localhost", "0.0.0.0", "::", "127.0.0.1"):
        host = "127.0.0.1"
    elif ":" in host:
        host = "[" + host + "]"
    scheme = "https" if info.get("secure") else "http"
    return "{0}://{1}:{2}{3}".format(scheme, host, info["port"], info.get("base_url") or "/")


def server_answers(url):
    import urllib.request

    try:
        response = urllib.request.urlopen(url, timeout=5)
    except (OSError, IOError, ValueError):
        return False
    response.close()
    return response.status == 200


class StopRequested(Exception):
    """SIGINT (Ctrl-C), SIGTERM (`kill`) or SIGHUP (the terminal closed) reached course.py."""


STOP_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")
# Signals that came while the server was being stopped: they mean "hurry".
HURRY = []


def stop_requested(signum, frame):
    handle_stop_signals(lambda signum, frame: HURRY.append(signum))
    raise StopRequested(signum)


def handle_stop_signals(handler):
    for name in STOP_SIGNALS:
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), handler)


def start_server(command, environment):
    """Start the server in its own session (POSIX) or process group (Windows).

    The terminal's Ctrl-C then reaches course.py only, which stops the server
    itself (see stop_server); JupyterLab's own "Shutdown this Jupyter server
    (y/[n])?" prompt never comes up, and the server does not read the terminal.
    """
    options = {}
    if os.name == "nt":
        options["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP
    else:
        options["start_new_session"] = True
    return subprocess.Popen(command, cwd=ROOT, env=environment, stdin=subprocess.DEVNULL, **options)


def signal_server(process, name):
    """Send the signal to the server's process group (POSIX); terminate it on Windows."""
    if os.name == "nt":
        process.terminate()
        return
    try:
        os.killpg(process.pid, getattr(signal, name))
    except OSError:  # already gone
        pass


def stop_server(process, grace_seconds=10.0):
    """SIGTERM (Jupyter shuts its kernels down and exits), then SIGKILL after grace_seconds.

    Another Ctrl-C while waiting kills the server at once.
    """
    import time

    if process is None:  # stopped before the server started
        return
    handle_stop_signals(lambda signum, frame: HURRY.append(signum))
    if process.poll() is None:
        print("course.py: stopping JupyterLab ...", flush=True)
        signal_server(process, "SIGTERM")
    deadline = time.time() + grace_seconds
    while process.poll() is None and time.time() < deadline and not HURRY:
        time.sleep(0.1)
    if process.poll() is None:
        print("course.py: JupyterLab did not stop; killing it.", flush=True)
        signal_server(process, "SIGKILL")
        process.wait()


def run_lab(command, token):
    """Run JupyterLab until it exits or course.py is asked to stop; return the exit code.

    Once the server answers, print the first lesson's URL with the token:
    on a machine without a browser it is all a learner has.
    """
    import time

    environment = venv_environment()
    environment["JUPYTER_TOKEN"] = token  # not on the command line, where `ps` would show it
    runtime_dir = jupyter_runtime_dir(environment)
    handle_stop_signals(stop_requested)
    process = None
    try:
        process = start_server(command, environment)
        url = None
        while process.poll() is None:
            if url is None:
                url = lesson_url_once_answering(runtime_dir, process, token)
                if url is not None:
                    print(
                        "\ncourse.py: the first lesson is at\n\n    {0}\n\n"
                        "course.py: press Ctrl-C to stop JupyterLab.\n".format(url),
                        flush=True,
                    )
            time.sleep(0.2 if url is None else 1.0)
        return process.returncode
    except StopRequested:
        stop_server(process)
        return 0
    finally:
        if process is not None and process.poll() is None:  # course.py itself failed
            stop_server(process)


def lesson_url_once_answering(runtime_dir, process, token):
    """The first lesson's URL with the token, or None while the server does not answer yet."""
    info = server_info(runtime_dir, process, token)
    if info is None:
        return None
    address = server_address(info)
    token = info.get("token") or token  # a --IdentityProvider.token=... of the user wins
    if not server_answers(address + "api/status?token=" + token):
        return None
    return lesson_url(address, token)


def lesson_url(address, token):
    import urllib.parse

    if os.path.exists(os.path.join(ROOT, FIRST_NOTEBOOK)):
        page = "lab/tree/" + urllib.parse.quote(FIRST_NOTEBOOK)
    else:
        page = "lab"
    return address + page + "?token=" + urllib.parse.quote(token)


def command_lab(args):
    import secrets

    setup()
    notebook = FIRST_NOTEBOOK
    if not os.path.exists(os.path.join(ROOT, notebook)):
        print(
            "course.py: {0} is missing; run `python3 course.py release` to generate the "
            "learner notebooks. Opening JupyterLab on the repository.".format(notebook),
            file=sys.stderr,
        )
        notebook = "."
    # The whole course is the server's root (given a file alone, JupyterLab
    # would serve only that file's folder).
    command = [venv_python(), "-m", "jupyterlab", "--ServerApp.root_dir=" + ROOT, notebook]
    options = list(QUIET_LAB_OPTIONS)
    if running_as_root() and "--allow-root" not in args:
        print("course.py: running as root, so JupyterLab is started with --allow-root.", flush=True)
        options.append("--allow-root")
    if not has_display() and "--no-browser" not in args:
        options.append("--no-browser")
    return run_lab(command + options + list(args), secrets.token_hex(24))


def command_test(args):
    setup()
    return run([venv_python(), "-m", "pytest"] + list(args))


def lesson_slugs():
    """The lesson slugs, in course order, from the course plan (needs Python >= 3.11).

    solutions/<slug>/<slug>.ipynb is the nbgrader source of a lesson and
    notebooks/<slug>/<slug>.ipynb its learner version.
    """
    import tomllib

    with open(PLAN, "rb") as plan:
        return [lesson["slug"] for lesson in tomllib.load(plan)["lesson"]]


def command_release(args):
    setup()
    generated = 0
    for slug in lesson_slugs():
        source = os.path.join(ROOT, "solutions", slug, slug + ".ipynb")
        if not os.path.exists(source):
            print("course.py: skipping {0} (no solutions/{0}/{0}.ipynb)".format(slug))
            continue
        print("course.py: nbgrader generate_assignment {0}".format(slug), flush=True)
        code = run([venv_python(), "-m", "nbgrader", "generate_assignment", slug, "--force"] + list(args))
        if code != 0:
            fail("nbgrader generate_assignment {0} failed (exit code {1}).".format(slug, code))
        generated += 1
    if generated == 0:
        fail("no lesson found in solutions/.")
    print("course.py: regenerated {0} learner notebook(s) in notebooks/".format(generated))
    return 0


def command_setup(args):
    setup()
    print("course.py: .venv is ready ({0})".format(venv_python()))
    return 0


COMMANDS = {
    "lab": command_lab,
    "test": command_test,
    "release": command_release,
    "setup": command_setup,
}


def main(argv):
    check_python()
    if not argv or argv[0] not in COMMANDS:
        print(__doc__.strip(), file=sys.stderr)
        return 0 if argv and argv[0] in ("-h", "--help", "help") else 2
    return COMMANDS[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
