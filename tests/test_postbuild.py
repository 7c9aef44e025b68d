"""postBuild: the Binder step that installs the course package itself."""

import json
import os
import shlex
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO_ROOT

POSTBUILD = REPO_ROOT / "postBuild"


def code_lines():
    """The script's lines without the shebang, comments and blank lines."""
    lines = POSTBUILD.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines[1:] if line.strip() and not line.strip().startswith("#")]


def test_is_an_executable_bash_script():
    mode = POSTBUILD.stat().st_mode
    assert mode & stat.S_IXUSR, "postBuild must be executable (git update-index --chmod=+x postBuild)"
    assert POSTBUILD.read_text(encoding="utf-8").splitlines()[0] == "#!/bin/bash"


def test_bash_can_parse_it():
    result = subprocess.run(["bash", "-n", str(POSTBUILD)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_first_command_is_set_e():
    # A failing step must fail the Binder build, not leave a half-built image.
    assert code_lines()[0] == "set -e"


def pip_install_commands():
    commands = []
    for line in code_lines():
        words = shlex.split(line)
        if "pip" in words and "install" in words:
            commands.append(words)
    return commands


def test_installs_the_repository_without_dependencies():
    commands = pip_install_commands()
    assert len(commands) == 1, f"expected exactly one pip install, found {commands}"
    words = commands[0]
    assert "--no-deps" in words, "the dependencies come from environment.yml; pip must not resolve them"
    assert words[-2:] == ["-e", "."], f"expected `pip install --no-deps -e .`, found {' '.join(words)}"


def test_installs_from_the_script_directory():
    # `-e .` must mean the repository root wherever the script is started from.
    lines = code_lines()
    pip_line = next(index for index, line in enumerate(lines) if "pip" in line and "install" in line)
    cd_lines = [line for line in lines[:pip_line] if line.startswith("cd ")]
    assert cd_lines == ['cd "$(dirname "${BASH_SOURCE[0]}")"'], cd_lines


def test_turns_off_jupyterlab_news_and_update_checks():
    text = POSTBUILD.read_text(encoding="utf-8")
    assert 'jupyter labextension disable "@jupyterlab/apputils-extension:announcements"' in text
    assert '"checkForUpdates": False' in text and '"fetchNews": "false"' in text


def test_mode_in_git_is_executable_when_tracked():
    # Binder runs postBuild only if git checks it out executable.
    result = subprocess.run(
        ["git", "ls-files", "--stage", "postBuild"], cwd=REPO_ROOT, capture_output=True, text=True
    )
    if result.returncode != 0 or not result.stdout.strip():
        # Not a git checkout, or postBuild not committed yet: the file mode test covers it.
        assert os.access(POSTBUILD, os.X_OK)
        return
    assert result.stdout.split()[0] == "100755", result.stdout


@pytest.mark.slow
def test_runs_to_the_end_and_quiets_jupyterlab(tmp_path):
    """Binder stops on the first failing command (set -e): run the script for real.

    It runs with this environment's Python first on PATH, as in Binder's
    environment, and private Jupyter config and data folders.
    """
    environment = dict(os.environ)
    environment["PATH"] = os.path.dirname(sys.executable) + os.pathsep + environment["PATH"]
    environment["JUPYTER_CONFIG_DIR"] = str(tmp_path / "config")
    environment["JUPYTER_DATA_DIR"] = str(tmp_path / "data")
    result = subprocess.run(["bash", str(POSTBUILD)], cwd=tmp_path, env=environment,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]

    prefix = Path(sys.prefix)
    page_config = json.loads((prefix / "etc/jupyter/labconfig/page_config.json").read_text())
    assert page_config["disabledExtensions"]["@jupyterlab/apputils-extension:announcements"]
    overrides = json.loads((prefix / "share/jupyter/lab/settings/overrides.json").read_text())
    notification = overrides["@jupyterlab/apputils-extension:notification"]
    assert notification == {"checkForUpdates": False, "fetchNews": "false"}
