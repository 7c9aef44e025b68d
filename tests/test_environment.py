"""environment.yml (Binder, conda) agrees with pyproject.toml (pip).

Binder builds the course from environment.yml and then installs the package
with ``pip install --no-deps -e .`` (postBuild), so any dependency missing
from environment.yml, or pinned to a version pyproject.toml excludes, breaks
Binder without breaking a pip install. These tests keep the two in step.
"""

import re
import tomllib

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from conftest import REPO_ROOT

# conda-forge packages whose name differs from the PyPI distribution.
CONDA_TO_PYPI = {"matplotlib-base": "matplotlib"}
# Tooling environment.yml needs that is not a dependency of the package.
TOOLING = {"pip"}

MAJOR_MINOR = re.compile(r"^(\d+)\.(\d+)$")


def load_environment():
    with open(REPO_ROOT / "environment.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def load_pyproject():
    with open(REPO_ROOT / "pyproject.toml", "rb") as handle:
        return tomllib.load(handle)


def conda_pins():
    """{conda name: version string or None} from environment.yml's dependencies."""
    pins = {}
    for entry in load_environment()["dependencies"]:
        assert isinstance(entry, str), (
            f"environment.yml: dependency {entry!r} is not a plain conda package; "
            "the package itself is installed by postBuild, not by a pip: section"
        )
        name, _, version = entry.partition("=")
        assert not version.startswith("="), f"environment.yml: use name=X.Y, not {entry!r}"
        pins[name.strip()] = version.strip() or None
    return pins


def pyproject_requirements():
    """{canonical name: SpecifierSet} from pyproject.toml's [project] dependencies."""
    requirements = [Requirement(text) for text in load_pyproject()["project"]["dependencies"]]
    return {canonicalize_name(requirement.name): requirement.specifier for requirement in requirements}


def release_series_meets(series, specifier):
    """True if some release X.Y.z (z = 0..999) of the series "X.Y" satisfies specifier."""
    major, minor = MAJOR_MINOR.match(series).groups()
    return any(Version(f"{major}.{minor}.{patch}") in specifier for patch in range(1000))


def test_channels_are_conda_forge_only():
    assert load_environment()["channels"] == ["conda-forge"]


def test_python_is_exactly_3_12_and_allowed_by_pyproject():
    pins = conda_pins()
    assert pins.get("python") == "3.12", f"environment.yml must pin python=3.12, found {pins.get('python')!r}"
    requires_python = SpecifierSet(load_pyproject()["project"]["requires-python"])
    assert release_series_meets("3.12", requires_python)


def test_same_packages_as_pyproject():
    conda_names = {
        canonicalize_name(CONDA_TO_PYPI.get(name, name))
        for name in conda_pins()
        if name != "python" and name not in TOOLING
    }
    pip_names = set(pyproject_requirements())
    assert conda_names == pip_names, (
        f"only in environment.yml: {sorted(conda_names - pip_names)}; "
        f"only in pyproject.toml: {sorted(pip_names - conda_names)}"
    )


@pytest.mark.parametrize(
    "conda_name", [name for name in conda_pins() if name != "python" and name not in TOOLING]
)
def test_pin_is_major_minor_and_compatible_with_pyproject(conda_name):
    version = conda_pins()[conda_name]
    assert version is not None and MAJOR_MINOR.match(version), (
        f"environment.yml: pin {conda_name} to major.minor (e.g. {conda_name}=1.2), found {version!r}"
    )
    specifier = pyproject_requirements()[canonicalize_name(CONDA_TO_PYPI.get(conda_name, conda_name))]
    assert release_series_meets(version, specifier), (
        f"environment.yml pins {conda_name}={version}, but pyproject.toml requires {specifier}"
    )


def test_tooling_is_unpinned_or_pinned_major_minor():
    for name in TOOLING & set(conda_pins()):
        version = conda_pins()[name]
        assert version is None or MAJOR_MINOR.match(version), f"{name}={version}"


def test_release_series_check_can_say_no():
    # The compatibility check above must reject what pyproject.toml excludes.
    assert not release_series_meets("0.9", SpecifierSet(">=1.0"))
    assert not release_series_meets("5.0", SpecifierSet(">=4.2,<5"))
    assert release_series_meets("0.9", SpecifierSet(">=0.9.6"))


def test_local_package_is_not_installed_by_environment_yml():
    # postBuild installs it with --no-deps; `-e .` in environment.yml would make
    # pip resolve every dependency again, outside conda.
    text = (REPO_ROOT / "environment.yml").read_text(encoding="utf-8")
    assert "-e ." not in text and "--editable" not in text


def test_no_binder_folder():
    # repo2docker prefers binder/ or .binder/ over the root; the root files are the ones we test.
    assert not (REPO_ROOT / "binder").exists()
    assert not (REPO_ROOT / ".binder").exists()
