"""Benchmark of figures and comparison tables: `compare` latency over N synthetic reports, and the share of
ingest time that figure extraction takes.

    python bench/compare_bench.py                    # N = 1,000 reports, 30 rounds of 10 queries
    python bench/compare_bench.py --n 1000 --ingest 20

1. N reports are generated from the seeds (bench/synth.py), loaded, cleaned and chunked by the ingest
   code, and written to a fresh catalog (documents and chunks, no vectors: `compare` reads none), then
   their figures are extracted and stored (figures.py). Extraction time is reported per report.
2. `compare` runs over the catalog as `Assistant.compare` does (metadata from the Index, citations from
   its chunks, jieba words for the fallback match): every query over all reports, and with a region or
   year filter; p50 / p95 / max over all calls.
3. With --ingest K, the first K reports are ingested for real (m3e-small, Chroma, BM25) into another
   store, and the figure extraction of the same reports is timed on its own: its share of ingest time.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.chunk import chunk_document  # noqa: E402
from assistant.compare import compare  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.embed import Embedder  # noqa: E402
from assistant.figures import FigureStore  # noqa: E402
from assistant.index import _INSERT_CHUNK, _INSERT_DOCUMENT, Index  # noqa: E402
from assistant.ingest import build_document, ingest_paths  # noqa: E402
from assistant.tokens import Lexicon  # noqa: E402
from bench.synth import write_corpus  # noqa: E402

QUERIES = ["行政复议", "败诉率", "法律顾问", "规范性文件", "行政执法人员", "出庭应诉率", "调解", "法律援助",
           "各地行政复议申请分别有多少件", "哪个地方的一审行政案件败诉率最低"]


def build_catalog(store: Path, files: list[Path], settings: Settings, lexicon: Lexicon) -> dict:
    """Documents and chunks written straight into a fresh catalog (one placeholder BM25 token a chunk: compare
    reads no index), then figures; returns timings."""
    index = Index(settings, lexicon, Embedder(settings.embedding_model))
    db = sqlite3.connect(store / "catalog.sqlite3")
    prepared, t_prepare = [], time.perf_counter()
    for path in files:
        doc = build_document(path.read_bytes(), path.name, lexicon, None)
        prepared.append((doc, chunk_document(doc, settings.chunk_size, settings.chunk_max)))
    t_prepare = time.perf_counter() - t_prepare
    with db:
        for doc, chunks in prepared:
            db.execute(_INSERT_DOCUMENT, (doc.source, doc.sha256, json.dumps(doc.meta.__dict__, ensure_ascii=False),
                                          doc.text, doc.encoding, doc.format))
            db.executemany(_INSERT_CHUNK, [(c.id, c.source, c.start, c.end, c.section, c.text, c.search_text, "bench")
                                           for c in chunks])
        db.execute("UPDATE store_state SET value=value+1 WHERE key='generation'")
    t0 = time.perf_counter()
    count = FigureStore(store).replace(prepared)
    t_figures = time.perf_counter() - t0
    return {"index": index, "reports": len(prepared), "figures": count, "load_clean_chunk_s": t_prepare,
            "figures_s": t_figures}


def time_compare(index: Index, store: Path, lexicon: Lexicon, rounds: int) -> dict:
    figures = FigureStore(store)
    metas = index.metas()
    regions = sorted({m.region for m in metas.values()})
    years = sorted({m.year for m in metas.values() if m.year})
    calls: list[tuple[str, list[str] | None, list[int] | None]] = []
    for i, q in enumerate(QUERIES):
        calls += [(q, None, None), (q, [regions[i % len(regions)]], None), (q, None, [years[i % len(years)]])]
    compare(figures, index.metas(), QUERIES[0], None, None, index.chunks, lexicon.words)  # warm caches
    times, rows, matched = [], 0, 0
    for _ in range(rounds):
        for q, r, y in calls:
            t0 = time.perf_counter()
            table = compare(figures, index.metas(), q, r, y, index.chunks, lexicon.words)
            times.append(time.perf_counter() - t0)
            rows += len(table.rows)
            matched += table.matched
    times.sort()
    return {"calls": len(times), "p50_ms": 1000 * statistics.median(times),
            "p95_ms": 1000 * times[int(0.95 * (len(times) - 1))], "max_ms": 1000 * times[-1],
            "matched_share": matched / len(times), "rows_per_call": rows / len(times)}


def ingest_share(files: list[Path], tmp: Path) -> dict:
    """Real ingest of these reports, and the figure extraction of the same reports timed on its own."""
    settings = Settings.from_env(store_dir=tmp / "ingest")
    lexicon = Lexicon()
    index = Index(settings, lexicon, Embedder(settings.embedding_model))
    index.embedder.encode(["预热"])  # model load is not ingest work
    t0 = time.perf_counter()
    ingest_paths(files, index, lexicon, settings)
    t_ingest = time.perf_counter() - t0
    docs = []
    for doc, _ in index.documents():
        doc.text = index.document_text(doc.source)
        docs.append((doc, index.chunks_of(doc.source)))
    t0 = time.perf_counter()
    FigureStore(tmp / "scratch").replace(docs)
    t_figures = time.perf_counter() - t0
    return {"reports": len(files), "ingest_s": t_ingest, "figures_s": t_figures, "share": t_figures / t_ingest}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--ingest", type=int, default=20, help="reports ingested for real for the extraction share")
    args = parser.parse_args()
    corpus = ROOT / "bench" / "out" / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    reports = write_corpus(corpus, args.n)
    files = [corpus / r.name for r in reports]
    result: dict = {"machine": f"{os.cpu_count()} CPU cores, {platform.processor() or platform.machine()}, "
                               f"Python {platform.python_version()}", "n": args.n}
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        (tmp_path / "scratch").mkdir()
        settings = Settings.from_env(store_dir=tmp_path / "store")
        lexicon = Lexicon()
        built = build_catalog(tmp_path / "store", files, settings, lexicon)
        index = built.pop("index")
        result["build"] = built
        result["compare"] = time_compare(index, tmp_path / "store", lexicon, args.rounds)
        if args.ingest:
            result["ingest_share"] = ingest_share(files[:args.ingest], tmp_path)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
