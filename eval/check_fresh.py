"""Consistency checks for eval/qa_fresh.jsonl (fresh staff-style dev questions).

Run:  python eval/check_fresh.py [path/to/qa_fresh.jsonl]   (exit code 1 on errors)

Standard library only, plus OpenCC (t2s) when importable; without it the
traditional-script seed cannot be folded and its checks are reported as errors.

Checks:
  * first line is a header object with "_header" and "written";
  * every item has exactly the schema keys with the right types, ids fNNN unique
    and in order, split "dev", history alternating user/assistant;
  * per-type minimum counts and the total;
  * `verdict` in yes/no/unstated for yes_no items and null otherwise;
  * `unanswerable` items have must == []; answerable non-yes_no items have must != [];
  * every `must` alternative occurs in the folded concatenation of the item's sources
    (folding: NFKC, OpenCC t2s, whitespace removed, applied to both sides);
  * every `must_not` alternative occurs in at least one folded seed, and none occurs
    in the item's own must groups;
  * trap items are unanswerable and carry at least one must_not;
  * cross items name all five seeds as sources;
  * trad items' questions actually change under t2s.
"""
from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
PATH = Path(__file__).resolve().parent / "qa_fresh.jsonl"

try:
    import opencc  # type: ignore

    _CC = opencc.OpenCC("t2s")
except Exception:  # pragma: no cover - depends on the environment
    _CC = None

MIN = {
    "paraphrase": 25, "yes_no": 20, "false_premise": 10, "trap": 20, "conversation": 25,
    "cross": 20, "typo": 10, "trad": 8, "unanswerable": 12, "fact": 10,
}
MIN_TOTAL = 150
KEYS = ["id", "question", "history", "must", "must_not", "verdict", "sources", "type",
        "unanswerable", "split"]
VERDICTS = {"yes", "no", "unstated"}


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    if _CC is not None:
        text = _CC.convert(text)
    return re.sub(r"\s+", "", text)


def load_seeds() -> dict[str, str]:
    return {p.name: fold(p.read_text(encoding="utf-8")) for p in sorted(SEEDS.glob("*.txt"))}


def check(path: Path = PATH):
    errors: list[str] = []
    warnings: list[str] = []
    if _CC is None:
        errors.append("opencc not importable: traditional-script seed cannot be folded")
    seeds = load_seeds()
    all_names = sorted(seeds)
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines:
        return ["empty file"], warnings, Counter()
    try:
        header = json.loads(lines[0])
    except json.JSONDecodeError as e:
        header = None
        errors.append(f"line 1: invalid JSON ({e})")
    if not isinstance(header, dict) or "_header" not in header or "written" not in header:
        errors.append("line 1: header object with _header and written expected")

    items = []
    for n, line in enumerate(lines[1:], 2):
        if not line.strip():
            errors.append(f"line {n}: empty line")
            continue
        try:
            items.append((n, json.loads(line)))
        except json.JSONDecodeError as e:
            errors.append(f"line {n}: invalid JSON ({e})")

    ids = Counter()
    counts = Counter()
    for k, (n, it) in enumerate(items, 1):
        where = f"line {n}"
        if not isinstance(it, dict):
            errors.append(f"{where}: not an object")
            continue
        if list(it.keys()) != KEYS:
            errors.append(f"{where}: keys {list(it.keys())} != {KEYS}")
            if not set(KEYS) <= set(it):
                continue
        iid = it["id"]
        where = f"{where} ({iid})"
        ids[iid] += 1
        if not isinstance(iid, str) or not re.fullmatch(r"f\d{3}", iid):
            errors.append(f"{where}: id must look like f001")
        elif iid != f"f{k:03d}":
            warnings.append(f"{where}: id out of order (expected f{k:03d})")
        typ = it["type"]
        counts[typ] += 1
        if typ not in MIN:
            errors.append(f"{where}: unknown type {typ!r}")
        q = it["question"]
        if not isinstance(q, str) or not q.strip():
            errors.append(f"{where}: empty question")
            q = ""
        if it["split"] != "dev":
            errors.append(f"{where}: split must be 'dev'")
        if not isinstance(it["unanswerable"], bool):
            errors.append(f"{where}: unanswerable must be bool")

        # history
        hist = it["history"]
        if not isinstance(hist, list):
            errors.append(f"{where}: history must be a list")
            hist = []
        for j, turn in enumerate(hist):
            if not (isinstance(turn, dict) and set(turn) == {"role", "content"}
                    and isinstance(turn["content"], str) and turn["content"].strip()):
                errors.append(f"{where}: history[{j}] must be {{role, content}}")
                continue
            want = "user" if j % 2 == 0 else "assistant"
            if turn["role"] != want:
                errors.append(f"{where}: history[{j}] role {turn['role']!r}, expected {want!r}")
        if hist and hist[-1].get("role") != "assistant":
            errors.append(f"{where}: history must end with an assistant turn")
        if typ == "conversation" and not 2 <= len(hist) <= 6:
            errors.append(f"{where}: conversation needs a 1-3 exchange history")
        if typ != "conversation" and hist:
            warnings.append(f"{where}: non-conversation item has a history")

        # sources
        srcs = it["sources"]
        if not isinstance(srcs, list) or not all(isinstance(s, str) for s in srcs):
            errors.append(f"{where}: sources must be a list of file names")
            srcs = []
        for s in srcs:
            if s not in seeds:
                errors.append(f"{where}: unknown source {s!r}")
        if len(set(srcs)) != len(srcs):
            errors.append(f"{where}: duplicate sources")
        if typ == "cross" and sorted(srcs) != all_names:
            errors.append(f"{where}: cross item must list all five seeds")
        if not it["unanswerable"] and not srcs:
            errors.append(f"{where}: answerable item without sources")

        # verdict
        v = it["verdict"]
        if typ == "yes_no":
            if v not in VERDICTS:
                errors.append(f"{where}: yes_no verdict must be one of {sorted(VERDICTS)}")
            if v == "unstated" and not it["unanswerable"]:
                errors.append(f"{where}: verdict unstated needs unanswerable true")
        elif v is not None:
            errors.append(f"{where}: verdict must be null for type {typ}")

        # must
        must = it["must"]
        ok_shape = isinstance(must, list) and all(
            isinstance(g, list) and g and all(isinstance(a, str) and a.strip() for a in g) for g in must)
        if not ok_shape:
            errors.append(f"{where}: must must be a list of non-empty lists of strings")
            must = []
        if it["unanswerable"] and must:
            errors.append(f"{where}: unanswerable item must have must == []")
        if not it["unanswerable"] and not must and typ != "yes_no":
            errors.append(f"{where}: answerable item has no must groups")
        text = "".join(seeds.get(s, "") for s in srcs)
        for g in must:
            for a in g:
                if fold(a) not in text:
                    errors.append(f"{where}: must alternative {a!r} not in sources")
        folded_must = {fold(a) for g in must for a in g}

        # must_not
        mn = it["must_not"]
        if not isinstance(mn, list) or not all(isinstance(a, str) and a.strip() for a in mn):
            errors.append(f"{where}: must_not must be a list of strings")
            mn = []
        for a in mn:
            fa = fold(a)
            if not any(fa in t for t in seeds.values()):
                errors.append(f"{where}: must_not alternative {a!r} in no seed")
            if fa in folded_must:
                errors.append(f"{where}: must_not alternative {a!r} also in must")
        if typ == "trap":
            if not it["unanswerable"]:
                errors.append(f"{where}: trap items must be unanswerable")
            if not mn:
                errors.append(f"{where}: trap items need a must_not neighbour")
        if typ == "trad" and _CC is not None and _CC.convert(q) == q:
            errors.append(f"{where}: trad question is not in traditional script")

    for iid, c in ids.items():
        if c > 1:
            errors.append(f"duplicate id {iid} ({c}x)")
    for typ, m in MIN.items():
        if counts[typ] < m:
            errors.append(f"type {typ}: {counts[typ]} items < {m}")
    total = sum(counts.values())
    if total < MIN_TOTAL:
        errors.append(f"total {total} < {MIN_TOTAL}")
    qs = Counter(json.dumps([it.get("question"), it.get("history")], ensure_ascii=False)
                 for _, it in items if isinstance(it, dict))
    for q, c in qs.items():
        if c > 1:
            errors.append(f"duplicate question+history {q[:60]} ({c}x)")
    return errors, warnings, counts


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else PATH
    errors, warnings, counts = check(path)
    print(f"{path.name}: {sum(counts.values())} items; "
          + ", ".join(f"{t}={counts[t]}" for t in MIN))
    unans = 0
    with open(path, encoding="utf-8") as f:
        next(f, None)
        for line in f:
            try:
                unans += bool(json.loads(line).get("unanswerable"))
            except Exception:
                pass
    print(f"unanswerable=true: {unans}; opencc: {'yes' if _CC else 'no'}")
    for w in warnings:
        print("WARN", w)
    for e in errors:
        print("ERROR", e)
    print("OK" if not errors else f"{len(errors)} error(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
