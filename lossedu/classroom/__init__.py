"""Grading a class: from an LMS download to grades, gradebook and feedback.

``lossedu grade LESSON SUBMISSIONS`` (see :mod:`lossedu.cli`) runs
:func:`lossedu.classroom.run.grade_class`, built from one module per step:

=====================  =====================================================
``lessons``            the lesson, its exercises and points
``collect``            learners' notebooks from a zip, a folder or one file
``lms``                LMS download names (Canvas, Moodle) to learner ids
``rebuild``            the learner's answer cells, found in their notebook
``isolation``          the operating system's isolation of learner code
``sandbox``            the grader's side of one learner's sandbox process
``_sandbox_child``     the sandbox process itself (runs the answer cells)
``job``                one learner: answer cells in the sandbox, checks here
``gradebook``          the nbgrader course folder and its gradebook
``feedback``           one HTML page per learner
``report``             grades.csv and the summary
``lms_export``         the grade import files of Canvas and Moodle
``output``             staged, link-proof writing of the results
``run``                all of the above for a class, locally or on Dask
``nbgrader_settings``  nbgrader's own route (the course's nbgrader_config.py)
``isolated_kernel``    its kernel, started inside the same isolation
``preprocessors``      its preprocessors: output size cap, hidden tests
                       removed from feedback
=====================  =====================================================
"""
