"""Scoring against a QA set (eval/qa.jsonl schema): the number every parameter is chosen by.

An answer is right when every `must` group has one alternative in it, compared after
traditional->simplified, NFKC and whitespace folding; an unanswerable item is right when refused.
"""
from __future__ import annotations

import json
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .normalize import squash
from .records import Answer, Passage

DATASET = Path(__file__).resolve().parent.parent / "eval" / "qa.jsonl"


@dataclass
class Item:
    id: str
    question: str
    history: list[dict]
    must: list[list[str]]
    sources: list[str]
    type: str
    unanswerable: bool
    split: str = "dev"


@dataclass
class Outcome:
    item: Item
    answer_text: str
    refused: bool
    correct: bool
    right_report: bool | None  # answered answerable items only
    cited_contains: bool | None
    recall: bool | None  # answerable items: answer inside the top-k passages
    reciprocal_rank: float | None
    context_chars: int
    latency: float
    standalone: str = ""
    extra: dict = field(default_factory=dict)


def load_items(path: str | Path = DATASET) -> list[Item]:
    items = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            raw = json.loads(line)
            items.append(Item(**{k: raw.get(k) for k in Item.__dataclass_fields__ if k in raw}))
    return items


def satisfies(text: str, must: Sequence[Sequence[str]]) -> bool:
    folded = squash(text)
    return all(any(squash(alt) in folded for alt in group) for group in must)


def _first_hit(passages: Sequence[Passage], item: Item) -> float:
    alternatives = [squash(a) for group in item.must for a in group]
    for p in passages:
        text = squash(p.chunk.text)
        if p.chunk.source in item.sources and any(a in text for a in alternatives):
            return 1.0 / p.rank
    return 0.0


def score(item: Item, answer: Answer, passages: Sequence[Passage], latency: float) -> Outcome:
    """One item's outcome; `passages` are the top-k search results for the standalone question."""
    refused = answer.refused
    correct = refused if item.unanswerable else (not refused and satisfies(answer.text, item.must))
    right_report = cited_contains = recall = rr = None
    if not item.unanswerable:
        recall = satisfies("".join(p.chunk.text for p in passages), item.must)
        rr = _first_hit(passages, item)
        if not refused:
            right_report = bool(answer.citations) and all(c.source in item.sources for c in answer.citations)
            cited_contains = satisfies("".join(c.passage for c in answer.citations), item.must)
    return Outcome(item, answer.text, refused, correct, right_report, cited_contains, recall, rr,
                   sum(len(p.chunk.text) for p in passages), latency, answer.standalone_question)


def _rate(values: Sequence[bool | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return round(sum(vals) / len(vals), 4) if vals else None


def summarize(outcomes: Sequence[Outcome]) -> dict:
    answerable = [o for o in outcomes if not o.item.unanswerable]
    unanswerable = [o for o in outcomes if o.item.unanswerable]
    latencies = sorted(o.latency for o in outcomes)

    def pct(q: float) -> float:
        return round(1000 * latencies[min(len(latencies) - 1, int(q * len(latencies)))], 1) if latencies else 0.0

    return {
        "n": len(outcomes),
        "answer_accuracy": _rate([o.correct for o in answerable]),
        "refusal_accuracy": _rate([o.correct for o in unanswerable]),
        "false_refusal_rate": _rate([o.refused for o in answerable]),
        "overall_accuracy": _rate([o.correct for o in outcomes]),
        "citation_right_report": _rate([o.right_report for o in answerable]),
        "citation_contains_answer": _rate([o.cited_contains for o in answerable]),
        "retrieval_recall_at_k": _rate([o.recall for o in answerable]),
        "mrr": round(statistics.mean(o.reciprocal_rank for o in answerable), 4) if answerable else None,
        "context_chars_max": max((o.context_chars for o in answerable), default=0),
        "latency_ms_p50": pct(0.5),
        "latency_ms_p95": pct(0.95),
    }


def by_type(outcomes: Sequence[Outcome]) -> dict[str, dict]:
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        groups[o.item.type].append(o)
    return {t: summarize(g) for t, g in sorted(groups.items())}


Runner = Callable[[Item], tuple[Answer, list[Passage]]]


def run(items: Sequence[Item], runner: Runner, progress: Callable[[int, int], None] | None = None) -> list[Outcome]:
    outcomes = []
    for n, item in enumerate(items, 1):
        t0 = time.perf_counter()
        answer, passages = runner(item)
        elapsed = answer.timings.get("total", time.perf_counter() - t0)
        outcomes.append(score(item, answer, passages, elapsed))
        if progress:
            progress(n, len(items))
    return outcomes
