"""The answer stage on its own: the plan and each strategy over a fake search (milliseconds, no store).

The reports here are made up (甲市, 乙县) so that no rule can lean on a bundled report's wording.
"""
from __future__ import annotations

import os
from dataclasses import replace

import numpy as np
import pytest

from assistant.answering import Planner, QuestionPlan, Tools, answer_plan
from assistant.answering.evidence import Extractor, Query, Scored, figure_fits, measure_asked, qualifiers_in
from assistant.answering.plan import classify, topic_of
from assistant.answering.strategies import verdict
from assistant.genre import YEAR
from assistant.meaning import Meanings, _counts_differ
from assistant.normalize import fold
from assistant.records import Chunk, Passage, ReportMeta
from assistant.retrieve import Route
from assistant.tokens import Lexicon

JIA = ReportMeta("甲市2024年法治政府建设情况报告", "甲市", 2024, "市", ["甲市"])
YI = ReportMeta("乙县2023年法治政府建设情况报告", "乙县", 2023, "县", ["乙县"])
BING = ReportMeta("丙区2024年法治政府建设情况报告", "丙区", 2024, "区", ["丙区"])
METAS = {"jia.txt": JIA, "yi.txt": YI, "bing.txt": BING}
TEXTS = {
    "jia.txt": "一、主要成效\n全年收到行政复议申请120件,审结98件。\n全市累计聘请法律顾问300名。\n"
               "一审行政案件败诉率为3.5%,较上年下降2个百分点。\n开展普法讲座20场。\n“办不成事”窗口实现零积压。\n"
               "二、存在的问题\n一是执法队伍专业化不足。二是基层法治力量薄弱。\n三、下一步工作计划\n一是深化行政复议改革。二是加强执法监督。\n",
    "yi.txt": "一、主要成效\n受理行政复议案件45件。\n行政机关负责人出庭应诉率100%。\n建立府院联动机制。\n"
              "一审行政案件败诉率为6%,同比上升1个百分点。\n",
    "bing.txt": "一、主要成效\n办理行政复议案件210件。\n推行包容审慎监管。\n",
}
LEXICON = Lexicon()


def _chunks(source: str) -> list[Chunk]:
    text, found, pos = TEXTS[source], [], 0
    for n, line in enumerate(text.split("\n")):
        if line:
            found.append(Chunk(f"{source}-{n}", source, line, fold(line), "", pos, pos + len(line), METAS[source]))
        pos += len(line) + 1
    return found


def fake_search(query: str, sources: list[str] | None, k: int) -> list[Passage]:
    """Chunks ranked by shared characters with the query: enough to exercise the strategies."""
    wanted = set(fold(query))
    pool = [c for s in (sources if sources is not None else list(METAS)) for c in _chunks(s)]
    ranked = sorted(pool, key=lambda c: -len(wanted & set(c.search_text)))
    return [Passage(c, 1.0 / (r + 1), r + 1) for r, c in enumerate(ranked[:k])]


def fake_route(text: str, metas, filters=None) -> Route:
    q = fold(text)
    regions = list(dict.fromkeys(m.region for m in metas.values() if any(a in q for a in m.aliases)))
    if filters and filters.get("region"):
        regions = list(filters["region"])
    years = [int(m.group(1)) for m in YEAR.finditer(q)] or list(filters.get("year", []) if filters else [])
    route = Route(regions=regions, years=years)
    if "丁县" in q:
        route.unknown_places = ["丁县"]
    level = (filters or {}).get("level")
    if regions or years or level:
        route.sources = [s for s, m in metas.items() if (not regions or m.region in regions)
                         and (not years or m.year in years) and (not level or m.level == level)]
        if not route.sources:
            route.missing = f"资料库中没有{'、'.join(regions)}{'、'.join(map(str, years))}年的报告"
    return route


def _idf(term: str) -> float | None:
    corpus = fold("".join(TEXTS.values()))
    return 1.0 if term in corpus else None


TOOLS = Tools(search=fake_search, extractor=Extractor(_idf, lambda s: fold(TEXTS[s]), lambda t: [t], 0.5, 2),
              metas=lambda: dict(METAS), document_text=lambda s: TEXTS[s], folded_text=lambda s: fold(TEXTS[s]),
              chunks_of=_chunks, words=LEXICON.words, near=lambda words: {}, evidence_k=3, max_reports=16)
PLANNER = Planner(fake_route, known=lambda word: _idf(word) is not None)


def plan(question: str, *earlier: str) -> QuestionPlan:
    history = []
    for turn in earlier:
        history += [{"role": "user", "content": turn}, {"role": "assistant", "content": "……"}]
    return PLANNER.plan(question, history, METAS)


def ask(question: str, *earlier: str):
    return answer_plan(plan(question, *earlier), TOOLS)


# -- the plan ----------------------------------------------------------------------------------
@pytest.mark.parametrize("question, intent", [
    ("甲市行政复议收到多少件？", "figure"),
    ("甲市败诉率有没有下降？", "yes_no"),
    ("哪些地方提到了府院联动？", "which"),
    ("哪份报告没写府院联动？", "which_not"),
    ("按行政复议案件数量从高到低排一下", "rank"),
    ("甲市和乙县的败诉率分别是多少？", "compare"),
    ("甲市存在哪些问题？", "problems"),
    ("甲市明年有什么打算？", "plans"),
    ("甲市怎么开展普法？", "fact"),
])
def test_intent_of_a_question(question: str, intent: str) -> None:
    named = sum(name in question for name in ("甲市", "乙县"))
    assert classify(question, named)[0] == intent


def test_region_switch_keeps_the_topic_and_uses_the_new_regions_own_year() -> None:
    p = plan("那乙县呢？", "甲市2024年行政复议收到多少件？")
    assert p.regions == ["乙县"] and p.years == [] and p.sources == ["yi.txt"] and p.region_years == {"乙县": [2023]}
    assert "行政复议" in p.ask and p.intent == "figure"
    assert any("没有乙县2024年的报告" in n and "2023" in n for n in p.notes)
    assert any(c.what == "话题" and c.turn == 1 for c in p.carried)


def test_topic_switch_keeps_region_and_year() -> None:
    p = plan("那执法方面呢？", "甲市2024年行政复议收到多少件？")
    assert p.regions == ["甲市"] and p.years == [2024] and "执法" in p.ask and "复议" not in p.ask
    assert {c.what for c in p.carried} == {"地区", "年份"}


def test_which_places_is_never_narrowed_to_the_region_talked_about() -> None:
    p = plan("哪些地方也建立了府院联动？", "乙县府院联动怎么做的？")
    assert p.cross and not p.regions and p.sources is None and not p.carried
    assert "全部报告" in p.searched


def test_references_to_two_earlier_topics_resolve_to_both() -> None:
    p = plan("这两项分别是多少？", "甲市行政复议收到多少件？", "审结了多少件？")
    assert p.regions == ["甲市"] and not p.cross
    assert "审结" in p.context and "行政复议" in p.context


def test_a_two_part_question_is_planned_as_two_parts_sharing_the_region() -> None:
    p = plan("甲市行政复议收到多少件？败诉率是多少？")
    assert len(p.parts) == 2 and p.parts[1].regions == ["甲市"]
    answer = answer_plan(p, TOOLS)
    assert "120件" in answer.text and "3.5%" in answer.text


def test_topic_of_drops_places_years_question_words_and_filler() -> None:
    assert topic_of("那甲市2024年执法方面的情况呢？", [JIA]) == "执法"


# -- strategies ----------------------------------------------------------------------------------
def test_figure_question_is_answered_with_a_citation_from_the_right_report() -> None:
    answer = ask("乙县受理了多少件行政复议案件？")
    assert not answer.refused and "45件" in answer.text and answer.citations[0].source == "yi.txt"
    assert answer.searched.startswith("按「乙县")


def test_new_asked_where_only_an_accumulated_figure_is_given_is_declined() -> None:
    answer = ask("甲市今年新增聘请法律顾问多少名？")
    assert answer.refused and answer.text.startswith("报告未给出") and "300" not in answer.text


def test_concluded_asked_where_only_received_is_given_is_declined() -> None:
    answer = ask("乙县行政复议审结了多少件？")
    assert answer.refused and "45" not in answer.text


def test_people_asked_where_only_sessions_are_counted_is_declined() -> None:
    answer = ask("甲市普法讲座有多少人参加？")
    assert answer.refused and "20场" not in answer.text


def test_yes_no_answers_with_a_verdict_first() -> None:
    assert ask("乙县败诉率有没有下降？").text.startswith("否")
    assert ask("甲市败诉率是不是下降了？").text.startswith("是")
    assert ask("甲市办不成事窗口还有积压吗？").text.startswith("否")


def test_false_premise_is_corrected() -> None:
    answer = ask("乙县败诉率为什么下降了？")
    assert "需要更正" in answer.text and "6%" in answer.text


def test_which_did_not_write_names_the_silent_reports() -> None:
    answer = ask("哪份报告没写府院联动？")
    first = answer.text.splitlines()[0]
    assert "甲市" in first and "丙区" in first and "乙县" not in first


def test_ranking_orders_the_reports_by_their_figure() -> None:
    answer = ask("各地办理行政复议案件数量从高到低排一下")
    text = answer.text
    assert text.index("丙区") < text.index("甲市") < text.index("乙县")
    assert all(c.quote in TEXTS[c.source] for c in answer.citations)


def test_problems_question_answers_with_the_items_of_that_section() -> None:
    answer = ask("甲市存在哪些问题？")
    assert "执法队伍专业化不足" in answer.text and "深化行政复议改革" not in answer.text


def test_unknown_place_is_declined_with_its_name() -> None:
    answer = ask("丁县行政复议收到多少件？")
    assert answer.refused and "丁县" in answer.text


# -- genre rules -----------------------------------------------------------------------------------
def test_figure_kind_rules() -> None:
    people = Query("", [], numeric=True, measure="people")
    assert figure_fits(people, "培训执法人员300名。") and not figure_fits(people, "开展培训20场。")
    new = Query("", [], numeric=True, qualifiers=frozenset({"new"}))
    assert not figure_fits(new, "累计建成站点30个。") and figure_fits(new, "新增站点5个。")
    rate = Query("", [], numeric=True, measure="share", rates=("通过率",))
    assert not figure_fits(rate, "培训覆盖率达100%。") and figure_fits(rate, "考试通过率98%。")
    assert measure_asked("有多少人参加？") == "headcount" and measure_asked("败诉率是多少？") == "share"
    assert qualifiers_in("审结了多少件") == {"concluded"}


def test_verdict_compares_the_number_asked_with_the_one_stated() -> None:
    evidence = fold("调解和解率25.5%,案结事了率82.5%。")
    assert verdict("调解和解率超过三成了吗？", ["调解", "和解"], evidence) == "否。"
    assert verdict("案结事了率超过八成了吗？", ["案结事了"], evidence) == "是。"


def test_meaning_map_learns_from_the_collection_and_never_swaps_a_count(tmp_path) -> None:
    class FakeEmbedder:  # deterministic vectors: words sharing a meaning share a direction
        model_name = "fake"
        axes = {"处罚": 0, "罚款": 0, "十无": 1, "八无": 1, "天气": 2, "出庭": 3}

        def encode(self, texts):
            out = np.zeros((len(texts), 5), dtype=np.float32)
            for i, t in enumerate(texts):
                out[i, self.axes.get(t, 4)] = 1.0
                out[i, 4] += 0.1
            return out / np.linalg.norm(out, axis=1, keepdims=True)

    meanings = Meanings(tmp_path, FakeEmbedder(), lambda: ["处罚", "八无", "出庭"])
    assert meanings.refresh() == 3 and (tmp_path / "meanings.npz").exists()
    near = meanings.near(["罚款", "十无", "天气"])
    assert near["罚款"][0][0] in ("行政处罚", "处罚") and "十无" not in near and "天气" not in near
    assert _counts_differ("十无", "八无") and not _counts_differ("出庭", "应诉")
    reader = Meanings(tmp_path, FakeEmbedder(), lambda: [])  # another process: reads the kept vocabulary
    assert reader.near(["天气"]) == {}
    writer = Meanings(tmp_path, FakeEmbedder(), lambda: ["处罚", "八无", "出庭", "天数"])
    FakeEmbedder.axes["天数"] = 2
    assert writer.refresh() == 1
    os.utime(tmp_path / "meanings.npz", ns=(1, 1))  # a distinct stamp, whatever the file system's resolution
    assert "天数" in dict(reader.near(["天气"])["天气"])  # an ingest elsewhere is seen without a restart


def test_a_second_part_without_a_place_stays_about_the_unknown_place() -> None:
    answer = ask("丁县有报告吗？说说行政复议数据")
    assert answer.refused and "丁县" in answer.text and "120" not in answer.text


# -- rules met on reports of other governments (eval/qa_unseen.jsonl) ----------------------------
def test_two_digit_years_are_read_as_years() -> None:
    assert plan("乙县23年行政复议受理多少件？").years == [2023]
    assert plan("甲市近10年行政复议情况").years == []


def test_received_accepted_and_concluded_figures_never_answer_each_other() -> None:
    accepted = Query(text="", terms=["行政复议"], numeric=True, qualifiers=qualifiers_in("受理了多少件"))
    assert not figure_fits(accepted, "收到行政复议申请136件,审结121件。")
    assert figure_fits(accepted, "收到行政复议申请761宗,立案受理623宗。")


def test_a_level_reached_does_not_answer_a_new_count() -> None:
    new = Query(text="", terms=["村"], numeric=True, qualifiers=qualifiers_in("新增了多少个"))
    assert not figure_fits(new, "全市达到“八无”以上村(社区)593个。")
    assert figure_fits(new, "全市新增“八无”村12个。")


@pytest.mark.parametrize("question, measure", [
    ("服务了多少群众？", "people"), ("一共罚了多少钱？", "money"), ("讨论了几回？", None),
    ("调解成了几成？", "share"), ("下沉了多少个执法人员编制？", "count"),
])
def test_what_a_question_counts_from_the_noun_it_names(question: str, measure: str | None) -> None:
    assert measure_asked(question) == measure


def test_verdict_reads_the_figure_of_the_term_asked_about() -> None:
    evidence = fold("规范性文件23件,备案审查41件,发现问题并督促纠正三件。")
    assert verdict("纠正的超过5件了吗？", ["规范性文件", "纠正"], evidence) == "否。"
    both = fold("执法检查量下降20%、处罚量增长3%。")
    assert verdict("处罚量是不是下降了？", ["处罚量"], both) == "否。"
    assert verdict("检查量是不是下降了？", ["检查量"], both) == "是。"
    assert verdict("法律顾问是不是全覆盖了？", ["法律顾问"], fold("乡镇法律顾问覆盖率达到96%。")) == "否。"


def test_why_questions_are_not_yes_no() -> None:
    assert classify("乙县败诉率为什么下降了？", 1)[0] != "yes_no"
    assert classify("乙县败诉率比上一年高了吧？", 1)[0] == "yes_no"


def test_questions_about_the_collection_list_its_reports() -> None:
    answer = ask("这几份报告分别是哪年的？")
    assert not answer.refused and answer.text.startswith("资料库中符合条件的报告共三份")
    assert all(name in answer.text for name in ("甲市（2024年）", "乙县（2023年）", "丙区（2024年）"))
    assert len(answer.citations) == 3
    only = ask("哪几份报告是2023年的？")
    assert "乙县（2023年）" in only.text and "甲市" not in only.text


def test_two_years_of_one_region_and_level_words_scope_the_plan() -> None:
    yi_2022 = ReportMeta("乙县2022年法治政府建设情况报告", "乙县", 2022, "县", ["乙县"])
    metas = {**METAS, "yi2022.txt": yi_2022}
    both = PLANNER.plan("乙县两年比，行政复议案件变化了多少？", [], metas)
    assert both.cross and both.years == [2022, 2023] and set(both.sources) == {"yi.txt", "yi2022.txt"}
    back = PLANNER.plan("这个败诉率跟前一年比呢？", [{"role": "user", "content": "乙县2023年败诉率是多少？"},
                                                   {"role": "assistant", "content": "……"}], metas)
    assert back.cross and back.years == [2022, 2023]
    assert not PLANNER.plan("乙县2023年败诉率比上一年高了吧？", [], metas).cross
    counties = PLANNER.plan("县级的报告里哪个败诉率最低？", [], metas)
    assert counties.intent == "rank" and set(counties.sources) == {"yi.txt", "yi2022.txt"}


def test_which_places_filter_by_the_figure_asked_computed_per_report() -> None:
    over = ask("哪些地方败诉率超过5%？").text
    head, rest = over.split("不符合", 1)
    assert "乙县" in head and "甲市" not in head and "甲市" in rest
    under = ask("哪些地方败诉率没有超过5%？").text
    assert "甲市" in under.split("不符合")[0] and "乙县" in under.split("不符合")[1]


def test_a_fragment_follow_up_stays_on_the_previous_topic() -> None:
    assert "行政复议" in plan("涨了多少？", "甲市行政复议收到多少件？").context
    assert "行政复议" in plan("审结的占几件？", "甲市行政复议收到多少件？").context


def test_a_reference_plus_a_fragment_is_not_a_topic_switch() -> None:
    both = plan("这两项加起来呢", "甲市行政复议收到多少件？", "那法律顾问呢？")
    assert "行政复议" in both.context and "法律顾问" in both.context
    switch = plan("那府院联动这些机制呢？", "乙县败诉率多少？")
    assert "败诉率" not in switch.context and switch.regions == ["乙县"]


def test_a_generic_counted_noun_alone_is_no_evidence() -> None:
    query = Query(text="行政复议申请多少件", terms=["行政复议", "申请"], numeric=True)
    extractor = TOOLS.extractor
    assert extractor.coverage(query, "办理政府信息公开申请87件。", "") == 0.0
    assert extractor.coverage(query, "办理行政复议案件319件。", "") >= 0.5


def test_a_yes_no_question_comparing_two_regions_compares_their_figures() -> None:
    assert plan("甲市败诉率是不是比乙县高？").intent == "yes_no"
    higher = ask("甲市败诉率是不是比乙县高？").text
    assert higher.startswith("否") and "3.5%" in higher and "6%" in higher
    assert ask("乙县败诉率是不是比甲市高？").text.startswith("是")


def test_a_qualified_figure_is_quoted_without_the_excluded_neighbour() -> None:
    text = ask("甲市行政复议审结了多少件？").text
    assert "审结98件" in text and "120件" not in text and "……" in text


def test_how_much_a_figure_changed_needs_a_stated_change() -> None:
    assert not ask("丙区行政复议案件增长了多少？").text.startswith("据")
    assert "下降2个百分点" in ask("甲市败诉率下降了多少？").text


def test_the_counted_term_must_carry_the_figure() -> None:
    """败诉了多少件 is not answered by 败诉率6% nor by another count; 零积压 answers 积压了多少件."""
    lost = ask("乙县一审行政案件败诉了多少件？")
    assert lost.refused and "6%" not in lost.text.split("\n")[0]
    assert "零积压" in ask("甲市办不成事窗口积压了多少件？").text


def test_a_change_since_last_year_the_report_does_not_state_is_unstated() -> None:
    said = verdict("甲市行政复议申请比上年增加了吗？", ["行政复议"], fold("全年收到行政复议申请120件,审结98件。"))
    assert said.startswith("报告未说明")
    assert verdict("甲市行政复议申请比上年增加了吗？", ["行政复议"], fold("收到行政复议申请120件,同比增长5%。")) == "是。"


def test_the_rest_of_a_full_name_slipped_by_a_sound_alike_is_read_as_the_region() -> None:
    from assistant.regions import find
    metas = {"a": ReportMeta("楚雄彝族自治州2022年报告", "楚雄彝族自治州", 2022, "地级市", ["楚雄"])}
    hit = find("楚雄彝族自治洲公职律师多少名", metas)[0]
    assert (hit.region, hit.typed, hit.how) == ("楚雄彝族自治州", "楚雄彝族自治洲", "pinyin")
    assert find("楚雄公职律师", metas)[0].how == "short"


def test_a_compound_the_collection_never_uses_gets_little_credit_for_its_common_part() -> None:
    """行政裁决 unknown: a sentence with only its 行政 (and the light 案件) is no evidence for it."""
    idf = {"行政": 0.3, "案件": 1.0, "办理": 1.0}.get
    extractor = Extractor(idf, lambda s: "", lambda t: [t], 0.5, 2)
    query = Query(text="行政裁决案件办理", terms=["行政裁决", "案件", "办理"])
    sentence = "县综合行政执法局全年办理各类执法案件3140件。"
    assert extractor.coverage(query, sentence, "", pieces=extractor.pieces(query.terms)) < 0.5


def test_two_years_named_for_one_region_are_answered_report_by_report() -> None:
    two = PLANNER.plan("甲市2023年和2024年的败诉率分别是多少？", [], {**METAS, "jia23.txt": ReportMeta(
        "甲市2023年法治政府建设情况报告", "甲市", 2023, "市", ["甲市"])})
    assert two.cross and two.years == [2023, 2024]


def test_two_how_many_asks_in_one_sentence_are_two_parts() -> None:
    from assistant.answering.plan import _split
    assert _split("甲市审了多少份规范性文件，纠正了几件") == ["甲市审了多少份规范性文件，", "纠正了几件"]
    assert _split("甲市行政复议，收到多少件") == ["甲市行政复议，收到多少件"]


def test_a_figure_asked_of_the_townships_needs_a_sentence_about_them() -> None:
    assert measure_asked("审查了多少份合同") == "cases"
    township = ask("甲市各乡镇自己收到的行政复议申请有多少件？")
    assert township.refused and "120件" not in township.text.split("\n")[0]


def test_a_fall_ranks_below_a_rise() -> None:
    from assistant.compare import Comparison, Row
    table = Comparison(query="增幅最大", topic="行政复议申请", rows=[
        Row("a", "甲市", 2024, "", value=8.4, unit="%", change="同比下降"),
        Row("b", "乙县", 2024, "", value=5.0, unit="%", change="同比增长")])
    assert [r.region for r in table.ranking(ascending=False)] == ["乙县", "甲市"]


def test_higher_or_lower_than_the_year_before_reads_the_stated_change() -> None:
    assert verdict("乙县败诉率比上一年高了吧？", ["败诉率"], fold("一审行政案件败诉率为6%,同比上升1个百分点。")) == "是。"
    assert verdict("甲市败诉率有没有比2023年低？", ["败诉率"], fold("败诉率为3.5%,较上年下降2个百分点。")) == "是。"
    assert verdict("甲市败诉率比上一年高了吧？", ["败诉率"], fold("败诉率为3.5%,较上年下降2个百分点。")) == "否。"


def test_a_scope_word_is_no_topic() -> None:
    assert topic_of("那乙县全县呢", list(METAS.values())) == ""


def test_this_figure_against_another_named_region_compares_the_two() -> None:
    p = plan("这个败诉率比乙县高吗？", "甲市败诉率多少？")
    assert p.intent == "yes_no" and p.regions == ["甲市", "乙县"]
    text = ask("这个败诉率比乙县高吗？", "甲市败诉率多少？").text
    assert text.startswith("否") and text.index("甲市") < text.index("乙县")


def test_cases_and_years_asked_by_their_noun() -> None:
    assert measure_asked("复议案件多少") == "cases" and measure_asked("案件数量是多少") == "cases"
    assert measure_asked("复议受理了多少？") == "cases" and measure_asked("收到多少意见 采纳多少") is None
    assert measure_asked("败诉率连着降了几年") == "years" and measure_asked("案件的败诉率是多少") == "share"
    from assistant.answering.evidence import figures
    assert figures("败诉率实现连续三年下降")[0][:2] == ("三年", "年")


def test_a_glued_prefix_is_cut_from_a_word_the_collection_never_uses() -> None:
    from assistant.answering.strategies import key_terms
    assert "输" in key_terms("复议后被诉的案子有输的吗", TOOLS) and "各调" not in key_terms("两年调解纠纷各调了多少件", TOOLS)


def test_a_short_topic_of_its_own_is_no_fragment() -> None:
    assert plan("败诉率多少？", "甲市行政复议收到多少件？").context == ""
    assert "行政复议" in plan("涨了多少？", "甲市行政复议收到多少件？").context


def test_a_share_or_a_comparison_word_is_not_a_direction_or_a_versus() -> None:
    from assistant.genre import DOWN_Q, UP_Q, VERSUS_Q
    for q in ("甲市败诉率占比多少", "矛盾纠纷比较多", "纠错比例分别是多少"):
        assert not UP_Q.search(q) and not DOWN_Q.search(q) and not VERSUS_Q.search(q)
    assert UP_Q.search("比上年高了吗") and VERSUS_Q.search("甲市是不是比乙县多")
    assert not ask("甲市败诉率占比多少？").text.startswith("需要更正")
    assert plan("甲市和乙县的败诉率比较高吗？").intent != "yes_no" or not plan("甲市和乙县的败诉率比较高吗？").cross


def test_how_many_reports_is_a_which_question_not_a_count() -> None:
    assert plan("几份报告提到了府院联动？").intent == "which"


def test_a_filter_by_a_change_no_report_states_leaves_the_reports_undecided() -> None:
    text = ask("哪些地方行政复议申请比上年增加超过100件？").text
    assert "不符合的报告" not in text


def test_a_corpus_store_is_named_after_its_folder_path(tmp_path) -> None:
    from assistant.evaluate import corpus_store
    main = tmp_path / "store"
    assert corpus_store(main, "eval/unseen/reports") == tmp_path / "store-eval-unseen-reports"
    assert corpus_store(main, "eval/unseen2/reports") != corpus_store(main, "eval/unseen/reports")
    assert corpus_store(main, "/abs/../x y").parent == tmp_path


def test_a_count_is_quoted_without_another_subject_s_count() -> None:
    from assistant.answering.evidence import Scored, asked_clauses
    chunk = _chunks("jia.txt")[1]
    text = "全年办理行政处罚案件1.86万件,对首次轻微违法行为依法不予处罚1024件。"
    s = Scored(Passage(chunk, 1.0, 1), 0, len(text), text, 1.0)
    asked = Query(text="甲市办理行政处罚案件多少件", terms=["办理", "行政处罚"], numeric=True, measure="cases")
    assert asked_clauses(s, asked).text == "全年办理行政处罚案件1.86万件"
    both = Query(text="甲市办了多少件，不罚了几件", terms=["办理", "行政处罚"], numeric=True, measure="cases")
    assert asked_clauses(s, both).text == text  # two asks: the whole sentence
    growth = "全年收到行政复议申请120件,同比增长20件。"
    g = Scored(Passage(chunk, 1.0, 1), 0, len(growth), growth, 1.0)
    assert asked_clauses(g, replace(asked, terms=["行政复议"])).text == growth  # 同比… goes on about it


def test_a_figure_is_quoted_without_its_parts_or_last_year_s_level() -> None:
    from assistant.answering.evidence import Scored, without_parts
    chunk = _chunks("jia.txt")[1]

    def quoted(text: str, query: Query) -> str:
        return without_parts(Scored(Passage(chunk, 1.0, 1), 0, len(text), text, 1.0), query).text

    total = "全区全年专利授权量4.68万件,同比增长8.7%,其中发明专利授权2.16万件。"
    asked = Query(text="甲区专利授权量多少", terms=["专利", "授权量"], numeric=True, head="授权量")
    assert quoted(total, asked) == "全区全年专利授权量4.68万件,同比增长8.7%"
    parts = "共梳理行政权力事项258项,其中取消45项。"
    cancelled = Query(text="甲县权力事项取消了多少项", terms=["权力", "事项", "取消"], numeric=True, measure="count",
                      head="取消")
    assert quoted(parts, cancelled) == parts  # the part is what was asked
    rate = "行政机关败诉61件,败诉率5.8%,较上年的7.1%下降1.3个百分点。"
    share = Query(text="甲市败诉率多少", terms=["败诉率"], numeric=True, measure="share", rates=("败诉率",))
    assert quoted(rate, share) == "行政机关败诉61件,败诉率5.8%"
    assert quoted(rate, replace(share, text="甲市败诉率比上年降了多少", change=True)) == rate
    lost = Query(text="甲市败诉了多少件", terms=["败诉"], numeric=True, measure="cases", head="败诉")
    assert quoted(rate, lost) == "行政机关败诉61件"  # a count asked: not the rate beside it
    hotline = "热线受理群众诉求1238万件,按时办结率99.2%,群众满意率96.8%。"
    pleased = Query(text="甲市满意率多少", terms=["满意率"], numeric=True, measure="share", rates=("满意率",))
    assert quoted(hotline, pleased) == "群众满意率96.8%"  # its own rate, not the one before it
    by_meaning = replace(pleased, rates=("好评率",))
    assert quoted(hotline, by_meaning) == hotline  # the asked rate is not named: nothing to tell apart


def test_words_cut_across_the_collection_s_words_are_cut_again() -> None:
    from types import SimpleNamespace

    from assistant.answering.strategies import _resplit
    known = {"新收", "复议", "全区"}
    tools = SimpleNamespace(extractor=SimpleNamespace(idf=lambda w: 1.0 if w in known else None))
    assert _resplit(["全区", "新", "收复", "议"], tools) == ["全区", "新收", "复议"]
    assert _resplit(["全区", "打官司"], tools) == ["全区", "打官司"]  # no cut into the collection's words: kept


def test_own_level_rates_and_a_not_a_questions() -> None:
    assert plan("乙县搞没搞府院联动？").intent == "yes_no"
    assert plan("甲市行政复议纠错率？").figure
    own = ask("甲市政府本级收到多少件行政复议申请？")
    assert own.refused and "120件" not in own.text.split("\n")[0]


def test_a_target_is_not_what_was_achieved() -> None:
    query = Query(text="出庭应诉率是多少", terms=["出庭应诉率"], numeric=True, measure="share", rates=("出庭应诉率",))
    assert not figure_fits(query, "力争出庭应诉率达到100%。")
    assert figure_fits(query, "出庭应诉率达到98.6%。")
    assert figure_fits(replace(query, target=True), "力争出庭应诉率达到100%。")


def test_heads_are_not_attendances() -> None:
    assert measure_asked("培训了多少名执法人员") == "headcount" and measure_asked("培训了多少人（不是人次）") == "headcount"
    assert measure_asked("普法覆盖了多少人") == "headcount" and measure_asked("培训了多少人次") == "people"
    assert measure_asked("调了多少纠纷") == "cases"
    heads = Query(text="培训了多少名执法人员", terms=["培训"], numeric=True, measure="headcount")
    assert not figure_fits(heads, "培训执法人员5600余人次。") and figure_fits(heads, "培训执法人员560名。")


def test_a_verdict_needs_the_figure_it_compares() -> None:
    assert verdict("甲市纠错率有没有超过15%？", ["纠错率"], fold("力争纠错率保持在合理区间,出庭应诉率达到100%。")).startswith("报告未说明")
    assert verdict("一件事集成服务可网办率过99%了没", ["网办率"], fold("可网办率达99.2%。")) == "是。"
    assert verdict("法律顾问是不是全覆盖了？", ["法律顾问"], fold("党政机关法律顾问实现全覆盖。")) == "是。"
    assert verdict("合同审查金额是不是超过100亿了？", ["合同"], fold("审查合同412份，涉及金额158.6亿元。")) == "是。"
    assert verdict("信息公开申请比上年多了吗", ["信息公开"], fold("受理政府信息公开申请2057件,较上年减少。")) == "否。"


def test_a_subdistrict_s_figure_does_not_answer_for_the_whole_unit() -> None:
    from assistant.answering.strategies import _about_a_part
    chunk = _chunks("jia.txt")[1]
    text = "某某街道人民调解委员会调解纠纷530余件,调解成功率达到97%。"
    s = Scored(Passage(chunk, 1.0, 1), 0, len(text), text, 1.0)
    assert _about_a_part(s, set()) and not _about_a_part(s, {"某某街道"})  # the places the question names


def test_a_subset_named_after_the_count_is_not_counted() -> None:
    query = Query(text="涉企行政复议案件多少件", terms=["涉企", "行政复议"], numeric=True, measure="cases")
    assert not figure_fits(query, "全市共收到行政复议申请872件,其中涉企行政复议案件占比约三成。")
    assert figure_fits(query, "全市共收到涉企行政复议申请260件。")
    assert verdict("信息公开申请比上年多了吗", ["信息公开"],
                   fold("其中因信息公开引发的复议申请占比较高。受理信息公开申请2057件,较上年减少。")) == "否。"


def test_a_rate_of_something_else_does_not_answer() -> None:
    query = Query(text="执法案卷合格率多少", terms=["执法", "案卷", "合格率"], numeric=True, measure="share",
                  rates=("合格率",), rate_of="案卷")
    assert not figure_fits(query, "组织行政执法人员法律知识考试,参考人员合格率达到96.8%。")
    assert figure_fits(query, "评查行政执法案卷960卷,案卷合格率98%。")
    assert figure_fits(query, "评查行政执法案卷960卷,合格率98%。")  # the rate's owner is the sentence's topic
    review = replace(query, terms=["行政复议", "纠错率"], rates=("纠错率",), rate_of="行政复议")
    assert figure_fits(review, "审结149件,综合纠错率8.7%。")  # 综合 names no other owner


def test_a_department_s_figure_does_not_answer_for_the_whole_area() -> None:
    from assistant.genre import DEPARTMENT_START
    assert DEPARTMENT_START.match("县综合行政执法局全年办理各类行政处罚案件2315件。")
    assert not DEPARTMENT_START.match("全县各级行政机关办理行政处罚案件1.2万件。")
    assert not DEPARTMENT_START.match("新发展格局下,执法办案3000件。")
    assert measure_asked("法律顾问有几个人") == "headcount"  # 几个人 counts people, 人 is no topic word


def test_firms_and_money_ranked_are_measures() -> None:
    assert measure_asked("双随机抽查了多少户") == "entities" and measure_asked("电子证照发了多少张") == "cases"
    assert measure_asked("哪个地方行政赔偿金额最多") == "money"
    firms = Query(text="抽查了多少户", terms=["抽查"], numeric=True, measure="entities")
    assert not figure_fits(firms, "抽查行政处罚案卷231卷。") and figure_fits(firms, "抽查市场主体1200户。")


def test_a_township_the_question_names_must_be_named_by_the_figure() -> None:
    from assistant.genre import SUBUNIT_NAMED
    assert SUBUNIT_NAMED.findall("甲市沙溪镇23年调解成功率多少") == ["沙溪镇"]
    assert SUBUNIT_NAMED.findall("高新区蜀麓社区调解成功率") == ["蜀麓社区"]
    assert not SUBUNIT_NAMED.findall("各乡镇街道调解多少") and not SUBUNIT_NAMED.findall("平安社区建了多少个")
    assert ask("甲市某溪镇收到行政复议申请多少件？").refused  # the city figure (120件) is not the township's


def test_a_clause_after_a_semicolon_goes_on_about_the_subject_before_it() -> None:
    ex = TOOLS.extractor
    query = Query(text="行政复议审结多少件", terms=["行政复议", "审结"], numeric=True, measure="cases")
    alone = ex.coverage(query, "依法受理18915件，审结17642件。", "")
    led = ex.coverage(query, "依法受理18915件，审结17642件。", "", lead="全省行政复议机关共收到申请21386件；")
    assert led > alone and led < ex.coverage(query, "行政复议审结17642件。", "")


def test_a_phrase_is_not_cut_out_of_a_longer_word_of_the_collection() -> None:
    from assistant.answering.strategies import _cuts_a_word
    known = replace(TOOLS, extractor=Extractor(lambda t: 1.0 if t in ("成功率", "调解") else None, lambda s: "",
                                               lambda t: [t], 0.5, 2))
    assert _cuts_a_word("蜀麓社区调解成功率多少", "调解成", known)
    assert not _cuts_a_word("调解成了多少件", "调解成", known)
    compared = replace(TOOLS, extractor=Extractor(lambda t: 1.0 if t == "同比" else None, lambda s: "",
                                                  lambda t: [t], 0.5, 2))
    assert not _cuts_a_word("签合同同比上年多了吗", "签合同", compared)  # 同比 is how it is asked, not a word cut


def test_a_word_the_collection_uses_still_gets_the_genre_s_equivalents() -> None:
    from assistant.answering.strategies import make_query
    query = make_query(plan("甲市复议收到多少件？"), TOOLS, ["jia.txt"])
    assert _idf("复议") is not None and ("行政复议", 0.9) in query.expansions["复议"]


def test_a_noun_ending_cut_off_by_the_tokenizer_is_put_back() -> None:
    from assistant.answering.strategies import key_terms
    assert "审结率" in key_terms("甲市复议审结率多少", TOOLS)


def test_one_figure_for_a_list_of_rates_and_a_rate_stem_is_no_change() -> None:
    assert verdict("乙县规范性文件报备率是不是100%", ["规范性文件", "报备率"],
                   fold("规范性文件全部按规定报送备案,报备率、及时率、规范率均为100%。")) == "是。"
    stem = Query(text="复议审结率多少", terms=["复议", "审结率"], numeric=True, measure="share", rates=("审结率", "审结"))
    assert not figure_fits(stem, "共收到行政复议申请2846件,同比增长63.2%,审结2287件。")
    assert figure_fits(replace(stem, rates=("和解",)), "通过调解和解方式结案97件,占审结案件的28.1%。")


def test_reached_a_figure_is_a_comparison_and_the_evidence_s_own_word_is_read() -> None:
    assert verdict("网上可办率到99%了吗", ["网上可办率"], fold("政务服务事项网上可办率达到99.7%。")) == "是。"
    assert verdict("一网通办率到95%了没", ["一网通办率"], fold("全县一网通办率达到93.8%。")) == "否。"
    text = ask("乙县负责人出庭率到100%了没").text  # 出庭率: the report says 出庭应诉率
    assert text.startswith("是")


def test_a_direction_asked_is_answered_by_the_sentence_stating_the_change() -> None:
    assert ask("甲市一审行政案件败诉率比上年高了吗？").text.startswith("否")  # 较上年下降2个百分点
    assert verdict("乙县复议收案是不是比22年多", ["复议"], fold("收到行政复议申请45件,同比增长20%。")) == "是。"
    assert plan("乙县复议案件为啥下降了").intent != "yes_no"


def test_a_follow_up_keeps_the_unit_and_reads_a_short_year() -> None:
    own = plan("市本级呢", "甲市复议收到多少件？")
    assert "本级" in own.ask and "复议" in own.ask
    stage = plan("审结了多少", "甲市本级复议收了多少")
    assert "复议" in stage.context and stage.ask.startswith("本级")
    assert "乡镇" not in plan("本级呢", "甲市乡镇收到复议多少件").ask
    assert plan("那23年呢", "丙区24年复议办理多少件").years == [2023]


def test_rate_figures_stand_by_their_rate_and_days_hotlines_and_plans_are_read() -> None:
    rate = Query(text="信息公开被复议的纠错率", terms=["信息公开", "纠错率"], numeric=True, measure="share", rates=("纠错率",))
    assert not figure_fits(rate, "受理信息公开申请2896件,办结率98.5%,因信息公开被复议的案件纠错率下降。")
    assert figure_fits(rate, "信息公开案件纠错率较上年下降2.1个百分点。")
    assert measure_asked("平均审理多少天") == "days" and measure_asked("培训了多少个人 不要人次") == "headcount"
    from assistant.answering.strategies import key_terms
    assert "12348" in key_terms("12348法律服务热线接了多少电话", TOOLS)
    assert verdict("有没有创成省级示范县", ["创成", "示范县"],
                   fold("全市累计创成示范村2个。力争创成省级法治政府建设示范县。")).startswith("报告未说明")


def test_a_rate_s_target_is_not_its_figure() -> None:
    rate = Query(text="败诉率多少", terms=["败诉率"], numeric=True, measure="share", rates=("败诉率",))
    assert not figure_fits(rate, "巩固出庭应诉率100%成果,力争一审行政诉讼败诉率控制在3%以内。")


def test_a_region_switch_keeps_the_topic_not_the_other_report_s_wording() -> None:
    from assistant.answering.strategies import make_query
    switched = plan("那丙区呢？", "甲市普法讲座办了多少场？")
    query = make_query(switched, TOOLS, switched.sources)
    assert "讲座" in query.context and "讲座" not in fold("".join(TEXTS["bing.txt"]))
    assert measure_asked("多少个场景") == "count"  # scenes, not 场 (events)


def test_everyday_wordings_the_review_found_misread() -> None:
    from assistant.answering.strategies import _required, key_terms
    from assistant.genre import DEPARTMENT_START, HOW_MANY, TARGET_BEFORE
    # 到 of 不到 / 收到 is no "reached"
    assert verdict("甲县出庭应诉率不到90%吗？", ["出庭应诉率"], fold("出庭应诉率达到95%。")) == "否。"
    assert verdict("甲县收到行政复议申请120件吗？", ["行政复议"], fold("全年收到行政复议申请130件。")) == "否。"
    # a community-correction or urban-rural phrase is no township
    for q in ("甲市目前社区矫正对象有多少人", "甲市统筹城乡法律服务多少家", "甲市送法下乡多少次"):
        assert _required(plan(q), TOOLS) == (), q
    # 目标绩效考核 / 拟定 are no plans
    assert not TARGET_BEFORE.search("将法治建设纳入目标绩效考核") and not TARGET_BEFORE.search("拟定并公布")
    assert verdict("法治建设纳入绩效考核了吗", ["绩效考核"], fold("将法治建设纳入目标绩效考核体系。")) == "是。"
    # 几个人民调解委员会 counts committees; 面对百年未有之大变局 is no department
    assert measure_asked("全县有几个人民调解委员会") is None and HOW_MANY.search("几个人民").group(0) == "几个"
    assert not DEPARTMENT_START.match("面对百年未有之大变局,全年办理案件300件。")
    # a figure over 10000 is no hotline; 甲市民法典 keeps 民法典
    assert "12000" not in key_terms("受理案件12000件了吗", TOOLS)
    assert "民法典" in key_terms("甲市民法典宣传覆盖多少人", TOOLS)
    owner = Query(text="执法案卷合格率", terms=["执法", "案卷", "合格率"], numeric=True, measure="share",
                  rates=("合格率",), rate_of="案卷")
    assert not figure_fits(owner, "组织学法考法,学法考法合格率100%。")
    from assistant.answering.evidence import counts_measure
    assert counts_measure("天", "days") and not counts_measure("日", "days")  # 截至12月31日 is a date


def test_the_asker_s_glue_verbs_are_no_topic() -> None:
    from assistant.answering.strategies import key_terms
    terms = key_terms("复议靠调解和解结案的比例", TOOLS)
    assert "靠" not in terms and "调解" in terms


def test_a_stage_asked_counts_cases_and_a_clause_after_a_semicolon_keeps_its_subject() -> None:
    assert measure_asked("复议受理多少") == "cases" and measure_asked("网格员上报的信息有多少条") == "count"
    assert measure_asked("调解成功的案件涉案金额一共多少") == "money"
    count = Query(text="复议审结多少件", terms=["行政复议", "审结"], numeric=True, measure="cases", head="审结")
    text = "依法受理8925件,审结8314件,全省行政复议纠错率12.6%。"
    assert not figure_fits(count, text) and figure_fits(count, text, lead="全省各级行政复议机关收到申请9867件;")


def test_how_many_items_is_a_count_and_a_figure_may_stand_before_its_noun() -> None:
    assert measure_asked("最小应急单元一共建了多少个") == "count" and measure_asked("事项一共几项") == "count"
    count = Query(text="建了多少个应急单元", terms=["应急单元"], numeric=True, measure="count")
    assert not figure_fits(count, "校园、医院等重点单位应急单元覆盖率100%。")
    assert figure_fits(count, "建成应急单元320个。")
    heads = Query(text="培训了多少名执法人员", terms=["执法人员"], numeric=True, measure="headcount", head="执法人员")
    assert figure_fits(heads, "全年组织560名执法人员参加培训。")


def test_a_number_asked_is_compared_with_the_figure_of_what_was_asked_only() -> None:
    evidence = fold("全省受理行政裁决案件并及时处理,同时查处商标侵权假冒案件586件。")
    assert verdict("行政裁决案件办了超过100件吗", ["行政裁决", "案件"], evidence).startswith("报告未说明")


def _scored_in(text: str, section: str) -> Scored:
    chunk = Chunk(id="c", source="jia.txt", text=text, search_text=text, section=section, start=0, end=len(text),
                  meta=JIA)
    return Scored(passage=Passage(chunk=chunk, score=1.0, rank=1), start=0, end=len(text), text=text, coverage=1.0)


def test_a_figure_of_the_plans_section_is_a_target_not_a_result() -> None:
    from assistant.answering.strategies import _fitting
    asked = Query(text="复议调解和解率多少", terms=["调解", "和解率"], numeric=True, measure="share", rates=("和解率",))
    plans = _scored_in("一是推进复议规范化,力争纠错率控制在12%以内,调解和解率达到40%;", "三、2025年工作安排")
    done = _scored_in("通过调解和解结案426件,调解和解率34.9%。", "一、主要工作成效 > （二）行政复议")
    said = _scored_in("全年调解和解率为34.9%。", "三、下一步工作打算")  # no target word: a result, wherever it stands
    assert _fitting(asked, [plans, done, said]) == [done, said]
    assert _fitting(replace(asked, target=True), [plans]) == [plans]  # 目标是多少: the plan answers


def test_a_rate_stem_is_not_answered_by_another_rate_s_share() -> None:
    asked = Query(text="行政复议审结率", terms=["行政复议", "审结率"], numeric=True, measure="share",
                  rates=("审结率", "审结"))
    assert not figure_fits(asked, "全年审结行政复议案件1762件,其中直接纠错186件,直接纠错率10.6%;")
    stem = Query(text="调解和解率", terms=["和解率"], numeric=True, measure="share", rates=("和解率", "和解"))
    assert figure_fits(stem, "通过调解、和解方式结案97件,占28.1%。")


def test_the_whole_area_asked_is_not_answered_by_the_government_s_own_level() -> None:
    from assistant.genre import OWN_LEVEL_STATED
    assert OWN_LEVEL_STATED.search("在市政府审结案件中,纠错178件,纠错率14.6%;")
    assert OWN_LEVEL_STATED.search("市本级收到行政复议申请1057件")
    assert not OWN_LEVEL_STATED.search("全市各级行政复议机关收到申请3472件")


def test_a_rate_the_evidence_does_not_name_leaves_the_yes_no_unstated() -> None:
    evidence = fold("开展行政执法案卷评查,评查案卷1248卷,优秀率32.4%。")
    assert verdict("执法案卷合格率到95%了吗", ["执法", "案卷", "合格率"], evidence).startswith("报告未说明")
    assert verdict("案卷优秀率到30%了吗", ["案卷", "优秀率"], evidence) == "是。"


def test_questions_typed_without_punctuation_or_about_the_collection() -> None:
    assert classify("甲市23年行政诉讼败诉率低于5%没", 1)[0] == "yes_no"
    assert classify("24年的报告有哪几份", 0)[0] == "catalog"
    assert classify("资料库里的报告一共有几份", 0)[0] == "catalog"


def test_a_bare_zone_word_names_the_collection_s_only_zone() -> None:
    from assistant.regions import find
    zone = ReportMeta("甲高新技术产业开发区2024年报告", "甲高新技术产业开发区", 2024, "开发区", ["甲高新区"])
    metas = {"jia.txt": JIA, "z.txt": zone}
    assert [(h.region, h.how) for h in find("高新区24年复议收了多少", metas)] == [("甲高新技术产业开发区", "bare")]
    assert [h.region for h in find("开发区复议收了多少", metas)] == ["甲高新技术产业开发区"]
    assert find("新区复议收了多少", metas) == []  # a 新区 is no 高新区
    other = ReportMeta("乙经济技术开发区2023年报告", "乙经济技术开发区", 2023, "开发区", ["乙经开区"])
    assert find("开发区复议收了多少", {**metas, "y.txt": other}) == []  # two zones: which one is not known


def test_issuing_a_document_is_said_with_the_report_s_verb_and_money_with_款() -> None:
    from assistant.answering.strategies import make_query
    from assistant.genre import ISSUE_VERBS
    assert ("制发", 0.9) in make_query(plan("甲市区政府发几份红头文件"), TOOLS, ["jia.txt"]).expansions["发"]
    assert "发" not in make_query(plan("甲市发多少起安全事故"), TOOLS, ["jia.txt"]).expansions  # no document
    issued = Query(text="区政府发了几份红头文件", terms=["红头文件", "区政府", "发"], numeric=True, measure="cases",
                   head="发", expansions={"发": [(alt, 0.9) for alt in ISSUE_VERBS["发"]]})
    assert figure_fits(issued, "全年区政府及区政府办公室制定行政规范性文件9件,报备率100%。")
    learned = replace(issued, expansions={"发": [("制定", 0.6)]})  # a word learned by meaning is not that sure
    assert not figure_fits(learned, "全年区政府及区政府办公室制定行政规范性文件9件,报备率100%。")
    assert measure_asked("新市镇23年罚没款多少") == "money" and measure_asked("修改条款多少条") != "money"


def test_a_one_character_verb_repeating_a_question_word_counts_once() -> None:
    from assistant.answering.strategies import make_query
    query = make_query(plan("甲市公平竞争审查审了多少件"), TOOLS, ["jia.txt"])
    assert "审查" in query.terms and "审" not in query.terms


def test_a_headcount_of_named_people_needs_those_people() -> None:
    from assistant.answering.strategies import _counted_people
    assert _counted_people("培训了多少名执法人员") == "执法人员" and _counted_people("多少名群众参加") == ""
    heads = Query(text="培训了多少名执法人员", terms=["培训", "执法人员"], numeric=True, measure="headcount",
                  counted="执法人员")
    assert not figure_fits(heads, "举办专题培训班,培训分管领导和法制工作人员480人。")
    assert figure_fits(heads, "全年培训执法人员560人。")


def test_a_change_asked_is_the_change_of_what_was_asked() -> None:
    from assistant.answering.evidence import states_change
    asked = Query(text="复议案件为啥下降了", terms=["复议", "案件"], numeric=True, change=True)
    other = "受理政府信息公开申请2896件,同比增长9.2%,因政府信息公开被复议被诉的案件纠错率下降。"
    assert not states_change(asked, other) and not figure_fits(asked, other)
    assert states_change(asked, "全区各级行政复议机关共收到行政复议申请4381件,同比增长28.7%,受理3926件;")
    assert states_change(asked, "同比增长28.7%。", lead="全区收到行政复议申请4381件,")  # named before the ；


def test_a_stage_said_in_the_asker_s_word_is_matched_by_the_report_s() -> None:
    from assistant.answering.strategies import key_terms, make_query
    query = make_query(plan("甲市复议收案同比涨了多少"), TOOLS, ["jia.txt"])
    assert ("收到", 0.9) in query.expansions["收案"]
    assert "百分之" not in key_terms("复议申请比上年多了百分之多少", TOOLS)


def test_a_name_sounding_like_a_region_before_a_year_is_read_as_that_region() -> None:
    from assistant.regions import find
    ningxia = ReportMeta("某自治区2023年报告", "宁夏回族自治区", 2023, "省", ["宁夏"], path=["宁夏回族自治区"])
    assert [h.region for h in find("宁厦23年复议审结多少件", {"n.txt": ningxia})] == ["宁夏回族自治区"]
    assert find("大厦的复议审结多少件", {"n.txt": ningxia}) == []


def test_a_rate_of_change_and_a_fall_are_read_as_the_report_states_them() -> None:
    evidence = fold("全年新增市场主体2.36万户,同比增长9.8%;全市市场主体总数达到17.4万户。")
    assert verdict("新增市场主体增速超过10%了吗", ["新增", "市场主体"], evidence) == "否。"
    from assistant.answering.strategies import UNSTATED_CHANGE
    stated = fold("一审行政诉讼案件367件,行政机关败诉11件,败诉率3.0%;")
    assert verdict("败诉率比2022年降了没", ["败诉率"], stated) == UNSTATED_CHANGE


def test_a_yes_no_the_report_leaves_open_is_no_answer_but_shows_what_it_says() -> None:
    answer = ask("甲市普法讲座比上年多了吗")
    assert answer.refused and answer.text.startswith("报告未说明") and answer.citations


def test_a_closing_了_does_not_make_a_figure_question_a_yes_no() -> None:
    assert classify("甲市一支队伍管的事项扩到多少项了", 1)[0] == "figure"
    assert classify("甲市执法事项扩到1000项了没", 1)[0] == "yes_no"


def test_a_year_is_no_part_of_the_topic_words() -> None:
    from assistant.answering.strategies import key_terms
    assert not any("年" in t for t in key_terms("败诉率比2022年降了没", TOOLS))


def test_next_year_s_plans_are_read_from_this_year_s_report() -> None:
    planned = plan("乙县2024年计划办多少件")
    assert planned.years == [2023] and planned.sources == ["yi.txt"] and "写在2023年的报告里" in planned.notes[0]
    assert plan("乙县2024年办了多少件").missing  # a result of a year the collection lacks stays missing


def test_a_suffix_typed_as_its_homophone_is_read() -> None:
    from assistant.regions import find
    zone = ReportMeta("某新区2023年报告", "江北新区", 2023, "开发区", ["江北新区"], path=["江苏省", "南京市", "江北新区"])
    assert [(h.region, h.typed) for h in find("江北新曲23年持证执法人员多少", {"z.txt": zone})] == [("江北新区", "江北新曲")]


def test_a_share_asked_as_a_比例_is_how_it_is_asked_not_what() -> None:
    from assistant.answering.strategies import key_terms
    assert "比例" not in key_terms("宜兴22年办事网上能办的比例", TOOLS)


def test_a_counted_compound_written_apart_is_found_by_its_noun() -> None:
    asked = Query(text="调解纠纷多少件", terms=["调解纠纷"], numeric=True, measure="cases", head="调解纠纷")
    assert figure_fits(asked, "全市共有人民调解委员会386个,人民调解员2,140人,全年调解矛盾纠纷1.18万件,调解成功率98.6%。")
    assert not figure_fits(asked, "全市共有人民调解委员会386个,调解成功率98.6%。")


def test_a_change_since_last_year_needs_a_stated_change_and_共聘_is_a_stock() -> None:
    from assistant.answering.strategies import UNSTATED_CHANGE
    vague = fold("健全行政裁决制度,提升行政裁决质效。")
    assert verdict("行政裁决案件是不是比上年多", ["行政裁决", "案件"], vague) == UNSTATED_CHANGE
    hired = Query(text="新聘了多少名法律顾问", terms=["法律顾问"], numeric=True, measure="headcount",
                  qualifiers=frozenset({"new"}))
    assert not figure_fits(hired, "全省各级党政机关共聘请法律顾问3,260名,设立公职律师1,874名。")


def test_place_readings_that_must_not_fire() -> None:
    from assistant.regions import find
    changle = ReportMeta("某区报告", "长乐区", 2023, "区", ["长乐区", "长乐"], path=["福建省", "福州市", "长乐区"])
    shinan = ReportMeta("某区报告", "市南区", 2022, "区", ["市南区", "市南"], path=["山东省", "青岛市", "市南区"])
    zone = ReportMeta("某区报告", "甲高新技术产业开发区", 2024, "开发区", ["甲高新区"])
    metas = {"c.txt": changle, "s.txt": shinan, "z.txt": zone}
    assert find("复议案件增长了15%吗", metas) == [] and find("执法人员长了20人吗", metas) == []
    assert [h.typed for h in find("市南去年复议多少件", metas)] == ["市南"]  # 去年 is no slip of 区
    assert find("南宁高新区24年复议收了多少", metas) == [] and find("土地开发区域有多少", metas) == []


def test_which_headings_are_next_year_s_plans() -> None:
    from assistant.answering.strategies import _in_plans
    assert _in_plans(_scored_in("力争纠错率控制在12%以内。", "三、下一步工作打算"))
    assert _in_plans(_scored_in("力争纠错率控制在12%以内。", "四、2025年工作安排"))  # JIA is 2024's
    assert not _in_plans(_scored_in("收到申请120件。", "一、加强组织领导，统筹安排部署"))
    assert not _in_plans(_scored_in("收到申请120件。", "一、认真落实年度法治政府建设工作要点"))


def test_wordings_that_are_no_catalog_yes_no_or_own_level() -> None:
    from assistant.genre import OWN_LEVEL_STATED
    assert classify("甲市需要向社会公开的报告有哪些", 1)[0] != "catalog"
    assert classify("洪涝中有多少个村庄被淹没", 0)[0] != "yes_no"
    assert not OWN_LEVEL_STATED.search("市本级及各县区共收到行政复议申请3000件")
    from assistant.compare import _CHANGE_WORDS
    assert not _CHANGE_WORDS.search("各地减税降费金额对比")


def test_a_plan_follow_up_keeps_the_earlier_topic() -> None:
    planned = plan("明年计划搞几场", "甲市普法讲座搞了多少场")
    assert "普法讲座" in planned.context


def test_how_many_回_asks_a_figure_of_any_count() -> None:
    assert classify("甲市当被告打官司输了几回", 1)[0] == "figure" and measure_asked("打官司输了几回") is None


def test_a_figure_sentence_needs_a_word_of_what_was_asked_itself_not_only_its_heading() -> None:
    asked = Query(text="行政裁决案件办了多少件", terms=["行政裁决", "案件", "办"], numeric=True, measure="cases")
    extractor = Extractor(lambda t: 2.0 if t in ("行政裁决", "裁决") else 1.0, lambda s: "",
                          lambda t: ["行政", "裁决"] if t == "行政裁决" else [t], 0.5, 2)
    heading = "（五）健全行政裁决和投诉举报处理机制"
    assert extractor.coverage(asked, "各市政府共收到行政执法投诉举报3,214件,已办结3,087件。", heading) == 0.0
    assert extractor.coverage(asked, "全年办理行政裁决案件42件。", heading) > 0.5


def test_a_zone_is_named_by_the_word_that_tells_it_apart() -> None:
    from assistant.gazetteer import Division
    from assistant.meta import _zone_stem
    from assistant.regions import find

    def stem(name: str) -> list[str]:
        return _zone_stem(Division(name, "高新区", "", ("甲省", "甲城市", name)))
    assert stem("甲城市乙湖新技术开发区") == stem("甲城乙湖新技术开发区") == ["乙湖"]  # staff write 乙湖23年…
    assert stem("甲城丙海岸新区") == ["丙海岸"]
    assert stem("甲城经济技术开发区") == [] and stem("甲城工业园区") == [] and stem("甲城国家高新技术产业开发区") == []
    zone = ReportMeta("某区报告", "甲城乙湖新技术开发区", 2023, "开发区", ["甲城乙湖新技术开发区", "乙湖"])
    assert [h.region for h in find("乙湖23年复议收了多少", {"z.txt": zone})] == ["甲城乙湖新技术开发区"]


def test_the_rest_of_a_region_s_name_slipped_by_one_character_is_its_name() -> None:
    from assistant.regions import find
    region = ReportMeta("某报告", "甲乙丙自治区", 2023, "省", ["甲乙丙自治区", "甲乙丙"])
    assert [(h.region, h.typed) for h in find("甲乙丙自冶区23年复议纠错率", {"r.txt": region})] == [
        ("甲乙丙自治区", "甲乙丙自冶区")]
    assert [h.typed for h in find("甲乙丙自来水费", {"r.txt": region})] == ["甲乙丙"]  # not the region's rest


def test_the_stage_word_of_a_rate_names_no_count_at_that_stage() -> None:
    from assistant.answering.evidence import figure_fits
    hotline = "热线全年受理群众诉求1238万件，按时办结率99.2%。"
    closed = Query(text="甲市热线办结了多少件", terms=["热线", "办结"], numeric=True, measure="cases",
                   qualifiers=frozenset({"concluded"}))
    assert not figure_fits(closed, hotline)  # 受理 is the count's stage; 办结率 is a rate
    assert figure_fits(closed, "热线全年办结群众诉求1200万件，按时办结率99.2%。")


def test_which_is_highest_answers_with_the_top_and_names_the_rest() -> None:
    top = ask("哪个地方败诉率最高？")
    first = top.text.split("\n")[0]
    assert "乙县" in first and "最高" in first and "6%" in top.text and "3.5%" not in top.text
    rest = next(line for line in top.text.split("\n") if line.startswith("其余"))
    assert rest == "其余从高到低依次为：甲市。"  # by region only: a year there would be a figure without a source
    ranked = ask("各地败诉率从高到低排一下")
    assert "6%" in ranked.text and "3.5%" in ranked.text and "第一名" in ranked.text


def test_a_unit_below_asked_is_quoted_without_another_unit_s_figure() -> None:
    from assistant.answering.evidence import Scored, asked_clauses
    from assistant.answering.strategies import _about_a_part
    chunk = _chunks("jia.txt")[1]
    text = "其中乙丙街道调解纠纷356件，丁戊己街道调解纠纷412件。"
    s = Scored(Passage(chunk, 1.0, 1), 0, len(text), text, 1.0)
    asked = Query(text="甲市丁戊己街道呢", terms=["丁戊己"], numeric=True, required=("街道",))
    assert asked_clauses(s, asked).text == "丁戊己街道调解纠纷412件。"
    assert not _about_a_part(s, {"丁戊己街道"}) and _about_a_part(s, set())  # it goes on to the unit asked
    two = Query(text="甲市乙丙街道调解了多少件纠纷", terms=["调解", "纠纷"], numeric=True, measure="cases",
                required=("乙丙街道",))
    assert asked_clauses(s, two).text == "其中乙丙街道调解纠纷356件"  # a two-character name is required whole
    thousands = "其中乙丙街道调解纠纷1,356件，丁戊己街道调解纠纷412件。"
    t = Scored(Passage(chunk, 1.0, 1), 0, len(thousands), thousands, 1.0)
    assert asked_clauses(t, two).text == "其中乙丙街道调解纠纷1,356件"  # 1,356 is one figure, not two clauses


def test_the_target_asked_after_a_topic_is_that_topic_s_target() -> None:
    p = plan("目标是多少", "甲市2024年败诉率多少？")
    assert "败诉率" in p.context and p.regions == ["甲市"]


def test_a_change_of_another_stage_is_no_change_of_the_one_asked() -> None:
    from assistant.answering.evidence import states_change, unit_asked
    from assistant.answering.strategies import key_terms
    received = Query(text="甲市复议申请收到的比上年涨了多少", terms=["复议", "申请", "收到"], numeric=True, change=True,
                     qualifiers=frozenset({"received"}))
    assert not states_change(received, "全市共收到行政复议申请412件，依法受理376件，较上年受理的289件增长30.1%。")
    assert states_change(received, "全市共收到行政复议申请412件，同比增长10%。")
    assert unit_asked("招商的合同审了多少份") == "份" and unit_asked("复议收了多少") == ""
    assert "数比" not in key_terms("复议受理数比上年多了吗", TOOLS)


def test_the_clause_naming_what_is_counted_answers_among_clauses_of_one_stage() -> None:
    from assistant.answering.evidence import Scored, asked_clauses
    from assistant.answering.strategies import key_terms
    chunk = _chunks("jia.txt")[1]
    text = "全年新设立经营主体1.86万户，同比增长21.6%，其中新设企业6240户。"
    s = Scored(Passage(chunk, 1.0, 1), 0, len(text), text, 1.0)
    firms = Query(text="甲市新开的公司多少家", terms=["新开", "公司"], numeric=True, measure="entities",
                  qualifiers=frozenset({"new"}), head="公司", expansions={"公司": [("企业", 0.9)]})
    assert asked_clauses(s, firms).text == "其中新设企业6240户。"
    assert "钱" not in key_terms("给企业退减的税费一共多少钱", TOOLS)


def test_a_name_only_one_region_writes_again_and_again_says_which_region_is_asked() -> None:
    texts = {"jia.txt": "甲市2024年法治政府建设情况报告\n围绕建设“世界星谷”目标。星谷企业开办一网通。星谷信用平台上线。\n"
                        "全年减少涉企检查1460余次。\n",
             "yi.txt": "乙县2023年法治政府建设情况报告\n全年减少涉企检查300次。\n"}
    metas = {"jia.txt": JIA, "yi.txt": YI}
    planner = Planner(fake_route, known=lambda w: w in fold("".join(texts.values())), words=LEXICON.words,
                      folded_text=lambda s: fold(texts[s]))
    p = planner.plan("星谷涉企检查少了多少次", [], metas)
    assert p.regions == ["甲市"] and p.sources == ["jia.txt"] and "星谷" not in p.ask
    assert any("星谷" in n and "甲市" in n for n in p.notes)
    assert planner.plan("涉企检查少了多少次", [], metas).regions == []  # both write it: no region



def test_review_misfires_of_the_clause_rules_stay_fixed() -> None:
    from assistant.answering.evidence import Scored, asked_clauses, without_parts
    chunk = _chunks("jia.txt")[1]

    def scored(text: str) -> Scored:
        return Scored(Passage(chunk, 1.0, 1), 0, len(text), text, 1.0)
    part = scored("全年收到行政复议申请120件,其中涉企案件30件。")
    firms = Query(text="甲市涉企的行政复议案件收到多少件", terms=["涉企", "行政复议", "案件"], numeric=True,
                  measure="cases", qualifiers=frozenset({"received"}))
    assert without_parts(part, firms).text == part.text  # the part names what the whole does not
    total = scored("依法受理行政复议申请376件，其中受理涉企行政复议案件120件。")
    accepted = Query(text="甲市受理的复议案件多少件", terms=["复议", "案件"], numeric=True, measure="cases",
                     qualifiers=frozenset({"accepted"}), head="案件")
    assert "376件" in asked_clauses(total, accepted).text
    assert measure_asked("甲市依法受理的行政复议申请有多少？") == "cases"
    assert "乙县" in ask("败诉率最高的两个地方是哪些？").text and "第一名" in ask("哪几个地方败诉率最高？").text
    assert plan("下一步计划？", "甲市2024年败诉率多少？").context == ""  # plans of their own, not the rate's target
    assert "败诉率" in plan("明年计划降到多少", "甲市2024年败诉率多少？").context
    assert classify("甲市制定了几部规章", 1)[0] == "figure" and measure_asked("制定了几部规章") == "count"


def test_a_headcount_the_report_gives_only_in_person_times_is_declined_saying_so(monkeypatch) -> None:
    from assistant.answering.strategies import single
    monkeypatch.setitem(TEXTS, "jia.txt", TEXTS["jia.txt"] + "全年开展法治讲座，参加群众3200人次。\n")
    found = single(plan("甲市法治讲座参加的群众有多少人？"), TOOLS)
    assert found.refused and "只给出人次" in found.reason


def test_a_stock_is_quoted_without_the_newly_added_figure_after_it() -> None:
    from assistant.answering.evidence import Scored, without_parts
    chunk = _chunks("jia.txt")[1]
    text = "全市共有持证行政执法人员2860人,2023年新增取得行政执法证件的326人,全年组织培训18期。"
    s = Scored(Passage(chunk, 1.0, 1), 0, len(text), text, 1.0)
    held = Query(text="甲市持证执法人员有多少", terms=["持证", "执法人员"], numeric=True)
    assert without_parts(s, held).text == "全市共有持证行政执法人员2860人"
    added = replace(held, text="甲市新增持证执法人员多少", qualifiers=frozenset({"new"}))
    assert without_parts(s, added).text == text  # the newly added asked: left to the clause rules
    rate = "全市败诉率为3.5%,新增案件120件。"
    r = Scored(Passage(chunk, 1.0, 1), 0, len(rate), rate, 1.0)
    assert without_parts(r, replace(held, measure="cases")).text == rate  # no figure of the kind before: kept


def test_among_clauses_of_one_measure_the_one_naming_what_is_counted_answers() -> None:
    from assistant.answering.evidence import asked_clauses, without_repeated_rows
    chunk = _chunks("jia.txt")[1]

    def scored(text: str) -> Scored:
        return Scored(Passage(chunk, 1.0, 1), 0, len(text), text, 1.0)
    rules = Query(text="甲市新制定了几部规章", terms=["规章", "新", "制定"], numeric=True, measure="count",
                  qualifiers=frozenset({"new"}), head="制定")
    assert asked_clauses(scored("制定政府规章5部，修改3部，废止2部。"), rules).text == "制定政府规章5部"
    own = Query(text="甲市县政府发了几个立规矩的文件", terms=["立规矩的文件", "县政府", "发"], numeric=True,
                measure="count", expansions={"立规矩的文件": [("规范性文件", 0.9)], "发": [("出台", 0.9)]})
    issued = scored("县政府全年出台行政规范性文件11件，县级部门出台规范性文件23件，均按规定报送备案。")
    assert "23件" not in asked_clauses(issued, own).text and "11件" in asked_clauses(issued, own).text
    listed = Query(text="甲市重大行政决策目录里有几项", terms=["重大行政决策", "目录"], numeric=True, measure="count")
    decisions = scored("制定公布《2023年度重大行政决策事项目录》，纳入重大行政决策事项4项，其中3项已按程序作出决策，1项调整出目录。")
    assert "4项" in asked_clauses(decisions, listed).text  # the clause with no figure leads into the one after it
    row, said = scored("行政机关败诉率 | 4.3% | 5.9% | 下降1.6个百分点"), scored("败诉6件，败诉率4.3%。")
    assert without_repeated_rows([said, row]) == [said] and without_repeated_rows([row]) == [row]


def test_people_counted_after_the_events_and_a_rate_said_in_words_answer_the_figure() -> None:
    attended = Query(text="甲市领导去法院听庭审多少人次", terms=["领导", "庭审"], numeric=True, measure="people",
                     head="庭审")
    assert figure_fits(attended, "组织领导干部旁听庭审活动3次，参加领导干部214人次。")
    assert not figure_fits(attended, "组织领导干部旁听庭审活动3次，审结案件214件。")
    lost = ask("甲市当被告的官司输的比例是多少")  # 输的比例 is said for 败诉率, which the words around it mean too
    assert not lost.refused and "3.5%" in lost.text
    from assistant.answering.strategies import make_query
    q = plan("哪些报告讲了行政裁决")
    assert q.intent == "which" and make_query(q, TOOLS, q.sources).terms == ["行政裁决"]


def test_a_zone_name_slipped_by_a_sound_alike_is_found_before_the_city_it_starts_with() -> None:
    from assistant.answering.strategies import _required
    from assistant.regions import find
    zone = ReportMeta("某区报告", "无锡高新技术产业开发区", 2023, "开发区", ["无锡高新技术产业开发区", "无锡高新区"],
                      path=["江苏省", "无锡市", "无锡高新技术产业开发区"])
    assert [(h.region, h.how) for h in find("无锡高心区23年持证执法人员", {"z.txt": zone})] == [
        ("无锡高新技术产业开发区", "pinyin")]
    assert _required(plan("甲市中和街道有多少名调解员"), TOOLS) == ("中和街道",)  # (中 and 和 are no content words)


def test_a_township_or_a_topic_alone_as_a_follow_up_keeps_what_was_asked_before() -> None:
    township = plan("沙溪镇呢", "甲市调解纠纷多少件")  # the township's sentence on the topic before
    assert township.regions == ["甲市"] and "调解纠纷" in township.context and "沙溪镇" in township.ask
    own = plan("纠错率呢", "甲市本级复议收了多少")  # another topic of the unit asked (本级), not the whole city's
    assert own.ask.startswith("本级") and "纠错率" in own.ask
    assert "本级" not in plan("纠错率呢", "甲市复议收了多少").ask


def test_doubled_asks_whether_the_growth_stated_reached_a_hundred_percent() -> None:
    evidence = fold("全市全年收到行政复议申请1,564件，同比增长89.6%。")
    assert verdict("甲市复议申请是不是翻倍了", ["行政复议", "申请"], evidence) == "否。"
    assert verdict("甲市复议申请翻了一番吗", ["行政复议", "申请"], fold("收到申请900件，同比增长112%。")) == "是。"


def test_a_count_naming_no_stage_does_not_say_how_many_were_concluded() -> None:
    concluded = Query(text="甲市一审行政案件审结了多少件", terms=["一审", "行政案件", "审结"], numeric=True,
                      measure="cases", qualifiers=frozenset({"concluded"}))
    assert not figure_fits(concluded, "全市一审行政诉讼案件271件，同比增长5.9%。")
    assert figure_fits(concluded, "全市审结一审行政诉讼案件265件。")
    received = replace(concluded, qualifiers=frozenset({"received"}))
    assert figure_fits(received, "全市一审行政诉讼案件271件，同比增长5.9%。")  # a bare count is of cases brought


def test_a_stock_a_newly_added_figure_and_a_growth_are_quoted_apart_as_asked() -> None:
    from assistant.answering.evidence import without_parts
    chunk = _chunks("jia.txt")[1]

    def scored(text: str) -> Scored:
        return Scored(Passage(chunk, 1.0, 1), 0, len(text), text, 1.0)
    new = Query(text="甲市新开了多少家经营主体", terms=["新开", "经营主体"], numeric=True, measure="entities",
                qualifiers=frozenset({"new"}))
    opened = scored("全年新增经营主体2.61万户，同比增长9.7%，经营主体总数达到13.9万户。")
    assert "13.9万户" not in without_parts(opened, new).text and "2.61万户" in without_parts(opened, new).text
    now = Query(text="甲市公职律师现在多少人", terms=["公职律师"], numeric=True, measure="headcount")
    lawyers = scored("全省公职律师达到4,836名，比上年增加612名。")
    assert without_parts(lawyers, now).text == "全省公职律师达到4,836名"
    assert "612名" in without_parts(lawyers, replace(now, change=True)).text  # 增加了多少: the growth is asked
    road = Query(text="甲区测试道路一共多少公里", terms=["测试道路"], numeric=True, measure=measure_asked("一共多少公里"))
    assert without_parts(scored("测试道路累计达到1,026公里，2024年新增开放测试道路318公里。"), road).text == \
        "测试道路累计达到1,026公里"
    assert measure_asked("办下来要几天") == "days" and figure_fits(
        Query(text="办下来要几天", terms=["办"], numeric=True, measure="days"), "办理时间压缩至9个工作日。")


def test_a_yes_no_number_is_compared_with_the_whole_figure_of_the_unit_asked_and_no_target() -> None:
    said = fold("全省行政机关负责人出庭应诉率达到99.1%，其中省直部门负责人出庭应诉率100%。")
    assert verdict("甲省2024年负责人出庭率到100%了吗", ["负责人", "出庭应诉率"], said) == "否。"  # not cut to 99
    own = fold("全市行政机关负责人出庭应诉率达到99.8%，其中市本级行政机关负责人出庭应诉率100%。")
    assert verdict("甲市市本级负责人出庭率是不是100%", ["市本级", "负责人", "出庭应诉率"], own) == "是。"
    aimed = fold("行政机关负责人出庭应诉率96.8%。力争行政机关负责人出庭应诉率达到100%。")
    assert verdict("甲区负责人出庭率到100%了吗", ["负责人", "出庭应诉率"], aimed) == "否。"
    none = fold("因政府信息公开引发的行政复议案件12件，无一被纠错。")
    assert verdict("甲市政府信息公开引起的复议有被纠错的吗", ["政府信息公开", "复议", "纠错"], none) == "否。"


def test_a_rate_s_change_in_points_is_no_change_of_the_count_asked() -> None:
    from assistant.answering.evidence import states_change
    cases = Query(text="甲省复议案件为什么下降了", terms=["复议", "案件"], change=True)
    assert not states_change(cases, "经复议后起诉的案件比例为14.5%，同比下降6.2个百分点。")
    assert states_change(cases, "全省行政复议机关共收到行政复议申请21356件，同比增长38.6%。")
    assert states_change(replace(cases, text="甲省复议后起诉的比例为什么下降了"), "经复议后起诉的案件比例为14.5%，同比下降6.2个百分点。")


def test_a_change_no_report_states_is_told_by_the_region_s_report_of_the_year_before(monkeypatch) -> None:
    monkeypatch.setitem(TEXTS, "jia.txt", TEXTS["jia.txt"] + "全市行政复议纠错率9.3%。\n")
    monkeypatch.setitem(TEXTS, "jia23.txt", "一、主要成效\n全市行政复议纠错率10.3%。\n")
    monkeypatch.setitem(METAS, "jia23.txt", replace(JIA, title="甲市2023年法治政府建设情况报告", year=2023))
    said = ask("甲市2024年复议纠错率比去年高吗")
    assert said.text.startswith("否。") and "9.3%" in said.text and "10.3%" in said.text
    assert ask("甲市2024年复议纠错率比去年低吗").text.startswith("是。")


def test_a_part_naming_all_that_was_asked_is_quoted_without_the_whole_before_it() -> None:
    from assistant.answering.evidence import without_parts
    chunk = _chunks("jia.txt")[1]
    text = "终止201件，其中调解和解后申请人撤回申请的176件。"
    withdrawn = Query(text="调解和解后撤回的有多少", terms=["调解和解", "撤回"], numeric=True)
    assert without_parts(Scored(Passage(chunk, 1.0, 1), 0, len(text), text, 1.0), withdrawn).text == \
        "其中调解和解后申请人撤回申请的176件"


def test_a_rate_carried_into_a_follow_up_is_quoted_from_its_own_clause() -> None:
    from assistant.answering.evidence import without_parts
    chunk = _chunks("jia.txt")[1]
    text = "依申请政务服务事项“掌上可办率”达到96.8%，“网上可办率”达到99.6%。"
    online = Query(text="乙市网上可办率多少", terms=["可办率", "网上"], numeric=True, measure="share",
                   rates=("可办率",), rate_of="网上")
    assert without_parts(Scored(Passage(chunk, 1.0, 1), 0, len(text), text, 1.0), online).text == "“网上可办率”达到99.6%"


def test_whether_a_count_grew_is_unstated_when_the_evidence_gives_no_figure() -> None:
    vague = fold("依托涉外法律服务中心提供法律咨询、纠纷调解等服务，涉外法律服务能力持续增强。")
    assert verdict("甲市涉外法律服务案件数增长了吗", ["涉外法律服务", "案件"], vague).startswith("报告未说明")
    assert verdict("甲市涉外法律服务能力增强了吗", ["涉外法律服务", "能力"], vague) == "是。"


def test_a_township_of_three_characters_and_one_asked_with_its_district() -> None:
    from assistant.answering.strategies import _required
    from assistant.genre import SUBUNIT_NAMED
    assert _required(plan("甲市鱼化寨街道调解了多少"), TOOLS) == ("鱼化寨街道",)
    assert _required(plan("甲市南山粤海街道调解了多少纠纷"), TOOLS) == ("粤海街道",)  # (南山 is the district)
    for phrase in ("几支乡镇", "统筹城乡", "送法下乡"):  # no three-character name ending in 城乡 / 下乡 / 乡镇
        assert all(not m.group(1).startswith(phrase[:3]) for m in SUBUNIT_NAMED.finditer(phrase + "多少"))
    passage = Passage(Chunk("c", "jia.txt", "x", "x", "", 0, 1, JIA), 1.0, 1)
    from assistant.answering.strategies import _about_a_part
    sentence = "粤海街道依托“法治驿站”全年调解纠纷4,126件；"
    part = Scored(passage, 0, len(sentence), sentence, 1.0)
    assert not _about_a_part(part, {"南山粤海街道"}) and _about_a_part(part, set())


def test_yes_no_of_a_change_or_a_thing_the_evidence_does_not_state_is_unstated() -> None:
    from assistant.genre import DOWN_Q, UP_Q
    assert UP_Q.search("公平竞争审查的文件是不是比23年多") and UP_Q.search("规范性文件比22年发得多吗")
    assert DOWN_Q.search("纠错率比2022年低吗")
    vague = fold("推进行政裁决规范化建设，在土地、山林权属争议等领域依法开展行政裁决。")
    assert verdict("甲县行政裁决案件增加了吗", ["行政裁决", "案件"], vague).startswith("报告未说明")
    review = fold("严格落实公平竞争审查制度，对涉及经营主体经济活动的政策措施进行审查。")
    idf = {"纠正": 2.9, "组织": 1.2}.get
    assert verdict("甲市公平竞争审查有纠正的吗", ["公平竞争审查", "纠正"], review, idf).startswith("报告未说明")
    assert verdict("甲市有专门的调解组织吗", ["调解", "组织"], fold("成立旅游纠纷调解委员会。"), idf) == "是。"


def test_a_threshold_answered_by_a_target_is_decided_by_the_figure_achieved(monkeypatch) -> None:
    monkeypatch.setitem(TEXTS, "yi.txt", "一、主要成效\n全县行政复议纠错率7.6%。\n三、下一步打算\n力争行政复议纠错率控制在10%以内。\n")
    said = ask("乙县复议纠错率在10%以内吗")
    assert said.text.startswith("是。") and "7.6%" in said.text
    assert verdict("乙县纠错率在10%以内吗", ["纠错率"], fold("纠错率12.1%。")) == "否。"


def test_another_rate_a_target_and_a_township_s_part_are_cut_from_the_quote() -> None:
    from assistant.answering.evidence import without_parts
    chunk = _chunks("jia.txt")[1]

    def quoted(text: str, query: Query) -> str:
        return without_parts(Scored(Passage(chunk, 1.0, 1), 0, len(text), text, 1.0), query).text
    online = Query(text="甲省网上能办的比例", terms=["网上能办"], numeric=True, measure="share", rates=("网上可办率",))
    assert quoted("省级政务服务事项网上可办率达到99.2%，全程网办事项比例达到91.5%。", online) == \
        "省级政务服务事项网上可办率达到99.2%"
    days = Query(text="甲区项目审批现在要多少天", terms=["项目", "审批"], numeric=True, measure="days")
    assert quoted("工程建设项目审批时间压缩至45个工作日，2024年目标为压缩至40个工作日以内。", days) == \
        "工程建设项目审批时间压缩至45个工作日"
    cases = Query(text="甲区行政处罚案件多少件", terms=["行政处罚", "案件"], numeric=True, measure="cases")
    assert quoted("全年办理行政处罚案件1,285件，其中乙街道综合执法中队办理行政处罚案件437件。", cases) == \
        "全年办理行政处罚案件1,285件"


def test_a_change_said_in_other_words_and_counts_of_units_and_drafts() -> None:
    from assistant.answering.evidence import counts_measure, states_change
    grew = Query(text="甲市复议案子比上年多了多少", terms=["复议案子"], change=True,
                 expansions={"复议案子": [("行政复议", 0.9)]})
    assert states_change(grew, "全市共收到行政复议申请1,043件，同比增长78.0%。")
    assert measure_asked("覆盖了多少所学校") == "units"
    assert counts_measure("所", "units") and counts_measure("个", "units") and not counts_measure("场", "units")
    reviewed = Query(text="甲市政府合法性审核了多少件", terms=["合法性审核"], numeric=True, measure="cases")
    assert figure_fits(reviewed, "全年对市政府拟出台的文件、拟签订的合同开展合法性审核487件。")  # drafts, no target


def test_a_whole_area_follow_up_after_an_own_level_question_and_two_short_years() -> None:
    whole = plan("全市呢", "甲市本级复议收了多少")
    assert whole.ask.startswith("全市") and "本级" not in whole.ask and "复议" in whole.ask
    both = plan("甲市22和23年复议申请分别多少")
    assert "2022" in both.ask and "2023" in both.ask
    assert plan("甲市政府本级呢", "甲市复议收了多少").ask.startswith("本级")


def test_a_common_word_that_is_also_a_place_s_short_name_is_no_sound_alike_slip() -> None:
    from assistant.regions import find
    city = ReportMeta("某市报告", "泉州市", 2023, "市", ["泉州市", "泉州"], path=["福建省", "泉州市"])
    assert find("全州23年复议收了多少", {"q.txt": city}) == []  # 全州 is "the whole prefecture" (or a county), no 泉州


def test_a_district_asked_of_its_city_s_report_is_quoted_from_its_own_clause() -> None:
    from assistant.answering.evidence import asked_clauses
    chunk = _chunks("jia.txt")[1]
    text = "全市各级人民调解组织调解矛盾纠纷1.94万件，调解成功率为97.6%，其中乙丙区各级人民调解组织调解矛盾纠纷8,762件。"
    district = Query(text="甲市乙丙区调解了多少纠纷", terms=["调解", "纠纷"], numeric=True, measure="cases",
                     required=("乙丙区",), head="调解")
    quoted = asked_clauses(Scored(Passage(chunk, 1.0, 1), 0, len(text), text, 1.0), district).text
    assert "8,762件" in quoted and "1.94万件" not in quoted


def test_shares_said_plainly_and_rates_that_end_like_the_one_asked() -> None:
    from assistant.answering.evidence import without_parts
    assert measure_asked("网上能办的事项占多少") == "share" and measure_asked("部门的占几件") == "cases"
    chunk = _chunks("jia.txt")[1]
    text = "政务服务事项网上可办率达到99.2%，全程网办率达到86.7%，较上年提高5.1个百分点。"
    online = Query(text="甲省网上能办的事项占多少", terms=["网上能办", "事项"], numeric=True, measure="share",
                   rates=("网上可办率", "网办率"))
    assert without_parts(Scored(Passage(chunk, 1.0, 1), 0, len(text), text, 1.0), online).text == \
        "政务服务事项网上可办率达到99.2%"
    both = replace(online, text="甲省网上可办率和全程网办率")  # two rates asked: both quoted
    assert "86.7%" in without_parts(Scored(Passage(chunk, 1.0, 1), 0, len(text), text, 1.0), both).text
    kept = "行政机关负责人出庭应诉率连续五年保持100%，负责人出庭出声率达到97.3%。"
    court = Query(text="甲市负责人出庭应诉率", terms=["出庭应诉率"], numeric=True, measure="share",
                  rates=("出庭应诉率",))
    assert without_parts(Scored(Passage(chunk, 1.0, 1), 0, len(kept), kept, 1.0), court).text == \
        "行政机关负责人出庭应诉率连续五年保持100%"


def test_the_year_before_alone_a_change_alone_and_a_township_named_like_a_county(monkeypatch) -> None:
    monkeypatch.setitem(METAS, "jia23.txt", replace(JIA, title="甲市2023年法治政府建设情况报告", year=2023))
    monkeypatch.setitem(TEXTS, "jia23.txt", "一、主要成效\n全年收到行政复议申请100件。\n")
    before = plan("去年呢", "甲市2024年行政复议收到多少件？")
    assert before.years == [2023] and "行政复议" in before.ask and before.sources == ["jia23.txt"]
    assert plan("去年呢", "乙县2023年行政复议收到多少件？").years == [2023]  # (no 2022 report: the same year's)
    assert "行政复议" in plan("提高了多少", "甲市2024年行政复议收到多少件？").context
    from assistant.regions import _places_named
    assert [n for _, n, _ in _places_named("龙门镇调解了多少")] == []
    assert [n for _, n, _ in _places_named("龙门调解了多少")] == ["龙门"]


def test_a_level_not_reached_and_a_plan_are_no_figure_achieved() -> None:
    rate = Query(text="甲市负责人出庭应诉率", terms=["出庭应诉率"], numeric=True, measure="share",
                 rates=("出庭应诉率",))
    assert not figure_fits(rate, "四是行政机关负责人出庭应诉率尚未实现100%。")
    assert figure_fits(rate, "行政机关负责人出庭应诉率98.1%。")


def test_a_word_said_for_a_share_asks_the_rate_the_collection_writes_after_it() -> None:
    from assistant.answering.strategies import _rate_written
    texts = ["负责人出庭应诉率100%，负责人出庭出声率97.3%。", "行政机关负责人出庭应诉率98.1%。"]
    assert _rate_written("出庭", texts) == "出庭应诉率" and _rate_written("纠错", texts) == ""


def test_an_everyday_word_the_genre_knows_another_word_for_is_the_head_counted() -> None:
    from assistant.answering.strategies import make_query
    lost = make_query(plan("甲市当被告输了几件"), replace(TOOLS, near=lambda words: {}), ["jia.txt"])
    assert lost.head == "输" and not figure_fits(lost, "市政府本级作为被告的一审行政诉讼案件86件。")
    assert figure_fits(lost, "行政诉讼案件86件，败诉4件。")
