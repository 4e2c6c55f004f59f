"""The one object every shell (CLI, UI, eval, Python callers) talks to."""
from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from .answer import CROSS_Q, LIST_Q, NUMERIC_Q, Extractor, compose, is_simplified, key_terms, refusal
from .config import Settings
from .embed import Embedder
from .followup import Message, condense
from .index import Filters, Index
from .ingest import IngestResult, Progress, ingest_paths
from .records import Answer, Passage
from .retrieve import Retriever
from .tokens import Lexicon

EMPTY_QUESTION = "请输入问题，例如：贺州市2024年一审行政案件败诉率是多少？"
_MAX_REPORTS_PER_ANSWER = 8


class Assistant:
    """Opens (or first builds from seeds/) the store and answers questions about the reports."""

    def __init__(self, settings: Settings | None = None, build: bool = True) -> None:
        self.settings = settings or Settings.from_env()
        self.lexicon = Lexicon()
        self.embedder = Embedder(self.settings.embedding_model)
        self.index = Index(self.settings, self.lexicon, self.embedder)
        self._learn_regions()
        if build and not self.index.metas() and Path(self.settings.seeds_dir).is_dir():
            self.ingest([self.settings.seeds_dir])
        self.retriever = Retriever(self.index, self.lexicon, self.embedder, self.settings)
        self.extractor = Extractor(self.lexicon, self.index.idf, self.settings.refuse_threshold,
                                   self.settings.answer_sentences)

    def _learn_regions(self) -> None:
        for meta in self.index.metas().values():
            for name in meta.aliases:
                self.lexicon.add_word(name, "ns")

    # -- documents ---------------------------------------------------------------------------
    def ingest(self, paths: Iterable[str | Path], progress: Progress | None = None) -> list[IngestResult]:
        return ingest_paths(paths, self.index, self.lexicon, self.settings, progress)

    def reindex(self) -> list[IngestResult]:
        """Re-chunk and re-embed every document from the stored text (after changing chunking or model)."""
        from .chunk import chunk_document
        results = []
        for doc, _ in self.index.documents():
            doc.text = self.index.document_text(doc.source)
            chunks = chunk_document(doc, self.settings.chunk_size, self.settings.chunk_max)
            self.index.add(doc, chunks)
            results.append(IngestResult(doc.source, "updated", len(chunks)))
        self.index.rebuild_bm25()
        return results

    def documents(self) -> list[dict]:
        return [{"source": d.source, "title": d.meta.title, "region": d.meta.region, "year": d.meta.year,
                 "level": d.meta.level, "chunks": n, "encoding": d.encoding, "format": d.format}
                for d, n in self.index.documents()]

    # -- questions ---------------------------------------------------------------------------
    def search(self, query: str, k: int | None = None, filters: Filters | None = None,
               route: bool = True) -> list[Passage]:
        """Hybrid search; with route=True a query naming a region or year searches that report only."""
        metas = self.index.metas()
        sources = self.retriever.route(query, metas, filters).sources if route else None
        if not route and filters:
            sources = self.retriever.route("", metas, filters).sources
        return self.retriever.search(query, k, sources)

    def ask(self, question: str, history: Sequence[Message] | None = None,
            filters: Filters | None = None) -> Answer:
        t0 = time.perf_counter()
        question = (question or "").strip()
        if not question:
            return Answer(text=EMPTY_QUESTION, refused=True, question=question)
        warnings = []
        if len(question) > self.settings.max_question_chars:
            question = question[: self.settings.max_question_chars]
            warnings.append(f"问题过长，只使用了前 {self.settings.max_question_chars} 个字")
        metas = self.index.metas()
        standalone = condense(question, history, list(metas.values()))
        t1 = time.perf_counter()
        route = self.retriever.route(standalone, metas, filters)
        simplified = is_simplified(question)
        terms = key_terms(standalone, self.lexicon, list(metas.values()))
        numeric = bool(NUMERIC_Q.search(standalone))
        listing = bool(LIST_Q.search(standalone))
        cross = bool(CROSS_Q.search(standalone)) or len(route.regions) > 1
        answer = Answer(text="", question=question, standalone_question=standalone, warnings=warnings)
        if route.unknown_places and not route.regions or route.sources == []:
            answer.text, answer.refused = refusal(route), True
            answer.timings = {"rewrite": t1 - t0, "total": time.perf_counter() - t0}
            return answer
        passages = self.retriever.search(standalone, self.settings.top_k, route.sources)
        t2 = time.perf_counter()
        if cross:
            groups, looked_at = self._per_report(standalone, terms, numeric, listing, route.sources, passages)
        else:
            picked = self.extractor.pick(self.extractor.score(terms, passages, numeric), listing)
            groups, looked_at = ([picked] if picked else []), passages
        answer.passages = looked_at
        if groups:
            answer.text, answer.citations = compose(groups, simplified, per_report=cross)
        else:
            answer.text, answer.refused = refusal(route), True
        t3 = time.perf_counter()
        answer.timings = {"rewrite": t1 - t0, "retrieve": t2 - t1, "answer": t3 - t2, "total": t3 - t0}
        return answer

    def _per_report(self, query: str, terms: list[str], numeric: bool, listing: bool,
                    sources: list[str] | None, passages: list[Passage]):
        """Answer report by report: each candidate report searched on its own, kept if it answers."""
        candidates = sources if sources is not None else list(self.index.metas())
        if len(candidates) > _MAX_REPORTS_PER_ANSWER:
            wide = self.retriever.search(query, self.settings.candidates, candidates)
            candidates = list(dict.fromkeys(p.chunk.source for p in wide))[:_MAX_REPORTS_PER_ANSWER]
        groups, looked_at = [], []
        for source in candidates:
            found = self.retriever.search(query, 3, [source])
            looked_at.extend(found)
            picked = self.extractor.pick(self.extractor.score(terms, found, numeric), listing)
            if picked:
                groups.append(picked[: 1 + int(listing)])
        groups.sort(key=lambda g: -g[0].coverage)
        return groups, looked_at or passages
