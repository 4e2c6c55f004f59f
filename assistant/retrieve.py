"""Hybrid retrieval: jieba BM25 + dense vectors fused by reciprocal rank, routed by region and year.

Routing matters more than any ranking trick on this corpus: reports are near-identical in wording,
so a question that names 密云区 or 2023 must search that report, and a question that names a place
or year the collection does not hold must be told so rather than answered from a neighbour.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from . import regions
from .config import Settings
from .embed import Embedder
from .gazetteer import gazetteer
from .genre import PLAN_WORDS, SOFT_YEAR_BEFORE, YEAR, YEAR_LIST_BEFORE
from .index import Filters, Index
from .normalize import fold
from .records import Passage, ReportMeta
from .tokens import Lexicon

# Names read as another (时林县 -> 石林县, 高新区 -> the collection's one zone): the answer says which.
_READ_AS = ("pinyin", "bare")


@dataclass
class Route:
    """Which reports a question is about, read from the names and years it contains."""

    sources: list[str] | None = None  # None: no restriction; []: nothing matches
    regions: list[str] = field(default_factory=list)  # canonical meta.region of the reports chosen
    years: list[int] = field(default_factory=list)
    unknown_places: list[str] = field(default_factory=list)  # places named that the collection has no report on
    missing: str = ""  # why no report matches, for the refusal text
    notes: list[str] = field(default_factory=list)  # said to the user: how a name was read (时林县 -> 石林县)
    available: str = ""  # what the collection has instead: "现有：2024年", "现有其下级石林县的报告"
    within: list[str] = field(default_factory=list)  # places below a report's region that its report speaks of
    corrections: dict[str, str] = field(default_factory=dict)  # a misspelt name as typed -> the region read


class Retriever:
    def __init__(self, index: Index, lexicon: Lexicon, embedder: Embedder, settings: Settings) -> None:
        self.index = index
        self.lexicon = lexicon
        self.embedder = embedder
        self.settings = settings

    def route(self, question: str, metas: dict[str, ReportMeta], filters: Filters | None = None) -> Route:
        """Restrict to the reports the question (and the caller's filters) name.

        A place named below or above a report's region (越秀区 when only 广州市 is loaded, 昆明市 when
        only 石林县 is) is not answered from that report: its figures would be another unit's. It is
        declined with what the collection has, which the user can then ask about.
        """
        q = fold(question)
        pool = {s: m for s, m in metas.items() if _matches(m, s, filters)}
        route = Route(years=_years(q))
        conflict = _filter_conflict(question, route.years, metas, pool, filters)
        if conflict:
            route.sources, route.missing = [], conflict
            return route
        chosen_hits, near = [], []
        for hit in regions.find(question, pool):
            singular = hit.how in ("parent", "child") and not regions.asks_below(q, hit)
            (near if singular else chosen_hits).append(hit)
        # "茂名茂南区": a unit the collection lacks, qualified by its parent's name, is about that unit.
        qualifiers = {c.region for h in near if h.how == "parent" for c in chosen_hits
                      if c.region == h.region and c.start + len(c.typed) == h.start}
        chosen_hits = [c for c in chosen_hits if c.region not in qualifiers]
        # 番禺区 when only 广州市 is loaded: answered from the city's report where that report speaks of it
        # (the answer must then name it); otherwise declined below, the city's figures being another unit's.
        spoken = [h for h in near if h.how == "parent" and any(
            h.typed in self.index.folded_text(s) for s, m in pool.items() if m.region == h.region)]
        chosen_hits += spoken
        near = [h for h in near if h not in spoken]
        route.within = list(dict.fromkeys(h.typed for h in spoken))
        route.corrections = {h.typed: h.region for h in chosen_hits if h.how in _READ_AS}
        route.regions = list(dict.fromkeys(h.region for h in chosen_hits))
        route.notes = [f"按{h.region}的报告回答（问题中写作“{h.typed}”）" for h in chosen_hits if h.how in _READ_AS]
        route.notes += [f"资料库中没有{p}自己的报告，按{r}报告中写到{p}的内容回答"
                        for p, r in ((h.typed, h.region) for h in spoken)]
        typed = {h.typed for h in chosen_hits}
        related = list(dict.fromkeys(_canonical(h.typed) for h in near if h.typed not in typed))
        known_names = {a for m in metas.values() for a in m.aliases if a} | typed
        # A division of the official list is a place even where a report mentions it (肇庆市 in its
        # neighbour's report); a word only the tagger calls a place counts when the reports never use it.
        divisions = regions.unknown(question, metas)
        others = [p for p in [*divisions, *(p for p in self.lexicon.places(q) if not self.index.knows(p))]
                  if not any(p in a or a in p for a in known_names) and p not in related and not p.endswith("省")]
        route.unknown_places = list(dict.fromkeys(related + others))
        if route.unknown_places:
            route.available = _nearby(route.unknown_places, near, metas)
            route.missing = "" if route.regions else route.available
        if not route.regions and not route.years and not filters:
            return route
        chosen = [s for s, m in pool.items()
                  if (not route.regions or m.region in route.regions) and (not route.years or m.year in route.years)]
        if route.regions and route.years and not chosen:
            covered = sorted({m.year for m in pool.values() if m.region in route.regions and m.year})
            if covered and PLAN_WORDS.search(q) and min(route.years) > max(covered):
                # "2025年计划..." asked of a 2024 report: the plans section of that report answers it.
                route.sources = [s for s, m in pool.items() if m.region in route.regions]
                return route
            route.available = f"现有：{'、'.join(f'{y}年' for y in covered) or '无'}"
            route.missing = (f"资料库中没有{'、'.join(route.regions)}{'、'.join(map(str, route.years))}年的报告"
                             f"（{route.available}）")
        elif not chosen and not route.missing:
            covered = sorted({m.year for m in pool.values() if m.year})
            route.available = f"现有：{'、'.join(f'{y}年' for y in covered)}" if covered else ""
            route.missing = "资料库中没有符合条件的报告" + (f"（{route.available}）" if route.available else "")
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


def _years(q: str) -> list[int]:
    """Years the question asks about; 较2023年 / 截至2023年 are comparisons, not the year asked."""
    return sorted({int(m.group(1)) for m in YEAR.finditer(q)
                   if not SOFT_YEAR_BEFORE.search(q[max(0, m.start() - 4):m.start()])
                   or YEAR_LIST_BEFORE.search(q[max(0, m.start() - 8):m.start()])})


def _canonical(name: str) -> str:
    """A division's own name for what the question wrote (广州 -> 广州市)."""
    g = gazetteer()
    found = g.lookup(name) or (g.by_short.get(name) or [None])[0]
    return found.name if found else name


def _nearby(places: list[str], near: list[regions.RegionHit], metas: dict[str, ReportMeta]) -> str:
    """What the collection has for places it lacks: their parent's or children's reports, else neighbours'."""
    above = list(dict.fromkeys(h.region for h in near if h.how == "parent"))
    below = list(dict.fromkeys(h.region for h in near if h.how == "child"))
    if above:
        return f"现有其上级{'、'.join(above)}的报告"
    if below:
        return f"现有其下级{'、'.join(below)}的报告"
    around = list(dict.fromkeys(n for p in places for n in regions.nearby(p, metas)))
    return f"现有附近地区的{'、'.join(around[:8])}的报告" if around else ""


def _filter_conflict(question: str, years: list[int], metas: dict[str, ReportMeta],
                     pool: dict[str, ReportMeta], filters: Filters | None) -> str:
    """A question naming a region or year that the caller's filters exclude: said, never answered from the filter's reports."""
    if not filters or len(pool) == len(metas):
        return ""
    kept = {m.region for m in pool.values()}
    excluded = [h.region for h in regions.find(question, metas) if h.how not in ("parent", "child")
                and h.region not in kept]
    kept_years = {m.year for m in pool.values()}
    excluded += [f"{y}年" for y in years if y not in kept_years and any(m.year == y for m in metas.values())]
    if not excluded:
        return ""
    shown = "；".join(f"{_FILTER_NAMES.get(k, k)}：" + "、".join(
        f"{x}年" if k == "year" else str(x) for x in (v if isinstance(v, (list, tuple, set)) else [v]))
        for k, v in filters.items() if v not in (None, "", []))
    return f"问题问的是{'、'.join(dict.fromkeys(excluded))}，当前筛选条件（{shown}）不包含它的报告，请清除或修改筛选条件后再问"


_FILTER_NAMES = {"region": "地区", "year": "年份", "level": "层级", "source": "报告"}


def _matches(meta: ReportMeta, source: str, filters: Filters | None) -> bool:
    """Caller filters: source / region / year / level, each a value or a list of values.

    A region may be given by any of its names (越秀区, 广州市越秀区, 越秀)."""
    for key, wanted in (filters or {}).items():
        if wanted in (None, "", []):
            continue
        value = source if key == "source" else getattr(meta, key, None)
        allowed = {fold(str(a)) for a in (wanted if isinstance(wanted, (list, tuple, set)) else [wanted])}
        names = {fold(str(value)), *(meta.aliases if key == "region" else ())}
        if not names & allowed:
            return False
    return True

