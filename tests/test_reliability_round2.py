"""Reliability, round two (issue 12): a reader that another process wrote under, two reports with one
file name, the public API's argument contract, huge files and interrupted writes, a stuck or failing
LLM, and odd inputs. Each test backs a row of docs/reliability.md and failed before its fix.

Real parts: copies of the session store, `assistant ingest` and `assistant serve` as real second
processes, real local HTTP servers for the LLM (one that hangs, one that sends only SSE keep-alive
comments, one that fails). Every test that writes ends with `Index.check` clean, without repair.
"""
from __future__ import annotations

import http.server
import os
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import httpx
import numpy as np
import pytest
from gradio_client import Client

from assistant import Answer, Assistant, index as index_module
from assistant.llm import LLM
from assistant.load import LoadError, load_bytes
from assistant.ui import ingest_uploads
from assistant.validate import InvalidArgument

from conftest import ROOT, served
from test_reliability import HEZHOU, HEZHOU_FIGURE, HEZHOU_Q, catalog, copy_store, report


def run_cli(store: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """`assistant --store STORE ...` as a separate process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update({"PYTHONIOENCODING": "utf-8", "PYTHONPATH": str(ROOT)})
    return subprocess.run([sys.executable, "-m", "assistant.cli", "--store", str(store), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=timeout)


def own_store(assistant: Assistant, tmp: Path, **settings: object) -> Assistant:
    """An Assistant on a copy of the session store (seed reports only)."""
    store = copy_store(assistant, tmp / "store")
    return Assistant(replace(assistant.settings, store_dir=store, data_dir=tmp / "data", seeds_dir=tmp / "none",
                             **settings), build=False)


def clean(a: Assistant) -> None:
    """`assistant check` would exit 0: no missing or orphan vectors, BM25 current."""
    found = a.index.check()
    assert not (found["missing_vectors"] or found["orphan_vectors"] or found["bm25_stale"]), found


# ------------------------------------------------------------------ 1. a reader and another process's ingest

def test_reader_answers_about_reports_another_process_ingested(assistant: Assistant, tmp_path: Path) -> None:
    """Before: chromadb `InternalError: Error finding id` from the exact search, stale vectors otherwise."""
    reader = own_store(assistant, tmp_path)
    assert HEZHOU_FIGURE in reader.ask(HEZHOU_Q).text  # the reader has loaded its view of Chroma
    new = tmp_path / "new"
    new.mkdir()
    (new / "临川区2024年法治政府建设情况报告.txt").write_text(report("临川区", 21, 61), encoding="utf-8")
    out = run_cli(reader.settings.store_dir, "ingest", str(new))
    assert out.returncode == 0 and out.stdout.startswith("新增"), out.stdout + out.stderr

    answer = reader.ask("临川区办理行政复议案件多少件？")  # routed to the new report: exact dense search
    assert not answer.refused and "61件" in answer.text, answer.text
    assert answer.citations[0].source == "临川区2024年法治政府建设情况报告.txt"
    new_chunks = reader.index.chunks_of("临川区2024年法治政府建设情况报告.txt")
    new_ids = {c.id for c in new_chunks}
    vector = reader.embedder.encode([new_chunks[0].search_text])[0]
    assert {i for i, _ in reader.index.dense_search(vector, 5)} & new_ids  # unfiltered HNSW sees them too
    assert HEZHOU_FIGURE in reader.ask(HEZHOU_Q).text
    clean(reader)


def test_a_reader_that_synced_mid_ingest_picks_up_the_new_bm25(assistant: Assistant, tmp_path: Path) -> None:
    """Found by the soak: a reader that saw the new catalog before the writer swapped BM25 in kept the
    old BM25 (old chunk ids) until the next ingest."""
    reader = own_store(assistant, tmp_path)
    writer = Assistant(reader.settings, build=False)
    path = tmp_path / "浒湾县2024年报告.txt"
    path.write_text(report("浒湾县", 1, 91), encoding="utf-8")
    writer.ingest(path)
    path.write_text(report("浒湾县", 1, 92), encoding="utf-8")
    source = "浒湾县2024年报告.txt"

    def mid_ingest(done: int, total: int, name: str) -> None:  # catalog committed, BM25 not yet rebuilt
        reader.search("浒湾县行政复议案件", k=3)
    assert [r.status for r in writer.ingest(path, progress=mid_ingest)] == ["updated"]
    hits = reader.index.bm25_search(reader.lexicon.tokens("行政复议案件"), 5, [source])
    assert hits and {i for i, _ in hits} <= set(reader.index.chunk_ids(source))
    assert "92件" in reader.ask("浒湾县办理行政复议案件多少件？").text
    clean(reader)


@pytest.fixture(scope="module")
def server(assistant: Assistant, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    """`assistant serve` on a copy of the session store, no logins."""
    tmp = tmp_path_factory.mktemp("served")
    copy_store(assistant, tmp / "store")
    with served(tmp) as running:
        yield running


def test_served_app_answers_during_and_after_an_ingest_by_another_process(server: SimpleNamespace,
                                                                          tmp_path: Path) -> None:
    """The issue's case: `assistant serve`, then `assistant ingest` in another shell."""
    client = Client(server.url, verbose=False)
    assert HEZHOU_FIGURE in client.predict(HEZHOU_Q, api_name="/ask")["text"]
    folder = tmp_path / "reports"
    folder.mkdir()
    regions = {"崇仁县": 71, "宜黄县": 72, "乐安县": 73}
    for region, cases in regions.items():
        (folder / f"{region}2024年报告.txt").write_text(report(region, 5, cases), encoding="utf-8")
    ingest = subprocess.Popen([sys.executable, "-m", "assistant.cli", "--store", str(server.tmp / "store"), "ingest",
                               str(folder)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    during = []
    while ingest.poll() is None:  # the server keeps answering while the other process writes
        during.append(client.predict(HEZHOU_Q, api_name="/ask")["text"])
    assert ingest.returncode == 0, ingest.stderr.read()
    assert during and all(HEZHOU_FIGURE in text for text in during), during[:3]
    for region, cases in regions.items():
        answer = client.predict(f"{region}办理行政复议案件多少件？", api_name="/ask")
        assert not answer["refused"] and f"{cases}件" in answer["text"], answer["text"]
    unrouted = client.predict("哪些地方办理行政复议案件超过70件？", api_name="/ask")
    assert "出错" not in unrouted["text"]
    assert "Error finding id" not in server.log.read_text()
    check = run_cli(server.tmp / "store", "check")
    assert check.returncode == 0, check.stdout + check.stderr


def test_wrong_data_shape_to_the_api_is_a_400_not_a_500(server: SimpleNamespace) -> None:
    """Before: HTTP 500 from Gradio's argument mapping; a right shape with a wrong type gets a clear refusal."""
    http = httpx.Client(base_url=server.url, timeout=60)
    response = http.post("/gradio_api/call/v2/ask", json={"data": ["x"]})  # the v1 shape sent to v2
    assert response.status_code == 400 and "请求格式不正确" in response.json()["error"], response.text
    for body in ({"data": ["x"]}, {"question": "x", "bogus": 1}, {"question": {"a": 1}, "region": [1, 2]}):
        response = http.post("/gradio_api/call/v2/ask", json=body)
        assert response.status_code in (200, 400), (body, response.status_code, response.text)
        if response.status_code == 400:
            assert "请求格式不正确" in response.json()["error"]
        else:  # accepted by Gradio: the answer must say what is wrong, not fail
            stream = http.get(f"/gradio_api/call/v2/ask/{response.json()['event_id']}").text
            assert "event: complete" in stream, stream
    response = http.post("/gradio_api/call/ask", json={"data": [5, "", "", "", ""]})
    stream = http.get(f"/gradio_api/call/ask/{response.json()['event_id']}").text
    assert "event: complete" in stream and "question" in stream, stream


# ------------------------------------------------------------------ 2. a report is not its bare file name

def test_same_file_name_in_two_folders_is_two_reports_and_same_path_updates(assistant: Assistant,
                                                                            tmp_path: Path) -> None:
    """Before: b/2024年报告.txt replaced a/2024年报告.txt with status 更新; the first report was gone."""
    a = own_store(assistant, tmp_path)
    before = catalog(a)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = tmp_path / "a" / "2024年报告.txt", tmp_path / "b" / "2024年报告.txt"
    first.write_text(report("金溪县", 3, 31), encoding="utf-8")
    second.write_text(report("资溪县", 4, 32), encoding="utf-8")
    [r1] = a.ingest(first)
    [r2] = a.ingest(second)
    assert (r1.status, r1.source) == ("added", "2024年报告.txt")
    assert r2.status == "added" and r2.source == "2024年报告（资溪县2024年）.txt" and r2.source in r2.message
    assert "31件" in a.ask("金溪县办理行政复议案件多少件？").text
    assert "32件" in a.ask("资溪县办理行政复议案件多少件？").text
    first.write_text(report("金溪县", 3, 33), encoding="utf-8")  # the same path with new content: an update
    [r3] = a.ingest(first)
    assert (r3.status, r3.source) == ("updated", "2024年报告.txt")
    assert [r.status for r in a.ingest([first, second])] == ["unchanged", "unchanged"]
    assert "33件" in a.ask("金溪县办理行政复议案件多少件？").text
    after = catalog(a)
    assert set(after) == set(before) | {"2024年报告.txt", "2024年报告（资溪县2024年）.txt"}
    # One call with both files of that name (and the same path twice) behaves the same.
    both = own_store(assistant, tmp_path / "again")
    results = both.ingest([first, second, first])
    assert [r.status for r in results] == ["added", "added", "unchanged"]
    clean(a)
    clean(both)


def test_a_store_made_before_paths_were_kept_treats_its_reports_as_their_files(assistant: Assistant,
                                                                                tmp_path: Path) -> None:
    a = own_store(assistant, tmp_path)
    db = a.index._db()
    with db:
        db.execute("UPDATE documents SET path=NULL")
    results = a.ingest(sorted(Path(assistant.settings.seeds_dir).glob("*.txt")))
    assert results and all(r.status == "unchanged" for r in results), results


def test_uploads_of_two_reports_with_one_name_are_kept_apart(assistant: Assistant, tmp_path: Path) -> None:
    """Before: both saved as data/uploads/<name>, the second replacing the first."""
    a = own_store(assistant, tmp_path)
    (tmp_path / "u1").mkdir()
    (tmp_path / "u2").mkdir()
    one, two = tmp_path / "u1" / "报告.txt", tmp_path / "u2" / "报告.txt"
    one.write_text(report("南城县", 1, 41), encoding="utf-8")
    two.write_text(report("南丰县", 2, 42), encoding="utf-8")
    [r1] = ingest_uploads(a, [str(one)])
    [r2] = ingest_uploads(a, [str(two)])
    [r3] = ingest_uploads(a, [str(one)])  # the first again: unchanged, not a third report
    assert [r.status for r in (r1, r2, r3)] == ["added", "added", "unchanged"]
    assert r1.source != r2.source and "南丰县" in r2.source
    assert "41件" in a.ask("南城县办理行政复议案件多少件？").text and "42件" in a.ask("南丰县办理行政复议案件多少件？").text
    clean(a)


# ------------------------------------------------------------------ 3. the public API's argument contract

def test_ingest_takes_one_path_or_many_and_refuses_other_types(assistant: Assistant, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: ingest("x.txt") iterated characters, so "." scanned the working directory."""
    a = own_store(assistant, tmp_path)
    before = catalog(a)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    (cwd / "广昌县2024年报告.txt").write_text(report("广昌县", 1, 1), encoding="utf-8")
    monkeypatch.chdir(cwd)
    results = a.ingest("x.txt")
    assert [(r.source, r.status) for r in results] == [("x.txt", "error")] and "不存在" in results[0].message
    assert catalog(a) == before  # nothing from the working directory
    for bad, named in (([None], "paths[0]"), ([5], "paths[0]"), ([b"x.txt"], "paths[0]"), (5, "paths"),
                       (b"x.txt", "paths"), ({"x.txt": 1}, "paths"), (["ok.txt", ""], "paths[1]")):
        with pytest.raises((TypeError, ValueError), match=named.replace("[", r"\[")) as caught:
            a.ingest(bad)
        assert isinstance(caught.value, InvalidArgument)
    assert [r.status for r in a.ingest(cwd / "广昌县2024年报告.txt")] == ["added"]  # a Path alone is fine
    assert [r.status for r in a.ingest(iter([str(cwd / "广昌县2024年报告.txt")]))] == ["unchanged"]
    clean(a)


@pytest.mark.parametrize("history, named", [
    ([("user", "贺州市呢？")], "history[0]"),
    ([{"role": "user", "content": 5}], r"history\[0\]\[\"content\"\]"),
    ([{"role": "robot", "content": "x"}], "role"),
    ({"role": "user", "content": "x"}, "history"),
    ("贺州市", "history"),
])
def test_ask_and_stream_refuse_a_malformed_history_naming_it(assistant: Assistant, history: object,
                                                             named: str) -> None:
    """Before: AttributeError/TypeError from deep inside the follow-up rewrite."""
    with pytest.raises((TypeError, ValueError), match=named.replace("[0]", r"\[0\]") if "\\" not in named else named):
        assistant.ask(HEZHOU_Q, history=history)
    with pytest.raises(InvalidArgument):
        next(assistant.stream(HEZHOU_Q, history=history))


def test_question_query_k_and_filters_are_checked(assistant: Assistant) -> None:
    for call, named in ((lambda: assistant.ask(5), "question"), (lambda: assistant.ask(b"x"), "question"),
                        (lambda: assistant.search(["x"]), "query"), (lambda: assistant.search("x", k=0), "k"),
                        (lambda: assistant.search("x", k="5"), "k"),
                        (lambda: assistant.ask("x", filters={"regoin": "贺州市"}), "filters"),
                        (lambda: assistant.ask("x", filters="贺州市"), "filters")):
        with pytest.raises(InvalidArgument, match=named):
            call()
    assert HEZHOU_FIGURE in assistant.ask(HEZHOU_Q, history=[]).text  # the valid forms still work
    assert assistant.ask(None).refused and assistant.search("府院联动", k=2)


# ------------------------------------------------------------------ 4. huge files, interrupted writes, orphans

def test_files_over_the_size_or_chunk_limit_are_refused_before_any_work(assistant: Assistant, tmp_path: Path) -> None:
    a = own_store(assistant, tmp_path, max_file_mb=1, max_file_chunks=20)
    vectors = a.index._collection.count()
    big = tmp_path / "大文件.txt"
    big.write_bytes(("很长的报告。" * 200_000).encode())  # 3.6 MB
    long = tmp_path / "很多段.txt"
    long.write_text("南昌县2024年法治政府建设情况报告\n" + "".join(
        f"（{i}）开展第{i}项行政执法监督工作，办理案件{i}件，形成制度成果一项，取得明显成效。\n" for i in range(400)),
        encoding="utf-8")
    started = time.perf_counter()
    results = {r.source: r for r in a.ingest([big, long])}
    assert results["大文件.txt"].status == "error" and "文件过大" in results["大文件.txt"].message
    assert results["很多段.txt"].status == "error" and "段的上限" in results["很多段.txt"].message
    assert "ASSISTANT_MAX_FILE_CHUNKS" in results["很多段.txt"].message
    assert time.perf_counter() - started < 20  # no embedding was done
    assert a.index._collection.count() == vectors
    clean(a)


def test_an_interrupted_large_file_keeps_its_committed_slices_and_resumes(assistant: Assistant, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: one write for the whole file; interrupted, all work was lost and its vectors were orphans."""
    monkeypatch.setattr(index_module, "_UPSERT_BATCH", 8)
    monkeypatch.setattr(index_module, "_ENCODE_SLICE", 8)
    a = own_store(assistant, tmp_path)
    path = tmp_path / "南昌县2024年法治政府建设情况报告.txt"
    path.write_text("南昌县2024年法治政府建设情况报告\n" + "".join(
        f"（{i}）开展第{i}项行政执法监督工作，全年办理行政复议案件{100 + i}件，形成制度成果一项，取得明显成效，"
        f"群众满意度持续提升，相关经验在全市推广。\n" for i in range(300)), encoding="utf-8")
    seen: list[str] = []

    def interrupt(kind: str, line: str) -> None:
        seen.append(line)
        if kind == "embedding" and len(seen) == 3:
            raise KeyboardInterrupt
    from assistant.ingest import ingest_paths
    with pytest.raises(KeyboardInterrupt):
        ingest_paths([path], a.index, a.lexicon, a.settings, notify=interrupt)
    assert seen[0].startswith("向量化 8/") and seen[-1].startswith("向量化 24/")  # progress inside one file
    report_now = a.index.check()
    # two slices stored; the third was embedded but interrupted before it was stored
    assert report_now["pending_vectors"] == 16 and report_now["orphan_vectors"] == 0, report_now
    pending = a.index._pending_ids()
    hits = a.index.dense_search(a.embedder.encode(["行政复议案件 群众满意度"])[0], 30)
    assert hits and not {i for i, _ in hits} & pending  # unfinished work is never a search result
    encoded: list[int] = []
    real = a.embedder.encode
    monkeypatch.setattr(a.embedder, "encode", lambda texts, **kw: encoded.append(len(texts)) or real(texts, **kw))
    [result] = ingest_paths([path], a.index, a.lexicon, a.settings)  # chunks only (a.ingest also learns words)
    total = len(a.index.chunk_ids(result.source))
    assert result.status == "added" and sum(encoded) == total - 16  # the 16 stored before are not redone
    assert a.index.check()["pending_vectors"] == 0
    clean(a)


def test_orphan_vectors_are_never_results_and_are_removed_at_open(assistant: Assistant, tmp_path: Path) -> None:
    """A writer killed after its vectors but before its catalog commit: 9 of the top 30 hits were orphans."""
    a = own_store(assistant, tmp_path)
    query = a.embedder.encode(["行政复议案件数量"])[0]
    orphans = [f"orphan-{i}" for i in range(40)]
    a.index._collection.upsert(ids=orphans, embeddings=np.tile(query, (40, 1)),
                               metadatas=[{"source": "gone.txt", "region": "", "year": 0, "level": ""}] * 40)
    a.index.vectors.forget_count()
    hits = a.index.dense_search(query, 30)
    assert len(hits) == 30 and not {i for i, _ in hits} & set(orphans)
    assert a.index.check()["orphan_vectors"] == 40
    reopened = Assistant(a.settings, build=False)
    assert reopened.index.check()["orphan_vectors"] == 0
    clean(reopened)


def test_a_waiting_ingest_says_it_waits_and_for_how_long(assistant: Assistant, tmp_path: Path) -> None:
    """Before: a second ingest showed "导入: 0份" for as long as the first one ran."""
    a = own_store(assistant, tmp_path)
    path = tmp_path / "黎川县2024年报告.txt"
    path.write_text(report("黎川县", 2, 51), encoding="utf-8")
    with a.index.writing():  # another ingest, in this process, holds the store
        waiting = subprocess.Popen([sys.executable, "-m", "assistant.cli", "--store", str(a.settings.store_dir),
                                    "ingest", str(path)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True, encoding="utf-8", env={**os.environ, "PYTHONPATH": str(ROOT)})
        deadline = time.monotonic() + 120
        lines: list[str] = []
        assert waiting.stderr is not None
        while time.monotonic() < deadline:
            line = waiting.stderr.readline()
            lines.append(line)
            if "已等待" in line:
                break
        assert f"进程 {os.getpid()}" in lines[-1] and "另一个导入正在进行" in lines[-1], lines
    out, err = waiting.communicate(timeout=300)
    assert waiting.returncode == 0 and out.startswith("新增"), out + err
    assert "51件" in Assistant(a.settings, build=False).ask("黎川县办理行政复议案件多少件？").text


# ------------------------------------------------------------------ 5. a stuck or failing LLM

class Endpoint:
    """A local OpenAI-compatible endpoint that misbehaves: "hang" (accepts, sends nothing), "keepalive"
    (an SSE stream of comments only, forever), "fail" (HTTP 500)."""

    def __init__(self, behaviour: str) -> None:
        self.behaviour, self.requests, self.stop = behaviour, 0, threading.Event()
        endpoint = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                endpoint.requests += 1
                if endpoint.behaviour == "fail":
                    body = b'{"error": {"message": "boom"}}'
                    self.send_response(500)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                if endpoint.behaviour == "hang":
                    endpoint.stop.wait(60)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                try:
                    while not endpoint.stop.wait(0.3):
                        self.wfile.write(b": keep-alive\n\n")
                        self.wfile.flush()
                except OSError:  # the client gave up: what we want
                    pass

        self.http = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.http.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/v1"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.stop.set()
        self.http.shutdown()
        self.http.server_close()


@pytest.fixture
def endpoint() -> Iterator[Callable[[str], Endpoint]]:
    made: list[Endpoint] = []

    def make(behaviour: str) -> Endpoint:
        made.append(Endpoint(behaviour))
        return made[-1]
    yield make
    for e in made:
        e.close()


@pytest.fixture
def with_llm(assistant: Assistant, monkeypatch: pytest.MonkeyPatch):
    def use(url: str, **extra: object) -> Assistant:
        settings = replace(assistant.settings, llm_base_url=url, llm_model="fake-model", **extra)
        monkeypatch.setattr(assistant, "llm", LLM(settings, None))
        return assistant
    return use


def timed_ask(a: Assistant, question: str = HEZHOU_Q, mode: str = "llm") -> tuple[float, Answer]:
    started = time.perf_counter()
    answer = a.ask(question, mode=mode)
    return time.perf_counter() - started, answer


@pytest.mark.parametrize("behaviour", ["keepalive", "hang"])
def test_the_llm_deadline_holds_by_the_clock(endpoint, with_llm, behaviour: str) -> None:
    """Before: keep-alive comments held a question as long as they came (the deadline was checked per
    token); a hung endpoint held it for the 60 s read timeout."""
    e = endpoint(behaviour)
    a = with_llm(e.url, llm_timeout=60.0, llm_deadline=3.0)
    seconds, answer = timed_ask(a)
    assert seconds < 8, seconds
    assert answer.mode == "extractive" and HEZHOU_FIGURE in answer.text and "超时" in answer.warnings[0]
    assert e.requests == 1


def test_repeated_llm_failures_open_the_circuit(endpoint, with_llm) -> None:
    e = endpoint("fail")
    a = with_llm(e.url, llm_failures=3, llm_pause=30.0)
    for _ in range(3):
        assert "出错" in timed_ask(a)[1].warnings[0]
    seconds, answer = timed_ask(a)
    assert e.requests == 3  # the fourth question never reached the endpoint
    assert seconds < 2 and HEZHOU_FIGURE in answer.text and "暂停使用" in answer.warnings[0]


def test_llm_work_never_takes_the_slots_extractive_answers_need(endpoint, with_llm) -> None:
    """Before: a hung endpoint took all 8 workers; an extractive question from another user waited 58 s."""
    e = endpoint("hang")
    a = with_llm(e.url, llm_timeout=60.0, llm_deadline=8.0, llm_slots=2, llm_failures=100)
    with ThreadPoolExecutor(2) as pool:
        stuck = [pool.submit(timed_ask, a) for _ in range(2)]
        while e.requests < 2:
            time.sleep(0.05)
        seconds, busy = timed_ask(a)  # a third LLM question: no slot, the extractive answer at once
        assert seconds < 2 and HEZHOU_FIGURE in busy.text and "正忙" in busy.warnings[0], (seconds, busy.warnings)
        seconds, extractive = timed_ask(a, "延庆区有多少个“一件事”办事场景？", mode="extractive")
        assert seconds < 2 and not extractive.refused
        assert all(f.result()[0] < 12 for f in stuck)
    assert e.requests == 2


# ------------------------------------------------------------------ 6. odd inputs

def test_a_zip_renamed_docx_is_explained_in_chinese() -> None:
    import io
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("notes.txt", "hello")
    with pytest.raises(LoadError) as caught:
        load_bytes(buffer.getvalue(), "报告.docx")
    assert "没有 Word 文档内容" in str(caught.value) and "There is no item" not in str(caught.value)


def test_two_nul_bytes_do_not_make_a_report_binary() -> None:
    text = report("东乡区", 6, 66)
    data = text.encode("utf-8")
    loaded = load_bytes(data.replace("情况".encode(), "情\x00\x00况".encode(), 1), "东乡区.txt")
    assert loaded.text == text.replace("\r\n", "\n") and "\x00" not in loaded.text
    with pytest.raises(LoadError, match="二进制"):  # real binary is still refused
        load_bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes(), "x.txt")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom_is_read(codec: str) -> None:
    text = report("东乡区", 6, 66)
    loaded = load_bytes(text.encode(codec), "东乡区.txt")
    assert loaded.text == text and loaded.encoding == codec


def test_file_names_with_line_breaks_keep_output_one_line_per_file(assistant: Assistant, tmp_path: Path) -> None:
    a = own_store(assistant, tmp_path)
    folder = tmp_path / "odd"
    folder.mkdir()
    (folder / "资溪\n县.txt").write_text(report("资溪县", 1, 81), encoding="utf-8")
    (folder / "金溪\t县.txt").write_text(report("金溪县", 1, 82), encoding="utf-8")
    out = run_cli(a.settings.store_dir, "ingest", str(folder))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) == 2 and {line.split("\t")[1] for line in lines} == {"资溪\\n县.txt", "金溪\\t县.txt"}, lines
    listed = run_cli(a.settings.store_dir, "documents").stdout.splitlines()
    assert len(listed) == len(catalog(a)) and "资溪\\n县.txt" in {line.split("\t")[0] for line in listed}
    clean(Assistant(a.settings, build=False))


INVISIBLE = {
    "combining": "".join(ch + "\u0301" for ch in HEZHOU_Q),
    "tags": "".join(ch + chr(0xE0041 + i % 26) for i, ch in enumerate(HEZHOU_Q)),
    "variation": "".join(ch + "\ufe0f" for ch in HEZHOU_Q),
    "bidi_2000": "\u202b\u202c" * 1000 + HEZHOU_Q,
}


@pytest.mark.parametrize("kind", sorted(INVISIBLE))
def test_invisible_characters_do_not_change_the_answer(assistant: Assistant, kind: str) -> None:
    """Before: cited but wrong answers, and invisible bidi marks counted toward the 500-character cap."""
    plain = assistant.ask(HEZHOU_Q)
    answer = assistant.ask(INVISIBLE[kind])
    assert answer.text == plain.text and HEZHOU_FIGURE in answer.text
    assert not answer.warnings  # nothing was cut
    assert [c.source for c in answer.citations] == [c.source for c in plain.citations]
    assert {c.source for c in answer.citations} == {HEZHOU}
