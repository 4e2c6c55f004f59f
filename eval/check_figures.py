"""Score figure extraction (assistant/figures.py) against the hand-checked sample eval/figures_sample.jsonl.

The sample holds every figure of the five seed reports, each read against its sentence: value (in the
base unit, 万/亿 applied), unit, the indicator phrase a reader would name, and the qualifiers
(全市 / 累计 / 收到 / 同比增长 / 余 / 以上 ...). A sample figure is matched to an extracted one by report
and start offset. It is right when
- value: equal (relative 1e-9);
- unit: equal ("" where the report itself omits the unit);
- indicator: the extracted phrase contains the sample's phrase (after folding) and is at most 12
  characters longer: it names the thing counted and not much else;
- qualifier: the same set of words.
Figures in sentences about 行政复议, 应诉/败诉, 法律顾问, 规范性文件 or 执法 must all be extracted.

    python eval/check_figures.py [--sample eval/figures_sample.jsonl] [--min 0.95] [-v]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.figures import Figure, extract  # noqa: E402
from assistant.ingest import build_document  # noqa: E402
from assistant.meta import sidecar_path  # noqa: E402
from assistant.normalize import fold  # noqa: E402
from assistant.tokens import Lexicon  # noqa: E402

INDICATOR_SLACK = 12
FIELDS = ("value", "unit", "indicator", "qualifier")


def judge(expected: dict, got: Figure | None) -> dict[str, bool]:
    """Which fields of one sample figure the extraction got right (all False when it was not extracted)."""
    if got is None:
        return {f: False for f in FIELDS}
    want, have = fold(expected["indicator"]), fold(got.indicator)
    return {
        "value": abs(got.value - expected["value"]) <= 1e-9 * max(1.0, abs(expected["value"])),
        "unit": got.unit == expected["unit"],
        "indicator": want in have and len(have) <= len(want) + INDICATOR_SLACK,
        "qualifier": set(filter(None, got.qualifier.split("、"))) == set(expected["qualifier"]),
    }


def score(sample_path: Path, seeds_dir: Path = ROOT / "seeds") -> dict:
    sample = [json.loads(line) for line in sample_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    lexicon = Lexicon()
    extracted: dict[tuple[str, int], Figure] = {}
    for source in sorted({s["source"] for s in sample}):
        path = seeds_dir / source
        doc = build_document(path.read_bytes(), source, lexicon, sidecar_path(path))
        extracted.update({(source, f.start): f for f in extract(doc)})
    results = []
    for s in sample:
        got = extracted.get((s["source"], s["start"]))
        results.append((s, got, judge(s, got)))
    right = sum(all(v.values()) for _, _, v in results)
    topic_missing = [s for s, got, _ in results if s.get("topics") and got is None]
    return {
        "figures": len(results),
        "right": right,
        "accuracy": right / len(results) if results else 0.0,
        "fields": {f: sum(v[f] for _, _, v in results) / len(results) for f in FIELDS},
        "missed": sum(got is None for _, got, _ in results),
        "topic_figures": sum(bool(s.get("topics")) for s in sample),
        "topic_missing": len(topic_missing),
        "failures": [{"source": s["source"], "wording": s["wording"], "expected": {f: s[f] for f in FIELDS},
                      "got": None if got is None else {"value": got.value, "unit": got.unit,
                                                       "indicator": got.indicator, "qualifier": got.qualifier},
                      "wrong": [f for f, ok in v.items() if not ok]}
                     for s, got, v in results if not all(v.values())],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sample", default=str(ROOT / "eval" / "figures_sample.jsonl"))
    parser.add_argument("--min", type=float, default=0.95)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    report = score(Path(args.sample))
    print(f"figures {report['figures']}, right {report['right']} ({report['accuracy']:.1%}); "
          + ", ".join(f"{k} {v:.1%}" for k, v in report["fields"].items())
          + f"; not extracted {report['missed']}; key-topic figures {report['topic_figures']}, "
          f"not extracted {report['topic_missing']}")
    if args.verbose:
        for f in report["failures"]:
            print(json.dumps(f, ensure_ascii=False))
    return 0 if report["accuracy"] >= args.min and not report["topic_missing"] else 1


if __name__ == "__main__":
    sys.exit(main())
