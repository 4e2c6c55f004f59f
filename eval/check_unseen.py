"""Check a staff-style question set against the report texts of its corpus.

Run:  /work/main/.venv/bin/python eval/check_unseen.py
      (eval/qa_unseen.jsonl over eval/unseen/reports)
      /work/main/.venv/bin/python eval/check_unseen.py --qa eval/qa_unseen2.jsonl \
          --reports eval/unseen2/reports --min-counts unseen2
Standard library only, except python-docx imported lazily for .docx reports; uses
opencc (t2s) when importable, otherwise a tiny built-in traditional->simplified
table that covers the traditional questions and the traditional report in the
first corpus. Text reports are read as UTF-8, falling back to GB18030; full-width
digits and signs are folded to ASCII (NFKC) on both sides before matching.

Checks: header line, schema of every item, unique ids, minimum counts per
type, split values, every `must` alternative occurs in the folded text of at
least one of the item's source files, every `must_not` alternative occurs in
at least one report of the corpus, unanswerable items have empty `must`,
yes_no items have a verdict, cross items list all reports as sources.
Exit status 1 when any problem is found.
"""
import argparse
import html
import json
import os
import re
import sys
import unicodedata
from collections import Counter, defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
QA = os.path.join(HERE, "qa_unseen.jsonl")
REPORTS = os.path.join(HERE, "unseen", "reports")

MIN_COUNTS = {
    "paraphrase": 25, "conversation": 25, "yes_no": 20, "trap": 20, "typo": 15,
    "cross": 25, "unanswerable": 15, "false_premise": 10, "trad": 10, "fact": 15,
}
# Minimum counts per named set; "default" is the first set's, "unseen2" was asked for
# eval/qa_unseen2.jsonl. `--min-counts` takes one of these names or "type=N,..." overrides.
MIN_COUNT_SETS = {
    "default": MIN_COUNTS,
    "unseen2": {
        "paraphrase": 20, "conversation": 20, "yes_no": 25, "trap": 20, "typo": 12,
        "cross": 35, "unanswerable": 15, "false_premise": 10, "trad": 8, "fact": 12,
    },
}
KEYS = ["id", "question", "history", "must", "must_not", "verdict", "sources",
        "type", "unanswerable", "split"]

try:
    import opencc  # type: ignore
    _CC = opencc.OpenCC("t2s")

    def t2s(s):
        return _CC.convert(s)
    BACKEND = "opencc"
except Exception:  # pragma: no cover - fallback
    _T = ("區區 縣县 關关 於于 設设 築筑 訴诉 訟讼 複复 議议 調调 審审 規规 範范 處处 罰罚 "
          "執执 務务 據据 報报 廣广 陽阳 鹽盐 慶庆 蔭荫 懷怀 長长 經经 開开 勞劳 動动 爭争 "
          "糾纠 紛纷 減减 萬万 億亿 敗败 應应 聯联 總总 數数 師师 職职 責责 們们 會会 舉举 "
          "發发 護护 體体 義义 對对 這这 個个 兩两 漲涨 加加 嗎吗 呢呢 爲为 為为 權权 號号 "
          "傳传 導导 營营 環环 產产 實实 與与 現现 進进 來来 時时 點点 辦办 場场 級级 當当")
    _MAP = {p[0]: p[1] for p in _T.split()}

    def t2s(s):
        return "".join(_MAP.get(c, c) for c in s)
    BACKEND = "builtin-table"


def fold(s):
    return re.sub(r"\s+", "", t2s(unicodedata.normalize("NFKC", s)))


def read_raw(path):
    """Plain text of one report: Word paragraphs, PDF pages, or UTF-8 / GB18030 text."""
    if path.endswith(".docx"):
        try:
            import docx  # lazy: only corpora with Word reports need python-docx
        except ImportError:
            raise SystemExit(f"{path}: reading .docx needs python-docx (run with the project's venv)")
        return "\n".join(p.text for p in docx.Document(path).paragraphs)
    if path.endswith(".pdf"):
        try:
            import pypdf  # lazy, as python-docx above
        except ImportError:
            raise SystemExit(f"{path}: reading .pdf needs pypdf (run with the project's venv)")
        return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(path).pages)
    data = open(path, "rb").read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def report_text(path):
    raw = read_raw(path)
    if path.endswith((".html", ".htm")):
        raw = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", raw)
        raw = re.sub(r"<[^>]+>", " ", raw)
        raw = html.unescape(raw)
    return fold(raw)


def parse_min_counts(spec):
    """A named set from MIN_COUNT_SETS, or "type=N,..." overriding the default minima."""
    if spec in MIN_COUNT_SETS:
        return dict(MIN_COUNT_SETS[spec])
    counts = dict(MIN_COUNTS)
    for part in filter(None, spec.split(",")):
        name, _, n = part.partition("=")
        if name not in counts or not n.isdigit():
            raise SystemExit(f"--min-counts: bad entry {part!r}")
        counts[name] = int(n)
    return counts


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--qa", default=QA, help="question set (JSON lines, header first)")
    ap.add_argument("--reports", default=REPORTS, help="folder of the corpus's reports")
    ap.add_argument("--min-counts", default="default",
                    help=f"one of {sorted(MIN_COUNT_SETS)} or type=N,... overrides")
    return ap.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    min_counts = parse_min_counts(args.min_counts)
    problems = []
    texts = {f: report_text(os.path.join(args.reports, f))
             for f in sorted(os.listdir(args.reports)) if not f.startswith(".")}
    all_files = set(texts)
    lines = open(args.qa, encoding="utf-8").read().splitlines()
    header = json.loads(lines[0])
    corpus = os.path.relpath(os.path.abspath(args.reports), os.path.dirname(HERE))
    if "_header" not in header or header.get("corpus") != corpus.replace(os.sep, "/"):
        problems.append(f"line 1: header object missing or corpus is not {corpus}")
    ids = set()
    by_type = Counter()
    split_by_type = defaultdict(Counter)
    for n, line in enumerate(lines[1:], 2):
        if not line.strip():
            continue
        try:
            it = json.loads(line)
        except json.JSONDecodeError as e:
            problems.append(f"line {n}: bad JSON ({e})")
            continue
        iid = it.get("id", f"line{n}")
        missing = [k for k in KEYS if k not in it]
        extra = [k for k in it if k not in KEYS]
        if missing or extra:
            problems.append(f"{iid}: missing keys {missing} extra keys {extra}")
            continue
        if iid in ids:
            problems.append(f"{iid}: duplicate id")
        ids.add(iid)
        t = it["type"]
        if t not in min_counts:
            problems.append(f"{iid}: unknown type {t}")
        by_type[t] += 1
        split_by_type[t][it["split"]] += 1
        if it["split"] not in ("dev", "test"):
            problems.append(f"{iid}: bad split {it['split']}")
        if not isinstance(it["question"], str) or not it["question"].strip():
            problems.append(f"{iid}: empty question")
        h = it["history"]
        if not isinstance(h, list) or any(
                not isinstance(x, dict) or x.get("role") not in ("user", "assistant")
                or not isinstance(x.get("content"), str) for x in h):
            problems.append(f"{iid}: bad history")
        if t == "conversation" and not h:
            problems.append(f"{iid}: conversation without history")
        if h and h[-1]["role"] != "assistant":
            problems.append(f"{iid}: history should end with an assistant turn")
        if not isinstance(it["must"], list) or any(
                not isinstance(g, list) or not g or any(not isinstance(a, str) or not a for a in g)
                for g in it["must"]):
            problems.append(f"{iid}: bad must")
            continue
        if not isinstance(it["must_not"], list) or any(not isinstance(a, str) for a in it["must_not"]):
            problems.append(f"{iid}: bad must_not")
            continue
        if it["verdict"] not in (None, "yes", "no", "unstated"):
            problems.append(f"{iid}: bad verdict {it['verdict']}")
        if t == "yes_no" and it["verdict"] is None:
            problems.append(f"{iid}: yes_no without verdict")
        if t != "yes_no" and it["verdict"] is not None:
            problems.append(f"{iid}: verdict on a non yes_no item")
        if not isinstance(it["unanswerable"], bool):
            problems.append(f"{iid}: unanswerable must be a bool")
        if it["unanswerable"] and it["must"]:
            problems.append(f"{iid}: unanswerable item with non-empty must")
        if not it["unanswerable"] and not it["must"]:
            problems.append(f"{iid}: answerable item with empty must")
        if t in ("trap", "unanswerable") and not it["unanswerable"]:
            problems.append(f"{iid}: {t} item not marked unanswerable")
        if t == "false_premise" and it["must_not"]:
            problems.append(f"{iid}: false_premise should have empty must_not")
        srcs = it["sources"]
        bad = [s for s in srcs if s not in all_files]
        if bad:
            problems.append(f"{iid}: unknown sources {bad}")
            continue
        if t == "cross" and set(srcs) != all_files and len(srcs) != 2:
            problems.append(f"{iid}: cross item should list all reports (or the two years of one region)")
        if not it["unanswerable"] and not srcs:
            problems.append(f"{iid}: answerable item without sources")
        for g in it["must"]:
            for a in g:
                fa = fold(a)
                if not any(fa in texts[s] for s in srcs):
                    problems.append(f"{iid}: must alternative {a!r} not in its sources {srcs}")
        for a in it["must_not"]:
            fa = fold(a)
            if not any(fa in txt for txt in texts.values()):
                problems.append(f"{iid}: must_not {a!r} occurs in no report")
    for t, m in min_counts.items():
        if by_type[t] < m:
            problems.append(f"type {t}: {by_type[t]} items, minimum {m}")
    total = sum(by_type.values())
    print(f"t2s backend: {backend_name()}; reports: {len(texts)}; items: {total}")
    for t in min_counts:
        s = split_by_type[t]
        print(f"  {t:14s} {by_type[t]:3d}  dev {s['dev']:3d}  test {s['test']:3d}")
    sp = Counter()
    for s in split_by_type.values():
        sp.update(s)
    print(f"  {'all':14s} {total:3d}  dev {sp['dev']:3d}  test {sp['test']:3d}")
    for p in problems:
        print("PROBLEM", p)
    print("OK" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


def backend_name():
    return BACKEND


if __name__ == "__main__":
    sys.exit(main())
