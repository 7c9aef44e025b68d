"""README.md says what the repository does."""

import importlib.util
import re

from conftest import LESSONS, REPO_ROOT

_spec = importlib.util.spec_from_file_location("course", REPO_ROOT / "course.py")
course = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(course)

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
FIRST_LESSON = "notebooks/01-loss-vs-cost/01-loss-vs-cost.ipynb"


def section(title):
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, flags=re.MULTILINE | re.DOTALL)
    assert match, f"README.md has no '## {title}' section"
    return match.group(1)


def commands_in(text):
    """The shell commands of the ```bash blocks in text (comments dropped)."""
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.DOTALL)
    lines = (line.split("#", 1)[0].strip() for block in blocks for line in block.splitlines())
    return [line for line in lines if line]


def test_quick_start_is_exactly_the_two_commands():
    quick_start = section("Quick start").split("\n### ")[0]
    assert commands_in(quick_start) == ["python3 course.py lab", "python3 course.py test"]


def test_course_py_has_every_command_the_readme_uses():
    used = set(re.findall(r"python3 course\.py (\w+)", README))
    assert used <= set(course.COMMANDS), used - set(course.COMMANDS)
    assert {"lab", "test", "release"} <= used


def test_course_py_knows_the_same_lessons_as_the_tests():
    assert tuple(course.lesson_slugs()) == tuple(LESSONS)
    assert course.FIRST_NOTEBOOK == FIRST_LESSON


def test_binder_badge_opens_the_first_lesson_in_jupyterlab():
    badges = re.findall(r"\(https://mybinder\.org/v2/gh/([^)\s]+)\)", README)
    assert len(badges) == 1, badges
    assert re.fullmatch(rf"[\w.-]+/[\w.-]+/HEAD\?urlpath=lab/tree/{re.escape(FIRST_LESSON)}", badges[0])


def test_lesson_list_links_every_lesson():
    lessons = section("Lessons")
    for slug in LESSONS:
        assert f"(notebooks/{slug}/{slug}.ipynb)" in lessons, f"README's lesson list has no link to {slug}"


def test_regenerating_section_gives_the_release_command():
    assert commands_in(section("Regenerating the learner notebooks")) == ["python3 course.py release"]


def test_conda_route_uses_environment_yml_and_postbuild():
    assert "conda env create -f environment.yml" in README
    assert "bash postBuild" in README


def quick_start_subsection(title):
    match = re.search(rf"^### {re.escape(title)}\n(.*?)(?=^##|\Z)", section("Quick start"), flags=re.MULTILINE | re.DOTALL)
    assert match, f"README.md's Quick start has no '### {title}'"
    return match.group(1)


def test_quick_start_lists_every_course_py_command():
    listed = re.findall(r"^\| `python3 course\.py (\w+)` \|", quick_start_subsection("All the commands"), re.MULTILINE)
    assert sorted(listed) == sorted(course.COMMANDS)
    assert listed[:2] == ["lab", "test"]  # the quick start's two commands first


def test_readme_says_the_lab_runs_as_root_with_allow_root():
    quick_start = section("Quick start")
    assert "root" in quick_start and "`--allow-root`" in quick_start


def test_readme_shows_the_lesson_address_the_lab_prints():
    url = f"http://127.0.0.1:8888/lab/tree/{FIRST_LESSON}?token="
    assert url in section("Quick start")
    assert course.lesson_url("http://127.0.0.1:8888/", "abc") == url + "abc"


def test_binder_section_says_how_to_publish_the_course():
    binder = quick_start_subsection("No installation: Binder")
    assert "public GitHub repository" in binder
    assert "`OWNER/REPO`" in binder
    assert re.search(r"first launch\s+builds the environment, which takes several minutes", binder)
    assert "quick start" in binder  # what learners do while the image is built


def test_tests_section_says_how_long_the_full_run_takes():
    tests = section("For developers").split("\n### Tests\n", 1)[1].split("\n### ")[0]
    assert re.search(r"A full run takes about \d+ minutes", tests)


def test_torch_install_command_puts_torch_into_the_venv_at_the_ci_version():
    version = re.search(r"\btorch==([\d.]+)", (REPO_ROOT / ".ci" / "run").read_text()).group(1)
    assert f".venv/bin/python -m pip install torch=={version}" in commands_in(section("For developers"))
