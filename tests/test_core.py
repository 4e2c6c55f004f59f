"""End-to-end behaviour of the core pipeline on the real parts: Chroma, bm25s, m3e-small, jieba, OpenCC."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from assistant import Assistant, Settings
from assistant.chunk import chunk_document
from assistant.clean import clean_text
from assistant.ingest import build_document
from assistant.normalize import fold, squash

from conftest import ROOT, SEEDS, docx_bytes

HEZHOU, FUYUAN, YANQING, ZHANJIANG, GAOXIN = sorted(p.name for p in SEEDS.glob("*.txt"))

# A small report of a region the seeds do not hold, written in every supported format below.
REPORT = """2024年,测试县法治政府建设工作情况报告
2024年,测试县坚持以习近平新时代中国特色社会主义思想为指导,扎实推进法治政府建设。
一、主要举措和成效
(一)推进依法行政。一是建立“{marker}”工作机制,全年办理行政复议案件{number}件。二是完善合法性审查制度。
二、存在的问题和不足
一是基层执法力量薄弱。二是法治宣传形式单一。
"""


# -- cleaning and metadata ------------------------------------------------------------------------
def test_web_debris_is_removed_and_report_text_kept() -> None:
    fuyuan = clean_text((SEEDS / FUYUAN).read_text(encoding="utf-8"))
    zhanjiang = clean_text((SEEDS / ZHANJIANG).read_text(encoding="utf-8"))
    hezhou = clean_text((SEEDS / HEZHOU).read_text(encoding="utf-8"))
    for debris in ("无障碍浏览", "长者专版", "015158708/2024-08618", "2024-03-30 19:26"):
        assert debris not in fuyuan
    for debris in ("当前位置", "【打印】", "相关文章", "您访问的链接即将离开", "继续访问", "来源:中共湛江市委"):
        assert debris not in zhanjiang
    assert "文件下载" not in hezhou and "关联文件" not in hezhou
    assert "县政府常务会议4次研究法治政府建设工作" in fuyuan
    assert zhanjiang.rstrip().endswith("增强全民法治观念。")


@pytest.mark.parametrize(("name", "region", "year", "level"), [
    (HEZHOU, "贺州市", 2024, "市"), (FUYUAN, "富源县", 2023, "县"), (YANQING, "延庆区", 2024, "区"),
    (ZHANJIANG, "湛江市", 2023, "市"), (GAOXIN, "高新区", 2024, "开发区"),
])
def test_report_metadata(assistant: Assistant, name: str, region: str, year: int, level: str) -> None:
    meta = assistant.index.metas()[name]
    assert (meta.region, meta.year, meta.level) == (region, year, level)
    assert meta.title and region[:2] in fold(meta.title)


def test_sidecar_completes_a_report_that_names_itself_only_as_gaoxin(assistant: Assistant) -> None:
    assert assistant.index.metas()[GAOXIN].title == "高新区2024年法治政府建设情况报告"
    text_only = build_document((SEEDS / GAOXIN).read_bytes(), GAOXIN, assistant.lexicon, None)
    assert text_only.meta.region == "高新区"  # found in the text even without the sidecar
    assert text_only.meta.title == "高新区2024年法治政府建设情况报告"


# -- chunking -------------------------------------------------------------------------------------
def test_chunks_follow_sentences_and_headings(assistant: Assistant) -> None:
    for name in (FUYUAN, YANQING, ZHANJIANG):
        text = assistant.index.document_text(name)
        chunks = assistant.index.chunks_of(name)
        assert chunks
        for c in chunks:
            assert text[c.start:c.end] == c.text
            assert c.text.rstrip()[-1] in "。！？；;!?”）)" or text[c.end:c.end + 1] in ("\n", ""), c.text[-20:]
            assert c.end - c.start <= assistant.settings.chunk_max or "。" not in c.text[:-1]
        sections = {c.section for c in chunks}
        assert any(" > " in s for s in sections), "subsections appear in heading paths"
    yanqing = assistant.index.chunks_of(YANQING)
    assert any(c.section.endswith("(一)政府職能依法全面履行") for c in yanqing)
    assert any(c.section.count(" > ") == 2 and "是" in c.section.split(" > ")[-1][:3] for c in yanqing), "item level"


def test_chunk_sizes_are_set_by_settings(assistant: Assistant) -> None:
    doc = build_document((SEEDS / FUYUAN).read_bytes(), FUYUAN, assistant.lexicon, None)
    small = chunk_document(doc, 120, 200)
    large = chunk_document(doc, 500, 750)
    assert len(small) > len(large)


# -- retrieval ------------------------------------------------------------------------------------
def test_traditional_question_finds_traditional_passage(assistant: Assistant) -> None:
    passages = assistant.search("延慶區「一件事」辦事場景整合辦理", k=3)
    assert passages[0].chunk.source == YANQING
    assert "62個“一件事”辦事場景" in passages[0].chunk.text  # original script kept for display


def test_simplified_question_finds_traditional_passage(assistant: Assistant) -> None:
    passages = assistant.search("一团一库一册三级法律顾问体系", k=3)
    assert passages[0].chunk.source == YANQING


def test_region_in_question_routes_to_that_report(assistant: Assistant) -> None:
    for question, source in (("富源县行政复议咨询委员会", FUYUAN), ("湛江市行政复议咨询委员会", ZHANJIANG)):
        assert {p.chunk.source for p in assistant.search(question, k=5)} == {source}


def test_filters_restrict_search(assistant: Assistant) -> None:
    found = assistant.search("行政复议", k=5, filters={"year": 2023})
    assert found and {p.chunk.source for p in found} <= {FUYUAN, ZHANJIANG}
    assert {p.chunk.source for p in assistant.search("行政复议", k=5, filters={"region": "高新区"})} == {GAOXIN}


def test_question_contradicting_the_filter_says_so(assistant: Assistant) -> None:
    """A region or year the filter excludes is named in the refusal, never answered from the filter's reports."""
    answer = assistant.ask("贺州市行政复议案件多少件？", filters={"region": ["延庆区"]})
    assert answer.refused and not answer.citations
    assert "问题问的是贺州市" in answer.text and "地区：延庆区" in answer.text and "筛选条件" in answer.text
    answer = assistant.ask("延庆区行政复议情况", filters={"year": [2023]})
    assert answer.refused and "问题问的是延庆区" in answer.text and "年份：2023年" in answer.text
    assert not assistant.ask("富源县行政复议收到多少件申请？", filters={"year": [2023]}).refused


def test_langchain_retriever(assistant: Assistant) -> None:
    docs = assistant.as_retriever(k=2).invoke("贺州市一审行政案件败诉率")
    assert len(docs) == 2 and docs[0].metadata["source"] == HEZHOU
    assert "1.26%" in "".join(d.page_content for d in docs)


# -- answers --------------------------------------------------------------------------------------
def test_answer_quotes_and_cites_the_passage(assistant: Assistant) -> None:
    answer = assistant.ask("贺州市2024年一审行政案件败诉率是多少？")
    assert not answer.refused and "1.26%" in answer.text and "[1]" in answer.text
    cite = answer.citations[0]
    assert cite.source == HEZHOU and cite.region == "贺州市" and cite.year == 2024
    assert assistant.index.document_text(HEZHOU)[cite.start:cite.end] == cite.quote
    assert cite.quote in cite.passage and "1.26%" in cite.quote
    assert answer.timings["total"] < 5


def test_answer_in_traditional_report_for_simplified_question(assistant: Assistant) -> None:
    answer = assistant.ask("延庆区有多少个“一件事”办事场景？")
    assert not answer.refused and "62个" in answer.text  # shown in the asker's script
    assert "62個" in answer.citations[0].quote  # quoted in the report's script


def test_traditional_question(assistant: Assistant) -> None:
    answer = assistant.ask("湛江市選聘了多少名專家組成政府決策諮詢專家庫？")
    assert not answer.refused and "60名" in squash(answer.text)
    assert answer.citations[0].source == ZHANJIANG


def test_list_question_answers_with_the_items(assistant: Assistant) -> None:
    answer = assistant.ask("高新区法治政府建设存在哪些不足？")
    assert not answer.refused
    for item in ("统筹力度", "服务保障能力", "执法队伍建设"):
        assert item in answer.text


def test_cross_report_question_answers_report_by_report(assistant: Assistant) -> None:
    answer = assistant.ask("延庆区的三级法律顾问体系叫什么？湛江的决策咨询专家库有多少名专家？")
    assert not answer.refused
    assert "一团一库一册" in squash(answer.text) and "60名" in answer.text
    assert {c.source for c in answer.citations} == {YANQING, ZHANJIANG}


@pytest.mark.parametrize("question", [
    "海淀区2024年行政复议案件有多少件？",  # region not in the collection
    "贺州市2022年一审行政案件败诉率是多少？",  # year not reported for that region
    "湛江市2023年完成了多少个审计项目？",  # figure the report does not hold
    "延慶區2024年地區生產總值是多少？",  # the same, asked in traditional script
    "贺州市2024年行政复议纠错率是多少？",
])
def test_refuses_when_the_reports_do_not_answer(assistant: Assistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.refused and answer.text.startswith(("抱歉", "报告未给出", "报告未说明")) and not answer.citations


def test_refusal_names_the_missing_region_and_year(assistant: Assistant) -> None:
    assert "海淀区" in assistant.ask("海淀区2024年行政复议案件有多少件？").text
    assert "2022" in assistant.ask("贺州市2022年一审行政案件败诉率是多少？").text


def test_followup_swaps_the_region(assistant: Assistant) -> None:
    history = [{"role": "user", "content": "贺州市的行政复议咨询委员会印发了什么工作文件？"},
               {"role": "assistant", "content": "……"}]
    answer = assistant.ask("那湛江呢？", history=history)
    assert "湛江" in answer.standalone_question and "行政复议咨询委员会" in answer.standalone_question
    assert not answer.refused and answer.citations[0].source == ZHANJIANG


def test_followup_carries_topic_over(assistant: Assistant) -> None:
    history = [{"role": "user", "content": "贺州市2024年一审行政案件败诉率是多少？"},
               {"role": "assistant", "content": "全市一审行政案件败诉率为1.26%。"}]
    answer = assistant.ask("比上一年下降了多少？", history=history)
    assert "贺州" in answer.standalone_question and "败诉率" in answer.standalone_question
    assert "18.88个百分点" in answer.text


def test_empty_and_huge_questions(assistant: Assistant) -> None:
    empty = assistant.ask("   ")
    assert empty.refused and "请输入问题" in empty.text
    huge = assistant.ask("贺州市一审行政案件败诉率是多少？" + "很" * 10_000)
    assert huge.warnings and "过长" in huge.warnings[0]


# -- ingestion: idempotence, formats, encodings ----------------------------------------------------
@pytest.fixture
def fresh(tmp_path: Path) -> Assistant:
    """An empty store (no seeds), so ingestion results can be counted exactly."""
    return Assistant(Settings.from_env(store_dir=tmp_path / "store", seeds_dir=tmp_path / "no-seeds"))


def test_reingest_is_idempotent_and_changes_replace_chunks(fresh: Assistant, tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    report = folder / "test.txt"
    report.write_text(REPORT.format(marker="甲乙联动", number=17), encoding="utf-8")
    assert [r.status for r in fresh.ingest([folder])] == ["added"]
    count = len(fresh.index.chunk_ids())
    assert [r.status for r in fresh.ingest([folder])] == ["unchanged"]
    assert len(fresh.index.chunk_ids()) == count and fresh.index.check()["missing_vectors"] == 0

    (folder / "copy.txt").write_bytes(report.read_bytes())
    assert {r.source: r.status for r in fresh.ingest([folder])}["copy.txt"] == "duplicate"

    report.write_text(REPORT.format(marker="丙丁联动", number=23), encoding="utf-8")
    assert {r.source: r.status for r in fresh.ingest([report])} == {"test.txt": "updated"}
    texts = "".join(c.text for c in fresh.index.chunks_of("test.txt"))
    assert "丙丁联动" in texts and "甲乙联动" not in texts
    assert fresh.index.check() == {**fresh.index.check(), "missing_vectors": 0, "orphan_vectors": 0, "bm25_stale": 0}
    assert "23件" in fresh.ask("测试县办理行政复议案件多少件？").text


def _pdf_bytes(text: str) -> bytes:
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.setFont("STSong-Light", 10)
    y = 800
    for line in text.splitlines():
        for i in range(0, len(line), 40):  # wrapped like a real PDF
            page.drawString(40, y, line[i:i + 40])
            y -= 16
    page.save()
    return buffer.getvalue()


FORMATS = {
    "utf8.txt": lambda t: t.encode("utf-8"),
    "utf8bom.md": lambda t: b"\xef\xbb\xbf" + t.encode("utf-8"),
    "gb18030.txt": lambda t: t.encode("gb18030"),
    "gbk.txt": lambda t: t.encode("gbk"),
    "big5.txt": lambda t: fold_to_traditional(t).encode("big5"),
    "page.html": lambda t: ("<html><head><meta charset='gbk'><title>x</title></head><body><nav>首页 &gt; 政务公开</nav>"
                            + "".join(f"<p>{line}</p>" for line in t.splitlines())
                            + "<footer>相关文章</footer></body></html>").encode("gbk"),
    "report.docx": docx_bytes,
    "report.pdf": _pdf_bytes,
}


def fold_to_traditional(text: str) -> str:
    import opencc

    return opencc.OpenCC("s2tw").convert(text)  # Taiwan forms: every character exists in Big5


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_each_format_and_encoding_is_ingested_and_answerable(fresh: Assistant, tmp_path: Path, name: str) -> None:
    marker = f"格式{sorted(FORMATS).index(name)}联动"
    path = tmp_path / name
    path.write_bytes(FORMATS[name](REPORT.format(marker=marker, number=31)))
    [result] = fresh.ingest([path])
    assert result.status == "added", result.message
    meta = fresh.index.metas()[name]
    assert (meta.region, meta.year) == ("测试县", 2024)
    answer = fresh.ask("测试县2024年建立了什么工作机制？")
    assert not answer.refused and marker in squash(answer.text)
    assert "首页" not in fresh.index.document_text(name)


def test_bad_files_get_a_message_and_good_ones_still_go_in(fresh: Assistant, tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text(REPORT.format(marker="好文件联动", number=5), encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.pdf").write_bytes(os.urandom(2048))
    (tmp_path / "broken.docx").write_bytes(docx_bytes(REPORT)[:500])
    results = {r.source: r for r in fresh.ingest([tmp_path])}
    assert results["good.txt"].status == "added"
    for bad in ("empty.txt", "binary.pdf", "broken.docx"):
        assert results[bad].status == "error" and results[bad].message
    assert list(fresh.index.metas()) == ["good.txt"]


# -- command line ---------------------------------------------------------------------------------
def test_cli_ask_prints_answer_and_numbered_sources(assistant: Assistant) -> None:
    env = {**os.environ, "ASSISTANT_STORE_DIR": str(assistant.settings.store_dir)}
    out = subprocess.run([sys.executable, "-m", "assistant.cli", "ask", "富源县成立了多少支乡镇综合执法队？"],
                         capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "12支" in out.stdout and "来源：" in out.stdout and "[1]" in out.stdout
    as_json = subprocess.run([sys.executable, "-m", "assistant.cli", "ask", "--json", "海淀区的败诉率是多少？"],
                             capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert json.loads(as_json.stdout)["refused"] is True
