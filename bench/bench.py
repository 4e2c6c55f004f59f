"""Scale benchmark: ingest throughput, store size, memory and latency at N reports, next to the LangChain recipe.

    python bench/bench.py                      # N = 100, 1000, 10000
    python bench/bench.py --sizes 100 --ingest-sample 100

For each N it generates (once) a synthetic corpus from the seeds (bench/synth.py) and builds a fresh store:
- the first `--ingest-sample` reports are ingested for real (m3e-small, jieba, Chroma, bm25s) and timed
  next to the raw `Embedder.encode` time of the same chunk texts, the limit ingest can approach;
- when N is larger, the other reports are written first through the same ingest code with bench-only
  synthetic vectors (bench/vectors.py), so the timed ingest runs against a store of full size. Figures
  measured on such a store (search latency, size, memory) are marked "synthetic vectors";
- then `search` and `ask` latency (p50/p95 over a fixed question set), store size and peak RSS;
- then the LangChain recipe (BM25Retriever rebuilt on every query + Chroma, EnsembleRetriever 0.5/0.5)
  on the same reports and questions, for as many questions as its time budget allows.
Every phase runs in its own process, so each peak RSS is that phase's own. Results: bench/out/bench.json
and bench/out/bench.md, rewritten after each N.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from a checkout: the package need not be installed

from assistant.config import Settings  # noqa: E402
from bench import synth  # noqa: E402

OUT = ROOT / "bench" / "out"
FILL_BATCH_CHUNKS = 4096  # synthetic vectors cost nothing: bigger batches, fewer Chroma calls


# -- measurements shared by the phases -------------------------------------------------------------
def peak_rss_mb() -> float:
    """This process's peak resident set size (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile: with 20 samples p95 is the 19th value, an observed latency."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def latency(values: list[float]) -> dict:
    ms = [v * 1000 for v in values]
    return {"n": len(ms), "p50_ms": round(median(ms), 1), "p95_ms": round(percentile(ms, 0.95), 1),
            "max_ms": round(max(ms), 1)}


def dir_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1048576


def machine() -> dict:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    import chromadb
    import torch

    return {"cpus": os.cpu_count(), "cpu": model, "ram_gb": round(os.sysconf("SC_PAGE_SIZE")
            * os.sysconf("SC_PHYS_PAGES") / 2**30, 1), "python": platform.python_version(),
            "torch": torch.__version__, "torch_threads": torch.get_num_threads(), "chromadb": chromadb.__version__}


def settings_for(store: Path) -> Settings:
    return Settings.from_env(store_dir=store, data_dir=store / "data", seeds_dir=store / "no-seeds")


# -- phases (each in its own process) --------------------------------------------------------------
def phase_fill(store: Path, files: list[Path]) -> dict:
    """The untimed part of a large store: the real ingest code, vectors from bench/vectors.py."""
    from assistant.embed import Embedder
    from assistant.index import Index
    from assistant.ingest import ingest_paths
    from assistant.tokens import Lexicon
    from bench.vectors import SeedVectorEmbedder

    settings = settings_for(store)
    lexicon = Lexicon()
    embedder = SeedVectorEmbedder(Embedder(settings.embedding_model), synth.load_seeds())
    index = Index(settings, lexicon, embedder)
    t0 = time.perf_counter()
    results = ingest_paths(files, index, lexicon, settings, batch_chunks=FILL_BATCH_CHUNKS)
    seconds = time.perf_counter() - t0
    return {"reports": len(results), "chunks": sum(r.chunks for r in results), "seconds": round(seconds, 1),
            "errors": [r.source for r in results if r.status == "error"], "peak_rss_mb": round(peak_rss_mb())}


def phase_ingest(store: Path, files: list[Path]) -> dict:
    """The timed ingest of real files, and the raw encode of the same chunk texts."""
    from assistant.assistant import Assistant
    from assistant.chunk import chunk_document
    from assistant.ingest import build_document
    from assistant.tokens import Lexicon

    assistant = Assistant(settings_for(store), build=False)
    lexicon, s = Lexicon(), assistant.settings
    texts = [c.search_text for p in files
             for c in chunk_document(build_document(p.read_bytes(), p.name, lexicon, None), s.chunk_size, s.chunk_max)]
    assistant.embedder.encode(texts[:8])  # load the model outside both timings
    t0, c0 = time.perf_counter(), time.process_time()
    assistant.embedder.encode(texts)
    raw, raw_cpu = time.perf_counter() - t0, time.process_time() - c0
    rebuilds: list[float] = []
    rebuild = assistant.index.rebuild_bm25

    def timed_rebuild() -> None:
        t = time.perf_counter()
        rebuild()
        rebuilds.append(time.perf_counter() - t)

    assistant.index.rebuild_bm25 = timed_rebuild  # bench-only: report the BM25 share of the ingest time
    load = os.getloadavg()[0]
    t0, c0 = time.perf_counter(), time.process_time()
    results = assistant.ingest(files)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    chunks = sum(r.chunks for r in results)
    return {"reports": len(results), "chunks": chunks, "chars": sum(map(len, texts)), "seconds": round(seconds, 1),
            "reports_per_s": round(len(results) / seconds, 3), "chunks_per_s": round(chunks / seconds, 2),
            "raw_encode_seconds": round(raw, 1), "raw_chunks_per_s": round(len(texts) / raw, 2),
            "ratio_to_raw": round(seconds / raw, 3), "cpu_seconds": round(cpu, 1),
            "raw_encode_cpu_seconds": round(raw_cpu, 1), "cpu_ratio_to_raw": round(cpu / raw_cpu, 3),
            "bm25_rebuild_seconds": round(sum(rebuilds), 2),
            "loadavg_before": round(load, 2), "loadavg_after": round(os.getloadavg()[0], 2),
            "not_added": [r.source for r in results if r.status != "added"], "peak_rss_mb": round(peak_rss_mb())}


def phase_serve(store: Path, questions: list[dict], rounds: int) -> dict:
    """Cold open, then search and ask latency over the question set (after one warm-up question)."""
    from assistant.assistant import Assistant

    t0 = time.perf_counter()
    assistant = Assistant(settings_for(store), build=False)
    opened = time.perf_counter() - t0
    assistant.ask(questions[0]["question"])  # loads the model and warms the caches
    searches, asks, answered = [], [], {}
    for _ in range(rounds):
        for q in questions:
            assistant.embedder._recent.clear()  # every timing includes embedding the question
            t = time.perf_counter()
            assistant.search(q["question"])
            searches.append(time.perf_counter() - t)
            assistant.embedder._recent.clear()
            t = time.perf_counter()
            answer = assistant.ask(q["question"])
            asks.append(time.perf_counter() - t)
            answered[q["question"]] = (q["kind"], not answer.refused,
                                       any(c.region == q["region"] for c in answer.citations))
    kinds = {k: sum(1 for kind, *_ in answered.values() if kind == k) for k in ("routed", "cross", "refused")}
    return {"open_seconds": round(opened, 2), "search": latency(searches), "ask": latency(asks), "questions": kinds,
            "routed_cited_right_region": sum(1 for kind, _, right in answered.values() if kind == "routed" and right),
            "refused_as_expected": sum(1 for kind, ok, _ in answered.values() if kind == "refused" and not ok),
            "reports": len(assistant.index.metas()), "chunks": len(assistant.index.chunk_ids()),
            "loadavg": round(os.getloadavg()[0], 2), "peak_rss_mb": round(peak_rss_mb())}


def phase_recall(store: Path, questions: list[dict], k: int = 30) -> dict:
    """Share of the exact dense top k (every vector scored) that Chroma's HNSW search returns, unrouted."""
    import numpy as np

    from assistant.assistant import Assistant
    from assistant.normalize import fold

    assistant = Assistant(settings_for(store), build=False)
    collection = assistant.index._collection  # bench-only: read every stored vector
    ids: list[str] = []
    blocks = []
    while True:
        page = collection.get(include=["embeddings"], limit=20000, offset=len(ids))
        if not page["ids"]:
            break
        ids += page["ids"]
        blocks.append(np.asarray(page["embeddings"], dtype=np.float32))
    vectors = np.concatenate(blocks)
    shares = []
    for q in questions:
        query = assistant.embedder.encode([fold(q["question"])])[0]
        exact = {ids[i] for i in np.argsort(-(vectors @ query))[:k]}
        shares.append(len(exact & {i for i, _ in assistant.index.dense_search(query, k)}) / k)
    return {"k": k, "recall": round(float(np.mean(shares)), 3), "min": round(min(shares), 3),
            "hnsw": collection.configuration["hnsw"]}


def phase_langchain(store: Path, questions: list[dict], real_vectors: bool, budget: float) -> dict:
    """The recipe over the same reports: build it, then time questions until the budget is spent."""
    from collections.abc import Sequence
    from types import SimpleNamespace

    from langchain_chroma import Chroma
    from langchain_classic.retrievers import EnsembleRetriever

    from assistant.assistant import Assistant
    from assistant.baseline import LangChainBaseline
    from bench.vectors import SeedVectorEmbedder

    class PerQueryRecipe(LangChainBaseline):
        """As Langchain-Chatchat runs it: the BM25Retriever is rebuilt from every chunk on each query."""

        def _ensemble(self, sources: Sequence[str] | None) -> EnsembleRetriever:
            self._ensembles.clear()
            return super()._ensemble(sources)

    add_documents = Chroma.add_documents

    def add_in_batches(self: Chroma, documents: list, ids: list[str], **kwargs: object) -> list[str]:
        """Chroma refuses more than 5,461 records a call and langchain-chroma sends them all at once."""
        return [i for at in range(0, len(documents), 5000)
                for i in add_documents(self, documents[at:at + 5000], ids=ids[at:at + 5000], **kwargs)]

    Chroma.add_documents = add_in_batches  # bench-only: baseline.py fails above 5,461 chunks without it
    assistant = Assistant(settings_for(store), build=False)
    embedder = assistant.embedder if real_vectors else SeedVectorEmbedder(assistant.embedder, synth.load_seeds())
    embedder.encode(["预热"])
    t0 = time.perf_counter()
    recipe = PerQueryRecipe(SimpleNamespace(index=assistant.index, embedder=embedder))
    built = time.perf_counter() - t0
    recipe.vectorstore.embeddings.embedder = assistant.embedder  # questions always go through the real model
    times: list[float] = []
    start = time.perf_counter()
    for q in questions:
        if times and time.perf_counter() - start > budget:
            break
        t = time.perf_counter()
        recipe.search(q["question"], None, 3)
        times.append(time.perf_counter() - t)
    return {"chunks": len(recipe.documents), "build_seconds": round(built, 1), "vectors": "real" if real_vectors
            else "synthetic", "search": latency(times), "questions_timed": len(times),
            "peak_rss_mb": round(peak_rss_mb())}


# -- orchestration --------------------------------------------------------------------------------
def run_phase(name: str, args: list[str], timeout: float) -> dict:
    """Run one phase in a child process; its JSON result comes back through a file."""
    result = OUT / f".{name}.json"
    result.unlink(missing_ok=True)
    started = time.perf_counter()
    subprocess.run([sys.executable, __file__, "--phase", name, "--result", str(result), *args],
                   check=True, timeout=timeout, cwd=ROOT)
    data = json.loads(result.read_text())
    data["wall_seconds"] = round(time.perf_counter() - started, 1)
    result.unlink()
    return data


def bench_size(n: int, sample: int, corpus: Path, questions: list[dict], opts: argparse.Namespace) -> dict:
    store = OUT / f"store-{n}"
    shutil.rmtree(store, ignore_errors=True)
    common = ["--store", str(store), "--corpus", str(corpus), "--n", str(n), "--sample", str(sample)]
    row: dict = {"n": n, "measured_reports": sample, "synthetic_reports": n - sample}
    print(f"== N={n}: {sample} reports ingested for real, {n - sample} with synthetic vectors", file=sys.stderr)
    if n > sample:
        row["fill"] = run_phase("fill", common, opts.timeout)
    row["ingest"] = run_phase("ingest", common, opts.timeout)
    row["store_mb"] = {part: round(dir_mb(store / part), 1) for part in ("chroma",)}
    row["store_mb"]["catalog"] = round(sum(f.stat().st_size for f in store.glob("catalog.sqlite3*")) / 1048576, 1)
    row["store_mb"]["bm25"] = round(sum(dir_mb(d) for d in store.glob("bm25-*") if d.is_dir()), 1)
    row["store_mb"]["total"] = round(dir_mb(store), 1)
    row["serve"] = run_phase("serve", [*common, "--rounds", str(opts.rounds)], opts.timeout)
    row["recall"] = run_phase("recall", common, opts.timeout)
    if n <= opts.baseline_max_n:
        try:
            row["langchain"] = run_phase("langchain", [*common, "--budget", str(opts.baseline_budget)], opts.timeout)
        except subprocess.SubprocessError as exc:  # the baseline failing must not cost the other figures
            row["langchain_error"] = str(exc)
    if not opts.keep_stores:
        shutil.rmtree(store, ignore_errors=True)
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000", help="comma-separated N values")
    parser.add_argument("--ingest-sample", type=int, default=200, help="reports ingested for real (timed) per N")
    parser.add_argument("--rounds", type=int, default=3, help="passes over the question set for latency")
    parser.add_argument("--baseline-budget", type=float, default=300, help="seconds of LangChain-recipe questions")
    parser.add_argument("--baseline-max-n", type=int, default=10000, help="skip the recipe above this N")
    parser.add_argument("--timeout", type=float, default=4 * 3600, help="seconds allowed per phase")
    parser.add_argument("--keep-stores", action="store_true", help="keep bench/out/store-N afterwards")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    parser.add_argument("--store", help=argparse.SUPPRESS)
    parser.add_argument("--corpus", help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--sample", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--budget", type=float, help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.phase:
        return child(opts)

    OUT.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in opts.sizes.split(",")]
    started = time.perf_counter()
    seeds = synth.load_seeds()
    corpus = OUT / "corpus"
    reports = synth.write_corpus(corpus, max(sizes), seeds)
    questions = synth.questions(reports, seeds)
    report = {"command": " ".join(["python bench/bench.py", *sys.argv[1:]]),
              "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine(),
              "corpus_seconds": round(time.perf_counter() - started, 1), "questions": questions, "sizes": []}
    for n in sizes:
        report["sizes"].append(bench_size(n, min(n, opts.ingest_sample), corpus, questions, opts))
        report["total_seconds"] = round(time.perf_counter() - started)
        (OUT / "bench.json").write_text(json.dumps(report, ensure_ascii=False, indent=1))
        (OUT / "bench.md").write_text(markdown(report))
    print((OUT / "bench.md").read_text())
    return 0


def child(opts: argparse.Namespace) -> int:
    store, corpus = Path(opts.store), Path(opts.corpus)
    files = [corpus / r["name"] for r in json.loads((corpus / "manifest.json").read_text())[: opts.n]]
    questions = synth.questions([synth.Report(**r) for r in json.loads((corpus / "manifest.json").read_text())],
                                synth.load_seeds())
    if opts.phase == "fill":
        data = phase_fill(store, files[opts.sample:])
    elif opts.phase == "ingest":
        data = phase_ingest(store, files[: opts.sample])
    elif opts.phase == "serve":
        data = phase_serve(store, questions, opts.rounds)
    elif opts.phase == "recall":
        data = phase_recall(store, questions)
    else:
        data = phase_langchain(store, questions, real_vectors=opts.sample >= opts.n, budget=opts.budget)
    Path(opts.result).write_text(json.dumps(data, ensure_ascii=False))
    return 0


# -- report ---------------------------------------------------------------------------------------
def markdown(report: dict) -> str:
    m = report["machine"]
    lines = [
        f"Command: `{report['command']}` — {report['date']}, total {report.get('total_seconds', 0) / 60:.0f} min.",
        (f"Machine: {m['cpus']} CPU cores ({m['cpu']}), {m['ram_gb']} GB RAM, no GPU; Python {m['python']}, "
         f"torch {m['torch']} ({m['torch_threads']} threads), chromadb {m['chromadb']}."),
        "",
        ("| N reports | ingested for real | ingest reports/s | ingest chunks/s | raw encode chunks/s "
         "| ingest ÷ raw (wall / CPU) | store size | peak RSS ingest / serve | search p50 / p95 | ask p50 / p95 "
         "| dense recall@30 | LangChain recipe p50 / p95 |"),
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in report["sizes"]:
        ing, srv, lc = row["ingest"], row["serve"], row.get("langchain")
        mark = " †" if row["synthetic_reports"] else ""
        ingest_rss = max(ing["peak_rss_mb"], row.get("fill", {}).get("peak_rss_mb", 0))
        recipe = "failed" if "langchain_error" in row else "not run"
        if lc:
            recipe = (f"{lc['search']['p50_ms'] / 1000:.1f} s / {lc['search']['p95_ms'] / 1000:.1f} s "
                      f"(n={lc['questions_timed']}){' †' if lc['vectors'] == 'synthetic' else ''}")
        lines.append(
            f"| {row['n']:,} | {row['measured_reports']:,} | {ing['reports_per_s']:.2f} | {ing['chunks_per_s']:.1f} "
            f"| {ing['raw_chunks_per_s']:.1f} | {ing['ratio_to_raw']:.2f}× / {ing['cpu_ratio_to_raw']:.2f}× "
            f"| {row['store_mb']['total']:,.0f} MB{mark} | {ingest_rss:,.0f} / {srv['peak_rss_mb']:,.0f} MB{mark} "
            f"| {srv['search']['p50_ms']:.0f} / {srv['search']['p95_ms']:.0f} ms{mark} "
            f"| {srv['ask']['p50_ms']:.0f} / {srv['ask']['p95_ms']:.0f} ms{mark} "
            f"| {row['recall']['recall']:.2f}{mark} | {recipe} |")
    lines += ["", ("† measured on a store whose reports beyond the ingested sample carry bench-only synthetic "
                   "vectors (bench/vectors.py): timings, sizes and memory are real measurements of that store, "
                   "but its vectors are approximations of the model's, so the recall says little about real ones."),
              ""]
    for row in report["sizes"]:
        lines.append(_details(row))
    return "\n".join(lines) + "\n"


def _details(row: dict) -> str:
    ing, srv, lc, fill = row["ingest"], row["serve"], row.get("langchain"), row.get("fill")
    text = (f"- N={row['n']:,}: ingest of {ing['reports']} reports ({ing['chunks']:,} chunks, {ing['chars']:,} "
            f"characters) took {ing['seconds']:.0f} s ({ing['cpu_seconds']:.0f} s CPU) against "
            f"{ing['raw_encode_seconds']:.0f} s ({ing['raw_encode_cpu_seconds']:.0f} s CPU) of raw encoding; "
            f"BM25 rebuild {ing['bm25_rebuild_seconds']:.1f} s of it; load average {ing['loadavg_before']} → "
            f"{ing['loadavg_after']}")
    if fill:
        text += (f"; {fill['reports']:,} more reports ({fill['chunks']:,} chunks) written first with synthetic "
                 f"vectors in {fill['seconds']:.0f} s, peak RSS {fill['peak_rss_mb']:,} MB")
    text += (f". Store: catalog {row['store_mb']['catalog']:,} MB, Chroma {row['store_mb']['chroma']:,} MB, "
             f"BM25 {row['store_mb']['bm25']:,} MB. Cold open {srv['open_seconds']} s; {srv['search']['n']} searches "
             f"and asks ({srv['questions']['routed']} routed, {srv['questions']['cross']} cross-report, "
             f"{srv['questions']['refused']} unanswerable questions), load average {srv['loadavg']}; "
             f"{srv['routed_cited_right_region']} of {srv['questions']['routed']} routed questions cited a report "
             f"of the region they name, "
             f"{srv['refused_as_expected']} of {srv['questions']['refused']} unanswerable ones refused. Dense "
             f"recall@30 of HNSW against every vector scored: mean {row['recall']['recall']}, "
             f"worst {row['recall']['min']}.")
    if lc:
        text += (f" LangChain recipe: {lc['chunks']:,} chunks, built in {lc['build_seconds']:.0f} s "
                 f"({lc['vectors']} vectors), {lc['questions_timed']} questions timed, peak RSS "
                 f"{lc['peak_rss_mb']:,} MB.")
    return text


if __name__ == "__main__":
    sys.exit(main())
