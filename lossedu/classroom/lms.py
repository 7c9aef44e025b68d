"""Learner ids from the file names that learning management systems produce.

An instructor downloads "all submissions" from the LMS as one zip.  Each
system names the files in its own way; this module turns those names into
learner ids, and is used both by ``lossedu grade`` and, through
:class:`LMSCollectorPlugin`, by ``nbgrader zip_collect``.

Canvas ("Download submissions")::

    smithjane_123456_7890123_01-loss-vs-cost.ipynb
    smithjane_LATE_123456_7890123_01-loss-vs-cost-1.ipynb   (late, resubmitted)

    sortable name, LATE flag, user id, submission id, the learner's file name
    (Canvas appends -1, -2, ... to a resubmitted file).

Moodle ("Download all submissions")::

    Jane Smith_123456_assignsubmission_file_/01-loss-vs-cost.ipynb
    Jane Smith_123456_assignsubmission_file_01-loss-vs-cost.ipynb  (flat, older versions)

    full name, participant id, plugin, then the learner's file.

The learner id is the LMS's numeric id (Canvas user id, Moodle participant
id): names are not unique and change, ids are what the LMS's own grade
import keys on.  Any other file name is a plain submission: its stem is the
learner id (``alice.ipynb`` -> ``alice``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass


CANVAS_PATTERN = re.compile(
    r"^(?P<name>[A-Za-z0-9\-']+)_(?:(?P<late>LATE)_)?(?P<user_id>\d+)_"
    r"(?P<submission_id>\d+)_(?P<filename>.+)$"
)
MOODLE_PATTERN = re.compile(
    r"^(?P<name>[^/_][^/]*?)_(?P<user_id>\d+)_assignsubmission_[a-z]+_/?(?P<filename>.+)$"
)
_RESUBMISSION_SUFFIX = re.compile(r"-\d+(?=\.ipynb$)")
_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-]+")


@dataclass(frozen=True)
class SubmissionName:
    """What a submission's path says about it."""

    learner_id: str
    name: str
    lms: str  # "canvas", "moodle" or "plain"
    late: bool
    filename: str


def safe_learner_id(text: str) -> str:
    """Return ``text`` as a learner id usable as a folder name."""
    cleaned = _UNSAFE.sub("_", text.strip()).strip("._")
    return cleaned or "unnamed"


def parse_submission_path(relative_path: str) -> SubmissionName:
    """Read the learner id from a submission's path inside an LMS download.

    Parameters
    ----------
    relative_path : str
        The path of the file inside the download (``/`` or ``os.sep``
        separated), e.g. ``"Jane Smith_42_assignsubmission_file_/lab.ipynb"``.

    Returns
    -------
    SubmissionName

    Examples
    --------
    >>> parse_submission_path("smithjane_LATE_123_456_01-loss-vs-cost-1.ipynb")
    SubmissionName(learner_id='123', name='smithjane', lms='canvas', late=True, filename='01-loss-vs-cost.ipynb')
    >>> parse_submission_path("Jane Smith_42_assignsubmission_file_/01-loss-vs-cost.ipynb").learner_id
    '42'
    >>> parse_submission_path("alice.ipynb").learner_id
    'alice'
    """
    path = relative_path.replace(os.sep, "/").lstrip("./")
    basename = path.rsplit("/", 1)[-1]
    match = CANVAS_PATTERN.match(basename)
    if match:
        filename = _RESUBMISSION_SUFFIX.sub("", match["filename"])
        return SubmissionName(match["user_id"], match["name"], "canvas",
                              bool(match["late"]), filename)
    # Moodle puts each learner's files in a folder named after them, or (in
    # older versions) prefixes each file with that folder name; the download
    # may itself sit in a top-level folder.
    parts = [part for part in path.split("/") if part]
    for start in range(len(parts)):
        match = MOODLE_PATTERN.match("/".join(parts[start:]))
        if match:
            return SubmissionName(match["user_id"], match["name"].strip(), "moodle",
                                  False, match["filename"].rsplit("/", 1)[-1])
    stem = os.path.splitext(basename)[0]
    return SubmissionName(safe_learner_id(stem), stem, "plain", False, basename)
