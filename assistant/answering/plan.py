"""The question plan: made once per question from the question, the conversation and the catalog.

It says which reports a question is about (regions, with the years each has), what it asks
(intent), its topic terms, the parts of a multi-part question, and what was taken from which
earlier turn. Every later step reads the plan; nothing re-parses the question string.

Follow-ups: a region switch keeps the topic and uses the new region's own years (when the carried
year is missing there, the years it has, said in a note); a topic switch keeps region and year;
"这个比例 / 这两项" bring the earlier turns' topics along; a question over several reports
(哪些地方 / 各地) is never narrowed to the region talked about before.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from ..genre import (ASCENDING_Q, CATALOG_Q, CHANGES, CLOSING_LE, CROSS_Q, ELLIPTIC_HEAD, ELLIPTIC_TAIL, FIGURE_Q,
                     FIGURE_SCOPES, FOLLOWUP_FILLER, FRAME_WORDS, HOW_MANY, LEVEL_Q, LEVEL_WORDS, LIGHT_WORDS,
                     LIST_ASK, LIST_Q, PART_OF, PLAN_Q, PLAN_WORDS, PREVIOUS_YEAR_Q, PROBLEM_Q, QUALIFIER_WORDS,
                     QUESTION_WORDS, RANK_Q, REFERS_BACK, SCOPE_ASKED_Q, SELF_REFERENCES, SHORT_YEAR, SPLIT_Q,
                     SUBUNIT_NAMED, VERSUS_Q, WHICH_NOT_Q, WHOLE_ASKED, WHY_Q, YEAR, YEAR_BEFORE_ALONE, YEARS_BACK,
                     YEARS_SPAN_Q, YES_NO_Q)
from ..normalize import fold
from ..records import ReportMeta
from ..retrieve import Route

Message = dict[str, str]
Filters = dict[str, object]
INTENTS = ("figure", "fact", "list", "yes_no", "compare", "rank", "which", "which_not", "problems", "plans", "catalog")
_LOCATE_MAX = 200  # reports a name is looked up in (a larger collection names its regions in questions anyway)
_OPENING = 400  # characters of a report's opening, where it names itself
_LOCATE_TIMES = 3  # times a name is written in its region's reports to say where a question is about
_TARGET_ONLY = re.compile(r"目标|指标")
_FRAGMENT = 3  # a follow-up whose own topic is this short (涨 / 部门 占) is a fragment of the previous one
_BACK_TWO = re.compile(r"这两|两项|两个数|二者|两者|这几|这些")


@dataclass
class Carry:
    """Something a follow-up took from an earlier turn."""

    what: str  # 地区 / 年份 / 话题
    value: str
    turn: int  # 1-based number of the user turn it came from


@dataclass
class QuestionPlan:
    question: str  # this turn, as asked (cleaned)
    ask: str  # the words the answer is judged against: this turn's, or the previous ask for "那X呢"
    intent: str = "fact"
    regions: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    region_years: dict[str, list[int]] = field(default_factory=dict)  # the years the collection has per region
    sources: list[str] | None = None  # reports in scope; None: all
    cross: bool = False  # answered report by report
    descending: bool = True  # order of a ranking
    topic: str = ""  # what it is about, without places, years and question words
    earlier: list[str] = field(default_factory=list)  # topics of the earlier turns, oldest first
    context: str = ""  # topic words of earlier turns this question refers to (they count half)
    carried: list[Carry] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # told to the user with the answer
    unknown_places: list[str] = field(default_factory=list)
    # Places below a region that its report speaks of: named by the answer.
    within: list[str] = field(default_factory=list)
    missing: str = ""  # why no report matches
    parts: list["QuestionPlan"] = field(default_factory=list)
    segments: dict[str, str] = field(default_factory=dict)  # "桂林的X和茂名的Y分别…": each region's own ask

    @property
    def text(self) -> str:
        """The standalone question: what is searched."""
        where = "".join(self.regions) if not self.cross or self.regions else ""
        when = "、".join(f"{y}年" for y in self.years)
        body = self.ask
        return f"{where}{when}{body}" + (f" {self.context}" if self.context else "")

    @property
    def searched(self) -> str:
        """What was searched, as shown under the answer."""
        if self.parts:
            return "；".join(p.searched for p in self.parts)
        scope = "、".join(self.regions) if self.regions else ("全部报告" if self.cross or self.sources is None else "")
        when = "、".join(f"{y}年" for y in self.years)
        words = " ".join(filter(None, [scope, when, self.topic, self.context]))
        return f"按「{words.strip()}」检索"

    @property
    def figure(self) -> bool:
        return self.intent in ("figure", "compare", "rank") or bool(FIGURE_Q.search(fold(self.ask)))


def classify(ask: str, named_regions: int) -> tuple[str, bool, bool]:
    """(intent, answered report by report, descending) of one question's own words."""
    q = fold(ask)
    cross = (bool(CROSS_Q.search(q)) and named_regions != 1) or named_regions > 1
    descending = not ASCENDING_Q.search(q)
    if CATALOG_Q.search(q):
        return "catalog", True, descending
    if WHICH_NOT_Q.search(q):
        return "which_not", True, descending
    if RANK_Q.search(q) and named_regions != 1:
        return "rank", True, descending
    if LIST_ASK.search(q) and not FIGURE_Q.search(q) and not cross:
        if PLAN_Q.search(q):
            return "plans", False, descending
        if PROBLEM_Q.search(q):
            return "problems", False, descending
    # 扩到多少项了 asks a figure: only a yes/no word (有没有 / 吗 / 没), not a closing 了, makes it a yes/no
    closing_only = not YES_NO_Q.search(CLOSING_LE.sub("", q)) and FIGURE_Q.search(q)
    if YES_NO_Q.search(q) and not closing_only and not WHY_Q.search(q) \
            and (not cross or named_regions == 2 and VERSUS_Q.search(q)):
        return "yes_no", cross, descending  # 甲是不是比乙多: both reports read, the figures compared
    if FIGURE_Q.search(q):
        return ("compare" if cross else "figure"), cross, descending
    if cross:
        return "which", True, descending
    return ("list" if LIST_Q.search(q) else "fact"), False, descending


def topic_of(text: str, metas: Sequence[ReportMeta]) -> str:
    """What a question is about: without region names, years, question words and filler."""
    t = fold(text)
    for alias in sorted({a for m in metas for a in m.aliases if a}, key=len, reverse=True):
        t = t.replace(alias, "")
    t = YEAR.sub("", t)
    for scope in sorted(FIGURE_SCOPES + SELF_REFERENCES, key=len, reverse=True):  # 那乙省全省呢: a place, no topic
        t = t.replace(scope, " ")
    t = ELLIPTIC_HEAD.sub("", t.strip())
    t = QUESTION_WORDS.sub(" ", t)
    t = FOLLOWUP_FILLER.sub(" ", t)
    return re.sub(r"[\W_]+", " ", t).strip()


def _strip_place(text: str, metas: Sequence[ReportMeta], regions: Sequence[str]) -> str:
    """The question without the names of the given regions (to swap another region in)."""
    t = fold(text)
    for alias in sorted({a for m in metas if m.region in regions for a in m.aliases if a}, key=len, reverse=True):
        t = t.replace(alias, "")
    return YEAR.sub("", t)


class Planner:
    """Makes QuestionPlans; `route` reads the regions and years a text names (Retriever.route)."""

    def __init__(self, route: Callable[[str, Mapping[str, ReportMeta], Filters | None], Route],
                 known: Callable[[str], bool] = lambda word: False,
                 words: Callable[[str], list[str]] = lambda text: [],
                 folded_text: Callable[[str], str] | None = None) -> None:
        self.route = route
        self.known = known  # whether the collection uses a word (a topic of its own, not a fragment)
        self.words = words  # content words of a text (the tokenizer's)
        self.folded_text = folded_text  # a report's folded text: where a name no region has is written

    def plan(self, question: str, history: Sequence[Message] | None, metas: Mapping[str, ReportMeta],
             filters: Filters | None = None) -> QuestionPlan:
        users = [m["content"] for m in history or [] if m.get("role") == "user" and m.get("content")]
        previous = None
        for n, turn in enumerate(users, 1):
            previous = self._single(turn, previous, metas, filters, n)
        parts = _split(question)
        if len(parts) == 1:
            return self._located(self._single(question, previous, metas, filters, len(users) + 1), metas)
        planned: list[QuestionPlan] = []
        for part in parts:
            planned.append(self._single(part, planned[-1] if planned else previous, metas, filters, len(users) + 1,
                                        same_turn=bool(planned)))
        top = QuestionPlan(question=question, ask=question, intent="parts", parts=planned)
        top.regions = list(dict.fromkeys(r for p in planned for r in p.regions))
        top.years = sorted({y for p in planned for y in p.years})
        top.notes = list(dict.fromkeys(n for p in planned for n in p.notes))
        return top

    def _single(self, question: str, previous: QuestionPlan | None, metas: Mapping[str, ReportMeta],
                filters: Filters | None, turn: int, same_turn: bool = False) -> QuestionPlan:
        question = SHORT_YEAR.sub(r"20\1", question)  # "甲县22年" is 2022
        own = self.route(question, metas, filters)
        intent, cross, descending = classify(question, len(own.regions))
        ask = question
        for typed, region in own.corrections.items():  # 时林县 read as 石林县: judged by the name it meant
            ask = ask.replace(typed, region)
        plan = QuestionPlan(question=question, ask=ask, intent=intent, regions=list(own.regions),
                            within=list(own.within),
                            years=list(own.years), sources=own.sources, cross=cross, descending=descending,
                            unknown_places=list(own.unknown_places), missing=own.missing,
                            notes=list(getattr(own, "notes", []) or []))
        plan.topic = topic_of(ask, list(metas.values()))
        if len(own.regions) > 1 and not VERSUS_Q.search(fold(question)):  # 甲比乙多: one topic for both
            plan.segments = region_segments(question, own.regions, list(metas.values()))
        if previous is None or previous.intent == "parts":
            return _with_years(self._scoped(plan, metas, filters), metas)
        source_turn = turn if same_turn else turn - 1
        plan.earlier = previous.earlier + [previous.topic]
        values = list(metas.values())
        named_place = bool(own.regions or own.unknown_places)
        # 乙街道呢: a township below the report named alone asks the topic before about it
        units = "".join(m.group(1) for m in SUBUNIT_NAMED.finditer(fold(question)))
        bare = re.sub("|".join(map(re.escape, own.within)), " ", fold(ask)) if own.within else ask  # 那乙区呢
        own_topic = topic_of(SUBUNIT_NAMED.sub(" ", fold(bare)), values) if units else topic_of(bare, values)
        carried_region = False
        split_only = cross and not CROSS_Q.search(SPLIT_Q.sub("", fold(question)))
        if not named_place and (not cross or split_only) and previous.regions:
            plan.regions, plan.within = list(previous.regions), list(previous.within)
            plan.carried.append(Carry("地区", "、".join(previous.within or previous.regions), source_turn))
            carried_region = True
            plan.intent, plan.cross, plan.descending = classify(question, len(plan.regions))
            cross = plan.cross
        elif len(own.regions) == 1 and len(previous.regions) == 1 and own.regions != previous.regions \
                and VERSUS_Q.search(fold(question)) and REFERS_BACK.search(fold(question)):
            # "这个增幅比乙省高吗？": the region talked about against the one named.
            plan.regions = list(previous.regions) + list(own.regions)
            plan.carried.append(Carry("地区", previous.regions[0], source_turn))
            plan.intent, plan.cross, plan.descending = classify(question, 2)
            cross = plan.cross
        elif not named_place and not cross and previous.unknown_places and not previous.regions:
            # "大理州有报告吗？说说行政复议数据": still about the place the collection lacks.
            plan.unknown_places = list(previous.unknown_places)
            plan.carried.append(Carry("地区", "、".join(previous.unknown_places), source_turn))
        before = YEAR_BEFORE_ALONE.match(fold(question).strip())
        if not own.years and previous.years and not cross:
            back = previous.years[0] - YEARS_BACK[before.group(1)] if before and len(previous.years) == 1 else 0
            if carried_region and any(m.year == back and m.region in previous.regions for m in metas.values()):
                # 去年呢 after a 2023 question: the 2022 report, where the collection has it (else the 2023 one,
                # which may say how it was the year before)
                plan.years = [back]
                own_topic = ""  # the question before, of that year
                plan.carried.append(Carry("年份", f"{plan.years[0]}（{before.group(1)}）", source_turn))
            elif carried_region:
                plan.years = list(previous.years)
                plan.carried.append(Carry("年份", "、".join(map(str, previous.years)), source_turn))
            elif own.regions:
                self._years_for_switch(plan, previous, metas, source_turn)
        if units and not own_topic and previous.topic:
            # 乙街道呢: what the township's sentences say of the topic before (its words count half)
            plan.context = SUBUNIT_NAMED.sub("", previous.topic).strip()
            plan.intent, plan.cross = previous.intent, previous.cross or cross
            plan.carried.append(Carry("话题", plan.context, source_turn))
        elif not own_topic:
            # "那茂名呢？" / "2023年呢？": the previous question about the new region or year.
            # ... keeping the unit it names instead (市本级呢: the government's own level, same topic).
            scope = "".join(SCOPE_ASKED_Q.findall(fold(question)) or WHOLE_ASKED.findall(fold(question)))
            earlier = _strip_place(previous.ask, values, previous.regions)
            # 本级呢 after 乡镇…: 本级; 全市呢 after 本级…: the whole area's
            plan.ask = scope + (SCOPE_ASKED_Q.sub("", earlier) if scope else earlier)
            plan.topic = previous.topic
            plan.intent, plan.cross, plan.descending = previous.intent, previous.cross or cross, previous.descending
            plan.context = previous.context
            plan.carried.append(Carry("话题", topic_of(previous.ask, values), source_turn))
        elif ELLIPTIC_TAIL.search(question.strip()) and _switches(own_topic, question):
            # "那执法方面呢？" / "那12345这些诉求单呢？": another topic, same region and year, asked the same way,
            # and of the unit asked before (本级…收了多少 -> 纠错率呢: 本级's), unless it names one.
            if plan.intent in ("fact", "list") and previous.intent not in ("fact", "list"):
                plan.intent, plan.cross = previous.intent, previous.cross or plan.cross
            if not SCOPE_ASKED_Q.search(fold(question)) and not units:
                plan.ask = "".join(SCOPE_ASKED_Q.findall(fold(previous.ask))) + plan.ask
        elif REFERS_BACK.search(fold(question)):
            wanted = 2 if _BACK_TWO.search(fold(question)) else 1
            plan.context = " ".join(dict.fromkeys(t for t in plan.earlier[-wanted:] if t)).strip()
            plan.carried.append(Carry("话题", plan.context, source_turn))
            if plan.intent in ("fact", "list") and previous.figure:
                plan.intent = "figure"
        elif not named_place and previous.topic and (ELLIPTIC_HEAD.search(question.strip())
                                                     or self._fragment(own_topic)):
            # "那普法覆盖了多少人？" / "涨了多少？" / "部门的占几件？" after a question on one topic: still
            # about it, its words count half; and about the unit it asked (本级), unless it names one.
            plan.context = previous.topic
            if plan.intent in ("fact", "list") and previous.figure:
                plan.intent = "figure"  # 市政府自己收的呢 after 收了多少: its figure
            if not SCOPE_ASKED_Q.search(fold(question)):
                plan.ask = "".join(SCOPE_ASKED_Q.findall(fold(previous.ask))) + plan.ask
        if (plan.carried or plan.years != own.years) and not plan.missing:
            self._reroute(plan, metas, filters)
        return _with_years(self._scoped(plan, metas, filters), metas)

    def _located(self, plan: QuestionPlan, metas: Mapping[str, ReportMeta]) -> QuestionPlan:
        """A question naming no region but a name only one region's reports write, again and again (a zone's
        nickname, a local app or brand): about that region, and the answer says so."""
        regions = {m.region for m in metas.values()}
        if plan.regions or plan.cross or plan.unknown_places or plan.missing or self.folded_text is None \
                or not 1 < len(regions) <= _LOCATE_MAX:
            return plan
        texts = {source: self.folded_text(source) for source in metas}
        found: dict[str, str] = {}
        for word in dict.fromkeys(self.words(plan.topic)):
            if len(word) < 2 or word in LIGHT_WORDS or word in FRAME_WORDS or word in QUALIFIER_WORDS:
                continue
            holders = {metas[s].region for s, text in texts.items() if word in text}
            if len(holders) == 1 and sum(texts[s].count(word) for s in texts) >= _LOCATE_TIMES:
                found[word] = holders.pop()
        if len(set(found.values())) != 1 or not next(iter(found.values())):
            return plan
        region = next(iter(found.values()))
        years = [y for y in plan.years if any(m.region == region and m.year == y for m in metas.values())]
        plan.regions = [region]
        plan.sources = [s for s, m in metas.items() if m.region == region and (not years or m.year in years)]
        for word in found:  # a name the report opens with, typed where a place goes (乙谷23年…): no topic word
            ask = plan.ask.replace(word, "")
            where = re.search(rf"^(?:那|那么)?{re.escape(word)}|{re.escape(word)}(?=(?:20)?\d{{2}}年)", fold(plan.ask))
            if where and any(word in texts[s][:_OPENING] for s in plan.sources) and topic_of(ask, list(metas.values())):
                plan.ask, plan.topic = ask, plan.topic.replace(word, "").strip()
        plan.notes.append(f"问题未写地区；“{'、'.join(found)}”只见于{region}的报告，按它回答")
        return plan

    def _fragment(self, topic: str) -> bool:
        """涨了多少 / 部门的占几件: a few words that only make sense about the previous topic — a share of it
        (占 / 其中), or no word the collection uses; 败诉率多少 is a topic of its own."""
        words = HOW_MANY.sub(" ", PLAN_WORDS.sub(" ", topic)).split()  # 明年计划搞几场: 搞几场 of the topic before
        if not words:  # 目标是多少 / 明年计划几部: the target of the topic before (not 下一步计划？ alone)
            return bool(_TARGET_ONLY.search(topic) or HOW_MANY.search(topic))
        if len("".join(words)) > _FRAGMENT:
            return False
        return any(PART_OF.search(w) for w in words) or not any(self.known(w) for w in words) \
            or all(w in QUALIFIER_WORDS for w in words) \
            or all(re.fullmatch(CHANGES, w) for w in words)  # 审结了多少 / 提高了多少: the same topic, its stage or change

    def _scoped(self, plan: QuestionPlan, metas: Mapping[str, ReportMeta], filters: Filters | None) -> QuestionPlan:
        """Scope words of the question: a level ("地级市的报告里…"), or several years of one region."""
        q = fold(plan.question)
        if plan.missing and plan.regions and len(plan.years) == 1 and PLAN_WORDS.search(q):
            self._plans_of_year(plan, metas, filters)
        level = LEVEL_Q.search(q)
        if level and plan.cross and not plan.regions and not (filters or {}).get("level"):
            wanted = LEVEL_WORDS.get(level.group(1) or level.group(2))
            if wanted and any(m.level == wanted for m in metas.values()):
                self._reroute(plan, metas, {**(filters or {}), "level": wanted})
                plan.notes.append(f"只比较层级为“{wanted}”的报告")
            return plan
        if len(plan.regions) != 1 or plan.cross or plan.missing:
            return plan
        have = sorted({m.year for m in metas.values() if m.region == plan.regions[0] and m.year})
        if len(have) < 2:
            return plan
        if len([y for y in plan.years if y in have]) >= 2:  # 2022年和2023年的…: the years named
            years = [y for y in plan.years if y in have]
        elif YEARS_SPAN_Q.search(q):
            years = have
        elif PREVIOUS_YEAR_Q.search(q) and len(plan.years) == 1 and plan.years[0] - 1 in have:
            years = [plan.years[0] - 1, plan.years[0]]
        else:
            return plan
        plan.years, plan.cross = years, True
        if plan.intent in ("figure", "fact", "list"):
            plan.intent = "compare" if plan.figure else "which"
        self._reroute(plan, metas, filters)
        return plan

    def _plans_of_year(self, plan: QuestionPlan, metas: Mapping[str, ReportMeta], filters: Filters | None) -> None:
        """2024年计划…: a year's plans are written in the report of the year before (its 下一步工作安排)."""
        year = plan.years[0]
        if any(m.region in plan.regions and m.year == year - 1 for m in metas.values()):
            plan.years = [year - 1]
            self._reroute(plan, metas, filters)
            plan.notes.append(f"{year}年的工作安排写在{year - 1}年的报告里，按{'、'.join(plan.regions)}{year - 1}年的报告回答")

    def _years_for_switch(self, plan: QuestionPlan, previous: QuestionPlan, metas: Mapping[str, ReportMeta],
                          turn: int) -> None:
        """A region switch keeps the year only where the new region has it; otherwise its own years, said."""
        have = sorted({m.year for m in metas.values() if m.region in plan.regions and m.year})
        keep = [y for y in previous.years if y in have]
        if keep:
            plan.years = keep
            plan.carried.append(Carry("年份", "、".join(map(str, keep)), turn))
        elif have:
            plan.notes.append(f"资料库中没有{'、'.join(plan.regions)}{'、'.join(map(str, previous.years))}年的报告，"
                              f"按其{'、'.join(map(str, have))}年的报告回答")

    def _reroute(self, plan: QuestionPlan, metas: Mapping[str, ReportMeta], filters: Filters | None) -> None:
        """Reports in scope for what the question named plus what it carried over."""
        wanted: Filters = dict(filters or {})
        if plan.regions:
            wanted["region"] = plan.regions
        if plan.years:
            wanted["year"] = plan.years
        route = self.route("", metas, wanted)
        plan.sources, plan.missing = route.sources, route.missing


def _switches(own_topic: str, question: str) -> bool:
    """Whether an elliptic follow-up names a topic of its own: 那执法方面呢 does, 这两项加起来呢 does not (a
    reference to earlier turns plus a fragment)."""
    rest = re.sub(r"\W", "", REFERS_BACK.sub("", own_topic)).lstrip("项个些者")
    return len(rest) > 1 and (not REFERS_BACK.search(fold(question)) or len(rest) > _FRAGMENT)  # (收的呢: no topic)


def _with_years(plan: QuestionPlan, metas: Mapping[str, ReportMeta]) -> QuestionPlan:
    plan.region_years = {r: sorted({m.year for m in metas.values() if m.region == r and m.year}) for r in plan.regions}
    return plan


def region_segments(question: str, regions: list[str], metas: Sequence[ReportMeta]) -> dict[str, str]:
    """For "桂林的X和柳州的Y分别…", the part of the question about each region (X, Y) plus the shared ending.

    Only when every part has words of its own; "石林和茂名都…" keeps the whole question for both.
    """
    q = fold(question)
    where = []
    for region in regions:
        aliases = {a for m in metas if m.region == region for a in m.aliases} or {region}
        pos = min((q.find(a) for a in aliases if a in q), default=-1)
        if pos >= 0:
            where.append((pos, region))
    where.sort()
    if len(where) < 2:
        return {}
    ends = [p for p, _ in where[1:]] + [len(q)]
    tail_ask = re.split(r"[,，]", q[ends[-2]:])[-1]
    segments = {}
    for (start, region), end in zip(where, ends):
        own = q[start:end]
        if len(re.sub(r"[\W_]|和|与|及|的|、", "", own)) < 6:
            return {}
        segments[region] = own if end == len(q) else own + tail_ask
    return segments


def _split(question: str) -> list[str]:
    """A question that asks two things ("...叫什么?...有多少?", "…多少份，纠正了几件") is two questions; a
    short tail, or a clause without a how-many, joins the last."""
    pieces = [p for p in re.split(r"(?<=[?？])", question) if p.strip()]
    # "审了多少份…，纠正了几件": two how-many asks in one sentence are two questions too.
    clauses = [c for p in pieces for c in (re.split(r"(?<=[，,])", p) if len(HOW_MANY.findall(p)) >= 2 else [p])]
    parts: list[str] = []
    for piece in clauses:
        clause_tail = bool(parts) and parts[-1].endswith(("，", ",")) and not HOW_MANY.search(piece)
        if parts and (len(re.sub(r"[\W_]", "", piece)) < 4 or clause_tail):
            parts[-1] += piece
        else:
            parts.append(piece)
    return parts or [question]
