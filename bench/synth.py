"""A synthetic corpus from the seed reports: N reports of real county and city names, varied years,
perturbed figures and reordered paragraphs, plus the fixed question set the benchmark asks of it.

Report i is seed i % 5 rewritten for the i-th (region, year) pair of a seeded shuffle, so the first
reports are the same for every N: a corpus of 100 is the prefix of the corpus of 10,000, and the
questions (about the first reports) are the same at every size.
"""
from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

import opencc

from assistant.ingest import build_document
from assistant.meta import aliases_for, sidecar_path
from assistant.records import Document
from assistant.tokens import Lexicon

ROOT = Path(__file__).resolve().parent.parent
REGIONS = Path(__file__).with_name("regions.txt")
YEARS = range(2019, 2026)
_NUMBER = re.compile(r"(?<![\d.])\d+(?:\.\d+)?")
_LEVEL1 = re.compile(r"^[一二三四五六七八九十]+、|^第[一二三四五六七八九十]+[部章节]")
_LEVEL2 = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")
_TRADITIONAL = opencc.OpenCC("s2t")


@dataclass(frozen=True)
class Report:
    """One synthetic report: its file name, region and year, and the seed it was made from."""

    name: str
    region: str
    year: int
    seed: str


def region_names() -> list[str]:
    return [line.strip() for line in REGIONS.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


def load_seeds(seeds_dir: Path = ROOT / "seeds") -> list[Document]:
    """The seed reports as the assistant reads them (cleaned text, metadata with sidecars)."""
    lexicon = Lexicon()
    return [build_document(p.read_bytes(), p.name, lexicon, sidecar_path(p)) for p in sorted(seeds_dir.glob("*.txt"))]


def plan(n: int, seeds: list[Document], rng_seed: int = 2024) -> list[Report]:
    """The first n reports: distinct (region, year) pairs drawn in a fixed order."""
    pairs = [(region, year) for region in region_names() for year in YEARS]
    random.Random(rng_seed).shuffle(pairs)
    if n > len(pairs):
        raise ValueError(f"at most {len(pairs)} distinct reports")
    return [Report(f"r{i:05d}.txt", region, year, seeds[i % len(seeds)].source)
            for i, (region, year) in enumerate(pairs[:n])]


def rewrite(seed: Document, region: str, year: int, rng: random.Random) -> str:
    """The seed's text for another region and year, figures perturbed and paragraphs reordered."""
    text = "\n".join(_reorder([line for line in seed.text.split("\n") if line.strip()], rng))
    text = _replace_all(text, _name_map(seed.meta.aliases, aliases_for(region)))
    shift = year - (seed.meta.year or year)
    return _NUMBER.sub(lambda m: _perturb(m, shift, rng), text)


def _replace_all(text: str, mapping: dict[str, str]) -> str:
    """Every key of mapping replaced by its value, longest keys first (贺州市 before 贺州)."""
    pattern = re.compile("|".join(re.escape(k) for k in sorted(mapping, key=len, reverse=True)))
    return pattern.sub(lambda m: mapping[m.group()], text)


def _name_map(old: list[str], new: list[str]) -> dict[str, str]:
    """Seed names (full, short, and their traditional forms) -> the new region's full or short name."""
    full, short = new[0], new[-1]
    mapping = {}
    for i, name in enumerate(old):
        target = full if i == 0 else short
        mapping[name] = target
        mapping[_TRADITIONAL.convert(name)] = target
    return mapping


def _perturb(match: re.Match[str], shift: int, rng: random.Random) -> str:
    """Years move with the report; other figures change by up to 30% (percentages stay <= 100);
    codes and small counts stay."""
    number = match.group()
    value = float(number)
    if "." not in number and 2000 <= value <= 2039:
        return str(int(value) + shift)
    if "." not in number and (value < 10 or len(number) >= 5):
        return number
    scaled = value * rng.uniform(0.7, 1.3)
    if match.string.startswith("%", match.end()):
        scaled = min(scaled, 100.0)
    if "." in number:
        return f"{scaled:.{len(number.split('.')[1])}f}"
    return str(max(10, round(scaled)))


def _reorder(lines: list[str], rng: random.Random) -> list[str]:
    """Within each top-level section, shuffle its (一)(二)... blocks, or its paragraphs when it has none.

    The title and opening paragraph stay first, and the sections keep their order (achievements,
    problems, plans), as in every real report."""
    out: list[str] = []
    for section in _blocks(lines, _LEVEL1):
        if not _LEVEL1.match(section[0]):
            out.extend(section)
            continue
        body, prefix = section[1:], []
        if any(_LEVEL2.match(line) for line in body):
            blocks = _blocks(body, _LEVEL2)
            if not _LEVEL2.match(blocks[0][0]):
                prefix = blocks.pop(0)
        else:
            blocks = [[line] for line in body]
        rng.shuffle(blocks)
        out.extend([section[0], *prefix, *(line for block in blocks for line in block)])
    return out


def _blocks(lines: list[str], start: re.Pattern[str]) -> list[list[str]]:
    """Lines grouped into blocks that each begin at a line matching `start` (the first may not)."""
    blocks: list[list[str]] = []
    for line in lines:
        if start.match(line) or not blocks:
            blocks.append([line])
        else:
            blocks[-1].append(line)
    return blocks


def write_corpus(folder: Path, n: int, seeds: list[Document] | None = None) -> list[Report]:
    """Write reports r00000.txt ... into folder (existing ones are kept: generation is deterministic)."""
    seeds = seeds or load_seeds()
    by_name = {s.source: s for s in seeds}
    reports = plan(n, seeds)
    folder.mkdir(parents=True, exist_ok=True)
    for i, report in enumerate(reports):
        path = folder / report.name
        if not path.exists():
            text = rewrite(by_name[report.seed], report.region, report.year, random.Random(i))
            path.write_text(text + "\n", encoding="utf-8")
    (folder / "manifest.json").write_text(json.dumps([r.__dict__ for r in reports], ensure_ascii=False))
    return reports


# -- the fixed question set ------------------------------------------------------------------------
_TEMPLATE_TYPES = ("numeric", "fact", "list", "trad_query")
_CROSS = ["哪两个地方建立了行政执法监督和12345热线的协作机制?", "哪些地方开展了府院联动?",
          "各地在行政复议方面有哪些做法?"]
_REFUSED = ["海淀区2024年办理了多少件行政复议案件?", "浦东新区法治政府建设存在哪些问题?"]


def questions(reports: list[Report], seeds: list[Document], per_set: int = 15,
              qa_path: Path = ROOT / "eval" / "qa.jsonl") -> list[dict]:
    """Questions of eval/qa.jsonl about one seed, re-aimed at the synthetic reports made from it, plus
    cross-report questions and questions about places the corpus lacks. Only the first reports are used,
    so the set is the same at every N."""
    by_seed: dict[str, list[str]] = {}
    for line in qa_path.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        if item["type"] in _TEMPLATE_TYPES and len(item["sources"]) == 1 and not item["history"]:
            by_seed.setdefault(item["sources"][0], []).append(item["question"])
    metas = {s.source: s.meta for s in seeds}
    found = []
    for i, report in enumerate(reports[:per_set]):
        template = by_seed[report.seed][i // len(seeds) % len(by_seed[report.seed])]
        meta = metas[report.seed]
        names = _name_map(meta.aliases, aliases_for(report.region))
        names[str(meta.year)] = str(report.year)
        found.append({"question": _replace_all(template, names), "kind": "routed", "region": report.region})
    found += [{"question": q, "kind": "cross", "region": None} for q in _CROSS]
    found += [{"question": q, "kind": "refused", "region": None} for q in _REFUSED]
    return found
