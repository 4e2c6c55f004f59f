"""Compare one indicator across reports: a table with one row per report, a citation in every cell.

Figures come from the catalog's figures table (figures.py). A query ("行政复议", "败诉率") selects
the figures whose indicator phrase contains it (or, failing that, all its words); they are grouped
by what makes two figures comparable: the case stage (收到 / 受理 / 审结 / 办理), level vs change
(761宗 vs 同比增长87.5%) and the kind of unit (件 and 宗 both count cases; % and 个百分点 and 元
are their own). The group covering most reports is the table; a report that states the indicator
only in another group shows that figure marked as not comparable, and a report that states nothing
shows 未报告 (never 0). Rankings and year-on-year changes are computed here, in code.
"""
from __future__ import annotations

import csv
import io
import re
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .figures import Figure, FigureStore, same_length_fold
from .genre import (ASCENDING_Q, CHANGES, CROSS_Q, FALL, FALL_TALK, FIGURE_STAGES, OWN_LEVEL, PLAN_WORDS,
                    QUESTION_WORDS, RANK_Q, RATE_ENDS, TARGET_QUALIFIER, WHICH_NOT_Q, YEAR)
from .normalize import fold, sentence_spans
from .records import Chunk, Citation, ReportMeta

NOT_REPORTED = "未报告"
# Count units that measure the same thing (cases, items); other units are compared only with themselves.
_SAME_COUNT = {"宗": "件", "起": "件", "例": "件", "件次": "件", "人次": "人次", "名": "人", "位": "人"}
_STAGE_ORDER = ("", "收到", "受理", "办理", "审结")
# Words of a compare question that are not the indicator.
_ASK_WORDS = re.compile(r"(?:是|有|为)?多少(?:场次|人次|件次|[件个项名人次宗家条份场%])?|各(?:个)?(?:地方|地区|报告|市|县|区)|哪些|哪个|哪份|哪几|对比|比较|排名|排序|排一下|从高到低|从低到高|"
                        r"从多到少|从少到多|由高到低|由低到高|最高|最低|最多|最少|分别|各自|都|报告|情况|数据|数字|数量|"
                        r"多少|是多少|有多少|写|提到|提及|披露|公布|列出|给出|的|了|是|[，,、。？?！!\s]")
# Verbs and connectives left at either end of a topic once places and question words are gone.
_TOPIC_EDGE = re.compile(r"^(?:和|与|及|以及|开展|组织|举办|完成|实现|有|共)+|(?:和|与|及|开展|组织|举办|完成|实现|有)+$")
# Generic nouns a topic may end in that reports vary freely: 行政复议案件 / 行政复议申请 / 行政复议数量.
_GENERIC_TAIL = re.compile(r"(?:案件|申请|事项)?(?:数量|件数|人数|次数|总数|总量|比例|比率|数|量|情况)?$")
# Embedding fallback for wordings no rule matches: cosine of m3e-small between the topic and an indicator
# phrase sharing a character pair with it. On the seeds 败诉比例 -> 败诉率 0.88-0.89, 复议申请量 -> 行政复议申请
# 0.86, while the best unrelated phrases stay below 0.85 (碳排放 0.71, 合法性审查 -> 审查各类政策文件 0.84).
SIMILARITY = 0.85
_SQL_SCOPE = 500  # reports named in one SQL IN (...) at most
_CHANGE_WORDS = re.compile(rf"(?:同比|环比|比上年|较上年)?(?:{CHANGES}|变化|增幅|降幅|涨幅|涨|{FALL_TALK})")
_SIMILAR_CANDIDATES = 300
_VECTORS: OrderedDict[str, np.ndarray] = OrderedDict()
_VECTOR_CACHE = 20000


@dataclass
class Row:
    """One report in scope: its figure for the indicator, or None when it states none (未报告)."""

    source: str
    region: str
    year: int | None
    title: str
    value: float | None = None
    unit: str = ""
    qualifier: str = ""
    indicator: str = ""  # the report's own phrase
    wording: str = ""  # the figure as the report writes it: 1.99万余条
    period: str = ""
    citation: Citation | None = None
    comparable: bool = True  # False: the report states it for another stage or unit (see note)
    note: str = ""
    change: str = ""  # the change word when the figure is a change (同比下降): a fall ranks below zero

    @property
    def signed(self) -> float:
        """The value to rank by: a fall (同比下降8.4%) is below zero, below any rise."""
        return -self.value if self.value is not None and FALL.search(self.change) else (self.value or 0.0)

    @property
    def reported(self) -> bool:
        return self.value is not None

    @property
    def cell(self) -> str:
        return self.wording if self.reported else NOT_REPORTED


@dataclass
class Comparison:
    """The table for one indicator over the reports in scope (rows sorted by region, then year)."""

    query: str
    topic: str
    indicator: str = ""  # label of the compared group, e.g. 行政复议申请（收到）
    stage: str = ""
    unit: str = ""
    rows: list[Row] = field(default_factory=list)
    other_groups: list[str] = field(default_factory=list)  # other comparable groups the query also matched

    @property
    def ascending(self) -> bool:
        """The question asks for the lowest first (最低, 从少到多)."""
        return bool(ASCENDING_Q.search(self.query))

    @property
    def matched(self) -> bool:
        """Whether any report in scope states a figure for the query (else callers answer with sentences)."""
        return any(r.reported for r in self.rows)

    @property
    def citations(self) -> list[Citation]:
        """One per reported cell, in row order: [n] in to_markdown() is citations[n-1]."""
        return [r.citation for r in self.rows if r.reported and r.citation]

    def ranking(self, ascending: bool | None = None) -> list[Row]:
        """Comparable reported rows by value (largest first unless ascending); the order is computed here."""
        ascending = self.ascending if ascending is None else ascending
        rows = [r for r in self.rows if r.reported and r.comparable]
        return sorted(rows, key=lambda r: (r.signed if ascending else -r.signed, r.region, r.year or 0))

    def not_compared(self) -> list[Row]:
        return [r for r in self.rows if r.reported and not r.comparable]

    def changes(self) -> list[str]:
        """Per region with two or more years: the change between consecutive years, computed and said so."""
        by_region: dict[str, list[Row]] = defaultdict(list)
        for row in self.rows:
            if row.reported and row.comparable and row.year:
                by_region[row.region].append(row)
        lines = []
        for region, rows in by_region.items():
            rows.sort(key=lambda r: r.year)
            for a, b in zip(rows, rows[1:]):
                if self.unit in ("%", "个百分点"):
                    delta = f"{b.value - a.value:+.2f}个百分点"
                elif a.value:
                    delta = f"{(b.value - a.value) / a.value * 100:+.1f}%"
                else:
                    continue
                lines.append(f"{region} {a.year}→{b.year}：{a.wording} → {b.wording}，{delta}（据两份报告计算）")
        return lines

    def summary(self, ascending: bool | None = None) -> str:
        """The ranking in words, naming what could not be compared and who reported nothing."""
        ascending = self.ascending if ascending is None else ascending
        if not self.matched:
            return f"所选报告中没有找到“{self.topic}”的数字。"
        ranked = self.ranking(ascending)
        order = "从低到高" if ascending else "从高到低"
        parts = []
        if len(ranked) > 1:
            parts.append(f"按{self.indicator}{order}：" + " > ".join(f"{_who(r)}（{r.wording}）" for r in ranked))
        elif ranked:
            parts.append(f"{_who(ranked[0])}：{ranked[0].wording}")
        odd = self.not_compared()
        if odd:
            parts.append("口径不同、未参与比较：" + "、".join(f"{_who(r)}（{r.note}）" for r in odd))
        missing = [r for r in self.rows if not r.reported]
        if missing:
            parts.append(f"{NOT_REPORTED}：" + "、".join(_who(r) for r in missing))
        return "；".join(parts) + "。"

    def to_markdown(self, ascending: bool | None = None) -> str:
        """A Markdown table with a [n] citation in every reported cell, the sources under it, then the ranking."""
        lines = [f"**{self.indicator or self.topic}**", "",
                 "| 地区 | 年度 | 数值 | 口径 | 报告原文指标 | 出处 |", "|---|---|---|---|---|---|"]
        n = 0
        sources = []
        for r in self.rows:
            mark = ""
            if r.reported and r.citation:
                n += 1
                mark = f"[{n}]"
                sources.append(f"[{n}] {r.title} · {r.citation.section or '正文'}：{_md(r.citation.quote)}")
            value = r.cell + ("" if r.comparable else "（口径不同）")
            lines.append(f"| {_md(r.region)} | {r.year or ''} | {_md(value)} | {_md(r.qualifier)} | "
                         f"{_md(r.indicator)} | {mark} |")
        lines += ["", self.summary(ascending)]
        lines += self.changes()
        if sources:
            lines += ["", "来源：", *sources]
        return "\n".join(lines)

    def table(self) -> list[list[object]]:
        """Header and rows, as exported to CSV and XLSX."""
        head = ["地区", "年度", "报告", "指标", "数值", "单位", "原文", "口径", "期间", "可比", "说明", "出处原文", "起", "止"]
        body = [[r.region, r.year or "", r.title, r.indicator, r.value if r.reported else NOT_REPORTED, r.unit,
                 r.wording, r.qualifier, r.period, "是" if r.comparable else "否", r.note,
                 r.citation.quote if r.citation else "", r.citation.start if r.citation else "",
                 r.citation.end if r.citation else ""] for r in self.rows]
        return [head, *body]

    def to_csv(self) -> str:
        out = io.StringIO()
        csv.writer(out).writerows(self.table())
        return out.getvalue()

    def to_xlsx(self, path: str | Path) -> Path:
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = "对比"
        for row in self.table():
            sheet.append(row)
        sheet.append([])
        sheet.append([self.summary()])
        for line in self.changes():
            sheet.append([line])
        book.save(path)
        return Path(path)


@dataclass
class Coverage:
    """Which reports mention a topic (one cited sentence each) and which never do."""

    topic: str
    mentioned: list[Citation] = field(default_factory=list)
    missing: list[ReportMeta] = field(default_factory=list)

    def to_markdown(self) -> str:
        lines = [f"**提到“{self.topic}”的报告（{len(self.mentioned)} 份）**"]
        lines += [f"- {c.region} {c.year or ''}：{_md(c.quote)} [{i}]" for i, c in enumerate(self.mentioned, 1)]
        lines += [f"**没有提到的报告（{len(self.missing)} 份）**"]
        lines += [f"- {m.region} {m.year or ''}（{m.title}）" for m in self.missing]
        return "\n".join(lines)


def _who(row: Row) -> str:
    return f"{row.region}{row.year}年" if row.year else row.region


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def topic_of(query: str, metas: Sequence[ReportMeta] = ()) -> str:
    """The indicator a compare question asks about: region names, years and question words removed."""
    text = fold(query)
    names = sorted({a for m in metas for a in [m.region, *m.aliases] if a}, key=len, reverse=True)
    for name in names:
        text = text.replace(fold(name), "")
    text = YEAR.sub("", text)
    for pattern in (WHICH_NOT_Q, RANK_Q, CROSS_Q, _ASK_WORDS, QUESTION_WORDS):
        text = pattern.sub("", text)
    trimmed = _TOPIC_EDGE.sub("", text.strip())
    return trimmed if len(trimmed) >= 2 else text.strip()


def named_scope(query: str, metas: Sequence[ReportMeta]) -> tuple[list[str], list[int]]:
    """Regions (by any alias) and years a question names: 茂名和石林…2023年 -> (["茂名市", "石林县"], [2023])."""
    text = fold(query)
    regions = sorted({m.region for m in metas if any(fold(a) in text for a in [m.region, *m.aliases] if a)})
    known = {m.year for m in metas}
    years = sorted({int(y) for y in YEAR.findall(text) if int(y) in known})
    return regions, years


def _unit_kind(unit: str) -> str:
    return _SAME_COUNT.get(unit, unit)


def _group_key(f: Figure) -> tuple[str, bool, str]:
    return f.stage, bool(f.change), _unit_kind(f.unit)


def _closeness(f: Figure, topic: str) -> float:
    """How well the indicator fits the query: ending in it (the counted noun: …综合执法队 12支, not
    综合执法队…执法用车 55辆) counts most, then how much of the phrase the query covers."""
    named = f.ind_key.endswith(topic) or len(f.ind_key) >= 2 and topic.endswith(f.ind_key)  # 出庭应诉率 for 负责人…
    return float(named) + min(len(topic), len(f.ind_key)) / max(len(f.ind_key), len(topic))


def find_figures(store: FigureStore, topic: str, words: Callable[[str], list[str]] | None = None,
                 sources: Sequence[str] | None = None, encode: Callable[[list[str]], np.ndarray] | None = None
                 ) -> list[Figure]:
    """Figures whose indicator contains the topic's head (行政复议 of 行政复议案件, so 行政复议申请 matches too),
    or every one of its words, or is the topic's own tail (出庭应诉率 of 负责人出庭应诉率); or else whose indicator
    the embedding model puts near the topic."""
    if not topic:
        return []
    topic = _GENERIC_TAIL.sub("", topic) if len(_GENERIC_TAIL.sub("", topic)) >= 2 else topic
    scope, args = "", []
    if sources is not None:
        scope = f" AND f.source IN ({','.join('?' * len(sources))})"
        args = list(sources)
    found = store.query("f.ind_key LIKE ?" + scope, [f"%{topic}%", *args])
    parts = [w for w in (words(topic) if words else []) if len(w) >= 2]
    if len(parts) > 1:  # 审查规范性文件 also finds 审查报备规范性文件
        found = _adding(found, store.query(" AND ".join("f.ind_key LIKE ?" for _ in parts) + scope,
                                           [f"%{w}%" for w in parts] + args))
    # A rate's owner may be left unsaid: 负责人出庭应诉率 is what a report names 出庭应诉率 after 负责人出庭应诉
    # 1547件次 (not so for counts: 涉企行政检查 is no 行政检查)
    tails = [topic[i:] for i in range(1, len(topic) - 3)] if topic.endswith(RATE_ENDS) else []
    if tails:
        found = _adding(found, store.query(f"f.ind_key IN ({','.join('?' * len(tails))})" + scope, [*tails, *args]))
    if not found and encode is not None:
        pairs = sorted({topic[i:i + 2] for i in range(len(topic) - 1)})
        if pairs:
            where = "(" + " OR ".join("f.ind_key LIKE ?" for _ in pairs) + ")"
            near = similar_phrases(topic, store.phrases(where + scope, [f"%{p}%" for p in pairs] + args,
                                                        _SIMILAR_CANDIDATES), encode)
            head = _common(topic, near[0]) if near else ""
            if len(head) >= 2 and 2 * len(head) >= len(topic):  # what the topic shares with the indicator it
                # means (复议 of 复议纠纷 and 行政复议案件), matched like a topic; a mere 法治 is too little
                found = store.query("f.ind_key LIKE ?" + scope, [f"%{head}%", *args])
            elif near:
                found = store.query(f"f.ind_key IN ({','.join('?' * len(near))})" + scope, [*near, *args])
    return found


def _adding(found: list[Figure], more: list[Figure]) -> list[Figure]:
    """`found` and then the figures of `more` it does not hold yet (one figure is its report and place in it)."""
    seen = {(f.source, f.ord) for f in found}
    return found + [f for f in more if (f.source, f.ord) not in seen]


def _common(a: str, b: str) -> str:
    """The longest substring of a that b contains."""
    return max((a[i:j] for i in range(len(a)) for j in range(i + 1, len(a) + 1) if a[i:j] in b), key=len, default="")


def similar_phrases(topic: str, phrases: list[str], encode: Callable[[list[str]], np.ndarray]) -> list[str]:
    """The phrases whose embedding is within SIMILARITY of the topic's, nearest first; vectors are cached."""
    todo = [p for p in {topic, *phrases} if p not in _VECTORS]
    if todo:
        for phrase, vector in zip(todo, encode(todo)):
            _VECTORS[phrase] = vector
        while len(_VECTORS) > _VECTOR_CACHE:
            _VECTORS.popitem(last=False)
    target = _VECTORS[topic]
    scored = sorted(((float(_VECTORS[p] @ target), p) for p in phrases), reverse=True)
    return [p for sim, p in scored if sim >= SIMILARITY]


def compare(store: FigureStore, metas: dict[str, ReportMeta], query: str, regions: Sequence[str] | None = None,
            years: Sequence[int] | None = None, chunks: Callable[[Sequence[str]], dict[str, Chunk]] | None = None,
            words: Callable[[str], list[str]] | None = None,
            encode: Callable[[list[str]], np.ndarray] | None = None) -> Comparison:
    """The comparison table for `query` over the reports in scope (all reports by default).

    `chunks` resolves chunk ids to passages (Index.chunks) for the citations; `words` splits a topic
    into words (Lexicon.words) and `encode` embeds phrases (Embedder.encode) for the fallback matches.
    `Comparison.matched` says whether any report in scope states the indicator.
    """
    topic = topic_of(query, list(metas.values())) or fold(query).strip()
    if regions is None and years is None:
        regions, years = named_scope(query, list(metas.values()))
    scope = {s: m for s, m in metas.items()
             if (not regions or m.region in regions or any(a in regions for a in m.aliases))
             and (not years or m.year in years)}
    stage_word = next((w for w in sorted(FIGURE_STAGES, key=len, reverse=True) if w in topic), "")
    asked_stage = FIGURE_STAGES.get(stage_word, "")
    topic = topic.replace(stage_word, "") if stage_word and len(topic) - len(stage_word) >= 2 else topic
    change_asked = _CHANGE_WORDS.search(topic)  # 同比增长多少: the change figures, not the levels
    topic = topic[:change_asked.start()] + topic[change_asked.end():] if change_asked else topic
    result = Comparison(query=query, topic=topic)
    # Few reports are filtered in SQL; many (most of a large collection) after it, in Python.
    limited = list(scope) if len(scope) <= _SQL_SCOPE and len(scope) < len(metas) else None
    targets = bool(PLAN_WORDS.search(fold(query)))  # 力争…控制在5%以内 is no figure reached, unless a target is asked
    figures = [f for f in find_figures(store, topic, words, limited, encode) if f.source in scope
               and (targets or TARGET_QUALIFIER not in f.qualifier.split("、"))]
    groups: dict[tuple, list[Figure]] = defaultdict(list)
    for f in figures:
        groups[_group_key(f)].append(f)

    def rank(item: tuple[tuple, list[Figure]]) -> tuple:
        (stage, change, _), members = item
        return (bool(asked_stage) and stage != asked_stage, change != bool(change_asked),
                -len({f.source for f in members}), -max(_closeness(f, topic) for f in members),
                _STAGE_ORDER.index(stage) if stage in _STAGE_ORDER else 9)
    ordered = sorted(groups.items(), key=rank)
    if ordered:
        key, members = ordered[0]
        result.stage, result.unit = key[0], _unit_kind(members[0].unit)
        result.indicator = _label(_closest(members, topic), key)
        result.other_groups = [_label(_closest(m, topic), k) for k, m in ordered[1:]]
    best = _best_per_source(ordered, topic, OWN_LEVEL in fold(query))
    texts = _passages(chunks, [f.chunk_id for f, _ in best.values()])
    for source, meta in sorted(scope.items(), key=lambda kv: (kv[1].region, kv[1].year or 0, kv[0])):
        row = Row(source=source, region=meta.region, year=meta.year, title=meta.title)
        if source in best:
            f, comparable = best[source]
            row.value, row.unit, row.qualifier, row.indicator = f.value, f.unit, f.qualifier, f.indicator
            row.wording, row.period, row.comparable, row.change = f.wording, f.period, comparable, f.change
            row.note = "" if comparable else "、".join(filter(None, [f.stage or "未写明", f.change, f.unit])) + "口径"
            row.citation = _citation(f, meta, texts.get(f.chunk_id))
        result.rows.append(row)
    return result


def _closest(figures: list[Figure], topic: str) -> str:
    return max(figures, key=lambda f: (_closeness(f, topic), -f.ord)).ind_key


def _label(indicator: str, key: tuple[str, bool, str]) -> str:
    stage, change, unit = key
    extra = "、".join(filter(None, [stage, "变化" if change else "", unit]))
    return f"{indicator}（{extra}）" if extra else indicator


def _best_per_source(ordered: list[tuple[tuple, list[Figure]]], topic: str,
                     own_level: bool = False) -> dict[str, tuple[Figure, bool]]:
    """Each report's figure: from the compared group (first) if it has one, else its figure of the next
    group of the same kind (level or change) and unit, marked not comparable: a change (同比增长) never
    stands in for a level, nor a level for a change. The whole area's figure goes before its government's
    own level (市本级) unless that is asked (`own_level`)."""
    best: dict[str, tuple[Figure, bool]] = {}
    for i, (key, members) in enumerate(ordered):
        for f in sorted(members, key=lambda f: ((OWN_LEVEL in f.qualifier) != own_level, -_closeness(f, topic), f.ord)):
            if f.source not in best and (i == 0 or key[1:] == ordered[0][0][1:]):
                best[f.source] = (f, i == 0)
    return best


def _passages(chunks: Callable[[Sequence[str]], dict[str, Chunk]] | None, ids: list[str]) -> dict[str, Chunk]:
    ids = sorted({i for i in ids if i})
    return chunks(ids) if chunks and ids else {}


def _citation(f: Figure, meta: ReportMeta, chunk: Chunk | None) -> Citation:
    """The figure's sentence, quoted from the passage that holds it (spans index the report text)."""
    passage, quote = "", ""
    if chunk is not None and chunk.start <= f.sent_start and f.sent_end <= chunk.end:
        passage = chunk.text
        quote = passage[f.sent_start - chunk.start:f.sent_end - chunk.start]
    return Citation(source=f.source, title=meta.title, region=meta.region, year=meta.year, section=f.section,
                    quote=quote, passage=passage, score=1.0, start=f.sent_start, end=f.sent_end)


def coverage(metas: dict[str, ReportMeta], topic: str, document_text: Callable[[str], str],
             chunks_of: Callable[[str], list[Chunk]] | None = None) -> Coverage:
    """Reports whose text mentions the topic, each with its first such sentence, and those that never do."""
    topic = topic_of(topic, list(metas.values())) or topic.strip()
    needle = fold(topic).lower()
    result = Coverage(topic=topic)
    for source, meta in sorted(metas.items(), key=lambda kv: (kv[1].region, kv[1].year or 0, kv[0])):
        text = document_text(source)
        pos = same_length_fold(text).lower().find(needle) if needle else -1
        if pos < 0:
            result.missing.append(meta)
            continue
        start, end = next(((s, e) for s, e in sentence_spans(text) if s <= pos < e), (pos, pos + len(needle)))
        chunk = next((c for c in (chunks_of(source) if chunks_of else []) if c.start <= pos < c.end), None)
        result.mentioned.append(Citation(
            source=source, title=meta.title, region=meta.region, year=meta.year,
            section=chunk.section if chunk else "", quote=text[start:end],
            passage=chunk.text if chunk else text[start:end],
            score=1.0, start=start, end=end))
    return result
