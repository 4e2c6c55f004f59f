"""Bench-only synthetic vectors, so a 10,000-report store can be built without hours of embedding.

A synthetic chunk is made of seed sentences with other names and figures. Its vector here is the
length-weighted sum of the real model's vectors of those seed sentences (matched by character
4-grams once digits are dropped, so renamed places and perturbed figures still match), plus a little
noise, normalized. That keeps the collection's geometry close to the real one (near-duplicate
reports, clustered topics) for timing HNSW search, store size and memory. It says nothing about
answer quality, and the benchmark reports every figure measured on such a store as synthetic.
"""
from __future__ import annotations

import re
import zlib
from collections import Counter

import numpy as np

from assistant.embed import Embedder, Kind
from assistant.normalize import fold
from assistant.records import Document

_SENTENCE = re.compile(r"[^。！？；!?;\n]+")
_DROP = re.compile(r"[\d\s.,，、:：%]+")
_GRAM = 4
_COMMON = 20  # a 4-gram found in more seed sentences than this says nothing about which one it is
_MIN_SHARE = 0.3  # share of a sentence's 4-grams that must vote for one seed sentence


def _skeleton(text: str) -> str:
    return _DROP.sub("", fold(text).lower())


def _grams(skeleton: str) -> list[str]:
    return [skeleton[i:i + _GRAM] for i in range(len(skeleton) - _GRAM + 1)]


class SeedVectorEmbedder(Embedder):
    """An Embedder whose `encode` returns synthetic vectors for documents made from the seeds."""

    def __init__(self, real: Embedder, seeds: list[Document], noise: float = 0.1) -> None:
        super().__init__(real.backend, real.batch_size)
        skeletons = sorted({_skeleton(s) for doc in seeds for s in _SENTENCE.findall(doc.text)} - {""})
        self._vectors = real.encode(skeletons)
        self._dimension = self._vectors.shape[1]
        owners: dict[str, set[int]] = {}
        for i, skeleton in enumerate(skeletons):
            for gram in _grams(skeleton):
                owners.setdefault(gram, set()).add(i)
        self._owners = {g: sorted(ids) for g, ids in owners.items() if len(ids) <= _COMMON}
        self._noise = noise / np.sqrt(self._dimension)
        self._matched: dict[str, int] = {}

    @property
    def dimension(self) -> int:
        return self._dimension

    def _match(self, sentence: str) -> int:
        """The seed sentence this one was made from, or -1."""
        skeleton = _skeleton(sentence)
        if skeleton not in self._matched:
            grams = _grams(skeleton)
            votes = Counter(i for g in grams for i in self._owners.get(g, ()))
            best = votes.most_common(1)
            self._matched[skeleton] = best[0][0] if best and best[0][1] >= _MIN_SHARE * len(grams) else -1
        return self._matched[skeleton]

    def encode(self, texts: list[str], kind: Kind = "passage") -> np.ndarray:
        out = np.zeros((len(texts), self._dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for sentence in _SENTENCE.findall(text):
                seed = self._match(sentence)
                if seed >= 0:
                    out[row] += len(sentence) * self._vectors[seed]
            rng = np.random.default_rng(zlib.crc32(text.encode()))
            out[row] = out[row] / (np.linalg.norm(out[row]) or 1.0) + rng.normal(0, self._noise, self._dimension)
            out[row] /= np.linalg.norm(out[row])
        return out
