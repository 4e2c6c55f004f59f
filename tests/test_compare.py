"""Figures and comparison tables: extraction rules on small sentences, the hand-checked seed sample, and
`Assistant.compare` / `coverage` / `assistant compare` over the real store built from seeds/."""
from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

from openpyxl import load_workbook

from assistant.answering.plan import classify
from assistant.compare import topic_of
from assistant.figures import extract, parse_number
from assistant.records import Document, ReportMeta

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "eval"))

import check_figures  # noqa: E402


def _doc(text: str, year: int = 2024) -> Document:
    return Document(source="t.txt", text=text, meta=ReportMeta("某县报告", "某县", year, "县"), sha256="x")


def _one(text: str):
    figures = extract(_doc(text))
    return [(f.wording, f.value, f.unit, f.indicator, f.qualifier) for f in figures]


def test_numbers_in_every_form_parse_to_their_value() -> None:
    assert parse_number("761") == 761
    assert parse_number("1.99万") == 19900
    assert parse_number("1万4千") == 14000
    assert parse_number("3.41亿") == 3.41e8
    assert parse_number("二十") == 20 and parse_number("两百") == 200 and parse_number("十二") == 12


def test_stage_qualifiers_keep_received_and_concluded_apart_and_inherit_the_indicator() -> None:
    got = _one("全年共收到行政复议申请17件,受理17件,审结16件。")
    assert got == [("17件", 17, "件", "行政复议申请", "收到"), ("17件", 17, "件", "行政复议申请", "受理"),
                   ("16件", 16, "件", "行政复议申请", "审结")]


def test_approximate_forms_changes_and_scope_are_qualifiers_and_wording_is_kept() -> None:
    got = _one("主动公开政府信息1.99万余条,召开联席会议20余次,实现全覆盖率100%全覆盖。")
    assert got[0] == ("1.99万余条", 19900, "条", "主动公开政府信息", "余")
    assert got[1] == ("20余次", 20, "次", "召开联席会议", "余")
    assert got[2][0] == "100%全覆盖" and "全覆盖" in got[2][4]
    got = _one("全市一审行政案件败诉率为1.26%,较2023年下降18.88个百分点。")
    assert got == [("1.26%", 1.26, "%", "一审行政案件败诉率", "全市"),
                   ("18.88个百分点", 18.88, "个百分点", "一审行政案件败诉率", "全市、较2023年下降")]
    assert _one("节约财政资金3.41亿元。")[0][1:3] == (3.41e8, "元")


def test_names_dates_and_quoted_numbers_are_not_figures() -> None:
    text = ("2024年3月,印发《某县2024年立法工作计划》,推行“3+3+3”工作法和12345热线,召开第八次会议,"
            "落实“三项制度”,组织4597名行政执法人员参加培训,举办培训二期。")
    got = _one(text)
    assert [g[0] for g in got] == ["4597名", "二期"]
    assert got[0][3] == "行政执法人员"  # the noun after the count


def test_traditional_script_keeps_the_original_wording_and_indicator() -> None:
    got = _one("辦理行政復議案件319件,同比增長87.5%。")
    assert got == [("319件", 319, "件", "行政復議案件", "办理"), ("87.5%", 87.5, "%", "行政復議案件", "同比增长")]


def test_hand_checked_sample_is_at_least_95_percent_right_with_every_key_topic_figure() -> None:
    report = check_figures.score(ROOT / "eval" / "figures_sample.jsonl")
    assert report["figures"] >= 150
    assert report["accuracy"] >= 0.95, report["failures"]
    assert report["topic_figures"] > 50 and report["topic_missing"] == 0


def test_compare_questions_and_their_topic() -> None:
    metas = [ReportMeta("湛江市报告", "湛江市", 2023, "地级市", ["湛江市", "湛江"])]
    assert topic_of("各地行政复议申请分别有多少件？", metas) == "行政复议申请"
    assert topic_of("湛江2023年的败诉率是多少", metas) == "败诉率"
    # the plan sends these to the report-by-report strategy, which answers from the table
    assert classify("哪个地方的行政复议案件最多？", 0)[:2] == ("rank", True)
    assert classify("哪些报告没有写法律顾问？", 0)[:2] == ("which_not", True)
    assert not classify("贺州市2024年一审行政案件败诉率是多少？", 1)[1]


# ------------------------------------------------------------------- the real store from seeds/

def _cells_cite_their_figures(table, assistant) -> None:
    """Every reported cell's citation quotes the report text at its span and contains the figure's wording."""
    for row in table.rows:
        if not row.reported:
            assert row.cell == "未报告" and row.citation is None
            continue
        c = row.citation
        assert c is not None and c.quote == assistant.index.document_text(row.source)[c.start:c.end]
        assert row.wording in c.quote and c.quote in c.passage and c.source == row.source


def test_compare_has_a_row_per_report_a_citation_per_cell_and_keeps_stages_apart(assistant) -> None:
    table = assistant.compare("行政复议")
    assert table.matched and len(table.rows) == len(assistant.index.metas())
    by_region = {r.region: r for r in table.rows}
    assert by_region["湛江市"].value == 761 and "收到" in by_region["湛江市"].qualifier
    assert by_region["富源县"].value == 17 and "收到" in by_region["富源县"].qualifier
    assert not by_region["延庆区"].comparable and by_region["延庆区"].value == 319  # 办理, another stage
    assert not by_region["高新区"].reported
    assert [r.region for r in table.ranking()] == ["湛江市", "富源县"]
    assert any("审结" in g for g in table.other_groups)
    _cells_cite_their_figures(table, assistant)
    md = table.to_markdown()
    assert "| 湛江市 | 2023 | 761宗 |" in md and "未报告" in md and "口径不同" in md and "[1]" in md


def test_every_cell_of_every_indicator_cites_a_passage_holding_its_figure(assistant) -> None:
    for query in ("行政复议", "败诉率", "法律顾问", "规范性文件", "执法", "出庭应诉率", "调解", "培训"):
        table = assistant.compare(query)
        assert table.matched, query
        _cells_cite_their_figures(table, assistant)


def test_scope_filters_rows_and_nothing_matched_is_not_a_table_of_zeros(assistant) -> None:
    table = assistant.compare("行政复议", regions=["湛江市", "富源县"])
    assert sorted(r.region for r in table.rows) == ["富源县", "湛江市"]
    assert len(assistant.compare("败诉率", years=[2024]).rows) == 3
    none = assistant.compare("碳排放配额")
    assert not none.matched and all(r.cell == "未报告" for r in none.rows)


def test_exports_hold_the_same_table(assistant, tmp_path: Path) -> None:
    table = assistant.compare("行政复议")
    rows = list(csv.reader(io.StringIO(table.to_csv())))
    assert rows[0][:5] == ["地区", "年度", "报告", "指标", "数值"] and len(rows) == len(table.rows) + 1
    book = load_workbook(table.to_xlsx(tmp_path / "t.xlsx"))
    values = [list(r) for r in book.active.iter_rows(values_only=True)]
    assert values[0][0] == "地区" and any(r[0] == "湛江市" and r[4] == 761 for r in values)


def test_change_over_years_is_computed_and_said_to_be_computed() -> None:
    from assistant.compare import Comparison, Row

    table = Comparison(query="q", topic="行政复议案件", indicator="行政复议案件", unit="件", rows=[
        Row("a", "某区", 2023, "t", 170, "件", wording="170件"), Row("b", "某区", 2024, "t", 319, "件", wording="319件")])
    assert table.changes() == ["某区 2023→2024：170件 → 319件，+87.6%（据两份报告计算）"]


def test_coverage_lists_who_mentions_a_topic_with_a_quote_and_who_does_not(assistant) -> None:
    cover = assistant.coverage("法律顾问")
    named = {c.region for c in cover.mentioned}
    assert {"富源县", "延庆区"} <= named and "高新区" in {m.region for m in cover.missing}
    for c in cover.mentioned:
        assert c.quote == assistant.index.document_text(c.source)[c.start:c.end]
        assert "法律顾问" in c.quote.replace("顧問", "顾问")


def test_cli_compare_writes_markdown_csv_and_xlsx(assistant, tmp_path: Path) -> None:
    env = {**os.environ, "ASSISTANT_STORE_DIR": str(assistant.settings.store_dir), "PYTHONPATH": str(ROOT)}
    run = [sys.executable, "-m", "assistant.cli", "compare", "行政复议"]
    out = subprocess.run(run + ["--region", "湛江市", "--region", "富源县"], capture_output=True, text=True,
                         env=env, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "761宗" in out.stdout and "17件" in out.stdout and "延庆" not in out.stdout
    xlsx = tmp_path / "c.xlsx"
    out = subprocess.run(run + ["--format", "xlsx", "-o", str(xlsx)], capture_output=True, text=True, env=env,
                         cwd=ROOT, timeout=300)
    assert out.returncode == 0 and load_workbook(xlsx).active["A1"].value == "地区"
    out = subprocess.run([sys.executable, "-m", "assistant.cli", "compare", "碳排放配额"], capture_output=True,
                         text=True, env=env, cwd=ROOT, timeout=300)
    assert out.returncode == 1 and "没有找到" in out.stdout


def test_reindex_rebuilds_the_figures(assistant) -> None:
    before = [(r.source, r.value, r.qualifier) for r in assistant.compare("行政复议").rows]
    assistant.figures.replace((doc, []) for doc, _ in assistant.index.documents())  # texts left out: no figures
    assert not assistant.compare("行政复议").matched
    assistant.reindex()
    assert [(r.source, r.value, r.qualifier) for r in assistant.compare("行政复议").rows] == before


def test_wording_of_the_question_picks_stage_order_and_head_noun(assistant) -> None:
    concluded = assistant.compare("各地审结了多少行政复议案件")
    assert "审结" in concluded.indicator
    fuyuan = next(r for r in concluded.rows if r.region == "富源县")
    assert fuyuan.value == 16 and fuyuan.comparable
    assert not next(r for r in concluded.rows if r.region == "湛江市").comparable  # it states 收到, not 审结
    cases = assistant.compare("行政复议案件")  # the reports say 申请 or 案件: both are found
    assert {r.region for r in cases.rows if r.reported} >= {"湛江市", "富源县", "延庆区"}
    lowest = assistant.compare("哪个地方的行政复议申请最少")
    assert [r.region for r in lowest.ranking()] == ["富源县", "湛江市"] and "从低到高" in lowest.summary()


def test_a_wording_no_rule_matches_is_found_by_the_embedding_model(assistant) -> None:
    table = assistant.compare("复议纠纷")  # no indicator says 复议纠纷; the model puts it next to 行政复议案件
    assert table.matched and "复议" in table.indicator
    assert {r.region for r in table.rows if r.reported and r.comparable} == {"湛江市", "富源县"}
    assert not assistant.compare("碳排放配额").matched  # nothing near it: no table of lookalikes


def test_compare_questions_of_the_eval_set_are_at_least_90_percent_right(assistant) -> None:
    """eval/compare_qa.jsonl: compare / rank / which-reported questions, each cell checked against the report."""
    import json

    cases = [json.loads(line) for line in (ROOT / "eval" / "compare_qa.jsonl").read_text().splitlines() if line]
    right = 0
    for case in cases:
        table = assistant.compare(case["question"])
        cells = {r.region: r.cell for r in table.rows}
        ok = all(cells.get(region) in (want if isinstance(want, list) else [want])
                 for region, want in case["cells"].items())
        ranked = [r.region for r in table.ranking()]
        ok &= not case.get("first") or (bool(ranked) and ranked[0] == case["first"])
        ok &= not case.get("rows") or len(table.rows) == case["rows"]
        _cells_cite_their_figures(table, assistant)
        right += ok
    assert len(cases) >= 20 and right / len(cases) >= 0.9


def test_a_ranking_shows_the_figures_it_could_not_compare_with_their_measure_and_source(assistant) -> None:
    answer = assistant.ask("各地行政复议案件从多到少排一下")
    ranked, _, odd = answer.text.partition("口径不同、未参与比较：")
    assert "761宗" in ranked and "319件（办理" in odd  # another stage: shown, cited, not ranked
    assert any("319件" in c.quote for c in answer.citations)



def test_a_report_s_whole_figure_goes_before_its_own_level_s_and_its_short_name_counts() -> None:
    from assistant.compare import _best_per_source, _group_key
    found = extract(_doc("全市行政机关负责人出庭应诉1547件次,出庭应诉率为99.1%,"
                         "其中市本级行政机关负责人出庭应诉率为100%。"))
    rates = [f for f in found if f.unit == "%"]
    ordered = [(_group_key(rates[0]), rates)]
    assert _best_per_source(ordered, "负责人出庭应诉率")["t.txt"][0].value == 99.1
    assert _best_per_source(ordered, "负责人出庭应诉率", own_level=True)["t.txt"][0].value == 100.0


def test_a_change_asked_in_everyday_words_selects_the_change_figures() -> None:
    from assistant.compare import _CHANGE_WORDS
    assert _CHANGE_WORDS.search("各地复议收案同比涨了多少") and _CHANGE_WORDS.search("涨幅最大的是哪里")


def test_thousands_separators_are_part_of_the_figure() -> None:
    """3,126件 is 3126 cases, not 126 (the comma is a thousands separator as real reports write it)."""
    assert [(w, v, u) for w, v, u, *_ in _one("全区办理法律援助案件3,126件,同比增长7.4%;罚款1,234.5万元。")][::2] == [
        ("3,126件", 3126.0, "件"), ("1,234.5万元", 12345000.0, "元")]
    assert parse_number("3,126") == 3126.0


def test_a_target_is_marked_as_one() -> None:
    """力争…: a target (compared only when targets are asked), and so the clauses the 力争 governs after it."""
    text = "全县行政诉讼败诉率4.7%。\n力争行政机关负责人出庭应诉率达到100%，行政诉讼败诉率控制在5%以内。\n"
    done, aimed = [f for f in extract(_doc(text)) if "败诉率" in f.indicator]
    assert "目标" not in done.qualifier and "目标" in aimed.qualifier.split("、")
