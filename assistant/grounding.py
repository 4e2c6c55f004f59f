"""Checking a generated answer against the passages it was generated from, sentence by sentence.

Deterministic and strict: every number (arabic, with its 万/亿/% magnitude; Chinese numerals with a
measure word), every 《title》 and every “quoted name” in a sentence must occur in a passage the
sentence cites, compared after fold() (NFKC + traditional->simplified) with whitespace removed.
A number is matched whole: 50 is not found in 150, 1.26 not in 11.26, and 50 is not 50万.
A sentence must also share enough of its wording with that passage. A sentence that cites nothing,
or cites a passage that lacks its facts, is attached to the passage that has them ([n] inserted or
corrected); a sentence no passage supports is removed. The report's own title and year count as
part of each of its passages (an answer may say "桂林市2024年"). A sentence that names a region is
checked against that region's passages only: a figure is never attributed to another report.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from .normalize import fold

# [1] [1,2] [1][2] 【1】 ［1］ [资料1] （资料1）: what models write for "passage 1".
MARKER = re.compile(r"[\[【［]\s*(?:资料|段落|来源|passage)?\s*(\d{1,2}(?:\s*[,，、]\s*\d{1,2})*)\s*[\]】］]"
                    r"|[（(]\s*(?:资料|段落|来源)\s*(\d{1,2})\s*[)）]", re.IGNORECASE)
_OPENERS = "[【［（("
_END = re.compile(r"[。！？!?；;\n]+[”’」』）)]*")
_ENUMERATOR = re.compile(r"^\s*(?:[-*•·]+|\d{1,2}[.、．)）]|[（(]\d{1,2}[)）]|第[一二三四五六七八九十]+[，,、])\s*")
_MARKUP = re.compile(r"\*\*|__|`|^#+\s*", re.MULTILINE)
_SPACE = re.compile(r"\s+")
# Numbers: 12 / 1,600 / 1.26, with the magnitude that changes their meaning (1.26% 5.7万 3亿).
_ARABIC = re.compile(r"(?<![\d.])(?<!\d,)(\d+(?:,\d{3}(?!\d))*(?:\.\d+)?)(%|‰|万亿|万|亿)?")
_NUMBER_AT = re.compile(r"(\d+(?:,\d{3}(?!\d))*(?:\.\d+)?)(%|‰|万亿|万|亿)?")
_CN_DIGITS = "〇零一二两三四五六七八九十百千万亿"
_CN_NUMBER = re.compile(rf"(?<![{_CN_DIGITS}])([{_CN_DIGITS}]{{1,8}})(?=[个项次件家名人条起批所支场期天年月日倍届轮份类种位户座余多])")
_TITLE = re.compile(r"《([^《》]{1,80})》")
_QUOTE = re.compile(r"“([^“]{2,24})“")  # after squash() every quotation mark is “
_CONTENT = re.compile(r"[\w\u4e00-\u9fff]")
REFUSAL_HINT = re.compile(r"没有找到能够回答|无法回答|不能回答|资料(?:中|里)?(?:没有|未)(?:提及|提到|涉及|说明)|没有(?:相关|提及|提到)")
MIN_SUPPORT = 0.5  # share of a sentence's character pairs that its passage must contain


@dataclass
class Source:
    """One passage as the model saw it: numbered `n` in the prompt; `meta` is its report's title and year."""

    n: int
    text: str
    meta: str = ""
    key: str = ""  # what identifies the passage to the caller (chunk id)
    region: str = ""  # the report's region: a figure said of a region must come from that region's report
    aliases: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self.folded = squash(self.text)
        self.meta_folded = squash(self.meta)
        self.pairs = _pairs(self.folded)


@dataclass
class Fact:
    kind: str  # number / title / quote
    value: str  # as written in the answer, folded

    def kind_name(self) -> str:
        return {"number": "数字", "title": "书名", "quote": "引号中的名称"}[self.kind]


@dataclass
class Checked:
    """One answer sentence after the check."""

    text: str  # without markers or list enumerators
    cited: list[int]  # passage numbers the model gave
    sources: list[int] = field(default_factory=list)  # passage numbers that support it (empty if removed)
    kept: bool = False
    reason: str = ""  # why it was removed
    facts: list[Fact] = field(default_factory=list)
    refusal: bool = False  # "the passages do not say": neither kept nor reported as removed
    moved: bool = False  # markers inserted or corrected

    @property
    def removed(self) -> bool:
        return not self.kept and not self.refusal and bool(self.text)


def squash(text: str) -> str:
    """fold() without whitespace, with every kind of quotation mark made one (the form facts are compared in)."""
    folded = _SPACE.sub("", fold(text))
    return folded.replace("”", "“").replace('"', "“").replace("「", "“").replace("」", "“")


def _pairs(folded: str) -> set[str]:
    chars = "".join(_CONTENT.findall(folded))
    return {chars[i:i + 2] for i in range(len(chars) - 1)} or ({chars} if chars else set())


# ------------------------------------------------------------------------------- sentences

def markers(text: str) -> list[int]:
    found: list[int] = []
    for m in MARKER.finditer(text):
        for n in re.split(r"\s*[,，、]\s*", m.group(1) or m.group(2)):
            if int(n) not in found:
                found.append(int(n))
    return found


def clean_sentence(text: str) -> str:
    """The sentence as shown: no markers, list enumerators, Markdown emphasis or surrounding space."""
    text = MARKER.sub("", _MARKUP.sub("", text))
    text = _ENUMERATOR.sub("", text.strip())
    return text.strip()


class SentenceSplitter:
    """Cuts streamed text into sentences; a sentence's [n] markers may follow its full stop.

    feed() returns the sentences completed so far; a sentence counts as complete once something
    other than a marker follows its end, so "…。[1]" is not cut from its marker. finish() returns the rest.
    """

    def __init__(self) -> None:
        self.buffer = ""

    def feed(self, piece: str) -> list[tuple[str, list[int]]]:
        self.buffer += piece
        done = []
        while True:
            m = _END.search(self.buffer)
            if not m:
                break
            end = m.end()
            while True:  # markers right after the full stop belong to this sentence
                rest = self.buffer[end:]
                stripped = rest.lstrip(" \t")
                following = MARKER.match(stripped)
                if following:
                    end += len(rest) - len(stripped) + following.end()
                    continue
                break
            rest = self.buffer[end:].lstrip(" \t")
            if not rest or (rest[0] in _OPENERS and len(rest) < 12 and not re.search(r"[\]】］)）]", rest)):
                break  # a marker may still be arriving
            done.append(self._sentence(self.buffer[:end]))
            self.buffer = self.buffer[end:]
        return [d for d in done if d[0]]

    def finish(self) -> list[tuple[str, list[int]]]:
        rest, self.buffer = self.buffer, ""
        sentence = self._sentence(rest)
        return [sentence] if sentence[0] else []

    @staticmethod
    def _sentence(raw: str) -> tuple[str, list[int]]:
        return clean_sentence(raw), markers(raw)


def split_sentences(text: str) -> list[tuple[str, list[int]]]:
    splitter = SentenceSplitter()
    return splitter.feed(text) + splitter.finish()


# ------------------------------------------------------------------------------------ facts

def facts(sentence: str) -> list[Fact]:
    """The checkable facts of a sentence (markers already removed)."""
    s = squash(sentence)
    found: list[Fact] = []
    for m in _ARABIC.finditer(s):
        found.append(Fact("number", m.group(1) + (m.group(2) or "")))
    for m in _CN_NUMBER.finditer(s):
        numeral = m.group(1)
        if numeral == "一" or numeral[0] in "百千万亿":
            continue  # 一个/一次 read as words, not figures; 万人 is a word
        found.append(Fact("number", numeral + s[m.end()]))
    for m in _TITLE.finditer(s):
        found.append(Fact("title", m.group(1)))
    for m in _QUOTE.finditer(s):
        found.append(Fact("quote", m.group(1)))
    unique: dict[tuple[str, str], Fact] = {}
    for f in found:
        unique.setdefault((f.kind, f.value), f)
    return list(unique.values())


def _has_number(value: str, text: str) -> bool:
    """Whole-number occurrence with the same magnitude: 50 not in 150 / 1,500 / 50万; 5.7万 needs 5.7万."""
    m = _ARABIC.fullmatch(value)
    if m is None:  # a Chinese numeral with its measure word: 三年 must not be found inside 十三年
        return re.search(rf"(?<![{_CN_DIGITS}]){re.escape(value)}", text) is not None
    number, magnitude = m.group(1), m.group(2) or ""
    for hit in re.finditer(rf"(?<![\d.])(?<!\d,){re.escape(number)}(?![\d])(?!\.\d)(?!,\d{{3}})", text):
        after = _NUMBER_AT.match(text, hit.start())
        if after and (after.group(2) or "") == magnitude:
            return True
    return False


def fact_in(fact: Fact, source: Source) -> bool:
    for text in (source.folded, source.meta_folded):
        if not text:
            continue
        if fact.kind == "number":
            if _has_number(fact.value, text):
                return True
        elif fact.value in text:
            return True
    return False


def support(sentence: str, sources: Sequence[Source]) -> float:
    """Share of the sentence's character pairs found in the sources' text (0..1)."""
    pairs = _pairs(squash(sentence))
    if not pairs:
        return 0.0
    have: set[str] = set()
    for s in sources:
        have |= s.pairs
    return len(pairs & have) / len(pairs)


# ---------------------------------------------------------------------------------- checking

def check_sentence(text: str, cited: list[int], sources: Sequence[Source], min_support: float = MIN_SUPPORT) -> Checked:
    """Keep a sentence with the passages that hold all its facts and enough of its wording."""
    result = Checked(text=text, cited=cited, facts=facts(text))
    if not _CONTENT.search(text):
        result.text = ""
        return result
    if REFUSAL_HINT.search(fold(text)):
        result.refusal = True
        return result
    said = squash(text)
    named = {s.region for s in sources if s.region and any(squash(a) in said for a in s.aliases or (s.region,))}
    if named and result.facts:
        # "密云区…761宗" with 761 from another region's passage is a figure attributed to the wrong report.
        own = [s for s in sources if s.region in named]
        if not any(all(fact_in(f, s) for f in result.facts) for s in own) and any(
                all(fact_in(f, s) for f in result.facts) for s in sources):
            result.reason = "其中的数字来自另一地区的报告"
            return result
        sources = own
    by_n = {s.n: s for s in sources}

    def holds(group: Sequence[Source]) -> bool:
        return (all(any(fact_in(f, s) for s in group) for f in result.facts)
                and support(text, group) >= min_support)

    given = [by_n[n] for n in cited if n in by_n]
    if given and holds(given):
        result.kept, result.sources = True, [s.n for s in given]
        return result
    # Attach it elsewhere: the single passage that holds it best, else the best pair.
    ranked = sorted(sources, key=lambda s: -support(text, [s]))
    for s in ranked:
        if holds([s]):
            result.kept, result.sources, result.moved = True, [s.n], True
            return result
    for i, a in enumerate(ranked):
        for b in ranked[i + 1:]:
            if holds([a, b]):
                result.kept, result.sources, result.moved = True, sorted([a.n, b.n]), True
                return result
    missing = [f for f in result.facts if not any(fact_in(f, s) for s in sources)]
    if missing:
        # Named by kind only: this text is shown, and the unverified figure itself must not be.
        kinds = dict.fromkeys(f.kind_name() for f in missing)
        result.reason = "其中的" + "、".join(kinds) + "未出现在所引段落中"
    elif result.facts and not any(all(fact_in(f, s) for f in result.facts) for s in sources):
        result.reason = "其中的数字或名称分属不同段落，无法核实"
    else:
        result.reason = "与所引段落内容不符"
    return result


def check_answer(text: str, sources: Sequence[Source], min_support: float = MIN_SUPPORT) -> list[Checked]:
    return [check_sentence(s, cited, sources, min_support) for s, cited in split_sentences(text)]


def check_stream(pieces: Iterable[str], sources: Sequence[Source],
                 min_support: float = MIN_SUPPORT) -> Iterator[Checked]:
    """check_answer() over streamed text: each sentence is checked as soon as it is complete."""
    splitter = SentenceSplitter()
    for piece in pieces:
        for sentence, cited in splitter.feed(piece):
            yield check_sentence(sentence, cited, sources, min_support)
    for sentence, cited in splitter.finish():
        yield check_sentence(sentence, cited, sources, min_support)


def best_sentences(passage: str, sentence: str, spans: Sequence[tuple[int, int]]) -> tuple[int, int] | None:
    """The span of the passage sentence sharing the most wording with an answer sentence (for quoting)."""
    pairs = _pairs(squash(sentence))
    best, best_score = None, 0.0
    for a, b in spans:
        score = len(pairs & _pairs(squash(passage[a:b]))) / (len(pairs) or 1)
        if score > best_score:
            best, best_score = (a, b), score
    return best
