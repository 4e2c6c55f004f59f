"""The parts of the persisted store, one job each; `assistant.index.Index` composes them (see its docstring).

catalog.py  the SQLite catalog: documents, chunks, pending vectors, generation, the model record's rows
vectors.py  Chroma: the vectors of one model's collection, exact scoring, which collection a model uses
bm25.py     the bm25s index persisted in a directory, swapped in by a pointer file
lock.py     the write lock shared by threads and processes
"""
from __future__ import annotations

import numpy as np


def top(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest scores, best first, without sorting the whole array (both rankings use it)."""
    if len(scores) > k:
        part = np.argpartition(-scores, k)[:k]
        return part[np.argsort(-scores[part])]
    return np.argsort(-scores)
