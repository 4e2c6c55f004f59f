"""Offline `ask` latency on the bundled seeds: every question of both eval sets, extractive mode.

    python bench/ask_latency.py [--repeat 2]

Opens (or builds) a store from seeds/ in a temporary folder, warms the model with one question, then
times `Assistant.ask` per question (history included) and prints p50 / p95 / max in milliseconds.
The README records the figure with the machine it was measured on.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant, Settings  # noqa: E402
from assistant.evaluate import DATASET, STAFF_DATASET, load_items  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="times each question is asked")
    args = parser.parse_args()
    items = load_items(DATASET) + load_items(STAFF_DATASET)
    with tempfile.TemporaryDirectory() as store:
        assistant = Assistant(Settings.from_env(store_dir=Path(store)))
        assistant.ask(items[0].question)
        times = []
        for _ in range(args.repeat):
            for item in items:
                t0 = time.perf_counter()
                assistant.ask(item.question, item.history)
                times.append(1000 * (time.perf_counter() - t0))
    times.sort()
    pick = lambda q: times[min(len(times) - 1, int(q * len(times)))]  # noqa: E731
    print(f"ask latency over {len(times)} questions ({platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores): p50 {pick(0.5):.1f} ms, p95 {pick(0.95):.1f} ms, max {times[-1]:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
