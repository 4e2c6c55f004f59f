"""Shared fixtures: one real store (Chroma + bm25s + m3e-small + jieba) built from seeds/ per test session."""
from __future__ import annotations

from pathlib import Path

import pytest

from assistant import Assistant, Settings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """The bundled seeds ingested into a temporary store with the real embedding model."""
    tmp = tmp_path_factory.mktemp("store")
    return Assistant(Settings.from_env(store_dir=tmp / "vectorstore", data_dir=tmp / "data"))
