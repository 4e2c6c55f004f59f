"""Words by meaning: a question word the collection never uses, mapped to the collection's own terms.

Staff ask 领导去没去法院 where reports write 负责人出庭应诉, 罚款 where they write 行政处罚. The
collection's vocabulary (its BM25 terms) is embedded once with the store's model and kept in the
store (`meanings.npz`, refreshed after each ingest, only new words embedded); a question word is
then looked up among its nearest terms. Raw cosine between short words is high for everything with
this kind of model (0.75-0.9, measured on the seeds), so vectors are centred on the vocabulary's
mean first: related words then score 0.6-0.8 and unrelated ones under 0.5.

A small list of well-known equivalences of the genre (genre.py) seeds the map; it is checked
against the vocabulary too, so only terms the collection actually uses are ever suggested.
"""
from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from .config import Settings
from .embed import Embedder
from .genre import EQUIVALENTS
from .normalize import fold

_WORD = re.compile(r"[\u4e00-\u9fff]{2,8}")
FILE = "meanings.npz"
_TOP = 3
_KEYS = sorted((k for k in EQUIVALENTS if len(k) >= 2), key=len, reverse=True)
_PART_NEAR = 0.7
_NUMERALS = re.compile(r"[一二两三四五六七八九十百千万\d]")


def _counts_differ(a: str, b: str) -> bool:
    """十无 vs 八无, 两个 vs 三个: the same words with another count name another thing."""
    return a != b and _NUMERALS.sub("", a) == _NUMERALS.sub("", b)


class Meanings:
    """Nearest collection terms of a word, learned from the collection and kept beside the index."""

    def __init__(self, store_dir: str | Path, embedder: Embedder, vocabulary: Callable[[], Iterable[str]],
                 floor: float = Settings.meaning_near) -> None:
        self.floor = floor  # the similarity a term needs (Settings.meaning_near: measured per model)
        self.path = Path(store_dir) / FILE
        self.embedder = embedder
        self.vocabulary = vocabulary
        self._lock = threading.Lock()
        self._words: list[str] = []
        self._vectors = np.zeros((0, 0), dtype=np.float32)
        self._mean = np.zeros(0, dtype=np.float32)
        self._known: frozenset[str] = frozenset()
        self._load()

    def _stamp(self) -> int:
        try:
            return self.path.stat().st_mtime_ns
        except OSError:
            return 0

    def _load(self) -> None:
        """Read the kept vocabulary (again when another process, an ingest, has rewritten it)."""
        self._loaded = self._stamp()
        try:
            data = np.load(self.path, allow_pickle=False)
            if str(data["model"]) == self.embedder.model_name:
                self._set(list(data["words"]), data["vectors"].astype(np.float32))
        except (FileNotFoundError, KeyError, ValueError, OSError):
            pass

    def _set(self, words: list[str], raw: np.ndarray) -> None:
        self._words, self._known = words, frozenset(words)
        self._raw = raw
        self._mean = raw.mean(axis=0) if len(words) else np.zeros(0, dtype=np.float32)
        self._vectors = self._centre(raw) if len(words) else raw

    def _centre(self, vectors: np.ndarray) -> np.ndarray:
        centred = vectors - self._mean
        return centred / np.maximum(np.linalg.norm(centred, axis=-1, keepdims=True), 1e-9)

    def refresh(self) -> int:
        """Embed the vocabulary's words not seen yet (all of them after a model change); returns how many."""
        with self._lock:
            words = sorted({w for w in self.vocabulary() if _WORD.fullmatch(w)})
            new = [w for w in words if w not in self._known]
            if not new and len(words) == len(self._words):
                return 0
            old = {w: i for i, w in enumerate(self._words)}
            vectors = self.embedder.encode(new) if new else np.zeros((0, self._raw.shape[1]), dtype=np.float32)
            fresh = dict(zip(new, vectors))
            raw = np.stack([fresh[w] if w in fresh else self._raw[old[w]] for w in words]) if words else vectors
            self._set(words, raw.astype(np.float32))
            tmp = self.path.with_suffix(".tmp.npz")
            np.savez(tmp, words=np.array(words), vectors=raw.astype(np.float16), model=self.embedder.model_name)
            tmp.replace(self.path)
            self._loaded = self._stamp()
            return len(new)

    def near(self, words: list[str], top: int = _TOP) -> dict[str, list[tuple[str, float]]]:
        """For each word, collection terms of the same meaning with their similarity, best first.

        Genre equivalences come first (similarity 0.9; 0.7 for those of an equivalence's key inside the word).
        """
        if self._stamp() != self._loaded:
            with self._lock:
                self._load()
        found: dict[str, list[tuple[str, float]]] = {}
        asked = [fold(w) for w in words if w]
        for word in asked:
            seeded = [(t, 0.9) for t in EQUIVALENTS.get(word, ())]
            own = {t for t, _ in seeded}
            # 法律上把关 holds 把关: its equivalents (审查) count too, less near than the phrase's own.
            seeded += [(t, _PART_NEAR) for key in _KEYS if key != word and key in word for t in EQUIVALENTS[key]
                       if t not in own and not t.isdigit()]  # 法律服务热线 is no 12345
            if seeded:
                found[word] = seeded
        if len(self._words) == 0:
            return found
        vectors = self._centre(self.embedder.encode(asked)) if asked else []
        for word, vector in zip(asked, vectors):
            sims = self._vectors @ vector
            best = np.argsort(-sims)[: top + 1]
            near = [(self._words[i], float(sims[i])) for i in best
                    if sims[i] >= self.floor and self._words[i] != word and word not in self._words[i]
                    and not _counts_differ(word, self._words[i])]
            if near:
                found[word] = (found.get(word, []) + near[:top])[: top + 2]
        return found
