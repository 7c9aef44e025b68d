"""The feedback page written without a kernel, and the learner-only tracebacks in it."""

import html.parser
import importlib.util
import linecache
import os
import re
import textwrap
import traceback

import numpy as np
import pytest

import lossedu
from lossedu.classroom.feedback import ExerciseResult, learner_traceback, render_feedback

# ---------------------------------------------------------------------------
# Realistic tracebacks: an instructor's grader module at an absolute path runs
# the learner's answer compiled as "<answer_cost>", which calls into numpy or
# lossedu and raises.

GRADER_SOURCE = '''
import linecache


def run_answer(source, function, *args, register_source=True):
    filename = "<answer_" + function + ">"
    if register_source:
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {}
    exec(compile(source, filename, "exec"), namespace)
    return namespace[function](*args)
'''


@pytest.fixture
def grader(tmp_path):
    folder = tmp_path / "home" / "teacher" / "course-grader"
    folder.mkdir(parents=True)
    path = folder / "run_answers.py"
    path.write_text(GRADER_SOURCE)
    spec = importlib.util.spec_from_file_location("run_answers_for_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module
    for name in [name for name in linecache.cache if name.startswith("<answer_")]:
        del linecache.cache[name]


def traceback_of(grader, source, *args, register_source=True):
    source = textwrap.dedent(source)
    with pytest.raises(BaseException):
        grader.run_answer(source, "cost", *args, register_source=register_source)
    try:
        grader.run_answer(source, "cost", *args, register_source=register_source)
    except BaseException:
        return traceback.format_exc()
    raise AssertionError("the answer did not raise")


def frame_files(text):
    return re.findall(r'^\s*File "([^"]*)"', text, flags=re.MULTILINE)


NUMPY_DIR = os.path.dirname(np.__file__)
LOSSEDU_DIR = os.path.dirname(lossedu.__file__)


def assert_no_course_paths(text, tmp_path):
    assert str(tmp_path) not in text
    assert NUMPY_DIR not in text
    assert LOSSEDU_DIR not in text
    assert 'File "/' not in text
    assert not re.search(r"(?<![\w.])/(?:[\w.-]+/)+[\w.-]+", text), text


def test_numpy_frames_are_dropped_and_the_learners_kept(grader, tmp_path):
    raw = traceback_of(grader, """
        import numpy as np

        def cost(y_true, y_pred):
            errors = np.reshape(y_pred, (2, 2)) - y_true
            return np.mean(errors ** 2)
        """, np.arange(3.0), np.arange(3.0))
    # the raw traceback really goes through the grader and numpy
    assert any(file.startswith(NUMPY_DIR) for file in frame_files(raw))
    assert any(file.startswith(str(tmp_path)) for file in frame_files(raw))

    shown = learner_traceback(raw)
    assert frame_files(shown) == ["<answer_cost>"]
    assert shown.splitlines()[0] == "Traceback (most recent call last):"
    assert "in cost" in shown
    assert "errors = np.reshape(y_pred, (2, 2)) - y_true" in shown
    assert shown.rstrip().splitlines()[-1] == (
        "ValueError: cannot reshape array of size 3 into shape (2,2)")
    assert "exec(compile(" not in shown  # the grader's own source line
    assert_no_course_paths(shown, tmp_path)


def test_lossedu_frames_are_dropped(grader, tmp_path):
    raw = traceback_of(grader, """
        import lossedu

        def cost(y_true, y_pred):
            return lossedu.regression.mse(y_true, y_pred) / 2
        """, [1.0, 2.0], [1.0])
    assert any(file.startswith(LOSSEDU_DIR) for file in frame_files(raw))
    shown = learner_traceback(raw)
    assert frame_files(shown) == ["<answer_cost>"]
    assert "return lossedu.regression.mse(y_true, y_pred) / 2" in shown
    assert shown.rstrip().splitlines()[-1].startswith("ValueError: ")
    assert "y_true" in shown.rstrip().splitlines()[-1]
    assert_no_course_paths(shown, tmp_path)


def test_absolute_paths_in_the_message_become_base_names(grader, tmp_path):
    secret = tmp_path / "home" / "teacher" / "solutions" / "answers.csv"
    raw = traceback_of(grader, """
        import numpy as np

        def cost(y_true, y_pred):
            table = np.loadtxt(y_true)
            return table.mean()
        """, str(secret), 0)
    assert str(secret) in raw
    shown = learner_traceback(raw)
    last = shown.rstrip().splitlines()[-1]
    assert last.startswith("FileNotFoundError: ")
    assert "answers.csv" in last
    assert frame_files(shown) == ["<answer_cost>"]
    assert_no_course_paths(shown, tmp_path)


def test_chained_exceptions_keep_both_parts(grader, tmp_path):
    raw = traceback_of(grader, """
        def cost(y_true, y_pred):
            try:
                return {"a": 1}[y_true]
            except KeyError:
                raise ValueError("unknown label")
        """, "b", 0)
    shown = learner_traceback(raw)
    assert shown.count("Traceback (most recent call last):") == 2
    assert "During handling of the above exception, another exception occurred:" in shown
    assert "KeyError: 'b'" in shown
    assert shown.rstrip().endswith("ValueError: unknown label")
    assert frame_files(shown) == ["<answer_cost>", "<answer_cost>"]
    assert_no_course_paths(shown, tmp_path)


def test_syntax_error_keeps_the_learners_line_and_caret(grader, tmp_path):
    raw = traceback_of(grader, """
        def cost(y_true, y_pred)
            return 0
        """)
    shown = learner_traceback(raw)
    assert frame_files(shown) == ["<answer_cost>"]
    assert "def cost(y_true, y_pred)" in shown
    assert "^" in shown
    assert shown.rstrip().splitlines()[-1].startswith("SyntaxError: ")
    assert_no_course_paths(shown, tmp_path)


def test_endless_recursion_keeps_the_repeat_line(grader, tmp_path):
    raw = traceback_of(grader, """
        def cost(y_true, y_pred):
            return cost(y_true, y_pred) + 1
        """, 1, 2)
    shown = learner_traceback(raw)
    assert re.search(r"\[Previous line repeated \d+ more times\]", shown)
    assert set(frame_files(shown)) == {"<answer_cost>"}
    assert shown.rstrip().splitlines()[-1].startswith("RecursionError: ")
    assert_no_course_paths(shown, tmp_path)


def test_without_registered_source_the_frame_line_stays(grader, tmp_path):
    raw = traceback_of(grader, """
        def cost(y_true, y_pred):
            return y_true / y_pred
        """, 1, 0, register_source=False)
    shown = learner_traceback(raw)
    assert shown.splitlines() == [
        "Traceback (most recent call last):",
        '  File "<answer_cost>", line 3, in cost',
        "ZeroDivisionError: division by zero",
    ]


def test_a_traceback_with_no_learner_frame_keeps_only_its_message():
    text = ("Traceback (most recent call last):\n"
            '  File "/opt/course/lossedu/grading/checker.py", line 12, in check\n'
            "    raise CheckFailed(message)\n"
            "lossedu.grading.CheckFailed: cost: check 1 of 14 failed\n")
    assert learner_traceback(text) == "lossedu.grading.CheckFailed: cost: check 1 of 14 failed\n"


def test_plain_messages_are_unchanged():
    message = ("cost: check 2 of 14 failed (two samples).\n"
               "  y_true = array([1., 2.])\n"
               "  y_pred = array([1., 3.])\n"
               "expected 0.5, got 1.0: your result is exactly 2 times the reference "
               "(ratio 2/1): did you sum instead of taking the mean?")
    assert learner_traceback(message) == message
    assert learner_traceback(learner_traceback(message)) == message


@pytest.mark.parametrize("text, expected", [
    ("could not read /home/teacher/course/lossedu/data/cases.npz",
     "could not read cases.npz"),
    ("No such file or directory: '/srv/my course/answers key.csv'",
     "No such file or directory: 'answers key.csv'"),
    (r"cannot open C:\Users\teacher\course\grader.py now", "cannot open grader.py now"),
    ("see https://numpy.org/doc/stable/reference/ for details",
     "see https://numpy.org/doc/stable/reference/ for details"),
    ("unsupported operand type(s) for /: 'str' and 'int'",
     "unsupported operand type(s) for /: 'str' and 'int'"),
])
def test_paths_in_messages(text, expected):
    assert learner_traceback(text) == expected


# ---------------------------------------------------------------------------
# The page


class PageParser(html.parser.HTMLParser):
    """Collect the tags, attributes and the text of each <pre> and <title>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []
        self.pres = []          # (class, text)
        self.title = ""
        self._pre = None
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "pre":
            self._pre = [dict(attrs).get("class", ""), ""]
        if tag == "title":
            self._in_title = True

    def handle_endtag(self, tag):
        if tag == "pre" and self._pre is not None:
            self.pres.append(tuple(self._pre))
            self._pre = None
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._pre is not None:
            self._pre[1] += data
        if self._in_title:
            self.title += data


def parse(page):
    parser = PageParser()
    parser.feed(page)
    parser.close()
    return parser


ANSWERS = [
    ("squared_error", "def squared_error(y, y_hat):\n    return (y - y_hat) ** 2\n"),
    ("cost", "def cost(y_true, y_pred):\n    return np.sum((y_true - y_pred) ** 2)\n"),
    ("predict", "def predict(x, w, b):\n    return w * x + b\n"),
]
RESULTS = [
    ExerciseResult("squared_error", 2, 2, "passed"),
    ExerciseResult("cost", 0, 3, "failed",
                   "cost: check 2 of 14 failed.\nexpected 0.5, got 1.0: did you sum instead of "
                   "taking the mean?"),
    ExerciseResult("predict", 1.5, 2, "passed"),
    ExerciseResult("gradient_descent_step", 0, 3, "time limit",
                   "stopped at the time limit (10 s): an endless loop?"),
]


def page(**changes):
    arguments = dict(lesson_slug="01-loss-vs-cost", lesson_title="Loss vs cost", learner="123456",
                     answers=ANSWERS, results=RESULTS,
                     notes=["late (the LMS marked it late)"],
                     isolation="isolated: user, pid and network namespaces; rlimits",
                     graded_at="2026-12-03 12:40 UTC")
    arguments.update(changes)
    return render_feedback(**arguments)


ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "header", "div", "h1", "h2", "h3",
                "span", "dl", "dt", "dd", "p", "main", "section", "ul", "li", "table", "thead",
                "tbody", "tr", "th", "td", "a", "pre", "footer"}


def test_header_shows_lesson_learner_total_and_date():
    text = page()
    parsed = parse(text)
    assert parsed.title == "Loss vs cost: feedback for 123456"
    # 2 + 0 + 1.5 + 0 of 2 + 3 + 2 + 3, added by hand
    assert "3.5 / 10 points" in text
    assert "2026-12-03 12:40 UTC" in text
    assert "01-loss-vs-cost" in text
    assert '<p class="isolation">isolated: user, pid and network namespaces; rlimits</p>' in text
    assert 'class="banner"' not in text


def test_not_isolated_gets_a_banner():
    text = page(isolation="NOT ISOLATED: user namespaces are disabled on this machine")
    banner = re.search(r'<div class="banner" role="alert">(.*?)</div>', text, flags=re.S)
    assert banner
    assert "WITHOUT isolation" in banner[1]
    assert "user namespaces are disabled on this machine" in banner[1]
    # the banner comes before everything else in the header
    assert text.index('class="banner"') < text.index("<h1>")


def test_each_exercise_shows_points_outcome_message_then_answer():
    text = page()
    sections = re.findall(r'<section class="exercise" id="[^"]+">(.*?)</section>', text, flags=re.S)
    assert len(sections) == 4
    squared, cost, predict, step = sections
    assert "<h2>squared_error</h2>" in squared and "2 / 2 points" in squared
    assert "outcome-passed" in squared and "Check message" not in squared
    assert "<h2>cost</h2>" in cost and "0 / 3 points" in cost and ">failed<" in cost
    assert cost.index('<pre class="message">') < cost.index('<pre class="answer">')
    assert "did you sum instead of taking the mean?" in cost
    assert "return np.sum((y_true - y_pred) ** 2)" in cost
    assert "1.5 / 2 points" in predict
    assert "stopped at the time limit" in step and "outcome-fault" in step
    assert "No answer cell for this exercise" in step
    assert [pre for pre in parse(text).pres if pre[0] == "answer"] == [
        ("answer", source) for _, source in ANSWERS]


def test_notes_are_listed():
    text = page(notes=["late (the LMS marked it late)", "1 added code cell not graded"])
    assert "<li>late (the LMS marked it late)</li>" in text
    assert "<li>1 added code cell not graded</li>" in text


def test_learner_controlled_text_stays_text():
    evil_source = ('def cost(y_true, y_pred):\n'
                   '    return "</pre><script>alert(1)</script><pre>"  # & <!-- -->\n')
    evil_message = 'cost: expected 1 got "<b>2</b>" & <img src=x onerror=alert(2)>'
    evil_learner = "<img src=x onerror=alert(3)>"
    text = page(learner=evil_learner,
                answers=[("cost", evil_source)],
                results=[ExerciseResult("cost", 0, 3, "failed", evil_message)],
                notes=["<script>alert(4)</script>"])
    parsed = parse(text)
    tags = {tag for tag, _ in parsed.tags}
    assert tags <= ALLOWED_TAGS
    assert "<script" not in text.lower()
    assert "<img" not in text.lower()
    assert not any(name.startswith("on") for _, attrs in parsed.tags for name in attrs)
    assert ("answer", evil_source) in parsed.pres
    assert ("message", evil_message) in parsed.pres
    assert parsed.title == f"Loss vs cost: feedback for {evil_learner}"


def test_page_is_self_contained():
    text = page()
    parsed = parse(text)
    assert {tag for tag, _ in parsed.tags} <= ALLOWED_TAGS
    assert "http://" not in text and "https://" not in text
    assert not any(name in attrs for _, attrs in parsed.tags for name in ("src", "srcset"))
    hrefs = [attrs["href"] for tag, attrs in parsed.tags if "href" in attrs]
    assert hrefs and all(href.startswith("#") for href in hrefs)
    ids = {attrs["id"] for _, attrs in parsed.tags if "id" in attrs}
    assert {href[1:] for href in hrefs} <= ids
    csp = [attrs["content"] for tag, attrs in parsed.tags
           if tag == "meta" and attrs.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in csp[0] and "script-src" not in csp[0]


def test_check_message_tracebacks_lose_course_paths():
    message = ("cost raised an error:\n"
               "Traceback (most recent call last):\n"
               '  File "/home/teacher/course/lossedu/grading/checker.py", line 40, in _call\n'
               "    got = function(*case.args)\n"
               '  File "<answer_cost>", line 2, in cost\n'
               "    return y_true / y_pred\n"
               "ZeroDivisionError: division by zero")
    text = page(results=[ExerciseResult("cost", 0, 3, "failed", message)])
    assert "/home/teacher" not in text and "checker.py" not in text
    assert "&lt;answer_cost&gt;" in text and "ZeroDivisionError: division by zero" in text


def test_answer_cells_without_a_result_are_still_shown():
    text = page(answers=ANSWERS + [("helper", "def softmax(z):\n    return z\n")])
    assert "Other answer cells" in text and "def softmax(z):" in text


def test_points_out_of_range_are_refused():
    with pytest.raises(ValueError, match="'cost' has 4 of 3 points"):
        page(results=[ExerciseResult("cost", 4, 3, "passed")])
