"""Every known mistake is recognised: its own example gets exactly its diagnosis.

Each :class:`~lossedu.grading.diagnoses.Mistake` carries, next to its
detector, an example of the buggy learner function (an exercise's mistakes in
its lesson module under lossedu/grading/exercises/, the generic ones in
lossedu/grading/diagnoses.py).  The check must fail on the example with that
diagnosis, and its message must name the mistake and show the input, the
expected value and what came back.
"""

import types

import pytest

from lossedu.grading import EXERCISES, CheckFailed, check
from lossedu.grading.diagnoses import GENERIC_AFTER, GENERIC_BEFORE

GENERIC = GENERIC_BEFORE + GENERIC_AFTER


def declared_examples():
    """(exercise id, mistake, example function) for every example of every mistake."""
    found = []
    for exercise in EXERCISES.values():
        for mistake in exercise.mistakes:
            found += [(exercise_id, mistake, function)
                      for exercise_id, function in mistake.examples(exercise.id)]
    for mistake in GENERIC:
        found += [(exercise_id, mistake, function)
                  for exercise_id, function in mistake.examples()]
    return found


EXAMPLES = declared_examples()


def as_learner_code(function):
    """The example as a learner's notebook holds it: its code outside lossedu's folder.

    The checker tells the learner's frames from the course's by their file
    (a NotImplementedError raised by the learner's own stub, or by a helper it
    calls); an example lives in lossedu, so its code (and any function nested
    in it) is given a notebook's file name, as a learner's would have.
    """
    def rehome(code):
        constants = tuple(rehome(constant) if isinstance(constant, types.CodeType) else constant
                          for constant in code.co_consts)
        return code.replace(co_filename="<ipython-input>", co_consts=constants)

    copy = types.FunctionType(rehome(function.__code__), function.__globals__, function.__name__,
                              function.__defaults__, function.__closure__)
    copy.__kwdefaults__ = function.__kwdefaults__
    return copy


def _example_id(entry):
    exercise_id, mistake, function = entry
    name = function.__name__
    return f"{exercise_id}-{mistake.name}" + ("" if name == "<lambda>" else f"-{name}")


@pytest.mark.parametrize("exercise_id,mistake,function", EXAMPLES,
                         ids=[_example_id(entry) for entry in EXAMPLES])
def test_each_mistake_diagnoses_its_example(exercise_id, mistake, function):
    with pytest.raises(CheckFailed) as failure:
        check(exercise_id, as_learner_code(function))
    error = failure.value
    message = str(error)
    assert error.diagnosis == mistake.name, message
    assert f"Likely mistake ({mistake.title}):" in message
    assert message.count("Likely mistake") == 1
    assert message.startswith(f"{exercise_id}: check {error.case_index} of ")
    assert "Input, called as" in message
    for name in EXERCISES[exercise_id].parameters:
        assert f"  {name} = " in message


def test_every_declared_mistake_has_an_example():
    missing = [f"{exercise.id}: {mistake.name}" for exercise in EXERCISES.values()
               for mistake in exercise.mistakes if not mistake.examples(exercise.id)]
    missing += [f"generic: {mistake.name}" for mistake in GENERIC if not mistake.examples()]
    assert not missing, f"mistakes without an example of the buggy function: {missing}"


def test_generic_examples_name_exercises_that_exist():
    for mistake in GENERIC:
        for exercise_id, _ in mistake.examples():
            assert exercise_id in EXERCISES, (mistake.name, exercise_id)

