"""BM25 over the chunks' stored tokens (bm25s), persisted in a directory of its own per build.

A build writes a new directory, then swaps the pointer file `bm25.json` to it atomically (os.replace); the
pointer also records the catalog state the build read, so a reader can tell a BM25 left behind by a writer
that died before its swap. The previous directory is kept for readers in other processes still loading it.
"""
from __future__ import annotations

import itertools
import json
import os
import shutil
import uuid
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import bm25s
import numpy as np

from . import top

POINTER = "bm25.json"


class Bm25Store:
    """The BM25 index this process searches, and the directory it was loaded from."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.name = ""  # the loaded build's directory name
        self.retriever: bm25s.BM25 | None = None
        self.ids: list[str] = []
        self.rows: dict[str, np.ndarray] = {}  # source -> its chunks' rows
        self.df: dict[str, int] = {}

    def pointer(self) -> dict:
        """{"dir", "catalog"} of the latest build; {} before the first."""
        try:
            return json.loads((self.dir / POINTER).read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return {}

    def stamp(self) -> tuple[int, int] | None:
        """Changes whenever the pointer is swapped."""
        try:
            found = os.stat(self.dir / POINTER)
        except FileNotFoundError:
            return None
        return found.st_ino, found.st_mtime_ns

    def load(self) -> None:
        """Load the build the pointer names, if another than the loaded one."""
        name = self.pointer().get("dir")
        if name and name != self.name:
            try:
                self._open(name)
            except FileNotFoundError:  # swapped and deleted by two rebuilds while we read: take the newest
                self._open(self.pointer()["dir"])

    def _open(self, name: str) -> None:
        path = self.dir / name
        state = json.loads((path / "state.json").read_text())
        retriever = bm25s.BM25.load(str(path), mmap=False, load_vocab=True) if state["ids"] else None
        self._set(name, retriever, state["ids"], state["sources"])

    def _set(self, name: str, retriever: bm25s.BM25 | None, ids: list[str], sources: list[str]) -> None:
        rows: dict[str, list[int]] = {}
        for row, source in enumerate(sources):
            rows.setdefault(source, []).append(row)
        df: dict[str, int] = {}
        if retriever is not None:
            counts = np.diff(retriever.scores["indptr"])
            df = {tok: int(counts[i]) for tok, i in retriever.vocab_dict.items() if tok and i < len(counts)}
        self.retriever, self.name, self.ids, self.df = retriever, name, ids, df
        self.rows = {s: np.asarray(r, dtype=np.int64) for s, r in rows.items()}

    def build(self, chunks: Iterable[tuple[str, str, str]], catalog_state: list[int]) -> None:
        """Index (chunk id, source, tokens) into a new directory, then swap the pointer to it (the caller holds
        the write lock).

        Tokens become ids through one vocabulary whose int objects are shared, so 200k chunks cost a few
        hundred MB, not the GBs that lists of token strings would; the lookup runs in C (map over a
        defaultdict that numbers new tokens), half the time of a Python loop.
        """
        vocab: defaultdict[str, int] = defaultdict(itertools.count().__next__)
        ids, sources, corpus = [], [], []
        for chunk_id, source, tokens in chunks:
            ids.append(chunk_id)
            sources.append(source)
            corpus.append(list(map(vocab.__getitem__, tokens.split())))
        name = f"bm25-{uuid.uuid4().hex[:12]}"
        tmp = self.dir / f"{name}.tmp"
        tmp.mkdir()
        retriever = None
        if ids:
            retriever = bm25s.BM25()
            retriever.index((corpus, dict(vocab)), show_progress=False)
            retriever.save(str(tmp), show_progress=False)
        del corpus
        (tmp / "state.json").write_text(json.dumps({"ids": ids, "sources": sources}, ensure_ascii=False))
        os.replace(tmp, self.dir / name)
        pointer_tmp = self.dir / f"{POINTER}.tmp"
        pointer_tmp.write_text(json.dumps({"dir": name, "catalog": catalog_state}))
        previous = self.pointer().get("dir")
        os.replace(pointer_tmp, self.dir / POINTER)
        self._set(name, retriever, ids, sources)
        # Keep the previous directory: a reader in another process may be loading it right now.
        for old in self.dir.glob("bm25*"):
            if old.is_dir() and old.name not in (name, previous):
                shutil.rmtree(old, ignore_errors=True)

    def search(self, tokens: list[str], k: int, sources: Iterable[str] | None = None) -> list[tuple[str, float]]:
        """(chunk id, BM25 score > 0), best first; `sources` restricts to those reports."""
        if self.retriever is None or not tokens:
            return []
        mask = None
        if sources is not None:
            mask = np.zeros(len(self.ids), dtype=np.float32)
            rows = [self.rows[s] for s in sources if s in self.rows]
            if not rows:
                return []
            mask[np.concatenate(rows)] = 1.0
        scores = self.retriever.get_scores(tokens, weight_mask=mask)
        return [(self.ids[i], float(scores[i])) for i in top(scores, k) if scores[i] > 0]

    def idf(self, term: str) -> float | None:
        """BM25 idf of a (folded) term over chunks; None for a term the corpus never uses."""
        df = self.df.get(term, 0)
        if not df:
            return None
        n = len(self.ids)
        return float(np.log((n - df + 0.5) / (df + 0.5) + 1.0))
