"""nbgrader preprocessors of the grading pipeline (one class, one job).

Both are enabled by the course's ``nbgrader_config.py`` (through
:func:`lossedu.classroom.nbgrader_settings.apply_grading_settings`), for
instructors who grade with nbgrader's own commands.

* :class:`LimitOutputSize` (autograde): nbgrader's ``LimitOutput`` counts
  lines; one enormous line, or a flood of images, passes it.  This caps the
  characters of each cell's output.
* :class:`HideHiddenTests` (generate_feedback): the autograded notebook
  holds the hidden tests (they ran there), and a failing hidden test's
  traceback quotes them.  This removes the hidden-test region from the
  source, and from the outputs of those cells every line that quotes it,
  before the feedback HTML is written.
"""

from __future__ import annotations

import re

from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor
from traitlets import Integer

__all__ = ["HideHiddenTests", "LimitOutputSize"]

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_NOTE = "... output truncated ({} characters) ..."


class LimitOutputSize(NbGraderPreprocessor):
    """Truncate each code cell's outputs: text to ``max_characters``, images to
    ``max_image_characters`` (base64) in total per cell."""

    max_characters = Integer(
        100_000, help="most characters of text output kept per cell (-1: no limit)"
    ).tag(config=True)
    max_image_characters = Integer(
        4_000_000, help="most characters of images (base64) kept per cell (-1: no limit)"
    ).tag(config=True)

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type != "code":
            return cell, resources
        text_left = self.max_characters if self.max_characters >= 0 else float("inf")
        images_left = self.max_image_characters if self.max_image_characters >= 0 else float("inf")
        kept = []
        for output in cell.outputs:
            kind = output.output_type
            if kind == "stream":
                if text_left <= 0:
                    continue
                text = output.text
                if len(text) > text_left:
                    output.text = text[:int(text_left)] + "\n" + _NOTE.format(len(text)) + "\n"
                    text_left = 0
                else:
                    text_left -= len(text)
            elif kind in ("display_data", "execute_result"):
                data = dict(output.get("data", {}))
                for mime in list(data):
                    value = data[mime] if isinstance(data[mime], str) else str(data[mime])
                    if mime.startswith("image/"):
                        if len(value) > images_left:
                            del data[mime]
                            data.setdefault("text/plain", _NOTE.format(len(value)))
                        else:
                            images_left -= len(value)
                    elif len(value) > text_left:
                        data[mime] = (value[:int(text_left)] + "\n" + _NOTE.format(len(value))
                                      if mime == "text/plain" else _NOTE.format(len(value)))
                        text_left = 0
                    else:
                        text_left -= len(value)
                output.data = data
            elif kind == "error":
                limit = max(self.max_characters, 1000) if self.max_characters >= 0 else None
                output.evalue = str(output.get("evalue", ""))[:limit]
                output.traceback = [line[:limit] for line in output.get("traceback", [])]
            kept.append(output)
        cell.outputs = kept
        return cell, resources


class HideHiddenTests(ClearHiddenTests):
    """ClearHiddenTests for feedback: also scrub the outputs that quote hidden tests."""

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type != "code":
            return cell, resources
        original = cell.source
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if cell.source == original:
            return cell, resources
        hidden = [line.strip() for line in self._hidden_lines(original) if line.strip()]
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                output.traceback = [self._scrub(line, hidden)
                                    for line in output.get("traceback", [])
                                    if not self._quotes(line, hidden)]
                output.evalue = self._scrub(output.get("evalue", ""), hidden)
            elif output.output_type == "stream":
                output.text = self._scrub(output.text, hidden)
        return cell, resources

    def _hidden_lines(self, source: str) -> list:
        lines, inside = [], False
        for line in source.split("\n"):
            if self.begin_test_delimeter in line:
                inside = True
            elif self.end_test_delimeter in line:
                inside = False
            elif inside:
                lines.append(line)
        return lines

    @staticmethod
    def _quotes(text: str, hidden: list) -> bool:
        plain = _ANSI.sub("", text)
        return any(line in plain for line in hidden) or "HIDDEN TESTS" in plain

    @staticmethod
    def _scrub(text: str, hidden: list) -> str:
        for line in hidden:
            text = text.replace(line, "")
        return text
