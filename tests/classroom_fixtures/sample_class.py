"""The sample class of lesson 01: honest learners, faults and attacks.

Each :class:`Learner` is one Canvas submission (``<name>_<user id>_<submission
id>_01-loss-vs-cost.ipynb``) built from the lesson's release notebook, with
the exact points ``lossedu grade`` must give and a regular expression its
status must match in full.

The attacks sit in an answer cell (the only learner code that is graded),
usually the answer cell of ``cost``: ``squared_error`` (1 point) is earned
honestly and everything the attack targets is wrong (0 points).  They were
written against the notebook's in-kernel check (patching ``check``, numpy
or builtins, IPython input transformers, fake output, grader detection);
graded in the sandbox with the checks in the grader, each earns exactly its
honest part.

Lesson 01: squared_error 1, cost 1, predict 1, gradient_descent_step 3 points.
"""

from __future__ import annotations

import copy
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

LESSON = "01-loss-vs-cost"
FUNCTIONS = ("squared_error", "cost", "predict", "gradient_descent_step")
POINTS = {"squared_error": 1, "cost": 1, "predict": 1, "gradient_descent_step": 3}

CORRECT = {
    "squared_error": '''import numpy as np

def squared_error(y_true, y_pred):
    """Squared error of each sample."""
    return (np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float)) ** 2
''',
    "cost": '''def cost(y_true, y_pred):
    """Mean of the squared errors."""
    return float(np.mean(squared_error(y_true, y_pred)))
''',
    "predict": '''def predict(X, w, b):
    """X @ w + b."""
    return np.asarray(X, dtype=float) @ np.asarray(w, dtype=float) + float(b)
''',
    "gradient_descent_step": '''def gradient_descent_step(X, y, w, b, learning_rate):
    """One step of gradient descent on the MSE of X @ w + b."""
    X, y, w = (np.asarray(a, dtype=float) for a in (X, y, w))
    residual = X @ w + float(b) - y
    n = len(y)
    return (w - learning_rate * 2.0 / n * (X.T @ residual),
            float(b) - learning_rate * 2.0 / n * residual.sum())
''',
}

WRONG = {
    "cost": '''def cost(y_true, y_pred):
    return float(np.sum(squared_error(y_true, y_pred)))   # sum instead of mean
''',
    "predict": '''def predict(X, w, b):
    return np.asarray(X, dtype=float) @ np.asarray(w, dtype=float)   # bias forgotten
''',
    "gradient_descent_step": '''def gradient_descent_step(X, y, w, b, learning_rate):
    X, y, w = (np.asarray(a, dtype=float) for a in (X, y, w))
    residual = X @ w + float(b) - y
    n = len(y)
    return (w + learning_rate * 2.0 / n * (X.T @ residual),     # uphill
            float(b) + learning_rate * 2.0 / n * residual.sum())
''',
}


def answers(**changes) -> dict:
    """The correct answers with some replaced: ``answers(cost=WRONG["cost"])``."""
    result = dict(CORRECT)
    result.update(changes)
    return result


def wrong_after(attack: str) -> dict:
    """squared_error right; cost, predict and the step wrong; ``attack`` in cost's cell."""
    return answers(cost=attack + "\n" + WRONG["cost"], predict=WRONG["predict"],
                   gradient_descent_step=WRONG["gradient_descent_step"])


def read_release(repo: Path) -> dict:
    path = Path(repo) / "notebooks" / LESSON / f"{LESSON}.ipynb"
    return json.loads(path.read_text(encoding="utf-8"))


def _grade_id(cell) -> str:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")


def notebook(release: dict, sources: dict | None, *, drop=(), replace=None, append=(),
             strip_metadata=False) -> bytes:
    """A learner's notebook: the release with ``sources`` in the answer cells.

    ``drop``: grade ids of cells the learner deleted; ``replace``: grade id ->
    new source of other cells (edited locked cells); ``append``: code cells
    the learner added at the end; ``strip_metadata``: the cells lost their
    nbgrader metadata (copied into a new notebook).
    """
    result = copy.deepcopy(release)
    cells = []
    for cell in result["cells"]:
        grade_id = _grade_id(cell)
        if grade_id in drop:
            continue
        if sources and grade_id.startswith("answer_") and grade_id[7:] in sources:
            cell["source"] = sources[grade_id[7:]]
        if replace and grade_id in replace:
            cell["source"] = replace[grade_id]
        if strip_metadata:
            cell["metadata"] = {}
        cells.append(cell)
    for source in append:
        cells.append({"cell_type": "code", "execution_count": None, "id": f"added-{len(cells)}",
                      "metadata": {}, "outputs": [], "source": source})
    result["cells"] = cells
    return json.dumps(result, indent=1).encode("utf-8")


@dataclass
class Learner:
    label: str                  # what the submission is (also its Canvas name)
    user_id: str                # Canvas user id = the learner id
    files: dict                 # file name in the zip (after the Canvas prefix) -> bytes
    scores: dict                # function -> expected points
    status: str                 # regular expression the status must match in full
    gradable: bool = True
    late: bool = False
    notes: str = ""

    @property
    def total(self) -> float:
        return float(sum(self.scores.values()))


def _scores(*wrong: str) -> dict:
    return {function: (0 if function in wrong else POINTS[function]) for function in FUNCTIONS}


ZERO = {function: 0 for function in FUNCTIONS}
NB = f"{LESSON}.ipynb"


# Attacks, each placed before a wrong `cost` in cost's answer cell.
PATCH_CHECK = '''import lossedu.grading
lossedu.grading.check = lambda *args, **kwargs: "all checks passed"
'''
PATCH_NUMPY = '''np.allclose = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None
np.array_equal = lambda *args, **kwargs: True
np.all = lambda *args, **kwargs: True
'''
PATCH_BUILTINS = '''import builtins
class _Harmless(Exception):
    pass
builtins.AssertionError = _Harmless
_real_isinstance = isinstance
builtins.isinstance = lambda obj, kinds: True if kinds is float else _real_isinstance(obj, kinds)
'''
INPUT_TRANSFORMER = '''def _skip_checks(lines):
    return ["pass\\n"] if any("check(" in line for line in lines) else lines
get_ipython().input_transformers_post.append(_skip_checks)
'''
REDEFINE_CHECK = '''def check(*args, **kwargs):
    return "all checks passed"
'''
FAKE_OUTPUT = '''print("cost: 14 checks passed")
print("predict: 14 checks passed")
'''
DETECT_GRADING = '''import os, sys
if os.environ.get("NBGRADER_EXECUTION") or "autograded" in os.getcwd() or \\
        any("connection" in arg or ".json" in arg for arg in sys.argv):
    import lossedu.grading
    lossedu.grading.check = lambda *args, **kwargs: None
'''
TAMPER_GRADEBOOK = '''import glob, os, sqlite3
for path in glob.glob(os.path.join(os.getcwd(), "..", "..", "..", "gradebook.db")):
    with sqlite3.connect(path) as database:
        database.execute("UPDATE grade SET manual_score = 3.0")
'''
OVERLOADED = '''class _Anything(float):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __sub__(self, other): return 0.0
    def __rsub__(self, other): return 0.0
    def __abs__(self): return 0.0
    def __float__(self): return 1.0
    def __array__(self, *args, **kwargs): return np.zeros(())
    __hash__ = float.__hash__

def cost(y_true, y_pred):
    return _Anything(12345.0)
'''
READ_REFERENCE = '''import sys
REFERENCE_FILE = REFERENCE_PATH

def predict(X, w, b):
    if "IPython" not in sys.modules:            # outside the notebook: borrow the reference
        namespace = {}
        source = open(REFERENCE_FILE).read()
        exec(source, namespace)
        return namespace["predict"](X, w, b)
    return np.asarray(X, dtype=float) @ np.asarray(w, dtype=float)
'''
WARNINGS = '''import warnings
import numpy as np

def squared_error(y_true, y_pred):
    np.log(np.zeros(2))                          # RuntimeWarning: divide by zero
    np.float64(1.0) / np.float64(0.0)
    warnings.warn("a learner's own warning", UserWarning)
    return (np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float)) ** 2

np.sqrt(-np.ones(3))                             # RuntimeWarning at the top level too
'''
FLOOD = '''for line in range(200_000):
    print("flooding the output", line)
print("x" * 5_000_000)
'''


def sample_class(release: dict, reference_file: str) -> list:
    """The learners of the sample class, in user-id order.

    ``reference_file``: the path of lossedu/training.py (which one attacker
    tries to read outside the notebook).
    """
    blank = notebook(release, None)
    other_lesson_cells = [{"cell_type": "code", "execution_count": None, "id": "a1",
                           "metadata": {"nbgrader": {"grade": False, "grade_id": gid,
                                                     "locked": False, "schema_version": 3,
                                                     "solution": True, "task": False}},
                           "outputs": [], "source": f"def {gid[7:]}(*args):\n    pass\n"}
                          for gid in ("answer_sigmoid", "answer_binary_cross_entropy")]
    other_lesson = json.dumps({"cells": other_lesson_cells, "metadata": {}, "nbformat": 4,
                               "nbformat_minor": 5}).encode()
    scratch = json.dumps({"cells": [{"cell_type": "code", "execution_count": None, "id": "s1",
                                     "metadata": {}, "outputs": [],
                                     "source": "print('hello')"}],
                          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()
    return [
        Learner("correct", "1001", {NB: notebook(release, CORRECT)}, _scores(), "ok"),
        Learner("warnings", "1002", {NB: notebook(release, answers(squared_error=WARNINGS))},
                _scores(), "ok", notes="a correct answer that makes numpy warn: full marks"),
        Learner("partial", "1003", {NB: notebook(release, answers(
            predict=WRONG["predict"], gradient_descent_step=WRONG["gradient_descent_step"]))},
            _scores("predict", "gradient_descent_step"), "ok"),
        Learner("blank", "1004", {NB: blank}, ZERO, "no answer written"),
        Learner("invalidjson", "1005", {NB: b'{"cells": [{"cell_type": "code", '}, ZERO,
                r"invalid notebook: not valid JSON \((?!.* at at )[^()]*: line 1 column \d+\)",
                gradable=False),
        Learner("wrongnotebook", "1006", {"scratch.ipynb": scratch}, ZERO,
                r"wrong notebook: none of lesson 01's answers \(squared_error, cost, predict, "
                r"gradient_descent_step\) is in it", gradable=False),
        Learner("missing", "1007", {"report.pdf": b"%PDF-1.4 not a notebook"}, ZERO,
                r"missing: no notebook submitted \(found: .*report\.pdf\)", gradable=False),
        Learner("otherlesson", "1008", {"02-binary-cross-entropy.ipynb": other_lesson}, ZERO,
                "notebook for lesson 02, expected 01", gradable=False),
        Learner("deletedcells", "1009", {NB: notebook(
            release, CORRECT, drop=("answer_predict", "check_cost", "md_03", "md_04"))},
            _scores("predict"),
            r"answer cell deleted for predict: graded as not answered; "
            r"check cell deleted for cost \(the original was graded\)"),
        Learner("copiednotebook", "1010", {NB: notebook(release, CORRECT, strip_metadata=True)},
                _scores(), r"answer found by its def \(nbgrader metadata missing\) for "
                r"squared_error, cost, predict, gradient_descent_step"),
        Learner("endlessloop", "1011", {NB: notebook(release, answers(
            cost="def cost(y_true, y_pred):\n    while True:\n        pass\n",
            predict="while True:\n    pass\n\n" + CORRECT["predict"]))},
            _scores("cost", "predict"),
            r"cost: stopped at the time limit \(endless loop\?\); "
            r"predict: its answer cell was stopped at the time limit \(endless loop\?\): "
            r"graded as not answered"),
        Learner("memory", "1012", {NB: notebook(release, answers(
            predict="def predict(X, w, b):\n    blocks = []\n    while True:\n"
                    "        blocks.append(np.empty(50_000_000))\n"))},
            _scores("predict"), r"predict: ran out of memory"),
        Learner("killskernel", "1013", {NB: notebook(release, answers(
            cost=CORRECT["cost"] + "\nimport os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n",
            gradient_descent_step="import os\n\ndef gradient_descent_step(X, y, w, b, "
                                  "learning_rate):\n    os._exit(1)\n"))},
            _scores("cost", "gradient_descent_step"),
            r"cost: its answer cell crashed the process that ran it: graded as not answered; "
            r"gradient_descent_step: crashed the process that ran it"),
        Learner("flood", "1014", {NB: notebook(release, answers(
            squared_error=CORRECT["squared_error"] + "\n" + FLOOD))}, _scores(), "ok"),
        Learner("editscheck", "1015", {NB: notebook(
            release, answers(cost=WRONG["cost"]), replace={"check_cost": "pass\n"})},
            _scores("cost"), r"check cell edited for cost \(the original was graded\)"),
        Learner("deletescheck", "1016", {NB: notebook(
            release, answers(predict=WRONG["predict"]), drop=("check_predict",))},
            _scores("predict"), r"check cell deleted for predict \(the original was graded\)"),
        Learner("redefinescheck", "1017", {NB: notebook(release, wrong_after(REDEFINE_CHECK))},
                _scores("cost", "predict", "gradient_descent_step"), "ok"),
        Learner("patchescheck", "1018", {NB: notebook(release, wrong_after(PATCH_CHECK))},
                _scores("cost", "predict", "gradient_descent_step"), "ok"),
        Learner("patchesnumpy", "1019", {NB: notebook(release, wrong_after(PATCH_NUMPY))},
                _scores("cost", "predict", "gradient_descent_step"), "ok"),
        Learner("patchesbuiltins", "1020", {NB: notebook(release, wrong_after(PATCH_BUILTINS))},
                _scores("cost", "predict", "gradient_descent_step"), "ok"),
        Learner("inputtransformer", "1021", {NB: notebook(release,
                                                          wrong_after(INPUT_TRANSFORMER))},
                _scores("cost", "predict", "gradient_descent_step"), "ok"),
        Learner("overloadedeq", "1022", {NB: notebook(release, answers(cost=OVERLOADED))},
                _scores("cost"), "ok"),
        Learner("fakeoutput", "1023", {NB: notebook(release, wrong_after(FAKE_OUTPUT))},
                _scores("cost", "predict", "gradient_descent_step"), "ok"),
        Learner("exitskernel", "1024", {NB: notebook(release, answers(
            cost="import sys\n\ndef cost(y_true, y_pred):\n    sys.exit(0)\n\nexit()\nquit()\n"
                 "get_ipython().ask_exit()\n"))},
            _scores("cost"), "ok"),
        Learner("detectsgrading", "1025", {NB: notebook(release, answers(
            cost=DETECT_GRADING + "\n" + WRONG["cost"],
            predict=READ_REFERENCE.replace("REFERENCE_PATH", repr(reference_file)),
            gradient_descent_step=WRONG["gradient_descent_step"]))},
            _scores("cost", "predict", "gradient_descent_step"), "ok"),
        Learner("tampersgradebook", "1026", {NB: notebook(release,
                                                          wrong_after(TAMPER_GRADEBOOK))},
                _scores("cost", "predict", "gradient_descent_step"), "ok"),
        Learner("callsreference", "1027", {NB: notebook(release, answers(
            cost="def cost(y_true, y_pred):\n    return reference_cost(y_true, y_pred)\n"))},
            _scores("cost"), "ok"),
        Learner("addedcell", "1028", {NB: notebook(release, answers(cost=WRONG["cost"]),
                                                   append=(PATCH_CHECK,))},
                _scores("cost"), r"1 added code cell not graded \(only answer cells are\)"),
        Learner("resubmitted", "1029", {NB: blank, f"{LESSON}-1.ipynb": notebook(release, CORRECT)},
                _scores(), r"2 notebooks submitted; graded the lesson's notebook, latest "
                r"version: [^;]*01-loss-vs-cost-1\.ipynb \(not graded: [^;]*\); "
                r"late \(the LMS marked it late\)", late=True),
    ]


def canvas_name(learner: Learner, file_name: str, index: int) -> str:
    late = "LATE_" if learner.late else ""
    return f"{learner.label}_{late}{learner.user_id}_{9000 + index}_{file_name}"


def canvas_zip(learners: list, path: Path) -> Path:
    """The class as Canvas's "Download submissions" zip."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        index = 0
        for learner in learners:
            for minute, (file_name, data) in enumerate(learner.files.items()):
                index += 1
                info = zipfile.ZipInfo(canvas_name(learner, file_name, index),
                                       date_time=(2026, 3, 1, 12, minute, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, data)
    return path


def moodle_zip(learners: dict, path: Path) -> Path:
    """Moodle's "Download all submissions": ``{(full name, participant id): bytes}``."""
    with zipfile.ZipFile(path, "w") as archive:
        for (full_name, participant), data in learners.items():
            archive.writestr(f"{full_name}_{participant}_assignsubmission_file_/{NB}", data)
    return path


def matches(pattern: str, text: str) -> bool:
    return re.fullmatch(pattern, text, flags=re.DOTALL) is not None


__all__ = ["CORRECT", "FUNCTIONS", "Learner", "POINTS", "WRONG", "answers", "canvas_zip",
           "moodle_zip", "notebook", "read_release", "sample_class"]
_ = io, field
