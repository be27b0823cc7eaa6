"""One writer at a time: an advisory lock on `index/LOCK` held for a whole build or sync.

The lock is an `flock` on the file, so the kernel releases it when its owner dies: a lock
left behind by a killed `remarks index` is never in the way. The file records the owner's
pid, for the message a waiting writer gives when it runs out of patience.
"""

import fcntl
import os
import time
from pathlib import Path

from indexer.errors import IndexLockedError

LOCK_NAME = "LOCK"
POLL_SECONDS = 0.1


class IndexLock:
    """Hold the writer lock of an index folder, waiting up to `timeout` seconds for it."""

    def __init__(self, index_dir: Path, timeout: float = 30.0) -> None:
        self.path = Path(index_dir) / LOCK_NAME
        self.timeout = timeout
        self._fd: int | None = None

    def __enter__(self) -> "IndexLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    owner = _read_pid(fd)
                    os.close(fd)
                    who = f" (pid {owner})" if owner else ""
                    raise IndexLockedError(
                        f"Another remarks process{who} is updating the index at "
                        f"{self.path.parent}; waited {self.timeout:g} s.",
                        "Try again when it has finished, or pass --wait SECONDS to wait longer.",
                    ) from None
                time.sleep(POLL_SECONDS)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def _read_pid(fd: int) -> int | None:
    try:
        return int(os.pread(fd, 32, 0).decode().strip() or 0) or None
    except (OSError, ValueError):
        return None
