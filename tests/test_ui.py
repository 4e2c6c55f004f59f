"""Tests for the Gradio UI: pure helpers directly, then the real server (`assistant serve`) driven by
Chromium through Playwright and by gradio_client. No mocks: the server builds a real store from seeds/.

CI needs Debian's `chromium` (and `fonts-noto-cjk` for readable screenshots) and the `playwright`
Python package; browser tests fail with a clear message when Chromium is missing. Set
UI_SCREENSHOT=path to keep the screenshot of an answer with its sources open (docs/screenshot-chat.png).
"""
from __future__ import annotations

import html
import itertools
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from assistant.feedback import FeedbackStore
from assistant.normalize import fold
from assistant.assistant import text_pieces
from assistant.ui import highlight, may_upload, parse_auth, render_answer, safe_filename

from conftest import ROOT, SlowModel, served

ANSWER_TIMEOUT_MS = 30_000
HEZHOU_Q = "贺州市2024年一审行政案件败诉率是多少？"
SCRIPT = "<script>alert(1)</script>"
# A small made-up report; its title and body carry a script tag that must show as text.
GOOD_REPORT = (f"安吉县2024年法治政府建设情况报告{SCRIPT}\n"
               "2024年，安吉县坚持以习近平法治思想为指导，扎实推进法治政府建设各项工作。现将有关情况报告如下。\n"
               "一、主要做法及成效\n"
               f"（一）推进政务公开。全县开通政务公开专栏12个，网页中曾出现的代码{SCRIPT}已全部清除。\n"
               "（二）加强行政执法监督。全县组织行政执法人员培训3期，培训执法人员86人次。\n"
               "二、存在的问题和不足\n基层法治力量仍然薄弱，执法人员专业化水平有待提高。\n")


# ------------------------------------------------------------------------------ pure helpers

def test_safe_filename_keeps_chinese_name_and_extension_but_no_path() -> None:
    assert safe_filename("贺州市2024年法治政府建设情况报告.docx") == "贺州市2024年法治政府建设情况报告.docx"
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename("..\\..\\windows\\报告 (终稿).PDF") == "报告_(终稿).PDF"
    assert safe_filename("a;rm -rf $HOME`.txt") == "a_rm_-rf_HOME.txt"
    assert safe_filename(".hidden.txt") == "hidden.txt"
    assert safe_filename("...") == "upload"


def test_parse_auth_reads_user_password_pairs_and_upload_list_limits_who_uploads() -> None:
    assert parse_auth("alice:pw1, bob:p:w2") == [("alice", "pw1"), ("bob", "p:w2")]
    assert parse_auth("") == []
    assert parse_auth("nocolon") == []
    assert may_upload(None, None) and may_upload("bob", None)
    assert may_upload("alice", frozenset({"alice"})) and not may_upload("bob", frozenset({"alice"}))


def test_document_text_is_escaped_and_quote_highlighted() -> None:
    passage = f"第一句{SCRIPT}。全市一审行政案件败诉率为1.26%。[见](http://example.com)第三句。"
    at = passage.index("全市")
    shown = highlight(passage, [(at, at + len("全市一审行政案件败诉率为1.26%。"))])
    assert "<script" not in shown and "](" not in shown
    assert "<mark>全市一审行政案件败诉率为1.26%。</mark>" in shown
    assert html.unescape(re.sub(r"<[^>]+>", "", shown)) == passage  # every character still there, as text
    answer = render_answer(f"据报告：{SCRIPT}[1]")
    assert "<script" not in answer and '<sup class="cite">[1]</sup>' in answer


def test_streamed_pieces_grow_to_the_answer_and_never_cut_a_marker() -> None:
    text = "据贺州市2024年报告：全市一审行政案件败诉率为1.26%。[1]持续深化“府院联动”。[2]\n第二行[3]"
    pieces = list(text_pieces(text, pieces=6))
    assert pieces[-1] == text and len(pieces) > 2
    assert all(b.startswith(a) for a, b in itertools.pairwise(pieces))
    assert all(p.count("[") == p.count("]") for p in pieces)


def test_feedback_lines_stay_whole_under_concurrent_writers(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "feedback.jsonl")
    cited = [{"source": "a.txt", "section": "一、", "quote": "句子。", "passage": "不写入"}]

    def write(n: int) -> None:
        for i in range(50):
            store.add(f"问题{n}-{i}", "回答" * 200, cited, "extractive", "up" if i % 2 else "down")

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    records = store.read()
    assert len(records) == 400
    assert set(records[0]) == {"time", "question", "answer", "citations", "mode", "vote", "comment"}
    assert records[0]["citations"] == [{"source": "a.txt", "section": "一、", "quote": "句子。"}]
    with pytest.raises(ValueError):
        store.add("问题", "回答", [], "extractive", vote="maybe")


# ------------------------------------------------------------------------------ the real server

@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    """`assistant serve` in a subprocess on a free port, with its own store and data folders."""
    with served(tmp_path_factory.mktemp("ui")) as srv:
        yield srv


@pytest.fixture
def page(browser, server) -> Iterator[object]:
    """A fresh browser session on the chat page; any JavaScript dialog (an XSS symptom) is recorded."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    pg = context.new_page()
    pg.dialogs = []
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.goto(server.url)
    pg.wait_for_selector("#question textarea", timeout=30_000)
    yield pg
    context.close()


def ask(pg, question: str) -> object:
    """Type a question, send it, and wait until its answer has finished streaming; returns the bubble."""
    done = pg.locator("#chat .answer:not(.streaming)")
    before = done.count()
    pg.fill("#question textarea", question)
    pg.keyboard.press("Enter")
    pg.wait_for_function(
        "n => document.querySelectorAll('#chat .answer:not(.streaming)').length > n"
        " && !document.querySelector('#chat .answer.streaming')", arg=before, timeout=ANSWER_TIMEOUT_MS)
    return done.last


def source_titles(pg) -> list[str]:
    return [t.strip() for t in pg.locator("#chat .thought-group .title").all_inner_texts()]


def open_source(pg, title_start: str) -> object:
    """Click a collapsed source block open; returns its passage."""
    pg.locator("#chat .thought-group .title", has_text=title_start).last.click()
    passage = pg.locator("#chat .src-passage").last
    passage.wait_for(state="visible", timeout=10_000)
    return passage


def test_answer_shows_markers_and_opening_a_source_shows_the_whole_passage(page, tmp_path: Path) -> None:
    bubble = ask(page, HEZHOU_Q)
    assert "1.26%" in bubble.inner_text()
    assert bubble.locator("sup.cite").first.inner_text() == "[1]"
    titles = source_titles(page)
    assert titles and titles[0].startswith("来源 [1]") and "贺州市" in titles[0]
    assert page.locator("#chat .src-passage").count() == 0  # sources start collapsed
    page.locator("#chat .thought-group .title", has_text="来源 [1]").first.click()
    passage = page.locator("#chat .src-passage").first
    passage.wait_for(state="visible")
    assert "1.26%" in passage.locator("mark").inner_text()
    assert len(passage.inner_text()) > len(passage.locator("mark").inner_text())  # the whole passage
    meta = page.locator("#chat .src-meta").first.inner_text()
    assert "贺州市2024年法治政府建设情况报告" in meta and "2024年" in meta and "章节" in meta
    assert "抽取式" in page.locator("#mode").inner_text()
    for t in page.locator("#chat .thought-group .title", has_text="来源 [").all()[1:]:
        t.click()
    page.wait_for_timeout(500)
    shot = Path(os.environ.get("UI_SCREENSHOT") or tmp_path / "screenshot-chat.png")
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


def test_under_each_answer_the_searched_question_and_what_a_follow_up_carried_are_shown(page) -> None:
    ask(page, HEZHOU_Q)
    first = page.locator("#chat .searched").last.inner_text()
    assert "按「贺州市" in first and "沿用上文" not in first
    ask(page, "那湛江呢？")
    chips = page.locator("#chat .searched").last.inner_text()
    assert "按「湛江市" in chips and "沿用上文话题" in chips


def test_refused_question_says_so_and_shows_closest_passages_only_as_reference(page) -> None:
    bubble = ask(page, "延庆区2024年的GDP是多少？")
    assert "没有找到" in bubble.inner_text()
    assert "refused" in bubble.get_attribute("class")
    titles = source_titles(page)
    assert titles and all(t.startswith("仅供参考") for t in titles)
    assert "仅供参考" in page.locator("#chat .note").last.inner_text()
    passage = open_source(page, "仅供参考 1")
    assert passage.locator("mark").count() == 0
    assert fold(passage.inner_text()) != passage.inner_text()  # the report's traditional script, as stored

    page.click("#new-chat")  # a fresh conversation: no earlier region to carry over
    page.wait_for_function("() => !document.querySelector('#chat .answer')", timeout=10_000)
    bubble = ask(page, "海淀区2024年行政复议案件有多少件？")
    assert "海淀区" in bubble.inner_text() and "没有" in bubble.inner_text()


def test_feedback_vote_and_comment_are_appended_as_jsonl(page, server) -> None:
    ask(page, HEZHOU_Q)
    page.locator("#chat button[aria-label='踩']").last.click()  # Gradio's own label in zh-CN
    path = server.data / "feedback.jsonl"
    deadline = time.monotonic() + 10
    while not (path.exists() and path.read_text(encoding="utf-8").strip()) and time.monotonic() < deadline:
        time.sleep(0.2)
    vote = json.loads(path.read_text(encoding="utf-8").splitlines()[-1])
    assert vote["vote"] == "down" and vote["question"] == HEZHOU_Q and vote["mode"] == "extractive"
    assert "1.26%" in vote["answer"] and vote["comment"] == ""
    assert vote["citations"] and set(vote["citations"][0]) == {"source", "section", "quote"}
    assert set(vote) == {"time", "question", "answer", "citations", "mode", "vote", "comment"}

    page.fill("#comment textarea", "第二条引用与问题无关")
    page.click("#send-comment")
    deadline = time.monotonic() + 10
    while len(path.read_text(encoding="utf-8").splitlines()) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    comment = json.loads(path.read_text(encoding="utf-8").splitlines()[-1])
    assert comment["comment"] == "第二条引用与问题无关" and comment["vote"] == "down"
    assert comment["question"] == HEZHOU_Q


@pytest.fixture(scope="module")
def uploaded(browser, server) -> SimpleNamespace:
    """Upload a good report and a corrupt PDF through the library tab, once for the tests below."""
    folder = server.tmp / "to-upload"
    folder.mkdir()
    good = folder / "安吉县2024年法治政府建设情况报告.txt"
    good.write_text(GOOD_REPORT, encoding="utf-8")
    bad = folder / "损坏的报告.pdf"
    bad.write_bytes(bytes(range(256)) * 8)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.goto(server.url)
    pg.get_by_role("tab", name="文档库").click()
    pg.locator("#upload input[type=file]").set_input_files([str(good), str(bad)])
    pg.wait_for_function("() => document.querySelectorAll('#upload tr, #upload .file').length >= 2",
                         timeout=20_000)
    pg.click("#ingest")
    pg.wait_for_selector("#ingest-results tbody tr", timeout=60_000)
    rows = [r.locator("td").all_inner_texts() for r in pg.locator("#ingest-results tbody tr").all()]
    library = pg.locator("#library").inner_text()
    context.close()
    return SimpleNamespace(rows=rows, library=library, folder=folder)


def test_upload_reports_each_file_and_adds_the_good_one(uploaded, server) -> None:
    by_name = {row[0]: row for row in uploaded.rows}
    assert by_name["安吉县2024年法治政府建设情况报告.txt"][1] == "新增"
    bad = by_name["损坏的报告.pdf"]
    assert bad[1] == "失败" and "PDF" in bad[3]
    assert not (server.data / "uploads" / "损坏的报告.pdf").exists()  # a failed upload is not kept
    assert "安吉县" in uploaded.library
    assert (server.data / "uploads" / "安吉县2024年法治政府建设情况报告.txt").read_text(encoding="utf-8") == GOOD_REPORT


def test_filters_list_the_uploaded_report_and_restrict_answers(uploaded, page) -> None:
    page.locator("#filter-region input").click()
    page.get_by_role("option", name="安吉县").click()
    bubble = ask(page, "培训执法人员多少人次？")
    assert "86" in bubble.inner_text()
    assert all("安吉县" in t for t in source_titles(page))


def test_script_in_a_report_is_shown_as_text_never_run(uploaded, page) -> None:
    ask(page, "安吉县政务公开专栏有多少个？")
    passage = open_source(page, "来源 [1]")
    assert SCRIPT in passage.inner_text()
    assert SCRIPT in page.locator("#chat .src-meta").last.inner_text()  # the title carries one too
    assert page.locator("#chat script").count() == 0
    page.get_by_role("tab", name="文档库").click()
    assert SCRIPT in page.locator("#library").inner_text()
    page.wait_for_timeout(300)
    assert page.dialogs == []


def test_new_conversation_clears_the_chat_and_filters_and_example_cards_ask_at_once(page) -> None:
    page.locator("#filter-region input").click()
    page.get_by_role("option", name="贺州市").click()
    ask(page, HEZHOU_Q)
    page.click("#new-chat")
    page.wait_for_function("() => !document.querySelector('#chat .answer')", timeout=10_000)
    assert page.locator("#filter-region input").input_value() == "全部地区"  # filters reset with the chat
    cards = [t.strip() for t in page.locator("#chat .examples button, #chat button.example").all_inner_texts()]
    cards = [t for t in cards if t]
    assert 2 <= len(cards) <= 4 and len(set(cards)) == len(cards), cards
    assert page.get_by_text("示例问题").count() == 0  # shown once, as the cards
    for n, card in enumerate(cards):  # every card is about a loaded report, so none refuses
        if n:
            page.click("#new-chat")
            page.wait_for_function("() => !document.querySelector('#chat .answer')", timeout=10_000)
        page.locator("#chat button", has_text=card).first.click()
        page.wait_for_selector("#chat .answer:not(.streaming)", timeout=ANSWER_TIMEOUT_MS)
        page.wait_for_function("() => !document.querySelector('#chat .answer.streaming')", timeout=ANSWER_TIMEOUT_MS)
        bubble = page.locator("#chat .answer").last
        assert "refused" not in bubble.get_attribute("class"), (card, bubble.inner_text())
        assert page.locator("#chat .answer").count() == 1


def test_examples_and_year_choices_follow_the_loaded_reports() -> None:
    from assistant.ui import example_questions, filter_choices

    docs = [{"region": "甲县", "year": 2023, "title": "甲县2023", "source": "a"},
            {"region": "甲县", "year": 2024, "title": "甲县2024", "source": "b"},
            {"region": "乙市", "year": 2022, "title": "乙市2022", "source": "c"},
            {"region": "", "year": None, "title": "无名", "source": "d"}]
    questions = example_questions(docs)
    assert questions[0].startswith("甲县2024年") and questions[1].startswith("乙市") and len(questions) == 3
    assert example_questions([]) == []
    narrowed = filter_choices(docs, "乙市")
    assert [v for _, v in narrowed["year"]] == ["", "2022"] and [v for _, v in narrowed["source"]] == ["", "c"]
    assert [v for _, v in filter_choices(docs)["year"]] == ["", "2024", "2023", "2022"]


def test_phone_screen_shows_title_input_and_filters_in_chinese(browser, server, tmp_path: Path) -> None:
    # Gradio's own strings follow the browser's language (set before our page script can run): zh-CN here.
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True,
                                  has_touch=True, device_scale_factor=2)
    pg = context.new_page()
    pg.goto(server.url)
    pg.wait_for_selector("#question textarea", timeout=30_000)
    pg.wait_for_timeout(1500)
    shot = Path(os.environ.get("UI_PHONE_SCREENSHOT") or tmp_path / "phone.png")
    pg.screenshot(path=str(shot))
    assert pg.evaluate("() => window.scrollY") == 0  # opens at the top, title in sight
    title = pg.get_by_text("法治政府建设情况报告问答助手").first.bounding_box()
    assert title and 0 <= title["y"] < 200
    for selector in ("#filter-region", "#question textarea"):
        box = pg.locator(selector).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 391, selector
    assert pg.locator("#filter-region").bounding_box()["y"] < pg.locator("#chat").bounding_box()["y"]
    pg.locator("#question textarea").scroll_into_view_if_needed()
    assert pg.locator("#question textarea").is_visible()
    pg.get_by_role("tab", name="文档库").click()
    upload = pg.locator("#upload").inner_text()
    assert "Drop" not in upload and "Click" not in upload and re.search(r"[\u4e00-\u9fff]", upload), upload
    context.close()


def test_gradio_client_gets_an_answer_with_citations(server) -> None:
    from gradio_client import Client

    client = Client(server.url, verbose=False)
    result = client.predict(HEZHOU_Q, api_name="/ask")
    assert not result["refused"] and "1.26%" in result["text"] and "[1]" in result["text"]
    first = result["citations"][0]
    assert first["region"] == "贺州市" and first["year"] == 2024 and first["quote"] in first["passage"]
    filtered = client.predict("一件事办事场景有多少个？", "延庆区", "", "", api_name="/ask")
    assert {c["region"] for c in filtered["citations"]} == {"延庆区"}
    assert client.predict("海淀区2024年行政复议案件有多少件？", api_name="/ask")["refused"]


# ------------------------------------------------------------------------------ taking answers away

def test_plain_text_and_markdown_write_every_citation_out() -> None:
    from assistant.takeaway import markdown, plain_text

    cited = {"source": "a.txt", "title": "某县2024年报告", "region": "某县", "year": 2024,
             "section": "一、主要做法 > （一）政务公开", "quote": "开通专栏12个。"}
    turn = {"question": "专栏有多少个？", "text": "开通专栏12个。[1]", "citations": [cited]}
    text = plain_text(turn)
    assert text.startswith("开通专栏12个。[1]")
    assert "[1] 《某县2024年报告》（某县 · 2024年），章节：一、主要做法 > （一）政务公开，原文：“开通专栏12个。”" in text
    md = markdown([turn, {**turn, "question": "再问一次"}])
    assert md.count("## 问：") == 2 and "1. 《某县2024年报告》" in md and "<" not in md


def test_answer_tables_point_their_markers_at_the_answers_own_sources(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from assistant.takeaway import answer_tables, markdown, plain_text, write_tables_xlsx

    def cite(title: str, quote: str) -> dict:
        return {"source": f"{title}.txt", "title": title, "region": title[:3], "year": 2024, "section": "一、",
                "quote": quote}

    table = "\n".join([
        "**行政复议申请（收到、件）**", "", "| 地区 | 年度 | 数值 | 口径 | 报告原文指标 | 出处 |", "|---|---|---|---|---|---|",
        "| 甲县 | 2024 | 17件 | 收到 | 行政复议申请 | [1] |", "| 乙区 | 2024 | 319件（口径不同） | 办理 | 行政复议案件 | [2] |",
        "| 丙市 | 2024 | 761宗 | 收到 | 行政复议申请 | [3] |", "| 丁县 | 2024 | 未报告 |  |  |  |", "",
        "按行政复议申请从高到低：丙市（761宗） > 甲县（17件）。", "", "来源：",
        "[1] 甲县报告 · 一、：收到行政复议申请17件。", "[2] 乙区报告 · 二、：办理行政复议案件319件。",
        "[3] 丙市报告 · 三、：收到行政复议申请761宗。"])
    # A ranking answer cites 丙市 first and leaves 乙区 (another stage) out.
    turn = {"question": "哪里最多？", "text": "丙市761宗。[1]甲县17件。[2]",
            "citations": [cite("丙市报告", "收到行政复议申请761宗。"), cite("甲县报告", "收到行政复议申请17件。")],
            "table": table}
    [t] = answer_tables(turn)
    assert [r[-1] for r in t.rows] == ["[2]", "〔表2〕", "[1]", ""]
    assert any(n.startswith("〔表2〕乙区报告") for n in t.notes) and "按行政复议申请" in t.notes[0]
    assert "丙市\t2024\t761宗\t收到\t行政复议申请\t[1]" in plain_text(turn)
    assert "| 丙市 | 2024 | 761宗 | 收到 | 行政复议申请 | [1] |" in markdown([turn])
    rows = list(load_workbook(write_tables_xlsx([turn], tmp_path / "t.xlsx")).active.iter_rows(values_only=True))
    assert rows[0][0] == "行政复议申请（收到、件）" and rows[1][-2:] == ("数字", "出处原文")
    assert rows[4][-2] == 761 and rows[4][-1].startswith("[1] 《丙市报告》") and not rows[5][-2]
    assert rows[3][-1].startswith("〔表2〕乙区报告")  # written out even where the answer does not cite it


MULTI_Q = "富源县法治政府建设存在哪些问题和不足？"


def test_copy_button_puts_the_answer_and_its_sources_on_the_clipboard_as_plain_text(page) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=page.url.rstrip("/"))
    bubble = ask(page, HEZHOU_Q)
    page.locator("#chat .copy-answer").last.click()
    page.wait_for_function("() => document.querySelector('#chat .copy-answer').textContent === '已复制'",
                           timeout=5_000)
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert "1.26%" in copied and "<" not in copied
    assert "来源：\n[1] 《贺州市2024年法治政府建设情况报告》" in copied and "章节：" in copied and "原文：“" in copied
    assert "复制" not in bubble.inner_text()  # the button sits outside the answer text


def test_export_docx_holds_the_answer_and_every_citation(page, tmp_path: Path) -> None:
    import docx

    ask(page, HEZHOU_Q)
    ask(page, MULTI_Q)
    path, text = tmp_path / "export.docx", ""
    deadline = time.monotonic() + 10
    while MULTI_Q not in text and time.monotonic() < deadline:  # the files follow the answer by a moment
        with page.expect_download() as info:
            page.click("#export-docx")
        info.value.save_as(path)
        text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    turns = page.evaluate("() => [...document.querySelectorAll('#chat .copy-answer')].map(b => b.value)")
    assert len(turns) == 2 and HEZHOU_Q in text and MULTI_Q in text
    for plain in turns:  # the answer and each written-out citation, line by line
        for line in plain.splitlines():
            if line.strip() and line != "来源：":
                assert line in text, line
    assert "1.26%" in text and text.count("原文：“") >= 2

    with page.expect_download() as info:
        page.click("#export-md")
    assert "## 问：" + HEZHOU_Q in Path(info.value.path()).read_text(encoding="utf-8")


def test_clicking_a_marker_opens_its_source_and_shows_the_report_in_the_reader(page) -> None:
    bubble = ask(page, MULTI_Q)
    assert bubble.locator("sup.cite", has_text="[2]").count(), bubble.inner_text()
    bubble.locator("sup.cite", has_text="[2]").first.click()
    page.wait_for_selector("#reader .reader-text mark", timeout=10_000)
    head = page.locator("#reader .reader-head").inner_text()
    titles = source_titles(page)
    assert head.startswith("来源 [2]") and "富源县" in head
    second = [t for t in titles if t.startswith("来源 [2]")][0]
    assert second.split(" ")[-1] in head  # the reader shows the section source 2 names
    passage = page.locator("#chat .src-passage")
    passage.first.wait_for(state="visible")
    marked = page.locator("#reader .reader-text mark").first.inner_text()
    assert marked and any(marked in p for p in passage.all_inner_texts())
    assert page.locator("#reader .reader-nav a").count() > 1
    assert page.locator("#reader .reader-text").inner_text().count("\n") > 10  # the whole report


TABLE_Q = "各地行政复议案件分别是多少？"


def test_answer_table_renders_its_cells_open_their_sources_and_exports_to_xlsx_docx_and_text(
        page, tmp_path: Path) -> None:
    import docx
    from openpyxl import load_workbook

    bubble = ask(page, TABLE_Q)
    table = bubble.locator(".answer-table table")
    assert "761宗" in table.inner_text() and "未报告" in table.inner_text()
    row = table.locator("tr", has_text="湛江市")
    n = row.locator("sup.cite").inner_text().strip("[]")
    row.locator("sup.cite").click()  # the cell's [n] opens source n of this answer, like any marker
    page.wait_for_selector("#reader .reader-text mark", timeout=10_000)
    assert page.locator("#reader .reader-head").inner_text().startswith(f"来源 [{n}]")
    assert "湛江" in page.locator("#reader .reader-head").inner_text()
    assert "761宗" in page.locator("#chat .src-passage").last.inner_text()
    label = page.locator("#chat [aria-label^='回答：']").first.get_attribute("aria-label")
    assert "761宗" in label and "<" not in label  # screen readers get the text, not the HTML
    assert "湛江市\t2023\t761宗" in page.locator("#chat .copy-answer").last.get_attribute("value")  # pastes as a table

    page.wait_for_function("() => !document.querySelector('#export-table-xlsx').disabled", timeout=10_000)
    with page.expect_download() as info:
        page.click("#export-table-xlsx")
    info.value.save_as(tmp_path / "table.xlsx")
    rows = list(load_workbook(tmp_path / "table.xlsx").active.iter_rows(values_only=True))
    head = rows[1]
    zhanjiang = next(r for r in rows if r[0] == "湛江市")
    assert zhanjiang[head.index("数字")] == 761 and "761宗" in zhanjiang[head.index("出处原文")]
    with page.expect_download() as info:
        page.click("#export-docx")
    info.value.save_as(tmp_path / "answer.docx")
    cells = [c.text for t in docx.Document(str(tmp_path / "answer.docx")).tables for r in t.rows for c in r.cells]
    assert "761宗" in cells and "未报告" in cells


def test_ask_only_this_report_sets_the_filter_and_the_chips_say_so(page) -> None:
    title = "贺州市2024年法治政府建设情况报告"
    page.get_by_role("tab", name="文档库").click()
    page.locator("#manage-source input").click()
    page.get_by_role("option", name=re.compile(f"^{title}（")).click()
    page.click("#ask-only")
    page.locator("#question textarea").wait_for(state="visible", timeout=10_000)  # back on the 问答 tab
    assert page.locator("#filter-report input").input_value() == title
    ask(page, "一审行政案件败诉率是多少？")
    assert f"只问《{title}》" in page.locator("#chat .searched").last.inner_text()
    assert all("贺州市" in t for t in source_titles(page))


def test_gradio_strings_are_chinese_in_an_english_browser(browser, server) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    pg = context.new_page()
    try:
        pg.goto(server.url)
        pg.wait_for_selector("#question textarea", timeout=30_000)
        ask(pg, HEZHOU_Q)
        assert pg.locator("#chat button[aria-label='踩']").count() >= 1
        pg.get_by_role("tab", name="文档库").click()
        assert "点击上传" in pg.locator("#upload").inner_text()
        assert pg.locator("#library .search-input").get_attribute("placeholder").startswith("搜索")
    finally:
        context.close()


def store_check(server) -> dict:
    """`assistant check` on the server's store, as a separate process would run it."""
    env = {**os.environ, "ASSISTANT_STORE_DIR": str(server.tmp / "store"), "ASSISTANT_DATA_DIR": str(server.data)}
    done = subprocess.run([sys.executable, "-m", "assistant.cli", "check"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=180)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_deleting_a_report_asks_first_then_removes_it_from_library_uploads_and_answers(browser, server) -> None:
    name = "德清县2024年法治政府建设情况报告.txt"
    folder = server.tmp / "to-delete"
    folder.mkdir()
    (folder / name).write_text(GOOD_REPORT.replace("安吉县", "德清县"), encoding="utf-8")
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    pg = context.new_page()
    try:
        pg.goto(server.url)
        pg.wait_for_selector("#question textarea", timeout=30_000)
        pg.get_by_role("tab", name="文档库").click()
        pg.locator("#upload input[type=file]").set_input_files([str(folder / name)])
        pg.wait_for_function("() => document.querySelectorAll('#upload tr, #upload .file').length >= 1",
                             timeout=20_000)
        pg.click("#ingest")
        pg.wait_for_selector("#ingest-results tbody tr", timeout=60_000)
        assert "德清县" in pg.locator("#library").inner_text()
        assert (server.data / "uploads" / name).exists()
        ask_about = "德清县培训执法人员多少人次？"
        pg.get_by_role("tab", name="问答").click()
        assert "86" in ask(pg, ask_about).inner_text()

        pg.get_by_role("tab", name="文档库").click()
        pg.locator("#manage-source input").click()
        pg.get_by_role("option", name=re.compile(f"（{name}）$")).click()
        pg.click("#reindex-one")  # one report indexed again from its file
        pg.wait_for_selector("#manage-result .status-updated", timeout=60_000)
        assert name in pg.locator("#manage-result").inner_text()
        before = store_check(server)
        pg.click("#delete-report")
        pg.locator("#delete-yes").wait_for(state="visible", timeout=10_000)
        pg.click("#delete-no")  # the first click only asks
        pg.locator("#delete-yes").wait_for(state="hidden", timeout=10_000)
        assert "德清县" in pg.locator("#library").inner_text()
        pg.click("#delete-report")
        pg.click("#delete-yes")
        pg.wait_for_function("() => !document.querySelector('#library').innerText.includes('德清县')", timeout=30_000)
        assert "已删除" in pg.locator("#manage-result").inner_text()
        assert not (server.data / "uploads" / name).exists()
        after = store_check(server)  # `assistant check`: fewer chunks, vectors and BM25 rows agree
        assert after["chunks"] < before["chunks"] and after["vectors"] == after["bm25_rows"] == after["chunks"]
        assert not (after["missing_vectors"] or after["orphan_vectors"] or after["bm25_stale"])
        pg.get_by_role("tab", name="问答").click()
        pg.click("#new-chat")
        pg.wait_for_function("() => !document.querySelector('#chat .answer')", timeout=10_000)
        answer = ask(pg, ask_about)
        assert "86" not in answer.inner_text()
        assert not any("德清县" in t and t.startswith("来源") for t in source_titles(pg))
    finally:
        context.close()


# ------------------------------------------------------------------------------ saved conversations

def test_conversations_are_kept_per_owner_and_outlive_the_store_object(tmp_path: Path) -> None:
    from assistant.conversations import ConversationStore, owner_of

    path = tmp_path / "conversations.sqlite3"
    store = ConversationStore(path)
    turns = [{"question": "贺州市败诉率？", "text": "1.26%。[1]", "citations": [{"spans": [[1, 2]]}]}]
    alice, bob = owner_of("alice", "b1"), owner_of(None, "b1")
    assert alice == "user:alice" and bob == "browser:b1"
    first = store.save(alice, None, turns)
    assert store.save(alice, first, turns * 2) == first
    again = ConversationStore(path)  # a restarted server
    assert [c.title for c in again.list(alice)] == ["贺州市败诉率？"] and again.load(alice, first) == turns * 2
    assert again.list(bob) == [] and again.load(bob, first) is None
    assert not again.rename(bob, first, "偷看") and not again.delete(bob, first)
    assert again.rename(alice, first, "败诉率") and again.list(alice)[0].title == "败诉率"
    assert again.secret() == store.secret()
    assert again.delete(alice, first) and again.list(alice) == []


def test_reload_keeps_the_conversation_and_the_sidebar_reopens_renames_and_deletes(page) -> None:
    ask(page, HEZHOU_Q)
    page.locator("#history-list label", has_text=HEZHOU_Q[:10]).first.wait_for(timeout=10_000)
    page.reload()
    page.wait_for_selector("#chat .answer", timeout=30_000)
    assert "1.26%" in page.locator("#chat .answer").last.inner_text()
    assert page.locator("#chat .thought-group .title", has_text="来源 [1]").count() == 1
    ask(page, "那湛江呢？")  # the reopened conversation still carries its topic
    assert "沿用上文话题" in page.locator("#chat .searched").last.inner_text()

    page.click("#new-chat")
    page.wait_for_function("() => !document.querySelector('#chat .answer')", timeout=10_000)
    ask(page, MULTI_Q)
    page.locator("#history-list label", has_text=MULTI_Q[:10]).wait_for(timeout=10_000)
    page.locator("#history-list label", has_text=HEZHOU_Q[:10]).first.click()  # reopen the first one
    page.wait_for_function("() => document.querySelectorAll('#chat .answer').length === 2", timeout=10_000)
    page.fill("#history-title textarea, #history-title input", "败诉率对比")
    page.click("#history-rename")
    page.locator("#history-list label", has_text="败诉率对比").wait_for(timeout=10_000)
    page.click("#history-delete")
    page.wait_for_function("() => !document.querySelector('#chat .answer')", timeout=10_000)
    page.wait_for_timeout(500)
    assert page.locator("#history-list label", has_text="败诉率对比").count() == 0
    assert page.locator("#history-list label", has_text=MULTI_Q[:10]).count() == 1


# ------------------------------------------------------------------------------ stopping an LLM answer

def test_stop_button_ends_a_streaming_llm_answer_and_the_model_stream(browser, tmp_path: Path) -> None:
    env = {"ASSISTANT_MODE": "llm", "ASSISTANT_LLM_MODEL": "slow", "ASSISTANT_LLM_API_KEY": "x"}
    with SlowModel("全市一审行政案件败诉率为1.26%。[1]") as model, \
            served(tmp_path, {**env, "ASSISTANT_LLM_BASE_URL": model.url}) as srv:
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        pg = context.new_page()
        pg.goto(srv.url)
        pg.wait_for_selector("#question textarea", timeout=30_000)
        pg.fill("#question textarea", HEZHOU_Q)
        pg.keyboard.press("Enter")
        pg.wait_for_function("() => (document.querySelector('#chat .answer.streaming')?.textContent || '')"
                             ".includes('1.26%')", timeout=ANSWER_TIMEOUT_MS)
        started = time.monotonic()
        pg.click("#stop-answer")
        pg.wait_for_function("() => !document.querySelector('#chat .answer.streaming')", timeout=10_000)
        assert time.monotonic() - started < 10
        assert "已停止回答" in pg.locator("#chat .answer").last.inner_text()
        deadline = time.monotonic() + 5
        while model.closed_at is None and time.monotonic() < deadline:
            time.sleep(0.1)
        # The server saw the connection closed soon after the stop, long before its minute of pieces.
        assert model.closed_at is not None and model.closed_at - started < 3, model.sent
        pg.wait_for_timeout(1000)  # nothing more arrives after the stop
        assert pg.locator("#chat .answer.streaming").count() == 0
        assert pg.locator("#chat .answer").count() == 1
        context.close()
