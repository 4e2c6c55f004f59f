"""The persisted store behind one facade: a SQLite catalog (source of truth), Chroma for dense vectors, bm25s
for BM25, and a write lock; each part lives in assistant/store/ and `Index` composes them.

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

The store records the embedding model of its vectors (store/vectors.py). Chunk ids, which are also vector
ids, carry the model's tag and hash the content, so another model's vectors are never taken for this one's.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from .config import Settings
from .embed import Embedder
from .normalize import fold
from .records import Chunk, Document, ReportMeta
from .store.bm25 import Bm25Store
from .store.catalog import INSERT_CHUNK, INSERT_DOCUMENT, Catalog, meta_from_json
from .store.lock import Waiting, WriteLock
from .store.vectors import Filters, VectorStore
from .tokens import Lexicon

log = logging.getLogger(__name__)
Encoded = Callable[[int, int], None]  # (chunks embedded so far, chunks to embed) during a write
_UPSERT_BATCH = 512  # vectors stored and recorded as pending at a time: what an interruption can lose
_ENCODE_SLICE = 128  # texts per encode call, for progress; a write's chunks are sorted by length first, so
# slices pad no more than one call would (doc-order slices of 128 padded 22% more tokens than one sorted pass)
__all__ = ["Encoded", "Filters", "Index", "StoreModelError", "Waiting"]
_INSERT_DOCUMENT, _INSERT_CHUNK = INSERT_DOCUMENT, INSERT_CHUNK  # bench/compare_bench.py fills a catalog directly


class StoreModelError(RuntimeError):
    """The store's vectors were made by another embedding model than the configured one; str(e) is for the user."""

    def __init__(self, recorded: str, configured: str) -> None:
        self.recorded, self.configured = recorded, configured
        super().__init__(f"资料库的向量是用向量模型「{recorded}」生成的，当前设置的向量模型是「{configured}」，"
                         f"两者的向量不能混用。请运行 assistant reindex 用当前模型重建全部向量（可中断，再次运行即继续），"
                         f"或把 ASSISTANT_EMBEDDING_MODEL 改回「{recorded}」。")


class Index:
    """One store directory. Thread-safe for readers; writes are serialized across threads and processes.

    Opening a store whose vectors another model made raises StoreModelError, except with `reindexing`: then
    new vectors go to the configured model's own collection until `adopt_model` makes it the store's.
    """

    def __init__(self, settings: Settings, lexicon: Lexicon, embedder: Embedder, reindexing: bool = False) -> None:
        self.settings = settings
        self.lexicon = lexicon
        self.embedder = embedder
        self.model = embedder.store_id  # the id this process's vectors are made and keyed with
        self.dir = Path(settings.store_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self._reindexing = reindexing
        self._sync_lock = threading.Lock()
        self._generation: int | None = None
        self._bm25_stamp: tuple[int, int] | None = None
        self._metas: dict[str, ReportMeta] = {}
        self._learned: set[str] = set()
        self._folded: dict[str, str] = {}
        self.catalog = Catalog(self.dir)
        self.bm25 = Bm25Store(self.dir)
        self.lock = WriteLock(self.dir / "write.lock", self._on_lock)
        self.vectors = VectorStore(settings, self.dir, self.catalog, self.model)
        if self.vectors.stored_model != self.model and not reindexing:
            raise StoreModelError(self.vectors.stored_model, self.model)
        self._sync()
        self._drop_orphans()

    # -- what tests and benchmarks reach for ------------------------------------------------------
    @property
    def _collection(self):
        return self.vectors.collection

    @property
    def _client(self):
        return self.vectors.client

    def _db(self):
        return self.catalog.db()

    def _pending_ids(self) -> set[str]:
        return self.catalog.pending_ids()

    # -- reading -----------------------------------------------------------------------------
    def _sync(self) -> None:
        """Reload cached metadata, BM25 and the Chroma view when the catalog changed, here or in another process.

        BM25 is swapped in after an ingest's last catalog commit, so a reader that saw the new
        generation while the writer still ran kept the previous BM25: a new pointer file reloads it.
        """
        generation, pointer = self.catalog.generation(), self.bm25.stamp()
        if generation == self._generation and pointer == self._bm25_stamp:
            return
        with self._sync_lock:
            if generation == self._generation and pointer == self._bm25_stamp:
                return
            if generation != self._generation:
                self.vectors.reread()
                self.vectors.refresh(generation)
                self._metas = self.catalog.metas()
                self.learn_aliases(self._metas.values())
                self._folded.clear()
                self.vectors.forget_count()
            self._load_bm25()
            self._generation, self._bm25_stamp = generation, pointer

    def _load_bm25(self) -> None:
        """Use the persisted BM25 if it matches the catalog; rebuild it if a writer died before swapping it in."""
        stale = self.bm25.pointer().get("catalog") != self.catalog.state()
        if stale and self.lock.depth == 0 and self.lock.acquire(blocking=False):
            try:  # no writer is running, so a stale index means a crashed one: rebuild it now
                if self.bm25.pointer().get("catalog") != self.catalog.state():
                    self.rebuild_bm25()
                    return
            finally:
                self.lock.release()
        self.bm25.load()  # stale while a writer runs, still better than none

    def learn_aliases(self, metas: Iterable[ReportMeta]) -> None:
        """Region names of new reports become jieba words (once: each add_word raises jieba's total)."""
        for meta in metas:
            for name in meta.aliases:
                if name and name not in self._learned:
                    self.lexicon.add_word(name, "ns")
                    self._learned.add(name)

    def metas(self) -> dict[str, ReportMeta]:
        """Metadata of every report, cached until the catalog changes (a copy: callers may edit it)."""
        self._sync()
        return dict(self._metas)

    def documents(self) -> list[tuple[Document, int]]:
        """Every indexed report with its chunk count (text left empty: fetch it with `document_text`)."""
        metas = self.metas()
        return [(Document(source=r[0], text="", meta=metas.get(r[0]) or meta_from_json(r[2]), sha256=r[1],
                          encoding=r[3], format=r[4]), r[5]) for r in self.catalog.documents()]

    def document_sha(self, source: str) -> str | None:
        return self.catalog.document_sha(source)

    def document_at(self, path: str, name: str) -> tuple[str, str] | None:
        return self.catalog.document_at(path, name)

    def document_path(self, source: str) -> str | None:
        return self.catalog.document_path(source)

    def document_text(self, source: str) -> str:
        return self.catalog.document_text(source)

    def taken(self, source: str) -> bool:
        return self.catalog.document_sha(source) is not None

    def source_with_sha(self, sha256: str) -> str | None:
        return self.catalog.source_with_sha(sha256)

    def generation(self) -> int:
        """How many times the catalog changed; 0 for a store never written to."""
        return self.catalog.generation()

    def folded_text(self, source: str) -> str:
        """Folded (simplified, half-width, lower-case) text of a report, cached until the store changes."""
        if source not in self._folded:
            if len(self._folded) > 512:
                self._folded.clear()
            self._folded[source] = fold(self.document_text(source)).lower()
        return self._folded[source]

    def chunks(self, ids: Sequence[str]) -> dict[str, Chunk]:
        return self.catalog.chunks(ids, self.metas())

    def chunks_of(self, source: str) -> list[Chunk]:
        """A report's chunks in document order."""
        ids = self.chunk_ids(source)
        found = self.chunks(ids)
        return [found[i] for i in ids if i in found]

    def chunk_ids(self, source: str | None = None) -> list[str]:
        return self.catalog.chunk_ids(source)

    # -- writes ------------------------------------------------------------------------------
    @contextmanager
    def writing(self, waiting: Waiting | None = None) -> Iterator[None]:
        """Exclusive write access across threads and processes; re-entrant, so an ingest holds it throughout.

        While another writer holds it, `waiting` hears every few seconds how long this one has waited.
        """
        with self.lock.writing(waiting):
            yield

    def lock_holder(self) -> dict:
        """{"pid", "since"} of the writer holding the lock, as it wrote them; {} when unknown."""
        return self.lock.holder()

    def _on_lock(self) -> None:
        self.vectors.refresh(self.catalog.generation())  # write on top of what other processes wrote

    def add(self, doc: Document, chunks: list[Chunk]) -> None:
        """Replace one document's chunks."""
        self.write([(doc, chunks)])

    def write(self, items: Sequence[tuple[Document, list[Chunk]]], encoded: Encoded | None = None,
              paths: dict[str, str] | None = None) -> None:
        """Replace the chunks of several documents at once: vectors first, one catalog commit, stale vectors last.

        Only chunks whose id is new are embedded (ids hash the model and the content), longest first and in
        slices so `encoded` can report progress. Each slice of vectors is recorded as pending once stored,
        so a run cut short (a huge file, Ctrl-C) skips them next time. `paths` maps a source to the file it
        was read from (kept from the previous version when absent). BM25 is not touched: call
        `rebuild_bm25` after an ingest's last write.
        """
        with self.writing():
            sources = [doc.source for doc, _ in items]
            old_ids = set(self.catalog.ids_of_sources(sources)) if sources else set()
            fresh = [c for _, chunks in items for c in chunks if c.id not in old_ids]
            ready = self.catalog.pending_among([c.id for c in fresh])
            new = sorted((c for c in fresh if c.id not in ready), key=lambda c: len(c.search_text), reverse=True)
            dimension = 0
            for start in range(0, len(new), _UPSERT_BATCH):
                part = new[start:start + _UPSERT_BATCH]
                vectors = []
                for i in range(0, len(part), _ENCODE_SLICE):
                    vectors.append(self.embedder.encode([c.search_text for c in part[i:i + _ENCODE_SLICE]]))
                    if encoded:
                        encoded(len(ready) + start + min(i + _ENCODE_SLICE, len(part)), len(fresh))
                block = np.concatenate(vectors)
                self.vectors.upsert(part, block)
                self.catalog.add_pending([c.id for c in part])
                dimension = block.shape[1]
            tokens = {c.id: " ".join(self.lexicon.tokens(c.search_text)) for _, chunks in items for c in chunks}
            self.catalog.replace(items, tokens, paths, self.vectors.info(dimension))
            self.vectors.generation = self.catalog.generation()  # this process's Chroma view holds the new vectors
            stale = old_ids - tokens.keys()
            if stale:
                self.vectors.delete(stale)

    def remove(self, source: str) -> bool:
        """Delete a report's catalog rows and vectors; False when no report has that name."""
        with self.writing():
            ids = self.catalog.remove(source)
            if ids is None:
                return False
            self.vectors.generation = self.catalog.generation()
            if ids:
                self.vectors.delete(ids)
            return True

    def rebuild_bm25(self) -> None:
        """Index every chunk's stored tokens into a new BM25 directory and swap it in (store/bm25.py)."""
        with self.writing():
            self.bm25.build(self.catalog.tokens(), self.catalog.state())

    def _drop_orphans(self) -> None:
        """Delete vectors no chunk or pending write owns (a writer killed before its commit), when no writer runs."""
        if not self.lock.acquire(blocking=False):
            return
        try:
            self.vectors.drop_orphans()
        finally:
            self.lock.release()

    # -- the model record ----------------------------------------------------------------------
    def model_record(self) -> dict[str, str]:
        """{"model", "collection"[, "dimension"]} of the store's vectors (store/vectors.py)."""
        return self.vectors.record()

    def adopt_model(self) -> None:
        """The end of a reindex: the configured model becomes the store's (its id, collection and dimension are
        recorded, the generation bumped) and the previous model's collection is dropped. Refused while a
        catalog chunk still lacks a vector of this model (a reindex cut short: run it again)."""
        with self.writing():
            if self.vectors.stored_model != self.model:
                missing = set(self.chunk_ids()) - self.vectors.ids()
                if missing:
                    raise RuntimeError(f"重建未完成：还有 {len(missing)} 段没有当前模型的向量，请再次运行 assistant reindex")
            self.vectors.adopt(self.embedder.dimension)

    # -- search ------------------------------------------------------------------------------
    def dense_search(self, vector: np.ndarray, k: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of catalog chunks, best first; never raises for Chroma's sake.

        A Chroma error (a view gone stale under another process's write) gets one fresh client and a
        retry; if that fails too the dense ranking is left out and BM25 answers alone. So it is when another
        process has since re-embedded the store with another model: this one's query vectors would not fit.
        """
        self._sync()
        if self.vectors.stored_model != self.model and not self._reindexing:
            log.warning("the store now holds vectors of %s, this process embeds with %s: dense search is off "
                        "until it restarts with that model", self.vectors.stored_model, self.model)
            return []
        sources = (filters or {}).get("source")
        if isinstance(sources, (list, tuple, set)) and len(filters or {}) == 1 and self._all_reports(sources):
            filters = None
        for attempt in (1, 2):
            try:
                return self.vectors.search(vector, k, filters, len(self._metas))
            except Exception:  # chromadb raises its own InternalError, ValueError, sqlite errors...
                log.warning("dense search failed (attempt %d)", attempt, exc_info=True)
                self.vectors.refresh(self.catalog.generation(), force=True)
        return []

    def _all_reports(self, sources: Iterable[str]) -> bool:
        wanted = sources if isinstance(sources, (set, frozenset)) else set(sources)
        return len(wanted) >= len(self._metas) and wanted >= self._metas.keys()

    def bm25_search(self, tokens: list[str], k: int, sources: Iterable[str] | None = None) -> list[tuple[str, float]]:
        """(chunk id, BM25 score > 0), best first; `sources` restricts to those reports."""
        self._sync()
        if sources is not None and self._all_reports(sources):
            sources = None
        return self.bm25.search(tokens, k, sources)

    def idf(self, term: str) -> float | None:
        """BM25 idf of a (folded) term over chunks; None for a term the corpus never uses."""
        return self.bm25.idf(term)

    def vocabulary(self) -> list[str]:
        """Every BM25 term of the collection (for meaning.py)."""
        self._sync()
        return list(self.bm25.df)

    def knows(self, phrase: str) -> bool:
        """True when every token of the phrase occurs somewhere in the corpus."""
        tokens = self.lexicon.tokens(phrase)
        return bool(tokens) and all(t in self.bm25.df for t in tokens)

    # -- health ------------------------------------------------------------------------------
    def check(self, repair: bool = False) -> dict[str, int]:
        """Compare catalog, Chroma and BM25; with repair, re-embed missing vectors, drop orphans, rebuild BM25."""
        self._sync()
        with self.writing():
            catalog = set(self.chunk_ids())
            stored = self.vectors.ids()
            pending = self.catalog.pending_ids()
            report = {"chunks": len(catalog), "vectors": len(stored), "missing_vectors": len(catalog - stored),
                      "orphan_vectors": len(stored - catalog - pending), "pending_vectors": len(pending & stored),
                      "bm25_rows": len(self.bm25.ids), "bm25_stale": int(set(self.bm25.ids) != catalog)}
            if repair:  # unfinished writes' vectors go too: the next ingest of their file embeds them again
                self.vectors.delete(stored - catalog)
                self.catalog.clear_pending()
                missing = list(self.chunks(sorted(catalog - stored)).values())
                if missing:
                    self.vectors.upsert(missing, self.embedder.encode([c.search_text for c in missing]))
                self.vectors.forget_count()
                self.rebuild_bm25()
            return report
