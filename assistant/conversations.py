"""Saved conversations, one small SQLite file under data/: staff come back to yesterday's questions.

A conversation belongs to an owner: "user:<login>" when logins are on, else "browser:<random id>"
kept in that browser's localStorage. Every read and write names the owner, so nobody can open,
rename or delete another's conversation by guessing its id. Turns are stored as the UI keeps
them (JSON), so a reopened conversation redraws exactly and its follow-ups still work.
"""
from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TITLE_CHARS = 40


@dataclass
class Conversation:
    id: str
    title: str
    updated: float


def owner_of(username: str | None, browser_id: str | None) -> str:
    """Who a conversation belongs to: the login when there is one, else the browser's id."""
    return f"user:{username}" if username else f"browser:{browser_id or ''}"


class ConversationStore:
    """Conversations per owner in data/conversations.sqlite3; safe to share between threads."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("CREATE TABLE IF NOT EXISTS conversations (id TEXT PRIMARY KEY, owner TEXT NOT NULL, "
                             "title TEXT NOT NULL, updated REAL NOT NULL, turns TEXT NOT NULL)")
            self._db.execute("CREATE INDEX IF NOT EXISTS by_owner ON conversations (owner, updated)")
            self._db.execute("CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)")

    def secret(self) -> str:
        """The key browser ids are sealed with in localStorage; kept here so they outlive a restart."""
        with self._lock:
            self._db.execute("INSERT OR IGNORE INTO settings VALUES ('browser_secret', ?)", (secrets.token_hex(16),))
            return self._db.execute("SELECT value FROM settings WHERE key='browser_secret'").fetchone()[0]

    def save(self, owner: str, conversation_id: str | None, turns: list[dict[str, Any]]) -> str:
        """Store the turns (a new conversation when id is None, titled by its first question); returns the id."""
        conversation_id = conversation_id or uuid.uuid4().hex
        title = (turns[0]["question"] if turns else "新对话")[:TITLE_CHARS]
        data = json.dumps(turns, ensure_ascii=False)
        with self._lock:
            updated = self._db.execute("UPDATE conversations SET turns=?, updated=? WHERE id=? AND owner=?",
                                       (data, time.time(), conversation_id, owner)).rowcount
            if not updated:
                self._db.execute("INSERT INTO conversations VALUES (?, ?, ?, ?, ?)",
                                 (conversation_id, owner, title, time.time(), data))
        return conversation_id

    def list(self, owner: str) -> list[Conversation]:
        """The owner's conversations, latest first."""
        with self._lock:
            rows = self._db.execute("SELECT id, title, updated FROM conversations WHERE owner=? "
                                    "ORDER BY updated DESC", (owner,)).fetchall()
        return [Conversation(*row) for row in rows]

    def load(self, owner: str, conversation_id: str) -> list[dict[str, Any]] | None:
        with self._lock:
            row = self._db.execute("SELECT turns FROM conversations WHERE id=? AND owner=?",
                                   (conversation_id, owner)).fetchone()
        return json.loads(row[0]) if row else None

    def rename(self, owner: str, conversation_id: str, title: str) -> bool:
        title = title.strip()[:TITLE_CHARS]
        if not title:
            return False
        with self._lock:
            return bool(self._db.execute("UPDATE conversations SET title=? WHERE id=? AND owner=?",
                                         (title, conversation_id, owner)).rowcount)

    def delete(self, owner: str, conversation_id: str) -> bool:
        with self._lock:
            return bool(self._db.execute("DELETE FROM conversations WHERE id=? AND owner=?",
                                         (conversation_id, owner)).rowcount)
