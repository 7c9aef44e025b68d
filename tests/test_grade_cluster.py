"""``lossedu grade --scheduler``: the same class graded on a real Dask cluster.

A ``dask scheduler`` and two ``dask worker`` processes are started on
127.0.0.1 and stopped by their pids (classroom_fixtures/dask_cluster.py).
Graded with the same ``--seed``, the sample class gets a grades.csv identical to the local pool's.  Without Dask
installed, ``--scheduler`` says how to install the extra.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from classroom_fixtures.dask_cluster import DaskCluster
from classroom_fixtures.sample_class import canvas_zip, read_release, sample_class
from conftest import REPO_ROOT
from test_grade import grade, instructor_environment

pytestmark = pytest.mark.slow


def _dask_installed() -> bool:
    try:
        import distributed  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if not _dask_installed():
        if os.environ.get("LOSSEDU_REQUIRE_DASK") == "1":
            pytest.fail("Dask is not installed: .venv/bin/python -m pip install -e '.[cluster]'")
        pytest.skip("Dask is not installed (.venv/bin/python -m pip install -e '.[cluster]')")
    started = DaskCluster(tmp_path_factory.mktemp("dask"), instructor_environment())
    with started as address:
        yield address
    assert all(process.poll() is not None for process in started.processes)


def test_the_class_graded_on_dask_gets_the_same_grades_as_locally(cluster, tmp_path):
    release = read_release(REPO_ROOT)
    import lossedu.training

    learners = sample_class(release, lossedu.training.__file__)
    download = canvas_zip(learners, tmp_path / "submissions.zip")
    local = grade("01", str(download), "--output", "local", "--seed", "1234", "--timeout", "3",
                  cwd=tmp_path)
    assert local.returncode == 0, local.stderr[-4000:]
    remote = grade("01", str(download), "--output", "dask", "--seed", "1234", "--timeout", "3",
                   "--scheduler", cluster, cwd=tmp_path)
    assert remote.returncode == 0, remote.stderr[-4000:]
    assert f"the Dask cluster at {cluster}" in remote.stdout
    assert (tmp_path / "dask" / "grades.csv").read_text(encoding="utf-8") == \
        (tmp_path / "local" / "grades.csv").read_text(encoding="utf-8")
    assert sorted(p.name for p in (tmp_path / "dask" / "feedback").iterdir()) == \
        sorted(p.name for p in (tmp_path / "local" / "feedback").iterdir())


def test_without_dask_scheduler_says_how_to_install_the_extra(tmp_path):
    blocker = tmp_path / "no_dask"
    (blocker / "distributed").mkdir(parents=True)
    (blocker / "distributed" / "__init__.py").write_text(
        "raise ImportError('No module named distributed')\n")
    release = read_release(REPO_ROOT)
    (tmp_path / "alice.ipynb").write_text(__import__("json").dumps(release))
    environment = instructor_environment()
    environment["PYTHONPATH"] = str(blocker)
    result = subprocess.run([sys.executable, "-m", "lossedu", "grade", "01", "alice.ipynb",
                             "--scheduler", "tcp://127.0.0.1:9"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=300, env=environment)
    assert result.returncode == 1
    assert "[cluster]" in result.stderr and "pip install" in result.stderr
    assert "Traceback" not in result.stderr
