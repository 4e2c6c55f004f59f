"""The SQLite catalog, source of truth of the store: documents, their chunks (text, span, tokens), vectors of
unfinished writes (`pending_vectors`), the `generation` every change bumps, and `store_info` (the model record).

One connection per thread (sqlite3 connections must not cross threads), WAL, foreign keys on.
"""
from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from pathlib import Path

from .. import corrections
from ..records import Chunk, Document, ReportMeta

FILE = "catalog.sqlite3"
SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    source TEXT PRIMARY KEY, sha256 TEXT NOT NULL, meta TEXT NOT NULL, text TEXT NOT NULL,
    encoding TEXT, format TEXT, added_at TEXT DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE IF NOT EXISTS chunks (
    ord INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL,
    source TEXT NOT NULL REFERENCES documents(source) ON DELETE CASCADE,
    start INTEGER, end INTEGER, section TEXT, text TEXT, search_text TEXT, tokens TEXT);
CREATE INDEX IF NOT EXISTS chunks_source ON chunks(source);
CREATE INDEX IF NOT EXISTS documents_sha ON documents(sha256);
CREATE TABLE IF NOT EXISTS store_state (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS pending_vectors (id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS store_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO store_state VALUES ('generation', 0);
"""
INSERT_DOCUMENT = ("INSERT INTO documents(source, sha256, meta, text, encoding, format, path) "
                   "VALUES (?,?,?,?,?,?,?)")
INSERT_CHUNK = ("INSERT INTO chunks(id, source, start, end, section, text, search_text, tokens) "
                "VALUES (?,?,?,?,?,?,?,?)")
_BUMP = "UPDATE store_state SET value=value+1 WHERE key='generation'"
_IN_CHUNK = 500  # ids per IN (...) query


def meta_from_json(raw: str) -> ReportMeta:
    return ReportMeta(**json.loads(raw))


class Catalog:
    """The catalog of one store directory."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / FILE
        self._local = threading.local()
        with self.db() as db:
            db.executescript(SCHEMA)
            if "path" not in {r[1] for r in db.execute("PRAGMA table_info(documents)")}:
                db.execute("ALTER TABLE documents ADD COLUMN path TEXT")  # stores made before paths were kept
            db.execute("CREATE INDEX IF NOT EXISTS documents_path ON documents(path)")

    def db(self) -> sqlite3.Connection:
        """This thread's connection."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=60)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
        return conn

    def generation(self) -> int:
        row = self.db().execute("SELECT value FROM store_state WHERE key='generation'").fetchone()
        return int(row[0]) if row else 0

    def state(self) -> list[int]:
        """What BM25 was built from: (chunk count, max ord, sum of ords) changes with every chunk written or deleted."""
        row = self.db().execute("SELECT COUNT(*), COALESCE(MAX(ord), 0), COALESCE(SUM(ord), 0) FROM chunks").fetchone()
        return list(row)

    # -- documents ---------------------------------------------------------------------------
    def metas(self) -> dict[str, ReportMeta]:
        """Every report's metadata as users see it (their corrections applied)."""
        rows = self.db().execute("SELECT source, meta FROM documents ORDER BY source").fetchall()
        return corrections.apply(self.db(), {source: meta_from_json(meta) for source, meta in rows})

    def documents(self) -> list[tuple[str, str, str, str | None, str | None, int]]:
        """(source, sha256, meta json, encoding, format, chunk count) of every report, by source."""
        return self.db().execute(
            "SELECT d.source, d.sha256, d.meta, d.encoding, d.format, COUNT(c.id) FROM documents d "
            "LEFT JOIN chunks c ON c.source=d.source GROUP BY d.source ORDER BY d.source").fetchall()

    def document_sha(self, source: str) -> str | None:
        row = self.db().execute("SELECT sha256 FROM documents WHERE source=?", (source,)).fetchone()
        return row[0] if row else None

    def document_at(self, path: str, name: str) -> tuple[str, str] | None:
        """(source, sha256) of the report ingested from this path; a report stored before paths were
        kept (path NULL) under this file name counts as coming from here."""
        db = self.db()
        row = (db.execute("SELECT source, sha256 FROM documents WHERE path=?", (path,)).fetchone()
               or db.execute("SELECT source, sha256 FROM documents WHERE source=? AND path IS NULL", (name,)).fetchone())
        return (row[0], row[1]) if row else None

    def document_path(self, source: str) -> str | None:
        """The file a report was read from, as resolved at ingest (None for reports stored before paths were kept)."""
        row = self.db().execute("SELECT path FROM documents WHERE source=?", (source,)).fetchone()
        return row[0] if row else None

    def source_with_sha(self, sha256: str) -> str | None:
        row = self.db().execute("SELECT source FROM documents WHERE sha256=?", (sha256,)).fetchone()
        return row[0] if row else None

    def document_text(self, source: str) -> str:
        row = self.db().execute("SELECT text FROM documents WHERE source=?", (source,)).fetchone()
        return row[0] if row else ""

    # -- chunks ------------------------------------------------------------------------------
    def chunks(self, ids: Sequence[str], metas: dict[str, ReportMeta]) -> dict[str, Chunk]:
        """The chunks of these ids whose report is in `metas`."""
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self.db().execute(
            f"SELECT id, source, text, search_text, section, start, end FROM chunks WHERE id IN ({marks})",
            list(ids)).fetchall()
        return {r[0]: Chunk(id=r[0], source=r[1], text=r[2], search_text=r[3], section=r[4],
                            start=r[5], end=r[6], meta=metas[r[1]]) for r in rows if r[1] in metas}

    def chunk_ids(self, source: str | None = None) -> list[str]:
        """Chunk ids in the order they were written (a report's in document order)."""
        sql, args = "SELECT id FROM chunks ORDER BY ord", ()
        if source is not None:
            sql, args = "SELECT id FROM chunks WHERE source=? ORDER BY ord", (source,)
        return [r[0] for r in self.db().execute(sql, args)]

    def ids_of_sources(self, sources: Sequence[str]) -> list[str]:
        marks = ",".join("?" * len(sources))
        return [r[0] for r in self.db().execute(f"SELECT id FROM chunks WHERE source IN ({marks})", list(sources))]

    def known(self, ids: Sequence[str]) -> set[str]:
        """The ids among these that are catalog chunks (orphan and pending vectors are not)."""
        if not ids:
            return set()
        marks = ",".join("?" * len(ids))
        return {r[0] for r in self.db().execute(f"SELECT id FROM chunks WHERE id IN ({marks})", list(ids))}

    def has_chunks(self) -> bool:
        return self.db().execute("SELECT 1 FROM chunks LIMIT 1").fetchone() is not None

    def tokens(self) -> Iterator[tuple[str, str, str]]:
        """(chunk id, source, space-separated tokens) of every chunk, in write order (what BM25 indexes)."""
        return self.db().execute("SELECT id, source, tokens FROM chunks ORDER BY ord")

    def owned(self) -> int:
        """How many vectors the catalog accounts for: its chunks and the pending ones."""
        return self.db().execute(
            "SELECT (SELECT COUNT(*) FROM chunks) + (SELECT COUNT(*) FROM pending_vectors)").fetchone()[0]

    # -- pending vectors: stored by a write that has not committed yet ------------------------------
    def pending_ids(self) -> set[str]:
        return {r[0] for r in self.db().execute("SELECT id FROM pending_vectors")}

    def pending_among(self, ids: Sequence[str]) -> set[str]:
        """Which of these chunk ids already have a stored vector from an interrupted write."""
        found: set[str] = set()
        for i in range(0, len(ids), _IN_CHUNK):
            part = list(ids[i:i + _IN_CHUNK])
            marks = ",".join("?" * len(part))
            found.update(r[0] for r in self.db().execute(f"SELECT id FROM pending_vectors WHERE id IN ({marks})", part))
        return found

    def add_pending(self, ids: Sequence[str]) -> None:
        db = self.db()
        with db:
            db.executemany("INSERT OR IGNORE INTO pending_vectors VALUES (?)", [(i,) for i in ids])

    def clear_pending(self) -> None:
        db = self.db()
        with db:
            db.execute("DELETE FROM pending_vectors")

    # -- writes ------------------------------------------------------------------------------
    def replace(self, items: Sequence[tuple[Document, list[Chunk]]], tokens: dict[str, str],
                paths: dict[str, str] | None, info: dict[str, str]) -> None:
        """One transaction: these documents and their chunks replace what the catalog had for them, their
        vectors stop being pending, `info` rows are recorded where absent, and the generation is bumped.
        `tokens` maps a chunk id to its BM25 tokens; `paths` a source to its file (else the kept one)."""
        db = self.db()
        sources = [doc.source for doc, _ in items]
        marks = ",".join("?" * len(sources))
        kept_paths = dict(db.execute(f"SELECT source, path FROM documents WHERE source IN ({marks})", sources))
        rows = [(c.id, c.source, c.start, c.end, c.section, c.text, c.search_text, tokens[c.id])
                for _, chunks in items for c in chunks]
        with db:
            for doc, _ in items:
                db.execute("DELETE FROM chunks WHERE source=?", (doc.source,))
                db.execute("DELETE FROM documents WHERE source=?", (doc.source,))
                meta = json.dumps(asdict(doc.meta), ensure_ascii=False)
                path = (paths or {}).get(doc.source) or kept_paths.get(doc.source)
                db.execute(INSERT_DOCUMENT, (doc.source, doc.sha256, meta, doc.text, doc.encoding, doc.format, path))
            db.executemany(INSERT_CHUNK, rows)
            db.executemany("DELETE FROM pending_vectors WHERE id=?", [(r[0],) for r in rows])
            db.executemany("INSERT OR IGNORE INTO store_info VALUES (?, ?)", list(info.items()))
            db.execute(_BUMP)

    def remove(self, source: str) -> list[str] | None:
        """Delete a report and its chunks in one transaction; the ids its chunks had, None if there was no such report."""
        ids = self.chunk_ids(source)
        db = self.db()
        with db:
            gone = db.execute("DELETE FROM documents WHERE source=?", (source,)).rowcount
            db.execute("DELETE FROM chunks WHERE source=?", (source,))
            if gone:
                db.execute(_BUMP)
        return ids if gone else None

    # -- the model record ----------------------------------------------------------------------
    def info(self) -> dict[str, str]:
        return dict(self.db().execute("SELECT key, value FROM store_info").fetchall())

    def set_info(self, info: dict[str, str]) -> None:
        """Replace these rows of the record and bump the generation, so every process re-reads it."""
        db = self.db()
        with db:
            db.executemany("INSERT OR REPLACE INTO store_info VALUES (?, ?)", list(info.items()))
            db.execute(_BUMP)
