"""Soak (opt-in): `assistant serve` answers 8 clients while a second process ingests a new version of
one report every minute. Every answer must be an answer (0 errors), and none may come from a version
older than the last ingest that had finished when the question was sent.

    ASSISTANT_SOAK_SECONDS=600 .venv/bin/python -m pytest -q -s tests/test_soak.py

Not part of the default run (it takes as long as it is told to); its figures are in docs/reliability.md.
"""
from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from gradio_client import Client

from assistant import Assistant

from conftest import ROOT, served
from test_reliability import EXAMPLES, copy_store, report

SECONDS = float(os.environ.get("ASSISTANT_SOAK_SECONDS", "0"))
INGEST_EVERY_S = float(os.environ.get("ASSISTANT_SOAK_INGEST_EVERY", "60"))
CLIENTS = 8
REGION, QUESTION = "浒湾县", "浒湾县办理行政复议案件多少件？"


@pytest.mark.skipif(SECONDS <= 0, reason="opt-in: set ASSISTANT_SOAK_SECONDS")
def test_soak_ingests_from_another_process_while_eight_clients_ask(assistant: Assistant, tmp_path: Path) -> None:
    copy_store(assistant, tmp_path / "store")
    path = tmp_path / "reports" / "浒湾县2024年法治政府建设情况报告.txt"
    path.parent.mkdir()
    finished: list[tuple[float, int]] = []  # (monotonic time an ingest finished, version it wrote)
    errors: list[str] = []
    stale: list[str] = []
    latencies: list[float] = []

    def ingest(version: int) -> None:
        path.write_text(report(REGION, 1, 100 + version), encoding="utf-8")
        out = subprocess.run([sys.executable, "-m", "assistant.cli", "--store", str(tmp_path / "store"), "ingest",
                              str(path)], cwd=ROOT, capture_output=True, text=True, timeout=600,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
        if out.returncode:
            errors.append(f"ingest {version}: {out.stderr[-300:]}")
        finished.append((time.monotonic(), version))

    with served(tmp_path) as server:
        ingest(0)
        deadline = time.monotonic() + SECONDS

        def writer() -> None:
            version = 1
            while time.monotonic() + INGEST_EVERY_S < deadline:
                time.sleep(INGEST_EVERY_S)
                ingest(version)
                version += 1

        def asker(n: int) -> None:
            client = Client(server.url, verbose=False)
            questions = [QUESTION, *EXAMPLES]
            i = n
            while time.monotonic() < deadline:
                question = questions[i % len(questions)]
                i += 1
                sent = time.monotonic()
                least = max((v for t, v in finished if t <= sent), default=0)
                try:
                    answer = client.predict(question, api_name="/ask")
                except Exception as exc:  # every failure is a finding
                    errors.append(f"{question}: {type(exc).__name__}: {exc}"[:200])
                    continue
                latencies.append(time.monotonic() - sent)
                if "出错" in answer["text"]:
                    errors.append(f"{question}: {answer['text']}")
                if question == QUESTION:
                    figures = [int(x) - 100 for x in re.findall(r"(\d{3})件", answer["text"])]
                    if not figures or min(figures) < least:
                        stale.append(f"version >= {least} expected: {answer['text'][:80]}")
            client.close()

        thread = threading.Thread(target=writer)
        thread.start()
        with ThreadPoolExecutor(CLIENTS) as pool:
            list(pool.map(asker, range(CLIENTS)))
        thread.join()
        check = subprocess.run([sys.executable, "-m", "assistant.cli", "--store", str(tmp_path / "store"), "check"],
                               cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    cuts = statistics.quantiles(latencies, n=20)
    print(f"\nsoak: {SECONDS:.0f} s, {len(finished)} ingests, {CLIENTS} clients, {len(latencies)} answers, "
          f"{len(errors)} errors, {len(stale)} stale, p50 {statistics.median(latencies):.2f} s, "
          f"p95 {cuts[18]:.2f} s, max {max(latencies):.2f} s")
    assert not errors, errors[:5]
    assert not stale, stale[:5]
    assert check.returncode == 0, check.stdout
