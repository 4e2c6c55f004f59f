"""Evidence: the report sentences that answer a question, scored, picked, cited, or none.

A sentence answers when it covers the question's key terms, weighted by how rare each term is in
the collection. A key term that the report being asked about never uses counts against the answer
with extra weight: that is what makes a question about a figure the report does not hold fall
below the threshold instead of being answered with a neighbouring fact. A term the asker phrased
in words the collection never uses is looked up by meaning (meaning.py): a sentence holding one of
its nearest collection terms earns that term's weight, scaled by how near it is.

A figure question is answered only by a sentence whose figure is of the kind asked: its measure
word (人 vs 次), and its qualifier (累计 vs 新增, 收到 vs 审结) must not contradict the question's.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..genre import (ARABIC_NUMBER, CHANGE_STATED, COUNTED_NOUNS, EXCLUSIVE_QUALIFIERS, FIGURE_CHANGE, FIGURE_STOCK,
                     GOES_ON, HEADCOUNT_Q, HOW_MANY, LAST_LEVEL, LAST_YEAR_WORDS, LIGHT_WORDS, NONE_BEFORE, PART_CLAUSE,
                     PARTICIPANTS, QUALIFIER_GROUPS, QUALIFIER_WORDS, RATE_ENDS, RATE_FIGURE, RATE_MODIFIERS, RATE_WORD,
                     SINCE_LAST_YEAR_Q, SUBUNIT_NAMED, TARGET_BEFORE, UNITS_BELOW_COUNTY, WHOLE_ASKED)
from ..load import TABLE_CELL
from ..normalize import fold, sentence_spans
from ..records import Chunk, Citation, Passage

_DIGIT = re.compile(r"\d|[一二两三四五六七八九十百千万亿]+[个项次件家名人条起批所支场期年]")
# A word the collection never uses is more often the asker's phrasing than a missing concept ...
UNKNOWN_WEIGHT = 1.5
UNKNOWN_WEIGHT_LONG = 4.0  # ... unless it is a compound noun (生产总值, 纠错率): that names a missing concept
# ... while a word other reports use but this report never does is evidence the answer is not there.
ABSENT_FACTOR = 1.5
CONTEXT_FACTOR = 0.5
LEAD_CREDIT = 0.8  # a term in the clauses before a sentence, up to its ；, counts this much
_LIST_CONTINUE = 3
_CLAUSE_END = re.compile(r"[，；;]|,(?!(?<=\d,)\d{3}(?!\d))")  # not the , of 1,208件
_NOT_COUNTS = ("share", "money", "days", "years", "extent")
_CASE_STAGES = ("received", "accepted", "concluded")  # qualifiers that only cases have
_COUNTS = ("people", "headcount", "cases", "money", "events")  # counts (not shares): told apart by their subject
_CONTINUES = re.compile(r"其中|同比|环比|较|比|占|分别|均|全部|共计|合计")  # a clause going on about the one before
_RATE_WINDOW = 14  # characters after a rate word in which its figure stands (纠错率较上年下降2.1个百分点)
# A share labelled by a rate right before it (纠错率10.6% / 结案率为96.6%): that rate's figure.
_OTHER_RATE = re.compile(f"(?:{'|'.join(RATE_ENDS)})(?:为|是|达|达到)?$")
_SURE = 0.9  # similarity of a genre equivalence (发 -> 制发): one that can stand for the counted term itself
_CHANGE_WINDOW = 30  # characters before a change in which what changed is named (收到行政复议申请4381件，同比增长)
_HEAD_WINDOW = 24  # characters after the counted term in which its figure stands (小程序,目前全县累计使用人数5000人)
# Measure words of a figure, by what they count; a question asking 多少人 is not answered by 20场.
MEASURES: dict[str, str] = {
    **dict.fromkeys("人名位", "people"), "人次": "people",
    **dict.fromkeys(["件", "宗", "起", "件次", "宗次", "份", "张"], "cases"),  # 审查文件326件 answers 多少份
    **dict.fromkeys(["次", "场", "期", "轮", "场次", "批次", "趟"], "events"),  # 几回 counts anything (输了几回: 败诉N件)
    **dict.fromkeys(["%", "个百分点", "百分点"], "share"),
    **dict.fromkeys(["元", "万元", "亿元"], "money"),
    "年": "years",  # 连续三年 answers 连着降了几年
    **dict.fromkeys("项条部", "count"),  # 建了多少个 / 多少条 is not answered by 覆盖率100%
    **dict.fromkeys("所支台套处座", "units"),  # 多少所学校 is not answered by 活动138场 nor 9.1万人次
    **dict.fromkeys(["天", "工作日", "个工作日"], "days"),  # 平均审理多少天 is not answered by 25件 (日: 12月31日)
    **dict.fromkeys(["公里", "平方公里", "亩"], "extent"),  # 测试道路多少公里 is not answered by 1,125张
    **dict.fromkeys(["家", "户", "家次", "户次"], "entities"),  # 检查企业多少户 is not answered by 231卷
}
# A figure: arabic (or Chinese numerals with a measure word), magnitude, 余/多, then its measure word.
_FIGURE = re.compile(rf"((?:{ARABIC_NUMBER})(?:万\d+千)?|(?<![上前下这那每近第同])[一二两三四五六七八九十百千]+(?=[余多万亿]?[个项次件家名人条起批所支场期天套台辆张户年]))"
                     r"(?:余|多)?(万|亿)?(余|多)?(个百分点|百分点|件次|宗次|人次|场次|批次|万元|亿元|个工作日|工作日|平方公里|"
                     r"公里|%|[\u4e00-\u9fff])?")


@dataclass
class Scored:
    passage: Passage
    start: int  # span in the document text
    end: int
    text: str
    coverage: float
    clipped: bool = False  # clauses of a longer sentence (asked_clauses): shown with an ellipsis
    lead: str = ""  # the clauses before it up to its ；, which it goes on from (Extractor.score)


@dataclass
class Query:
    """What the extractor needs to know about one (standalone) question; made by the plan."""

    text: str
    terms: list[str]
    context: frozenset[str] = frozenset()  # terms carried over from earlier turns: they count half
    numeric: bool = False
    listing: bool = False
    # Terms asked in words the collection lacks -> (collection term, similarity) nearest by meaning.
    expansions: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    measure: str | None = None  # what a figure question counts (MEASURES' values)
    qualifiers: frozenset[str] = frozenset()  # QUALIFIER_GROUPS keys the question names
    rates: tuple[str, ...] = ()  # the X率 a rate question names (with its equivalents by meaning)
    rate_of: str = ""  # the collection's term glued before the rate asked (案卷 in 案卷合格率): whose rate it is
    counted: str = ""  # the people a headcount question counts (执法人员 in 多少名执法人员)
    change: bool = False  # the question asks by how much a figure changed (增长了多少 / 少了多少)
    target: bool = False  # the question asks for a target or plan (目标是多少), not what was achieved
    head: str = ""  # the collection's term right before the how-many (败诉 in 败诉了多少件): its figure is asked
    required: tuple[str, ...] = ()  # one must be in the sentence: a district asked of its city's report, 乡镇 asked


def figures(sentence: str) -> list[tuple[str, str, int]]:
    """(figure as written, measure word, start) of each counted figure in a sentence."""
    return [(m.group(0), m.group(4) or "", m.start()) for m in _FIGURE.finditer(fold(sentence))
            if not re.fullmatch(r"20\d{2}", m.group(1)) or (m.group(4) or "") not in ("年", "")]


def _starts(text: str, word: str) -> list[int]:
    return [m.start() for m in re.finditer(re.escape(word), text)]


def _first_figure_after(text: str, at: int) -> tuple[str, str, int] | None:
    """The first figure within _HEAD_WINDOW characters after position `at` (its start relative to `at`)."""
    found = figures(text[at:at + _HEAD_WINDOW])
    return found[0] if found else None


def _participants_after(text: str, at: int) -> tuple[str, str, int] | None:
    """The people counted in the clause right after the events counted after position `at` (旁听庭审活动3次，
    参加领导干部214人次): they answer 多少人次 of the events' head as well."""
    events = _first_figure_after(text, at)
    if events is None or MEASURES.get(events[1]) != "events":
        return None
    end = _clause_end(text, at + events[2]) + 1
    found = figures(text[end:end + _HEAD_WINDOW]) if PARTICIPANTS.match(text, end) else []
    return found[0] if found else None


def _figure_before(text: str, at: int) -> tuple[str, str, int] | None:
    """A figure that ends right where position `at` starts: 6项 in 将6项事项纳入目录 (counted noun after it)."""
    found = [f for f in figures(text[max(0, at - 12):at]) if f[2] + len(f[0]) == min(at, 12)]
    return found[-1] if found else None


def _rate_owner(sentence: str, at: int) -> str:
    """The words glued before a rate in a sentence (参考人员 in 参考人员合格率), without modifiers that name no
    owner (综合纠错率, 案件败诉率): "" when the rate stands alone and its owner is the sentence's topic."""
    glued = re.search(r"[\u4e00-\u9fff]{0,4}$", sentence[:at]).group(0)
    return RATE_MODIFIERS.sub("", glued)


def qualifiers_in(text: str) -> frozenset[str]:
    folded = fold(text)
    return frozenset(k for k, words in QUALIFIER_GROUPS.items() if any(w in folded for w in words))


def _adds_new(query: Query, clause: str) -> bool:
    """A clause stating what was newly added (新增 / 新申领…) where no new one was asked: another figure."""
    return "new" not in query.qualifiers and "new" in qualifiers_in(clause)


def counts_measure(unit: str, measure: str) -> bool:
    """Whether a figure in `unit` counts what a question's measure asks: 人次 counts people, not heads."""
    if measure == "headcount":
        return unit in ("人", "名", "位")
    if measure == "events" and unit in ("件次", "宗次", "家次", "户次"):
        return True  # 处理涉法事务多少次: 1,120件次 (times, not the 人次 of people)
    if measure == "units":  # schools, teams, machines: so counted, or by 个
        return unit == "个" or MEASURES.get(unit) == "units"
    if measure == "count":  # 多少个 / 多少条: any count, not a share, a sum, days or years
        return bool(unit) and MEASURES.get(unit) not in _NOT_COUNTS
    return MEASURES.get(unit) == measure


def _clause_end(text: str, at: int) -> int:
    """Where the clause holding position `at` ends."""
    m = _CLAUSE_END.search(text, at)
    return m.start() if m else len(text)


# The measure word after a how-many (多少份 / 几场); not 多少个场景 (scenes), 几个人民调解委员会 (committees).
_UNIT_ASKED = re.compile(r"(?:多少|(?<!哪)几)个?(人次|件次|场次|家次|户次|个百分点|万元|亿元|"
                         r"公里|工作日|[人名位件宗起次场期轮元回趟份年家户张天项条所支台套处座部亩])(?![景所地馆间庭长置籍素民大])")


def unit_asked(question: str) -> str:
    """The measure word a figure question types (份 in 审了多少份), "" when none."""
    m = _UNIT_ASKED.search(fold(question))
    return m.group(1) if m else ""


def measure_asked(question: str) -> str | None:
    """What a figure question counts, from its measure word (多少人 -> people); None when it does not say."""
    q = fold(question)
    m = _UNIT_ASKED.search(q)
    if m and m.group(1) == "年":  # 败诉率连着降了几年: the years, not the rate
        return "years"
    if (m and m.group(1) in "名位人") or HEADCOUNT_Q.search(q):  # 多少人 / 多少名 / 按人头: 5600人次 is no 5600 people
        return "headcount"
    if re.search(r"率|比例|占比|百分|几成|占(?:多少|几)(?![件个项人名位次场家户宗起])", q):  # 网上能办的事项占多少
        return "share"
    if m:
        return MEASURES.get(m.group(1))
    counted = next((kind for kind, pattern in COUNTED_NOUNS.items() if pattern.search(q)), None)
    bare = re.search(r"([^，,。；;？?!！\s]*?)了?(?:多少|几)(?:[?？。!！\s]|$)", q)  # its clause, up to the how-many
    if counted is None and bare and any(w in bare.group(1) for g in _CASE_STAGES for w in QUALIFIER_GROUPS[g]):
        return "cases"  # 复议受理多少: cases at that stage, not the 受理点9个 (收到多少意见 采纳多少: not cases)
    if counted is None and re.search(r"(?:多少|(?<!哪)几)个(?![百人])", q):
        return "count"  # 建了多少个示范点: a count of anything, not the 覆盖率100% beside it
    return counted


def states_change(query: Query, sentence: str, lead: str = "") -> bool:
    """The sentence states a change of what was asked: a change word with a figure, the asked thing named in
    the words before it (复议案件为啥下降了: not the 同比增长9.2% of 政府信息公开申请 before a later 复议)."""
    before, folded = fold(lead), fold(sentence)
    text = before + folded
    topic = [t for t in query.terms if t not in LIGHT_WORDS and t not in QUALIFIER_WORDS and t not in query.context]
    topic += [alt for t in topic for alt, _ in query.expansions.get(t, ())]  # 复议案子 as the report says it
    stages = [set(g) for g in EXCLUSIVE_QUALIFIERS if query.qualifiers & set(g)]

    def of_another_stage(at: int) -> bool:  # 收到…涨了多少: not 较上年受理的289件增长30.1% (受理's change)
        clause = _CLAUSE_END.split(text[:at])[-1]
        have = qualifiers_in(clause)
        return any(have & g and not have & query.qualifiers for g in stages)

    # 案件比例…同比下降6.2个百分点 is a rate's change: no change of the cases asked (unless a rate is)
    points = query.measure == "share" or bool(query.rates) or any(r in fold(query.text) for r in RATE_ENDS)
    return any((not topic or any(t in text[max(0, at - _CHANGE_WINDOW):at] for t in topic)) and not of_another_stage(at)
               and (points or not re.match(r"[^，,。；;]*?\d+(?:\.\d+)?个?百分点", folded[m.end() - 1:]))
               for m in CHANGE_STATED.finditer(folded) for at in [len(before) + m.start()])


def figure_fits(query: Query, sentence: str, lead: str = "") -> bool:
    """True when the sentence holds a figure of the kind the question asks for.

    A figure fits when its measure word counts what was asked (when the question says), is the first one
    after the term the question counts (败诉4件, not 败诉率4.1%), states a change when a change is asked, is
    no target (力争…达到), and the sentence does not qualify it in a way the question excludes: 累计 for a
    新增 question, 收到/受理 for 审结/办结, and the reverse. A rate asked must be named with its figure right
    after it (纠错率下降 gives none), that figure no target, and the rate not glued to another owner
    (参考人员合格率 for 案卷合格率).
    """
    folded = fold(sentence)
    if query.head and re.search(NONE_BEFORE + re.escape(query.head), folded):
        return True  # 零积压 answers 积压了多少件
    found = figures(sentence)
    if not found:
        return False
    if query.change and not states_change(query, sentence, lead):
        return False  # 增长了多少 is not answered by the level reached
    if query.measure:
        found = [f for f in found if counts_measure(f[1], query.measure)]
        if not found:
            return False
    people = query.counted[-4:]  # 一线执法人员: its 执法人员 are counted
    if people and not any(p in folded or p in fold(lead)
                          for p in (people, *(alt for alt, _ in query.expansions.get(query.counted, ())))):
        return False  # 多少名执法人员 is not answered by the 法制工作人员480人 of a training class
    if not query.target and all(TARGET_BEFORE.search(folded[:f[2]]) for f in found):
        return False  # 力争出庭应诉率达到100% is a target, not what was achieved
    about = [t for t in query.terms if t in folded and t not in LIGHT_WORDS and t not in QUALIFIER_WORDS
             and t not in query.context]
    before = fold(lead)  # 全省行政复议…；依法受理8925件，审结8314件: its subject was named before the ；
    if query.measure in _COUNTS and not any(all(t in folded[:_clause_end(folded, f[2])] or t in before for t in about)
                                            for f in found):
        return False  # 涉企案件多少件: "收到872件，其中涉企…占比约三成" counts all cases; the subset comes after
    heads = [query.head, *(alt for alt, sim in query.expansions.get(query.head, ()) if sim >= _SURE)]
    if len(query.head) >= 4 and query.head not in folded and re.search(
            re.escape(query.head[:2]) + r"[\u4e00-\u9fff]{1,4}" + re.escape(query.head[-2:]), folded):
        heads.append(query.head[-2:])  # 调解纠纷 written 调解矛盾纠纷: the figure after its noun
    if query.head and query.measure not in (None, "count", "units") and not any(
            counts_measure(figure[1], query.measure)
            for head in heads
            for m in re.finditer(re.escape(head), folded)
            for figure in (_first_figure_after(folded, m.end()), _figure_before(folded, m.start()),
                           _participants_after(folded, m.end())) if figure):
        return False  # 败诉了多少件: not 败诉率4.1% nor the 1021件 of all cases; 培训了多少名: the first figure
        # after 培训 (23.6万人次), not a later one (新增申领执法证件6812人)
    named = [r for r in query.rates if r in folded]
    if query.rates and not named:
        return False  # 通过率 is not answered by 覆盖率
    rate_words = [r for r in named if r.endswith(RATE_ENDS)]
    if rate_words and query.measure == "share" and not any(
            counts_measure(f[1], "share") and (query.target or not TARGET_BEFORE.search(folded[:at + len(r) + f[2]]))
            for r in rate_words for at in _starts(folded, r)
            for f in figures(folded[at + len(r):at + len(r) + _RATE_WINDOW])):
        return False  # 纠错率下降 gives no figure of it (the sentence's 办结率98.5% is another rate's); 力争败诉率
        # 控制在3%以内 gives a target
    if named and not any(r.endswith(RATE_ENDS) for r in named) \
            and all(FIGURE_CHANGE.search(folded[:f[2]]) for f in found):
        return False  # 和解 may stand for 和解率 (…结案97件，占28.1%), but 审结率 is not the 同比增长63.2% of 审结
    if named and not rate_words and query.measure == "share" and all(
            _OTHER_RATE.search(folded[:f[2]]) for f in found if counts_measure(f[1], "share")):
        return False  # nor is it the 直接纠错率10.6% of the 审结 cases: that share is another rate's
    if query.rate_of:
        asked = {t[i:i + 2] for t in query.terms if t not in query.rates for i in range(len(t) - 1)}
        owners = [_rate_owner(folded, at) for r in query.rates for at in _starts(folded, r)]
        if all(owner and not any(p in owner for p in asked) for owner in owners):
            return False  # 案卷合格率 is not answered by the 参考人员合格率 (nor 学法考法合格率) of an exam
    if not query.qualifiers:
        return True
    # 受理诉求1238万件，按时办结率99.2%: the 办结 of a rate names no count at that stage
    have = qualifiers_in(sentence if query.measure == "share" else RATE_WORD.sub("", folded))
    if "new" in query.qualifiers and "new" not in have and any(w in folded for w in FIGURE_STOCK):
        return False  # 达到120个 is a level, not what was added this year
    if "concluded" in query.qualifiers and "concluded" not in have and query.measure != "share":
        return False  # 一审行政诉讼案件271件 counts the cases brought: how many were concluded it does not say
    for group in EXCLUSIVE_QUALIFIERS:
        for asked in query.qualifiers & set(group):
            if asked not in have and have & set(group):
                return False
    return True


class Extractor:
    """Answers from retrieved passages without any language model."""

    def __init__(self, idf: Callable[[str], float | None], report_text: Callable[[str], str],
                 subwords: Callable[[str], list[str]], threshold: float, max_sentences: int,
                 fact_threshold: float | None = None) -> None:
        self.idf = idf
        self.subwords = subwords  # search-mode pieces of a compound word: 联动机制 -> 联动, 机制
        self.report_text = report_text  # folded text of a whole report, to tell absent terms
        self.threshold = threshold
        # A question asking no figure has no figure check behind the coverage: its words are all the
        # evidence, and staff phrase them their own way, so it needs less of them.
        self.fact_threshold = threshold if fact_threshold is None else fact_threshold
        self.max_sentences = max_sentences

    def pieces(self, terms: list[str]) -> dict[str, list[str]]:
        """Parts of each compound term, for partial credit when only some parts occur."""
        found = {}
        for term in terms:
            if len(term) >= 3 and not term.isdigit():  # 12348 shares no meaning with 12345
                found[term] = [w for w in self.subwords(term) if w != term] or [
                    term[i:i + 2] for i in range(len(term) - 1)]
        return found

    def _telling_piece(self, term: str, pieces: dict[str, list[str]] | None) -> str:
        """The most telling part of two characters or more of a compound (裁决 of 行政裁决, 执法 of 执法证); a
        placeholder no text holds when it has none."""
        parts = [p for p in (pieces or {}).get(term, []) if len(p) > 1 and p != term and p not in LIGHT_WORDS]
        return max(parts, key=lambda p: self.idf(p) or 0.0) if parts else "\0"

    def coverage(self, query: Query, sentence: str, section: str,
                 absent: frozenset[str] = frozenset(), pieces: dict[str, list[str]] | None = None,
                 lead: str = "") -> float:
        """Share of the question's weight that the sentence contains, or (less) the clauses before it that it
        goes on from (`lead`: 全省…收到申请21386件； before 依法受理18915件，审结17642件), or (half) its heading."""
        if not query.terms:
            return 0.0
        s, h, before_s = fold(sentence).lower(), fold(section).lower(), fold(lead).lower()
        if query.required and not any(r in s for r in query.required):
            return 0.0
        total = got = 0.0
        subject = matched = False  # a sentence matching only how the figure is qualified (受理) is no answer
        own = False  # a word of two characters or more of what is asked in the sentence itself, not its heading
        for term in query.terms:
            about = term not in LIGHT_WORDS and term not in QUALIFIER_WORDS
            subject |= about
            before = got
            idf = self.idf(term)
            weight = (UNKNOWN_WEIGHT_LONG if len(term) >= 3 else UNKNOWN_WEIGHT) if idf is None else idf
            if term in LIGHT_WORDS:
                weight *= 0.3
            if term in query.context:
                weight *= CONTEXT_FACTOR
            if term in absent and idf is not None:
                weight *= ABSENT_FACTOR
            total += weight
            if term in s:
                got += weight
            elif term in before_s:
                got += LEAD_CREDIT * weight
            elif term in h:
                got += 0.5 * weight
            elif term in query.expansions and any(alt in s for alt, _ in query.expansions[term]):
                got += weight * max(sim for alt, sim in query.expansions[term] if alt in s)
            elif pieces and term in pieces:
                # Partial credit by the parts found; for a compound the collection never uses (行政裁决), by
                # their information: its 行政 says little, its missing 裁决 much.
                informs = [(p in s, (self.idf(p) or UNKNOWN_WEIGHT_LONG) if idf is None else 1.0) for p in pieces[term]]
                got += 0.6 * weight * sum(w for hit, w in informs if hit) / sum(w for _, w in informs)
            matched |= about and got > before
            own |= about and len(term) > 1 and (term in s or term in before_s or term in query.expansions and any(
                alt in s for alt, _ in query.expansions[term]) or self._telling_piece(term, pieces) in s)
        own |= any(r in s for r in query.required)  # 某某街道调了多少: the township asked is named
        if subject and not matched or query.numeric and subject and not own:
            return 0.0  # (a figure sentence matching 办 of 办结 under a heading naming 行政裁决 is no answer)
        score = got / total if total else 0.0
        if query.numeric and not _DIGIT.search(sentence):
            score *= 0.5
        return score

    def score(self, query: Query, passages: Sequence[Passage]) -> list[Scored]:
        scored = []
        terms = query.terms
        parts = self.pieces(terms)
        absent_by_source: dict[str, frozenset[str]] = {}
        for p in passages:
            c = p.chunk
            if c.source not in absent_by_source:
                text = self.report_text(c.source)
                absent_by_source[c.source] = frozenset(t for t in terms if t not in text)
            lead = ""
            for a, b in sentence_spans(c.text):
                sentence = c.text[a:b]
                if len(sentence) < 6:
                    continue
                cov = self.coverage(query, sentence, c.section, absent_by_source[c.source], parts, lead)
                scored.append(Scored(p, c.start + a, c.start + b, sentence, cov + 0.02 / max(p.rank, 1), lead=lead))
                # A sentence ending in ； is a clause of a longer one: the next goes on about its subject.
                lead = lead + sentence if sentence.rstrip().endswith((";", "；")) and "\n" not in sentence else ""
        return sorted(scored, key=lambda s: s.coverage, reverse=True)

    def pick(self, scored: list[Scored], listing: bool, threshold: float | None = None) -> list[Scored]:
        """The best sentence, plus close runners-up (more of them for list questions), in document order."""
        floor = self.threshold if threshold is None else threshold
        if not scored or scored[0].coverage < floor:
            return []
        best = scored[0]
        limit = self.max_sentences + (2 if listing else 0)
        ratio = 0.75 if listing else 0.9
        chosen = [best]
        for s in scored[1:]:
            if len(chosen) >= limit:
                break
            same_doc = s.passage.chunk.source == best.passage.chunk.source
            if same_doc and s.coverage >= ratio * best.coverage and s.text != best.text:
                chosen.append(s)
        chosen = sorted(chosen, key=lambda s: s.start)
        return self._continue_lists(chosen) if listing else chosen

    @staticmethod
    def _continue_lists(chosen: list[Scored]) -> list[Scored]:
        """A sentence ending in ； is one item of a list: bring the next items of its paragraph along."""
        extended: list[Scored] = []
        for s in chosen:
            extended.append(s)
            chunk, end = s.passage.chunk, s.end
            for _ in range(_LIST_CONTINUE):
                if not extended[-1].text.rstrip().endswith((";", "；")):
                    break
                nxt = next(((a, b) for a, b in sentence_spans(chunk.text, end - chunk.start)), None)
                if nxt is None or "\n" in chunk.text[end - chunk.start:nxt[0]]:
                    break
                a, b = nxt[0] + chunk.start, nxt[1] + chunk.start
                if any(x.start == a for x in chosen + extended):
                    break
                extended.append(Scored(s.passage, a, b, chunk.text[nxt[0]:nxt[1]], s.coverage))
                end = b
        return extended




def asked_clauses(s: Scored, query: Query) -> Scored:
    """The clauses of a sentence that state the figure asked, when others state a figure of the same kind
    for something else: 审结了多少 quotes "审结98件，其中…纠错7件", not the 受理120件 before it; 办理处罚案件多少
    quotes "全年办理行政处罚案件1.86万件", not the 不予处罚1024件 after it.

    A clause states the asked figure when it names the asked qualifier (收到 / 受理 / 审结 …) or, for a count
    whose clauses name no qualifier, the most of what the question asks (`_named`). A clause is "other" when it
    states an excluded qualifier's figure, or (counts only) a figure of the asked measure while naming less of
    what was asked and not going on about the one before (其中… / 同比…): 县政府出台…11件，县级部门出台…23件.
    Kept: the first asked clause, the clauses before it back to the last other one, and those after it up to
    the next other one.
    """
    if not query.numeric:
        return s
    groups = [set(g) for g in EXCLUSIVE_QUALIFIERS if query.qualifiers & set(g)]
    about = [t for t in query.terms if t not in LIGHT_WORDS and t not in QUALIFIER_WORDS and t not in query.context]
    # 乙街道调解纠纷356件，丙街道调解纠纷412件 for 丙街道…: a clause of another unit below is another's figure
    asked = fold(query.text)
    below = [w for w in query.required if w.endswith(UNITS_BELOW_COUNTY)]
    unit = [w for w in below if w not in UNITS_BELOW_COUNTY] + [  # 乙丙街道, or the terms before a bare 街道
        t for t in about if any(re.search(re.escape(t) + r"[\u4e00-\u9fff]{0,3}" + re.escape(w), asked)
                                for w in below if w in UNITS_BELOW_COUNTY)]
    below = [w if w in UNITS_BELOW_COUNTY else next(u for u in UNITS_BELOW_COUNTY if w.endswith(u)) for w in below]
    # 全市…1.94万件，其中乙区…8,762件 for 乙区… asked of its city's report: the whole area's clause is another's
    district = [w for w in query.required if len(w) > 2 and w.endswith(("区", "县", "市", "旗"))
                and query.measure != "share"]
    unit += district
    if not groups and not unit and (query.measure not in (*_COUNTS, "count", "units")
                                    or len(HOW_MANY.findall(asked)) > 1):
        return s  # 收了几件结了几件 asks both
    cuts = [0] + [m.end() for m in _CLAUSE_END.finditer(s.text)] + [len(s.text)]
    spans = [(a, b) for a, b in zip(cuts, cuts[1:]) if a < b]
    clauses = [(s.text[a:b], fold(s.text[a:b])) for a, b in spans]
    counted = [any(not query.measure or counts_measure(f[1], query.measure) for f in figures(text))
               for text, _ in clauses]
    named = _named(query, about, asked, clauses)
    most = max((n for n, c in zip(named, counted) if c), default=0)
    heads = [h for h in (query.head, *(alt for alt, sim in query.expansions.get(query.head, ()) if sim >= _SURE)) if h]
    staged = [bool(counted[i] and qualifiers_in(text) & query.qualifiers) for i, (text, _) in enumerate(clauses)]
    headed = [staged[i] and any(h in folded for h in heads) for i, (_, folded) in enumerate(clauses)]
    if any(staged[i] and not headed[i] and named[i] for i in range(len(clauses))):
        headed = [False] * len(clauses)  # 受理复议申请376件，其中受理涉企…案件120件: the whole names the subject

    newly = [counted[i] and _adds_new(query, text) for i, (text, _) in enumerate(clauses)]

    def kind(i: int) -> str:
        if not counted[i]:
            return ""
        if unit and (any(w in clauses[i][1] for w in below)
                     or district and (WHOLE_ASKED.search(clauses[i][1]) or any(d in clauses[i][1] for d in district))):
            return "asked" if any(t in clauses[i][1] for t in unit) else "other"
        if groups:
            have = qualifiers_in(clauses[i][0])
            if have & query.qualifiers:  # 新开的公司: 其中新设企业6240户, not the 新设立经营主体1.86万户 before it
                return "other" if any(headed) and not headed[i] else "asked"
            if any(have & g for g in groups):
                return "other"  # (a clause with no qualifier is told apart by the words it names, below)
        if newly[i] and not all(newly[j] for j in range(len(clauses)) if counted[j]):
            return "other"  # 持证执法人员986名，…新申领执法证件97人 for 有执法证的人多少: not the newly added
        if most and named[i] == most:
            return "asked"  # the clause naming most of what was asked (以调解和解方式结案572件, not 收到2384件)
        # 县政府出台…11件，县级部门出台…23件: a figure of the measure naming less of what was asked is another's
        return "" if _CONTINUES.match(clauses[i][1]) else "other"

    kinds = [kind(i) for i in range(len(spans))]
    if "asked" not in kinds or "other" not in kinds:
        return s
    first = last = kinds.index("asked")
    while first > 0 and kinds[first - 1] != "other" and not GOES_ON.match(clauses[first - 1][1]):
        first -= 1  # (同比增长21.6% before 其中… goes on about the other figure)
    while last + 1 < len(kinds) and kinds[last + 1] != "other":
        last += 1
    a, b = spans[first][0], spans[last][1]
    text = s.text[a:b].rstrip("，,；; ")
    return Scored(s.passage, s.start + a, s.start + a + len(text), text, s.coverage, clipped=True)


def _named(query: Query, about: list[str], asked: str, clauses: list[tuple[str, str]]) -> list[int]:
    """How much of what was asked each clause names, by the question's words or their sure equivalents. The
    words counted (the noun after 多少, the word right before it: 作废了多少件区政府文件) weigh double; a clause
    with no figure leads into the next one and names for it (制定公布《…目录》，纳入重大行政决策事项4项)."""
    how_many = HOW_MANY.search(asked)
    after = asked[how_many.end():] if how_many else ""
    before = asked[:how_many.start()] if how_many else ""
    near = max(about, key=lambda t: before.rfind(t) + len(t) if t in before else -1, default="")
    leads: list[str] = []
    for i, (_, folded) in enumerate(clauses):
        leads.append((leads[-1] if i and not figures(clauses[i - 1][0]) else "") + folded)
    return [sum((2 if t in after or t == near else 1)
                * any(w in lead for w in (t, *(alt for alt, sim in query.expansions.get(t, ()) if sim >= _SURE)))
                for t in about) for lead in leads]


def without_repeated_rows(quoted: list[Scored]) -> list[Scored]:
    """The quotes without a table row whose figure a quoted sentence already states: the row adds only its
    other columns (行政机关败诉率 | 4.3% | 5.9% | … beside 败诉率4.3%: last year's 5.9% was not asked)."""
    def numbers(text: str) -> set[str]:
        return {f[0][:len(f[0]) - len(f[1])] for f in figures(text)}

    stated = {n for s in quoted if TABLE_CELL not in s.text for n in numbers(s.text)}
    kept = [s for s in quoted if TABLE_CELL not in s.text or not numbers(s.text) & stated]
    return kept or quoted


def _of_kind(unit: str, measure: str | None) -> bool:
    """A figure of the kind asked: of the measure asked, or of any measure when the question names none."""
    return counts_measure(unit, measure) if measure else MEASURES.get(unit) is not None


def without_parts(s: Scored, query: Query) -> Scored:
    """A figure's sentence without what stands beside it but was not asked: a part of it stated after (其中发明
    专利授权2.16万件), last year's level (较上年的7.1%下降…), another rate (败诉542件，败诉率7.9%: 输了多少件 quotes
    the count; 按时办结率99.2%，群众满意率96.8%: 满意率 quotes its own). 授权量多少 quotes "专利授权量4.68万件，
    同比增长8.7%". A part stays when it names what the question counts (取消了多少项: 其中取消45项; 审了多少份政府
    合同: 其中政府合同843件; 市本级…: 其中市本级…) or no fewer of the asked words than the whole; last year's level
    stays when a change or last year is asked."""
    asked = fold(query.text)
    folded = fold(s.text)
    if not query.numeric or len(HOW_MANY.findall(asked)) > 1 or len(folded) != len(s.text):
        return s
    subject = [t for t in query.terms if t not in LIGHT_WORDS and t not in query.context] or query.terms
    words = [w for t in subject for w in (t, *(alt for alt, _ in query.expansions.get(t, ())))]
    how_many = HOW_MANY.search(asked)
    counted = [t for t in subject if how_many and t in asked[how_many.end():]]
    labels = [w for t in (query.head, *counted) if t for w in (t, *(alt for alt, sim in query.expansions.get(t, ())
                                                                     if sim >= _SURE))]
    labels += [*query.rates, *query.required]
    start, asked_rate, rates = 0, None, query.rates
    if query.measure == "share" and query.rates:  # 按时办结率99.2%，群众满意率96.8%: from the asked rate's clause
        for m in RATE_FIGURE.finditer(folded):
            if any(m.group(1).endswith(r) for r in query.rates) and query.rate_of in m.group(1):  # 网上可办率, not 掌上…
                asked_rate = m.end()
                # the rate found is the one asked: 全程网办率 after 网上可办率 is another, though 网办率 was asked too
                if len(re.findall("率|比例|占比", asked)) <= 1:  # (出庭应诉率和败诉率 asks two)
                    rates = tuple(r for r in query.rates if m.group(1).endswith(r))
                break
            start = _clause_end(folded, m.end()) + 1
        if asked_rate is None:
            start = 0  # the asked rate is not named (the sentence answers by meaning): nothing to tell apart
    for m in _CLAUSE_END.finditer(folded, start):
        rest = folded[m.end():]
        clause = _CLAUSE_END.split(rest)[0]  # the clause after this boundary
        level, part = LAST_LEVEL.match(rest), figures(clause)
        if level and (query.change or SINCE_LAST_YEAR_Q.search(asked) or LAST_YEAR_WORDS.search(asked)):
            continue  # 较上年的7.1%下降1.3个百分点 is the change asked
        whole = [f for f in figures(folded[start:m.start()]) if _of_kind(f[1], query.measure)
                 and not FIGURE_CHANGE.search(folded[start:start + f[2]])]  # 同比增长8.7% is no figure of the whole
        rate = RATE_FIGURE.match(clause)
        later_rate = asked_rate is not None and m.start() >= asked_rate
        other_rate = rate and (query.measure in _COUNTS or (
            later_rate and not any(rate.group(1).endswith(r) for r in rates)))
        whole_clause = _CLAUSE_END.split(folded[:start + whole[-1][2]])[-1] if whole else ""
        alike = bool(whole and part) and MEASURES.get(part[0][1]) == MEASURES.get(whole[-1][1]) != "share"
        newly = alike and _adds_new(query, clause) \
            and "new" not in qualifiers_in(whole_clause)
        # 新增经营主体2.61万户…，经营主体总数达到13.9万户 for 新开了多少: not the stock after it; 达到4,836名，
        # 比上年增加612名 for 多少人: not by how many it grew
        stock = alike and "new" in query.qualifiers and any(w in clause for w in FIGURE_STOCK)
        grew = alike and not query.change and bool(GOES_ON.match(rest))
        # 压缩至45个工作日，2024年目标为压缩至40个工作日以内 for 现在要多少天: not the target after it
        aim = alike and not query.target and bool(TARGET_BEFORE.search(rest[:part[0][2]]))
        if not whole or not part or not (level or other_rate or newly or stock or grew or aim
                                         or PART_CLAUSE.match(rest)):
            continue
        if newly or stock or grew or aim:
            return _span(s, start, m.start())  # 共有持证人员2860人，新增取得…326人 for 有多少: not the newly added
        named = rest[:part[0][2]]
        if PART_CLAUSE.match(rest) and not query.required and SUBUNIT_NAMED.search(named):
            return _span(s, start, m.start())  # 办理处罚案件1,285件，其中乙街道…437件: a unit below, not asked
        if not level and not other_rate and any(t in named and t not in whole_clause for t in subject):
            # 收到120件，其中涉企案件30件 for 涉企的…收到多少: the part names what the whole does not; quoted alone
            # when the whole names nothing asked that the part lacks (终止201件，其中调解和解后撤回的176件)
            if PART_CLAUSE.match(rest) and not any(t in whole_clause and t not in named for t in subject):
                return _span(s, m.end(), len(s.text))
            continue
        if level or other_rate or (not any(w in named for w in labels)
                                   and _naming(whole_clause, words) > _naming(named, words)):
            return _span(s, start, m.start())
    return _span(s, start, len(s.text)) if start else s


def _span(s: Scored, a: int, b: int) -> Scored:
    """Characters a..b of a scored sentence, without the punctuation at its ends, marked as clipped."""
    text = s.text[a:b].rstrip("，,；;。 ")
    if not text:
        return s
    return Scored(s.passage, s.start + a, s.start + a + len(text), text, s.coverage, clipped=True, lead=s.lead)


def _naming(clause: str, words: list[str]) -> int:
    """How many of the asked words a clause names (the words of a figure's clause before it)."""
    return sum(w in clause for w in dict.fromkeys(words))


def scored_spans(spans: list[tuple[int, int]], text: str, chunks: list[Chunk], coverage: float) -> list[Scored]:
    """Sentence spans of a report as Scored records, each cited with the chunk that holds it."""
    found = []
    for a, b in spans:
        chunk = next((c for c in chunks if c.start <= a < c.end), None)
        if chunk is not None:
            found.append(Scored(Passage(chunk, coverage, 1), a, b, text[a:b], coverage))
    return found


def citation_for(scored: list[Scored]) -> Citation:
    """One citation per passage: its supporting sentences quoted, the whole passage kept for display."""
    p = scored[0].passage
    c, m = p.chunk, p.chunk.meta
    quoted = sorted({(s.start, s.end): s.text for s in scored}.items())
    return Citation(source=c.source, title=m.title, region=m.region, year=m.year, section=c.section,
                    quote="".join(text for _, text in quoted), passage=c.text, score=round(p.score, 4),
                    start=quoted[0][0][0], end=quoted[-1][0][1], spans=[span for span, _ in quoted],
                    passage_start=c.start)


def report_head(meta, per_report: bool) -> str:
    return f"{meta.region}（{meta.year}年）：" if per_report else f"据{meta.region}{meta.year or ''}年报告："


def compose(groups: Sequence[tuple[str, Sequence[Scored]]], simplified: bool) -> tuple[str, list[Citation]]:
    """Answer text with [n] markers, one line per (head, sentences) group, one citation per passage."""
    by_chunk: dict[str, int] = {}
    lines = []
    for head, group in groups:
        parts = []
        for s in group:
            number = by_chunk.setdefault(s.passage.chunk.id, len(by_chunk) + 1)
            parts.append(f"{fold(s.text) if simplified else s.text}{'……' if s.clipped else ''}[{number}]")
        lines.append(head + "".join(parts))
    every = [s for _, g in groups for s in g]
    citations = [citation_for([s for s in every if s.passage.chunk.id == cid])
                 for cid in sorted(by_chunk, key=by_chunk.__getitem__)]
    return "\n".join(lines), citations


def is_simplified(question: str) -> bool:
    """True when the question has no traditional characters: the answer is then shown in simplified script."""
    plain = unicodedata.normalize("NFKC", question)
    return fold(question) == plain
