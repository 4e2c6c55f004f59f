"""Text folding for search and sentence spans for quoting.

Search runs on folded text (NFKC width folding + traditional->simplified), so a question in either
script finds passages in either script; display and quotes always use the original text.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

_SENTENCE_END = re.compile(r"[。！？；!?;]+[”’」』)）]*|\n+")
_SPACE = re.compile(r"\s+")


# Words official traditional-script pages use for mainland ones (s2twp-style conversion), after t2s has
# changed their characters. OpenCC's own phrase config (tw2sp) cannot be used: applied to mainland text
# it rewrites 文件->文档, 建立->创建, 程序->进程, 效能->性能 (measured on the seeds: 11-54 changes per
# simplified report). These pairs are the same length and are applied only to text written in
# traditional characters, so simplified reports and their quotes are never touched.
_TW_WORDS = {"网路": "网络", "程式": "程序", "支援": "支持", "水准": "水平", "软体": "软件", "硬体": "硬件",
             "资讯": "信息", "讯息": "信息", "数位": "数字", "资料库": "数据库", "品质": "质量", "列印": "打印",
             "透过": "通过", "介面": "界面", "伺服器": "服务器"}
_TW_WORD = re.compile("|".join(sorted(_TW_WORDS, key=len, reverse=True)))


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def fold(text: str) -> str:
    """NFKC (full-width -> half-width) then traditional -> simplified, words too; lengths may change."""
    plain = unicodedata.normalize("NFKC", text)
    simplified = _t2s().convert(plain)
    if simplified == plain:
        return simplified
    return _TW_WORD.sub(lambda m: _TW_WORDS[m.group()], simplified)


# Characters that change how text looks or joins but not what it says: format (Cf: zero-width,
# bidi controls, Unicode tags, soft hyphen), combining marks (Mn, Me: accents stacked on hanzi,
# variation selectors) and other controls except line breaks and tabs.
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Mn", "Me", "Cc"})


def strip_invisible(text: str) -> str:
    """User text without invisible characters, after NFC (so é stays é): a question with a combining
    mark after every character, tag characters or 2,000 bidi marks reads as the question it is.
    Only for what is searched and measured; display keeps the original."""
    text = unicodedata.normalize("NFC", text)
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in _INVISIBLE_CATEGORIES)


def squash(text: str) -> str:
    """fold() without any whitespace: the form answers and must-strings are compared in."""
    return _SPACE.sub("", fold(text))


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans of sentences (ending in 。！？； or a line break) within text[start:end], whitespace trimmed."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    pos = start
    for m in _SENTENCE_END.finditer(text, start, end):
        spans.append((pos, m.end()))
        pos = m.end()
    if pos < end:
        spans.append((pos, end))
    trimmed = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            trimmed.append((s, e))
    return trimmed
