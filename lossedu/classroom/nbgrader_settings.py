"""nbgrader's own route: the settings the course's ``nbgrader_config.py`` applies.

For instructors who grade with nbgrader's commands (``zip_collect``,
``autograde``, ``generate_feedback``, ``export``) instead of ``lossedu
grade``.  The course's ``nbgrader_config.py`` calls
:func:`apply_grading_settings`.

``nbgrader autograde`` executes learners' notebooks with
:class:`~lossedu.classroom.isolated_kernel.IsolatedExecute`, whose kernel
starts inside bubblewrap isolation (see :mod:`lossedu.classroom.isolated_kernel`),
unless the environment variable ``LOSSEDU_NBGRADER_UNISOLATED`` is ``1``.
"""

from __future__ import annotations

import os
import sys

__all__ = ["apply_grading_settings", "grading_is_isolated"]


def grading_is_isolated() -> bool:
    """False when the instructor opted out of isolation (``LOSSEDU_NBGRADER_UNISOLATED=1``)."""
    from lossedu.classroom.isolated_kernel import UNISOLATED_VARIABLE

    value = os.environ.get(UNISOLATED_VARIABLE, "").strip()
    if value not in ("", "0", "1"):
        raise ValueError(f"{UNISOLATED_VARIABLE} must be 1 (grade without isolation) or unset, "
                         f"got {value!r}")
    return value != "1"


def apply_grading_settings(c, timeout: int) -> None:
    """Set how nbgrader executes and reports a learner's notebook, on config ``c``.

    A per-cell time limit (a cell that runs over is interrupted and recorded
    as an error, and grading goes on), outputs capped in lines and in
    characters, and feedback without the hidden tests (nbgrader 0.9 leaves
    them in, with the tracebacks that quote them).

    Autograding executes with ``IsolatedExecute`` (the kernel named by
    ``c.IsolatedExecute.kernel_name`` starts inside bubblewrap, talking over
    ZMQ's ipc transport), or, when ``LOSSEDU_NBGRADER_UNISOLATED=1``, with
    nbgrader's plain ``Execute`` and a note on stderr that grading is not
    isolated. Other commands that execute (``nbgrader validate``) use
    ``Execute`` and ``c.Execute.kernel_name``.
    """
    from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, Execute,
                                        GetGrades, IgnorePattern, LimitOutput, SaveAutoGrades)

    from lossedu.classroom.preprocessors import HideHiddenTests, LimitOutputSize

    c.Execute.timeout = int(timeout)
    c.Execute.interrupt_on_timeout = True
    c.Execute.startup_timeout = 120
    c.Execute.execute_retries = 0
    c.LimitOutput.max_lines = 1000
    c.LimitOutput.max_traceback = 100
    c.LimitOutputSize.max_characters = 100_000
    if grading_is_isolated():
        from lossedu.classroom.isolated_kernel import KERNEL_NAME, IsolatedExecute

        execute = IsolatedExecute
        c.IsolatedExecute.kernel_name = KERNEL_NAME
    else:
        execute = Execute
        print("lossedu: LOSSEDU_NBGRADER_UNISOLATED=1: nbgrader autograde runs learner code "
              "NOT ISOLATED (as this user, with its files, network and processes)",
              file=sys.stderr)
    c.Autograde.autograde_preprocessors = [
        execute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput, LimitOutputSize,
        SaveAutoGrades, AssignLatePenalties, CheckCellMetadata,
    ]
    c.GenerateFeedback.preprocessors = [HideHiddenTests, GetGrades, CSSHTMLHeaderPreprocessor]
