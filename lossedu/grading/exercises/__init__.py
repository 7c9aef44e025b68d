"""The course's exercises, one module per lesson.

``lesson03_mean_squared_error`` declares the exercises of lesson
``03-mean-squared-error`` (the module's name is ``lesson`` + the slug with
``_`` for ``-``): their case generators, their :class:`~lossedu.grading.exercise.Exercise`
declarations and their known mistakes, each mistake with an example of the
buggy function that earns it.  The registry collects each module's
exercises in the order of the course plan (``lossedu/course_plan.toml``).
What several lessons share is in :mod:`lossedu.grading.exercises.common`.
"""
