"""Learner ids from Canvas and Moodle download names."""

import pytest

from lossedu.classroom.lms import parse_submission_path
from lossedu.classroom.lms_plugin import LMSCollectorPlugin


@pytest.mark.parametrize(
    "path, learner_id, name, lms, late, filename",
    [
        # Canvas: sortable name, optional LATE, user id, submission id, file
        ("smithjane_123456_7890123_01-loss-vs-cost.ipynb",
         "123456", "smithjane", "canvas", False, "01-loss-vs-cost.ipynb"),
        ("smithjane_LATE_123456_7890123_01-loss-vs-cost.ipynb",
         "123456", "smithjane", "canvas", True, "01-loss-vs-cost.ipynb"),
        # a resubmission: Canvas appends -1 to the learner's file name
        ("doejohn_98_76_01-loss-vs-cost-1.ipynb",
         "98", "doejohn", "canvas", False, "01-loss-vs-cost.ipynb"),
        # Moodle: one folder per learner
        ("Jane Smith_4021_assignsubmission_file_/01-loss-vs-cost.ipynb",
         "4021", "Jane Smith", "moodle", False, "01-loss-vs-cost.ipynb"),
        # Moodle inside a top-level folder of the zip
        ("course-download/Jane Smith_4021_assignsubmission_file_/lab 1.ipynb",
         "4021", "Jane Smith", "moodle", False, "lab 1.ipynb"),
        # Moodle, flat file names
        ("José Núñez_77_assignsubmission_file_01-loss-vs-cost.ipynb",
         "77", "José Núñez", "moodle", False, "01-loss-vs-cost.ipynb"),
        # a plain folder of notebooks: the file's stem is the learner
        ("alice.ipynb", "alice", "alice", "plain", False, "alice.ipynb"),
        ("class/Bob Smith.ipynb", "Bob_Smith", "Bob Smith", "plain", False, "Bob Smith.ipynb"),
    ],
)
def test_lms_names_map_to_learner_ids(path, learner_id, name, lms, late, filename):
    parsed = parse_submission_path(path)
    assert (parsed.learner_id, parsed.name, parsed.lms, parsed.late, parsed.filename) == (
        learner_id, name, lms, late, filename)


def test_two_learners_with_the_same_name_get_different_ids():
    first = parse_submission_path("smithjane_11_1_lab.ipynb")
    second = parse_submission_path("smithjane_12_2_lab.ipynb")
    assert first.name == second.name
    assert first.learner_id != second.learner_id


def test_zip_collect_plugin_reports_student_and_file(tmp_path):
    plugin = LMSCollectorPlugin()
    found = plugin.collect(str(tmp_path / "smithjane_LATE_5_6_01-loss-vs-cost-2.ipynb"))
    assert found == {"student_id": "5", "file_id": "01-loss-vs-cost.ipynb"}
    assert plugin.collect(str(tmp_path / "smithjane_5_6_notes.txt")) is None
