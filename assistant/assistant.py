"""The one object every shell (CLI, UI, eval, Python callers) talks to."""
from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from .answering import Extractor, Planner, QuestionPlan, Tools, answer_plan
from .compare import Comparison, Coverage, compare, coverage
from .config import Settings
from .embed import Embedder
from .figures import FigureStore
from .index import Filters, Index
from .normalize import strip_invisible
from .ingest import IngestResult, Notify, Progress, ingest_paths, reindex_sources
from .llm import collect, fallback, generate, load_prompts, make_llm
from .meaning import Meanings
from .records import Answer, Passage
from .retrieve import Retriever, Route
from .tokens import Lexicon
from . import corrections, validate

Search = Callable[[str, "list[str] | None", int], list[Passage]]
# Fusion weights (BM25, dense) per retrieval strategy; only hybrid+route also routes by region/year.
STRATEGIES: dict[str, tuple[float, float] | None] = {
    "hybrid+route": None, "hybrid": None, "bm25": (1.0, 0.0), "dense": (0.0, 1.0)}
EMPTY_QUESTION = "请输入问题，例如：某市2024年一审行政案件败诉率是多少？"
Message = dict[str, str]
_STREAM_PIECES = 6  # an extractive answer is instant; stream() still hands it over in a few growing pieces
log = logging.getLogger(__name__)


class Assistant:
    """Opens (or first builds from seeds/) the store and answers questions about the reports."""

    def __init__(self, settings: Settings | None = None, build: bool = True, reindexing: bool = False,
                 embedder: Embedder | None = None) -> None:
        """Raises StoreModelError when the store was built with another embedding model than the configured
        one, unless `reindexing`: then call `reindex()` before anything else, to re-embed it with this one.
        `embedder`: one already loaded for the same model (the eval's corpus stores share the main one's)."""
        self.settings = settings or Settings.from_env()
        self.lexicon = Lexicon()
        self.embedder = embedder or Embedder(self.settings.embedding_model)
        self.index = Index(self.settings, self.lexicon, self.embedder, reindexing)
        # Only a store never written gets the seeds: one whose reports were all removed stays empty.
        if build and not self.index.generation() and not self.index.metas() and Path(self.settings.seeds_dir).is_dir():
            self.ingest([self.settings.seeds_dir])
        self.retriever = Retriever(self.index, self.lexicon, self.embedder, self.settings)
        self.extractor = Extractor(self.index.idf, self.index.folded_text, self.lexicon.tokens,
                                   self.settings.refuse_threshold, self.settings.answer_sentences,
                                   self.settings.fact_threshold)
        self.meanings = Meanings(self.settings.store_dir, self.embedder, self.index.vocabulary,
                                 self.settings.meaning_near)
        self.meanings.refresh()
        self.planner = Planner(self.retriever.route, known=lambda word: self.index.idf(word) is not None,
                               words=self.lexicon.words, folded_text=self.index.folded_text)
        # The configured chat model (llm.py), None unless ASSISTANT_LLM_BASE_URL or ASSISTANT_LLM_LOCAL is
        # set and the `llm` extra is installed; a local model starts with the first LLM-mode question.
        self.llm = make_llm(self.settings)

    # -- documents ---------------------------------------------------------------------------
    def ingest(self, paths: Iterable[str | Path], progress: Progress | None = None) -> list[IngestResult]:
        paths = validate.paths_arg(paths)
        results = ingest_paths(paths, self.index, self.lexicon, self.settings, progress)
        if hasattr(self, "meanings"):  # the first build from seeds runs before meanings exist
            self.meanings.refresh()
        return results

    def reindex(self, progress: Progress | None = None, notify: Notify | None = None) -> list[IngestResult]:
        """Re-chunk every document from the stored text and embed, with the configured model, each chunk whose
        id (model and content) the store lacks; after a model change that is all of them, and the model
        becomes the store's. Resumable: run again after an interruption, finished batches are kept."""
        results = reindex_sources([d.source for d, _ in self.index.documents()], self.index, self.lexicon,
                                  self.settings, progress=progress, notify=notify)
        self.index.adopt_model()
        self.meanings.refresh()
        return results

    def reindex_one(self, source: str) -> IngestResult:
        """Re-read one report from the file it came from (its stored text when the file is gone) and index it
        again through the ingest path; status "updated", or "error"/"duplicate" with a Chinese message."""
        result = reindex_sources([source], self.index, self.lexicon, self.settings, reread=True)[0]
        self.meanings.refresh()
        return result

    def remove(self, source: str) -> bool:
        """Forget one report: its catalog rows, vectors, figures and corrections; BM25 and the meanings
        vocabulary are rebuilt without it, and other processes reload on their next request. False when
        no report has that name."""
        with self.index.writing():
            if not self.index.remove(source):
                return False
            self.figures.prune()
            corrections.forget(self.index.dir, source)
            self.index.rebuild_bm25()
        self.meanings.refresh()
        return True

    def documents(self) -> list[dict]:
        return [{"source": d.source, "title": d.meta.title, "region": d.meta.region, "year": d.meta.year,
                 "level": d.meta.level, "path": " > ".join(d.meta.path), "kind": d.meta.kind, "chunks": n,
                 "encoding": d.encoding, "format": d.format}
                for d, n in self.index.documents()]

    # -- questions ---------------------------------------------------------------------------
    def search(self, query: str, k: int | None = None, filters: Filters | None = None,
               route: bool = True) -> list[Passage]:
        """Hybrid search; with route=True a query naming a region or year searches that report only."""
        validate.search_args(query, k, filters)
        metas = self.index.metas()
        sources = self.retriever.route(query, metas, filters).sources if route else None
        if not route and filters:
            sources = self.retriever.route("", metas, filters).sources
        return self.retriever.search(query, k, sources)

    def as_retriever(self, k: int = 5, filters: Filters | None = None):
        """A LangChain BaseRetriever over this store (routed hybrid search)."""
        from .lc_retriever import ReportRetriever

        return ReportRetriever(assistant=self, k=k, filters=filters)

    def ask(self, question: str, history: Sequence[Message] | None = None,
            filters: Filters | None = None, strategy: str = "hybrid+route", mode: str | None = None) -> Answer:
        """Answer with cited passages. `strategy` exists for ablations: hybrid+route (default), hybrid, bm25, dense.

        `mode` is "extractive" or "llm" (None: settings.mode); LLM mode falls back to the extractive
        answer, with a notice in `warnings`, whenever the model is missing, fails or is not grounded.
        """
        validate.ask_args(question, history, filters)
        return self.ask_with(question, history, filters, self._search_fn(strategy), strategy == "hybrid+route", mode)

    def stream(self, question: str, history: Sequence[Message] | None = None, filters: Filters | None = None,
               mode: str | None = None, cancel: threading.Event | None = None) -> Iterator[str | Answer]:
        """The answer as it is written: the text so far (str, growing), then the final Answer.

        In LLM mode only sentences that passed the grounding check are ever yielded; setting `cancel`
        (the UI's 停止回答) closes the model's stream, so the endpoint stops generating too.
        """
        validate.ask_args(question, history, filters)
        search = self._search_fn("hybrid+route")
        if self._mode(mode) == "llm":
            yield from self._generate(question, history, filters, search, True, cancel)
            return
        answer = self._extract(question, history, filters, search, True)
        yield from text_pieces(answer.text)
        yield answer

    def _mode(self, mode: str | None) -> str:
        return (mode or self.settings.mode or "extractive").lower()

    def _search_fn(self, strategy: str) -> Search:
        weights = STRATEGIES[strategy]

        def search(query: str, sources: list[str] | None, k: int) -> list[Passage]:
            return self.retriever.search(query, k, sources, weights)
        return search

    def ask_with(self, question: str, history: Sequence[Message] | None, filters: Filters | None,
                 search: Search, routed: bool = True, mode: str | None = None) -> Answer:
        """The answering pipeline over any search function (the eval plugs baselines in here)."""
        if self._mode(mode) == "llm":
            return collect(self._generate(question, history, filters, search, routed))
        return self._extract(question, history, filters, search, routed)

    def _generate(self, question: str, history: Sequence[Message] | None, filters: Filters | None,
                  search: Search, routed: bool, cancel: threading.Event | None = None) -> Iterator[str | Answer]:
        """LLM mode: the extractive pipeline retrieves, routes and refuses; the model writes from its passages."""
        t0 = time.perf_counter()
        prompts = load_prompts(self.settings.prompts_dir)
        if self.llm is None:
            answer = self._extract(question, history, filters, search, routed)
            if not answer.refused:
                answer.warnings.insert(0, prompts.notice("not_configured"))
            yield answer.text
            yield answer
            return
        question = clean_question(question)
        t1 = time.perf_counter()
        extractive = self._extract(question, history, filters, search, routed)
        extractive.timings["rewrite"] = extractive.timings.get("rewrite", 0.0) + (t1 - t0)
        if not extractive.question:  # empty question
            yield extractive.text
            yield extractive
            return
        try:
            yield from generate(self.llm, extractive, extractive.standalone_question or question,
                                self.index.chunks_of, t0, cancel)
        except Exception:  # a bug in generation must not cost the user the answer
            log.exception("LLM answer failed")
            answer = fallback(extractive, prompts.notice("unavailable", "内部错误"))
            yield answer.text
            yield answer

    def plan(self, question: str, history: Sequence[Message] | None = None, filters: Filters | None = None,
             routed: bool = True) -> QuestionPlan:
        """What a question asks and about which reports, with what it took from earlier turns."""
        metas = self.index.metas()
        if routed:
            return self.planner.plan(question, history, metas, filters)
        no_route = Planner(lambda text, m, f: self.retriever.route("", m, f) if f else Route())
        return no_route.plan(question, history, metas, filters)

    def tools(self, search: Search) -> Tools:
        """What the answering strategies may use, over a given search function."""
        return Tools(search=search, extractor=self.extractor, metas=self.index.metas,
                     document_text=self.index.document_text, folded_text=self.index.folded_text,
                     chunks_of=self.index.chunks_of, words=self.lexicon.words, near=self.meanings.near,
                     evidence_k=self.settings.evidence_passages,
                     max_reports=self.settings.cross_reports,
                     compare=lambda q, regions, years: self.compare(q, regions, years))

    def _extract(self, question: str, history: Sequence[Message] | None, filters: Filters | None,
                 search: Search, routed: bool = True) -> Answer:
        """The extractive answer: plan the question, then let the strategy for its intent answer it."""
        t0 = time.perf_counter()
        question = clean_question(question)
        if not question:
            return Answer(text=EMPTY_QUESTION, refused=True, question=question)
        warnings = []
        if len(question) > self.settings.max_question_chars:
            question = question[: self.settings.max_question_chars]
            warnings.append(f"问题过长，只使用了前 {self.settings.max_question_chars} 个字")
        plan = self.plan(question, history, filters, routed)
        t1 = time.perf_counter()
        answer = answer_plan(plan, self.tools(search))
        answer.warnings[:0] = warnings
        t2 = time.perf_counter()
        answer.timings = {"rewrite": t1 - t0, "answer": t2 - t1, "total": t2 - t0}
        return answer

    # -- figures across reports (figures.py, compare.py) -------------------------------------------
    @property
    def figures(self) -> FigureStore:
        """The catalog's figures table, opened once; filled from the stored reports if the store predates it."""
        if getattr(self, "_figures", None) is None:
            store = FigureStore(self.index.dir)
            if not store.count():
                for doc, _ in self.index.documents():
                    doc.text = self.index.document_text(doc.source)
                    store.replace([(doc, self.index.chunks_of(doc.source))])
            self._figures = store
        return self._figures

    def compare(self, query: str, regions: Sequence[str] | None = None,
                years: Sequence[int] | None = None) -> Comparison:
        """One indicator across reports: a row per report in scope (all by default), a citation in every
        cell, 未报告 where a report states nothing; `.matched` is False when no report states it."""
        return compare(self.figures, self.index.metas(), query, regions, years, self.index.chunks, self.lexicon.words,
                       self.embedder.encode)

    def coverage(self, topic: str) -> Coverage:
        """Which reports mention a topic (a cited sentence each) and which never do."""
        return coverage(self.index.metas(), topic, self.index.document_text, self.index.chunks_of)


def text_pieces(text: str, pieces: int = _STREAM_PIECES) -> Iterator[str]:
    """Growing prefixes of `text` in about `pieces` steps, never cutting a [n] marker in two."""
    step, end = max(8, -(-len(text) // pieces)), 0
    while end < len(text):
        end = min(len(text), end + step)
        opening = text.rfind("[", 0, end)
        closing = text.find("]", opening)
        if opening != -1 and closing >= end:
            end = closing + 1
        yield text[:end]


def clean_question(question: str | None) -> str:
    """The question as text worth answering: lone surrogates dropped (OpenCC and JSON reject them), and ""
    when nothing is left but punctuation, symbols, emoji or control characters."""
    text = strip_invisible((question or "").encode("utf-8", "ignore").decode("utf-8")).strip()
    return text if re.search(r"[^\W_]", text) else ""
