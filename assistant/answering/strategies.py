"""One small strategy per kind of question, each `answer(plan, tools) -> Found`.

Strategies read the plan and search through `Tools`, so each can be tested with a fake search
over a few hand-made passages. They return evidence (lines of report sentences) or a reason to
decline; `answering.answer_plan` turns that into the user's Answer.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from ..genre import (ADMIN_SUFFIXES, AMONG, ASKING_Q, CHANGES, CHANGE_Q, CHANGE_RATE_Q, CHANGE_RATE_WORDS,
                     CHANGE_STATED, COUNTED_PEOPLE, CROSS_Q, DEPARTMENT_START, DOCUMENT_Q, DOUBLED_Q, DOWN_Q,
                     EQUIVALENTS, EVERY_Q, FIGURE_Q, FIGURE_STAGES, FILLER_WORDS, FRAME_WORDS, FULL_COVERAGE, GOES_ON,
                     HAS_Q, HOTLINE, HOW_MANY, ISSUE_VERBS, LAST_YEAR_STATED, LESS_Q, LEVEL_Q, LIGHT_WORDS, MORE_Q,
                     MORE_WORDS, NONE_BEFORE, NONE_OF, NOT_REACHED, NOUN_ENDS, ORDER_LIST_Q, OWN_LEVEL,
                     OWN_LEVEL_STATED, PART_START, PLANS_AIM, PLANS_SECTION, PLAN_WORDS, PROBLEM_HEADING,
                     QUALIFIER_GROUPS, QUALIFIER_WORDS, RANK_Q, RATE_ENDS, SCOPE_ASKED, SCOPE_ASKED_Q, SHARED_FIGURE,
                     SHORT_YEAR, SINCE_LAST_YEAR_Q, SUBUNIT_NAMED, SUFFIX_WORDS, SUPERLATIVE_Q, TARGET_BEFORE,
                     THRESHOLD_ASKED, THRESHOLD_Q, UP_Q, VERSUS_Q, WHICH_NOT_Q, WHOLE_ASKED, WHY_Q, YEAR, YEARS_SPAN_Q)
from ..figures import parse_number
from ..gazetteer import gazetteer
from ..normalize import fold, sentence_spans
from ..records import Chunk, Passage, ReportMeta
from .evidence import (MEASURES, Extractor, Query, Scored, asked_clauses, counts_measure, figure_fits, figures,
                       measure_asked, qualifiers_in, report_head, scored_spans, states_change, unit_asked,
                       without_parts, without_repeated_rows)
from .plan import QuestionPlan

if TYPE_CHECKING:
    from ..compare import Comparison, Row
from .sections import closing_items

_NAMED_RELIEF = 0.8  # threshold factor for a report the question names
_OWN_LEVEL = 0.85  # coverage factor of a 本级 sentence when the whole area is asked: a 全省 one goes first
_PER_REPORT_SENTENCES = 2
_PER_REPORT_PASSAGES = 5  # a report's figure is often not in its best-matching passage
_KNOWN_NEAR = 0.9  # credit of a genre equivalent of a word the collection uses itself
_SEARCH_NEAR = 0.7  # a term by meaning joins the search only this near (looser ones only score sentences)
_WINDOW = 10  # characters after a term in which its figure stands: 案结事了率82.5%
_PHRASES = sorted((k for k in EQUIVALENTS if len(k) >= 3), key=len, reverse=True)
_MEASURE_NOUN = re.compile(r"(.{2,}?)(数量|总数|总量|数|量)")
_TENTHS = re.compile(r"([一二三四五六七八九])成")
_CHANGED = re.compile(rf"(?:{CHANGES}|增幅|降幅)[^，,。；;\d]{{0,6}}$")  # a change figure follows


@dataclass
class Tools:
    """What strategies may use: search, the extractor, and read access to the reports."""

    search: Callable[[str, list[str] | None, int], list[Passage]]
    extractor: Extractor
    metas: Callable[[], dict[str, ReportMeta]]
    document_text: Callable[[str], str]
    folded_text: Callable[[str], str]
    chunks_of: Callable[[str], list[Chunk]]
    words: Callable[[str], list[str]]  # content words of a question (Lexicon.words)
    near: Callable[[list[str]], dict[str, list[tuple[str, float]]]]  # meaning.Meanings.near
    evidence_k: int  # passages whose sentences a one-report answer is drawn from (settings.evidence_passages)
    max_reports: int  # reports a cross-report answer goes through (settings.cross_reports)
    # The figures table across reports (compare.py): (question, regions, years) -> Comparison; None: not used.
    compare: Callable[[str, list[str] | None, list[int] | None], Comparison] | None = None


@dataclass
class Found:
    """Evidence lines (a head, then cited sentences) or, when `refused`, why not."""

    lines: list[tuple[str, list[Scored]]] = field(default_factory=list)
    table: str = ""  # a comparison table (Markdown) when the answer came from the figures table
    refused: bool = False
    unstated: bool = False  # a yes/no the report leaves open (报告未说明): no answer, though the evidence is shown
    reason: str = ""
    passages: list[Passage] = field(default_factory=list)


# -- the question as the extractor sees it --------------------------------------------------
def key_terms(text: str, tools: Tools) -> list[str]:
    """Content words, without the region names and years that routing already used."""
    names = {a for m in tools.metas().values() for a in m.aliases}
    terms: list[str] = []
    text = SINCE_LAST_YEAR_Q.sub(" ", SHORT_YEAR.sub(r"20\1", text))  # 受理数比上年: no 数比 (比22年降了)
    text = _without_places(HOW_MANY.sub(" ", YEAR.sub(" ", text)), tools)
    # Everyday phrases the genre's equivalences know (省下来, 请不起律师) stay whole: the tokenizer would
    # cut them into pieces that mean nothing on their own (省 / 下来).
    for phrase in _PHRASES:
        if phrase in text and not _cuts_a_word(text, phrase, tools):
            terms.append(phrase)
            text = text.replace(phrase, " ")
    for word in _resplit(tools.words(text), tools):
        if (word in names or re.fullmatch(r"20\d{2}|\d+(?:\.\d+)?%?|[a-z]", word) and not HOTLINE.fullmatch(word)
                or word in terms or word in FRAME_WORDS or word in FILLER_WORDS):
            continue
        if word.endswith("了") and (len(word) >= 4 or tools.extractor.idf(word[:-1]) is not None):
            word = word[:-1]  # 审结了 -> 审结; 为了 / 除了 stay (and are no topic)
        if len(word) >= 2 and word[0] in "各有没" and tools.extractor.idf(word) is None:
            word = word[1:]  # 各调 -> 调, 有输 -> 输: a word the collection never uses, cut where the asker glued it
        if word in NOUN_ENDS and terms and terms[-1] + word in text:
            terms[-1] += word  # 审结|率 -> 审结率, 人民调解|员 -> 人民调解员: the tokenizer cut a noun off its end
            continue
        terms.append(_counted(word, tools))
    return list(dict.fromkeys(terms))


def _resplit(words: list[str], tools: Tools) -> list[str]:
    """Words the tokenizer cut across the collection's own words, cut again where the collection would:
    新|收复|议 -> 新收|复议 (the reports say 新收行政复议申请; 收复 is no word of theirs)."""
    def known(word: str) -> bool:
        return len(word) >= 2 and tools.extractor.idf(word) is not None

    out = list(words)
    for i in range(len(out)):
        if not out[i] or known(out[i]) or len(out[i]) < 2:
            continue
        for a, b in ((i - 1, i + 1), (i - 1, i), (i, i + 1)):
            if a < 0 or b >= len(out) or not all(out[a:b + 1]):
                continue
            joined = "".join(out[a:b + 1])
            cut = next((k for k in range(2, len(joined) - 1) if known(joined[:k]) and known(joined[k:])), None)
            if cut is not None:
                out[a:b + 1] = [joined[:cut], joined[cut:]] + [""] * (b - a - 1)
                break
    return [w for w in out if w]


def _without_places(text: str, tools: Tools) -> str:
    """The text without the collection's region names (比乙县 is not a topic word); in 甲市长 / 甲市场监管 the
    suffix belongs to the next word (市长, 市场) and stays."""
    names = {a for m in tools.metas().values() for a in m.aliases}
    for name in sorted((n for n in names if len(n) >= 2 and n in text), key=len, reverse=True):
        if name.endswith(ADMIN_SUFFIXES):
            text = re.sub(re.escape(name[:-1]) + f"(?={re.escape(name[-1])}{SUFFIX_WORDS})", " ", text)
        text = text.replace(name, " ")
    return text


def _boundaries(text: str, tools: Tools) -> set[int]:
    """Where the tokenizer cuts a text: the start and end of each content word, and where a place name taken
    out of it left a gap (甲区X和街道 -> " X和街道": a township's characters may be function words the
    tokenizer drops, as 中 and 和 are)."""
    cuts, at = {0, len(text)} | {m.end() for m in re.finditer(r"\s+", text)}, 0
    for word in tools.words(text):
        at = text.find(word, at)
        if at < 0:
            break
        cuts |= {at, at + len(word)}
        at += len(word)
    return cuts


def _cuts_a_word(text: str, phrase: str, tools: Tools) -> bool:
    """调解成 in 调解成功率: the phrase's last character starts a word of the collection (成功率) that goes on."""
    end = text.find(phrase) + len(phrase)
    words = [text[end - 1:end + k] for k in (1, 2, 3) if end + k <= len(text)]
    return any(tools.extractor.idf(w) is not None and w not in LIGHT_WORDS and w not in FRAME_WORDS for w in words)


def _counted(word: str, tools: Tools) -> str:
    """案件数 / 收案量 / 办案数量 -> 案件 / 收案 / 办案: "the number of X" asks about X (the figure is asked anyway).

    Only for a word the collection never uses: 数量 in 案件数量 is the report's own wording then."""
    m = _MEASURE_NOUN.fullmatch(word)
    if m and tools.extractor.idf(word) is None:
        return m.group(1)
    return word


def make_query(plan: QuestionPlan, tools: Tools, sources: list[str] | None) -> Query:
    asked = fold(plan.ask)
    for frame in (WHICH_NOT_Q, CROSS_Q, RANK_Q, LEVEL_Q, YEARS_SPAN_Q):  # how the reports are asked, not what
        asked = frame.sub(" ", asked)
    figure = plan.figure
    required = _required(plan, tools) if figure else tuple(plan.within)
    terms = key_terms(asked, tools)
    # 审查…审了: the one-character verb repeats a word of the question, and would count its weight twice
    terms = [t for t in terms if len(t) > 1 or not any(t in other for other in terms if other != t)]
    # The township asked (某某街道) must be in the sentence, checked apart: its figure's topic is the rest.
    if figure:
        terms = [t for t in terms if not any(t in r for r in required)] or terms
    context = [t for t in key_terms(plan.context, tools) if t not in terms] if plan.context else []
    pool = sources if sources is not None else list(tools.metas())
    texts = [tools.folded_text(s) for s in pool[:tools.max_reports]]
    if any(c.what == "话题" for c in plan.carried) and len(terms) > 1:
        # 那乙县呢: the earlier question's words for its own report (办事场景) that this report never uses count
        # half, as the context they are; the words it shares (一件事) carry the topic.
        moved = [t for t in terms if not any(t in x for x in texts)]
        if len(moved) < len(terms):
            terms, context = [t for t in terms if t not in moved], context + moved
    strange = [t for t in terms + context if t not in LIGHT_WORDS and (tools.extractor.idf(t) is None
                                                                      or not any(t in x for x in texts))]
    expansions = tools.near(strange) if strange else {}
    # A word the collection uses may still be the asker's where reports say it otherwise (领导 for 负责人):
    # the genre's known equivalences count for it too.
    known = {**EQUIVALENTS, **(ISSUE_VERBS if DOCUMENT_Q.search(asked) else {})}  # 出 a 文件: 制发 it
    expansions.update({t: [(alt, _KNOWN_NEAR) for alt in known[t] if alt != t]
                       for t in terms + context if t not in expansions and t in known})
    # A stage is said in several words (收案 / 收到 / 新收): each of them states it.
    expansions.update({t: [(w, _KNOWN_NEAR) for w, stage in FIGURE_STAGES.items()
                           if stage == FIGURE_STAGES[t] and w != t]
                       for t in terms if t not in expansions and t in FIGURE_STAGES})
    rates = tuple(dict.fromkeys(r for t in terms if t.endswith("率") and len(t) >= 3
                                for r in [t] + _shorter_rates(t, tools) + [alt for alt, _ in expansions.get(t, [])]))
    # 输的比例 -> 败诉率, 输官司的比例 -> 败诉 -> 败诉率: a word said for a rate (of a share question) asks it;
    # a count asked (调解和解结案几件) asks no rate said for its words
    measure = measure_asked(plan.ask) if figure else None
    change = _asks_change(plan)
    rates += tuple(dict.fromkeys(
        rate for t in terms if not t.endswith("率") for alt, sim in expansions.get(t, []) if sim >= _KNOWN_NEAR
        for rate in (alt, alt + "率", _rate_written(alt, texts) if measure == "share" and not change else "")
        if rate.endswith("率") and rate not in rates
        and (rate == alt and measure in (None, "share") or measure == "share" and any(rate in x for x in texts))))
    return Query(text=plan.text, terms=terms + context, context=frozenset(context), numeric=figure,
                 listing=plan.intent in ("list", "which", "problems", "plans"),
                 expansions=expansions, rates=rates if figure else (),
                 rate_of=_rate_of(asked, terms, tools) if figure and rates else "",
                 measure=measure,
                 counted=_counted_people(asked) if figure else "",
                 required=required,
                 qualifiers=qualifiers_in(plan.ask) if figure else frozenset(),
                 change=change,
                 target=bool(PLAN_WORDS.search(fold(plan.ask))),
                 # (the head may be an everyday word the genre says otherwise: 输了几件 counts 败诉)
                 head=_head(fold(plan.ask), [t for t in terms if tools.extractor.idf(t) is not None or len(t) <= 2
                                             and any(sim >= _KNOWN_NEAR for _, sim in expansions.get(t, ()))])
                 if plan.intent in ("figure", "compare") else "")


def _required(plan: QuestionPlan, tools: Tools) -> tuple[str, ...]:
    """What an answering sentence must name: a district asked of its city's report, a township or community
    the question names (某溪镇), or the unit asked below the report's whole area (乡镇 / 街道 / 本级)."""
    if plan.within:
        return tuple(plan.within)
    asked = _without_places(fold(plan.ask), tools)
    cuts = _boundaries(asked, tools)  # 某溪镇 is a word of the question; 目前社区(矫正) / 统筹城乡 are not
    # every start, overlapping: in 甲丙丁戊街道 the name starts where the tokenizer cuts (丙丁戊街道, not 甲丙丁戊)
    named = [m.group(1) for m in re.finditer(f"(?={SUBUNIT_NAMED.pattern})", asked)
             if m.start(1) in cuts and m.end(1) in cuts]
    return tuple(named[:1]) or tuple(dict.fromkeys(SCOPE_ASKED[w] for w in SCOPE_ASKED_Q.findall(asked)))


def _counted_people(question: str) -> str:
    """The people a headcount question counts, when it names them (多少名执法人员 -> 执法人员)."""
    m = COUNTED_PEOPLE.search(question)
    return m.group(1) if m else ""


def _asks_change(plan: QuestionPlan) -> bool:
    """增长了多少 / 增幅 / 比上年多了吗: the change a report states; not 变化了多少 over one region's years, which
    is computed across its reports."""
    q = fold(plan.ask)
    # 为啥下降了 of something that is no figure (复议案件): the change stated tells whether it fell
    why = WHY_Q.search(q) and not FIGURE_Q.search(q)
    since = bool((SINCE_LAST_YEAR_Q.search(q) or why) and (UP_Q.search(q) or DOWN_Q.search(q)))
    return not (len(plan.regions) == 1 and len(plan.years) > 1) and (bool(CHANGE_Q.search(q)) or since)


def _head(question: str, terms: list[str]) -> str:
    """The content term right before the how-many word (败诉 in 一审行政诉讼败诉了多少件), "" when none is."""
    asked = HOW_MANY.search(question)
    if not asked:
        return ""
    before = [(question.rfind(t, 0, asked.start()), t) for t in terms
              if t not in LIGHT_WORDS and t not in QUALIFIER_WORDS and 0 <= question.rfind(t, 0, asked.start())]
    if not before:
        return ""
    at, term = max(before, key=lambda x: x[0] + len(x[1]))
    return term if re.fullmatch(r"了?(?:共|一共|总共|累计)?", question[at + len(term):asked.start()]) else ""


def _rate_written(word: str, texts: list[str]) -> str:
    """The rate the collection writes most often after a word said for a share (出庭 -> 出庭应诉率), "" if none."""
    found = Counter(m.group(0) for x in texts for m in re.finditer(re.escape(word) + r"[\u4e00-\u9fff]{0,3}?率", x))
    return found.most_common(1)[0][0] if found else ""


def _rate_of(question: str, terms: list[str], tools: Tools) -> str:
    """The collection's term written right before the rate asked (案卷 in 执法案卷合格率): the rate is of it.

    Only a term the collection uses and that says what is measured: not a light word, a qualifier or a
    region (the rate of 全市 is no other rate)."""
    for rate in (t for t in terms if t.endswith("率") and len(t) >= 3):
        at = question.find(rate)
        before = [t for t in terms if t != rate and at > 0 and question[:at].endswith(t)]
        if before and before[0] not in LIGHT_WORDS and before[0] not in QUALIFIER_WORDS \
                and tools.extractor.idf(before[0]) is not None:
            return before[0]
    return ""


def _shorter_rates(rate: str, tools: Tools) -> list[str]:
    """复议综合纠错率 -> 综合纠错率, 纠错率: the same rate as a report may name it, when the collection uses it."""
    return [rate[i:] for i in range(1, len(rate) - 2) if tools.extractor.idf(rate[i:]) is not None]


def search_text(plan: QuestionPlan, query: Query) -> str:
    """The standalone question plus the collection's words for what it asked in other words."""
    extra = [alt for alts in query.expansions.values() for alt, sim in alts if sim >= _SEARCH_NEAR]
    return plan.text + (" " + " ".join(dict.fromkeys(extra)) if extra else "")


def _fitting(query: Query, scored: list[Scored]) -> list[Scored]:
    """Sentences stating the figure asked; not the targets of next year's plans (力争A控制在12%以内，B达到25%:
    the 力争 governs both clauses; 推动出庭应诉率达到100%) unless a target is asked."""
    if not query.numeric:
        return scored
    return [s for s in scored if figure_fits(query, s.text, s.lead)
            and (query.target or not (_in_plans(s) and PLANS_AIM.search(fold(s.text))))]


def _in_plans(s: Scored) -> bool:
    """A sentence of the report's plans section (三、下一步工作打算 / 四、2024年工作安排): its figures are targets."""
    top = fold(s.passage.chunk.section.split(" > ")[0])
    year = s.passage.chunk.meta.year
    later = year is not None and any(int(y) > year for y in re.findall(r"(20\d{2})年", top))
    return bool(PLANS_SECTION.search(top) or later) and not PROBLEM_HEADING.search(top)


# -- strategies -------------------------------------------------------------------------------
def single(plan: QuestionPlan, tools: Tools, correct_premise: bool = True) -> Found:
    """Figure, fact and list questions about the reports in scope: the best sentences of the best report.

    A question assuming the opposite direction of what the report says gets a correction first
    (a yes/no question says 否 instead: `correct_premise=False`).
    """
    query = make_query(plan, tools, plan.sources)
    passages = tools.search(search_text(plan, query), plan.sources, tools.evidence_k)
    scored = tools.extractor.score(query, passages)
    if query.numeric and not plan.within:  # the unit asked, not a part of it the report goes on to
        asked = fold(plan.ask + plan.context)
        named = {name for _, name in gazetteer().scan(asked)} | set(PART_START.findall(asked)) | set(query.required)
        scored = [s for s in scored if not _about_a_part(s, named)]
        if WHOLE_ASKED.search(asked):
            scored = [s for s in scored if _of_the_whole(fold(s.text))]
        if not query.required:  # the whole area asked: a figure of the government's own level comes second
            scored = sorted((replace(s, coverage=s.coverage * _OWN_LEVEL) if OWN_LEVEL in fold(s.text) else s
                             for s in scored), key=lambda s: s.coverage, reverse=True)
    floor = tools.extractor.fact_threshold if plan.intent in ("fact", "list") and not query.numeric else None
    if query.measure == "share" and any({alt, alt + "率"} & set(query.rates) for t in query.terms
                                        if not t.endswith("率") for alt, _ in query.expansions.get(t, ())):
        floor = tools.extractor.fact_threshold  # 当被告的官司输的比例: the rate stands for all those words
    picked = tools.extractor.pick(_fitting(query, scored), query.listing, floor)
    if query.numeric and len(picked) > 1 and len(HOW_MANY.findall(fold(plan.ask))) == 1:
        # one figure asked: a runner-up naming fewer of the asked words is a neighbour's figure (省政府…制发规范性
        # 文件46件 answers 省政府自己发的红头文件, not 审查…报备的规范性文件598件 after it)
        named = [_words_named(query, s) for s in picked]
        picked = [s for s, n in zip(picked, named) if n == max(named)]
    if picked and correct_premise and plan.intent != "figure" and query.change \
            and not any(states_change(query, s.text, s.lead) for s in picked):
        # 为啥下降了 answered by sentences stating no change: the one that states it, if any, tells the premise.
        stated = single(replace(plan, intent="figure"), tools, correct_premise)
        if not stated.refused:
            return stated
    typed = unit_asked(plan.ask) if query.numeric else ""  # (人 / 名 / 位 are one word for a head)
    exact = [s for s in picked if any(f[1] == typed for f in figures(s.text))] if typed not in ("", *"人名位") else []
    if exact and len(exact) < len(picked):  # 审了多少份: the sentence counting 份, not the 1126件 before it
        picked = exact
    if picked:
        head = report_head(picked[0].passage.chunk.meta, False)
        note = premise(plan.ask, picked, query.terms) if correct_premise else ""
        # A follow-up naming no topic (那乙县呢) gets what the earlier answer got, beside figures and all.
        # (a rate carried over is named: 那乙市呢 after 网上可办率多少 quotes its 网上可办率, not the 掌上可办率 before)
        own_words = any(t in fold(plan.question) for t in query.terms) or bool(query.rates)
        quoted = [asked_clauses(s, query) for s in picked]
        quoted = [without_parts(s, query) for s in quoted] if own_words else quoted
        quoted = without_repeated_rows(quoted)
        return Found([(note + head, quoted)], passages=passages)
    # The topic is there (its words, without the qualifier that no sentence matched), the figure is not.
    topic = replace(query, terms=[t for t in query.terms if t not in QUALIFIER_WORDS] or query.terms)
    if query.measure == "headcount" and tools.extractor.pick(_fitting(replace(query, measure="people"), scored), False):
        return Found(refused=True, passages=passages, reason=f"报告未给出{_asked(plan)}的人数，只给出人次。")
    if query.numeric and tools.extractor.pick(tools.extractor.score(topic, passages), False):
        return Found(refused=True, passages=passages, reason=f"报告未给出{_asked(plan)}的具体数字。")
    return Found(refused=True, passages=passages)


def _words_named(query: Query, s: Scored) -> int:
    """How many of the asked terms a sentence (or the clauses it goes on from) names, in the collection's words."""
    text = fold(s.lead + s.text)
    return sum(any(w in text for w in (t, *(alt for alt, _ in query.expansions.get(t, ())))) for t in query.terms)


def _of_the_whole(folded: str) -> bool:
    """A sentence that may answer for the whole area (全县…): not one of a department (县…局全年办理…) or of the
    government's own level (市本级… / 在市政府审结案件中), unless it names the whole too."""
    return bool(WHOLE_ASKED.search(folded)) or not (DEPARTMENT_START.match(folded) or OWN_LEVEL_STATED.search(folded))


def _about_a_part(s: Scored, named: set[str]) -> bool:
    """A sentence opening with a unit below the report's own (某某街道… / 其中，某某区…) that the question does
    not name (`named`: the places it does): its figures are that unit's, not the whole one's asked about."""
    folded = fold(s.text)
    meta = s.passage.chunk.meta
    own = {meta.region, *meta.aliases} | named
    if any(n in folded for n in named - {meta.region, *meta.aliases, *meta.path}):
        return False  # 其中乙街道…，丙街道…412件: it goes on to the unit asked (a unit below, not its province)
    opening = PART_START.match(folded)
    if opening and not any(name.endswith(opening.group(1)) for name in own):  # (甲区乙街道 asked names 乙街道)
        return True
    lead = len(opening.group(0)) - len(opening.group(1)) if opening else len(AMONG.match(folded).group(0))
    return any(start <= lead + 1 and name not in own and not name.startswith(tuple(own))
               for start, name in gazetteer().scan(folded[:12]))


def sections(plan: QuestionPlan, tools: Tools) -> Found:
    """Problems found / next year's plans: the items of that closing section of the report."""
    source = plan.sources[0] if plan.sources and len(plan.sources) == 1 else None
    if source is None:
        top = tools.search(plan.text, plan.sources, 1)
        source = top[0].chunk.source if top else None
    items = _closing(source, plan.intent, tools) if source else []
    if not items:
        return single(plan, tools)
    return Found([(report_head(items[0].passage.chunk.meta, False), items)], passages=[i.passage for i in items])


def yes_no(plan: QuestionPlan, tools: Tools) -> Found:
    """是 / 否 / 报告未说明 first, then the evidence."""
    found = single(plan, tools, correct_premise=False)
    q = fold(plan.ask)
    direction = bool(UP_Q.search(q) or DOWN_Q.search(q))
    if not found.refused and not plan.figure and (direction or MORE_Q.search(q) or LESS_Q.search(q)) and not any(
            CHANGE_STATED.search(fold(s.text)) if direction else figures(s.text) for _, g in found.lines for s in g):
        # "有没有比上年低？": the sentence with the figures (a change, for a direction) beats one that only says
        # 双下降 or gives other figures, when there is one.
        stated = single(replace(plan, intent="figure"), tools, correct_premise=False)
        found = found if stated.refused else stated
    if found.refused:
        if plan.sources is not None and not plan.sources:
            return found
        years = _against_last_year(plan, tools)
        if years is not None:
            return years
        return Found(refused=True, passages=found.passages,
                     reason=f"报告未说明{_asked(plan)}的情况。" if not found.reason else "报告未说明。" + found.reason)
    evidence = _evidence(found)
    head, group = found.lines[0]
    # Each asked word as the evidence says it, where the genre knows the equivalence (出庭率: 出庭应诉率).
    terms = [t if t in evidence else next((alt for alt in EQUIVALENTS.get(t, ()) if alt in evidence), t)
             for t in key_terms(plan.ask, tools)]
    said = verdict(plan.ask, terms, evidence, tools.extractor.idf)
    if said == UNCOMPARED:  # 纠错率在10%以内吗 found the target 力争…控制在10%以内: the figure itself decides
        level = single(replace(plan, ask=THRESHOLD_ASKED.sub("", q) + "是多少", intent="figure"), tools, False)
        evidence = _evidence(level)
        again = verdict(plan.ask, terms, evidence, tools.extractor.idf) if not level.refused else said
        if again in ("是。", "否。"):
            found, said = level, again
            head, group = found.lines[0]
    if said == UNSTATED_CHANGE:
        years = _against_last_year(plan, tools)
        if years is not None:
            return years
    return Found([(f"{said}{head}", group)] + found.lines[1:], passages=found.passages,
                 unstated=said in (UNSTATED_CHANGE, UNSTATED_PLANNED, UNSTATED_ABSENT))


def _evidence(found: Found) -> str:
    """The quoted sentences of a found answer, folded: what a verdict is read from."""
    return fold("".join(s.text for _, g in found.lines for s in g))


def _against_last_year(plan: QuestionPlan, tools: Tools) -> Found | None:
    """这个比例比去年高吗 where the report states no change, but the collection holds the region's report of the
    year before: both years' figures compared in code, the verdict first, then each report's evidence."""
    q = fold(plan.ask)
    asked = "up" if UP_Q.search(q) else "down" if DOWN_Q.search(q) else ""
    if not asked or len(plan.regions) != 1 or len(plan.years) != 1 or not SINCE_LAST_YEAR_Q.search(q):
        return None
    metas = tools.metas()
    pair = [next((s for s, m in metas.items() if m.region == plan.regions[0] and m.year == year), None)
            for year in (plan.years[0], plan.years[0] - 1)]
    if None in pair:
        return None
    level = re.sub(r"[吗呢么？?]", "", DOWN_Q.sub("", UP_Q.sub("", SINCE_LAST_YEAR_Q.sub("", q)))) + "是多少"
    lines, values, passages = [], [], []
    for source in pair:  # each year's level of it (纠错率是多少), not a change neither report states
        own = replace(plan, ask=level, intent="figure", sources=[source], years=[metas[source].year])
        found = single(own, tools, correct_premise=False)
        stated = None if found.refused else _figure_of(make_query(own, tools, [source]), found.lines[0][1])
        if stated is None:
            return None
        values.append((_value(stated[0][0]), stated[0][1]))
        lines.append((report_head(metas[source], True), [stated[1]]))
        passages += found.passages
    (now, unit), (before, unit_before) = values
    if now is None or before is None or unit != unit_before or now == before:
        return None
    said = "是。" if (now > before) == (asked == "up") else "否。"
    return Found([(f"{said}（据该地两年报告所载数字比较）", [])] + lines, passages=passages)


def cross(plan: QuestionPlan, tools: Tools) -> Found:
    """Questions over several reports (哪些地方 / 各地 / 分别 / 排名 / 哪份没写): report by report."""
    metas = tools.metas()
    candidates = plan.sources if plan.sources is not None else list(metas)
    versus = plan.intent == "yes_no" and len(plan.regions) == 2 and bool(VERSUS_Q.search(fold(plan.ask)))
    query = make_query(replace(plan, intent="compare") if versus else plan, tools, candidates)  # figures compared
    text = search_text(plan, query)
    if len(candidates) > tools.max_reports:
        wide = tools.search(text, candidates, 30)
        candidates = list(dict.fromkeys(p.chunk.source for p in wide))[:tools.max_reports]
    named = bool(plan.regions)
    floor = tools.extractor.threshold * (_NAMED_RELIEF if named else 1.0)
    groups: dict[str, list[Scored]] = {}
    looked: list[Passage] = []
    for source in candidates:
        own_query, own_text = query, text
        segment = plan.segments.get(metas[source].region)
        if segment:
            own_plan = replace(plan, ask=segment, regions=[metas[source].region], segments={})
            own_query = make_query(own_plan, tools, [source])
            own_text = search_text(own_plan, own_query)
        found = tools.search(own_text, [source], _PER_REPORT_PASSAGES)
        looked.extend(found)
        group = tools.extractor.pick(_fitting(own_query, tools.extractor.score(own_query, found)), query.listing, floor)
        if group:
            groups[source] = group[:_PER_REPORT_SENTENCES + int(query.listing)]
    if plan.intent in ("compare", "rank") and not plan.segments:
        tabled = _from_table(plan, tools, query, floor, groups)
        if tabled is not None:
            tabled.passages = looked
            return tabled
    silent = [metas[s] for s in candidates if s not in groups]
    scope = [metas[s] for s in candidates]
    if not groups and plan.intent != "which_not":
        return Found(refused=True, passages=looked)
    if plan.intent == "rank":
        return Found(_ranked(plan, query, groups, metas) + _silent_line(silent, scope), passages=looked)
    if versus:
        return Found(_versus(plan, query, groups, metas) + _silent_line(silent, scope), passages=looked)
    if plan.intent == "which" and THRESHOLD_Q.search(fold(plan.ask)):
        return Found(_meeting(plan, query, groups, metas) + _silent_line(silent, scope), passages=looked)
    ordered = sorted(groups.items(), key=lambda kv: -kv[1][0].coverage)
    lines = [(report_head(metas[s], True), g) for s, g in ordered]
    if plan.intent == "which_not":
        names = _names(silent, scope) or "无（各报告都写到了）"
        return Found([(f"没有写到的报告：{names}。", [])] + ([("写到的报告：", [])] + lines if lines else []),
                     passages=looked)
    return Found(lines + _silent_line(silent, scope), passages=looked)


def _from_table(plan: QuestionPlan, tools: Tools, query: Query, floor: float,
                groups: dict[str, list[Scored]]) -> Found | None:
    """A compare or rank question answered from the figures table, when every figure it lists answers it.

    Each reported row's sentence must pass the same evidence gate as any answer sentence; otherwise
    (a table of a neighbouring indicator) the sentence strategy answers instead. A report the table has
    no row for but whose sentences answer (`groups`, worded so the table could not file it) is quoted
    below the table rather than called 未报告.
    """
    if tools.compare is None:
        return None
    scope = plan.regions or (sorted({tools.metas()[s].region for s in plan.sources}) if plan.sources else None)
    table = tools.compare(plan.ask, scope, plan.years or None)  # 地级市的报告里…: the reports in scope only
    if not table.matched:
        return None
    ranking = plan.intent == "rank"
    rows = table.ranking(ascending=not plan.descending) if ranking else table.rows
    # "分别是多少" shows each report's figure (with its 口径); a ranking only compares like with like.
    reported = [r for r in rows if r.reported and (r.comparable or not ranking) and r.citation is not None]
    if len(reported) < 2:
        return None
    lines: list[tuple[str, list[Scored]]] = []
    order, most = "从高到低" if plan.descending else "从低到高", _superlative(plan) if ranking else ""
    if most:  # 哪个最高: the first (and any tie), the rest by name
        top = [r for r in reported if r.value == reported[0].value]
        lines.append((_top_head([tools.metas()[r.source] for r in top], most, table.indicator), []))
    elif ranking:
        lines.append((f"按报告所载数字{order}排列（{table.indicator}，据各报告计算）：", []))
    def line(row: Row, prefix: str) -> tuple[str, list[Scored]] | None:
        """The row with its sentence, or None when the sentence does not state the row's figure as asked."""
        c = row.citation
        text = tools.document_text(c.source)
        sentence = scored_spans([(c.start, c.end)], text, tools.chunks_of(c.source), 1.0)
        if not sentence or tools.extractor.coverage(query, sentence[0].text, c.section) < floor:
            return None
        stated = [f[0] for f in _near_terms(sentence[0].text, query.terms)]
        if not any(f in fold(row.wording) or fold(row.wording) in f for f in stated):
            return None  # the row's figure is not the one stated for what was asked
        at = fold(sentence[0].text).find(fold(row.wording))
        if not query.target and at > 0 and TARGET_BEFORE.search(fold(sentence[0].text)[:at]):
            return None  # a target (力争…达到35%) is not what was achieved: the sentences answer instead
        where = f"{row.region}（{row.year}年）" if row.year else row.region
        kind = f"（{row.note or row.qualifier}）" if not row.comparable and (row.note or row.qualifier) else ""
        shown = f"{row.change}{row.wording}" if row.change else row.wording  # 同比下降8.4%: ranked below zero
        return f"{prefix}{where} {shown}{kind}：", sentence

    for n, row in enumerate(top if most else reported, 1):
        shown = line(row, _ordinal(n) + " " if ranking and not most else "")
        if shown is None:
            return None
        lines.append(shown)
    if most:
        metas = tools.metas()
        lines += _the_rest([metas[r.source] for r in reported[len(top):]], [metas[r.source] for r in reported], order)
    others = [r for r in table.rows if r.reported and not r.comparable and r.citation is not None] if ranking else []
    if others:  # shown with their figure and 口径, each cited, but not ranked against the others
        lines.append(("口径不同、未参与比较：", []))
        lines += [shown for shown in (line(r, "") for r in others) if shown is not None]
    silent = [r for r in table.rows if not r.reported]
    said = [r for r in silent if r.source in groups]
    if said:
        lines.append(("以下报告的表述未能归入同一指标，摘录原文：", []))
        lines += [(report_head(tools.metas()[r.source], True), groups[r.source]) for r in said]
    unsaid = [r for r in silent if r.source not in groups]
    if unsaid:
        lines.append(("未报告：" + "、".join(dict.fromkeys(r.region for r in unsaid)) + "。", []))
    return Found(lines, table=table.to_markdown(ascending=not plan.descending))


def _ranked(plan: QuestionPlan, query: Query, groups: dict[str, list[Scored]],
            metas: dict[str, ReportMeta]) -> list[tuple[str, list[Scored]]]:
    """Reports ordered by the figure of their best fitting sentence; those without a comparable one named."""
    valued, other = [], []
    for source, group in groups.items():
        figure = _figure_of(query, group)
        value = _value(figure[0][0]) if figure else None
        (valued if value is not None else other).append((source, group, value, figure))
    units = {f[0][1] for _, _, _, f in valued}
    if len(units) > 1:  # never sort 件 against %: keep the most common unit, name the rest
        common = max(units, key=lambda u: sum(f[0][1] == u for _, _, _, f in valued))
        other += [v for v in valued if v[3][0][1] != common]
        valued = [v for v in valued if v[3][0][1] == common]
    valued.sort(key=lambda v: v[2], reverse=plan.descending)
    order = "从高到低" if plan.descending else "从低到高"
    lines: list[tuple[str, list[Scored]]] = []
    most = _superlative(plan)
    if valued and most:  # 哪个最高: the first (and any tie), the rest by name
        top = [v for v in valued if v[2] == valued[0][2]]
        lines.append((_top_head([metas[s] for s, *_ in top], most), []))
        lines += [(f"{_name(metas[source])} {figure[0][0]}：", [figure[1]]) for source, _, _, figure in top]
        lines += _the_rest([metas[s] for s, *_ in valued[len(top):]], [metas[s] for s, *_ in valued], order)
    else:
        lines.append((f"按报告所载数字{order}排列（据各报告计算）：", []))
        for n, (source, group, _, figure) in enumerate(valued, 1):
            lines.append((f"{_ordinal(n)} {_name(metas[source])} {figure[0][0]}：", [figure[1]]))
    if other:
        lines.append(("无法与上面直接比较（未给出同类数字）：", []))
        lines += [(report_head(metas[s], True), g) for s, g, _, _ in other]
    return lines


def _superlative(plan: QuestionPlan) -> str:
    """最高 / 最多 … when a ranking asks only for its top (not 排名 / 从高到低 / 前三): "" otherwise."""
    q = fold(plan.ask)
    typed = SUPERLATIVE_Q.search(q)
    return typed.group(0) if typed and not ORDER_LIST_Q.search(q) else ""


def _top_head(top: list[ReportMeta], most: str, indicator: str = "") -> str:
    """The line naming the top of a ranking (and any tie): 按报告所载数字，甲市（2024年）最高（…据各报告计算）："""
    return f"按报告所载数字，{'、'.join(_name(m) for m in top)}{most}（{indicator + '，' if indicator else ''}据各报告计算）："


def _the_rest(rest: list[ReportMeta], ranked: list[ReportMeta], order: str) -> list[tuple[str, list[Scored]]]:
    """The other reports of a ranking by region only (a year in an uncited line would read as a figure it cannot
    source): their figures are in the table."""
    return [(f"其余{order}依次为：{_names(rest, ranked)}。", [])] if rest else []


def _figure_of(query: Query, group: list[Scored]) -> tuple[tuple[str, str, int], Scored] | None:
    """A report's figure for what was asked: the first fitting one right after a question term, else the
    first fitting one of its sentences."""
    def fits(figure: tuple[str, str, int], before: str) -> bool:
        if query.measure and not counts_measure(figure[1], query.measure):
            return False
        return not query.change or bool(_CHANGED.search(before))  # 增幅: 同比增长18.6%, not the 7412件 before it

    # A sentence about the report's own unit before one naming another place (甲市…增长42% in a province's).
    meta = group[0].passage.chunk.meta if group else None
    own = {meta.region, *meta.aliases} if meta else set()
    group = sorted(group, key=lambda s: any(name not in own for _, name in gazetteer().scan(fold(s.text))))
    return next(((f, s) for s in group for f in _near_terms(s.text, query.terms) if fits(f, fold(s.text)[:f[2]])),
                None) or next(((f, s) for s in group for f in figures(s.text) if fits(f, fold(s.text)[:f[2]])), None)


def _versus(plan: QuestionPlan, query: Query, groups: dict[str, list[Scored]],
            metas: dict[str, ReportMeta]) -> list[tuple[str, list[Scored]]]:
    """甲是不是比乙多？: both reports' figures compared in code, the verdict first, then each report's evidence."""
    q = fold(plan.ask)
    way = VERSUS_Q.search(q)
    def preferred(source: str) -> tuple[bool, int]:  # one report per region: the year asked, else the latest
        return metas[source].year in plan.years, metas[source].year or 0

    latest: dict[str, str] = {}
    for source in groups:
        region = metas[source].region
        if region not in latest or preferred(source) > preferred(latest[region]):
            latest[region] = source
    groups = {s: groups[s] for s in latest.values()}
    # The report compared against is the one named after 比 / 超过; the other one (named first, or carried
    # from the conversation: 这个增幅比乙省高吗) is the one asked about.
    named = sorted(groups, key=lambda s: any(q.find(a) > way.start() for a in metas[s].aliases + [metas[s].region]
                                             if a in q))
    stated = [(s, _figure_of(query, groups[s])) for s in named]
    values = [(_value(f[0][0]), f[0][1]) for _, f in stated if f]
    said = "报告未说明。"
    if len(values) == 2 and values[0][1] == values[1][1] and None not in (values[0][0], values[1][0]):
        more = (way.group(1) or way.group(2)) in MORE_WORDS
        said = "是。" if (values[0][0] > values[1][0]) == more and values[0][0] != values[1][0] else "否。"
    lines = [(f"{said}（据两份报告所载数字比较）" if said != "报告未说明。" else said, [])]
    return lines + [(report_head(metas[s], True), [f[1]] if f else groups[s]) for s, f in stated]


def _meeting(plan: QuestionPlan, query: Query, groups: dict[str, list[Scored]],
             metas: dict[str, ReportMeta]) -> list[tuple[str, list[Scored]]]:
    """哪些地方…没有达到100% / 超过90%: each report's stated figure held against the asked one, in code.

    The reports that meet it are quoted; those that do not are named (their own figure decides), and
    those whose sentences give no comparable figure are said to be undecided, never guessed.
    """
    q = fold(plan.ask)
    negated = bool(NOT_REACHED.search(q))
    unit = next((f[1] for f in figures(re.sub(r"20\d{2}年", "", q))), "")
    meets, fails, undecided = [], [], []
    for source, group in groups.items():
        evidence = fold("".join(s.text for s in group))
        said = verdict(NOT_REACHED.sub(lambda m: m.group(2), q), query.terms, evidence) \
            if any(f[1] == unit for f in figures(evidence)) else ""
        if not said or said.startswith("报告未说明"):
            undecided.append(source)
        elif (said == "是。") != negated:
            meets.append(source)
        else:
            fails.append(source)
    lines: list[tuple[str, list[Scored]]] = [("符合所问条件的报告（据各报告所载数字判断）：" if meets else
                                              "没有报告符合所问条件（据各报告所载数字判断）。", [])]
    lines += [(report_head(metas[s], True), groups[s]) for s in meets]
    if fails:
        lines.append((f"不符合的报告：{_names([metas[s] for s in fails], [metas[s] for s in groups])}。", []))
    if undecided:
        lines.append(("写到但未给出可比数字的报告：", []))
        lines += [(report_head(metas[s], True), groups[s]) for s in undecided]
    return lines


def _near_terms(sentence: str, terms: list[str]) -> list[tuple[str, str, int]]:
    """Figures right after one of the question's terms (案结事了率82.5%, not the 同比增长87.5% before it),
    each with its position in the folded sentence."""
    folded = fold(sentence)
    found = []
    for term in terms:
        for end in (m.end() for m in re.finditer(re.escape(term), folded)) if term else ():
            shared = SHARED_FIGURE.match(folded, end)  # 报备率、及时率、规范率均为100%: one figure for the list
            end = shared.end() if shared else end
            # (read past the window's end: 达到99.1% is not 99 when the window ends after its 99)
            found += [(f, unit, end + at) for f, unit, at in figures(folded[end:end + 2 * _WINDOW]) if at < _WINDOW]
    return found


def _silent_line(silent: list[ReportMeta], among: list[ReportMeta]) -> list[tuple[str, list[Scored]]]:
    return [(f"未找到相关内容的报告：{_names(silent, among)}。", [])] if silent else []


def _names(metas: list[ReportMeta], among: list[ReportMeta]) -> str:
    """Reports named without a citation, by region; a region with other reports in scope that did answer
    is named as "（另一份报告）" (a year in an uncited line would read as a figure it cannot source)."""
    silent_per_region = {r: sum(m.region == r for m in metas) for r in {m.region for m in metas}}
    in_scope = {r: sum(m.region == r for m in among) for r in {m.region for m in among}}
    return "、".join(dict.fromkeys(
        m.region + ("（另一份报告）" if in_scope.get(m.region, 0) > silent_per_region[m.region] else "") for m in metas))


def _name(meta: ReportMeta) -> str:
    return f"{meta.region}（{meta.year}年）" if meta.year else meta.region


_ORDINALS = "一二三四五六七八九十"


def _ordinal(n: int) -> str:
    """Rank marks in Chinese numerals (第一名): a digit in the answer must be a figure its citation holds
    (circled ①② fold to digits under NFKC)."""
    return f"第{_ORDINALS[n - 1]}名" if n <= len(_ORDINALS) else "·"


def _value(figure: str) -> float | None:
    """A figure's value: 2.5亿 -> 250000000, 三件 -> 3 (figures.parse_number reads both scripts)."""
    number = re.match(r"[\d.,万亿千百十一二两三四五六七八九零〇]+", figure)
    return parse_number(number.group(0)) if number else None


def _closing(source: str, intent: str, tools: Tools) -> list[Scored]:
    text = tools.document_text(source)
    return scored_spans(closing_items(text, intent), text, tools.chunks_of(source), 1.0)


def _asked(plan: QuestionPlan) -> str:
    """What was asked, for a decline: without the asker's own figures (a digit in an answer is a claim)."""
    topic = ASKING_Q.sub("", plan.topic or plan.context)
    topic = re.sub(r"\s+", " ", re.sub(r"\d+(?:\.\d+)?%?|达到|超过", " ", topic)).strip()
    return f"“{topic}”" if topic else "所问内容"


def _stated(evidence: str, terms: list[str], unit: str, scope: str = "") -> float | None:
    """The figure the evidence gives for the question's terms: the first of that unit after a term that is no
    target (力争…达到100%), in a clause naming the unit asked (`scope`: 市本级…100%, not 全市…99.8%) if any."""
    def clause(f: tuple[str, str, int]) -> str:  # the clause up to the figure
        return re.split(r"[，,；;。]", evidence[:f[2]])[-1]
    found = [(f, clause(f)) for f in _near_terms(evidence, terms) if f[1] == unit or not unit]
    found = [(f, c) for f, c in found if not TARGET_BEFORE.search(c)]
    scoped = [f for f, c in found if scope and scope in c]
    return _value((scoped or [f for f, _ in found])[0][0]) if found else None


def _after(evidence: str, words: tuple[str, ...]) -> float | None:
    """The figure right after one of these words (受理17件 -> 17)."""
    for word in words:
        at = evidence.find(word)
        if at >= 0:
            found = figures(evidence[at + len(word):at + len(word) + 6])
            if found:
                return _value(found[0][0])
    return None


# Verdicts of what the report leaves open: no answer (the evidence shows what it says instead). A number
# it gives that could not be compared with the one asked still answers in the report's own terms.
UNSTATED_CHANGE = "报告未说明与上年相比的变化，只给出当年的数字。"
UNSTATED_PLANNED = "报告未说明：报告只写了目标或计划，没有写已经做到。"
UNCOMPARED = "报告未说明：没有给出可与所问数字比较的数字。"
_SPECIFIC = 2.0  # the idf of a word of the collection that names a thing (纠正), not an everyday one (组织)
UNSTATED_ABSENT = "报告未说明：找到的段落谈到这方面，但没有写到所问的情况。"


def verdict(question: str, terms: list[str], evidence: str,
            idf: Callable[[str], float | None] = lambda _: None) -> str:
    """是 / 否 for a yes/no question given the evidence found (folded); 报告未说明 for a change since last
    year the evidence does not state.

    The direction asked (增加 vs 下降) against the one stated; a number asked (超过三成) against the
    figure stated for the question's terms; "没有X / 零X / 未发生X" in the evidence for "有没有X".
    """
    q = fold(question)
    asked, stated = _direction(q, evidence, terms)
    # 案件数增长了吗: a count's change is since last year, and told only by a change stated with its figure
    since = SINCE_LAST_YEAR_Q.search(q) or (asked and re.search(r"[数量率]|多少", q) and not figures(evidence))
    if asked and since and not (CHANGE_STATED.search(evidence) or LAST_YEAR_STATED.search(evidence)):
        return UNSTATED_CHANGE  # 比上年多吗 is not told by 提升行政裁决质效, only by a change stated (较上年减少)
    if asked and stated and asked != stated:
        return "否。"
    if asked and not stated and (since or not figures(evidence)):
        return UNSTATED_CHANGE  # 行政裁决案件增加了吗 told by 依法开展行政裁决: no figure, no change
    q = FULL_COVERAGE.sub("覆盖率达到100%", q)  # 全覆盖了吗: is the rate 100%?
    q = DOUBLED_Q.sub("增幅达到100%", q)
    rate_of_change = CHANGE_RATE_Q.search(q)  # 增速超过10%了吗: the figure of the 增长 stated
    if rate_of_change:
        q = CHANGE_RATE_Q.sub(lambda m: CHANGE_RATE_WORDS[m.group()], q)
        terms = terms + [CHANGE_RATE_WORDS[rate_of_change.group()]]
    tenths = _TENTHS.search(q)
    if tenths:
        q = _TENTHS.sub(f"{'一二三四五六七八九'.index(tenths.group(1)) * 10 + 10}%", q)
    plain_q = re.sub(r"20\d{2}年|(?<=[比较和与跟同])\d{2}年", "", q)  # 比22年多: a year, not the figure asked
    # The number asked: digits before Chinese numerals (一件事 is a phrase, 99% the threshold).
    asked = next((f for f in sorted(figures(plain_q), key=lambda f: not re.match(r"\d", f[0]))), None)
    if asked:
        wanted = _value(asked[0])
        # The term the asked figure is about is the nearest one before it (纠正的超过5件: 纠正).
        # A generic counted noun (案件 / 申请) names nobody's figure: 商标侵权假冒案件586件 is not 行政裁决案件's.
        named = [t for t in terms if t not in LIGHT_WORDS] or terms
        before = sorted((t for t in named if 0 <= plain_q.find(t) < asked[2]), key=plain_q.find, reverse=True)
        # 超过100亿了: a sum of money (158.6亿元 reads as 元 after its 亿); another unknown word: any figure.
        unit = asked[1] if asked[1] in MEASURES else "元" if re.search("[万亿]", asked[0]) else ""
        if before and before[0].endswith(RATE_ENDS) and before[0] not in evidence:
            before = named = []  # 合格率到95%了吗: the 优秀率32.4% after 案卷 is another rate's figure
        scope = next((w for w in (*SCOPE_ASKED, *SUBUNIT_NAMED.findall(q)) if w in q), "")  # 市本级…是不是100%
        stated = next((v for t in before for v in [_stated(evidence, [t], unit, scope)] if v is not None), None)
        if stated is None and named:
            stated = _stated(evidence, named, unit, scope)
        named_rate = [t for t in terms if t.endswith("率")]
        # The only figure of its kind, for a rate the evidence names (not 出庭应诉率100% for 败诉率) or a sum; a
        # count needs its term (商标侵权案件586件 is no 行政裁决 count).
        if stated is None and (named_rate or unit == "元") and all(t in evidence for t in named_rate):
            values = [_value(f[0]) for f in figures(evidence) if (f[1] == unit or not unit)
                      and "率" not in evidence[max(0, f[2] - 6):f[2]]]  # not another rate's 出庭应诉率达到100%
            stated = values[0] if len(values) == 1 else None
        if stated is None:
            if FULL_COVERAGE.search(evidence) and FULL_COVERAGE.search(fold(question)):
                return "是。"  # 全覆盖了吗: 实现全覆盖
            return UNCOMPARED
        if wanted is not None and stated != wanted:
            if LESS_Q.search(q):  # first: 不到90% holds 到
                return "是。" if stated < wanted else "否。"
            if MORE_Q.search(q):
                return "是。" if stated > wanted else "否。"
            return "否。"
    if EVERY_Q.search(q):  # "都审结了吗": every case received concluded?
        received = _after(evidence, QUALIFIER_GROUPS["received"] + QUALIFIER_GROUPS["accepted"])
        concluded = _after(evidence, QUALIFIER_GROUPS["concluded"])
        if received is not None and concluded is not None and concluded < received:
            return "否。"
    planned = [t for t in terms if len(t) >= 2 and t not in LIGHT_WORDS and t in evidence
               and all(TARGET_BEFORE.search(evidence[:m.start()]) for m in re.finditer(re.escape(t), evidence))]
    if planned:  # 创成示范县了吗 where the report only says 力争创成…示范县
        return UNSTATED_PLANNED
    last = next((t for t in reversed(terms) if len(t) >= 2 and t not in LIGHT_WORDS), "")
    if HAS_Q.search(q) and last and last not in evidence and (idf(last) or 0) >= _SPECIFIC:
        # 公平竞争审查有纠正的吗 told by 落实公平竞争审查制度: what is asked to exist, a word of the
        # collection's own and no everyday one (组织 / 起来), is nowhere in the evidence
        return UNSTATED_ABSENT
    plain = ASKING_Q.sub("", q)
    if re.search(r"没有|尚未|并未|未曾|不是|没", plain) is None:
        if re.search(r"尚未|没有开展|未开展|未建立", evidence) or any(
                re.search(f"(?:{NONE_BEFORE}|{NONE_OF})" + re.escape(t), evidence) for t in terms if len(t) >= 2):
            return "否。"
    return "是。"


def _direction(q: str, evidence: str, terms: list[str]) -> tuple[str, str]:
    """(direction asked, direction stated): "up" / "down" / "".

    The stated one is read right after the asked term where the evidence names it (检查量下降20%、
    处罚量增长3%: 处罚量 rose), else from the whole evidence when it goes one way only.
    """
    asked = "up" if UP_Q.search(q) else "down" if DOWN_Q.search(q) else ""
    for term in sorted(terms, key=len, reverse=True):
        for piece in dict.fromkeys([term] + ([term[-3:], term[-2:]] if len(term) >= 4 else [])):
            for at in (m.start() for m in re.finditer(re.escape(piece), evidence)) if len(piece) >= 2 else ():
                clauses = re.split(r"[、，,；;。]", evidence[at + len(piece):at + len(piece) + 2 * _WINDOW])
                window = clauses[0] + (clauses[1] if len(clauses) > 1 and GOES_ON.match(clauses[1]) else "")
                if UP_Q.search(window) or DOWN_Q.search(window):  # …申请2057件，较上年减少: it fell
                    return asked, "up" if UP_Q.search(window) else "down"
    up, down = bool(UP_Q.search(evidence)), bool(DOWN_Q.search(evidence))
    return asked, ("up" if up and not down else "down" if down and not up else "")


def _opposite(q: str, evidence: str, terms: list[str]) -> str:
    """The direction the evidence states when the question assumes the other one, else ""."""
    asked, stated = _direction(q, evidence, terms)
    return stated if asked and stated and asked != stated else ""


def premise(question: str, picked: list[Scored], terms: list[str]) -> str:
    """A note when the question assumes the opposite direction of what the report says (false premise)."""
    stated = _opposite(fold(question), fold("".join(s.text for s in picked)), terms)
    if stated == "down":
        return "需要更正：报告写的是下降/减少，而非上升/增加。"
    if stated == "up":
        return "需要更正：报告写的是上升/增加，而非下降/减少。"
    return ""


def catalog(plan: QuestionPlan, tools: Tools) -> Found:
    """"这几份报告分别是哪年的": the reports in scope, each cited by its opening (title) passage."""
    metas = tools.metas()
    sources = sorted(plan.sources if plan.sources is not None else list(metas),
                     key=lambda s: (metas[s].region, metas[s].year or 0))
    lines: list[tuple[str, list[Scored]]] = []
    for source in sources:
        chunks = tools.chunks_of(source)
        first = next(iter(sentence_spans(chunks[0].text)), None) if chunks else None
        if first:
            span = (chunks[0].start + first[0], chunks[0].start + first[1])
            cited = scored_spans([span], tools.document_text(source), chunks, 1.0)
            lines.append((f"{_name(metas[source])}《{metas[source].title}》：", cited))
    if not lines:
        return Found(refused=True)
    count = _CN_COUNT[len(lines)] if len(lines) < len(_CN_COUNT) else len(lines)
    return Found([(f"资料库中符合条件的报告共{count}份：", [])] + lines)


_CN_COUNT = "零一两三四五六七八九十"


STRATEGIES: dict[str, Callable[[QuestionPlan, Tools], Found]] = {
    "figure": single, "fact": single, "list": single, "yes_no": yes_no, "problems": sections, "plans": sections,
    "compare": cross, "rank": cross, "which": cross, "which_not": cross, "catalog": catalog,
}


def strategy_for(plan: QuestionPlan) -> Callable[[QuestionPlan, Tools], Found]:
    if plan.cross and plan.intent in ("figure", "fact", "list", "yes_no"):
        return cross
    return STRATEGIES.get(plan.intent, single)
