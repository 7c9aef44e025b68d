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

This file uses the standard library only, and its syntax stays old enough for
any Python (even 2.7) to read it, so that an old interpreter gets a clear
message instead of a SyntaxError.
"""
from __future__ import print_function

import hashlib
import os
import shutil
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
    """Run a command with .venv active, in the repository root; return its exit code."""
    process = subprocess.Popen(command, cwd=ROOT, env=venv_environment())
    while True:
        try:
            return process.wait()
        except KeyboardInterrupt:
            # The child got the same Ctrl-C and shuts down on its own terms
            # (JupyterLab asks for confirmation); keep waiting for it.
            continue


def command_lab(args):
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
    return run(command + list(QUIET_LAB_OPTIONS) + list(args))


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
