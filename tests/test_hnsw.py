"""A new store's Chroma collection carries the HNSW parameters of the settings (docs/performance.md,
"Recall on real vectors"); a store keeps the ones it was made with."""
from __future__ import annotations

from pathlib import Path

import pytest

from assistant import Settings
from assistant.embed import Embedder
from assistant.index import Index
from assistant.tokens import Lexicon


def _hnsw(store: Path, name: str) -> dict:
    """The collection's HNSW configuration as Chroma persisted it, read through a client of its own."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.PersistentClient(path=str(store / "chroma"), settings=ChromaSettings(anonymized_telemetry=False))
    return client.get_collection(name).configuration["hnsw"]


def test_a_new_store_gets_the_configured_hnsw_parameters(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_HNSW_MAX_NEIGHBORS", "24")
    monkeypatch.setenv("ASSISTANT_HNSW_EF_CONSTRUCTION", "150")
    monkeypatch.setenv("ASSISTANT_HNSW_EF_SEARCH", "333")
    settings = Settings.from_env(store_dir=tmp_path / "store")
    embedder = Embedder(settings.embedding_model)  # loads the model only to embed, which this test never does
    index = Index(settings, Lexicon(), embedder)
    hnsw = index._collection.configuration["hnsw"]
    assert (hnsw["space"], hnsw["max_neighbors"], hnsw["ef_construction"], hnsw["ef_search"]) == ("cosine", 24, 150, 333)
    name = index._collection.name  # the configured collection, tagged with the model unless m3e-small on torch
    assert _hnsw(settings.store_dir, name) == hnsw  # persisted, not just held by this client

    # Reopened with other settings, the existing collection keeps the parameters its graph was built with.
    monkeypatch.setenv("ASSISTANT_HNSW_MAX_NEIGHBORS", "40")
    Index(Settings.from_env(store_dir=tmp_path / "store"), Lexicon(), embedder)
    assert _hnsw(settings.store_dir, name)["max_neighbors"] == 24

