"""Report metadata (title, region with its path and level, year covered) read from the text.

The region is the most specific unit the report is about, looked up in the gazetteer (GB/T 2260
divisions + functional zones): the title first, then the opening, then the issuer's lines, the page's
breadcrumb and finally the unit named most often. A district or county that names itself is never
replaced by its city, and a zone report that names its parent city more often than itself keeps the
zone. The year covered comes from the title and opening (2023年度, "2023年,…"), never from page
dates (2024年3月30日, 2024-03-30).

A sidecar `<file name>.meta.json` beside the report (e.g. seeds/004_x.txt.meta.json) overrides any
field: {"title": ..., "region": ..., "year": 2024, "level": ..., "aliases": [...]}. Corrections made
later by a user (`assistant meta`, the library tab) are kept in the catalog and applied with `correct`.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, replace
from pathlib import Path

from .gazetteer import Division, gazetteer, level_of, short_names
from .genre import (ADMIN_SUFFIXES, BARE_ZONES, GENERIC_PLACES, HEADING_LEVELS, ISSUED_BY_COMMITTEE, SELF_REFERENCES,
                    SHORT_NAME_GIVEN, SOFT_YEAR_BEFORE, TITLE_HINT, TITLE_TOPIC, ZONE_KIND_WORDS, ZONE_SUFFIXES)
from .normalize import fold
from .records import ReportMeta
from .tokens import Lexicon

_NOT_TITLE = re.compile(r"[。，,；;：:]|如下|现将|現將")
_YEAR_AT = re.compile(r"(20\d{2})\s*年(?!\s*\d{1,2}\s*月)")  # 2023年 / 2023年度, not 2024年3月 (a date)
_OPENING_YEAR = re.compile(r"^\s*(20\d{2})\s*年(?:度)?(?:以来|全年|[,，、]|是|我|在|[\u4e00-\u9fff]{2,12}?[,，])")
_DATE = re.compile(r"(20\d{2})\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}")
_NAMED_AT = re.compile(r"(?:^|20\d{2}年度?[,，]\s*)(?:中共)?([\u4e00-\u9fff]{1,6}?(?:自治州|自治县|县|旗)|"
                       r"[\u4e00-\u9fff]{2,6}?(?:市|区|州))")
_ISSUER = re.compile(r"人民政府|委员会|管委会|管理委员会|司法局|办公室|区委|县委|市委|来源|发布机构|信息来源")
_BREADCRUMB = re.compile(r"首页\s*[>›»＞/]|当前位置|當前位置|所在位置")
_ZONE_AT = re.compile("|".join(sorted(ZONE_SUFFIXES, key=len, reverse=True)))
_SELF_REF = re.compile("|".join(SELF_REFERENCES))
_TWIN = re.compile(r"[（(]([\u4e00-\u9fff]{2,12}?(?:区|县|市))[）)]")  # a unit named in brackets in the title
_OPENING_CHARS = 300
_CLEAR_SELF_REFS = 3  # weight from which the way a report speaks of itself (我县 ×2, 全县) is taken as clear
_PAGE_TOP_CHARS = 8000  # breadcrumbs and source lines sit above the report
SIDECAR_SUFFIX = ".meta.json"


def sidecar_path(report: Path) -> Path:
    return report.with_name(report.name + SIDECAR_SUFFIX)


def _title_index(lines: list[str]) -> int:
    """Index of the first line near the top that reads like this genre's title, else -1."""
    best = -1
    for i, line in enumerate(lines[:10]):
        s = re.sub(r"\s+", "", line)
        if not (6 <= len(s) <= 80) or _NOT_TITLE.search(s) or any(p.match(s) for _, p in HEADING_LEVELS):
            continue
        if TITLE_HINT.search(s) and TITLE_TOPIC.search(fold(s)):
            return i
        if best < 0 and TITLE_HINT.search(s) and i < 3:
            best = i
    return best


def units_in(text: str, context: str = "") -> list[tuple[int, Division]]:
    """Divisions and zones named in folded text, in order: full names, and zones after a place name."""
    g = gazetteer()
    found: dict[int, Division] = {}
    for start, name in g.scan(text):
        d = g.lookup(name, context or text)
        if d:
            found[start] = d
    for m in _ZONE_AT.finditer(text):
        start, zone = _zone_before(text, m.start(), m.group(), context or text)
        if zone:
            for s in [s for s in found if start <= s < m.end()]:
                del found[s]  # the place inside the zone's name
            found[start] = zone
    return sorted(found.items())


def _zone_before(text: str, end: int, suffix: str, context: str) -> tuple[int, Division | None]:
    """(start, zone) of the zone whose name ends with `suffix` at `end`: the longest known place right before it."""
    g = gazetteer()
    for n in range(8, 1, -1):  # a zone of the table by its full name (甲市乙湖新技术开发区), before any place in it
        name = text[max(0, end - n):end] + suffix
        if n <= end and name in g.by_name and g.by_name[name][0].code == "":
            return end - n, g.zone(name, context)
    for n in range(8, 1, -1):
        place = text[max(0, end - n):end]
        if len(place) == n and (place in g.by_name or place in g.by_short):
            return end - n, g.zone(place + suffix, context)
    line_start = max(text.rfind("\n", 0, end), -1) + 1
    lead = text[line_start:end]
    if suffix in ("高新区", "经开区", "经济技术开发区", "开发区") and (not lead or re.fullmatch(r"20\d{2}年度?[,，]?", lead)):
        return end, g.zone(suffix)  # "高新区2024年…", "2024年,高新区…": a zone that names only itself
    return end, None


def _self_levels(text: str) -> Counter[str]:
    """How the report speaks of itself: 我区 (weight 2) / 全区, 本区 (1) counted by the unit's last character."""
    refs: Counter[str] = Counter()
    for m in _SELF_REF.finditer(text[:5000]):
        refs[m.group()[-1]] += 2 if m.group().startswith("我") else 1
    return refs


def _fits(d: Division, refs: Counter[str]) -> bool:
    """A unit fits unless the report clearly speaks as another level (全县 throughout, never 全市)."""
    if max(refs.values(), default=0) < _CLEAR_SELF_REFS:
        return True
    own = refs[d.name[-1]] + (refs["区"] if d.name.endswith(ZONE_SUFFIXES) and d.name[-1] != "区" else 0)
    return own * 2 >= max(refs.values())


def _most_specific(units: list[tuple[int, Division]], refs: Counter[str], strict: bool) -> Division | None:
    """The first unit named, or a later one inside it that fits how the report speaks of itself.

    Outside the title (strict), a unit that does not fit is no answer: "横县在南宁市委领导下" with 全县
    throughout names the county's city, not the report's author.
    """
    if not units:
        return None
    first = units[0][1]
    inner = [d for _, d in units[1:] if d.is_under(first) and _fits(d, refs)]
    if inner and not _fits(first, refs):
        return inner[0]
    return None if strict and not _fits(first, refs) else first


def _named(title: str, body: str, issuer: str, crumbs: str) -> Division | None:
    """The unit the title, opening, issuer lines or breadcrumb name, in that order of trust."""
    refs = _self_levels(body)
    for i, source in enumerate((title, body[:_OPENING_CHARS], issuer, crumbs)):
        found = _most_specific(units_in(source, body[:3000]), refs, strict=i > 0)
        if found:
            return found
    return None


def _most_named(body: str) -> Division | None:
    """Last resort: the unit named most often near the top that fits how the report speaks of itself."""
    refs = _self_levels(body)
    counted = Counter(d for _, d in units_in(body[:3000]) if _fits(d, refs))
    return counted.most_common(1)[0][0] if counted else None


def _year(title: str, body: str, crumbs: str, raw: str) -> int | None:
    for m in _YEAR_AT.finditer(title):
        if not SOFT_YEAR_BEFORE.search(title[max(0, m.start() - 4):m.start()]):
            return int(m.group(1))
    m = _OPENING_YEAR.search(body[:200])
    if m:
        return int(m.group(1))
    for source in (crumbs, body[:1500]):
        years = Counter(int(m.group(1)) for m in _YEAR_AT.finditer(source)
                        if not SOFT_YEAR_BEFORE.search(source[max(0, m.start() - 4):m.start()]))
        if years:
            return years.most_common(1)[0][0]
    dates = [int(m.group(1)) for m in _DATE.finditer(raw[:3000])]
    return min(dates) - 1 if dates else None  # reports are published early in the following year


def _lines_of(raw: str, pattern: re.Pattern[str]) -> str:
    """Short page lines (breadcrumb, source line) near the top of the page that match, folded."""
    lines = (fold(line).strip() for line in raw[:_PAGE_TOP_CHARS].split("\n"))
    return "\n".join(s for s in lines if s and len(s) < 200 and pattern.search(s))


def aliases_for(region: str) -> list[str]:
    """Short names users type: 桂林 for 桂林市, 密云 for 密云区; generic names like 高新区 keep only themselves."""
    if not region:
        return []
    names = [region]
    for suffix in ("自治州", "自治县", "市", "县", "区", "州", "旗"):
        short = region.removesuffix(suffix)
        if short != region and len(short) >= 2 and not region.endswith((*ZONE_SUFFIXES, "实验区")):
            names.append(short)
            break
    return names


def _names(region: str, division: Division | None) -> list[str]:
    """Every form users type for a region: own name, short names, with its city (广州市越秀区)."""
    names = aliases_for(region)
    if division:
        names += [division.full_name, *short_names(division.name)]
        if division.code == "":  # zones: the table's other names (成都高新区), and with the city (青岛西海岸新区)
            names += [n for n, found in gazetteer().by_name.items() if division in found]
            names += [s + division.name for s in short_names(division.parent) if not division.name.startswith(s)]
            names += _zone_stem(division)
    return list(dict.fromkeys(n for n in names if n))


def _zone_stem(division: Division) -> list[str]:
    """The word that tells a zone apart, as staff write it alone: 甲湖 for 甲市甲湖新技术开发区."""
    name = division.name
    for short in (division.parent, *short_names(division.parent)):
        name = name.removeprefix(short) if short else name
    stem = next((name[:-len(s)] for s in ZONE_SUFFIXES if name.endswith(s)), "")
    return [stem] if len(stem) >= 2 and not stem.endswith(ADMIN_SUFFIXES + ZONE_KIND_WORDS) else []


def _placed(fields: dict, division: Division | None) -> dict:
    """Fields derived from the region: path, code, parent, kind, level, aliases (unless given)."""
    if division:
        fields.setdefault("path", list(division.path))
        fields.setdefault("code", division.code)
        fields.setdefault("parent", division.parent)
        fields.setdefault("kind", division.kind)
    fields.setdefault("level", division.level if division else level_of(fields["region"]))
    fields.setdefault("aliases", _names(fold(fields["region"]), division))
    return fields


def extract_meta(text: str, lexicon: Lexicon, sidecar: Path | None = None, raw: str = "") -> ReportMeta:
    """Metadata from the cleaned text (and the page it came from); a sidecar's fields win, derived fields follow
    them."""
    lines = text.split("\n")
    at = _title_index(lines)
    title = re.sub(r"\s+", "", lines[at]) if at >= 0 else ""
    folded_title = fold(title)
    body = fold("\n".join(lines[at + 1:] if at >= 0 else lines))
    tail = "\n".join(fold(line) for line in lines[-6:] if len(line) < 60 and _ISSUER.search(fold(line)))
    issuer = tail + "\n" + _lines_of(raw, re.compile("来源|发布机构|信息来源"))
    crumbs = _lines_of(raw, _BREADCRUMB)
    division = _named(folded_title, body, issuer, crumbs)
    # A unit renamed or merged since (a 2019 report of 横县, now 横州市) is missing from today's codes: its
    # own name in the title or opening beats a parent the text names more often.
    unlisted = "" if division else _fallback_region(folded_title, body, lexicon)
    division = division or (None if unlisted else _most_named(body))
    region = division.name if division else unlisted
    fields: dict = {"title": title, "region": region, "year": _year(folded_title, body, crumbs, raw or text)}
    if sidecar and sidecar.exists():
        fields.update(json.loads(sidecar.read_text(encoding="utf-8")))
        if fields["region"] != region or division is None:
            named_region = fold(fields["region"])
            division = gazetteer().lookup(named_region, body[:3000]) or gazetteer().zone(named_region)
    _placed(fields, division)
    # 甲乙实验区（以下简称“乙区”）: the short name the report gives itself in its opening.
    given = [m.group(1) for m in SHORT_NAME_GIVEN.finditer(body[:_OPENING_CHARS * 2])
             if fields["region"] and body.rfind(fields["region"], 0, m.start()) >= 0
             and m.group(1) not in (*BARE_ZONES, *ZONE_SUFFIXES, *GENERIC_PLACES)]  # not 开发区 alone
    if given:
        fields["aliases"] = list(dict.fromkeys([*fields["aliases"], *given]))
    # 甲高新区（乙区）: one government for a zone and the district it shares; both names find the report.
    twin = _TWIN.search(folded_title)
    named = gazetteer().lookup(twin.group(1), body[:3000]) if twin else None
    if named is not None and named.name != region:
        fields["aliases"] = list(dict.fromkeys([*fields["aliases"], *_names(named.name, named)]))
    if not fields["title"]:
        fields["title"] = f"{fields['region']}{fields['year'] or ''}年法治政府建设情况报告"
    known = ReportMeta.__dataclass_fields__
    return ReportMeta(**{k: v for k, v in fields.items() if k in known})


def _fallback_region(title: str, body: str, lexicon: Lexicon) -> str:
    """A place the gazetteer does not know: the zone whose committee issued it, jieba's place tags, or the name
    where reports put it."""
    committee = ISSUED_BY_COMMITTEE.match(title)
    if committee:
        return committee.group(1)
    for source in (title, body[:400]):
        places = [p.removeprefix("中共") for p in lexicon.places(source) if not p.endswith("省")]
        if places:
            return places[0]
        match = _NAMED_AT.search(source)
        if match:
            return match.group(1)
    return ""


CORRECTABLE = ("title", "region", "year", "level")


def correct(meta: ReportMeta, fields: Mapping[str, object]) -> ReportMeta:
    """The metadata with a user's corrections; a corrected region brings its own path, level and names."""
    changes = {k: v for k, v in fields.items() if k in CORRECTABLE and v not in (None, "")}
    if "region" not in changes or fold(str(changes["region"])) == meta.region:
        return replace(meta, **changes)
    region = re.sub(r"\s+", "", fold(str(changes["region"])))
    units = units_in(region, "\n".join([region, *meta.path]))  # 越秀区, 广州市越秀区, 广东省广州市越秀区
    division = units[-1][1] if units else gazetteer().zone(region)
    derived = _placed({"region": division.name if division else region,
                       **{k: v for k, v in changes.items() if k != "region"}}, division)
    base = {**asdict(meta), "path": [], "code": "", "parent": "", "kind": "", "aliases": []}
    base.pop("level")
    return ReportMeta(**{**base, **derived})


def complete(meta: ReportMeta) -> ReportMeta:
    """A record from a catalog made before paths existed, given its place (level and names kept as stored)."""
    if meta.path or not meta.region:
        return meta
    units = units_in(fold(meta.region))
    if not units:
        return meta
    d = units[-1][1]
    return replace(meta, path=list(d.path), code=d.code, parent=d.parent, kind=d.kind,
                   aliases=list(dict.fromkeys([*meta.aliases, *_names(d.name, d)])))


def metadata_table(metas: Mapping[str, ReportMeta]) -> str:
    """Markdown table, one row per report: source, region path, level, year, title (for the eval report)."""
    rows = ["| 报告 | 地区（省 > 市 > 县/区） | 层级 | 年度 | 标题 |", "|---|---|---|---|---|"]
    for source, m in sorted(metas.items()):
        path = " > ".join(m.path) if m.path else m.region or "（未识别）"
        level = f"{m.level}（{m.kind}）" if m.kind and m.kind != m.level else m.level
        cells = [source, path, level, str(m.year or "（未识别）"), m.title]
        rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(rows)
