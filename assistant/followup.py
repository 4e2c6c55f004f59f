"""Rule-based rewriting of a follow-up question into a standalone one (used when no LLM is configured).

Carries the region, year and topic of the conversation over: after "贺州市2024年一审行政案件败诉率是多少?",
"那延庆区呢?" becomes "延庆区2024年一审行政案件败诉率是多少?", and "比上一年下降了多少?" becomes a question
about 贺州市's 败诉率.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from .normalize import fold

CONTEXT_OPEN = "（"  # carried-over topic words follow the question inside full-width brackets
from .records import ReportMeta

Message = dict[str, str]
_ELLIPTIC = re.compile(r"^(?:那|那么|那么在|那在|再看看|换成|如果是|至于)?(?P<focus>.{1,16}?)(?:呢|的呢|怎么样|如何|又如何|情况呢|的情况呢)?[?？。!！]*$")
_REFERS_BACK = re.compile(r"它|其|该|这个|这些|这项|这一|此项|上述|前面|刚才|那个|那些|同期|上一年|上年|去年|前一年|同比|相比|比上")
_YEAR = re.compile(r"20\d{2}\s*年?度?")
_QUESTION_WORDS = re.compile(r"是多少|有多少|多少|是什么|有哪些|哪些|什么|是否|怎么样|怎样|如何|怎么|吗|呢|请问|[?？。!！,，]")
_ELLIPTIC_TAIL = re.compile(r"(?:呢|怎么样|如何|又如何|情况呢|的情况呢)[?？。!！]*$")


def _regions_in(text: str, metas: Sequence[ReportMeta]) -> list[str]:
    folded = fold(text)
    found = []
    for meta in metas:
        for alias in sorted(meta.aliases, key=len, reverse=True):
            if alias in folded and alias not in found:
                found.append(alias)
                break
    return found


def _topic(question: str, metas: Sequence[ReportMeta]) -> str:
    """The question without its region, year and question words: what it is about."""
    text = fold(question)
    for alias in sorted({a for m in metas for a in m.aliases}, key=len, reverse=True):
        text = text.replace(alias, "")
    text = _YEAR.sub("", text)
    return _QUESTION_WORDS.sub(" ", text).strip()


def condense(question: str, history: Sequence[Message] | None, metas: Sequence[ReportMeta],
             places: Callable[[str], list[str]] | None = None) -> str:
    """A standalone question for retrieval and answering; the question itself when it already stands alone.

    `places` finds place names in text (Lexicon.places): a question naming a place, even one the
    collection lacks, does not inherit the previous question's region.
    """
    users = [m["content"] for m in history or [] if m.get("role") == "user" and m.get("content")]
    if not users:
        return question
    previous = users[0]
    for later in users[1:]:
        previous = condense(later, [{"role": "user", "content": previous}], metas, places)
    answers = [m["content"] for m in history or [] if m.get("role") == "assistant" and m.get("content")]
    q = question.strip()
    new_regions = _regions_in(q, metas) or (places(q) if places else [])
    new_year = _YEAR.search(q)
    prev_regions = _regions_in(previous, metas) or (_regions_in(answers[-1], metas)[:1] if answers else [])
    prev_year = _YEAR.search(previous)

    if _ELLIPTIC_TAIL.search(q) and len(_topic(q, metas)) <= 6:
        # "那延庆区呢?" / "2023年呢?": the previous question with the new region or year swapped in.
        rewritten = previous
        if new_regions:
            for old in prev_regions:
                rewritten = fold(rewritten).replace(old, "")
            rewritten = "".join(new_regions) + rewritten
        if new_year:
            rewritten = _YEAR.sub("", fold(rewritten))
            rewritten = new_year.group(0) + rewritten
        return rewritten

    prefix = ""
    if not new_regions and prev_regions:
        prefix += "".join(prev_regions)
    if not new_year and prev_year and not new_regions:
        prefix += prev_year.group(0)
    # Bring the previous topic along only when this question has too little of its own.
    own = len(_topic(q, metas))
    topic = _topic(previous, metas) if own <= 6 or (_REFERS_BACK.search(q) and own <= 10) else ""
    return f"{prefix}{q}" + (f"{CONTEXT_OPEN}{topic}）" if topic else "")
