"""Scoring against a QA set (eval/qa.jsonl schema): the number every parameter is chosen by.

An answer is right when every `must` group has one alternative in it, compared after
traditional->simplified, NFKC and whitespace folding; an unanswerable item is right when refused.
`assistant eval` runs the set (optionally with the retrieval ablation and the LangChain baseline on
the same questions) and writes eval.json, eval.md and accuracy_by_type.png.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .assistant import STRATEGIES, Assistant
from .meta import metadata_table
from .normalize import squash
from .records import Answer, Citation, Passage

if TYPE_CHECKING:  # imported for real only with --ablation: it pulls in LangChain
    from .baseline import LangChainBaseline

ROOT = Path(__file__).resolve().parent.parent
DATASET = ROOT / "eval" / "qa.jsonl"
STAFF_DATASET = ROOT / "eval" / "qa_staff.jsonl"  # written the way staff ask; its test split is frozen
FRESH_DATASET = ROOT / "eval" / "qa_fresh.jsonl"  # a second, independently written staff-style set (all dev)
UNSEEN_DATASET = ROOT / "eval" / "qa_unseen.jsonl"  # about reports of other governments, in their own store
# Every such set, by the stem its results are written under: a corpus and a writer each. unseen3 and unseen4
# are weighted toward what the reports do not answer; unseen5-16 mix every kind of question. The dev halves of
# unseen-unseen14 and unseen16 were tuned on (each after it was first scored untuned); their test halves are
# frozen. unseen15 is reserved: not scored here at all (its checker runs in CI).
UNSEEN_DATASETS: dict[str, Path] = {"unseen": UNSEEN_DATASET, **{
    f"unseen{n}": ROOT / "eval" / f"qa_unseen{n}.jsonl" for n in (*range(2, 15), 16)}}
TYPE_LABELS = {"numeric": "数值", "fact": "事实", "list": "列举", "cross": "跨报告", "trad_query": "繁体提问",
               "unanswerable": "无法回答", "followup": "追问", "paraphrase": "换说法", "yes_no": "是非题",
               "false_premise": "错误前提", "conversation": "多轮对话", "trap": "陷阱（报告无此数字）",
               "typo": "地名错字", "trad": "繁体"}
VERDICTS = {"yes": "是", "no": "否", "unknown": "报告未说明"}


# -- dataset ---------------------------------------------------------------------------------
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
    must_not: list[str] | None = None  # strings a right answer never contains (a trap's neighbouring figure)
    verdict: str | None = None  # yes / no / unknown: what a yes/no answer must open with


# Spellings of "the report does not say" that writers of question sets use.
_VERDICTS = {"unstated": "unknown", "not_stated": "unknown", "未说明": "unknown", "是": "yes", "否": "no"}


def load_items(path: str | Path = DATASET) -> list[Item]:
    items = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            raw = json.loads(line)
            if "_header" in raw:  # a dataset's description line
                continue
            item = Item(**{k: raw.get(k) for k in Item.__dataclass_fields__ if k in raw})
            item.verdict = _VERDICTS.get(item.verdict, item.verdict)
            items.append(item)
    return items


def header_of(path: str | Path) -> dict:
    """A dataset's description line (`{"_header": ...}`), {} when it has none."""
    with Path(path).open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                raw = json.loads(line)
                return raw if "_header" in raw else {}
    return {}


def corpus_assistant(base: Assistant, dataset: str | Path) -> Assistant:
    """The assistant a dataset is asked of: `base`, or one over the dataset's own `corpus` folder.

    A set about reports the seeds do not hold names its folder in its header; its store lives beside
    the main one (`<store>-eval-unseen-reports` for `eval/unseen/reports`: two corpora never share one), is
    built on first use and kept (ingest skips unchanged files).
    """
    corpus = header_of(dataset).get("corpus")
    if not corpus:
        return base
    folder = ROOT / corpus
    settings = replace(base.settings, store_dir=corpus_store(Path(base.settings.store_dir), corpus), seeds_dir=folder)
    other = Assistant(settings, build=False, embedder=base.embedder)  # one model in memory, not one per corpus
    other.ingest([folder])
    return other


def corpus_store(main: Path, corpus: str) -> Path:
    """The store of a dataset's corpus beside the main one: `<store>-eval-unseen-reports` for
    eval/unseen/reports (any path, absolute or relative, makes one folder name)."""
    return main.with_name(f"{main.name}-{re.sub(r'[^0-9A-Za-z_]+', '-', str(corpus)).strip('-')}")


def select(items: Sequence[Item], split: str = "all", limit: int = 0) -> list[Item]:
    """Items of one split (or all), then the first `limit` of them (0: no limit)."""
    chosen = [i for i in items if split == "all" or i.split == split]
    return chosen[:limit] if limit > 0 else chosen


# -- scoring ---------------------------------------------------------------------------------
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
    cited_sources: tuple[str, ...] = ()
    ungrounded: tuple[str, ...] = ()  # numbers in an answer that its cited passages lack
    mode: str = ""
    ttft: float | None = None  # LLM mode: question in -> first token from the model
    first_text: float | None = None  # LLM mode: question in -> first checked sentence shown
    removed: int = 0  # LLM mode: generated sentences the grounding check removed
    fell_back: bool = False  # LLM mode: extractive answer given instead (model failed or not grounded)
    wrong_figure: bool = False  # answered with a figure that is not the one asked for
    searched: str = ""


_MARKER = re.compile(r"\[\d+\]")
_NUMBER = re.compile(r"\d+(?:,\d{3}(?!\d))*(?:\.\d+)?%?")  # 12 / 1,600 / 1.26%; a comma otherwise separates


def satisfies(text: str, must: Sequence[Sequence[str]]) -> bool:
    folded = squash(text)
    return all(any(squash(alt) in folded for alt in group) for group in must)


def ungrounded_numbers(text: str, citations: Sequence[Citation]) -> list[str]:
    """Numbers (and percentages) of the answer that occur in none of its cited passages.

    The citation's title and year count as cited: answers name the report ("据桂林市2024年报告") they quote.
    """
    cited = squash("".join(f"{c.title}{c.year or ''}{c.passage}" for c in citations))
    found = _NUMBER.findall(squash(_MARKER.sub("", text)))
    return [n for n in dict.fromkeys(found)
            if not re.search(rf"(?<![\d.])(?<!\d,){re.escape(n)}(?!\d)", cited)]  # 50 is not in 150 or 1,500


def verdict_of(answer: Answer) -> str:
    """yes / no / unknown, as the answer opens (a refusal or 报告未说明 is unknown)."""
    text = answer.text.lstrip("（")
    if answer.refused or "报告未说明" in text[:40]:
        return "unknown"
    body = re.sub(r"^（[^）]*）\s*", "", answer.text).strip()
    if body.startswith(("否", "不是", "没有", "并非", "不")):
        return "no"
    return "yes" if body.startswith(("是", "有", "对")) else ""


def forbidden(text: str, item: Item) -> bool:
    """The answer gives a string the item forbids (a neighbouring figure for a trap)."""
    folded = squash(_MARKER.sub("", text))
    return any(squash(bad) in folded for bad in item.must_not or [])


def _first_hit(passages: Sequence[Passage], item: Item) -> float:
    alternatives = [squash(a) for group in item.must for a in group]
    for p in passages:
        text = squash(p.chunk.text)
        if p.chunk.source in item.sources and any(a in text for a in alternatives):
            return 1.0 / p.rank
    return 0.0


def score(item: Item, answer: Answer, passages: Sequence[Passage], latency: float, mode: str = "extractive") -> Outcome:
    """One item's outcome; `passages` are the top-k search results for the standalone question."""
    refused = answer.refused
    if item.verdict:
        said = verdict_of(answer)
        correct = said == item.verdict and (item.verdict == "unknown" or satisfies(answer.text, item.must))
        refused = refused and item.verdict != "unknown"
    elif item.unanswerable:
        correct = refused
    else:
        correct = not refused and satisfies(answer.text, item.must) and not forbidden(answer.text, item)
    wrong_figure = not answer.refused and not correct and (
        forbidden(answer.text, item) or any(re.search(r"\d", a) for g in item.must for a in g)
        or (item.unanswerable and bool(_NUMBER.search(_MARKER.sub("", answer.text)))))
    right_report = cited_contains = recall = rr = None
    if not item.unanswerable:
        recall = satisfies("".join(p.chunk.text for p in passages), item.must)
        rr = _first_hit(passages, item)
        if not refused:
            right_report = bool(answer.citations) and all(c.source in item.sources for c in answer.citations)
            cited_contains = satisfies("".join(c.passage for c in answer.citations), item.must)
    ungrounded = () if refused else tuple(ungrounded_numbers(answer.text, answer.citations))
    return Outcome(item, answer.text, refused, correct, right_report, cited_contains, recall, rr,
                   sum(len(p.chunk.text) for p in passages), latency, answer.standalone_question,
                   tuple(dict.fromkeys(c.source for c in answer.citations)), ungrounded, answer.mode,
                   answer.timings.get("llm_ttft"), answer.timings.get("llm_first_text"), len(answer.removed),
                   mode == "llm" and answer.mode != "llm" and not refused, wrong_figure, answer.searched)


def _rate(values: Sequence[bool | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return round(sum(vals) / len(vals), 4) if vals else None


def summarize(outcomes: Sequence[Outcome]) -> dict:
    answerable = [o for o in outcomes if not o.item.unanswerable]
    unanswerable = [o for o in outcomes if o.item.unanswerable]
    latencies = sorted(o.latency for o in outcomes)
    chars = [o.context_chars for o in outcomes]
    generated = [o for o in outcomes if o.ttft is not None]  # LLM mode: the model was asked

    def pct(q: float, values: Sequence[float] | None = None) -> float:
        values = latencies if values is None else sorted(values)
        return round(1000 * values[min(len(values) - 1, int(q * len(values)))], 1) if values else 0.0

    return {
        "n": len(outcomes),
        "answer_accuracy": _rate([o.correct for o in answerable]),
        "refusal_accuracy": _rate([o.correct for o in unanswerable]),
        "false_refusal_rate": _rate([o.refused for o in answerable]),
        "false_refusals": sum(o.refused for o in answerable),
        # answerable items refused although the answer was in the passages looked at
        "refused_with_answer_in_passages": sum(bool(o.refused and o.recall) for o in answerable),
        "wrong_figure_answers": sum(o.wrong_figure for o in outcomes),
        "overall_accuracy": _rate([o.correct for o in outcomes]),
        "citation_right_report": _rate([o.right_report for o in answerable]),
        "citation_contains_answer": _rate([o.cited_contains for o in answerable]),
        "retrieval_recall_at_k": _rate([o.recall for o in answerable]),
        "mrr": round(statistics.mean(o.reciprocal_rank for o in answerable), 4) if answerable else None,
        "context_chars_mean": round(statistics.mean(chars)) if chars else 0,
        "context_chars_max": max(chars, default=0),
        "ungrounded_numbers": sum(bool(o.ungrounded) for o in outcomes),
        "latency_ms_p50": pct(0.5),
        "latency_ms_p95": pct(0.95),
        # LLM mode only (0 / empty otherwise): how often the model was used, checked and overruled.
        "llm_asked": len(generated),
        "llm_answers": sum(o.mode == "llm" and not o.refused for o in outcomes),
        "llm_fallbacks": sum(o.fell_back for o in outcomes),
        "removed_sentences": sum(o.removed for o in outcomes),
        "answers_with_removals": sum(bool(o.removed) for o in outcomes),
        "ttft_ms_p50": pct(0.5, [o.ttft for o in generated]),
        "ttft_ms_p95": pct(0.95, [o.ttft for o in generated]),
        "first_text_ms_p50": pct(0.5, [o.first_text for o in generated if o.first_text is not None]),
        "first_text_ms_p95": pct(0.95, [o.first_text for o in generated if o.first_text is not None]),
        "generated_total_ms_p50": pct(0.5, [o.latency for o in generated]),
        "generated_total_ms_p95": pct(0.95, [o.latency for o in generated]),
    }


def breakdown(outcomes: Sequence[Outcome], key: Callable[[Outcome], str]) -> dict[str, dict]:
    """summarize() per group, groups in sorted order."""
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        groups[key(o)].append(o)
    return {name: summarize(g) for name, g in sorted(groups.items())}


def by_type(outcomes: Sequence[Outcome]) -> dict[str, dict]:
    return breakdown(outcomes, lambda o: o.item.type)


def by_split(outcomes: Sequence[Outcome]) -> dict[str, dict]:
    return breakdown(outcomes, lambda o: o.item.split)


# -- running ---------------------------------------------------------------------------------
Runner = Callable[[Item], tuple[Answer, list[Passage]]]
Progress = Callable[[int, int], None]


def run(items: Sequence[Item], runner: Runner, progress: Progress | None = None,
        mode: str = "extractive") -> list[Outcome]:
    outcomes = []
    for n, item in enumerate(items, 1):
        t0 = time.perf_counter()
        answer, passages = runner(item)
        elapsed = answer.timings.get("total", time.perf_counter() - t0)
        outcomes.append(score(item, answer, passages, elapsed, mode))
        if progress:
            progress(n, len(items))
    return outcomes


def make_runner(ask: Callable[[Item], Answer], search: Callable[[str, int], list[Passage]], k: int) -> Runner:
    """Answer the item, then search its standalone question for the retrieval metrics."""
    def runner(item: Item) -> tuple[Answer, list[Passage]]:
        answer = ask(item)
        return answer, search(answer.standalone_question or item.question, k)
    return runner


@dataclass
class System:
    """One row of the ablation: a name for eval.json, a label for the report, how it answers."""

    name: str
    label: str
    runner: Runner
    k: int
    mode: str = "extractive"


def strategy_system(a: Assistant, strategy: str, k: int, mode: str = "extractive") -> System:
    """The assistant with one retrieval strategy; retrieval metrics use that same strategy."""
    if strategy == "hybrid+route":
        def search(query: str, n: int) -> list[Passage]:
            return a.search(query, n)
    else:
        def search(query: str, n: int) -> list[Passage]:
            return a.retriever.search(query, n, None, STRATEGIES[strategy])

    def ask(item: Item) -> Answer:
        return a.ask(item.question, item.history, strategy=strategy, mode=mode)

    labels = {"hybrid+route": "混合检索 + 地区/年份路由（默认）", "hybrid": "混合检索（BM25 + 向量）",
              "bm25": "仅 BM25", "dense": "仅向量检索"}
    if mode == "llm":
        name = getattr(a.llm, "name", "LLM")
        return System("llm", f"LLM 生成（{name}，{labels[strategy]}）", make_runner(ask, search, k), k, mode)
    return System(strategy, labels[strategy], make_runner(ask, search, k), k, mode)


def baseline_system(a: Assistant, baseline: LangChainBaseline) -> System:
    """The LangChain recipe's retrieval feeding the assistant's own answering step (no routing)."""
    from .baseline import CHUNK_SIZE, TOP_K

    def ask(item: Item) -> Answer:
        return a.ask_with(item.question, item.history, None, baseline.search, routed=False, mode="extractive")

    def search(query: str, n: int) -> list[Passage]:
        return baseline.search(query, None, n)

    label = f"LangChain 常见做法（{CHUNK_SIZE} 字分段，BM25+Chroma 0.5/0.5，top {TOP_K}）"
    return System("langchain", label, make_runner(ask, search, TOP_K), TOP_K)


def _progress(name: str) -> Progress:
    """A counter on an interactive terminal; in CI logs one line per system, when it finishes."""
    interactive = sys.stderr.isatty()

    def show(n: int, total: int) -> None:
        if interactive or n == total:
            print(f"\r[{name}] {n}/{total}", end="\n" if n == total else "", file=sys.stderr, flush=True)
    return show


# -- reporting -------------------------------------------------------------------------------
def _pct(v: float | None) -> str:
    return "–" if v is None else f"{100 * v:.1f}%"


def _num(v: float | None) -> str:
    return "–" if v is None else f"{v:g}"


# (header, how a summary dict becomes a cell); one table layout for every breakdown.
COLUMNS: list[tuple[str, Callable[[dict], str]]] = [
    ("题数", lambda s: str(s["n"])),
    ("答案准确率", lambda s: _pct(s["answer_accuracy"])),
    ("拒答准确率", lambda s: _pct(s["refusal_accuracy"])),
    ("误拒率", lambda s: _pct(s["false_refusal_rate"])),
    ("误拒（答案在检索段中）", lambda s: f"{s['false_refusals']}（{s['refused_with_answer_in_passages']}）"),
    ("答错数字", lambda s: str(s["wrong_figure_answers"])),
    ("引用报告正确", lambda s: _pct(s["citation_right_report"])),
    ("引用段含答案", lambda s: _pct(s["citation_contains_answer"])),
    ("答案召回@k", lambda s: _pct(s["retrieval_recall_at_k"])),
    ("MRR", lambda s: "–" if s["mrr"] is None else f"{s['mrr']:.3f}"),
    ("上下文字数 均/最大", lambda s: f"{s['context_chars_mean']}/{s['context_chars_max']}"),
    ("无出处数字", lambda s: str(s["ungrounded_numbers"])),
    ("延迟 p50/p95 (ms)", lambda s: f"{_num(s['latency_ms_p50'])}/{_num(s['latency_ms_p95'])}"),
]


def metrics_table(rows: Mapping[str, dict], label: str) -> str:
    """A Markdown table: one row per summary, the same columns for every breakdown."""
    headers = [label] + [h for h, _ in COLUMNS]
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for name, summary in rows.items():
        lines.append("| " + " | ".join([name] + [cell(summary) for _, cell in COLUMNS]) + " |")
    return "\n".join(lines)


def item_row(o: Outcome) -> dict:
    return {"id": o.item.id, "type": o.item.type, "split": o.item.split, "question": o.item.question,
            "standalone": o.standalone, "answer": o.answer_text, "refused": o.refused, "correct": o.correct,
            "citations": list(o.cited_sources), "right_report": o.right_report, "cited_contains": o.cited_contains,
            "recall": o.recall, "reciprocal_rank": o.reciprocal_rank, "context_chars": o.context_chars,
            "ungrounded_numbers": list(o.ungrounded), "latency_ms": round(1000 * o.latency, 1), "mode": o.mode,
            "ttft_ms": None if o.ttft is None else round(1000 * o.ttft, 1), "removed_sentences": o.removed,
            "fell_back": o.fell_back}


def command_line(args: argparse.Namespace) -> str:
    """The command that reproduces this run, every option spelled out."""
    parts = ["assistant"]
    if getattr(args, "store", None):
        parts += ["--store", str(args.store)]
    parts += ["eval", "--dataset", _shown_path(args.dataset or DATASET), "--mode", args.mode, "--k", str(args.k),
              "--split", args.split, "--limit", str(args.limit), "--out", str(args.out)]
    if args.ablation:
        parts.append("--ablation")
    if args.min_accuracy:
        parts += ["--min-accuracy", str(args.min_accuracy)]
    if args.min_refusal:
        parts += ["--min-refusal", str(args.min_refusal)]
    return shlex.join(parts)


def _shown_path(path: str | Path) -> str:
    resolved = Path(path).resolve()
    return str(resolved.relative_to(ROOT)) if resolved.is_relative_to(ROOT) else str(path)


def machine() -> str:
    return f"{os.cpu_count()} CPU cores, {platform.platform()}, Python {platform.python_version()}"


def _type_name(t: str) -> str:
    return f"{t} {TYPE_LABELS[t]}" if t in TYPE_LABELS else t


def render_markdown(report: dict, failures: Sequence[Outcome]) -> str:
    k = report["k"]
    lines = [
        "# 评测报告",
        "",
        f"- 命令：`{report['command']}`",
        f"- 时间：{report['date']}",
        f"- 机器：{report['machine']}",
        f"- 问答集：`{report['dataset']}`，{report['n']} 题（划分：{report['split']}），模式：{report['mode']}，"
        f"检索指标取前 k={k} 段",
        "",
        "指标：答案准确率 = 可回答题中每组 must 均出现在回答里（繁简、全半角、空白归一后）；拒答准确率 = 无法回答题中"
        "正确拒答的比例；误拒率 = 可回答题被拒答的比例；引用报告正确 = 所有引用都来自标注报告；引用段含答案 = 被引段落"
        "包含答案；答案召回@k / MRR 以改写后的独立问题检索；无出处数字 = 回答中有数字未出现在其引用段落中的题数。",
        "",
        "## 总体",
        "",
        metrics_table({"全部": report["summary"]}, "范围"),
        "",
        "## 按题型",
        "",
        metrics_table({_type_name(t): s for t, s in report["by_type"].items()}, "题型"),
        "",
        "## 按划分",
        "",
        metrics_table(report["by_split"], "划分"),
    ]
    if report.get("modes"):
        lines += _mode_sections(report)
    if len(report["ablation"]) > 1:
        lines += [
            "",
            "## 消融对比（同一次运行，同一批问题，回答步骤相同，只换检索）",
            "",
            metrics_table({row["label"]: row["summary"] for row in report["ablation"].values()}, "检索方式"),
            "",
            "召回@k 的 k：" + "；".join(f"{name} k={row['k']}" for name, row in report["ablation"].items()) + "。",
            "LangChain 基线按其常见做法检索：RecursiveCharacterTextSplitter（中文分隔符，750/150）、"
            "BM25Retriever（jieba.lcut_for_search）+ Chroma，EnsembleRetriever 权重 0.5/0.5，取前 3 段；"
            "不做地区/年份路由。",
        ]
    if report.get("metadata"):
        lines += ["", "## 报告元数据（地区路径、级别、年度、标题）", "", report["metadata"]]
    lines += ["", f"## 错题（{len(failures)}）", ""]
    for o in failures:
        expected = "拒答" if o.item.unanswerable else " 且 ".join("/".join(g) for g in o.item.must)
        if o.item.verdict:
            expected = VERDICTS[o.item.verdict] + ("，" + expected if o.item.must else "")
        history = f"（对话历史 {len(o.item.history) // 2} 轮）" if o.item.history else ""
        answer = o.answer_text.replace("\n", " ")
        lines += [f"- **{o.item.id}** [{o.item.type}/{o.item.split}] {o.item.question}{history}",
                  f"  - 期望：{expected}",
                  f"  - 回答：{answer}",
                  f"  - 检索：{o.searched}"]
    return "\n".join(lines) + "\n"


def _ms(summary: dict, key: str) -> str:
    return f"{_num(summary[key + '_p50'])}/{_num(summary[key + '_p95'])}"


def _mode_sections(report: dict) -> list[str]:
    """LLM mode: the model's own figures, then LLM beside extractive per question type (same items)."""
    llm, ext = report["modes"]["llm"], report["modes"]["extractive"]
    s = llm["summary"]
    lines = [
        "", "## LLM 生成", "",
        f"模型：{report['modes']['llm']['label']}。每句回答都经过原文核对（grounding.py）：数字、百分比、日期、"
        "《书名》与“名称”必须出现在该句所引段落中，否则删除该句；一句不剩时回退为抽取式回答并提示。",
        "",
        "| 调用模型 | LLM 回答 | 回退为抽取式 | 删除句子数（涉及回答数） | 无出处数字 | 首个 token p50/p95 (ms) | "
        "首句显示 p50/p95 (ms) | 生成回答总耗时 p50/p95 (ms) |",
        "|---|---|---|---|---|---|---|---|",
        f"| {s['llm_asked']} | {s['llm_answers']} | {s['llm_fallbacks']} | {s['removed_sentences']}"
        f"（{s['answers_with_removals']}） | {s['ungrounded_numbers']} | {_ms(s, 'ttft_ms')} | "
        f"{_ms(s, 'first_text_ms')} | {_ms(s, 'generated_total_ms')} |",
        "", "## LLM 与抽取式对比（同一批问题，同一检索）", "",
        "| 题型 | 题数 | LLM 正确率 | 抽取式 正确率 | LLM 拒答准确率 | 抽取式 拒答准确率 | LLM 回退 | 较好 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    rows = {"全部": (llm["summary"], ext["summary"])}
    rows.update({_type_name(t): (llm["by_type"][t], ext["by_type"].get(t)) for t in llm["by_type"]})
    for name, (a, b) in rows.items():
        if b is None:
            continue
        ra, rb = a["overall_accuracy"] or 0, b["overall_accuracy"] or 0
        better = "LLM" if ra > rb else "抽取式" if rb > ra else "相同"
        lines.append(f"| {name} | {a['n']} | {_pct(a['overall_accuracy'])} | {_pct(b['overall_accuracy'])} | "
                     f"{_pct(a['refusal_accuracy'])} | {_pct(b['refusal_accuracy'])} | {a['llm_fallbacks']} | {better} |")
    lines += ["", "正确率 = 可回答题答对、无法回答题正确拒答的比例（两种模式用同一检索与拒答门槛）。"]
    return lines


def _cjk_font() -> str | None:
    """Family of an installed Chinese font (fc-list :lang=zh), registered with matplotlib; None if there is none."""
    from matplotlib import font_manager

    fc_list = shutil.which("fc-list")
    if not fc_list:
        return None
    listed = subprocess.run([fc_list, ":lang=zh", "file"], capture_output=True, text=True, check=False).stdout
    paths = [line.split(":")[0].strip() for line in listed.splitlines() if line.strip()]
    if not paths:
        return None
    path = min(paths, key=lambda p: ("Sans" not in p, "Regular" not in p, p))  # plain sans-serif first
    font_manager.fontManager.addfont(path)
    return font_manager.FontProperties(fname=path).get_name()


def plot_accuracy(series: Mapping[str, Mapping[str, dict]], path: Path) -> None:
    """Grouped bars: share of items right per question type, one bar per system.

    Without a Chinese font the axis uses the English type names rather than boxes.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    font = _cjk_font()
    found = {t for rows in series.values() for t in rows}
    types = [t for t in TYPE_LABELS if t in found] + sorted(found - TYPE_LABELS.keys())
    names = [f"{t}\n{TYPE_LABELS[t]}" if font and t in TYPE_LABELS else t for t in types]
    fig = Figure(figsize=(max(8.0, 0.35 * len(types) * (len(series) + 1.5)), 4.5), dpi=120)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    width = 0.8 / len(series)
    for s, (system, rows) in enumerate(series.items()):
        xs = [i + (s - (len(series) - 1) / 2) * width for i in range(len(types))]
        values = [100 * (rows[t]["overall_accuracy"] or 0) if t in rows else 0 for t in types]
        bars = ax.bar(xs, values, width, label=system)
        if len(series) == 1:
            for bar, t in zip(bars, types):
                ax.annotate(f"{bar.get_height():.0f}%\nn={rows[t]['n']}", (bar.get_x() + bar.get_width() / 2,
                            bar.get_height()), ha="center", va="bottom", fontsize=8)
    ax.set_xticks(range(len(types)), names, fontfamily=font or "sans-serif")
    ax.set_ylim(0, 115)
    ax.set_ylabel("items answered correctly (%)")
    ax.set_title("Accuracy by question type (unanswerable: correctly refused)")
    if len(series) > 1:
        ax.legend(fontsize=8, ncols=len(series), loc="upper center")
    fig.tight_layout()
    fig.savefig(path)


# -- command ---------------------------------------------------------------------------------
LLM_UNAVAILABLE = "LLM 模式暂不可用：当前助手没有配置大语言模型，请使用 --mode extractive。"


def main(assistant: Assistant, args: argparse.Namespace) -> int:
    """`assistant eval`: run, write eval.json / eval.md / accuracy_by_type.png, gate on the floors.

    Without --dataset every set runs: eval/qa.jsonl (eval.*), the staff-style eval/qa_staff.jsonl
    (staff.*, gated by --min-staff-accuracy / --min-staff-refusal), and the two sets written later by people
    who never saw the code, gated by --min-unseen-accuracy / --min-unseen-refusal: eval/qa_fresh.jsonl
    (fresh.*), and eval/qa_unseen.jsonl … qa_unseen8.jsonl about other governments' reports (unseen.* …
    unseen8.*, each in a store of its own).
    Exit codes: 0 ok, 1 below a floor, 2 nothing to evaluate or mode unavailable.
    """
    if args.mode == "llm" and getattr(assistant, "llm", None) is None:
        print(LLM_UNAVAILABLE, file=sys.stderr)
        return 2
    if args.dataset:
        return run_dataset(assistant, args, Path(args.dataset), "eval", args.min_accuracy, args.min_refusal)
    codes = [run_dataset(assistant, args, DATASET, "eval", args.min_accuracy, args.min_refusal)]
    later = [(STAFF_DATASET, "staff", args.min_staff_accuracy, args.min_staff_refusal)] + [
        (path, stem, args.min_unseen_accuracy, args.min_unseen_refusal)
        for stem, path in {"fresh": FRESH_DATASET, **UNSEEN_DATASETS}.items()]
    codes += [run_dataset(assistant, args, path, stem, low_accuracy, low_refusal)
              for path, stem, low_accuracy, low_refusal in later if path.exists()]
    return max(codes)


def run_dataset(assistant: Assistant, args: argparse.Namespace, dataset: Path, stem: str,
                min_accuracy: float, min_refusal: float) -> int:
    """One dataset: run every system, write `<stem>.json`, `<stem>.md` and a chart, gate on the floors."""
    items = select(load_items(dataset), args.split, args.limit)
    if not items:
        print(f"问答集 {dataset} 中没有符合条件的题目", file=sys.stderr)
        return 0 if dataset != DATASET and not args.dataset else 2  # a set without that split is skipped
    assistant = corpus_assistant(assistant, dataset)
    systems = [strategy_system(assistant, "hybrid+route", args.k, args.mode)]
    # LLM mode: the extractive answers to the same items, for the side-by-side table.
    compare = strategy_system(assistant, "hybrid+route", args.k, "extractive") if args.mode == "llm" else None
    baseline = None
    if args.ablation:
        from .baseline import LangChainBaseline

        systems += [strategy_system(assistant, s, args.k) for s in ("hybrid", "bm25", "dense")]
        baseline = LangChainBaseline(assistant)
        systems.append(baseline_system(assistant, baseline))
    try:
        results = {s.name: run(items, s.runner, _progress(s.name), s.mode) for s in systems}
        if compare is not None:
            compared = results.get(compare.name) or run(items, compare.runner, _progress("extractive"))
    finally:
        if baseline is not None:
            baseline.close()

    main_outcomes = results[systems[0].name]
    summary = summarize(main_outcomes)
    report = {
        "command": command_line(args), "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(), "dataset": _shown_path(dataset), "mode": args.mode, "split": args.split,
        "k": args.k, "n": len(items), "summary": summary, "by_type": by_type(main_outcomes),
        "by_split": by_split(main_outcomes),
        "ablation": {s.name: {"label": s.label, "k": s.k, "summary": summarize(results[s.name]),
                              "by_type": by_type(results[s.name])} for s in systems},
        "items": [item_row(o) for o in main_outcomes],
        "metadata": metadata_table(assistant.index.metas()),
        "modes": ({"llm": {"label": systems[0].label, "summary": summary, "by_type": by_type(main_outcomes)},
                   "extractive": {"label": compare.label, "summary": summarize(compared),
                                  "by_type": by_type(compared)}} if compare is not None else {}),
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{stem}.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    failures = [o for o in main_outcomes if not o.correct]
    (out / f"{stem}.md").write_text(render_markdown(report, failures), encoding="utf-8")
    series = {s.name: report["ablation"][s.name]["by_type"] for s in systems}
    if compare is not None:
        series["extractive"] = report["modes"]["extractive"]["by_type"]
    plot_accuracy(series, out / ("accuracy_by_type.png" if stem == "eval" else f"{stem}_by_type.png"))

    print(f"[{_shown_path(dataset)}] 答案准确率 {_pct(summary['answer_accuracy'])}，拒答准确率 {_pct(summary['refusal_accuracy'])}，"
          f"误拒率 {_pct(summary['false_refusal_rate'])}，答案召回@{args.k} {_pct(summary['retrieval_recall_at_k'])}，"
          f"MRR {_num(summary['mrr'])}（{len(items)} 题）")
    if args.mode == "llm":
        ext = report["modes"]["extractive"]["summary"]
        print(f"LLM：调用 {summary['llm_asked']} 次，回退 {summary['llm_fallbacks']} 次，删除句子 "
              f"{summary['removed_sentences']} 句，无出处数字 {summary['ungrounded_numbers']}；首个 token p50/p95 "
              f"{_ms(summary, 'ttft_ms')} ms，生成回答总耗时 p50/p95 {_ms(summary, 'generated_total_ms')} ms；"
              f"抽取式同题：答案准确率 {_pct(ext['answer_accuracy'])}，拒答准确率 {_pct(ext['refusal_accuracy'])}")
    print(f"报告已写入 {out / (stem + '.md')}")
    return _gate(summary, min_accuracy, min_refusal)


def _gate(summary: dict, min_accuracy: float, min_refusal: float) -> int:
    """1 when a measured rate is below its floor (a rate with no items to measure is not gated)."""
    failed = False
    for key, floor, name in (("answer_accuracy", min_accuracy, "答案准确率"),
                             ("refusal_accuracy", min_refusal, "拒答准确率")):
        value = summary[key]
        if value is not None and value < floor:
            print(f"未达标：{name} {_pct(value)} 低于下限 {_pct(floor)}", file=sys.stderr)
            failed = True
    return 1 if failed else 0
