"""The one object every shell (CLI, UI, eval, Python callers) talks to."""
from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from .answer import (CROSS_Q, Extractor, Query, Scored, closing_items, compose, is_simplified, key_terms, parse_query,
                     refusal, scored_spans)
from .config import Settings
from .embed import Embedder
from .followup import CONTEXT_OPEN, Message, condense
from .index import Filters, Index
from .normalize import fold, strip_invisible
from .ingest import IngestResult, Progress, ingest_paths
from .llm import collect, fallback, generate, load_prompts, make_llm
from .records import Answer, Passage
from .retrieve import Retriever, Route
from .tokens import Lexicon
from . import validate

Search = Callable[[str, "list[str] | None", int], list[Passage]]
# Fusion weights (BM25, dense) per retrieval strategy; only hybrid+route also routes by region/year.
STRATEGIES: dict[str, tuple[float, float] | None] = {
    "hybrid+route": None, "hybrid": None, "bm25": (1.0, 0.0), "dense": (0.0, 1.0)}
EMPTY_QUESTION = "请输入问题，例如：贺州市2024年一审行政案件败诉率是多少？"
_MAX_REPORTS_PER_ANSWER = 8
_NAMED_REPORT_RELIEF = 0.8  # threshold factor for a report the question names
_CROSS_RELATIVE = 0.6
_PER_REPORT_SENTENCES = 2  # an unnamed report must reach this share of the best report's coverage
# Words of a follow-up that point back or ask, which its rewrite need not repeat.
_DEICTIC = re.compile(r"^(?:这|那|其|该|此|上述|前面|刚才|上一年|上年|去年|前一年|同比|相比|比)|^几|多少")
_STREAM_PIECES = 6  # an extractive answer is instant; stream() still hands it over in a few growing pieces
log = logging.getLogger(__name__)


class Assistant:
    """Opens (or first builds from seeds/) the store and answers questions about the reports."""

    def __init__(self, settings: Settings | None = None, build: bool = True) -> None:
        self.settings = settings or Settings.from_env()
        self.lexicon = Lexicon()
        self.embedder = Embedder(self.settings.embedding_model)
        self.index = Index(self.settings, self.lexicon, self.embedder)
        if build and not self.index.metas() and Path(self.settings.seeds_dir).is_dir():
            self.ingest([self.settings.seeds_dir])
        self.retriever = Retriever(self.index, self.lexicon, self.embedder, self.settings)
        self.extractor = Extractor(self.index.idf, self.index.folded_text, self.lexicon.tokens,
                                   self.settings.refuse_threshold, self.settings.answer_sentences)
        # The configured chat model (llm.py), None unless ASSISTANT_LLM_BASE_URL or ASSISTANT_LLM_LOCAL is
        # set and the `llm` extra is installed; a local model starts with the first LLM-mode question.
        self.llm = make_llm(self.settings)

    # -- documents ---------------------------------------------------------------------------
    def ingest(self, paths: Iterable[str | Path], progress: Progress | None = None) -> list[IngestResult]:
        paths = validate.paths_arg(paths)
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
               mode: str | None = None) -> Iterator[str | Answer]:
        """The answer as it is written: the text so far (str, growing), then the final Answer.

        In LLM mode only sentences that passed the grounding check are ever yielded.
        """
        validate.ask_args(question, history, filters)
        search = self._search_fn("hybrid+route")
        if self._mode(mode) == "llm":
            yield from self._generate(question, history, filters, search, True)
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
                  search: Search, routed: bool) -> Iterator[str | Answer]:
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
        standalone = None
        if history and self.settings.llm_rewrite and question:
            standalone = self._rewrite(question.strip()[: self.settings.max_question_chars], history)
        t1 = time.perf_counter()
        extractive = self._extract(question, history, filters, search, routed, standalone)
        extractive.timings["rewrite"] = extractive.timings.get("rewrite", 0.0) + (t1 - t0)
        if not extractive.question:  # empty question
            yield extractive.text
            yield extractive
            return
        try:
            yield from generate(self.llm, extractive, extractive.standalone_question or question,
                                self.index.chunks_of, t0)
        except Exception:  # a bug in generation must not cost the user the answer
            log.exception("LLM answer failed")
            answer = fallback(extractive, prompts.notice("unavailable", "内部错误"))
            yield answer.text
            yield answer

    def _rewrite(self, question: str, history: Sequence[Message]) -> str | None:
        """The LLM's standalone question, kept only if it asks about the same reports as the rule-based one
        and keeps the follow-up's own words (a small model sometimes answers a neighbouring question)."""
        metas = self.index.metas()
        rule = condense(question, history, list(metas.values()), self.lexicon.places)
        own = [t for t in key_terms(question, self.lexicon, list(metas.values()))
               if len(t) >= 2 and not _DEICTIC.search(t)] + re.findall(r"\d{3,}", question)

        def about(text: str) -> tuple:
            route = self.retriever.route(text, metas)
            return tuple(route.regions), tuple(route.years), tuple(route.unknown_places)

        def accept(text: str) -> bool:
            folded = fold(text)
            return about(text) == about(rule) and all(fold(t) in folded for t in own)

        return self.llm.rewrite(question, history, accept)

    def _extract(self, question: str, history: Sequence[Message] | None, filters: Filters | None,
                 search: Search, routed: bool = True, standalone: str | None = None) -> Answer:
        """The extractive answer; `standalone` is a rewrite of a follow-up made elsewhere (the LLM's)."""
        t0 = time.perf_counter()
        question = clean_question(question)
        if not question:
            return Answer(text=EMPTY_QUESTION, refused=True, question=question)
        warnings = []
        if len(question) > self.settings.max_question_chars:
            question = question[: self.settings.max_question_chars]
            warnings.append(f"问题过长，只使用了前 {self.settings.max_question_chars} 个字")
        metas = self.index.metas()
        standalone = standalone or condense(question, history, list(metas.values()), self.lexicon.places)
        t1 = time.perf_counter()
        answer = Answer(text="", question=question, standalone_question=standalone, warnings=warnings)
        groups: list[list[Scored]] = []
        unanswered: list[Route] = []
        per_report = False
        for part in question_parts(standalone, list(metas.values())):
            route = self.retriever.route(part, metas, filters) if routed else self._filter_route(metas, filters)
            if (route.unknown_places and not route.regions) or route.sources == []:
                unanswered.append(route)
                continue
            found, seen, by_report = self._answer_part(part, route, list(metas.values()), search)
            groups.extend(found)
            answer.passages.extend(seen)
            per_report |= by_report
            if not found:
                unanswered.append(route)
        if groups:
            per_report |= len({g[0].passage.chunk.source for g in groups}) > 1
            answer.text, answer.citations = compose(groups, is_simplified(question), per_report)
            if unanswered:
                answer.warnings.append("问题中有一部分在报告中没有找到答案")
        else:
            answer.text, answer.refused = refusal(_merge_routes(unanswered)), True
        t2 = time.perf_counter()
        answer.timings = {"rewrite": t1 - t0, "answer": t2 - t1, "total": t2 - t0}
        return answer

    def _filter_route(self, metas: dict, filters: Filters | None) -> Route:
        """No routing by the question's words (ablations), only the caller's filters."""
        return self.retriever.route("", metas, filters) if filters else Route()

    def _answer_part(self, part: str, route: Route, metas: list, search: Search
                     ) -> tuple[list[list[Scored]], list[Passage], bool]:
        """(sentence groups, passages looked at, answered report by report) for one question."""
        query = parse_query(part, self.lexicon, metas)
        if len(route.regions) > 1 or (CROSS_Q.search(part) and not route.regions):
            groups, seen = self._per_report(query, route, search)
            return groups, seen, True
        passages = search(part, route.sources, self.settings.top_k)
        if query.intent:
            source = route.sources[0] if route.sources and len(route.sources) == 1 else (
                passages[0].chunk.source if passages else None)
            items = self._closing_items(source, query.intent) if source else []
            if items:
                return [items], passages, False
        picked = self.extractor.pick(self.extractor.score(query, passages), query.listing)
        return ([picked] if picked else []), passages, False

    def _closing_items(self, source: str, intent: str) -> list[Scored]:
        text = self.index.document_text(source)
        return scored_spans(closing_items(text, intent), text, self.index.chunks_of(source), 1.0)

    def _per_report(self, query: Query, route: Route, search: Search) -> tuple[list[list[Scored]], list[Passage]]:
        """Answer report by report: each candidate report searched on its own, kept if it answers.

        Reports the question names get a lower bar (the user asked about them); otherwise a report
        must come close to the best one to be listed.
        """
        candidates = route.sources if route.sources is not None else list(self.index.metas())
        if len(candidates) > _MAX_REPORTS_PER_ANSWER:
            wide = search(query.text, candidates, self.settings.candidates)
            candidates = list(dict.fromkeys(p.chunk.source for p in wide))[:_MAX_REPORTS_PER_ANSWER]
        named = bool(route.regions)
        floor = self.settings.refuse_threshold * (_NAMED_REPORT_RELIEF if named else 1.0)
        metas = self.index.metas()
        segments = region_segments(query.text, route.regions, list(metas.values()))
        groups, looked_at = [], []
        for source in candidates:
            own = segments.get(metas[source].region)
            own_query = parse_query(own, self.lexicon, list(metas.values())) if own else query
            found = search(own_query.text, [source], 3)
            looked_at.extend(found)
            group = self._closing_items(source, query.intent) if query.intent else []
            if not group:
                group = self.extractor.pick(self.extractor.score(own_query, found), query.listing, floor)
                group = group[:_PER_REPORT_SENTENCES + int(query.listing)]
            if group:
                groups.append(group)
        if groups and not named:
            best = max(g[0].coverage for g in groups)
            groups = [g for g in groups if g[0].coverage >= _CROSS_RELATIVE * best]
        groups.sort(key=lambda g: -g[0].coverage)
        return groups, looked_at


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


def question_parts(question: str, metas: list) -> list[str]:
    """A question that asks two things ("...叫什么?...有多少?") becomes two standalone questions.

    Topic words a follow-up carried over ("（…）") belong to every part, not to a part of their own.
    """
    ask, bracket, carried = question.partition(CONTEXT_OPEN)
    pieces = [p for p in re.split(r"(?<=[?？])", ask) if p.strip()]
    parts: list[str] = []
    for piece in pieces:
        if parts and len(re.sub(r"[\W_]", "", piece)) < 4:
            parts[-1] += piece
        else:
            parts.append(piece)
    for i in range(1, len(parts)):
        parts[i] = condense(parts[i], [{"role": "user", "content": parts[i - 1]}], metas)
    return [p + bracket + carried for p in parts] or [question]


def region_segments(question: str, regions: list[str], metas: list) -> dict[str, str]:
    """For "贺州的X和高新区的Y分别…", the part of the question about each region (X, Y) plus the shared ending.

    Only used when every part has words of its own; "富源和湛江都…" keeps the whole question for both.
    """
    q = fold(question)
    where = []
    for region in regions:
        aliases = {a for m in metas if m.region == region for a in m.aliases} or {region}
        pos = min((q.find(a) for a in aliases if a in q), default=-1)
        if pos >= 0:
            where.append((pos, region))
    where.sort()
    if len(where) < 2:
        return {}
    ends = [p for p, _ in where[1:]] + [len(q)]
    tail = q[ends[-2]:] if len(ends) > 1 else ""
    tail_ask = re.split(r"[,，]", tail)[-1] if tail else ""
    segments = {}
    for (start, region), end in zip(where, ends):
        own = q[start:end]
        if len(re.sub(r"[\W_]|和|与|及|的|、", "", own)) < 6:
            return {}
        segments[region] = own if end == len(q) else own + tail_ask
    return segments


def _merge_routes(routes: list[Route]) -> Route:
    merged = Route()
    for r in routes:
        merged.unknown_places += [p for p in r.unknown_places if p not in merged.unknown_places]
        if r.missing and r.missing not in merged.missing:
            merged.missing = "；".join(filter(None, [merged.missing, r.missing]))
    return merged
