"""Extractive answering: pick the report sentences that answer the question, cite them, or refuse.

A sentence answers when it covers the question's key terms, weighted by how rare each term is in
the collection; a term the collection never uses weighs most, which is what makes a question about
a figure the reports do not hold fall below the threshold instead of being answered by a neighbour.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .normalize import fold, sentence_spans
from .records import Answer, Citation, Passage, ReportMeta
from .retrieve import Route
from .tokens import Lexicon

NUMERIC_Q = re.compile(r"多少|几[个项次件家名人条起批所支场期天年]|比例|比率|占比|数量|金额|率是|率为|率达|百分|排名|第几|规模")
LIST_Q = re.compile(r"哪些|有什么|有何|包括|措施|做法|举措|问题|不足|计划|打算|几个方面|哪几|内容|经验|成效")
CROSS_Q = re.compile(r"哪些地方|哪些地区|哪些报告|哪些市|哪些县|哪些区|哪几个地方|哪几份|哪个地方|哪个地区|哪份报告|哪个报告|"
                     r"哪个市|哪个县|哪个区|哪一个|各地|分别|各自|几个地方|几份报告|对比|比较|共同|都提到|均")
_DIGIT = re.compile(r"\d|[一二两三四五六七八九十百千万亿]+[个项次件家名人条起批所支场期]")
_COMPARE_WORDS = frozenset("上一年 上年 去年 前一年 同比 相比 比 较 下降 上升 增长 提高 减少 增加".split())
# A word the collection never uses is more often the asker's phrasing than a missing concept.
UNKNOWN_WEIGHT = 1.5
REFUSAL = "抱歉，现有报告中没有找到能够回答这个问题的内容。"


@dataclass
class Scored:
    passage: Passage
    start: int  # span in the document text
    end: int
    text: str
    coverage: float


def key_terms(question: str, lexicon: Lexicon, metas: Sequence[ReportMeta]) -> list[str]:
    """Content words of the question, without the region and year names that routing already used."""
    names = {a for m in metas for a in m.aliases}
    terms = []
    for word in lexicon.words(question):
        if word in names or re.fullmatch(r"20\d{2}|\d+|[a-z]", word) or word in terms:
            continue
        terms.append(word)
    return terms


class Extractor:
    """Answers from retrieved passages without any language model."""

    def __init__(self, lexicon: Lexicon, idf, threshold: float, max_sentences: int) -> None:
        self.lexicon = lexicon
        self.idf = idf
        self.threshold = threshold
        self.max_sentences = max_sentences

    def coverage(self, terms: list[str], sentence: str, section: str, numeric: bool) -> float:
        """Share of the question's idf weight that the sentence (or, half-weight, its heading) contains."""
        if not terms:
            return 0.0
        s, h = fold(sentence).lower(), fold(section).lower()
        total = got = 0.0
        for term in terms:
            idf = self.idf(term)
            weight = UNKNOWN_WEIGHT if idf is None else idf
            if term in _COMPARE_WORDS:
                weight *= 0.3
            total += weight
            if term in s:
                got += weight
            elif term in h:
                got += 0.5 * weight
            elif len(term) >= 3:
                pairs = [term[i:i + 2] for i in range(len(term) - 1)]
                got += 0.5 * weight * sum(p in s for p in pairs) / len(pairs)
        score = got / total if total else 0.0
        if numeric and not _DIGIT.search(sentence):
            score *= 0.5
        return score

    def score(self, terms: list[str], passages: Sequence[Passage], numeric: bool) -> list[Scored]:
        scored = []
        for p in passages:
            c = p.chunk
            for a, b in sentence_spans(c.text):
                text = c.text[a:b]
                if len(text) < 6:
                    continue
                cov = self.coverage(terms, text, c.section, numeric)
                scored.append(Scored(p, c.start + a, c.start + b, text, cov + 0.02 / p.rank))
        return sorted(scored, key=lambda s: s.coverage, reverse=True)

    def pick(self, scored: list[Scored], listing: bool) -> list[Scored]:
        """The best sentence, plus close runners-up (more of them for list questions), in document order."""
        if not scored or scored[0].coverage < self.threshold:
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
        return sorted(chosen, key=lambda s: (s.passage.chunk.source, s.start))


def citation_for(scored: list[Scored]) -> Citation:
    """One citation per passage: its supporting sentences quoted, the whole passage kept for display."""
    p = scored[0].passage
    c, m = p.chunk, p.chunk.meta
    return Citation(source=c.source, title=m.title, region=m.region, year=m.year, section=c.section,
                    quote="".join(s.text for s in scored), passage=c.text, score=round(p.score, 4),
                    start=min(s.start for s in scored), end=max(s.end for s in scored))


def compose(groups: list[list[Scored]], simplified: bool, per_report: bool) -> tuple[str, list[Citation]]:
    """Answer text with [n] markers, one citation per passage; one line per report for cross-report answers."""
    citations: list[Citation] = []
    by_chunk: dict[str, int] = {}
    lines = []
    for group in groups:
        parts = []
        for s in group:
            cid = s.passage.chunk.id
            if cid not in by_chunk:
                by_chunk[cid] = len(by_chunk) + 1
            shown = fold(s.text) if simplified else s.text
            parts.append(f"{shown}[{by_chunk[cid]}]")
        m = group[0].passage.chunk.meta
        head = f"{m.region}（{m.year}年）：" if per_report else f"据{m.region}{m.year or ''}年报告："
        lines.append(head + "".join(parts))
    for cid, _ in sorted(by_chunk.items(), key=lambda kv: kv[1]):
        citations.append(citation_for([s for g in groups for s in g if s.passage.chunk.id == cid]))
    return "\n".join(lines), citations


def refusal(route: Route, why: str = "") -> str:
    reasons = []
    if route.unknown_places:
        reasons.append(f"资料库中没有{'、'.join(dict.fromkeys(route.unknown_places))}的报告")
    if route.missing:
        reasons.append(route.missing)
    if why:
        reasons.append(why)
    return REFUSAL + ("（" + "；".join(reasons) + "）" if reasons else "")


def is_simplified(question: str) -> bool:
    return fold(question) == question or fold(question) == __import__("unicodedata").normalize("NFKC", question)


def new_answer(question: str, standalone: str, text: str, citations: list[Citation], refused: bool,
               passages: list[Passage]) -> Answer:
    return Answer(text=text, citations=citations, refused=refused, question=question,
                  standalone_question=standalone, passages=passages)
