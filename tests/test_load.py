"""Tests for assistant.load with real files built in tmp_path by the real libraries (no mocks)."""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from assistant.load import (
    MAX_FILE_BYTES,
    SUPPORTED_SUFFIXES,
    LoadedText,
    LoadError,
    decode_bytes,
    load_bytes,
    load_file,
)

# Sentences from real reports (Yanqing district in traditional script, Hezhou city in simplified).
TRAD = "2024年，延慶區深入學習貫徹黨的二十大精神，法治政府建設取得新成效。"
SIMP = "全市一审行政案件败诉率为1.26%，较2023年下降18.88个百分点。"
SIMP_LONG = (
    "2024年，贺州市坚持以习近平新时代中国特色社会主义思想为指导，全面学习贯彻党的二十大和二十届二中、三中全会精神，"
    "深入贯彻落实习近平法治思想，把法治政府建设作为经济社会发展的重要任务扎实推进。\n"
    "一、主要做法及成效\n"
    "（一）坚持党的全面领导，深学笃行习近平法治思想。市委、市人民政府坚持把习近平法治思想贯彻落实到法治政府建设全过程和各方面。\n"
    + SIMP
)
TRAD_LONG = (
    TRAD + "\n一、主要做法及成效\n"
    "（一）堅持黨的全面領導，深學篤行習近平法治思想。區委、區政府主要負責同志認真履行推進法治建設第一責任人職責，"
    "多次召開會議謀劃部署法治政府建設工作，確保各項任務落到實處。\n"
    "優化營商環境企業滿意度連續5個季度位列全區「第一方陣」。"
)
SHORT_SIMP = "法治政府建设"
SHORT_TRAD = "延慶區政府報告"

PAGE_WIDTH_PT = 300  # wrap width used for the PDF fixture


def chinese(message: str) -> bool:
    return re.search(r"[\u4e00-\u9fff]", message) is not None


def raises_load_error(fn, *args, **kwargs) -> str:
    with pytest.raises(LoadError) as info:
        fn(*args, **kwargs)
    message = str(info.value)
    assert chinese(message), message
    return message


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def cjk_font() -> str:
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))  # built-in CID font: no font file needed
    return "STSong-Light"


def wrap(paragraph: str, font: str, size: int = 12) -> list[str]:
    """Break a paragraph at the page width like a PDF writer does, measuring real glyph widths."""
    lines, line = [], ""
    for ch in paragraph:
        if pdfmetrics.stringWidth(line + ch, font, size) > PAGE_WIDTH_PT:
            lines.append(line)
            line = ""
        line += ch
    return [*lines, line] if line else lines


def make_pdf(pages: list[list[str]], font: str) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for lines in pages:
        c.setFont(font, 12)
        y = 800
        for line in lines:
            c.drawString(50, y, line)
            y -= 18
        c.showPage()
    c.save()
    return buf.getvalue()


PARA_1 = (
    "2024年，延庆区深入学习贯彻党的二十大精神，全面贯彻落实习近平法治思想，坚持把法治政府建设作为全局性、"
    "基础性工作统筹推进，法治政府建设取得新成效。"
)
PARA_2 = (
    "全市一审行政案件败诉率为1.26%，较2023年下降18.88个百分点，“专业+机制+大数据”新型警务和“所所联动”"
    "工作机制等创新举措获上级肯定并推广，优化营商环境企业满意度连续5个季度位列全区“第一方阵”。"
)
PARA_3 = "（一）坚持党的全面领导，深学笃行习近平法治思想。市委、市人民政府坚持把习近平法治思想贯彻落实到法治政府建设全过程和各方面。"


@pytest.fixture(scope="module")
def report_pdf(cjk_font: str) -> bytes:
    """Two pages: title, heading, wrapped paragraphs, one running over the page break, page numbers."""
    p2 = wrap(PARA_2, cjk_font)
    assert len(p2) >= 3 and not any(line[-1] in "。！？；：" for line in p2[:-1])
    page1 = ["北京市延庆区2024年法治政府建设年度报告", "一、主要做法及成效", *wrap(PARA_1, cjk_font), *p2[:2], "- 1 -"]
    page2 = [*p2[2:], *wrap(PARA_3, cjk_font), "第 2 页"]
    return make_pdf([page1, page2], cjk_font)


def make_docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("北京市延庆区2024年法治政府建设年度报告")
    document.add_paragraph(TRAD)
    table = document.add_table(rows=3, cols=3)
    for r, row in enumerate([["指标", "2023年", "2024年"], ["一审败诉率", "20.14%", "1.26%"], ["备注", "", ""]]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    table.cell(2, 1).merge(table.cell(2, 2)).text = "较上年下降18.88个百分点"
    document.add_paragraph(SIMP)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


HTML_PAGE = """<!DOCTYPE html>
<html><head><meta charset="gbk"><title>延庆区人民政府网</title>
<style>p { color: red }</style><script>var s = "脚本内容";</script></head>
<body>
<header>延庆区人民政府 网站首页</header>
<nav><a href="/">首页</a> | <a href="/zwgk">政务公开</a></nav>
<div class="article">
  <h1>北京市延庆区2024年法治政府建设年度报告</h1>
  <p>2024年，延庆区深入学习贯彻党的二十大精神，
     法治政府建设取得新成效。</p>
  <p>全市一审行政案件败诉率为<b>1.26%</b>，较2023年下降18.88个百分点。<br>一、主要做法及成效</p>
  <table><tr><th>指标</th><th>数值</th></tr><tr><td>败诉率</td><td>1.26%</td></tr></table>
  <div style="display: none">隐藏的文字</div>
  <noscript>请启用脚本</noscript>
  <script>document.write("广告");</script>
</div>
<form><input name="q"><button>搜索</button></form>
<footer>版权所有 延庆区人民政府</footer>
</body></html>
"""
HTML_LINES = [
    "北京市延庆区2024年法治政府建设年度报告",
    "2024年，延庆区深入学习贯彻党的二十大精神，法治政府建设取得新成效。",
    "全市一审行政案件败诉率为1.26%，较2023年下降18.88个百分点。",
    "一、主要做法及成效",
    "指标 | 数值",
    "败诉率 | 1.26%",
]


# ---------------------------------------------------------------- encodings


@pytest.mark.parametrize(
    ("text", "codec", "expected"),
    [
        (SIMP, "utf-8", "utf-8"),
        (SIMP, "utf-8-sig", "utf-8-sig"),
        (SIMP, "gb18030", "gb18030"),
        (SIMP, "gbk", "gb18030"),
        (TRAD, "utf-8", "utf-8"),
        (TRAD, "utf-8-sig", "utf-8-sig"),
        (TRAD, "big5", "big5"),
        (TRAD, "gbk", "gb18030"),  # GBK also holds traditional characters
        (TRAD, "gb18030", "gb18030"),
        (SIMP_LONG, "gbk", "gb18030"),
        (SIMP_LONG, "gb18030", "gb18030"),
        (SIMP_LONG, "utf-8-sig", "utf-8-sig"),
        (TRAD_LONG, "big5", "big5"),
        (TRAD_LONG, "utf-8", "utf-8"),
        (SHORT_SIMP, "gbk", "gb18030"),
        (SHORT_TRAD, "big5", "big5"),
        ("2024年", "gbk", "gb18030"),
    ],
)
def test_decode_bytes_detects_encoding_exactly(text: str, codec: str, expected: str) -> None:
    assert decode_bytes(text.encode(codec)) == (text, expected)


def test_short_texts_are_not_guessed_wrong() -> None:
    """Short clauses are where statistical detectors fail; every one must round-trip."""
    simplified = [s for s in re.split(r"[，。\n]", SIMP_LONG) if s]
    traditional = [s for s in re.split(r"[，。「」\n]", TRAD_LONG) if len(s) >= 4]
    for s in simplified:
        assert decode_bytes(s.encode("gbk")) == (s, "gb18030"), s
    for s in traditional:
        assert decode_bytes(s.encode("big5")) == (s, "big5"), s


def test_line_endings_are_normalized() -> None:
    raw = "第一段。\r\n第二段。\r第三段。\n".encode("gbk")
    assert decode_bytes(raw) == ("第一段。\n第二段。\n第三段。\n", "gb18030")


def test_utf16_with_bom() -> None:
    assert decode_bytes(SIMP.encode("utf-16")) == (SIMP, "utf-16")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "文件为空"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "二进制"),
        (bytes(range(1, 9)) * 10 + "法治".encode(), "二进制"),
        (b"\xff\xfd\xfe\xff" * 8, "无法识别文件编码"),
        (SIMP.encode("gbk") + b"\xff\x80" + TRAD.encode("big5"), "无法识别文件编码"),
    ],
)
def test_decode_bytes_errors(data: bytes, expected: str) -> None:
    assert expected in raises_load_error(decode_bytes, data)


# ---------------------------------------------------------------- text formats


def test_txt_and_md_keep_text_as_is(tmp_path: Path) -> None:
    text = "# 标题\n\n" + SIMP_LONG + "\n"
    (tmp_path / "a.md").write_bytes(text.encode("utf-8"))
    (tmp_path / "b.txt").write_bytes(TRAD_LONG.encode("big5"))
    assert load_file(tmp_path / "a.md") == LoadedText(text, "utf-8", "md")
    assert load_file(str(tmp_path / "b.txt")) == LoadedText(TRAD_LONG, "big5", "txt")


def test_suffix_is_case_insensitive() -> None:
    assert load_bytes(SIMP.encode(), "报告.TXT").format == "txt"


# ---------------------------------------------------------------- html


def test_html_meta_charset_and_debris_removed(tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    path.write_bytes(HTML_PAGE.encode("gbk"))
    loaded = load_file(path)
    assert loaded.format == "html"
    assert loaded.encoding == "gb18030"
    assert loaded.text.split("\n") == HTML_LINES
    for debris in ("首页", "政务公开", "脚本", "广告", "版权所有", "搜索", "隐藏", "请启用", "网站首页"):
        assert debris not in loaded.text


def test_html_meta_big5_and_utf8_override() -> None:
    page = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=big5"></head><body><p>{}</p></body></html>'
    assert load_bytes(page.format(TRAD).encode("big5"), "a.htm") == LoadedText(TRAD, "big5", "html")
    # A page that says gb2312 but is really UTF-8 (common on government sites) still decodes right.
    wrong_label = page.replace("big5", "gb2312").format(SIMP)
    assert load_bytes(wrong_label.encode("utf-8"), "a.html") == LoadedText(SIMP, "utf-8", "html")


def test_html_without_meta_uses_detection() -> None:
    page = "<html><body><div>{}</div><div>{}</div></body></html>".format(SIMP, "一、主要做法")
    loaded = load_bytes(page.encode("gbk"), "a.html")
    assert (loaded.text, loaded.encoding) == (SIMP + "\n一、主要做法", "gb18030")


def test_txt_that_is_html_is_parsed_as_html() -> None:
    loaded = load_bytes(HTML_PAGE.encode("gbk"), "report.txt")
    assert loaded.format == "html"
    assert loaded.text.split("\n") == HTML_LINES


def test_txt_mentioning_tags_stays_text() -> None:
    text = "说明：网页中的<p>标签表示段落。\n" + SIMP
    assert load_bytes(text.encode(), "a.txt") == LoadedText(text, "utf-8", "txt")


# ---------------------------------------------------------------- docx


def test_docx_paragraphs_and_table_in_order(tmp_path: Path) -> None:
    path = tmp_path / "report.docx"
    path.write_bytes(make_docx())
    loaded = load_file(path)
    assert (loaded.format, loaded.encoding) == ("docx", "binary")
    assert loaded.text.split("\n") == [
        "北京市延庆区2024年法治政府建设年度报告",
        TRAD,
        "指标 | 2023年 | 2024年",
        "一审败诉率 | 20.14% | 1.26%",
        "备注 | 较上年下降18.88个百分点",
        SIMP,
    ]


# ---------------------------------------------------------------- pdf


def test_pdf_fixture_really_wraps_lines(report_pdf: bytes) -> None:
    """Guard for the next test: pypdf reads the CID font and returns the wrapped lines separately."""
    raw = "".join(page.extract_text() for page in PdfReader(io.BytesIO(report_pdf)).pages)
    assert "百分点" in raw and "- 1 -" in raw
    assert PARA_2 not in raw and PARA_2 not in raw.replace("\n", " ")


def test_pdf_lines_joined_and_page_numbers_removed(tmp_path: Path, report_pdf: bytes) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(report_pdf)
    loaded = load_file(path)
    assert (loaded.format, loaded.encoding) == ("pdf", "binary")
    assert loaded.text.split("\n") == [
        "北京市延庆区2024年法治政府建设年度报告",
        "一、主要做法及成效",
        PARA_1,
        PARA_2,  # ran over the page break and the "- 1 -" footer
        PARA_3,
    ]


def test_pdf_traditional_text(cjk_font: str) -> None:
    loaded = load_bytes(make_pdf([[TRAD]], cjk_font), "a.pdf")
    assert loaded.text == TRAD


# ---------------------------------------------------------------- errors


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"")
    assert raises_load_error(load_file, tmp_path / "a.txt") == "文件为空"
    assert raises_load_error(load_bytes, b"", "a.pdf") == "文件为空"
    assert "文件为空" in raises_load_error(load_bytes, "\r\n \n".encode(), "a.md")


def test_binary_txt(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(bytes(range(256)) * 4)
    assert "二进制" in raises_load_error(load_file, tmp_path / "a.txt")


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (SIMP.encode(), "a.pdf", "不是 PDF"),
        (HTML_PAGE.encode(), "a.pdf", "网页"),
        (SIMP.encode("gbk"), "a.docx", "不是 DOCX"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "a.docx", "旧版 Word"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "a.txt", "PDF"),
    ],
)
def test_wrong_extension(data: bytes, name: str, expected: str) -> None:
    message = raises_load_error(load_bytes, data, name)
    assert "扩展名" in message and expected in message


def test_docx_named_pdf_is_rejected() -> None:
    assert "不是 PDF" in raises_load_error(load_bytes, make_docx(), "report.pdf")


def test_truncated_pdf(report_pdf: bytes) -> None:
    for cut in (len(report_pdf) // 3, len(report_pdf) - 20):
        assert raises_load_error(load_bytes, report_pdf[:cut], "a.pdf").startswith("PDF 文件损坏或被截断：")


def test_pdf_without_text_is_a_scan(cjk_font: str) -> None:
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.rect(100, 100, 300, 400, fill=1)  # stands in for a scanned image
    c.showPage()
    c.save()
    assert raises_load_error(load_bytes, buf.getvalue(), "scan.pdf") == "PDF 中没有可提取的文字（可能是扫描件）"


def test_truncated_docx() -> None:
    data = make_docx()
    assert raises_load_error(load_bytes, data[: len(data) // 2], "a.docx").startswith("DOCX 文件损坏：")


def test_zip_that_is_not_docx() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "不是 Word 文档")
    assert raises_load_error(load_bytes, buf.getvalue(), "a.docx").startswith("DOCX 文件损坏：")


def test_too_large_by_max_bytes(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(SIMP_LONG.encode())
    message = raises_load_error(load_file, path, max_bytes=100)
    assert message.startswith("文件过大（") and "上限 100 字节" in message
    assert "文件过大" in raises_load_error(load_bytes, SIMP_LONG.encode(), "a.txt", max_bytes=100)


def test_too_large_checked_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.pdf"
    with path.open("wb") as f:  # sparse: costs no disk and would be slow to read if it were read
        f.truncate(int(62.1 * 1024 * 1024))
    assert raises_load_error(load_file, path) == "文件过大（62.1 MB，上限 50 MB）"
    assert MAX_FILE_BYTES == 50 * 1024 * 1024


@pytest.mark.parametrize("name", ["a.xls", "a.doc", "a", "a.txt.zip"])
def test_unsupported_suffix(name: str) -> None:
    message = raises_load_error(load_bytes, SIMP.encode(), name)
    assert message.startswith("不支持的文件类型：")
    assert SUPPORTED_SUFFIXES == {".txt", ".md", ".html", ".htm", ".docx", ".pdf"}


def test_unsupported_suffix_checked_before_reading(tmp_path: Path) -> None:
    assert raises_load_error(load_file, tmp_path / "missing.xls") == (
        "不支持的文件类型：.xls（支持 .txt、.md、.html、.htm、.docx、.pdf）"
    )


def test_missing_file(tmp_path: Path) -> None:
    assert "找不到文件" in raises_load_error(load_file, tmp_path / "missing.txt")


def test_undecodable_txt(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(SIMP.encode("gbk") + b"\xff\xff" + SIMP.encode("gbk"))
    assert raises_load_error(load_file, tmp_path / "a.txt").startswith("无法识别文件编码")


def test_a_table_row_whose_label_names_its_unit_gives_each_bare_number_that_unit() -> None:
    from assistant.load import unit_cells
    assert unit_cells("审结行政复议案件（件） | 36,214 | 29,541 | 增长22.6%") == \
        "审结行政复议案件（件） | 36,214件 | 29,541件 | 增长22.6%"
    assert unit_cells("纠错率(%) | 13.6 | 12.1") == "纠错率(%) | 13.6% | 12.1%"
    assert unit_cells("指标 | 2024年 | 2023年") == "指标 | 2024年 | 2023年"
