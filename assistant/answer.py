"""Extractive answering: pick the report sentences that answer the question, cite them, or refuse.

A sentence answers when it covers the question's key terms, weighted by how rare each term is in
the collection. A key term that the report being asked about never uses counts against the answer
with extra weight: that is what makes a question about a figure the report does not hold fall
below the threshold instead of being answered with a neighbouring fact.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .followup import CONTEXT_OPEN
from .normalize import fold, sentence_spans
from .records import Chunk, Citation, Passage, ReportMeta
from .retrieve import Route
from .tokens import Lexicon

NUMERIC_Q = re.compile(r"多少|几[个项次件家名人条起批所支场期天年]|比例|比率|占比|数量|金额|率是|率为|率达|百分|排名|第几|规模")
LIST_Q = re.compile(r"哪些|有什么|有何|包括|措施|做法|举措|问题|不足|计划|打算|安排|几个方面|哪几|内容|经验|成效|短板|弱项")
CROSS_Q = re.compile(r"哪些地方|哪些地区|哪些报告|哪些市|哪些县|哪些区|哪几个地方|哪几份|哪个地方|哪个地区|哪份报告|哪个报告|"
                     r"哪个市|哪个县|哪个区|哪[两几三四]个(?:地方|地区|市|县|区)|各地|分别|各自|几个地方|几份报告|对比|比较|共同|都提到|均")
_DIGIT = re.compile(r"\d|[一二两三四五六七八九十百千万亿]+[个项次件家名人条起批所支场期]")
# Words a question uses to frame what it asks (comparisons, abstract nouns): they count, but little.
_LIGHT_WORDS = frozenset("""上一年 上年 去年 前一年 同比 相比 比 较 下降 上升 增长 提高 减少 增加 成果 取得 进展 效果 成效
    做法 措施 举措 情况 方面 工作 数量 结果 内容 处理 比例 经过 实现 开展 推进 加强 提升 有关 相关 全年 一年""".split())
# A word the collection never uses is more often the asker's phrasing than a missing concept ...
UNKNOWN_WEIGHT = 1.5
UNKNOWN_WEIGHT_LONG = 4.0  # ... unless it is a compound noun (生产总值, 纠错率): that names a missing concept
# ... while a word other reports use but this report never does is evidence the answer is not there.
ABSENT_FACTOR = 1.5
CONTEXT_FACTOR = 0.5
REFUSAL = "抱歉，现有报告中没有找到能够回答这个问题的内容。"

# The closing sections every report has: problems found, and next year's plans.
_PROBLEM_Q = re.compile(r"问题|不足|短板|弱项|差距|困难|薄弱")
_PLAN_Q = re.compile(r"计划|安排|打算|下一步|下步|思路|明年|来年|下一年|今后|工作要点|部署")
_PROBLEM_H = re.compile(r"问题|不足|短板|差距")
_PLAN_H = re.compile(r"计划|安排|打算|下一步|下步|思路|要点|展望")
_LIST_ASK = re.compile(r"哪些|有什么|有哪|哪几|几个方面|几方面|包括|主要内容|什么安排|如何安排|怎么安排|打算")
_LEVEL1 = re.compile(r"^[一二三四五六七八九十]+[、.．]")
_ITEM = re.compile(r"^(?:[（(][一二三四五六七八九十]+[）)]|[一二三四五六七八九十]+是|\d{1,2}[.、．])")
_PLAN_START = re.compile(r"^(?:下一步|下步|今后|20\d{2}年.{0,10}?将)")
_LIST_CHARS = 700
_LIST_CONTINUE = 3
_MAX_ITEMS = 8


@dataclass
class Scored:
    passage: Passage
    start: int  # span in the document text
    end: int
    text: str
    coverage: float


@dataclass
class Query:
    """What the extractor needs to know about one (standalone) question."""

    text: str
    terms: list[str]
    context: frozenset[str]  # terms carried over from earlier turns: they count half
    numeric: bool
    listing: bool
    intent: str | None


def parse_query(text: str, lexicon: Lexicon, metas: Sequence[ReportMeta]) -> Query:
    ask, _, carried = text.partition(CONTEXT_OPEN)
    terms = key_terms(ask, lexicon, metas)
    context = [t for t in key_terms(carried, lexicon, metas) if t not in terms]
    return Query(text=text, terms=terms + context, context=frozenset(context), numeric=bool(NUMERIC_Q.search(ask)),
                 listing=bool(LIST_Q.search(ask)), intent=list_intent(ask))


def key_terms(question: str, lexicon: Lexicon, metas: Sequence[ReportMeta]) -> list[str]:
    """Content words of the question, without the region and year names that routing already used."""
    names = {a for m in metas for a in m.aliases}
    terms: list[str] = []
    for word in lexicon.words(question):
        if word in names or re.fullmatch(r"20\d{2}|\d+|[a-z]", word) or word in terms:
            continue
        terms.append(word)
    return terms


def list_intent(question: str) -> str | None:
    """'plans' or 'problems' when a list question asks for a report's closing sections."""
    q = fold(question)
    if not _LIST_ASK.search(q) or NUMERIC_Q.search(q):
        return None
    if _PLAN_Q.search(q):
        return "plans"
    return "problems" if _PROBLEM_Q.search(q) else None


class Extractor:
    """Answers from retrieved passages without any language model."""

    def __init__(self, idf: Callable[[str], float | None], report_text: Callable[[str], str],
                 subwords: Callable[[str], list[str]], threshold: float, max_sentences: int) -> None:
        self.idf = idf
        self.subwords = subwords  # search-mode pieces of a compound word: 联动机制 -> 联动, 机制
        self.report_text = report_text  # folded text of a whole report, to tell absent terms
        self.threshold = threshold
        self.max_sentences = max_sentences

    def pieces(self, terms: list[str]) -> dict[str, list[str]]:
        """Parts of each compound term, for partial credit when only some parts occur."""
        found = {}
        for term in terms:
            if len(term) >= 3:
                found[term] = [w for w in self.subwords(term) if w != term] or [
                    term[i:i + 2] for i in range(len(term) - 1)]
        return found

    def coverage(self, query: Query, sentence: str, section: str,
                 absent: frozenset[str] = frozenset(), pieces: dict[str, list[str]] | None = None) -> float:
        """Share of the question's weight that the sentence (or, half-weight, its heading) contains."""
        if not query.terms:
            return 0.0
        s, h = fold(sentence).lower(), fold(section).lower()
        total = got = 0.0
        for term in query.terms:
            idf = self.idf(term)
            weight = (UNKNOWN_WEIGHT_LONG if len(term) >= 3 else UNKNOWN_WEIGHT) if idf is None else idf
            if term in _LIGHT_WORDS:
                weight *= 0.3
            if term in query.context:
                weight *= CONTEXT_FACTOR
            if term in absent and idf is not None:
                weight *= ABSENT_FACTOR
            total += weight
            if term in s:
                got += weight
            elif term in h:
                got += 0.5 * weight
            elif pieces and term in pieces:
                got += 0.6 * weight * sum(p in s for p in pieces[term]) / len(pieces[term])
        score = got / total if total else 0.0
        if query.numeric and not _DIGIT.search(sentence):
            score *= 0.5
        return score

    def score(self, query: Query, passages: Sequence[Passage]) -> list[Scored]:
        scored = []
        terms = query.terms
        parts = self.pieces(terms)
        absent_by_source: dict[str, frozenset[str]] = {}
        for p in passages:
            c = p.chunk
            if c.source not in absent_by_source:
                text = self.report_text(c.source)
                absent_by_source[c.source] = frozenset(t for t in terms if t not in text)
            for a, b in sentence_spans(c.text):
                sentence = c.text[a:b]
                if len(sentence) < 6:
                    continue
                cov = self.coverage(query, sentence, c.section, absent_by_source[c.source], parts)
                scored.append(Scored(p, c.start + a, c.start + b, sentence, cov + 0.02 / max(p.rank, 1)))
        return sorted(scored, key=lambda s: s.coverage, reverse=True)

    def pick(self, scored: list[Scored], listing: bool, threshold: float | None = None) -> list[Scored]:
        """The best sentence, plus close runners-up (more of them for list questions), in document order."""
        floor = self.threshold if threshold is None else threshold
        if not scored or scored[0].coverage < floor:
            return []
        best = scored[0]
        limit = self.max_sentences + (2 if listing else 0)
        ratio = 0.75 if listing else 0.9
        chosen = [best]
        for s in scored[1:]:
            if len(chosen) >= limit:
                break
            same_doc = s.passage.chunk.source == best.passage.chunk.source
            if same_doc and s.coverage >= ratio * best.coverage and s.text != best.text:
                chosen.append(s)
        chosen = sorted(chosen, key=lambda s: s.start)
        return self._continue_lists(chosen) if listing else chosen

    @staticmethod
    def _continue_lists(chosen: list[Scored]) -> list[Scored]:
        """A sentence ending in ； is one item of a list: bring the next items of its paragraph along."""
        extended: list[Scored] = []
        for s in chosen:
            extended.append(s)
            chunk, end = s.passage.chunk, s.end
            for _ in range(_LIST_CONTINUE):
                if not extended[-1].text.rstrip().endswith((";", "；")):
                    break
                nxt = next(((a, b) for a, b in sentence_spans(chunk.text, end - chunk.start)), None)
                if nxt is None or "\n" in chunk.text[end - chunk.start:nxt[0]]:
                    break
                a, b = nxt[0] + chunk.start, nxt[1] + chunk.start
                if any(x.start == a for x in chosen + extended):
                    break
                extended.append(Scored(s.passage, a, b, chunk.text[nxt[0]:nxt[1]], s.coverage))
                end = b
        return extended


def _closing_section(text: str, intent: str) -> tuple[int, int] | None:
    """Span of the report's problems or plans section (after its heading), narrowed when one section holds both."""
    lines, pos = [], 0
    for line in text.split("\n"):
        lines.append((pos, line.strip()))
        pos += len(line) + 1
    heading_re = _PROBLEM_H if intent == "problems" else _PLAN_H
    for i, (start, line) in enumerate(lines):
        if not (_LEVEL1.match(line) and heading_re.search(fold(line))):
            continue
        end = next((s for s, l in lines[i + 1:] if _LEVEL1.match(l)), len(text))
        body = [(s, l) for s, l in lines[i + 1:] if s < end and l]
        if _PROBLEM_H.search(fold(line)) and _PLAN_H.search(fold(line)):
            split = next((s for s, l in body if _PLAN_START.match(fold(l))), end)
            return (body[0][0] if body else end, split) if intent == "problems" else (split, end)
        return (body[0][0] if body else end, end)
    return None


def closing_items(text: str, intent: str) -> list[tuple[int, int]]:
    """Sentence spans listing the section's items: item headings (（一）, 一是) or, with none, its sentences."""
    span = _closing_section(text, intent)
    if not span:
        return []
    sentences = sentence_spans(text, *span)
    items = [(a, b) for a, b in sentences if _ITEM.match(text[a:b])]
    if not items:
        items = sentences[1:] if len(sentences) > 1 else sentences  # the first sentence introduces
    kept, size = [], 0
    for a, b in items[:_MAX_ITEMS]:
        if size + (b - a) > _LIST_CHARS and kept:
            break
        kept.append((a, b))
        size += b - a
    return kept


def scored_spans(spans: list[tuple[int, int]], text: str, chunks: list[Chunk], coverage: float) -> list[Scored]:
    """Sentence spans of a report as Scored records, each cited with the chunk that holds it."""
    found = []
    for a, b in spans:
        chunk = next((c for c in chunks if c.start <= a < c.end), None)
        if chunk is not None:
            found.append(Scored(Passage(chunk, coverage, 1), a, b, text[a:b], coverage))
    return found


def citation_for(scored: list[Scored]) -> Citation:
    """One citation per passage: its supporting sentences quoted, the whole passage kept for display."""
    p = scored[0].passage
    c, m = p.chunk, p.chunk.meta
    return Citation(source=c.source, title=m.title, region=m.region, year=m.year, section=c.section,
                    quote="".join(s.text for s in scored), passage=c.text, score=round(p.score, 4),
                    start=min(s.start for s in scored), end=max(s.end for s in scored))


def compose(groups: list[list[Scored]], simplified: bool, per_report: bool) -> tuple[str, list[Citation]]:
    """Answer text with [n] markers, one citation per passage; one line per report for cross-report answers."""
    by_chunk: dict[str, int] = {}
    lines = []
    for group in groups:
        parts = []
        for s in group:
            number = by_chunk.setdefault(s.passage.chunk.id, len(by_chunk) + 1)
            parts.append(f"{fold(s.text) if simplified else s.text}[{number}]")
        m = group[0].passage.chunk.meta
        head = f"{m.region}（{m.year}年）：" if per_report else f"据{m.region}{m.year or ''}年报告："
        lines.append(head + "".join(parts))
    citations = [citation_for([s for g in groups for s in g if s.passage.chunk.id == cid])
                 for cid in sorted(by_chunk, key=by_chunk.__getitem__)]
    return "\n".join(lines), citations


def refusal(route: Route) -> str:
    reasons = []
    if route.unknown_places:
        reasons.append(f"资料库中没有{'、'.join(dict.fromkeys(route.unknown_places))}的报告")
    if route.missing:
        reasons.append(route.missing)
    return REFUSAL + ("（" + "；".join(reasons) + "）" if reasons else "")


def is_simplified(question: str) -> bool:
    """True when the question has no traditional characters: the answer is then shown in simplified script."""
    plain = unicodedata.normalize("NFKC", question)
    return fold(question) == plain
