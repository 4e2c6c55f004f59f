"""Append-only store of what users think of answers, one JSON object per line, for reviewing misses.

Each vote or comment is its own line, never an edit of an earlier one, so the file is a plain log
that survives crashes and can be read with any JSONL tool. It holds the question, the answer and
what it cited, never who asked: no user names, session ids or secrets.
"""
from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

VOTES = ("up", "down")
_CITED_FIELDS = ("source", "section", "quote")


class FeedbackStore:
    """Thread-safe appender: one lock per file path keeps lines from concurrent sessions whole."""

    _locks: dict[Path, threading.Lock] = {}
    _locks_guard = threading.Lock()

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        with self._locks_guard:
            self._lock = self._locks.setdefault(self.path.resolve(), threading.Lock())

    def add(self, question: str, answer: str, citations: Sequence[Mapping[str, Any]], mode: str,
            vote: str | None = None, comment: str = "") -> dict[str, Any]:
        """Append one record and return it; `vote` is "up", "down" or None for a comment alone."""
        if vote is not None and vote not in VOTES:
            raise ValueError(f"vote must be one of {VOTES} or None, not {vote!r}")
        record = {
            "time": datetime.now().astimezone().isoformat(timespec="seconds"),
            "question": question,
            "answer": answer,
            "citations": [{k: c.get(k) for k in _CITED_FIELDS} for c in citations],
            "mode": mode,
            "vote": vote,
            "comment": comment.strip(),
        }
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(line)
        return record

    def read(self) -> list[dict[str, Any]]:
        """Every record so far, oldest first (for review scripts and tests)."""
        if not self.path.exists():
            return []
        with self.path.open(encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]
