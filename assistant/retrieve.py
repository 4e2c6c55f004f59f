"""Hybrid retrieval: jieba BM25 + dense vectors fused by reciprocal rank, routed by region and year.

Routing matters more than any ranking trick on this corpus: reports are near-identical in wording,
so a question that names 延庆区 or 2023 must search that report, and a question that names a place
or year the collection does not hold must be told so rather than answered from a neighbour.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .config import Settings
from .embed import Embedder
from .genre import PLAN_WORDS, SOFT_YEAR_BEFORE, YEAR
from .index import Filters, Index
from .normalize import fold
from .records import Passage, ReportMeta
from .tokens import Lexicon



@dataclass
class Route:
    """Which reports a question is about, read from the names and years it contains."""

    sources: list[str] | None = None  # None: no restriction
    regions: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    unknown_places: list[str] = field(default_factory=list)
    missing: str = ""  # why no report matches, for the refusal text


class Retriever:
    def __init__(self, index: Index, lexicon: Lexicon, embedder: Embedder, settings: Settings) -> None:
        self.index = index
        self.lexicon = lexicon
        self.embedder = embedder
        self.settings = settings

    def route(self, question: str, metas: dict[str, ReportMeta], filters: Filters | None = None) -> Route:
        """Restrict to the reports the question (and the caller's filters) name."""
        q = fold(question)
        pool = {s: m for s, m in metas.items() if _matches(m, s, filters)}
        regions = sorted({m.region for m in pool.values() if any(a and a in q for a in m.aliases)},
                         key=lambda r: q.find(r[:2]))
        years = []
        for m in YEAR.finditer(q):
            if not SOFT_YEAR_BEFORE.search(q[max(0, m.start() - 4):m.start()]):
                years.append(int(m.group(1)))
        route = Route(regions=regions, years=sorted(set(years)))
        known_names = {a for m in metas.values() for a in m.aliases if a}
        route.unknown_places = [p for p in self.lexicon.places(q)
                                if not any(p in a or a in p for a in known_names)
                                and not p.endswith("省") and not self.index.knows(p)]
        if not regions and not years and not filters:
            return route
        chosen = [s for s, m in pool.items()
                  if (not regions or m.region in regions) and (not route.years or m.year in route.years)]
        if regions and route.years and not chosen:
            covered = sorted({m.year for m in pool.values() if m.region in regions and m.year})
            if covered and PLAN_WORDS.search(q) and min(route.years) > max(covered):
                # "2025年计划..." asked of a 2024 report: the plans section of that report answers it.
                route.sources = [s for s, m in pool.items() if m.region in regions]
                return route
            route.missing = (f"资料库中没有{'、'.join(regions)}{'、'.join(map(str, route.years))}年的报告"
                             f"（现有：{'、'.join(f'{y}年' for y in covered) or '无'}）")
        elif not chosen:
            route.missing = "资料库中没有符合条件的报告"
        route.sources = chosen
        return route

    def search(self, query: str, k: int | None = None, sources: list[str] | None = None,
               weights: tuple[float, float] | None = None) -> list[Passage]:
        """Top-k passages by weighted reciprocal-rank fusion of BM25 and dense rankings."""
        k = k or self.settings.top_k
        if sources is not None and not sources:
            return []
        w_bm25, w_dense = weights or (self.settings.bm25_weight, self.settings.dense_weight)
        n = self.settings.candidates
        bm25 = self.index.bm25_search(self.lexicon.tokens(query), n, sources) if w_bm25 else []
        dense = []
        if w_dense:
            vector = self.embedder.encode([fold(query)], kind="query")[0]
            dense = self.index.dense_search(vector, n, {"source": sources} if sources is not None else None)
        fused: dict[str, float] = {}
        ranks: dict[str, dict[str, int]] = {}
        for name, weight, ranking in (("bm25", w_bm25, bm25), ("dense", w_dense, dense)):
            for rank, (chunk_id, _) in enumerate(ranking, 1):
                fused[chunk_id] = fused.get(chunk_id, 0.0) + weight / (self.settings.rrf_k + rank)
                ranks.setdefault(chunk_id, {})[name] = rank
        best = sorted(fused, key=fused.__getitem__, reverse=True)
        chunks = self.index.chunks(best[: k * 2])  # orphans (ids the catalog lacks) drop out here
        passages = [Passage(chunks[i], fused[i], 0, ranks[i].get("bm25"), ranks[i].get("dense"))
                    for i in best if i in chunks][:k]
        for rank, p in enumerate(passages, 1):
            p.rank = rank
        return passages


def _matches(meta: ReportMeta, source: str, filters: Filters | None) -> bool:
    """Caller filters: source / region / year / level, each a value or a list of values."""
    for key, wanted in (filters or {}).items():
        if wanted in (None, "", []):
            continue
        value = source if key == "source" else getattr(meta, key, None)
        allowed = wanted if isinstance(wanted, (list, tuple, set)) else [wanted]
        if value not in allowed and fold(str(value)) not in {fold(str(a)) for a in allowed}:
            return False
    return True

