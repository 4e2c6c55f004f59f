"""The 对比 tab, driven by Chromium through Playwright against the real server (`assistant serve`):
pick an indicator, see the table, open a cell's passage, see the chart, download the XLSX and read it back.
Set UI_COMPARE_SCREENSHOT=path to keep a screenshot of the tab with a passage open."""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from assistant.compare import Comparison, Row
from assistant.records import Citation
from assistant.ui import render_comparison

from conftest import served

TIMEOUT_MS = 60_000


def test_rendered_table_escapes_report_text_and_marks_missing_reports() -> None:
    quote = "收到<script>alert(1)</script>申请17件。"
    cite = Citation("a.txt", "某县报告", "某县", 2024, "一、", quote, "前文。" + quote, 1.0, 3, 3 + len(quote))
    table = Comparison(query="q", topic="申请", indicator="申请（收到、件）", unit="件", rows=[
        Row("a.txt", "某县", 2024, "某县报告", 17, "件", "收到", "申请", "17件", citation=cite),
        Row("b.txt", "某区", 2024, "某区报告")])
    shown = render_comparison(table)
    assert "<script" not in shown and "<mark>" in shown and "未报告" in shown and "bar-chart" in shown


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    with served(tmp_path_factory.mktemp("ui-compare")) as srv:
        yield srv


def test_compare_tab_table_passage_chart_and_xlsx_download(browser, server, tmp_path: Path) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    try:
        page.goto(server.url)
        page.get_by_role("tab", name="对比").click()
        page.fill("#compare-query textarea", "行政复议")
        page.click("#compare-go")
        table = page.locator("#compare-result .compare table")
        table.wait_for(state="visible", timeout=TIMEOUT_MS)
        text = table.inner_text()
        assert "湛江市" in text and "761宗" in text and "未报告" in text
        assert page.locator("#compare-result .bar-chart .bar").count() >= 2

        cell = page.locator("#compare-result details.cmp-cell", has_text="761宗")
        passage = cell.locator(".src-passage")
        assert not passage.is_visible()
        cell.locator("summary").click()
        passage.wait_for(state="visible", timeout=10_000)
        assert "761宗" in passage.locator("mark").inner_text()
        if os.environ.get("UI_COMPARE_SCREENSHOT"):  # docs/screenshot-compare.png
            page.screenshot(path=os.environ["UI_COMPARE_SCREENSHOT"], full_page=True)

        download_button = page.locator("#compare-xlsx")
        page.wait_for_function("() => !document.querySelector('#compare-xlsx').disabled", timeout=TIMEOUT_MS)
        with page.expect_download(timeout=TIMEOUT_MS) as info:
            download_button.click()
        saved = tmp_path / "compare.xlsx"
        info.value.save_as(saved)
        rows = list(load_workbook(saved).active.iter_rows(values_only=True))
        assert rows[0][:5] == ("地区", "年度", "报告", "指标", "数值")
        assert any(r[0] == "湛江市" and r[4] == 761 for r in rows)
        assert any(r[4] == "未报告" for r in rows if r and r[0])
    finally:
        context.close()
