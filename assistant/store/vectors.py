"""Dense vectors in Chroma: one collection per embedding model, searched by HNSW or scored exactly, and the
model record that says which model's collection holds the store's vectors.

The record (catalog table `store_info`: model, collection, dimension) is written by the first write and
replaced by `adopt` at the end of a reindex to another model. A store from before models were recorded was
built by m3e-small on torch (then the default) in the configured collection; an empty store takes the configured
model. Each model has its own collection (m3e-small on torch the configured name, any other that name with
the model's tag), so vectors of another dimension never meet, and a reindex to a new model fills the new
collection while the old one still serves readers.

The embedded Chroma caches its HNSW index per process, so a view another process wrote under is reopened
(`refresh`); ids the catalog does not know (orphans of a killed writer, pending vectors) never reach callers.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..chunk import model_tag
from ..config import Settings, bundled_m3e
from ..embed import portable_id
from ..records import Chunk
from . import top
from .catalog import Catalog

log = logging.getLogger(__name__)
Filters = dict[str, object]
_REQUEST_BATCH = 512  # ids per Chroma upsert or delete: bounds one request
_GET_PAGE = 20000
# Dense search restricted to some reports, by how many (measured on 210k chunks, docs/performance.md):
_EXACT_SOURCES = 64  # few reports: fetch their vectors and score exactly (~30 µs a chunk) ...
_EXACT_CHUNKS = 1000  # ... up to this many chunks; Chroma's where clause costs 40-150 ms
_OVERFETCH_SHARE = 0.05  # many reports (a year, a level): unfiltered HNSW for k / share * 2, then keep theirs
_OVERFETCH_MAX = 1500


class VectorStore:
    """The collection of `model`'s vectors for the catalog's chunks (the store's own, or a reindex's target)."""

    def __init__(self, settings: Settings, directory: Path, catalog: Catalog, model: str) -> None:
        self.settings = settings
        self.dir = directory
        self.catalog = catalog
        self.model = model
        self._lock = threading.Lock()
        record = self.record()
        self.stored_model = record["model"]  # whose vectors the store holds, as last read
        self.name = record["collection"] if record["model"] == model else self.collection_for(model)
        self.generation = catalog.generation()  # the catalog generation this view has seen
        self._count: int | None = None
        self.client = None
        self.collection = self._open()

    # -- the model record --------------------------------------------------------------------
    def record(self) -> dict[str, str]:
        """{"model", "collection"[, "dimension"]} of the store's vectors (see the module doc for older stores)."""
        record = self.catalog.info()
        if "model" not in record:
            model = portable_id(bundled_m3e()) if self.catalog.has_chunks() else self.model
            record.update(model=model, collection=self.collection_for(model))
        return record

    def collection_for(self, model: str) -> str:
        if model == portable_id(bundled_m3e()):
            return self.settings.collection
        return f"{self.settings.collection}-{model_tag(model)}"

    def reread(self) -> None:
        """Whose vectors the store holds now (another process may have finished a reindex)."""
        self.stored_model = self.record()["model"]

    def info(self, dimension: int) -> dict[str, str]:
        """The record rows a write of this model's vectors keeps; none while reindexing to another model."""
        if self.stored_model != self.model:
            return {}
        info = {"model": self.model, "collection": self.name}
        if dimension:
            info["dimension"] = str(dimension)
        return info

    def adopt(self, dimension: int) -> None:
        """Make this model the store's and drop the previous model's collection (the caller holds the write lock)."""
        previous = self.record()
        self.catalog.set_info({"model": self.model, "collection": self.name, "dimension": str(dimension)})
        self.generation = self.catalog.generation()
        self.stored_model = self.model
        if previous["collection"] != self.name:
            try:
                self.client.delete_collection(previous["collection"])
            except Exception:  # never created (an empty store) or already gone: nothing to drop
                log.info("no collection %s to drop", previous["collection"])

    # -- chroma ------------------------------------------------------------------------------
    def _open(self, fresh: bool = False):
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
        self.client = client
        # HNSW parameters measured on real model vectors (docs/performance.md, "Recall on real vectors");
        # a collection keeps those it was created with.
        hnsw = {"space": "cosine", "max_neighbors": self.settings.hnsw_max_neighbors,
                "ef_construction": self.settings.hnsw_ef_construction, "ef_search": self.settings.hnsw_ef_search}
        return client.get_or_create_collection(self.name, metadata={"embedding_model": self.model},
                                               configuration={"hnsw": hnsw}, embedding_function=None)

    def refresh(self, generation: int, force: bool = False) -> None:
        """A fresh Chroma view when another process wrote since this one last looked."""
        if self.settings.chroma_host or (generation == self.generation and not force):
            return
        with self._lock:
            if generation != self.generation or force:
                self.collection = self._open(fresh=True)
                self.generation = generation
                self._count = None

    def count(self) -> int:
        """Vectors in the collection, cached until `forget_count` (a write or a new catalog generation)."""
        if self._count is None:
            self._count = self.collection.count()
        return self._count

    def forget_count(self) -> None:
        self._count = None

    def upsert(self, chunks: list[Chunk], vectors: np.ndarray) -> None:
        for i in range(0, len(chunks), _REQUEST_BATCH):
            part = chunks[i:i + _REQUEST_BATCH]
            self.collection.upsert(
                ids=[c.id for c in part],
                embeddings=vectors[i:i + _REQUEST_BATCH],
                metadatas=[{"source": c.source, "region": c.meta.region, "year": c.meta.year or 0,
                            "level": c.meta.level} for c in part],
            )

    def delete(self, ids: Sequence[str]) -> None:
        ids = sorted(ids)
        for i in range(0, len(ids), _REQUEST_BATCH):
            self.collection.delete(ids=ids[i:i + _REQUEST_BATCH])
        self._count = None

    def ids(self) -> set[str]:
        """Every id in the collection, paged (one huge response is slow through a server)."""
        found: set[str] = set()
        while True:
            page = self.collection.get(include=[], limit=_GET_PAGE, offset=len(found))["ids"]
            found.update(page)
            if len(page) < _GET_PAGE:
                return found

    def drop_orphans(self) -> None:
        """Delete vectors no chunk or pending write owns (a writer killed before its commit); the caller holds
        the write lock."""
        if self.collection.count() > self.catalog.owned():
            orphans = self.ids() - set(self.catalog.chunk_ids()) - self.catalog.pending_ids()
            self.delete(orphans)
            log.info("removed %d orphan vectors", len(orphans))

    # -- search ------------------------------------------------------------------------------
    def search(self, vector: np.ndarray, k: int, filters: Filters | None, reports: int) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of catalog chunks, best first; `reports` is how many the store holds.

        Chroma's filtered HNSW search is slow on a large collection, so a filter on reports is served
        another way when one fits: a few reports are scored exactly from their fetched vectors; many
        reports (a year's) are picked out of a deeper unfiltered search. The where clause is the fallback.
        (A filter naming every report is no filter: the caller drops it, a where clause of 10,000 names
        costs a second.)
        """
        count = self.count()
        if count == 0:
            return []
        sources = (filters or {}).get("source")
        if isinstance(sources, (list, tuple, set)) and len(filters or {}) == 1:
            wanted = set(sources)
            share = len(wanted) / max(1, reports)
            if len(wanted) <= _EXACT_SOURCES:
                ids = self.catalog.ids_of_sources(sorted(wanted))
                if len(ids) <= _EXACT_CHUNKS:
                    return self._exact(vector, ids, k)
            elif share >= _OVERFETCH_SHARE:
                n = min(count, _OVERFETCH_MAX, int(k / share * 2) + k)
                hits = [(i, sim) for i, sim, source in self._query(vector, n, None, with_sources=True)
                        if source in wanted][:k]
                if len(hits) == k or n == count:
                    return hits
        return [(i, sim) for i, sim, _ in self._query(vector, k, _chroma_where(filters))][:k]

    def _query(self, vector: np.ndarray, n: int, where: dict | None, with_sources: bool = False
               ) -> list[tuple[str, float, str | None]]:
        """(chunk id, cosine similarity, its report if asked for) of catalog chunks from Chroma's HNSW index,
        best first; asks for more while vectors the catalog does not know took places among the n."""
        include = ["distances", "metadatas"] if with_sources else ["distances"]
        count = self.count()
        want = n
        while True:
            ask = min(want, count or want)
            result = self.collection.query(query_embeddings=[vector.tolist()], n_results=ask, where=where,
                                           include=include)
            ids, distances = result["ids"][0], result["distances"][0]
            sources = [m["source"] for m in result["metadatas"][0]] if with_sources else [None] * len(ids)
            known = self.catalog.known(ids)
            hits = [(i, 1.0 - d, source) for i, d, source in zip(ids, distances, sources, strict=True) if i in known]
            if len(hits) >= n or len(ids) < ask or ask >= (count or 0):
                return hits
            want = ask * 2 + (ask - len(hits))

    def _exact(self, vector: np.ndarray, ids: list[str], k: int) -> list[tuple[str, float]]:
        if not ids:
            return []
        got = self.collection.get(ids=ids, include=["embeddings"])  # ids from the catalog: no orphans
        if not got["ids"]:
            return []
        sims = np.asarray(got["embeddings"], dtype=np.float32) @ vector.astype(np.float32)
        return [(got["ids"][i], float(sims[i])) for i in top(sims, k)]


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
