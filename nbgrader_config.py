"""nbgrader configuration of the Loss Functions course.

nbgrader reads this file when it runs from the repository root (every
``nbgrader ...`` command, and ``python3 course.py release``).

Layout (one nbgrader assignment per lesson, named by its slug):

    solutions/<slug>/<slug>.ipynb   instructor notebooks, the nbgrader *source*
    notebooks/<slug>/<slug>.ipynb   learner notebooks, the nbgrader *release*,
                                    written by ``nbgrader generate_assignment``
    submitted/, autograded/, feedback/   nbgrader's usual folders for grading

Gradebook: SQLite in ``gradebook.db`` next to this file (nbgrader's default).
To use another database, e.g. PostgreSQL, set the environment variable
``LOSSEDU_DB_URL`` to an SQLAlchemy URL before running nbgrader:

    LOSSEDU_DB_URL=postgresql://user:password@host/gradebook nbgrader autograde 01-loss-vs-cost
"""
import os

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

COURSE_ROOT = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.root = COURSE_ROOT
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"
c.CourseDirectory.db_url = os.environ.get(
    "LOSSEDU_DB_URL", "sqlite:///" + os.path.join(COURSE_ROOT, "gradebook.db")
)

# Executing notebooks (nbgrader validate and autograde). Every lesson runs in a
# few seconds, so 60 s per cell only stops a submission that hangs (an endless
# loop, a huge array). A cell that times out is interrupted and recorded as an
# error, and grading goes on with the next cell and the next submission.
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True
c.Execute.startup_timeout = 120
c.Execute.execute_retries = 0
c.Execute.kernel_name = "python3"
