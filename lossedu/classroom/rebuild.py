"""Inspect a learner's notebook and rebuild the notebook that is graded.

The graded notebook is the lesson's *release* notebook (what learners were
given) with only the learner's answers put into its answer cells.  Every
other cell -- the given code, the markdown, the locked check cells -- comes
from the release, so a learner who edits or deletes a locked cell, or adds
cells of their own, changes nothing that is graded.

An answer is found by the answer cell's nbgrader ``grade_id``
(``answer_<fn>``); when the metadata is lost (a learner copied their work
into a new notebook) by a code cell that defines ``def <fn>(``.  An answer
that cannot be found is graded as not answered, with a note.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field

from lossedu.classroom.lessons import Lesson, lesson_of_answer_ids

__all__ = ["Inspection", "NotGradable", "inspect_notebook", "rebuild_notebook"]

#: Longest answer cell accepted (characters); a longer one is graded as not answered.
MAX_ANSWER_CHARS = 1_000_000


class NotGradable(Exception):
    """The file cannot be graded as this lesson; ``str()`` is the status."""


@dataclass
class Inspection:
    """What was found in a learner's notebook."""

    answers: dict                       # answer grade_id -> learner's source
    notes: list = field(default_factory=list)
    missing: list = field(default_factory=list)     # functions without an answer cell
    blank: list = field(default_factory=list)       # functions whose answer is the stub


def _source(cell: dict, key: str = "source") -> str:
    value = cell.get(key, "")
    if isinstance(value, list):
        return "".join(part for part in value if isinstance(part, str))
    return value if isinstance(value, str) else ""


def _nbgrader(cell: dict) -> dict:
    metadata = cell.get("metadata")
    if not isinstance(metadata, dict):
        return {}
    value = metadata.get("nbgrader")
    return value if isinstance(value, dict) else {}


def _cells(notebook) -> list:
    """The cells of a notebook JSON (nbformat 4, or the worksheets of nbformat 3)."""
    if not isinstance(notebook, dict):
        raise NotGradable("invalid notebook: the file is JSON but not a Jupyter notebook")
    cells = notebook.get("cells")
    if cells is None and isinstance(notebook.get("worksheets"), list) and notebook["worksheets"]:
        cells = notebook["worksheets"][0].get("cells") if isinstance(
            notebook["worksheets"][0], dict) else None
        if isinstance(cells, list):
            cells = [dict(cell, source=_source(cell, "input")) if isinstance(cell, dict) else cell
                     for cell in cells]
    if not isinstance(cells, list):
        raise NotGradable("invalid notebook: the file is JSON but not a Jupyter notebook "
                          "(it has no list of cells)")
    return [cell for cell in cells if isinstance(cell, dict)]


def parse_notebook(data: bytes) -> dict:
    """The JSON of a notebook file, or NotGradable("invalid notebook: ...")."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise NotGradable(f"invalid notebook: not UTF-8 text ({error.reason} at byte "
                          f"{error.start})") from None
    if not text.strip():
        raise NotGradable("invalid notebook: the file is empty")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise NotGradable(f"invalid notebook: not valid JSON ({error.msg}: line {error.lineno} "
                          f"column {error.colno})") from None
    except RecursionError:
        raise NotGradable("invalid notebook: not valid JSON (nested too deeply)") from None


def _normalized(source: str) -> str:
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def _defines(source: str, function: str) -> bool:
    return re.search(rf"^def\s+{re.escape(function)}\s*\(", source, re.MULTILINE) is not None


def inspect_notebook(learner_notebook, lesson: Lesson, release: dict) -> Inspection:
    """Find the learner's answers to ``lesson`` in a parsed notebook.

    Raises
    ------
    NotGradable
        Not a notebook, another lesson's notebook, or no answer of this lesson.
    """
    cells = _cells(learner_notebook)
    code_cells = [cell for cell in cells if cell.get("cell_type") == "code"]
    release_cells = {_nbgrader(cell).get("grade_id"): cell for cell in release["cells"]}
    stubs = {task.answer_id: _source(release_cells[task.answer_id]) for task in lesson.tasks
             if task.answer_id in release_cells}
    answers, notes, missing, blank = {}, [], [], []
    used = set()
    found_by_id = 0
    by_def = []
    for task in lesson.tasks:
        by_id = [cell for cell in code_cells if _nbgrader(cell).get("grade_id") == task.answer_id]
        chosen = None
        if by_id:
            chosen = by_id[0]
            found_by_id += 1
            if len(by_id) > 1:
                notes.append(f"{len(by_id)} cells carry the answer id of {task.function}; "
                             "graded the first")
        else:
            by_name = [cell for cell in code_cells if id(cell) not in used
                       and _defines(_source(cell), task.function)
                       and not _nbgrader(cell).get("grade")]
            if by_name:
                chosen = by_name[0]
                by_def.append(task.function)
        if chosen is None:
            missing.append(task.function)
            answers[task.answer_id] = stubs.get(task.answer_id, "")
            continue
        used.add(id(chosen))
        source = _source(chosen)
        if len(source) > MAX_ANSWER_CHARS:
            notes.append(f"answer to {task.function} is longer than {MAX_ANSWER_CHARS} "
                         "characters: graded as not answered")
            source = stubs.get(task.answer_id, "")
        if _normalized(source) == _normalized(stubs.get(task.answer_id, "")):
            blank.append(task.function)
        answers[task.answer_id] = source

    if len(missing) == len(lesson.tasks):
        lessons = lesson_of_answer_ids()
        others = sorted({lessons[gid] for gid in (_nbgrader(cell).get("grade_id")
                                                   for cell in code_cells)
                         if isinstance(gid, str) and gid in lessons and lessons[gid] != lesson.slug})
        if others:
            numbers = ", ".join(slug[:2] for slug in others)
            raise NotGradable(f"notebook for lesson {numbers}, expected {lesson.number}")
        raise NotGradable(f"wrong notebook: none of lesson {lesson.number}'s answers "
                          f"({', '.join(t.function for t in lesson.tasks)}) is in it")
    if by_def:
        notes.append("answer found by its def (nbgrader metadata missing) for "
                     + ", ".join(by_def))
    if missing:
        notes.append("answer cell deleted for " + ", ".join(missing) + ": graded as not answered")

    release_ids = {gid for gid in release_cells if gid}
    locked = {gid: _source(cell) for gid, cell in release_cells.items()
              if gid and _nbgrader(cell).get("grade")}
    # A given cell that lost its metadata (the notebook was copied) is still
    # the release's cell, not one the learner added.
    given = {_normalized(_source(cell)) for cell in release["cells"]
             if cell.get("cell_type") == "code"}
    present = {}
    extra = 0
    for cell in code_cells:
        gid = _nbgrader(cell).get("grade_id")
        if gid in locked:
            present[gid] = _source(cell)
        if id(cell) in used or (gid in release_ids) or _normalized(_source(cell)) in given:
            continue
        if _source(cell).strip():
            extra += 1
    if found_by_id:  # metadata intact: report edited and deleted check cells
        edited = [gid[len("check_"):] for gid, text in present.items()
                  if _normalized(text) != _normalized(locked[gid])]
        deleted = [gid[len("check_"):] for gid in locked if gid not in present]
        if edited:
            notes.append("check cell edited for " + ", ".join(edited) + " (the original was graded)")
        if deleted:
            notes.append("check cell deleted for " + ", ".join(deleted)
                         + " (the original was graded)")
    if extra:
        notes.append(f"{extra} added code cell{'s' if extra > 1 else ''} not graded "
                     "(only answer cells are)")
    if blank and len(blank) + len(missing) == len(lesson.tasks):
        notes.append("no answer written")
    return Inspection(answers, notes, missing, blank)


def rebuild_notebook(release: dict, answers: dict) -> dict:
    """The release notebook with ``answers`` (grade_id -> source) in its answer cells.

    Outputs and execution counts are cleared; all metadata comes from the
    release.
    """
    rebuilt = copy.deepcopy(release)
    for cell in rebuilt["cells"]:
        if cell.get("cell_type") != "code":
            continue
        gid = _nbgrader(cell).get("grade_id")
        if gid in answers:
            cell["source"] = answers[gid]
        cell["outputs"] = []
        cell["execution_count"] = None
    return rebuilt
