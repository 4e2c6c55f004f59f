"""Consistency checks for eval/qa.jsonl.

Run:  python eval/check_qa.py [path/to/qa.jsonl]   (exit code 1 on errors)
tests/test_eval.py runs the same checks on eval/qa.jsonl and on broken files.

Checks: JSON schema and field types, id order/uniqueness, >= MIN_PER_TYPE items per
type, every `must` alternative of every answerable item occurring (after the scorer's
folding: NFKC, OpenCC t2s, whitespace removal) in the concatenation of its source files,
and unanswerable items having empty must/sources.
"""
from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.normalize import squash as normalize  # noqa: E402  (the scorer's folding, so both agree)

SEEDS = ROOT / "seeds"
QA_PATH = Path(__file__).resolve().parent / "qa.jsonl"

TYPES = ("numeric", "fact", "list", "cross", "trad_query", "unanswerable", "followup")
MIN_PER_TYPE = 18
MIN_TOTAL = 170
KEYS = ["id", "question", "history", "must", "sources", "type", "unanswerable", "split"]
YANQING = "002_5ec25145ee5b4dd1.txt"


def load(path: Path):
    items, errors = [], []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                errors.append(f"line {n}: empty line")
                continue
            try:
                items.append(json.loads(line))
            except json.JSONDecodeError as e:
                errors.append(f"line {n}: invalid JSON ({e})")
    return items, errors


def check(path: Path = QA_PATH):
    items, errors = load(path)
    warnings = []
    seed_cache: dict[str, str] = {}

    def seed(name: str) -> str | None:
        if name not in seed_cache:
            p = SEEDS / name
            if not p.is_file():
                return None
            seed_cache[name] = normalize(p.read_text(encoding="utf-8"))
        return seed_cache[name]

    ids = Counter()
    for idx, it in enumerate(items, 1):
        where = it.get("id", f"#{idx}") if isinstance(it, dict) else f"#{idx}"
        if not isinstance(it, dict):
            errors.append(f"{where}: not an object")
            continue
        if list(it.keys()) != KEYS:
            errors.append(f"{where}: keys {list(it.keys())} != {KEYS}")
            if set(KEYS) - set(it):
                continue
        iid = it["id"]
        ids[iid] += 1
        if not (isinstance(iid, str) and re.fullmatch(r"q\d{3,}", iid)):
            errors.append(f"{where}: bad id format")
        elif int(iid[1:]) != idx:
            errors.append(f"{where}: id out of order (expected q{idx:03d})")
        if not isinstance(it["question"], str) or not it["question"].strip():
            errors.append(f"{where}: question must be a non-empty string")
        t = it["type"]
        if t not in TYPES:
            errors.append(f"{where}: unknown type {t!r}")
        if it["split"] not in ("dev", "test"):
            errors.append(f"{where}: split must be dev/test")
        if not isinstance(it["unanswerable"], bool):
            errors.append(f"{where}: unanswerable must be bool")

        # history
        h = it["history"]
        if not isinstance(h, list):
            errors.append(f"{where}: history must be a list")
            h = []
        for j, turn in enumerate(h):
            if not (isinstance(turn, dict) and set(turn) == {"role", "content"}):
                errors.append(f"{where}: history[{j}] must have exactly role/content")
                continue
            exp = "user" if j % 2 == 0 else "assistant"
            if turn["role"] != exp:
                errors.append(f"{where}: history[{j}].role should be {exp}")
            if not isinstance(turn["content"], str) or not turn["content"].strip():
                errors.append(f"{where}: history[{j}].content empty")
        if t == "followup":
            if not h or len(h) % 2:
                errors.append(f"{where}: followup needs complete user/assistant turns in history")
        elif h:
            errors.append(f"{where}: history must be empty for type {t}")

        must, sources = it["must"], it["sources"]
        if not (isinstance(must, list) and all(isinstance(g, list) and all(isinstance(a, str) for a in g) for g in must)):
            errors.append(f"{where}: must must be list[list[str]]")
            continue
        if not (isinstance(sources, list) and all(isinstance(s, str) for s in sources)):
            errors.append(f"{where}: sources must be list[str]")
            continue
        if len(set(sources)) != len(sources):
            errors.append(f"{where}: duplicate sources")

        if it["unanswerable"]:
            if must or sources:
                errors.append(f"{where}: unanswerable item must have empty must and sources")
            if t not in ("unanswerable", "followup"):
                errors.append(f"{where}: unanswerable=true only allowed for types unanswerable/followup")
            continue
        if t == "unanswerable":
            errors.append(f"{where}: type unanswerable but unanswerable=false")
        if not (1 <= len(must) <= 3):
            errors.append(f"{where}: must should have 1-3 groups (has {len(must)})")
        if t == "list" and len(must) < 2:
            errors.append(f"{where}: list item needs 2-3 groups")
        if not sources:
            errors.append(f"{where}: answerable item without sources")
        if t == "cross":
            if len(sources) < 2:
                errors.append(f"{where}: cross item needs >= 2 sources")
            if len(must) < len(sources):
                errors.append(f"{where}: cross item needs a must group per source")
        if t == "trad_query":
            q = it["question"]
            if normalize(q) == re.sub(r"\s+", "", unicodedata.normalize("NFKC", q)) and YANQING not in sources:
                errors.append(f"{where}: trad_query neither traditional-script nor about {YANQING}")
        texts = []
        for s in sources:
            txt = seed(s)
            if txt is None:
                errors.append(f"{where}: source {s} not found in {SEEDS}")
            else:
                texts.append(txt)
        corpus = "\n".join(texts)
        for gi, g in enumerate(must):
            if not g:
                errors.append(f"{where}: must group {gi} is empty")
            for a in g:
                na = normalize(a)
                if not na:
                    errors.append(f"{where}: empty alternative in group {gi}")
                elif na not in corpus:
                    errors.append(f"{where}: alternative {a!r} not found in sources {sources}")
                if len(na) < 2:
                    warnings.append(f"{where}: very short alternative {a!r}")

    for iid, c in ids.items():
        if c > 1:
            errors.append(f"duplicate id {iid} ({c}x)")
    qs = Counter((json.dumps(it.get("history"), ensure_ascii=False), it.get("question")) for it in items if isinstance(it, dict))
    for (hist, q), c in qs.items():
        if c > 1:
            errors.append(f"duplicate question {q!r}")
    per_type = Counter(it.get("type") for it in items if isinstance(it, dict))
    for t in TYPES:
        if per_type[t] < MIN_PER_TYPE:
            errors.append(f"type {t}: only {per_type[t]} items (< {MIN_PER_TYPE})")
        n_test = sum(1 for it in items if isinstance(it, dict) and it.get("type") == t and it.get("split") == "test")
        if per_type[t] and not (0.2 <= n_test / per_type[t] <= 0.45):
            warnings.append(f"type {t}: test share {n_test}/{per_type[t]} far from 1/3")
    if len(items) < MIN_TOTAL:
        errors.append(f"only {len(items)} items (< {MIN_TOTAL})")
    return items, errors, warnings, per_type


STAFF_PATH = Path(__file__).resolve().parent / "qa_staff.jsonl"
STAFF_TYPES = ("paraphrase", "yes_no", "false_premise", "conversation", "trap", "typo", "cross", "trad", "unanswerable")
STAFF_MIN_TOTAL, STAFF_MIN_TEST = 200, 60


def check_staff(path: Path = STAFF_PATH):
    """The staff-style set: a header line saying the test split is frozen, then items with verdict/must_not."""
    lines = path.read_text(encoding="utf-8").splitlines()
    errors: list[str] = []
    header = json.loads(lines[0]) if lines else {}
    if "FROZEN" not in str(header.get("_header", "")):
        errors.append("line 1: header must say the test split is FROZEN")
    items = [json.loads(line) for line in lines[1:] if line.strip()]
    texts = {p.name: normalize(p.read_text(encoding="utf-8")) for p in SEEDS.glob("*.txt")}
    for it in items:
        where = it.get("id")
        if it.get("type") not in STAFF_TYPES:
            errors.append(f"{where}: unknown type {it.get('type')!r}")
        if it.get("verdict") not in (None, "yes", "no", "unknown"):
            errors.append(f"{where}: verdict must be yes/no/unknown/null")
        corpus = "".join(texts.get(s, "") for s in it.get("sources", []))
        for group in it.get("must", []):
            for alt in group:
                if normalize(alt) not in corpus:
                    errors.append(f"{where}: alternative {alt!r} not found in its sources")
        if it.get("unanswerable") and it.get("must"):
            errors.append(f"{where}: an unanswerable item has no must")
    per_type = Counter(it.get("type") for it in items)
    errors += [f"type {t}: only {per_type[t]} items (< {MIN_PER_TYPE})" for t in STAFF_TYPES if per_type[t] < MIN_PER_TYPE]
    tests = sum(it.get("split") == "test" for it in items)
    if len(items) < STAFF_MIN_TOTAL or tests < STAFF_MIN_TEST:
        errors.append(f"{len(items)} items, {tests} in test (need >= {STAFF_MIN_TOTAL} and >= {STAFF_MIN_TEST})")
    return items, errors


def main(argv):
    path = Path(argv[1]) if len(argv) > 1 else QA_PATH
    items, errors, warnings, per_type = check(path)
    print(f"{path}: {len(items)} items")
    for t in TYPES:
        print(f"  {t:13s} {per_type[t]}")
    for w in warnings:
        print("WARN ", w)
    for e in errors:
        print("ERROR", e)
    print("OK" if not errors else f"{len(errors)} error(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
