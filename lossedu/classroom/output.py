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

__all__ = ["Staging", "new_folder", "read_regular_file", "safe_name", "write_new_file"]

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
        folder = self.output
        for part in Path(relative).parts[:-1]:   # real folders only, never a planted link
            folder = folder / part
            info = _lstat(folder)
            if info is not None and not stat.S_ISDIR(info.st_mode):
                os.rename(folder, folder.with_name(
                    f"{folder.name}.not-a-folder-{secrets.token_hex(4)}"))
                info = None
            if info is None:
                os.mkdir(folder, 0o755)
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


def read_regular_file(path: Path, limit: int = 256 * 2**20) -> bytes:
    """The bytes of ``path`` if it is a regular file (not a link, FIFO or device).

    Opened with ``O_NOFOLLOW | O_NONBLOCK``, so that a planted link is not
    followed and a planted FIFO cannot block the grader.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | \
        getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as error:
        raise OSError(f"{path} cannot be read safely ({error.strerror}; is it a link?)") \
            from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(f"{path} is not a regular file")
        if info.st_size > limit:
            raise OSError(f"{path} is larger than {limit} bytes")
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def new_folder(parent: Path, name: str) -> Path:
    """Create ``parent/name`` (or ``name-2``, ...) as a new real folder of this run.

    ``parent`` must be a real folder: a link or file planted in its place is
    moved aside (renamed, never followed) and a real folder made.
    """
    parent = Path(parent)
    existing = _lstat(parent)
    if existing is not None and not stat.S_ISDIR(existing.st_mode):
        aside = parent.with_name(f"{parent.name}.not-a-folder-{secrets.token_hex(4)}")
        os.rename(parent, aside)
        existing = None
    if existing is None:
        os.mkdir(parent, 0o755)
    for suffix in range(1, 1000):
        folder = parent / (name if suffix == 1 else f"{name}-{suffix}")
        try:
            os.mkdir(folder, 0o755)
            return folder
        except FileExistsError:
            continue
    raise OSError(f"could not create a new folder in {parent}")


def write_new_file(path: Path, data: bytes) -> Path:
    """Write ``data`` into a new file (never through an existing file, link or FIFO)."""
    fd = os.open(path, _FLAGS, 0o444)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)
    return Path(path)


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
