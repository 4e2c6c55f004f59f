"""Structure-aware chunking: chunks follow the reports' headings and never cut a sentence.

Reports are built from 一、 sections, (一) subsections and 一是/二是 items, and many put a
subsection's title as the first sentence of its paragraph. Each chunk lies inside one subsection,
prefers to start at an item, carries its heading path, and knows its span in the document text.
"""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass

from .genre import HEADING_LEVELS, ITEM_IS
from .normalize import fold, sentence_spans
from .records import Chunk, Document

_HEADING_MAX = 45
_CLAUSE_END = re.compile(r"[，,、：:]")


@dataclass
class _Unit:
    """One sentence (or heading line) with the heading path it falls under."""

    start: int
    end: int
    path: tuple[str, ...]
    item_start: bool
    heading: bool = False


def _heading_level(line: str) -> int:
    for level, pattern in HEADING_LEVELS:
        if pattern.match(line):
            return level
    return 0


def _split_long(text: str, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    """A sentence longer than limit is cut at clause marks (，、：) as a last resort."""
    spans, pos = [], start
    while end - pos > limit:
        cut = max((m.end() for m in _CLAUSE_END.finditer(text, pos, pos + limit)), default=pos + limit)
        spans.append((pos, cut))
        pos = cut
    spans.append((pos, end))
    return spans


def _units(doc: Document, limit: int) -> list[_Unit]:
    """Sentences of the document, each tagged with its heading path; heading-only lines become path."""
    text = doc.text
    path: list[str] = []
    units: list[_Unit] = []
    pos = 0
    for line in text.split("\n"):
        line_start, pos = pos, pos + len(line) + 1
        stripped = line.strip()
        if not stripped or fold(stripped).replace(" ", "") == fold(doc.meta.title).replace(" ", ""):
            continue
        level = _heading_level(stripped)
        sentences = sentence_spans(text, line_start, line_start + len(line))
        if level:
            first_s, first_e = sentences[0]
            heading = text[first_s:first_e].rstrip("。.;；:：")
            if len(heading) <= _HEADING_MAX or len(sentences) == 1:
                del path[level - 1:]
                path.extend([""] * (level - 1 - len(path)))
                path.append(heading)
                if len(sentences) == 1:
                    # A heading line alone opens the chunk that follows it, so passages show their title.
                    units.append(_Unit(first_s, first_e, tuple(p for p in path if p), True, heading=True))
                    continue
        item_path = tuple(p for p in path if p)
        for s, e in sentences:
            sentence = text[s:e]
            is_item = bool(ITEM_IS.match(sentence))
            if is_item:
                item_path = tuple(p for p in path if p) + (sentence[:_HEADING_MAX].rstrip("。;；"),)
            for i, (a, b) in enumerate(_split_long(text, s, e, limit)):
                units.append(_Unit(a, b, item_path, is_item and i == 0))
    return units


def chunk_document(doc: Document, size: int, limit: int, model: str = "") -> list[Chunk]:
    """Pack sentences into chunks of about `size` characters (never over `limit` unless one sentence is).

    A chunk's id is also the id of its vector, so it is keyed by the embedding model (`model`, the store's
    model id) and the content: another model or another text is another id, embedded anew."""
    groups: list[list[_Unit]] = []
    for unit in _units(doc, limit):
        current = groups[-1] if groups else None
        length = unit.end - current[0].start if current else 0
        same_section = current is not None and (current[-1].path[:2] == unit.path[:2]
                                                or all(u.heading for u in current))
        if (current is None or not same_section or length > limit
                or (unit.item_start and not current[-1].heading and current[-1].end - current[0].start >= size // 2)
                or (length > size and current[-1].end - current[0].start >= size // 2)):
            groups.append([unit])
        else:
            current.append(unit)
    groups = _merge_small(groups, size, limit)
    return [_make_chunk(doc, group, n, model) for n, group in enumerate(groups)]


def _merge_small(groups: list[list[_Unit]], size: int, limit: int) -> list[list[_Unit]]:
    """A very short chunk (a lone closing sentence) joins its neighbour in the same top section."""
    merged: list[list[_Unit]] = []
    for group in groups:
        prev = merged[-1] if merged else None
        short = group[-1].end - group[0].start < size // 4
        if (prev and short and prev[-1].path[:1] == group[0].path[:1]
                and group[-1].end - prev[0].start <= limit):
            prev.extend(group)
        else:
            merged.append(group)
    return merged


def model_tag(model: str) -> str:
    """The short form of a model id that every chunk id of that model carries (second field of the id)."""
    return hashlib.sha1(model.encode()).hexdigest()[:8]


def _make_chunk(doc: Document, group: list[_Unit], n: int, model: str) -> Chunk:
    start, end = group[0].start, group[-1].end
    body = doc.text[start:end]
    # A chunk spanning items 一是 and 二是 is labelled with the heading they share.
    paths = [u.path for u in group if not u.heading] or [group[-1].path]
    section = " > ".join(os.path.commonprefix(paths))
    meta = doc.meta
    header = f"{meta.region} {meta.year or ''}年 {meta.title}\n{section}\n"
    search_text = fold(header + body)
    digest = hashlib.sha1(f"{model}\n{doc.sha256}:{start}:{end}\n{search_text}".encode()).hexdigest()[:16]
    return Chunk(
        id=f"{doc.sha256[:12]}-{model_tag(model)}-{n:04d}-{digest}",
        source=doc.source,
        text=body,
        search_text=search_text,
        section=section,
        start=start,
        end=end,
        meta=meta,
    )
