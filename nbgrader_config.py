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

from lossedu.classroom.nbgrader_settings import apply_grading_settings

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

COURSE_ROOT = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.root = COURSE_ROOT
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"
c.CourseDirectory.db_url = os.environ.get(
    "LOSSEDU_DB_URL", "sqlite:///" + os.path.join(COURSE_ROOT, "gradebook.db")
)

# Executing and reporting (nbgrader validate, autograde, generate_feedback):
# the same settings as `lossedu grade`. Every lesson runs in a few seconds, so
# 60 s per cell only stops a submission that hangs (an endless loop, a huge
# array); that cell is recorded as an error and grading goes on. Outputs are
# capped, and feedback leaves out the hidden tests.
#
# Isolation: `nbgrader autograde` runs each learner's notebook in the kernel
# "lossedu-isolated" (c.IsolatedExecute.kernel_name, set by
# apply_grading_settings; the kernelspec ships in lossedu/classroom/kernels/,
# no install step). Its kernel starts inside bubblewrap, like `lossedu grade`'s
# sandbox: own pid/net/ipc/uts/mount namespaces, an unprivileged uid when
# grading as root, read-only Python, site-packages and lossedu only (not this
# folder: solutions/ and the gradebook are not visible), a copy of the
# notebook's folder, a tmpfs HOME, no network, rlimits. It talks to nbgrader
# over ZMQ's ipc transport through a private folder per kernel. Needs Linux
# with bubblewrap (Debian/Ubuntu `sudo apt-get install bubblewrap`, Fedora
# `sudo dnf install bubblewrap`); `lossedu grade --check-isolation` says what
# this machine offers. Without it, autograde stops with a message saying so.
# To grade WITHOUT isolation (learner code then runs as you, with your files,
# network and processes), opt out explicitly for one run:
#
#     LOSSEDU_NBGRADER_UNISOLATED=1 nbgrader autograde 01-loss-vs-cost
#
# which grades with the plain "python3" kernel. `nbgrader validate` (an
# instructor's or a learner's own notebook) always uses "python3", below.
apply_grading_settings(c, timeout=60)
c.Execute.kernel_name = "python3"

# Collecting an LMS download with `nbgrader zip_collect LESSON`: put the zip in
# downloaded/LESSON/archive/; Canvas and Moodle file names become learner ids
# (Canvas user id, Moodle participant id), see lossedu/classroom/lms.py.
c.ZipCollectApp.collector_plugin = "lossedu.classroom.lms_plugin.LMSCollectorPlugin"
