"""The persisted store: a SQLite catalog (source of truth), Chroma for dense vectors, bm25s for BM25.

Write order keeps the store usable after a crash, SIGKILL included:
1. the vectors of a batch of documents are upserted into Chroma;
2. the catalog commits those documents and their chunks in one transaction and bumps `generation`;
3. vectors of replaced chunks are deleted;
4. after the last batch, BM25 is rebuilt from the catalog into a new directory and the pointer file
   `bm25.json` is swapped in atomically (os.replace).
Vectors of a document still being written are recorded in `pending_vectors` after each bounded
slice, so an interrupted ingest of a huge file resumes where it stopped instead of re-embedding all
of it. Readers only trust ids the chunk table knows: dense hits that are not catalog chunks are
dropped before ranking, and vectors that are neither chunks nor pending (a crash between 1 and 2)
are deleted by the next open that finds no writer running. A crash between 2 and 4 leaves BM25
behind the catalog: the pointer records the catalog state it was built from, and the next open
rebuilds BM25 when they disagree.

Several processes on one machine may share a store directory (UI workers and a CLI ingest) when the
vectors live in a Chroma server: writers hold an exclusive lock on `write.lock` for a whole ingest,
and readers see a new catalog `generation` on their next request and reload metadata, BM25 and their
view of Chroma. The embedded Chroma caches its HNSW index per process, so a reader that kept its
client after another process wrote would fail with "Error finding id" or search stale vectors; a new
generation written elsewhere therefore opens a fresh client. A reader never rebuilds BM25 while a
writer holds the lock; it keeps the previous index meanwhile. A writer waiting for the lock reports
who holds it and for how long (the holder writes its pid and start time into the lock file).
"""
from __future__ import annotations

import fcntl
import itertools
import json
import logging
import os
import shutil
import sqlite3
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import bm25s
import numpy as np

from . import corrections
from .config import Settings
from .embed import Embedder
from .normalize import fold
from .records import Chunk, Document, ReportMeta
from .tokens import Lexicon

_SCHEMA = """
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
INSERT OR IGNORE INTO store_state VALUES ('generation', 0);
"""
_INSERT_DOCUMENT = ("INSERT INTO documents(source, sha256, meta, text, encoding, format, path) "
                    "VALUES (?,?,?,?,?,?,?)")
_INSERT_CHUNK = ("INSERT INTO chunks(id, source, start, end, section, text, search_text, tokens) "
                 "VALUES (?,?,?,?,?,?,?,?)")
log = logging.getLogger(__name__)
Filters = dict[str, object]
Encoded = Callable[[int, int], None]  # (chunks embedded so far, chunks to embed) during a write
Waiting = Callable[[float, dict], None]  # (seconds waited, the holder's {"pid", "since"}) while the lock is taken
_WAIT_REPORT_S = 5.0  # how often a waiting writer says it is still waiting
_POINTER = "bm25.json"
_ENCODE_SLICE = 128  # texts per encode call, for progress; a write's chunks are sorted by length first, so
# slices pad no more than one call would (doc-order slices of 128 padded 22% more tokens than one sorted pass)
_UPSERT_BATCH = 512  # vectors stored and recorded as pending at a time: what an interruption can lose
_GET_PAGE = 20000
# Dense search restricted to some reports, by how many (measured on 210k chunks, docs/performance.md):
_EXACT_SOURCES = 64  # few reports: fetch their vectors and score exactly (~30 µs a chunk) ...
_EXACT_CHUNKS = 1000  # ... up to this many chunks; Chroma's where clause costs 40-150 ms
_OVERFETCH_SHARE = 0.05  # many reports (a year, a level): unfiltered HNSW for k / share * 2, then keep theirs
_OVERFETCH_MAX = 1500


def _meta_from_json(raw: str) -> ReportMeta:
    return ReportMeta(**json.loads(raw))


class Index:
    """One store directory. Thread-safe for readers; writes are serialized across threads and processes."""

    def __init__(self, settings: Settings, lexicon: Lexicon, embedder: Embedder) -> None:
        self.settings = settings
        self.lexicon = lexicon
        self.embedder = embedder
        self.dir = Path(settings.store_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self._write_lock = threading.RLock()
        self._lock_fd: int | None = None
        self._lock_depth = 0
        self._sync_lock = threading.Lock()
        self._chroma_lock = threading.Lock()
        self._local = threading.local()
        self._generation: int | None = None
        self._bm25_stamp: tuple[int, int] | None = None
        self._metas: dict[str, ReportMeta] = {}
        self._learned: set[str] = set()
        self._folded: dict[str, str] = {}
        self._vector_count: int | None = None
        self._bm25: bm25s.BM25 | None = None
        self._bm25_dir = ""
        self._bm25_ids: list[str] = []
        self._bm25_rows: dict[str, np.ndarray] = {}
        self._df: dict[str, int] = {}
        with self._db() as db:
            db.executescript(_SCHEMA)
            if "path" not in {r[1] for r in db.execute("PRAGMA table_info(documents)")}:
                db.execute("ALTER TABLE documents ADD COLUMN path TEXT")  # stores made before paths were kept
            db.execute("CREATE INDEX IF NOT EXISTS documents_path ON documents(path)")
        self._chroma_generation = self._read_generation()
        self._collection = self._open_chroma()
        self._sync()
        self._drop_orphans()

    # -- catalog -----------------------------------------------------------------------------
    def _db(self) -> sqlite3.Connection:
        """One connection per thread (sqlite3 connections must not cross threads)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.dir / "catalog.sqlite3", timeout=60)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
        return conn

    def _read_generation(self) -> int:
        row = self._db().execute("SELECT value FROM store_state WHERE key='generation'").fetchone()
        return int(row[0]) if row else 0

    def _sync(self) -> None:
        """Reload cached metadata, BM25 and the Chroma view when the catalog changed, here or in another process.

        BM25 is swapped in after an ingest's last catalog commit, so a reader that saw the new
        generation while the writer still ran kept the previous BM25: a new pointer file reloads it.
        """
        generation, pointer = self._read_generation(), self._pointer_stamp()
        if generation == self._generation and pointer == self._bm25_stamp:
            return
        with self._sync_lock:
            if generation == self._generation and pointer == self._bm25_stamp:
                return
            if generation != self._generation:
                self._refresh_chroma(generation)
                rows = self._db().execute("SELECT source, meta FROM documents ORDER BY source").fetchall()
                self._metas = corrections.apply(self._db(), {source: _meta_from_json(meta) for source, meta in rows})
                self.learn_aliases(self._metas.values())
                self._folded.clear()
                self._vector_count = None
            self._load_bm25()
            self._generation, self._bm25_stamp = generation, pointer

    def _pointer_stamp(self) -> tuple[int, int] | None:
        try:
            found = os.stat(self.dir / _POINTER)
        except FileNotFoundError:
            return None
        return found.st_ino, found.st_mtime_ns

    def learn_aliases(self, metas: Iterable[ReportMeta]) -> None:
        """Region names of new reports become jieba words (once: each add_word raises jieba's total)."""
        for meta in metas:
            for name in meta.aliases:
                if name and name not in self._learned:
                    self.lexicon.add_word(name, "ns")
                    self._learned.add(name)

    def document_sha(self, source: str) -> str | None:
        row = self._db().execute("SELECT sha256 FROM documents WHERE source=?", (source,)).fetchone()
        return row[0] if row else None

    def document_at(self, path: str, name: str) -> tuple[str, str] | None:
        """(source, sha256) of the report ingested from this path; a report stored before paths were
        kept (path NULL) under this file name counts as coming from here."""
        db = self._db()
        row = (db.execute("SELECT source, sha256 FROM documents WHERE path=?", (path,)).fetchone()
               or db.execute("SELECT source, sha256 FROM documents WHERE source=? AND path IS NULL", (name,)).fetchone())
        return (row[0], row[1]) if row else None

    def taken(self, source: str) -> bool:
        return self.document_sha(source) is not None

    def source_with_sha(self, sha256: str) -> str | None:
        row = self._db().execute("SELECT source FROM documents WHERE sha256=?", (sha256,)).fetchone()
        return row[0] if row else None

    def documents(self) -> list[tuple[Document, int]]:
        """Every indexed report with its chunk count (text left empty: fetch it with `document_text`)."""
        rows = self._db().execute(
            "SELECT d.source, d.sha256, d.meta, d.encoding, d.format, COUNT(c.id) FROM documents d "
            "LEFT JOIN chunks c ON c.source=d.source GROUP BY d.source ORDER BY d.source").fetchall()
        metas = self.metas()
        return [(Document(source=r[0], text="", meta=metas.get(r[0]) or _meta_from_json(r[2]), sha256=r[1],
                          encoding=r[3], format=r[4]), r[5]) for r in rows]

    def metas(self) -> dict[str, ReportMeta]:
        """Metadata of every report, cached until the catalog changes (a copy: callers may edit it)."""
        self._sync()
        return dict(self._metas)

    def folded_text(self, source: str) -> str:
        """Folded (simplified, half-width, lower-case) text of a report, cached until the store changes."""
        if source not in self._folded:
            if len(self._folded) > 512:
                self._folded.clear()
            self._folded[source] = fold(self.document_text(source)).lower()
        return self._folded[source]

    def document_text(self, source: str) -> str:
        row = self._db().execute("SELECT text FROM documents WHERE source=?", (source,)).fetchone()
        return row[0] if row else ""

    def chunks(self, ids: Sequence[str]) -> dict[str, Chunk]:
        if not ids:
            return {}
        metas = self.metas()
        marks = ",".join("?" * len(ids))
        rows = self._db().execute(
            f"SELECT id, source, text, search_text, section, start, end FROM chunks WHERE id IN ({marks})",
            list(ids)).fetchall()
        return {r[0]: Chunk(id=r[0], source=r[1], text=r[2], search_text=r[3], section=r[4],
                            start=r[5], end=r[6], meta=metas[r[1]]) for r in rows if r[1] in metas}

    def chunks_of(self, source: str) -> list[Chunk]:
        """A report's chunks in document order."""
        ids = self.chunk_ids(source)
        found = self.chunks(ids)
        return [found[i] for i in ids if i in found]

    def chunk_ids(self, source: str | None = None) -> list[str]:
        sql, args = "SELECT id FROM chunks ORDER BY ord", ()
        if source is not None:
            sql, args = "SELECT id FROM chunks WHERE source=? ORDER BY ord", (source,)
        return [r[0] for r in self._db().execute(sql, args)]

    def _ids_of_sources(self, sources: Sequence[str]) -> list[str]:
        marks = ",".join("?" * len(sources))
        return [r[0] for r in self._db().execute(f"SELECT id FROM chunks WHERE source IN ({marks})", list(sources))]

    # -- writes ------------------------------------------------------------------------------
    @contextmanager
    def writing(self, waiting: Waiting | None = None) -> Iterator[None]:
        """Exclusive write access across threads and processes; re-entrant, so an ingest holds it throughout.

        While another writer holds it, `waiting` hears every few seconds how long this one has waited.
        """
        if waiting is None:
            self._acquire(blocking=True)
        else:
            started, report_at = time.monotonic(), 0.0
            while not self._acquire(blocking=False):
                waited = time.monotonic() - started
                if waited >= report_at:
                    waiting(waited, self.lock_holder())
                    report_at = waited + _WAIT_REPORT_S
                time.sleep(0.2)
        try:
            yield
        finally:
            self._release()

    def lock_holder(self) -> dict:
        """{"pid", "since"} of the writer holding the lock, as it wrote them; {} when unknown."""
        try:
            return json.loads((self.dir / "write.lock").read_text() or "{}")
        except (OSError, json.JSONDecodeError):
            return {}

    def _acquire(self, blocking: bool) -> bool:
        if not self._write_lock.acquire(blocking=blocking):
            return False
        if self._lock_depth == 0:
            fd = os.open(self.dir / "write.lock", os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX if blocking else fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                self._write_lock.release()
                return False
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps({"pid": os.getpid(), "since": time.time()}).encode(), 0)
            self._lock_fd = fd
            self._refresh_chroma(self._read_generation())  # write on top of what other processes wrote
        self._lock_depth += 1
        return True

    def _release(self) -> None:
        self._lock_depth -= 1
        if self._lock_depth == 0 and self._lock_fd is not None:
            os.close(self._lock_fd)  # closing the descriptor releases the flock
            self._lock_fd = None
        self._write_lock.release()

    def add(self, doc: Document, chunks: list[Chunk]) -> None:
        """Replace one document's chunks."""
        self.write([(doc, chunks)])

    def write(self, items: Sequence[tuple[Document, list[Chunk]]], encoded: Encoded | None = None,
              paths: dict[str, str] | None = None) -> None:
        """Replace the chunks of several documents at once: vectors first, one catalog commit, stale vectors last.

        Only chunks whose id is new are embedded (ids hash the content), longest first and in slices so
        `encoded` can report progress. Each slice of vectors is recorded as pending once stored, so a
        run cut short (a huge file, Ctrl-C) skips them next time. `paths` maps a source to the file it
        was read from (kept from the previous version when absent). BM25 is not touched: call
        `rebuild_bm25` after an ingest's last write.
        """
        with self.writing():
            db = self._db()
            sources = [doc.source for doc, _ in items]
            old_ids = set(self._ids_of_sources(sources)) if sources else set()
            fresh = [c for _, chunks in items for c in chunks if c.id not in old_ids]
            ready = self._pending_among([c.id for c in fresh])
            new = sorted((c for c in fresh if c.id not in ready), key=lambda c: len(c.search_text), reverse=True)
            for start in range(0, len(new), _UPSERT_BATCH):
                part = new[start:start + _UPSERT_BATCH]
                vectors = []
                for i in range(0, len(part), _ENCODE_SLICE):
                    vectors.append(self.embedder.encode([c.search_text for c in part[i:i + _ENCODE_SLICE]]))
                    if encoded:
                        encoded(len(ready) + start + min(i + _ENCODE_SLICE, len(part)), len(fresh))
                self._upsert_vectors(part, np.concatenate(vectors))
                with db:
                    db.executemany("INSERT OR IGNORE INTO pending_vectors VALUES (?)", [(c.id,) for c in part])
            rows = [(c.id, c.source, c.start, c.end, c.section, c.text, c.search_text,
                     " ".join(self.lexicon.tokens(c.search_text))) for _, chunks in items for c in chunks]
            marks = ",".join("?" * len(sources))
            kept_paths = dict(db.execute(f"SELECT source, path FROM documents WHERE source IN ({marks})", sources))
            with db:
                for doc, _ in items:
                    db.execute("DELETE FROM chunks WHERE source=?", (doc.source,))
                    db.execute("DELETE FROM documents WHERE source=?", (doc.source,))
                    meta = json.dumps(asdict(doc.meta), ensure_ascii=False)
                    path = (paths or {}).get(doc.source) or kept_paths.get(doc.source)
                    db.execute(_INSERT_DOCUMENT, (doc.source, doc.sha256, meta, doc.text, doc.encoding, doc.format,
                                                  path))
                db.executemany(_INSERT_CHUNK, rows)
                db.executemany("DELETE FROM pending_vectors WHERE id=?", [(c.id,) for c in fresh])
                db.execute("UPDATE store_state SET value=value+1 WHERE key='generation'")
            self._chroma_generation = self._read_generation()  # this process's Chroma view holds the new vectors
            stale = old_ids - {r[0] for r in rows}
            if stale:
                self._collection.delete(ids=sorted(stale))

    def _pending_among(self, ids: Sequence[str]) -> set[str]:
        """Which of these chunk ids already have a stored vector from an interrupted write."""
        found: set[str] = set()
        for i in range(0, len(ids), 500):
            part = list(ids[i:i + 500])
            marks = ",".join("?" * len(part))
            found.update(r[0] for r in self._db().execute(f"SELECT id FROM pending_vectors WHERE id IN ({marks})", part))
        return found

    def remove(self, source: str) -> bool:
        with self.writing():
            ids = self.chunk_ids(source)
            db = self._db()
            with db:
                gone = db.execute("DELETE FROM documents WHERE source=?", (source,)).rowcount
                db.execute("DELETE FROM chunks WHERE source=?", (source,))
                db.execute("UPDATE store_state SET value=value+1 WHERE key='generation'")
            self._chroma_generation = self._read_generation()
            if ids:
                self._collection.delete(ids=ids)
            return bool(gone)

    def _upsert_vectors(self, chunks: list[Chunk], vectors: np.ndarray) -> None:
        for i in range(0, len(chunks), _UPSERT_BATCH):
            part = chunks[i:i + _UPSERT_BATCH]
            self._collection.upsert(
                ids=[c.id for c in part],
                embeddings=vectors[i:i + _UPSERT_BATCH],
                metadatas=[{"source": c.source, "region": c.meta.region, "year": c.meta.year or 0,
                            "level": c.meta.level} for c in part],
            )

    # -- chroma ------------------------------------------------------------------------------
    def _open_chroma(self, fresh: bool = False):
        """The embedded PersistentClient, or a Chroma server when chroma_host is set.

        Chroma shares one client system per path within a process and caches its HNSW index there;
        `fresh` forgets that system (without stopping it: other threads may still be querying through
        it) so the new client reads what other processes wrote.
        """
        import chromadb
        from chromadb.api.shared_system_client import SharedSystemClient
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        if self.settings.chroma_host:
            client = chromadb.HttpClient(host=self.settings.chroma_host, port=self.settings.chroma_port,
                                         settings=chroma_settings)
        else:
            path = str(self.dir / "chroma")
            if fresh:
                SharedSystemClient._identifier_to_system.pop(path, None)
                SharedSystemClient._identifier_to_refcount.pop(path, None)
            client = chromadb.PersistentClient(path=path, settings=chroma_settings)
        return client.get_or_create_collection(
            self.settings.collection, metadata={"embedding_model": self.embedder.model_name},
            configuration={"hnsw": {"space": "cosine", "max_neighbors": self.settings.hnsw_max_neighbors,
                                    "ef_construction": self.settings.hnsw_ef_construction,
                                    "ef_search": self.settings.hnsw_ef_search}},
            embedding_function=None)

    def _refresh_chroma(self, generation: int, force: bool = False) -> None:
        """A fresh Chroma view when another process wrote since this one last looked (see module doc)."""
        if self.settings.chroma_host or (generation == self._chroma_generation and not force):
            return
        with self._chroma_lock:
            if generation != self._chroma_generation or force:
                self._collection = self._open_chroma(fresh=True)
                self._chroma_generation = generation
                self._vector_count = None

    def _drop_orphans(self) -> None:
        """Delete vectors no chunk or pending write owns (a writer killed before its commit), when no writer runs."""
        if not self._acquire(blocking=False):
            return
        try:
            owned = self._db().execute("SELECT (SELECT COUNT(*) FROM chunks) + (SELECT COUNT(*) FROM pending_vectors)")
            if self._collection.count() > owned.fetchone()[0]:
                orphans = sorted(self._vector_ids() - set(self.chunk_ids()) - self._pending_ids())
                for i in range(0, len(orphans), _UPSERT_BATCH):
                    self._collection.delete(ids=orphans[i:i + _UPSERT_BATCH])
                log.info("removed %d orphan vectors", len(orphans))
                self._vector_count = None
        finally:
            self._release()

    def _pending_ids(self) -> set[str]:
        return {r[0] for r in self._db().execute("SELECT id FROM pending_vectors")}

    def _known(self, ids: Sequence[str]) -> set[str]:
        """The ids among these that are catalog chunks (orphan and pending vectors are not)."""
        if not ids:
            return set()
        marks = ",".join("?" * len(ids))
        return {r[0] for r in self._db().execute(f"SELECT id FROM chunks WHERE id IN ({marks})", list(ids))}

    def dense_search(self, vector: np.ndarray, k: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of catalog chunks, best first; never raises for Chroma's sake.

        A Chroma error (a view gone stale under another process's write) gets one fresh client and a
        retry; if that fails too the dense ranking is left out and BM25 answers alone.
        """
        self._sync()
        for attempt in (1, 2):
            try:
                return self._dense_search(vector, k, filters)
            except Exception:  # chromadb raises its own InternalError, ValueError, sqlite errors...
                log.warning("dense search failed (attempt %d)", attempt, exc_info=True)
                self._refresh_chroma(self._read_generation(), force=True)
        return []

    def _dense_search(self, vector: np.ndarray, k: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity), best first.

        Chroma's filtered HNSW search is slow on a large collection, so a filter on reports is served
        another way when one fits: a few reports are scored exactly from their fetched vectors; many
        reports (a year's) are picked out of a deeper unfiltered search; all reports means no filter
        (a where clause of 10,000 names costs a second). The where clause is the fallback.
        """
        if self._vector_count is None:
            self._vector_count = self._collection.count()
        if self._vector_count == 0:
            return []
        sources = (filters or {}).get("source")
        if isinstance(sources, (list, tuple, set)) and len(filters or {}) == 1:
            wanted = set(sources)
            share = len(wanted) / max(1, len(self._metas))
            if self._all_reports(wanted):
                filters = None
            elif len(wanted) <= _EXACT_SOURCES:
                ids = self._ids_of_sources(sorted(wanted))
                if len(ids) <= _EXACT_CHUNKS:
                    return self._exact_search(vector, ids, k)
            elif share >= _OVERFETCH_SHARE:
                n = min(self._vector_count, _OVERFETCH_MAX, int(k / share * 2) + k)
                hits = [(i, sim) for i, sim, source in self._query(vector, n, None, with_sources=True)
                        if source in wanted][:k]
                if len(hits) == k or n == self._vector_count:
                    return hits
        return [(i, sim) for i, sim, _ in self._query(vector, k, _chroma_where(filters))][:k]

    def _query(self, vector: np.ndarray, n: int, where: dict | None, with_sources: bool = False
               ) -> list[tuple[str, float, str | None]]:
        """(chunk id, cosine similarity, its report if asked for) of catalog chunks from Chroma's HNSW index,
        best first; asks for more while vectors the catalog does not know took places among the n."""
        include = ["distances", "metadatas"] if with_sources else ["distances"]
        want = n
        while True:
            ask = min(want, self._vector_count or want)
            result = self._collection.query(query_embeddings=[vector.tolist()], n_results=ask, where=where,
                                            include=include)
            ids, distances = result["ids"][0], result["distances"][0]
            sources = [m["source"] for m in result["metadatas"][0]] if with_sources else [None] * len(ids)
            known = self._known(ids)
            hits = [(i, 1.0 - d, source) for i, d, source in zip(ids, distances, sources, strict=True) if i in known]
            if len(hits) >= n or len(ids) < ask or ask >= (self._vector_count or 0):
                return hits
            want = ask * 2 + (ask - len(hits))

    def _all_reports(self, sources: Iterable[str]) -> bool:
        wanted = sources if isinstance(sources, (set, frozenset)) else set(sources)
        return len(wanted) >= len(self._metas) and wanted >= self._metas.keys()

    def _exact_search(self, vector: np.ndarray, ids: list[str], k: int) -> list[tuple[str, float]]:
        if not ids:
            return []
        got = self._collection.get(ids=ids, include=["embeddings"])  # ids from the catalog: no orphans
        if not got["ids"]:
            return []
        sims = np.asarray(got["embeddings"], dtype=np.float32) @ vector.astype(np.float32)
        top = _top(sims, k)
        return [(got["ids"][i], float(sims[i])) for i in top]

    # -- bm25 --------------------------------------------------------------------------------
    def _read_pointer(self) -> dict:
        try:
            return json.loads((self.dir / _POINTER).read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return {}

    def _load_bm25(self) -> None:
        """Use the persisted BM25 if it matches the catalog; rebuild it if a writer died before swapping it in."""
        pointer = self._read_pointer()
        stale = pointer.get("catalog") != self._catalog_state()
        if stale and self._lock_depth == 0 and self._acquire(blocking=False):
            try:  # no writer is running, so a stale index means a crashed one: rebuild it now
                if self._read_pointer().get("catalog") != self._catalog_state():
                    self.rebuild_bm25()
                    return
            finally:
                self._release()
            pointer = self._read_pointer()
        if pointer.get("dir") and pointer["dir"] != self._bm25_dir:
            try:
                self._open_bm25(pointer["dir"])  # stale while a writer runs, still better than none
            except FileNotFoundError:  # swapped and deleted by two rebuilds while we read: take the newest
                self._open_bm25(self._read_pointer()["dir"])

    def _open_bm25(self, name: str) -> None:
        path = self.dir / name
        state = json.loads((path / "state.json").read_text())
        retriever = bm25s.BM25.load(str(path), mmap=False, load_vocab=True) if state["ids"] else None
        self._set_bm25(name, retriever, state["ids"], state["sources"])

    def _catalog_state(self) -> list[int]:
        row = self._db().execute("SELECT COUNT(*), COALESCE(MAX(ord), 0), COALESCE(SUM(ord), 0) FROM chunks").fetchone()
        return list(row)

    def _set_bm25(self, name: str, retriever: bm25s.BM25 | None, ids: list[str], sources: list[str]) -> None:
        rows: dict[str, list[int]] = {}
        for row, source in enumerate(sources):
            rows.setdefault(source, []).append(row)
        df: dict[str, int] = {}
        if retriever is not None:
            counts = np.diff(retriever.scores["indptr"])
            df = {tok: int(counts[i]) for tok, i in retriever.vocab_dict.items() if tok and i < len(counts)}
        self._bm25, self._bm25_dir, self._bm25_ids, self._df = retriever, name, ids, df
        self._bm25_rows = {s: np.asarray(r, dtype=np.int64) for s, r in rows.items()}

    def rebuild_bm25(self) -> None:
        """Index every chunk's stored tokens into a new directory, then swap the pointer to it atomically.

        Tokens become ids through one vocabulary whose int objects are shared, so 200k chunks cost a few
        hundred MB, not the GBs that lists of token strings would; the lookup runs in C (map over a
        defaultdict that numbers new tokens), half the time of a Python loop.
        """
        with self.writing():
            vocab: defaultdict[str, int] = defaultdict(itertools.count().__next__)
            ids, sources, corpus = [], [], []
            for chunk_id, source, tokens in self._db().execute("SELECT id, source, tokens FROM chunks ORDER BY ord"):
                ids.append(chunk_id)
                sources.append(source)
                corpus.append(list(map(vocab.__getitem__, tokens.split())))
            name = f"bm25-{uuid.uuid4().hex[:12]}"
            tmp = self.dir / f"{name}.tmp"
            tmp.mkdir()
            retriever = None
            if ids:
                retriever = bm25s.BM25()
                retriever.index((corpus, dict(vocab)), show_progress=False)
                retriever.save(str(tmp), show_progress=False)
            del corpus
            (tmp / "state.json").write_text(json.dumps({"ids": ids, "sources": sources}, ensure_ascii=False))
            os.replace(tmp, self.dir / name)
            pointer_tmp = self.dir / f"{_POINTER}.tmp"
            pointer_tmp.write_text(json.dumps({"dir": name, "catalog": self._catalog_state()}))
            previous = self._read_pointer().get("dir")
            os.replace(pointer_tmp, self.dir / _POINTER)
            self._set_bm25(name, retriever, ids, sources)
            # Keep the previous directory: a reader in another process may be loading it right now.
            for old in self.dir.glob("bm25*"):
                if old.is_dir() and old.name not in (name, previous):
                    shutil.rmtree(old, ignore_errors=True)

    def bm25_search(self, tokens: list[str], k: int, sources: Iterable[str] | None = None) -> list[tuple[str, float]]:
        """(chunk id, BM25 score > 0), best first; `sources` restricts to those reports."""
        self._sync()
        if self._bm25 is None or not tokens:
            return []
        mask = None
        if sources is not None and not self._all_reports(sources):
            mask = np.zeros(len(self._bm25_ids), dtype=np.float32)
            rows = [self._bm25_rows[s] for s in sources if s in self._bm25_rows]
            if not rows:
                return []
            mask[np.concatenate(rows)] = 1.0
        scores = self._bm25.get_scores(tokens, weight_mask=mask)
        return [(self._bm25_ids[i], float(scores[i])) for i in _top(scores, k) if scores[i] > 0]

    def idf(self, term: str) -> float | None:
        """BM25 idf of a (folded) term over chunks; None for a term the corpus never uses."""
        df = self._df.get(term, 0)
        if not df:
            return None
        n = len(self._bm25_ids)
        return float(np.log((n - df + 0.5) / (df + 0.5) + 1.0))

    def vocabulary(self) -> list[str]:
        """Every BM25 term of the collection (for meaning.py)."""
        self._sync()
        return list(self._df)

    def knows(self, phrase: str) -> bool:
        """True when every token of the phrase occurs somewhere in the corpus."""
        tokens = self.lexicon.tokens(phrase)
        return bool(tokens) and all(t in self._df for t in tokens)

    # -- health ------------------------------------------------------------------------------
    def _vector_ids(self) -> set[str]:
        """Every id in Chroma, paged (one huge response is slow through a server)."""
        found: set[str] = set()
        while True:
            page = self._collection.get(include=[], limit=_GET_PAGE, offset=len(found))["ids"]
            found.update(page)
            if len(page) < _GET_PAGE:
                return found

    def check(self, repair: bool = False) -> dict[str, int]:
        """Compare catalog, Chroma and BM25; with repair, re-embed missing vectors, drop orphans, rebuild BM25."""
        self._sync()
        with self.writing():
            catalog = set(self.chunk_ids())
            stored = self._vector_ids()
            pending = self._pending_ids()
            report = {"chunks": len(catalog), "vectors": len(stored), "missing_vectors": len(catalog - stored),
                      "orphan_vectors": len(stored - catalog - pending), "pending_vectors": len(pending & stored),
                      "bm25_rows": len(self._bm25_ids), "bm25_stale": int(set(self._bm25_ids) != catalog)}
            if repair:  # unfinished writes' vectors go too: the next ingest of their file embeds them again
                extra = sorted(stored - catalog)
                for i in range(0, len(extra), _UPSERT_BATCH):
                    self._collection.delete(ids=extra[i:i + _UPSERT_BATCH])
                with self._db() as db:
                    db.execute("DELETE FROM pending_vectors")
                missing = list(self.chunks(sorted(catalog - stored)).values())
                if missing:
                    self._upsert_vectors(missing, self.embedder.encode([c.search_text for c in missing]))
                self._vector_count = None
                self.rebuild_bm25()
            return report


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest scores, best first, without sorting the whole array."""
    if len(scores) > k:
        part = np.argpartition(-scores, k)[:k]
        return part[np.argsort(-scores[part])]
    return np.argsort(-scores)


def _chroma_where(filters: Filters | None) -> dict | None:
    """Filters {"source"|"region"|"year"|"level": value or list} -> a Chroma where clause."""
    if not filters:
        return None
    clauses = []
    for key, value in filters.items():
        if value is None or value == []:
            continue
        if isinstance(value, (list, tuple, set)):
            clauses.append({key: {"$in": list(value)}})
        else:
            clauses.append({key: value})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}
