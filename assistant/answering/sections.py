"""The closing sections every report has (problems found, next year's plans), answered item by item."""
from __future__ import annotations

from ..genre import LEVEL1_HEADING, LIST_ITEM, PLAN_HEADING, PLAN_START, PROBLEM_HEADING
from ..normalize import fold, sentence_spans

_LIST_CHARS = 700
_MAX_ITEMS = 8


def _closing_section(text: str, intent: str) -> tuple[int, int] | None:
    """Span of the report's problems or plans section (after its heading), narrowed when one section holds both."""
    lines, pos = [], 0
    for line in text.split("\n"):
        lines.append((pos, line.strip()))
        pos += len(line) + 1
    heading_re = PROBLEM_HEADING if intent == "problems" else PLAN_HEADING
    for i, (start, line) in enumerate(lines):
        if not (LEVEL1_HEADING.match(line) and heading_re.search(fold(line))):
            continue
        end = next((s for s, l in lines[i + 1:] if LEVEL1_HEADING.match(l)), len(text))
        body = [(s, l) for s, l in lines[i + 1:] if s < end and l]
        if PROBLEM_HEADING.search(fold(line)) and PLAN_HEADING.search(fold(line)):
            split = next((s for s, l in body if PLAN_START.match(fold(l))), end)
            return (body[0][0] if body else end, split) if intent == "problems" else (split, end)
        return (body[0][0] if body else end, end)
    return None


def closing_items(text: str, intent: str) -> list[tuple[int, int]]:
    """Sentence spans listing the section's items: item headings (（一）, 一是) or, with none, its sentences."""
    span = _closing_section(text, intent)
    if not span:
        return []
    sentences = sentence_spans(text, *span)
    items = [(a, b) for a, b in sentences if LIST_ITEM.match(text[a:b])]
    if not items:
        items = sentences[1:] if len(sentences) > 1 else sentences  # the first sentence introduces
    kept, size = [], 0
    for a, b in items[:_MAX_ITEMS]:
        if size + (b - a) > _LIST_CHARS and kept:
            break
        kept.append((a, b))
        size += b - a
    return kept


