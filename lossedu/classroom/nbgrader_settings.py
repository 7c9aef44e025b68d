"""nbgrader's own route: the settings the course's ``nbgrader_config.py`` applies.

For instructors who grade with nbgrader's commands (``zip_collect``,
``autograde``, ``generate_feedback``, ``export``) instead of ``lossedu
grade``.  The course's ``nbgrader_config.py`` calls
:func:`apply_grading_settings`.
"""

from __future__ import annotations

__all__ = ["apply_grading_settings"]


def apply_grading_settings(c, timeout: int) -> None:
    """Set how nbgrader executes and reports a learner's notebook, on config ``c``.

    A per-cell time limit (a cell that runs over is interrupted and recorded
    as an error, and grading goes on), outputs capped in lines and in
    characters, and feedback without the hidden tests (nbgrader 0.9 leaves
    them in, with the tracebacks that quote them).
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
    c.Autograde.autograde_preprocessors = [
        Execute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput, LimitOutputSize,
        SaveAutoGrades, AssignLatePenalties, CheckCellMetadata,
    ]
    c.GenerateFeedback.preprocessors = [HideHiddenTests, GetGrades, CSSHTMLHeaderPreprocessor]
