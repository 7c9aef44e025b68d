"""Feedback: one self-contained HTML page per learner, written without a kernel.

The page shows the learner's points, each exercise's outcome and check
message, and the learner's own answer cells.  It is one file with its style
inline, no JavaScript and nothing fetched from the network (a
Content-Security-Policy forbids both), so it opens offline, from an LMS's
comment attachment as well as from a folder.

Everything that comes from the learner (their id, their code, the messages
that quote it) is escaped with :func:`html.escape`: an answer containing
``</pre><script>`` stays text.

Tracebacks in check messages keep only the learner's own frames
(:func:`learner_traceback`): the learner's code is compiled under a
pseudo-file name such as ``<answer_cost>``, so every frame whose file is a
real path (lossedu's, numpy's, the grader's) is the course's, not theirs,
and absolute paths left in messages are shortened to their base name so that
no instructor's folder shows.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

__all__ = ["OUTCOMES", "ExerciseResult", "learner_traceback", "render_feedback"]

#: outcome -> what the page says.  Any other outcome is shown as a fault, as given.
OUTCOMES = {
    "passed": "passed",
    "failed": "failed",
    "not answered": "not answered",
    "time limit": "stopped at the time limit",
    "memory": "ran out of memory",
    "crashed": "crashed",
    "output limit": "stopped: too much output",
    "refused": "refused",
    "malformed result": "sent back a result that is not plain numbers, or too large",
    "not graded": "could not be graded",
}


@dataclass(frozen=True)
class ExerciseResult:
    """How one exercise went for one learner."""

    function: str          # exercise id, e.g. "cost"
    points: float
    max_points: float
    outcome: str           # a key of OUTCOMES
    message: str = ""      # the check's message (may be multi-line), "" when passed


# ---------------------------------------------------------------------------
# Tracebacks

_TRACEBACK_HEADER = re.compile(r"^\s*(?:\|\s*)*(?:\+\s*)?Traceback \(most recent call last\):\s*$")
_REPEATED = re.compile(r"^\s*(?:\|\s*)*\[Previous line repeated \d+ more times?\]\s*$")
_FRAME = re.compile(r'^(?P<indent>\s*(?:\|\s*)*)File "(?P<file>[^"]*)", line \d+')
# Pseudo-files that are Python's or numpy's, not the learner's.
_NOT_LEARNER_PSEUDO_FILES = ("<frozen ", "<__array_function__", "<string>", "<stdin>")
# A quoted absolute path (may contain spaces), then a bare one.
_QUOTED_PATH = re.compile(r"""(?P<quote>['"])(?P<path>(?:/|[A-Za-z]:\\)[^'"\n]*)(?P=quote)""")
_POSIX_PATH = re.compile(r"(?<![\w.~/:-])/(?:[^\s/'\"()<>\[\],;:]+/)+[^\s/'\"()<>\[\],;:]*")
_WINDOWS_PATH = re.compile(r"(?<![\w])[A-Za-z]:\\(?:[^\s\\'\"()<>\[\],;]+\\)*[^\s\\'\"()<>\[\],;]*")


def _is_learner_file(filename: str) -> bool:
    return (filename.startswith("<") and filename.endswith(">")
            and not filename.startswith(_NOT_LEARNER_PSEUDO_FILES))


def _base_name(path: str) -> str:
    trimmed = path.rstrip("/\\")
    if not trimmed:
        return path
    return re.split(r"[/\\]", trimmed)[-1] or trimmed


def _shorten_paths(line: str) -> str:
    line = _QUOTED_PATH.sub(
        lambda match: f"{match['quote']}{_base_name(match['path'])}{match['quote']}", line)
    line = _POSIX_PATH.sub(lambda match: _base_name(match[0]), line)
    return _WINDOWS_PATH.sub(lambda match: _base_name(match[0]), line)


def learner_traceback(text: str) -> str:
    """Keep only the learner's frames of a Python traceback.

    Parameters
    ----------
    text : str
        A traceback as Python prints it (``traceback.format_exc()``), possibly
        with chained exceptions, or any message: lines that are not part of a
        frame are kept.

    Returns
    -------
    str
        The same text where every frame whose file is a real path (any
        absolute or relative file: lossedu, numpy, the grader) is removed with
        its source and marker lines, frames of the learner's pseudo-files
        (``<answer_cost>``, ``<cell 3>``) are kept, a ``Traceback (most recent
        call last):`` line is dropped when none of its frames is the learner's,
        and absolute paths elsewhere in the text are replaced by their base
        name (``'/home/teacher/course/data.csv'`` -> ``'data.csv'``); the
        source lines of the learner's own frames are shown as written.

    Examples
    --------
    >>> text = '''Traceback (most recent call last):
    ...   File "/srv/grader/run.py", line 9, in run
    ...     exec(code, namespace)
    ...   File "<answer_cost>", line 2, in cost
    ... ValueError: bad value in /srv/grader/data/cases.npz'''
    >>> for line in learner_traceback(text).splitlines():
    ...     print(repr(line))
    'Traceback (most recent call last):'
    '  File "<answer_cost>", line 2, in cost'
    'ValueError: bad value in cases.npz'
    """
    lines = text.splitlines()
    kept: list[str] = []
    header_at: int | None = None      # index in kept of a header with no frame kept yet
    frame_indent: str | None = None   # indent of the frame whose lines are being read
    keep_frame = False
    for line in lines:
        if frame_indent is not None:
            if line.startswith(frame_indent + " ") and not _FRAME.match(line):
                if keep_frame:
                    kept.append(line)
                continue
            frame_indent = None
        if _REPEATED.match(line):
            if keep_frame:
                kept.append(line)
            continue
        frame = _FRAME.match(line)
        if frame:
            frame_indent = frame["indent"]
            keep_frame = _is_learner_file(frame["file"])
            if keep_frame:
                kept.append(line)
                header_at = None
            continue
        if header_at is not None and not line.strip():
            continue
        if header_at is not None:
            # The header's traceback ended without a frame of the learner's.
            del kept[header_at]
            header_at = None
        if _TRACEBACK_HEADER.match(line):
            header_at = len(kept)
            kept.append(line)
            continue
        kept.append(_shorten_paths(line))
    if header_at is not None:
        del kept[header_at]
    result = "\n".join(kept)
    return result + "\n" if text.endswith("\n") and result else result


# ---------------------------------------------------------------------------
# The page

_STYLE = """
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: #1b1b1b; background: #fff; max-width: 60rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
header { border-bottom: 2px solid #d0d7de; margin-bottom: 1.5rem; }
h1 { font-size: 1.6rem; margin: .5rem 0 .25rem; }
h1 .slug { font-size: 1rem; font-weight: normal; color: #57606a; }
h2 { font-size: 1.25rem; margin: 0; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: .75rem 0;
           align-items: baseline; }
dl.facts dt { color: #57606a; }
dl.facts dd { margin: 0; }
.total { font-size: 1.3rem; font-weight: bold; }
.isolation { font-size: .8rem; color: #57606a; }
.banner { background: #ffebe9; border: 2px solid #cf222e; color: #82071e; padding: .75rem 1rem;
          border-radius: 6px; font-weight: bold; margin: 1rem 0; }
table.summary { border-collapse: collapse; margin: 1rem 0 2rem; }
table.summary th, table.summary td { border-bottom: 1px solid #d0d7de; padding: .3rem .8rem; text-align: left; }
table.summary td.points { text-align: right; font-variant-numeric: tabular-nums; }
section.exercise { border: 1px solid #d0d7de; border-radius: 6px; padding: 1rem; margin: 1.25rem 0; }
.exercise-head { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: baseline; }
.points { font-variant-numeric: tabular-nums; }
.outcome { display: inline-block; padding: 0 .5rem; border-radius: 1rem; font-size: .9rem; font-weight: bold; }
.outcome-passed { background: #dafbe1; color: #116329; }
.outcome-failed { background: #fff1e5; color: #953800; }
.outcome-not-answered { background: #eaeef2; color: #424a53; }
.outcome-fault { background: #ffebe9; color: #82071e; }
h3 { font-size: .95rem; margin: 1rem 0 .25rem; color: #57606a; }
pre { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px; padding: .6rem .8rem;
      overflow-x: auto; white-space: pre-wrap; word-break: break-word;
      font: 14px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; margin: 0; }
pre.message { background: #fffbe6; }
.empty { color: #57606a; font-style: italic; }
footer { margin-top: 2rem; font-size: .8rem; color: #57606a; }
"""

# No script, no network, no form: the page needs its inline style only.
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


def _number(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _outcome_class(outcome: str) -> str:
    if outcome in ("passed", "failed"):
        return f"outcome-{outcome}"
    if outcome == "not answered":
        return "outcome-not-answered"
    return "outcome-fault"


def _anchor(function: str, index: int) -> str:
    return f"exercise-{index}-" + re.sub(r"[^A-Za-z0-9_-]", "-", function)


def _check(results: list[ExerciseResult]) -> None:
    for result in results:
        if not isinstance(result, ExerciseResult):
            raise TypeError(f"results must hold ExerciseResult objects, got {type(result).__name__}")
        if result.max_points < 0 or not 0 <= result.points <= result.max_points:
            raise ValueError(
                f"exercise {result.function!r} has {result.points:g} of {result.max_points:g} points: "
                f"points must be between 0 and max_points")


def render_feedback(*, lesson_slug: str, lesson_title: str, learner: str,
                    answers: list[tuple[str, str]], results: list[ExerciseResult],
                    notes: list[str], isolation: str, graded_at: str) -> str:
    """Return one learner's feedback page: a self-contained HTML document.

    Parameters
    ----------
    lesson_slug, lesson_title : str
        The lesson (``"01-loss-vs-cost"``, ``"Loss vs cost"``).
    learner : str
        The learner's id, as in grades.csv.
    answers : list of (str, str)
        ``(function, source of the learner's answer cell)`` in notebook
        order.
    results : list of ExerciseResult
        One per exercise, in the lesson's order.
    notes : list of str
        The learner's statuses (``"late (the LMS marked it late)"``).
    isolation : str
        How the learner's code was isolated, shown in small print; when it
        starts with ``"NOT ISOLATED"`` a banner says so at the top.
    graded_at : str
        When the grading ran, as it should be shown.

    Returns
    -------
    str
        The page.  Check messages pass through :func:`learner_traceback`;
        all text is escaped.

    Raises
    ------
    ValueError
        If an exercise's points are negative or above its maximum.
    """
    _check(results)
    escape = html.escape
    total = sum(result.points for result in results)
    maximum = sum(result.max_points for result in results)
    sources: dict[str, list[str]] = {}
    for function, source in answers:
        sources.setdefault(function, []).append(source)
    graded = {result.function for result in results}

    out: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>{escape(lesson_title)}: feedback for {escape(learner)}</title>",
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
        "<header>",
    ]
    if isolation.startswith("NOT ISOLATED"):
        out.append('<div class="banner" role="alert">This notebook was graded WITHOUT isolation: '
                   "the learner's code ran unconfined, so these points are not protected against "
                   f"tampering. {escape(isolation)}</div>")
    out += [
        f'<h1>{escape(lesson_title)} <span class="slug">({escape(lesson_slug)})</span></h1>',
        '<dl class="facts">',
        f"<dt>Learner</dt><dd>{escape(learner)}</dd>",
        f'<dt>Score</dt><dd class="total">{_number(total)} / {_number(maximum)} points</dd>',
        f"<dt>Graded</dt><dd>{escape(graded_at)}</dd>",
        "</dl>",
        f'<p class="isolation">{escape(isolation)}</p>',
        "</header>",
        "<main>",
    ]

    if notes:
        out.append('<section class="notes"><h2>Notes</h2><ul>')
        out += [f"<li>{escape(note)}</li>" for note in notes]
        out.append("</ul></section>")

    out.append('<table class="summary"><thead><tr><th>Exercise</th><th>Outcome</th>'
               '<th>Points</th></tr></thead><tbody>')
    for index, result in enumerate(results):
        out.append(
            f'<tr><td><a href="#{_anchor(result.function, index)}">{escape(result.function)}</a></td>'
            f"<td>{escape(OUTCOMES.get(result.outcome, result.outcome))}</td>"
            f'<td class="points">{_number(result.points)} / {_number(result.max_points)}</td></tr>')
    out.append("</tbody></table>")

    for index, result in enumerate(results):
        shown = OUTCOMES.get(result.outcome, result.outcome)
        out += [
            f'<section class="exercise" id="{_anchor(result.function, index)}">',
            '<div class="exercise-head">',
            f"<h2>{escape(result.function)}</h2>",
            f'<span class="points">{_number(result.points)} / {_number(result.max_points)} points</span>',
            f'<span class="outcome {_outcome_class(result.outcome)}">{escape(shown)}</span>',
            "</div>",
        ]
        message = learner_traceback(result.message).strip("\n")
        if message:
            out.append("<h3>Check message</h3>")
            out.append(f'<pre class="message">{escape(message)}</pre>')
        out.append("<h3>Your answer</h3>")
        cells = sources.get(result.function)
        if cells:
            out += [f'<pre class="answer">{escape(source)}</pre>' for source in cells]
        else:
            out.append('<p class="empty">No answer cell for this exercise was found in the notebook.</p>')
        out.append("</section>")

    others = [(function, source) for function, source in answers if function not in graded]
    if others:
        out.append('<section class="other-cells"><h2>Other answer cells</h2>')
        for function, source in others:
            out.append(f"<h3>{escape(function)}</h3>")
            out.append(f'<pre class="answer">{escape(source)}</pre>')
        out.append("</section>")

    out += [
        "</main>",
        "<footer>Graded by lossedu grade.</footer>",
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(out)
