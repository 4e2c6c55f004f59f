"""The persisted store: a SQLite catalog (source of truth), Chroma for dense vectors, bm25s for BM25.

Write order keeps the store usable after a crash: vectors are upserted first, then the catalog
commits the document and its chunks in one transaction, then stale vectors are deleted, then the
BM25 index is rebuilt from the catalog and swapped in atomically. Readers only trust ids the
catalog knows, so orphan vectors left by a crash are invisible until `check` removes them.
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from pathlib import Path

import bm25s
import numpy as np

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
"""
Filters = dict[str, object]


def _meta_from_json(raw: str) -> ReportMeta:
    return ReportMeta(**json.loads(raw))


class Index:
    """One store directory. Thread-safe for readers; writes are serialized by a lock."""

    def __init__(self, settings: Settings, lexicon: Lexicon, embedder: Embedder) -> None:
        self.settings = settings
        self.lexicon = lexicon
        self.embedder = embedder
        self.dir = Path(settings.store_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self._write_lock = threading.Lock()
        self._folded: dict[str, str] = {}
        self._local = threading.local()
        with self._db() as db:
            db.executescript(_SCHEMA)
        self._collection = self._open_chroma()
        self._bm25: bm25s.BM25 | None = None
        self._bm25_ids: list[str] = []
        self._bm25_sources: np.ndarray = np.array([], dtype=object)
        self._df: dict[str, int] = {}
        self._load_bm25()

    # -- catalog -----------------------------------------------------------------------------
    def _db(self) -> sqlite3.Connection:
        """One connection per thread (sqlite3 connections must not cross threads)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.dir / "catalog.sqlite3", timeout=30)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
        return conn

    def document_sha(self, source: str) -> str | None:
        row = self._db().execute("SELECT sha256 FROM documents WHERE source=?", (source,)).fetchone()
        return row[0] if row else None

    def source_with_sha(self, sha256: str) -> str | None:
        row = self._db().execute("SELECT source FROM documents WHERE sha256=?", (sha256,)).fetchone()
        return row[0] if row else None

    def documents(self) -> list[tuple[Document, int]]:
        """Every indexed report with its chunk count (text left empty: fetch it with `document`)."""
        rows = self._db().execute(
            "SELECT d.source, d.sha256, d.meta, d.encoding, d.format, COUNT(c.id) FROM documents d "
            "LEFT JOIN chunks c ON c.source=d.source GROUP BY d.source ORDER BY d.source").fetchall()
        return [(Document(source=r[0], text="", meta=_meta_from_json(r[2]), sha256=r[1],
                          encoding=r[3], format=r[4]), r[5]) for r in rows]

    def metas(self) -> dict[str, ReportMeta]:
        rows = self._db().execute("SELECT source, meta FROM documents").fetchall()
        return {source: _meta_from_json(meta) for source, meta in rows}

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
                            start=r[5], end=r[6], meta=metas[r[1]]) for r in rows}

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

    # -- writes ------------------------------------------------------------------------------
    def add(self, doc: Document, chunks: list[Chunk]) -> None:
        """Replace the document's chunks (vectors first, catalog second, stale vectors last)."""
        with self._write_lock:
            self._folded.pop(doc.source, None)
            old_ids = set(self.chunk_ids(doc.source))
            new = [c for c in chunks if c.id not in old_ids]
            if new:
                vectors = self.embedder.encode([c.search_text for c in new])
                self._upsert_vectors(new, vectors)
            db = self._db()
            with db:
                db.execute("DELETE FROM chunks WHERE source=?", (doc.source,))
                db.execute("DELETE FROM documents WHERE source=?", (doc.source,))
                db.execute("INSERT INTO documents(source, sha256, meta, text, encoding, format) VALUES (?,?,?,?,?,?)",
                           (doc.source, doc.sha256, json.dumps(asdict(doc.meta), ensure_ascii=False),
                            doc.text, doc.encoding, doc.format))
                db.executemany(
                    "INSERT INTO chunks(id, source, start, end, section, text, search_text, tokens) VALUES (?,?,?,?,?,?,?,?)",
                    [(c.id, c.source, c.start, c.end, c.section, c.text, c.search_text,
                      " ".join(self.lexicon.tokens(c.search_text))) for c in chunks])
            stale = old_ids - {c.id for c in chunks}
            if stale:
                self._collection.delete(ids=sorted(stale))

    def remove(self, source: str) -> bool:
        with self._write_lock:
            self._folded.pop(source, None)
            ids = self.chunk_ids(source)
            db = self._db()
            with db:
                gone = db.execute("DELETE FROM documents WHERE source=?", (source,)).rowcount
                db.execute("DELETE FROM chunks WHERE source=?", (source,))
            if ids:
                self._collection.delete(ids=ids)
            return bool(gone)

    def _upsert_vectors(self, chunks: list[Chunk], vectors: np.ndarray, batch: int = 1000) -> None:
        for i in range(0, len(chunks), batch):
            part = chunks[i:i + batch]
            self._collection.upsert(
                ids=[c.id for c in part],
                embeddings=vectors[i:i + batch].tolist(),
                metadatas=[{"source": c.source, "region": c.meta.region, "year": c.meta.year or 0,
                            "level": c.meta.level} for c in part],
            )

    # -- chroma ------------------------------------------------------------------------------
    def _open_chroma(self):
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        if self.settings.chroma_host:
            client = chromadb.HttpClient(host=self.settings.chroma_host, port=self.settings.chroma_port,
                                         settings=chroma_settings)
        else:
            client = chromadb.PersistentClient(path=str(self.dir / "chroma"), settings=chroma_settings)
        return client.get_or_create_collection(
            self.settings.collection, metadata={"hnsw:space": "cosine", "embedding_model": self.embedder.model_name},
            embedding_function=None)

    def dense_search(self, vector: np.ndarray, k: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity), best first."""
        count = self._collection.count()
        if count == 0:
            return []
        where = _chroma_where(filters)
        result = self._collection.query(query_embeddings=[vector.tolist()], n_results=min(k, count),
                                        where=where, include=["distances"])
        return [(i, 1.0 - d) for i, d in zip(result["ids"][0], result["distances"][0])]

    # -- bm25 --------------------------------------------------------------------------------
    def _bm25_dir(self) -> Path:
        return self.dir / "bm25"

    def _load_bm25(self) -> None:
        """Load the persisted BM25 index; rebuild only if it is missing or disagrees with the catalog."""
        path = self._bm25_dir()
        state_file = path / "state.json"
        expected = self._catalog_state()
        if state_file.exists():
            state = json.loads(state_file.read_text())
            if state.get("catalog") == expected and state["ids"]:
                self._bm25 = bm25s.BM25.load(str(path), mmap=False, load_vocab=True)
                self._set_bm25_rows(state["ids"], state["sources"])
                return
            if state.get("catalog") == expected:
                self._set_bm25_rows([], [])
                return
        self.rebuild_bm25()

    def _catalog_state(self) -> list[int]:
        row = self._db().execute("SELECT COUNT(*), COALESCE(MAX(ord), 0), COALESCE(SUM(ord), 0) FROM chunks").fetchone()
        return list(row)

    def _set_bm25_rows(self, ids: list[str], sources: list[str]) -> None:
        self._bm25_ids = ids
        self._bm25_sources = np.array(sources, dtype=object)
        self._df: dict[str, int] = {}
        if self._bm25 is not None:
            counts = np.diff(self._bm25.scores["indptr"])
            self._df = {tok: int(counts[i]) for tok, i in self._bm25.vocab_dict.items() if tok and i < len(counts)}

    def rebuild_bm25(self) -> None:
        """Index every chunk's stored tokens; written to a temp dir and renamed into place."""
        rows = self._db().execute("SELECT id, source, tokens FROM chunks ORDER BY ord").fetchall()
        ids = [r[0] for r in rows]
        sources = [r[1] for r in rows]
        tmp = self.dir / "bm25.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        retriever = None
        if rows:
            retriever = bm25s.BM25()
            retriever.index([r[2].split() for r in rows], show_progress=False)
            retriever.save(str(tmp), show_progress=False)
        (tmp / "state.json").write_text(json.dumps(
            {"catalog": self._catalog_state(), "ids": ids, "sources": sources}, ensure_ascii=False))
        old = self.dir / "bm25.old"
        shutil.rmtree(old, ignore_errors=True)
        if self._bm25_dir().exists():
            os.replace(self._bm25_dir(), old)
        os.replace(tmp, self._bm25_dir())
        shutil.rmtree(old, ignore_errors=True)
        self._bm25 = retriever
        self._set_bm25_rows(ids, sources)

    def bm25_search(self, tokens: list[str], k: int, sources: Iterable[str] | None = None) -> list[tuple[str, float]]:
        """(chunk id, BM25 score > 0), best first; `sources` restricts to those reports."""
        if self._bm25 is None or not tokens:
            return []
        mask = None
        if sources is not None:
            mask = np.isin(self._bm25_sources, list(sources)).astype(np.float32)
        scores = self._bm25.get_scores(tokens, weight_mask=mask)
        top = np.argsort(-scores)[:k]
        return [(self._bm25_ids[i], float(scores[i])) for i in top if scores[i] > 0]

    def idf(self, term: str) -> float | None:
        """BM25 idf of a (folded) term over chunks; None for a term the corpus never uses."""
        df = self._df.get(term, 0)
        if not df:
            return None
        n = len(self._bm25_ids)
        return float(np.log((n - df + 0.5) / (df + 0.5) + 1.0))

    def knows(self, phrase: str) -> bool:
        """True when every token of the phrase occurs somewhere in the corpus."""
        tokens = self.lexicon.tokens(phrase)
        return bool(tokens) and all(t in self._df for t in tokens)

    # -- health ------------------------------------------------------------------------------
    def check(self, repair: bool = False) -> dict[str, int]:
        """Compare catalog, Chroma and BM25; with repair, re-embed missing vectors and drop orphans."""
        catalog = set(self.chunk_ids())
        stored = set(self._collection.get(include=[])["ids"])
        report = {"chunks": len(catalog), "vectors": len(stored), "missing_vectors": len(catalog - stored),
                  "orphan_vectors": len(stored - catalog), "bm25_rows": len(self._bm25_ids),
                  "bm25_stale": int(set(self._bm25_ids) != catalog)}
        if repair:
            with self._write_lock:
                if stored - catalog:
                    self._collection.delete(ids=sorted(stored - catalog))
                missing = self.chunks(sorted(catalog - stored))
                if missing:
                    part = list(missing.values())
                    self._upsert_vectors(part, self.embedder.encode([c.search_text for c in part]))
                self.rebuild_bm25()
        return report


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
