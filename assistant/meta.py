"""Report metadata (title, region, year, level) read from the text, corrected by a sidecar file.

A sidecar `<file name>.meta.json` beside the report (e.g. seeds/004_x.txt.meta.json) overrides any
field: {"title": ..., "region": ..., "year": 2024, "level": ..., "aliases": [...]}. It is how a report
that names itself only as 高新区 gets a proper title.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

from .genre import LEVEL_BY_SUFFIX
from .normalize import fold
from .records import ReportMeta
from .tokens import Lexicon

_YEAR = re.compile(r"(20\d{2})\s*年")
_TITLE_HINT = re.compile(r"报告|報告|情况|情況")
_NAMED_AT = re.compile(r"(?:^|20\d{2}年度?[,，]\s*)(?:中共)?([\u4e00-\u9fff]{2,6}?(?:自治州|自治县|市|县|区|州|旗|盟))")
SIDECAR_SUFFIX = ".meta.json"


def sidecar_path(report: Path) -> Path:
    return report.with_name(report.name + SIDECAR_SUFFIX)


def _title(lines: list[str]) -> str:
    """The first short line near the top that reads like a title (no sentence punctuation)."""
    for line in lines[:6]:
        s = line.strip()
        if 6 <= len(s) <= 60 and _TITLE_HINT.search(s) and not re.search(r"[。，,；;]", s):
            return re.sub(r"\s+", "", s)
    return ""


def _region(title: str, text: str, lexicon: Lexicon) -> str:
    """The place named in the title, else at the opening, else the one named most often near the top.

    jieba knows most real county and city names; an unknown one is still caught where reports put
    it: at the start of the title or right after the opening "2024年,".
    """
    opening = text[:400]
    for source in (title, opening):
        places = [p.removeprefix("中共") for p in lexicon.places(source) if not p.endswith("省")]
        if places:
            return places[0]
        match = _NAMED_AT.search(source)
        if match:
            return match.group(1)
    places = [p.removeprefix("中共") for p in lexicon.places(text[:3000]) if not p.endswith("省")]
    return Counter(places).most_common(1)[0][0] if places else ""


def _level(region: str) -> str:
    for suffix, level in LEVEL_BY_SUFFIX:
        if region.endswith(suffix):
            return level
    return "未知"


def aliases_for(region: str) -> list[str]:
    """Short names users type: 贺州 for 贺州市, 延庆 for 延庆区; generic names like 高新区 keep only themselves."""
    if not region:
        return []
    names = [region]
    for suffix in ("自治州", "自治县", "市", "县", "区", "州", "旗"):
        short = region.removesuffix(suffix)
        if short != region and len(short) >= 2 and not region.endswith(("新区", "开发区")):
            names.append(short)
            break
    return names


def extract_meta(text: str, lexicon: Lexicon, sidecar: Path | None = None) -> ReportMeta:
    """Metadata from the cleaned text; a sidecar's fields win, derived fields follow them."""
    folded = fold(text)
    found_region = _region(_title(folded.split("\n")), folded, lexicon)
    year_match = _YEAR.search(_title(folded.split("\n"))) or _YEAR.search(folded[:300])
    fields: dict = {"title": _title(text.split("\n")), "region": found_region,
                    "year": int(year_match.group(1)) if year_match else None}
    if sidecar and sidecar.exists():
        fields.update(json.loads(sidecar.read_text(encoding="utf-8")))
    fields.setdefault("level", _level(fields["region"]))
    fields.setdefault("aliases", aliases_for(fold(fields["region"])))
    if not fields["title"]:
        fields["title"] = f"{fields['region']}{fields['year'] or ''}年法治政府建设情况报告"
    known = ReportMeta.__dataclass_fields__
    return ReportMeta(**{k: v for k, v in fields.items() if k in known})
