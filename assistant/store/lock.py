"""The store's write lock: one writer at a time across threads (an RLock) and processes (flock on `write.lock`).

Re-entrant, so an ingest holds it throughout while each of its writes takes it again. The holder writes its
pid and start time into the lock file, so a waiting writer can say who it waits for.
"""
from __future__ import annotations

import fcntl
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

Waiting = Callable[[float, dict], None]  # (seconds waited, the holder's {"pid", "since"}) while the lock is taken
_WAIT_REPORT_S = 5.0  # how often a waiting writer says it is still waiting


class WriteLock:
    """Exclusive write access to one store directory; `on_acquire` runs whenever this process takes it afresh."""

    def __init__(self, path: Path, on_acquire: Callable[[], None]) -> None:
        self.path = path
        self.on_acquire = on_acquire
        self._lock = threading.RLock()
        self._fd: int | None = None
        self.depth = 0  # > 0 while this process holds it

    @contextmanager
    def writing(self, waiting: Waiting | None = None) -> Iterator[None]:
        """Hold the lock for the block; while another writer holds it, `waiting` hears every few seconds
        how long this one has waited."""
        if waiting is None:
            self.acquire(blocking=True)
        else:
            started, report_at = time.monotonic(), 0.0
            while not self.acquire(blocking=False):
                waited = time.monotonic() - started
                if waited >= report_at:
                    waiting(waited, self.holder())
                    report_at = waited + _WAIT_REPORT_S
                time.sleep(0.2)
        try:
            yield
        finally:
            self.release()

    def holder(self) -> dict:
        """{"pid", "since"} of the writer holding the lock, as it wrote them; {} when unknown."""
        try:
            return json.loads(self.path.read_text() or "{}")
        except (OSError, json.JSONDecodeError):
            return {}

    def acquire(self, blocking: bool) -> bool:
        if not self._lock.acquire(blocking=blocking):
            return False
        if self.depth == 0:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX if blocking else fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                self._lock.release()
                return False
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps({"pid": os.getpid(), "since": time.time()}).encode(), 0)
            self._fd = fd
            self.on_acquire()
        self.depth += 1
        return True

    def release(self) -> None:
        self.depth -= 1
        if self.depth == 0 and self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None
        self._lock.release()
