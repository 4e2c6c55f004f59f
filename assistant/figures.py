"""Figures as data: every number a report states, with what it counts, read by rules at ingest.

A figure is a value with its unit (761宗, 1.26%, 3.41亿元, 1.99万余条), the indicator it measures
(the noun phrase before it, or after it in "组织4597名行政执法人员"), qualifiers that decide
whether two figures may be compared (全市; 累计/新增; 收到/受理/审结/办理; 同比增长), the period and
the sentence it stands in. Rules read a same-length folded copy of the text (traditional ->
simplified, full -> half width), so every span indexes the original text and quotes stay verbatim.

Figures live in their own table of the catalog database, written after each ingest batch and by
reindex; `compare.py` reads them. No model is needed: the rules are the genre's (genre.py).
"""
from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .genre import (ARABIC_NUMBER, CN_FIGURE_UNITS, FIGURE_CHANGE, FIGURE_CUMULATIVE, FIGURE_SCOPES, FIGURE_STAGES,
                    FIGURE_UNITS, SOFT_YEAR_BEFORE, TARGET_QUALIFIER, TARGET_STATED)
from .normalize import fold, sentence_spans
from .records import Chunk, Document

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_SMALL = {"十": 10, "百": 100, "千": 1000}
_CN_BIG = {"万": 1e4, "亿": 1e8}
_UNIT = "|".join(re.escape(u) for u in sorted(FIGURE_UNITS, key=len, reverse=True))
_CN_UNIT = "|".join(re.escape(u) for u in sorted(CN_FIGURE_UNITS, key=len, reverse=True))
# 761宗 / 1.99万余条 / 1万4千余宗 / 超793万人 / 30%以上 / 100%全覆盖
_ARABIC = re.compile(
    rf"(?P<pre>超过|超|近|约|逾)?(?P<num>(?:{ARABIC_NUMBER})(?:[万亿千](?:\d+(?:\.\d+)?[千百])?)?)"
    rf"(?P<approx>余|多)?(?P<mult>[万亿])?(?P<unit>{_UNIT})?(?P<post>以上|左右|以下|以内|全覆盖)?")
_CHINESE = re.compile(rf"(?P<num>[一二两三四五六七八九十百千万]+)(?P<approx>余|多)?(?P<unit>{_CN_UNIT})")
_ZERO = re.compile(r"(?<=率为)零|(?<=率)为零")
_OPEN_QUOTES, _CLOSE_QUOTES = "“‘《「『\"", "”’》」』\""
_CLAUSE_BREAK = "，,；;：:、。！？!?\n"
_NOT_AFTER = re.compile(r"^(?:[年月日号时点岁\-/:.+~～—]|\d|[a-zA-Z])")
_NOT_BEFORE = re.compile(r"(?:第|[\d.\-/+]|[a-zA-Z])$")
_LEAD = re.compile(r"^(?:[(（]?其中[:：]?|同时|目前|现已|当前|截至目前|截止目前|截至\d{4}年(?:\d{1,2}月)?(?:月)?(?:底|末)?|"
                   r"\d{4}年?(?:\d{1,2}(?:至\d{1,2})?月)?(?:以来|底|末|度|全年)?|全年|当年|年内|今年|共计|合计|总计|共|"
                   r"先后|已|均|还|并|分别|另|对|从|向|在|将|进一步|有效|累计|新增|实现|达到|组织|完成|推动|"
                   r"各(?:乡镇|部门|单位|级|地|县|区|市|镇|街道)(?:[(（][^)）]{1,6}[)）])?、?|我市|我县|我区|我州|本市(?!级)|本县(?!级)|本区(?!级)|"
                   + "|".join(FIGURE_SCOPES) + ")")
_TRAIL = re.compile(r"(?:为|达到|达|是|约|超过|超|近|逾|均为|分别为|保持|继续|共计|合计|总计|共|累计|有|的|实现|数量|总数)$")
# A subject or an enumeration before what is counted: [交通运输部门共]查处违法案件, [12345热线等各类]诉求单.
_SUBJECT = re.compile(r"^.+?(?<![公总])共(?:计)?(?![同享建治和])(?=..)|^.+等各类(?=..)")
# Measure words that count the noun after them: 4597名[行政执法人员], 33个[县级行政执法单位].
_COUNTING = frozenset("个 名 家 项 支 户 部 份 所 台 辆 套 篇 张 条 件 宗 处 座".split())
# Words after a stage verb that make it part of a noun: 办理时限, 办结率.
_STAGE_NOUN = re.compile(r"^(?:率|时限|时间|天数|量|时长|效率|期限)")
_AFTER_NOUN_STOP = re.compile(r"参加|参与|进行|组成|组建|建立|实行|实施|纳入|接受|开展|结对|与|在|为|实现|被|获|适用|依法|及其|"
                              r"下放|列入|入围|落实|全覆盖|覆盖|集中|追回|研究|公布|顺利|的|和|、|及|等|均|全部|已|将|从")
_PERIOD = re.compile(r"截至\d{4}年\d{1,2}月(?:月)?(?:底|末)?|截止\d{4}年\d{1,2}月(?:底|末)?|截至目前|截至\d{4}年底|"
                     r"\d{4}年\d{1,2}(?:至\d{1,2})?月|\d{4}年(?:以来|底|末|度)?")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS figures (
    source TEXT NOT NULL, ord INTEGER NOT NULL, start INTEGER, end INTEGER, sent_start INTEGER, sent_end INTEGER,
    indicator TEXT, ind_key TEXT, value REAL, unit TEXT, qualifier TEXT, stage TEXT, change TEXT, period TEXT,
    wording TEXT, chunk_id TEXT, section TEXT, PRIMARY KEY (source, ord));
CREATE INDEX IF NOT EXISTS figures_source ON figures(source);
"""
_COLUMNS = ("source", "ord", "start", "end", "sent_start", "sent_end", "indicator", "ind_key", "value", "unit",
            "qualifier", "stage", "change", "period", "wording", "chunk_id", "section")


@dataclass
class Figure:
    """One stated figure. `value` is in the base unit (万/亿 applied); `wording` is the report's own text."""

    source: str
    start: int  # span of the wording in Document.text
    end: int
    sent_start: int  # span of the sentence it stands in
    sent_end: int
    indicator: str  # noun phrase it measures, original script ("" when the text names none)
    value: float
    unit: str  # 件 宗 人次 % 个百分点 元 ... ("" for a bare number in a list)
    qualifier: str = ""  # "、"-joined: scope, 累计/新增, stage word, change (同比增长), 全覆盖 / 余 / 以上
    stage: str = ""  # 收到 / 受理 / 审结 / 办理: never compared across stages
    change: str = ""  # the change word when the figure is a change, not a level
    period: str = ""
    wording: str = ""
    chunk_id: str = ""
    section: str = ""
    ord: int = 0
    ind_key: str = field(default="", repr=False)  # folded indicator, what queries match

    def row(self) -> tuple:
        return tuple(getattr(self, c) for c in _COLUMNS)


def same_length_fold(text: str) -> str:
    """fold() character by character where folding changes the length, so offsets stay valid."""
    folded = fold(text)
    if len(folded) == len(text):
        return folded
    return "".join(f if len(f := fold(c)) == 1 else c for c in text)


def parse_number(text: str) -> float:
    """Arabic, Chinese or mixed numerals: 761, 3,126, 1.99万, 1万4千, 二十, 两百."""
    total, section, num = 0.0, 0.0, None
    for tok in re.findall(r"\d+(?:\.\d+)?|.", re.sub(r"(?<=\d),(?=\d{3})", "", text)):
        if tok[0].isdigit():
            num = float(tok)
        elif tok in _CN_DIGITS:
            num = float(_CN_DIGITS[tok])
        elif tok in _CN_SMALL:
            section += (1.0 if num is None else num) * _CN_SMALL[tok]
            num = None
        elif tok in _CN_BIG:
            total = (total + section + (num or 0.0)) * _CN_BIG[tok]
            section, num = 0.0, None
    return total + section + (num or 0.0)


def _quoted(sentence: str) -> list[bool]:
    """For each character, whether it stands inside quotes or a 《title》 (names, not figures)."""
    depth, inside = 0, []
    for ch in sentence:
        if ch in _CLOSE_QUOTES and depth:  # '"' closes when open, else opens
            depth -= 1
            inside.append(True)
            continue
        if ch in _OPEN_QUOTES:
            depth += 1
        inside.append(depth > 0)
    return inside


def _clause_start(sentence: str, pos: int, floor: int, inside: list[bool]) -> int:
    """Where the words about the number at `pos` begin: after the last clause mark, or after the previous
    figure. 、 separates list items only right after a figure (9件、23件), not in 县、乡、村三级."""
    for i in range(pos - 1, floor - 1, -1):
        if sentence[i] in _CLAUSE_BREAK and not inside[i] and (sentence[i] != "、" or (floor and i == floor)):
            return i + 1
    return floor


def _clean_before(phrase: str) -> tuple[str, list[str], str, str]:
    """(indicator, qualifiers, stage, change) from the words between a clause's start and its number."""
    quals: list[str] = []
    stage = change = ""
    while True:
        m = _LEAD.match(phrase)
        if not m or not m.group():
            break
        word = m.group()
        if word in FIGURE_SCOPES or word in FIGURE_CUMULATIVE:
            quals.append(word)
        phrase = phrase[m.end():]
    for word in sorted(FIGURE_STAGES, key=len, reverse=True):
        if phrase.startswith(word) and not _STAGE_NOUN.match(phrase[len(word):]):
            stage, phrase = word, phrase[len(word):]
            break
        if phrase.endswith(word) and len(phrase) > len(word):
            stage, phrase = word, re.sub(r"(?:共|累计|共计)$", "", phrase[:-len(word)])
            break
    for _ in range(3):
        m = FIGURE_CHANGE.search(phrase) if not change else None
        if m and m.group():
            change = m.group()
            phrase = phrase[:m.start()]
            continue
        m = _TRAIL.search(phrase)
        if not m or not m.group():
            break
        phrase = phrase[:m.start()]
    phrase = _SUBJECT.sub("", phrase)
    return phrase.strip(), quals, stage, change


def _after_noun(text: str) -> str:
    """The noun a figure counts when it follows the number: 4597名[行政执法人员]参加…, 5份…的[规范性文件]"""
    m = re.match(r"[^\s\d，,；;：:。！？!?]{1,30}", text)
    if not m:
        return ""
    noun = m.group()
    stop = _AFTER_NOUN_STOP.search(noun, 1)
    if stop and stop.group() == "的":
        rest = _after_noun(noun[stop.end():])
        if len(rest) >= 2:
            return noun[:stop.end()] + rest
    return noun[:stop.start()] if stop else noun


def _period(sentence: str, upto: int, year: int | None) -> str:
    found = ""
    for m in _PERIOD.finditer(sentence, 0, upto):
        if not SOFT_YEAR_BEFORE.search(sentence[:m.start()]) or m.group().startswith("截"):
            found = m.group()
    return found or (f"{year}年" if year else "")


def _matches(sentence: str) -> list[tuple[int, int, float, str, str, str, str]]:
    """(start, end, value, unit, approx words, pre word, post word) of the candidate numbers in a sentence."""
    inside = _quoted(sentence)
    found = []
    for m in _ARABIC.finditer(sentence):
        s, e = m.start("num"), m.end()
        if inside[s] or _NOT_BEFORE.search(sentence[:s]) or _NOT_AFTER.match(sentence[m.end("num"):]):
            continue
        num, unit = m.group("num"), m.group("unit") or ""
        if not unit:
            after = sentence[m.end():m.end() + 1]
            before = sentence[s - 1:s]
            if (m.group("approx") or m.group("mult") or after not in "、，,；;。"
                    or not re.match(r"[\u4e00-\u9fff”]", before or "x")):
                continue  # a bare number counts only in a list after its noun: 法治文艺晚会376、
        value = parse_number(num) * (1e4 if m.group("mult") == "万" else 1e8 if m.group("mult") else 1)
        found.append((m.start() if m.group("pre") else s, e, value, unit, m.group("approx") or "",
                      m.group("pre") or "", m.group("post") or ""))
    for m in _CHINESE.finditer(sentence):
        s = m.start()
        if inside[s] or re.search(r"[第每逐唯周一\d]$", sentence[:s]) or m.group("num") == "一":
            continue
        if m.group("unit") == "次" and sentence[m.end():m.end() + 1] not in "，,；;。、":
            continue  # 二次开发, 三次创业: names, not counts
        found.append((s, m.end(), parse_number(m.group("num")), m.group("unit"), m.group("approx") or "", "", ""))
    for m in _ZERO.finditer(sentence):
        if not inside[m.start()]:
            found.append((m.end() - 1, m.end(), 0.0, "%", "", "", ""))
    found.sort()
    return [f for i, f in enumerate(found) if not i or f[0] >= found[i - 1][1]]


def extract(doc: Document, chunks: Sequence[Chunk] = ()) -> list[Figure]:
    """Every figure of a report, in text order, each tied to the chunk (passage) that holds its sentence."""
    text = doc.text
    folded = same_length_fold(text)
    bounds = [(c.start, c.end, c.id, c.section) for c in chunks]
    figures: list[Figure] = []
    for s0, e0 in sentence_spans(folded):
        sentence = folded[s0:e0]
        inside = _quoted(sentence)
        previous: Figure | None = None
        prev_end = 0
        for start, end, value, unit, approx, pre, post in _matches(sentence):
            begin = _clause_start(sentence, start, prev_end, inside)
            indicator, quals, stage, change = _clean_before(sentence[begin:start])
            follows = sentence[end:end + 1]
            if follows == "的" or (unit in _COUNTING and follows and follows not in _CLAUSE_BREAK + "（）()"):
                rest = sentence[end + (follows == "的"):]
                noun = re.match(r"[^，,；;：:。！？!?]{0,20}", rest).group() if follows == "的" else _after_noun(rest)
                if len(noun) >= 2:
                    indicator = (indicator + noun) if follows == "的" else noun
            if not indicator and previous is not None:
                indicator = previous.ind_key
                quals = quals or [q for q in previous.qualifier.split("、") if q in FIGURE_SCOPES]
            # 力争A达到100%，B控制在5%以内: the 力争 governs the clauses after it in its sentence
            target = TARGET_QUALIFIER if TARGET_STATED.search(sentence[:start]) else ""
            words = quals + [stage, change, pre, approx, post, target]
            chunk_id, section = next(((cid, sec) for cs, ce, cid, sec in bounds if cs <= s0 + start < ce), ("", ""))
            figure = Figure(
                source=doc.source, start=s0 + start, end=s0 + end, sent_start=s0, sent_end=e0,
                indicator=_original(text, folded, indicator, s0, s0 + start, e0), value=value, unit=_base_unit(unit),
                stage=FIGURE_STAGES.get(stage, ""), change=change, qualifier="、".join(w for w in words if w),
                period=_period(sentence, start, doc.meta.year),
                wording=text[s0 + start:s0 + end], chunk_id=chunk_id, section=section, ord=len(figures),
                ind_key=indicator)
            figures.append(figure)
            previous, prev_end = figure, end
    return figures


def _base_unit(unit: str) -> str:
    return {"百分点": "个百分点"}.get(unit, unit)


def _original(text: str, folded: str, phrase: str, start: int, number: int, end: int) -> str:
    """A folded phrase in the report's own script: its last occurrence before the number (else in the sentence);
    a phrase joined from two places (…的 + noun) stays folded."""
    pos = folded.rfind(phrase, start, number) if phrase else -1
    if pos == -1 and phrase:
        pos = folded.find(phrase, start, end)
    return text[pos:pos + len(phrase)] if pos != -1 else phrase


class FigureStore:
    """The `figures` table of the catalog database (catalog.sqlite3 in the store directory)."""

    def __init__(self, store_dir: str | Path) -> None:
        self.path = Path(store_dir) / "catalog.sqlite3"
        self._local = threading.local()
        with self._db() as db:
            db.executescript(_SCHEMA)

    def _db(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=60)
            conn.execute("PRAGMA journal_mode=WAL")
            self._local.conn = conn
        return conn

    def replace(self, items: Iterable[tuple[Document, Sequence[Chunk]]]) -> int:
        """Extract and store the figures of these documents, replacing what they had; returns how many."""
        rows, sources = [], []
        for doc, chunks in items:
            sources.append(doc.source)
            rows.extend(f.row() for f in extract(doc, chunks))
        db = self._db()
        with db:
            db.executemany("DELETE FROM figures WHERE source=?", [(s,) for s in sources])
            db.executemany(f"INSERT INTO figures({','.join(_COLUMNS)}) VALUES ({','.join('?' * len(_COLUMNS))})",
                           rows)
        return len(rows)

    def query(self, where: str = "", args: Sequence[object] = ()) -> list[Figure]:
        """Figures of documents still in the catalog, matching an SQL condition on the figures table."""
        sql = (f"SELECT {','.join('f.' + c for c in _COLUMNS)} FROM figures f JOIN documents d ON d.source=f.source"
               + (f" WHERE {where}" if where else "") + " ORDER BY f.source, f.ord")
        return [Figure(**dict(zip(_COLUMNS, r))) for r in self._db().execute(sql, list(args))]

    def phrases(self, where: str, args: Sequence[object], limit: int) -> list[str]:
        """Distinct indicator phrases (folded) matching a condition, the most used first."""
        sql = (f"SELECT f.ind_key FROM figures f JOIN documents d ON d.source=f.source "
               f"WHERE {where} AND f.ind_key != '' GROUP BY f.ind_key ORDER BY COUNT(*) DESC LIMIT ?")
        return [r[0] for r in self._db().execute(sql, [*args, limit])]

    def count(self) -> int:
        return self._db().execute("SELECT COUNT(*) FROM figures").fetchone()[0]

    def prune(self) -> int:
        """Delete the figures of reports no longer in the catalog (removed ones); returns how many."""
        db = self._db()
        with db:
            return db.execute("DELETE FROM figures WHERE source NOT IN (SELECT source FROM documents)").rowcount


def store_figures(store_dir: str | Path, items: Iterable[tuple[Document, Sequence[Chunk]]]) -> int:
    """The ingest hook: figures of freshly written documents go into the catalog."""
    return FigureStore(store_dir).replace(items)
