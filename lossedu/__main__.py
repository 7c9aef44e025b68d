"""``python -m lossedu``: the same as the ``lossedu`` command."""

import sys

from lossedu.cli import main

if __name__ == "__main__":
    sys.exit(main())
