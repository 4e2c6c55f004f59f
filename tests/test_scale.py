"""Scale and crash safety on the real parts: batched ingest, resume after SIGKILL, BM25/Chroma agreement,
and server mode through a real `chroma run` on loopback with two workers sharing one store."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

from assistant import Assistant, Settings
from bench.synth import region_names

# The child process behind every crash test: open the store, optionally arrange to die, ingest, report.
CHILD = """
import json, os, signal, sys, time
from assistant import Assistant, Settings
from assistant.ingest import ingest_paths
store, mode, *paths = sys.argv[1:]
assistant = Assistant(Settings.from_env(store_dir=store, seeds_dir=os.path.join(store, "no-seeds")), build=False)
if mode == "slow":  # slow enough that the test can kill it between batches
    encode = assistant.embedder.encode
    assistant.embedder.encode = lambda texts: (time.sleep(0.4), encode(texts))[1]
if mode == "die-before-bm25":  # SIGKILL right after the catalog commit, before BM25 is swapped in
    assistant.index.rebuild_bm25 = lambda: os.kill(os.getpid(), signal.SIGKILL)
if mode == "verify":
    out = {"check": assistant.index.check(), "documents": len(assistant.index.metas()),
           "answer": assistant.ask(paths[0]).text,
           "bm25": [assistant.index.chunks([i])[i].source
                    for i, _ in assistant.index.bm25_search(assistant.lexicon.tokens(paths[1]), 3)]}
else:
    done = ingest_paths(paths, assistant.index, assistant.lexicon, assistant.settings, batch_chunks=4)
    out = [r.status for r in done]
print(json.dumps(out, ensure_ascii=False))
"""

REPORT = """{region}2024年法治政府建设情况报告
2024年,{region}坚持以习近平新时代中国特色社会主义思想为指导,扎实推进法治政府建设。
一、主要举措和成效
(一)推进依法行政。一是建立“{marker}”工作机制,全年办理行政复议案件{number}件。二是完善合法性审查制度。
二、存在的问题和不足
一是基层执法力量薄弱。二是法治宣传形式单一。
"""


def write_reports(folder: Path, names: list[str], start: int = 0) -> list[Path]:
    """Small one-chunk reports, each with a marker phrase and figure of its own."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, region in enumerate(names, start):
        path = folder / f"{i:03d}.txt"
        path.write_text(REPORT.format(region=region, marker=f"{region[:2]}联动{i}", number=100 + i), encoding="utf-8")
        paths.append(path)
    return paths


def child(store: Path, mode: str, *args: str | Path, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", CHILD, str(store), mode, *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout, check=False)


def cli(store: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant.cli", "--store", str(store), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=False,
                          env={**os.environ, "ASSISTANT_SEEDS_DIR": str(store / "no-seeds")})


def documents_in(store: Path) -> int:
    """Committed documents, read the way a second process would (the store is never opened here)."""
    with sqlite3.connect(f"file:{store / 'catalog.sqlite3'}?mode=ro", uri=True, timeout=30) as db:
        return db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]


# -- batching ---------------------------------------------------------------------------------------
def test_ingest_embeds_and_writes_many_files_per_batch(tmp_path: Path) -> None:
    fresh = Assistant(Settings.from_env(store_dir=tmp_path / "store", seeds_dir=tmp_path / "no-seeds"))
    paths = write_reports(tmp_path / "reports", region_names()[:12])
    calls = {"encode": 0, "upsert": 0}
    encode, upsert = fresh.embedder.encode, fresh.index._collection.upsert

    def counting(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls[name] += 1
            return fn(*args, **kwargs)
        return wrapper

    fresh.embedder.encode = counting("encode", encode)
    fresh.index._collection.upsert = counting("upsert", upsert)
    seen: list[tuple[int, int]] = []
    results = fresh.ingest(paths, progress=lambda n, total, name: seen.append((n, total)))
    assert [r.status for r in results] == ["added"] * 12 and [r.source for r in results] == [p.name for p in paths]
    # 12 files, one embedding pass and one Chroma write (plus one pass over the new vocabulary, meaning.py)
    assert calls == {"encode": 2, "upsert": 1}
    assert [n for n, _ in seen] == list(range(1, 13)) and {t for _, t in seen} == {12}
    assert "111件" in fresh.ask(f"{region_names()[11]}2024年办理行政复议案件多少件？").text


# -- crash safety ----------------------------------------------------------------------------------
def test_sigkill_mid_ingest_keeps_store_usable_and_rerun_resumes(tmp_path: Path) -> None:
    store, names = tmp_path / "store", region_names()
    previous = write_reports(tmp_path / "previous", names[:2])
    assert json.loads(child(store, "ingest", *previous).stdout.splitlines()[-1]) == ["added", "added"]
    new = write_reports(tmp_path / "new", names[2:42], start=2)

    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(store), "slow", *map(str, new)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    while documents_in(store) < 2 + 8 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)  # two batches of four committed
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(30) == -signal.SIGKILL
    committed = documents_in(store) - 2
    assert 8 <= committed < 40, "killed half-way"

    # The store opens, answers from the previous content, and BM25 was rebuilt to match the catalog.
    out = child(store, "verify", f"{names[0]}2024年办理行政复议案件多少件？", f"{names[2][:2]}联动2")
    report = json.loads(out.stdout.splitlines()[-1])
    assert "100件" in report["answer"], report["answer"]
    assert report["documents"] == 2 + committed and "002.txt" in report["bm25"]
    assert report["check"]["missing_vectors"] == 0 and report["check"]["bm25_stale"] == 0
    assert report["check"]["bm25_rows"] == report["check"]["chunks"]
    # Orphan vectors of the unfinished batch (if the kill fell after its upsert) are removed by repair.
    assert cli(store, "check", "--repair").returncode == 0
    assert cli(store, "check").returncode == 0

    # Re-running the same command finishes the job without redoing finished files.
    rerun = cli(store, "ingest", str(tmp_path / "new"))
    assert rerun.returncode == 0, rerun.stderr
    marks = [line.split("\t")[0] for line in rerun.stdout.splitlines() if "\t" in line]
    assert marks.count("未变") == committed and marks.count("新增") == 40 - committed
    assert "40/40" in rerun.stderr  # the progress bar reached the end
    final = json.loads(cli(store, "check").stdout)
    assert documents_in(store) == 42 and final["chunks"] == final["vectors"] == final["bm25_rows"]
    assert final["orphan_vectors"] == final["missing_vectors"] == final["bm25_stale"] == 0


def test_kill_between_catalog_commit_and_bm25_swap_is_repaired_on_open(tmp_path: Path) -> None:
    store, names = tmp_path / "store", region_names()
    paths = write_reports(tmp_path / "reports", names[:3])
    died = child(store, "die-before-bm25", *paths)
    assert died.returncode == -signal.SIGKILL
    assert documents_in(store) == 3  # committed, but the BM25 on disk predates them
    assert json.loads((store / "bm25.json").read_text())["catalog"][0] == 0
    report = json.loads(child(store, "verify", f"{names[1]}办理行政复议案件多少件？", f"{names[1][:2]}联动1")
                        .stdout.splitlines()[-1])
    assert report["bm25"][:1] == ["001.txt"] and "101件" in report["answer"]
    assert report["check"]["bm25_stale"] == 0 and report["check"]["bm25_rows"] == report["check"]["chunks"] > 0


# -- server mode -----------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[int]:
    """A real `chroma run` on 127.0.0.1 with its own data directory; stopped afterwards."""
    exe = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
    assert exe, "the chromadb package installs the `chroma` command"
    port = _free_port()
    log = (tmp_path / "chroma.log").open("w")
    server = subprocess.Popen([exe, "run", "--path", str(tmp_path / "chroma-server"), "--host", "127.0.0.1",
                               "--port", str(port)], stdout=log, stderr=subprocess.STDOUT,
                              env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2)
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, (tmp_path / "chroma.log").read_text()
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def test_server_mode_ingests_and_answers_and_workers_share_the_store(tmp_path: Path, chroma_server: int) -> None:
    settings = Settings.from_env(store_dir=tmp_path / "store", chroma_host="127.0.0.1", chroma_port=chroma_server)
    first = Assistant(settings)  # empty store: ingests seeds/ through the server
    assert not (tmp_path / "store" / "chroma").exists(), "no embedded Chroma in server mode"
    answer = first.ask("贺州市2024年全市一审行政案件的败诉率是多少?")
    assert "1.26%" in answer.text and answer.citations[0].source.startswith("000_")
    report = first.index.check()
    assert report["chunks"] == report["vectors"] > 0 and report["missing_vectors"] == report["orphan_vectors"] == 0

    # A second worker on the same store and server sees what the first one ingests, without reopening.
    second = Assistant(settings, build=False)
    assert len(second.index.metas()) == 5
    region = region_names()[0]
    [added] = first.ingest(write_reports(tmp_path / "new", [region]))
    assert added.status == "added"
    answer = second.ask(f"{region}2024年办理行政复议案件多少件？")
    assert "100件" in answer.text and answer.citations[0].source == "000.txt"
    assert second.index.check()["bm25_stale"] == 0
