"""The ``nbgrader zip_collect`` plugin for Canvas and Moodle downloads.

Kept apart from :mod:`lossedu.classroom.lms` so that ``lossedu grade`` reads
LMS names without importing nbgrader.
"""

from __future__ import annotations

import os

from nbgrader.plugins import FileNameCollectorPlugin

from lossedu.classroom.lms import parse_submission_path

__all__ = ["LMSCollectorPlugin"]


class LMSCollectorPlugin(FileNameCollectorPlugin):
    """``nbgrader zip_collect`` plugin that understands Canvas and Moodle names.

    Enable it in ``nbgrader_config.py``::

        c.ZipCollectApp.collector_plugin = "lossedu.classroom.lms_plugin.LMSCollectorPlugin"

    Plain file names (``alice.ipynb``) are taken as the learner id, and the
    file is collected under the assignment's notebook name.
    """

    def collect(self, submitted_file: str):
        if os.path.splitext(submitted_file)[1] not in self.valid_ext:
            return None
        # The path inside the download: Moodle puts the learner in a folder name.
        relative = os.path.basename(submitted_file)
        extracted = getattr(self.parent, "extracted_directory", None)
        format_path = getattr(self.parent, "_format_collect_path", None)
        if extracted and format_path:
            relative = os.path.relpath(submitted_file, format_path(extracted))
        parsed = parse_submission_path(relative.replace(os.sep, "/"))
        file_id = parsed.filename
        assignment_id = getattr(self.parent, "coursedir", None)
        assignment_id = getattr(assignment_id, "assignment_id", "") if assignment_id else ""
        if parsed.lms == "plain" and assignment_id:
            file_id = f"{assignment_id}.ipynb"
        return {"student_id": parsed.learner_id, "file_id": file_id}
