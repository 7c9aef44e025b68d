"""Collect: find each learner's notebook in an LMS download or a folder.

The submissions may be

* an LMS zip (Canvas "Download submissions", Moodle "Download all
  submissions") or a zip of plain notebooks (``alice.ipynb``);
* a folder: one notebook per learner, an extracted LMS download, one folder
  per learner (``alice/01-loss-vs-cost.ipynb``), or nbgrader's
  ``submitted/<learner>/<lesson>/<lesson>.ipynb`` tree.

File names are turned into learner ids by :mod:`lossedu.classroom.lms`.  A zip is read
entry by entry with size caps and never extracted by its own paths (no zip
slip: nothing is written outside the work folder).  The submissions are only
read, never modified.

When a learner has several notebooks (a resubmission, a scratch notebook),
the lesson's own notebook is preferred, then the latest: Canvas numbers
resubmissions ``-1``, ``-2``, ...; otherwise the newest modification time.
The choice is written into the learner's notes.
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath

from lossedu.classroom.lms import parse_submission_path, safe_learner_id

__all__ = ["CollectError", "Limits", "Submission", "collect"]

_CANVAS_RESUBMISSION = re.compile(r"-(\d+)\.ipynb$")
_LESSON_STEM = re.compile(r"^\d{2}-")
_JUNK_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}
_JUNK_DIRS = {"__MACOSX", ".ipynb_checkpoints", ".git"}


class CollectError(Exception):
    """The submissions cannot be read at all (missing path, broken zip)."""


@dataclass(frozen=True)
class Limits:
    """Caps on what a download may contain."""

    max_file_bytes: int = 64 * 2**20       # one notebook
    max_total_bytes: int = 4 * 2**30       # everything extracted
    max_entries: int = 50_000


@dataclass
class _File:
    relative: str               # path inside the download, "/"-separated
    learner_id: str
    name: str
    lms: str
    late: bool
    mtime: float
    resubmission: int
    data: Path | None = None    # where the bytes are (None: not a notebook, not kept)
    too_large: bool = False


@dataclass
class Submission:
    """What one learner handed in."""

    learner_id: str
    name: str
    lms: str                        # "canvas", "moodle", "nbgrader" or "plain"
    notebook: Path | None = None    # the chosen notebook (a private copy), None if missing
    original_name: str | None = None  # its path inside the download
    too_large: bool = False
    late: bool = False
    other_files: list = field(default_factory=list)
    notes: list = field(default_factory=list)


def _parts(relative: str) -> list:
    return [part for part in relative.split("/") if part not in ("", ".")]


def _is_junk(relative: str) -> bool:
    parts = _parts(relative)
    return (not parts or parts[-1] in _JUNK_NAMES or parts[-1].startswith("._")
            or any(part in _JUNK_DIRS for part in parts[:-1]))


def _identify(relative: str, mtime: float) -> _File:
    """Learner id etc. of one file of the download."""
    parts = _parts(relative)
    basename = parts[-1]
    stem = os.path.splitext(basename)[0]
    resubmission = 0
    if len(parts) >= 3 and _LESSON_STEM.match(parts[-2]) and parts[-2] == stem:
        # nbgrader's submitted/<learner>/<lesson>/<lesson>.ipynb
        learner = parts[-3]
        return _File(relative, safe_learner_id(learner), learner, "nbgrader", False, mtime, 0)
    parsed = parse_submission_path(relative)
    if parsed.lms == "canvas":
        found = _CANVAS_RESUBMISSION.search(basename)
        resubmission = int(found.group(1)) if found else 0
    if parsed.lms == "plain" and len(parts) >= 2 and _LESSON_STEM.match(stem):
        # one folder per learner: alice/01-loss-vs-cost.ipynb
        learner = parts[-2]
        return _File(relative, safe_learner_id(learner), learner, "plain", False, mtime, 0)
    return _File(relative, parsed.learner_id, parsed.name, parsed.lms, parsed.late, mtime,
                 resubmission)


def _read_zip(path: Path, workdir: Path, limits: Limits, notes: list) -> list:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise CollectError(f"{path} is not a readable zip file ({error}); give an LMS zip, a "
                           "folder of notebooks, or one notebook (.ipynb)") from None
    files, total = [], 0
    with archive:
        entries = archive.infolist()
        if len(entries) > limits.max_entries:
            raise CollectError(f"{path} has {len(entries)} entries, more than the limit of "
                               f"{limits.max_entries}")
        for index, info in enumerate(entries):
            if info.is_dir():
                continue
            relative = info.filename.replace("\\", "/")
            pure = PurePosixPath(relative)
            if pure.is_absolute() or ".." in pure.parts or re.match(r"^[A-Za-z]:", relative):
                notes.append(f"skipped an entry with an unsafe path: {relative!r}")
                continue
            if _is_junk(relative):
                continue
            try:
                mtime = datetime(*info.date_time).timestamp()
            except (ValueError, OverflowError):
                mtime = 0.0
            found = _identify(relative, mtime)
            if not relative.lower().endswith(".ipynb"):
                files.append(found)
                continue
            if info.file_size > limits.max_file_bytes:
                found.too_large = True
                files.append(found)
                continue
            target = workdir / f"{index:06d}.ipynb"
            written = 0
            try:
                with archive.open(info) as source, open(target, "wb") as sink:
                    while True:
                        chunk = source.read(1 << 20)
                        if not chunk:
                            break
                        written += len(chunk)
                        total += len(chunk)
                        if written > limits.max_file_bytes:
                            found.too_large = True
                            break
                        if total > limits.max_total_bytes:
                            raise CollectError(
                                f"{path} expands to more than {limits.max_total_bytes >> 20} MB")
                        sink.write(chunk)
            except (zipfile.BadZipFile, OSError, EOFError, RuntimeError,
                    NotImplementedError) as error:
                # RuntimeError: encrypted entry; NotImplementedError: unknown compression
                notes.append(f"could not read {relative!r} from the zip ({error})")
                target.unlink(missing_ok=True)
                found.data = None
                files.append(found)
                continue
            if found.too_large:
                target.unlink(missing_ok=True)
            else:
                found.data = target
            files.append(found)
    return files


def _read_folder(path: Path, workdir: Path, limits: Limits, notes: list) -> list:
    files, count = [], 0
    for root, directories, names in os.walk(path, followlinks=False):
        directories[:] = sorted(d for d in directories if d not in _JUNK_DIRS)
        for name in sorted(names):
            full = Path(root) / name
            relative = full.relative_to(path).as_posix()
            if _is_junk(relative):
                continue
            count += 1
            if count > limits.max_entries:
                raise CollectError(f"{path} holds more than {limits.max_entries} files")
            try:
                info = full.lstat()
            except OSError as error:
                notes.append(f"could not read {relative!r} ({error})")
                continue
            if stat.S_ISLNK(info.st_mode) or not stat.S_ISREG(info.st_mode):
                notes.append(f"skipped {relative!r}: not a regular file")
                continue
            found = _identify(relative, info.st_mtime)
            if name.lower().endswith(".ipynb"):
                if info.st_size > limits.max_file_bytes:
                    found.too_large = True
                else:
                    # The original stays where it is; only read here, never written.
                    found.data = full
            files.append(found)
    return files


def _read_single_notebook(path: Path, limits: Limits) -> list:
    """One notebook given on its own: a class of one, named after the file."""
    info = path.stat()
    found = _identify(path.name, info.st_mtime)
    if info.st_size > limits.max_file_bytes:
        found.too_large = True
    else:
        found.data = path
    return [found]


def _choose(lesson_slug: str, files: list) -> tuple:
    """The notebook to grade among one learner's files, and a note on the choice."""
    notebooks = [f for f in files if f.relative.lower().endswith(".ipynb")]
    if not notebooks:
        return None, None

    def stem(found):
        return _CANVAS_RESUBMISSION.sub(".ipynb", PurePosixPath(found.relative).name)[:-6]

    named = [f for f in notebooks if stem(f) == lesson_slug or stem(f).endswith(lesson_slug)]
    candidates = named or notebooks
    chosen = max(candidates, key=lambda f: (f.resubmission, f.mtime, f.relative))
    note = None
    if len(notebooks) > 1:
        others = ", ".join(PurePosixPath(f.relative).name for f in notebooks if f is not chosen)
        how = "the lesson's notebook, latest version" if named else "the latest"
        note = (f"{len(notebooks)} notebooks submitted; graded {how}: "
                f"{PurePosixPath(chosen.relative).name} (not graded: {others})")
    return chosen, note


def collect(submissions: Path, lesson_slug: str, workdir: Path,
            limits: Limits = Limits()) -> tuple:
    """Read the submissions: ``([Submission, ...] sorted by learner id, [note, ...])``.

    Parameters
    ----------
    submissions : Path
        A zip file, a folder, or one notebook (a class of one).
    lesson_slug : str
        The lesson being graded (to prefer its notebook among several).
    workdir : Path
        An empty private folder; notebooks from a zip are written there.

    Raises
    ------
    CollectError
        When the path does not exist or is not a readable zip or folder.
    """
    submissions = Path(submissions)
    notes: list = []
    if not submissions.exists():
        raise CollectError(f"{submissions} does not exist")
    if submissions.is_dir():
        files = _read_folder(submissions, workdir, limits, notes)
    elif submissions.is_file() and submissions.name.lower().endswith(".ipynb"):
        files = _read_single_notebook(submissions, limits)
    elif submissions.is_file():
        files = _read_zip(submissions, workdir, limits, notes)
    else:
        raise CollectError(f"{submissions} is neither a zip file, a folder nor a notebook")
    by_learner: dict = {}
    for found in files:
        if found.lms == "plain" and not found.relative.lower().endswith(".ipynb"):
            # Without an LMS name, only a notebook's name says whose it is.
            notes.append(f"ignored {found.relative}: not a notebook")
            continue
        by_learner.setdefault(found.learner_id, []).append(found)
    result = []
    for learner_id in sorted(by_learner):
        learner_files = by_learner[learner_id]
        chosen, note = _choose(lesson_slug, learner_files)
        first = chosen or learner_files[0]
        submission = Submission(learner_id, first.name, first.lms, late=any(
            f.late for f in ([chosen] if chosen else learner_files)))
        submission.other_files = sorted(PurePosixPath(f.relative).name for f in learner_files
                                        if f is not chosen)
        if chosen is not None:
            submission.original_name = chosen.relative
            submission.too_large = chosen.too_large
            submission.notebook = chosen.data
        if note:
            submission.notes.append(note)
        result.append(submission)
    return result, notes
