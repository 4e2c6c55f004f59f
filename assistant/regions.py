"""Which of the collection's regions a question names: by full or short name, through the hierarchy, or misspelt.

Questions name places the way people speak: 静海 or 天津市静海区, 越秀区 for a report filed as
广州市越秀区, "广州各区" for the districts of 广州市, or 时林县 for 石林县. Matching is conservative: a
real division the collection lacks (海淀区) is never taken for a typo of one it has; it is unknown,
and the caller says what the collection has instead.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import product

from pypinyin import Style, lazy_pinyin, pinyin

from .gazetteer import Division, gazetteer, short_names, usable_short
from .genre import ADMIN_SUFFIXES, BARE_ZONES, UNITS_BELOW, UNITS_BELOW_COUNTY, ZONE_SHORT, ZONE_SUFFIXES
from .normalize import fold
from .records import ReportMeta



@dataclass
class RegionHit:
    region: str  # canonical meta.region of a report in the collection
    typed: str  # the name as the question writes it
    how: str  # exact | short | parent (question names a unit under `region`) | child (names a unit above it) | pinyin
    # (misspelt or shortened) | bare (高新区 without its place: the collection's only one)
    start: int  # where `typed` starts in the folded question


def _full(meta: ReportMeta) -> str:
    """广州市越秀区 for a report on 越秀区 of 广东省 > 广州市 (the form titles and users write)."""
    p = meta.path
    if len(p) >= 3 and not meta.region.startswith(p[-2][:2]):
        return p[-2] + meta.region
    if len(p) == 2 and not p[0].endswith(("省", "自治区")):
        return p[0] + meta.region
    return ""


Names = dict[str, tuple[frozenset[str], str]]  # name -> (regions, how)


def _names(metas: Mapping[str, ReportMeta]) -> tuple[Names, dict[tuple[str, ...], list[str]]]:
    """Every name of every region in the collection -> (regions, how), and the names by sound.

    Built once per collection state: with thousands of reports, the pinyin of every name would
    otherwise be computed again for each question.
    """
    return _names_of(tuple(sorted({(m.region, tuple(m.aliases), tuple(m.path)) for m in metas.values() if m.region})))


@lru_cache(maxsize=8)
def _names_of(regions: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]
              ) -> tuple[Names, dict[tuple[str, ...], list[str]]]:
    g = gazetteer()
    found: dict[str, tuple[set[str], str]] = {}
    for region, aliases, path in regions:
        full = {fold(region), _full(ReportMeta(title="", region=region, year=None, level="", path=list(path)))}
        for name in [*full, *map(fold, aliases), *short_names(region)]:
            if name and len(name) >= 2:
                how = "exact" if name in full or g.is_division(name) or name.endswith(ZONE_SUFFIXES) else "short"
                found.setdefault(name, (set(), how))[0].add(region)
    names = {name: (frozenset(rs), how) for name, (rs, how) in found.items()}
    by_sound: dict[tuple[str, ...], list[str]] = {}
    for name in names:
        by_sound.setdefault(_sound(name), []).append(name)
    return names, by_sound


def _spans(q: str, names: Mapping[str, object]) -> list[tuple[int, str]]:
    """Non-overlapping (start, name), longest name first at each position, left to right."""
    lengths = sorted({len(n) for n in names}, reverse=True)
    found, i = [], 0
    while i < len(q):
        for n in lengths:
            if q[i:i + n] in names:
                found.append((i, q[i:i + n]))
                i += n - 1
                break
        i += 1
    return found


def _free(taken: list[tuple[int, int]], start: int, end: int) -> bool:
    return all(end <= s or start >= e for s, e in taken)


def _places_named(q: str) -> list[tuple[int, str, Division]]:
    """Real divisions the question names: full names anywhere, short ones that are not everyday words."""
    g = gazetteer()
    found = [(s, n, g.lookup(n, q)) for s, n in g.scan(q)]
    taken = [(s, s + len(n)) for s, n, _ in found]
    township = (*UNITS_BELOW_COUNTY, "村")  # 甲门镇: a township's name, not the 甲门县 it begins like
    for s, n in _spans(q, g.by_short):
        if _free(taken, s, s + len(n)) and usable_short(n) and not q.startswith(township, s + len(n)):
            d = max(g.by_short[n], key=lambda d: -len(d.path))  # the higher unit: 朝阳 names a district, 广州 a city
            found.append((s, n, d))
    return sorted((s, n, d) for s, n, d in found if d is not None)


def find(text: str, metas: Mapping[str, ReportMeta]) -> list[RegionHit]:
    """The collection's regions a question names, each with how it was recognized, in question order."""
    q = fold(text)
    names, by_sound = _names(metas)
    hits: list[RegionHit] = []
    taken: list[tuple[int, int]] = []
    for start, name in _spans(q, names):
        regions, how = names[name]
        after = q[start + len(name):start + len(name) + 5]
        below = sorted({m.region for m in metas.values() if set(regions) & set(m.path[:-1])})
        if below and after.startswith(UNITS_BELOW):  # 广州各区: the districts, not the city's own report
            hits += [RegionHit(r, name, "child", start) for r in below]
        else:
            # 甲彝族自治洲 / 甲自冶区: the short name, then the rest of one region's full name slipped by a
            # sound-alike or one other character (of a rest of three or more, its last kept); that region is meant.
            slipped = [r for r in sorted(regions) if len(r) > len(name) and r.startswith(name)
                       and q[start:start + len(r)] != r and (_sound(q[start:start + len(r)]) == _sound(r) or (
                           len(r) - len(name) >= 3 and q[start + len(r) - 1:start + len(r)] == r[-1]
                           and sum(a != b for a, b in zip(q[start:start + len(r)], r)) == 1))
                       and (len(r) - len(name) > 1 or _ends_a_word(q, start + len(r)))]
            # (甲南去年 is 甲南 + 去年, not 甲南区 slipped: a one-character slip must end where the name would)
            if slipped:
                name = q[start:start + len(slipped[0])]
                hits.append(RegionHit(slipped[0], name, "pinyin", start))
            else:
                hits += [RegionHit(r, name, how, start) for r in sorted(regions)]
        taken.append((start, start + len(name)))
    for start, typed, region in _abbreviated(q, names, taken, {m.region: m.path for m in metas.values()}):
        hits.append(RegionHit(region, typed, "pinyin", start))
    # 甲乙高心区: a collection name slipped by a sound-alike goes before the real city its first word names
    for start, typed, region in _misspelt(q, names, by_sound, taken):
        hits.append(RegionHit(region, typed, "pinyin", start))
    for start, typed, division in _places_named(q):
        if not _free(taken, start, start + len(typed)):
            continue
        related = _related(division, typed, q[start + len(typed):start + len(typed) + 5], metas)
        if related:
            hits += [RegionHit(r, typed, how, start) for r, how in related]
            taken.append((start, start + len(typed)))
    if not hits:
        hits = _bare_zone(q, metas)
    return _without_written_parents(sorted(hits, key=lambda h: (h.start, h.region)), metas)


def _bare_zone(q: str, metas: Mapping[str, ReportMeta]) -> list[RegionHit]:
    """高新区 / 开发区 named without its place: the collection's only zone of that kind (none when it has two,
    nor when the question names a place: 乙市高新区 is another zone)."""
    if _places_named(q) or gazetteer().scan(q):
        return []
    for word in BARE_ZONES:
        at = q.find(word)
        if at < 0 or q[at + len(word):at + len(word) + 1] == "域":  # 开发区域 is no zone
            continue
        zones = {m.region for m in metas.values() if m.region and any(
            n.endswith(word) for name in (m.region, *m.aliases) for n in _zone_forms(fold(name)))}
        if len(zones) == 1:
            return [RegionHit(zones.pop(), word, "bare", at)]
    return []


def _zone_forms(name: str) -> set[str]:
    """A zone's name as written and with its suffix shortened (甲高新技术产业开发区 -> 甲高新区)."""
    return {name} | {name[:-len(long)] + short for long, short in ZONE_SHORT if name.endswith(long)}


def _ends_a_word(q: str, at: int) -> bool:
    """No Chinese character follows at `at`: a slipped last character ends the name there (甲北新曲23年), it does
    not begin the next word (the 去 of 甲南去年)."""
    return not "\u4e00" <= q[at:at + 1] <= "\u9fff"


_YEAR_AFTER = re.compile(r"(?:20)?\d{2}年")  # 甲厦23年: where a place name stands before its year


def _abbreviated(q: str, names: Names, taken: list[tuple[int, int]], paths: Mapping[str, Sequence[str]]
                 ) -> list[tuple[int, str, str]]:
    """(start, typed, region) for a long name typed short: 甲开发区 / 甲开区 for 甲经济技术开发区.

    The typed name keeps the first and last characters of the region's name and at least one more, in order;
    it is no name of the collection and names no real division but the region's own parents (甲滨海新区 is
    another place than 甲滨海高新技术产业开发区, 甲市区 is no 甲市浦东新区).
    """
    g = gazetteer()
    found: list[tuple[int, str, str]] = []
    for name, (regions, _) in sorted(names.items(), key=lambda x: -len(x[0])):
        if len(name) < 5 or len(regions) != 1:
            continue
        region = next(iter(regions))
        for i in (i for i, c in enumerate(q) if c == name[0]):
            for n in range(len(name) - 1, 2, -1):
                window = q[i:i + n]
                if (len(window) == n and window[-1] == name[-1] and _free(taken, i, i + n) and window not in names
                        and _in_order(window, name) and not g.is_division(window)
                        and all(d.name in paths.get(region, ()) for _, _, d in _places_named(window))):
                    found.append((i, window, region))
                    taken.append((i, i + n))
                    break
    return found


def _in_order(short: str, name: str) -> bool:
    rest = iter(name)
    return all(c in rest for c in short)


def _without_written_parents(hits: list[RegionHit], metas: Mapping[str, ReportMeta]) -> list[RegionHit]:
    """昆明石林县 names one report: a place written right before a unit under it only locates that unit."""
    paths = {m.region: m.path for m in metas.values()}
    return [h for h in hits if not any(
        o.start == h.start + len(h.typed) and o.how != "child"
        and (h.region in paths.get(o.region, [])[:-1] or (h.how == "child" and h.region == o.region)) for o in hits)]


def asks_below(q: str, hit: RegionHit) -> bool:
    """True when the question asks about the units under the place it names (广州各区, 北京市下辖各区)."""
    return q[hit.start + len(hit.typed):hit.start + len(hit.typed) + 5].startswith(UNITS_BELOW)


def _related(division: Division, typed: str, after: str, metas: Mapping[str, ReportMeta]) -> list[tuple[str, str]]:
    """Reports above (parent) or below (child) a named unit that has no report of its own."""
    name = division.name
    below = sorted({m.region for m in metas.values() if name in m.path[:-1]})
    if below and (after.startswith(UNITS_BELOW) or not any(m.region == name for m in metas.values())):
        return [(r, "child") for r in below]
    above = [m for m in metas.values() if m.region and m.region in division.path[:-1] and m.path
             and division.path[:len(m.path)] == tuple(m.path)]
    if above:
        nearest = max(above, key=lambda m: len(m.path))
        return [(nearest.region, "parent")]
    return []


def unknown(text: str, metas: Mapping[str, ReportMeta]) -> list[str]:
    """Real divisions the question names that neither the collection nor its hierarchy holds."""
    q = fold(text)
    hit_spans = [(h.start, h.start + len(h.typed)) for h in find(text, metas)]
    held = {name for m in metas.values() for name in (m.region, *m.path)}
    return list(dict.fromkeys(d.name for s, n, d in _places_named(q)
                              if _free(hit_spans, s, s + len(n)) and d.name not in held))


def nearby(place: str, metas: Mapping[str, ReportMeta]) -> list[str]:
    """What the collection has near a real division it lacks: units under the same parent, else the same province."""
    d = gazetteer().lookup(place)
    if d is None:
        return []
    for depth in (len(d.path) - 1, 1):
        if depth < 1:
            continue
        prefix = list(d.path[:depth])
        near = sorted({_full(m) or m.region for m in metas.values() if m.path[:depth] == prefix and m.region != d.name})
        if near:
            return near
    return []


def _canonical(syllable: str) -> str:
    """A syllable with the sounds people confuse merged: zh/z, ch/c, sh/s, l/n, f/h, -ang/-an, -eng/-en, -ing/-in."""
    for x, y in (("zh", "z"), ("ch", "c"), ("sh", "s")):
        if syllable.startswith(x):
            syllable = y + syllable[len(x):]
    if syllable[:1] in ("l", "f"):
        syllable = {"l": "n", "f": "h"}[syllable[0]] + syllable[1:]
    for x, y in (("ang", "an"), ("eng", "en"), ("ing", "in")):
        if syllable.endswith(x):
            syllable = syllable[: -len(x)] + y
    return syllable


@lru_cache(maxsize=8192)
def _sound(text: str) -> tuple[str, ...]:
    return tuple(_canonical(s) for s in lazy_pinyin(text))


@lru_cache(maxsize=8192)
def _sounds(text: str) -> frozenset[tuple[str, ...]]:
    """Every way a typed text may sound: 长 is read zhang or chang (甲心县 for 甲兴县), at most 16 readings."""
    readings = [sorted({_canonical(r) for r in rs})[:4] for rs in pinyin(text, style=Style.NORMAL, heteronym=True)]
    found = {_sound(text)}
    for combo in product(*readings):
        if len(found) >= 16:
            break
        found.add(tuple(combo))
    return frozenset(found)


def _misspelt(q: str, names: Names, by_sound: dict[tuple[str, ...], list[str]], taken: list[tuple[int, int]]
              ) -> list[tuple[int, str, str]]:
    """(start, typed, region) for collection names typed with homophones or near-homophones (时林县 for 石林县).

    A window counts only when it is no real division name (海淀区 stays unknown) nor an everyday
    word, sounds like the name, keeps its suffix, and differs in at most half its characters.
    """
    g = gazetteer()
    lengths = sorted({len(n) for n in names if len(n) >= 2}, reverse=True)
    found: list[tuple[int, str, str]] = []
    for i in range(len(q)):
        for n in lengths:
            window = q[i:i + n]
            if len(window) < n or not _free(taken, i, i + n) or not all("\u4e00" <= c <= "\u9fff" for c in window):
                continue
            if g.is_division(window) or window in g.by_short or not usable_short(window) and n == 2:
                continue
            # Other readings of a character (长: zhang/chang, 厦: sha/xia) only for a name typed with its suffix
            # (甲心县) or right before a year (甲厦23年): 增长了 must not sound like a 长乐区.
            placed = n >= 3 and window.endswith(ADMIN_SUFFIXES) or bool(_YEAR_AFTER.match(q, i + n))
            sounds = _sounds(window) if placed else {_sound(window)}
            for name in dict.fromkeys(n for sound in sounds for n in by_sound.get(sound, [])):
                diff = sum(a != b for a, b in zip(window, name))
                # 甲北新曲23年 for 甲北新区: the suffix typed as its homophone, the window ending where the name
                # would (not the 去 of 甲南去年)
                suffix_slip = window[:-1] == name[:-1] and _sound(window) == _sound(name) and _ends_a_word(q, i + n)
                if 0 < diff <= max(1, n // 2) and (window[-1] == name[-1] or not name.endswith(ADMIN_SUFFIXES)
                                                   or suffix_slip):
                    regions, _ = names[name]
                    found += [(i, window, r) for r in sorted(regions)]
                    taken.append((i, i + n))
                    break
    return found
