"""Grading a class: from an LMS download to grades and feedback.

``lossedu grade LESSON SUBMISSIONS`` (see :mod:`lossedu.cli`) runs
:func:`lossedu.classroom.pipeline.grade_class`, built from one module per
step:

=====================  =====================================================
``lessons``            the lesson, its exercises and points (from the source)
``collect``            learners' notebooks from a zip or folder (LMS names)
``rebuild``            the graded notebook: the release + the learner's answers
``workers``/``worker``  nbgrader processes that autograde and write feedback
``kernel``             the learner's kernel, with a memory cap
``preprocessors``      nbgrader preprocessors: output size cap, hidden tests
                       removed from feedback
``sandbox``            the re-check of every exercise outside the kernel
``course``             the nbgrader course folders and the gradebook
``report``/``progress``  grades.csv, the summary, the progress bar
``pipeline``           all of the above, per learner, in parallel
=====================  =====================================================
"""
