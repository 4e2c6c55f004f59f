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


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def fold(text: str) -> str:
    """NFKC (full-width -> half-width) then traditional -> simplified; lengths may change."""
    return _t2s().convert(unicodedata.normalize("NFKC", text))


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
