"""Writing a run's results so that nothing planted in the output folder can redirect them.

Every run writes into a fresh staging folder it creates itself
(``<output>/.run-XXXX``, ``mkdir`` fails if it exists), each file opened with
``O_CREAT | O_EXCL | O_NOFOLLOW`` (a planted symlink or FIFO makes the open
fail instead of being followed or blocking), then moves the finished files
into place with ``rename``, which replaces a directory entry and never
writes through it.  Results are left read-only.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

__all__ = ["Staging", "safe_name"]

_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | \
    getattr(os, "O_CLOEXEC", 0)


def safe_name(name: str) -> str:
    """A file name from a learner id: no separators, no leading dot."""
    cleaned = "".join(ch if ch.isalnum() or ch in "-_.@" else "_" for ch in str(name))
    cleaned = cleaned.lstrip(".") or "_"
    return cleaned[:120]


class Staging:
    """A fresh folder inside ``output`` where a run writes its files before publishing them."""

    def __init__(self, output: Path):
        self.output = Path(output)
        self.output.mkdir(parents=True, exist_ok=True)
        if self.output.is_symlink() or not self.output.is_dir():
            raise OSError(f"{self.output} is not a folder")
        for _ in range(10):
            folder = self.output / f".run-{secrets.token_hex(6)}"
            try:
                os.mkdir(folder, 0o755)
                break
            except FileExistsError:
                continue
        else:
            raise OSError(f"could not create a staging folder in {self.output}")
        self.folder = folder

    def path(self, relative: str) -> Path:
        return self.folder / relative

    def write_bytes(self, relative: str, data: bytes) -> Path:
        """Write a new file under the staging folder (its folders made as needed)."""
        target = self.folder / relative
        parent = target.parent
        parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, _FLAGS, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        return target

    def write_text(self, relative: str, text: str) -> Path:
        return self.write_bytes(relative, text.encode("utf-8"))

    def publish(self, relative: str) -> Path:
        """Move a staged file or folder to the same place in the output folder (atomic)."""
        source = self.folder / relative
        target = self.output / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        existing = _lstat(target)
        if existing is not None and stat.S_ISDIR(existing.st_mode) and source.is_dir():
            raise FileExistsError(f"{target} exists; move it aside first")
        if existing is not None and not stat.S_ISDIR(existing.st_mode) and source.is_dir():
            os.unlink(target)         # a planted file or link where a folder goes
        os.rename(source, target)
        _read_only(target)
        return target

    def remove(self) -> None:
        from lossedu.classroom.gradebook import remove_tree

        remove_tree(self.folder)


def _lstat(path: Path):
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None


def _read_only(path: Path) -> None:
    if path.is_symlink():
        return
    if path.is_dir():
        for root, _, names in os.walk(path):
            for name in names:
                full = os.path.join(root, name)
                if not os.path.islink(full):
                    os.chmod(full, 0o444)
    else:
        os.chmod(path, 0o444)
