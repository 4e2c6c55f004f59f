"""Recall of Chroma's HNSW index on real model vectors, for a choice of HNSW parameters.

    python bench/recall.py                       # 2,000 reports, 8 chunks each; embeds once (22 min), then ~12 min
    python bench/recall.py --embed-only          # just embed (and cache) the chunks, with progress
    python bench/recall.py --settings 16/100/100 32/200/500

The corpus is bench/synth.py's (report i is seed i % 5 rewritten for another region and year), chunked by
the product's chunker; to keep the embedding affordable on 2 cores each report keeps a seeded sample of
`--chunks-per-report` of its chunks. Every chunk is embedded for real by `--model` (default m3e-small on
ONNX Runtime int8, the fastest backend of the default model; cosine >= 0.95 to torch, tested in
tests/test_embed.py, and compared again here on `--reference-sample` chunks) and the vectors are cached under bench/out/, keyed by model, corpus and chunker, so a
rerun skips the embedding (an interrupted one resumes from its last saved slice).

Questions: every question text of eval/qa.jsonl and eval/qa_staff.jsonl plus the benchmark's synthetic ones,
embedded by the same model as the product embeds a question. For each setting (max_neighbors /
ef_construction / ef_search) a fresh Chroma collection is built in a temporary folder, and for every question:
- plain: Chroma's top 30 against the exact cosine top 30 over every vector (numpy);
- deeper: the product's search for many reports (a year's, the years taken in turn): an unfiltered search for
  k / share * 2 + k results, of which the year's first 30, or Chroma's where clause when fewer than 30 of them
  are the year's (index.py's `_dense_search`), against the exact top 30 of that year's chunks.
Recall is reported as mean, 5th percentile and worst; search latency as p50 / p95 of single queries.
Results go to bench/out/recall.json and bench/out/recall.md.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.chunk import chunk_document  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.embed import Embedder  # noqa: E402
from assistant.store.vectors import _OVERFETCH_MAX  # noqa: E402
from assistant.ingest import build_document  # noqa: E402
from assistant.normalize import fold  # noqa: E402
from assistant.records import Chunk  # noqa: E402
from assistant.tokens import Lexicon  # noqa: E402
from bench import synth  # noqa: E402

OUT = ROOT / "bench" / "out"
K = 30
SLICE = 256  # chunks embedded between two saves of the cache: what an interruption loses
# max_neighbors / ef_construction / ef_search: Chroma's defaults, then more neighbours, a deeper build, a deeper search
SETTINGS = ["16/100/100", "16/100/200", "16/100/300", "16/100/500", "16/200/300", "16/200/500", "32/200/100",
            "32/200/300", "32/200/500"]


def corpus_chunks(reports: int, per_report: int, settings: Settings) -> list[Chunk]:
    """The product's chunks of the first `reports` synthetic reports, a seeded sample of `per_report` each."""
    seeds = synth.load_seeds()
    by_name = {s.source: s for s in seeds}
    lexicon = Lexicon()
    chunks: list[Chunk] = []
    for i, report in enumerate(synth.plan(reports, seeds)):
        text = synth.rewrite(by_name[report.seed], report.region, report.year, random.Random(i))
        doc = build_document((text + "\n").encode("utf-8"), report.name, lexicon, None)
        doc.source = report.name
        mine = chunk_document(doc, settings.chunk_size, settings.chunk_max)
        chunks += sorted(random.Random(i).sample(mine, min(per_report, len(mine))), key=lambda c: c.start)
    return chunks


def question_texts(reports: int) -> list[str]:
    """Eval questions (both sets, every split) and the benchmark's own, folded as the retriever folds them."""
    texts = []
    for name in ("qa.jsonl", "qa_staff.jsonl"):
        for line in (ROOT / "eval" / name).read_text(encoding="utf-8").splitlines():
            item = json.loads(line) if line.strip() else {}
            if "question" in item:
                texts.append(item["question"])
    seeds = synth.load_seeds()
    texts += [q["question"] for q in synth.questions(synth.plan(min(reports, 100), seeds), seeds)]
    return list(dict.fromkeys(fold(t) for t in texts))


def embed_cached(texts: list[str], embedder: Embedder, key: str) -> tuple[np.ndarray, dict]:
    """Vectors of texts, from bench/out/ when this exact input was embedded before; resumable, with progress."""
    OUT.mkdir(parents=True, exist_ok=True)
    final, partial = OUT / f"recall-vectors-{key}.npy", OUT / f"recall-vectors-{key}.part.npy"
    info_path = OUT / f"recall-vectors-{key}.json"
    if final.exists():
        return np.load(final), json.loads(info_path.read_text())
    done = np.load(partial) if partial.exists() else np.zeros((0, embedder.dimension), dtype=np.float32)
    info = json.loads(info_path.read_text()) if partial.exists() and info_path.exists() else {"wall": 0.0, "cpu": 0.0}
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)  # as ingest does: less padding
    blocks = [done]
    for at in range(len(done), len(texts), SLICE):
        wall, cpu = time.perf_counter(), time.process_time()
        blocks.append(embedder.encode([texts[i] for i in order[at:at + SLICE]]))
        info["wall"] += time.perf_counter() - wall
        info["cpu"] += time.process_time() - cpu
        np.save(partial, np.concatenate(blocks))
        info_path.write_text(json.dumps(info))
        got = min(at + SLICE, len(texts))
        print(f"embedded {got}/{len(texts)} chunks: {got / info['wall']:.1f}/s wall, "
              f"{got / info['cpu']:.1f}/s CPU, load {os.getloadavg()[0]:.1f}", file=sys.stderr, flush=True)
    vectors = np.empty((len(texts), embedder.dimension), dtype=np.float32)
    vectors[order] = np.concatenate(blocks)
    info.update(chunks=len(texts), characters=sum(map(len, texts)), model=embedder.model_id)
    np.save(final, vectors)
    info_path.write_text(json.dumps(info))
    partial.unlink(missing_ok=True)
    return vectors, info


def compare_backends(texts: list[str], vectors: np.ndarray, embedder: Embedder, reference: str, n: int) -> dict:
    """A seeded sample of the chunks embedded again by both backends, back to back: the cached vectors' cosine to
    the reference backend's, and each backend's chunks/s by wall clock and by CPU time (all threads counted)."""
    rows = sorted(random.Random(0).sample(range(len(texts)), min(n, len(texts))), key=lambda i: -len(texts[i]))
    sample = [texts[i] for i in rows]  # longest first, as ingest embeds them
    other = Embedder(reference)
    other.encode(["法治政府建设"] * 8)
    found: dict = {"sample": len(rows), "characters": sum(map(len, sample))}
    for name, backend in ((embedder.model_id, embedder), (reference, other)):
        wall, cpu = time.perf_counter(), time.process_time()
        again = np.concatenate([backend.encode(sample[at:at + SLICE]) for at in range(0, len(sample), SLICE)])
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        found[name] = {"chunks_per_s_wall": round(len(sample) / wall, 1), "chunks_per_s_cpu": round(len(sample) / cpu, 1),
                       "loadavg": round(os.getloadavg()[0], 1)}
    cosines = np.sum(again * vectors[rows], axis=1)  # the reference's vectors against the cached ones
    found["cosine"] = {"mean": round(float(cosines.mean()), 4), "min": round(float(cosines.min()), 4)}
    return found


def build(folder: Path, hnsw: dict, ids: list[str], vectors: np.ndarray, years: list[int]) -> tuple[object, float]:
    """A fresh persistent collection with these HNSW parameters, filled in batches as ingest fills it."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.PersistentClient(path=str(folder), settings=ChromaSettings(anonymized_telemetry=False))
    collection = client.create_collection("recall", configuration={"hnsw": {"space": "cosine", **hnsw}},
                                          embedding_function=None)
    started = time.perf_counter()
    for at in range(0, len(ids), 512):
        collection.upsert(ids=ids[at:at + 512], embeddings=vectors[at:at + 512],
                          metadatas=[{"year": y} for y in years[at:at + 512]])
    collection.query(query_embeddings=[vectors[0].tolist()], n_results=1)  # the index is complete and loaded
    return collection, time.perf_counter() - started


def exact_top(vectors: np.ndarray, query: np.ndarray, k: int, rows: np.ndarray | None = None) -> set[int]:
    scores = vectors @ query if rows is None else vectors[rows] @ query
    top = np.argpartition(-scores, k)[:k]
    return set(top.tolist() if rows is None else rows[top].tolist())


def measure(collection, vectors: np.ndarray, queries: np.ndarray, years: np.ndarray) -> dict:
    """Recall@K of plain and deeper searches against exact search, and their latency."""
    index_of = {f"c{i}": i for i in range(len(vectors))}
    year_rows = {y: np.flatnonzero(years == y) for y in np.unique(years)}
    order = sorted(year_rows)
    plain, deep, plain_ms, deep_ms, fallback = [], [], [], [], []
    for q, query in enumerate(queries):
        started = time.perf_counter()
        got = collection.query(query_embeddings=[query.tolist()], n_results=K, include=["distances"])
        plain_ms.append((time.perf_counter() - started) * 1000)
        plain.append(len({index_of[i] for i in got["ids"][0]} & exact_top(vectors, query, K)) / K)
        year = order[q % len(order)]
        rows = year_rows[year]
        share = len(rows) / len(vectors)
        n = min(len(vectors), _OVERFETCH_MAX, int(K / share * 2) + K)  # store/vectors.py dense search, many reports
        started = time.perf_counter()
        got = collection.query(query_embeddings=[query.tolist()], n_results=n, include=["distances", "metadatas"])
        kept = [index_of[i] for i, m in zip(got["ids"][0], got["metadatas"][0], strict=True) if m["year"] == year][:K]
        via_where = len(kept) < K and n < len(vectors)  # too few of the year's among them: the product's where clause
        if via_where:
            got = collection.query(query_embeddings=[query.tolist()], n_results=K, where={"year": int(year)},
                                   include=["distances"])
            kept = [index_of[i] for i in got["ids"][0]]
        deep_ms.append((time.perf_counter() - started) * 1000)
        deep.append(len(set(kept) & exact_top(vectors, query, K, rows)) / K)
        if via_where:
            fallback.append(deep[-1])
    return {"plain": summary(plain, plain_ms), "deeper": {**summary(deep, deep_ms), "where_clause": len(fallback),
                                                           "where_recall_mean": round(float(np.mean(fallback or [1])), 4)}}


def summary(recalls: list[float], ms: list[float]) -> dict:
    return {"recall_mean": round(float(np.mean(recalls)), 4), "recall_p5": round(float(np.percentile(recalls, 5)), 4),
            "recall_min": round(min(recalls), 4), "p50_ms": round(float(np.percentile(ms, 50)), 1),
            "p95_ms": round(float(np.percentile(ms, 95)), 1)}


def parse_setting(text: str) -> dict:
    m, construction, search = (int(x) for x in text.split("/"))
    return {"max_neighbors": m, "ef_construction": construction, "ef_search": search}


def folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def table(result: dict) -> str:
    lines = ["| chunks | max_neighbors / ef_construction / ef_search | recall@30 mean / p5 / worst | search p50 / p95 "
             "| deeper search recall@30 mean / p5 / worst | deeper p50 / p95 | build | store |",
             "|---:|---|---|---|---|---|---:|---:|"]
    for row in result["rows"]:
        p, d = row["plain"], row["deeper"]
        lines.append(f"| {row['chunks']:,} | {row['setting']} | {p['recall_mean']:.3f} / {p['recall_p5']:.3f} / {p['recall_min']:.3f} "
                     f"| {p['p50_ms']:.1f} / {p['p95_ms']:.1f} ms "
                     f"| {d['recall_mean']:.3f} / {d['recall_p5']:.3f} / {d['recall_min']:.3f} "
                     f"| {d['p50_ms']:.1f} / {d['p95_ms']:.1f} ms | {row['build_s']:.0f} s | {row['store_mb']:.0f} MB |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=2000)
    parser.add_argument("--chunks-per-report", type=int, default=8)
    parser.add_argument("--model", default="onnx-int8:")
    parser.add_argument("--settings", nargs="+", default=SETTINGS, help="max_neighbors/ef_construction/ef_search")
    parser.add_argument("--sizes", type=int, nargs="+", default=[0],
                        help="collection sizes: the first N chunks (reports in order); 0: all of them")
    parser.add_argument("--embed-only", action="store_true")
    parser.add_argument("--limit", type=int, default=0, help="embed only the first N chunks (a speed estimate)")
    parser.add_argument("--reference", default="st:", help="backend the cached vectors are compared with")
    parser.add_argument("--reference-sample", type=int, default=512, help="chunks embedded by both; 0: no comparison")
    opts = parser.parse_args()

    settings = Settings.from_env()
    chunks = corpus_chunks(opts.reports, opts.chunks_per_report, settings)
    if opts.limit:
        chunks = chunks[:opts.limit]
    texts = [c.search_text for c in chunks]
    embedder = Embedder(opts.model)
    embedder.encode(["法治政府建设"] * 8)  # load (and export) outside the timings
    key = hashlib.sha256(json.dumps([embedder.model_id, texts], ensure_ascii=False).encode()).hexdigest()[:12]
    print(f"{opts.reports} reports, {len(chunks)} chunks ({sum(map(len, texts)):,} characters), cache key {key}",
          file=sys.stderr, flush=True)
    vectors, embedded = embed_cached(texts, embedder, key)
    if opts.embed_only or opts.limit:
        return
    if opts.reference_sample:
        embedded["reference"] = compare_backends(texts, vectors, embedder, opts.reference, opts.reference_sample)
        print(json.dumps(embedded["reference"]), file=sys.stderr, flush=True)
    questions = question_texts(opts.reports)
    started = time.perf_counter()
    queries = np.concatenate([embedder.encode([q], kind="query") for q in questions])
    question_ms = (time.perf_counter() - started) * 1000 / len(questions)
    ids = [f"c{i}" for i in range(len(chunks))]
    years = [c.meta.year or 0 for c in chunks]
    result = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "reports": opts.reports,
              "chunks_per_report": opts.chunks_per_report, "chunks": len(chunks), "model": embedder.model_id,
              "embedding": {k: round(v, 1) if isinstance(v, float) else v for k, v in embedded.items()},
              "questions": len(questions), "question_embed_ms": round(question_ms, 1),
              "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
              "rows": []}
    for size, text in [(size or len(chunks), text) for size in opts.sizes for text in opts.settings]:
        hnsw = parse_setting(text)
        folder = Path(tempfile.mkdtemp(prefix="recall-"))
        try:
            load = os.getloadavg()[0]
            collection, built = build(folder, hnsw, ids[:size], vectors[:size], years[:size])
            row = {"setting": text, "chunks": size, "hnsw": hnsw, "build_s": round(built, 1),
                   "store_mb": round(folder_mb(folder), 1),
                   **measure(collection, vectors[:size], queries, np.asarray(years[:size])), "loadavg": round(load, 1)}
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        result["rows"].append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
        result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        (OUT / "recall.json").write_text(json.dumps(result, ensure_ascii=False, indent=1))
        (OUT / "recall.md").write_text(table(result) + "\n")
    print(table(result))


if __name__ == "__main__":
    main()
