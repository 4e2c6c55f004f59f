"""Turn an uploaded or local file (txt, md, html, docx, pdf) into plain text.

Only extraction happens here: the text keeps web debris, which the cleaning step removes.
Every failure the user can cause is a LoadError whose message is Chinese and shown as is.
"""
from __future__ import annotations

import codecs
import functools
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import docx
from bs4 import BeautifulSoup
from bs4.dammit import EncodingDetector
from docx.table import Table
from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError

from .clean import is_wide, join_wrapped, strip_page_numbers

SUPPORTED_SUFFIXES: frozenset[str] = frozenset({".txt", ".md", ".html", ".htm", ".docx", ".pdf"})
MAX_FILE_BYTES = 50 * 1024 * 1024


TABLE_CELL = " | "  # between the cells of a table row written as one line (Word and web-page tables)

class LoadError(Exception):
    """A file that cannot be turned into text; str(e) is a Chinese message meant for the user."""


@dataclass
class LoadedText:
    text: str  # plain text, paragraphs separated by "\n", not yet cleaned
    encoding: str  # "utf-8", "utf-8-sig", "utf-16", "gb18030", "big5", "cp950"; "binary" for docx/pdf
    format: str  # "txt" | "md" | "html" | "docx" | "pdf"


# ---------------------------------------------------------------- encodings

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# Control bytes that never occur in text in any of our encodings (multi-byte trail bytes are >= 0x40).
_CONTROL_BYTES = bytes([*range(0x01, 0x09), *range(0x0E, 0x20)])
# Legacy Chinese codecs, tried in this order; a tie in plausibility goes to the earlier one.
_GB = ("gb18030",)
_BIG5 = ("big5", "cp950")  # cp950 (Windows) adds a few characters plain Big5 lacks
_SCORE_CHARS = 100_000  # judging a prefix is as reliable and keeps 50 MB files fast
_CJK_PUNCT = "，。、；：？！“”‘’（）《》〈〉【】「」『』〔〕—…·～"
# The most frequent characters of written Chinese, both scripts. They make up 38-44% of the hanzi in
# every seed report, but under 12% when Korean (EUC-KR) or Japanese (EUC-JP) text is read as
# GB18030/Big5: those decode into everyday characters in random order, which plausibility misses.
_FREQUENT_HANZI = frozenset(
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方"
    "后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它"
    "合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心"
    "這爲為個國時來們於對會發動過說產種後學經進著電裏裡現實兩體機當點從業應開還義間樣與關線內數")
_MIN_FREQUENT_SHARE = 0.2
_MAX_NULS, _MAX_NUL_SHARE = 16, 0.001  # stray NULs tolerated in text; random bytes are 0.4% NUL
_MIN_HANZI_JUDGED = 50  # shorter texts are too small a sample to judge


def decode_bytes(data: bytes) -> tuple[str, str]:
    """(text, encoding). UTF-8 with or without BOM, GB18030/GBK and Big5 detected, not guessed as UTF-8.

    Statistical detectors misjudge short Chinese texts, so legacy encodings are chosen by decoding
    strictly with each and keeping the result made of the most commonly used characters.
    """
    return _decode(data)


def _decode(data: bytes, declared: tuple[str, ...] = ()) -> tuple[str, str]:
    """decode_bytes, trying `declared` (an HTML page's own charset) before guessing a legacy codec."""
    if not data:
        raise LoadError("文件为空")
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return _normalize_newlines(data.decode(codec)), codec
            except UnicodeDecodeError as e:
                raise LoadError(f"无法识别文件编码：文件开头标明是 {codec}，但内容不符") from e
    utf16 = _utf16_without_bom(data)
    if utf16:
        return utf16
    _reject_binary(data)
    try:
        return _normalize_newlines(data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    for codec in declared:
        try:
            return _normalize_newlines(data.decode(codec)), codec
        except UnicodeDecodeError:
            continue
    candidates: list[tuple[int, int, str, str]] = []  # (score, -order, text, codec)
    for family in (_GB, _BIG5):
        for codec in family:
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                continue
            good, bad = _plausibility(text[:_SCORE_CHARS])
            # mostly rare/odd characters, or everyday ones in no language's proportions: a wrong codec
            if good >= bad and _reads_as_chinese(text[:_SCORE_CHARS]):
                candidates.append((good - bad, -len(candidates), text, codec))
            break
    if not candidates:
        raise LoadError("无法识别文件编码：不是 UTF-8、GB18030/GBK 或 Big5 文本，请另存为 UTF-8 后重试")
    _, _, text, codec = max(candidates)
    return _normalize_newlines(text), codec


def _reject_binary(data: bytes) -> None:
    """Binary files decode 'successfully' as GB18030 surprisingly often; catch them by their bytes.

    Random bytes are 0.4% NUL and 10% other control bytes; a report with a stray NUL or two (a bad
    copy-paste) is text, and its NULs are dropped when it is decoded.
    """
    if data.count(0) > max(_MAX_NULS, _MAX_NUL_SHARE * len(data)) or len(data) - len(data.translate(None, _CONTROL_BYTES)) > 0.05 * len(data):
        raise LoadError("疑似二进制文件，无法读取文本")


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """UTF-16 saved without a BOM (some Windows tools do): NULs that are half of its ASCII characters,
    read as UTF-16 only when that gives control-free text of everyday Chinese."""
    if len(data) % 2 or b"\x00" not in data:
        return None
    for codec in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if any(ch < " " and ch not in "\n\r\t" for ch in text):
            continue
        good, bad = _plausibility(text[:_SCORE_CHARS])
        if good > 3 * bad and _reads_as_chinese(text[:_SCORE_CHARS]):
            return _normalize_newlines(text), codec
    return None


@functools.cache
def _common_chars() -> frozenset[str]:
    """Characters of everyday Chinese: GB2312 level 1 (3,755 simplified) and Big5's frequent set (5,401 traditional).

    Both standards split their hanzi into a frequent block and a rare one, so the codecs themselves
    provide the sets and no data file is needed.
    """
    chars = set(_CJK_PUNCT)
    chars.update(chr(c) for c in range(0xFF01, 0xFF5F))  # full-width ASCII forms: ，（）％ etc.
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    for hi in range(0xA4, 0xC7):
        for lo in (*range(0x40, 0x7F), *range(0xA1, 0xFF)):
            if (hi << 8 | lo) <= 0xC67E:
                try:
                    chars.add(bytes([hi, lo]).decode("big5"))
                except UnicodeDecodeError:
                    pass
    return frozenset(chars)


def _plausibility(text: str) -> tuple[int, int]:
    """(common, other) counts of non-ASCII characters; a wrong codec yields rare hanzi, kana, symbols, private use."""
    common = _common_chars()
    good = bad = 0
    for ch in text:
        if ch >= "\x80":
            if ch in common:
                good += 1
            else:
                bad += 1
    return good, bad


def _reads_as_chinese(text: str) -> bool:
    """False when enough hanzi are present and too few of them are the everyday ones Chinese prose is made of."""
    hanzi = [ch for ch in text if "\u4e00" <= ch <= "\u9fff"]
    if len(hanzi) < _MIN_HANZI_JUDGED:
        return True
    return sum(ch in _FREQUENT_HANZI for ch in hanzi) >= _MIN_FREQUENT_SHARE * len(hanzi)


def _normalize_newlines(text: str) -> str:
    """One kind of line break, and no NUL (stray ones survive in otherwise good text; SQLite and
    the terminal treat NUL as an end)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")


def _declared_codecs(label: str | None) -> tuple[str, ...]:
    """Codecs to try for a page's declared charset; only Chinese legacy labels, others are left to detection."""
    try:
        name = codecs.lookup(label).name if label else ""
    except LookupError:
        return ()
    if name in ("gb2312", "gbk", "gb18030"):
        return _GB  # pages labelled gb2312 routinely contain GBK characters
    if name in ("big5", "cp950", "big5hkscs"):
        return _BIG5
    return ()


# ---------------------------------------------------------------- html

_DROP_TAGS = ["script", "style", "noscript", "nav", "header", "footer", "iframe", "form",
              "head", "title", "template", "svg", "button", "select"]
_BLOCK_TAGS = ["address", "article", "aside", "blockquote", "caption", "center", "dd", "details", "div",
               "dl", "dt", "fieldset", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
               "li", "main", "ol", "p", "pre", "section", "summary", "table", "tbody", "tfoot", "thead",
               "tr", "ul"]
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_BREAK = "\x1e"  # marks block boundaries until source whitespace is collapsed
_SOURCE_SPACE = re.compile(r"[ \t\n\r\f\v]+")
_HTML_START = re.compile(r"\s*<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>]|!--|\?xml|meta[\s>])", re.I)
_HTML_TAG = re.compile(r"<(?:!doctype\s+html|html|body)[\s>]", re.I)


def _looks_like_html(data: bytes) -> bool:
    """A saved web page with a .txt/.md name: starts with markup and has an <html>/<body>/doctype tag early."""
    head = data[:4096].decode("ascii", "ignore")
    return bool(_HTML_START.match(head) and _HTML_TAG.search(head))


def _html_text(data: bytes) -> tuple[str, str]:
    """Visible text of a page, one block element per line, in document order."""
    declared = _declared_codecs(EncodingDetector.find_declared_encoding(data, is_html=True))
    markup, encoding = _decode(data, declared)
    soup = BeautifulSoup(markup, "html.parser")
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    for tag in soup.find_all(lambda t: t.has_attr("hidden") or _HIDDEN_STYLE.search(t.get("style", ""))):
        tag.decompose()
    for pre in soup.find_all("pre"):  # the only place where source line breaks are meant to show
        for s in pre.find_all(string=True):
            s.replace_with(s.replace("\n", _BREAK))
    for br in soup.find_all("br"):
        br.replace_with(_BREAK)
    for cell in soup.find_all(["td", "th"]):
        if cell.find_previous_sibling(["td", "th"]):
            cell.insert_before(TABLE_CELL)
    for tag in soup.find_all(_BLOCK_TAGS):
        tag.insert_before(_BREAK)
        tag.insert_after(_BREAK)
    text = _SOURCE_SPACE.sub(_collapse_space, soup.get_text())
    lines = (unit_cells(line.strip()) for line in text.split(_BREAK))
    return "\n".join(line for line in lines if line), encoding


def _collapse_space(m: re.Match[str]) -> str:
    """Source whitespace renders as one space, but a line break next to a Chinese character is just wrapping."""
    s, i, j = m.string, m.start(), m.end()
    if "\n" in m.group() and ((i > 0 and is_wide(s[i - 1])) or (j < len(s) and is_wide(s[j]))):
        return ""
    return " "


# ---------------------------------------------------------------- docx

def _docx_text(data: bytes) -> str:
    """Paragraphs and table rows in document order; merged cells are listed once."""
    try:
        document = docx.Document(io.BytesIO(data))
        lines: list[str] = []
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                lines.extend(_table_rows(block))
            else:
                lines.extend(block.text.split("\n"))
    except KeyError as e:  # zipfile: "There is no item named '[Content_Types].xml' in the archive"
        raise LoadError("DOCX 文件损坏：压缩包里没有 Word 文档内容（可能是改了扩展名的压缩包）") from e
    except zipfile.BadZipFile as e:
        raise LoadError("DOCX 文件损坏：文件不完整或不是压缩格式，无法作为 Word 文档打开") from e
    except Exception as e:  # lxml and python-docx raise their own types on a damaged file
        raise LoadError(f"DOCX 文件损坏：{type(e).__name__}") from e
    stripped = (line.strip() for line in lines)
    return "\n".join(line for line in stripped if line)


def _table_rows(table: Table) -> list[str]:
    rows = []
    for row in table.rows:
        cells, seen = [], []
        for cell in row.cells:
            if any(cell._tc is tc for tc in seen):  # a merged cell is returned once per grid column
                continue
            seen.append(cell._tc)
            cells.append(" ".join(cell.text.split()))
        if any(cells):
            rows.append(unit_cells(TABLE_CELL.join(cells)))
    return rows


_ROW_UNIT = re.compile(r"[（(]([\u4e00-\u9fff]{1,3}|%)[）)]$")  # 审结行政复议案件（件） / 纠错率(%)
_BARE_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def unit_cells(row: str) -> str:
    """A table row whose label names its unit (审结案件（件） | 36,214 | 29,541): each bare number carries the
    unit, as a sentence would write it (36,214件), so that it reads as a figure of that measure."""
    cells = row.split(TABLE_CELL)
    unit = _ROW_UNIT.search(cells[0]) if len(cells) > 1 else None
    if not unit:
        return row
    return TABLE_CELL.join(cells[:1] + [c + unit.group(1) if _BARE_NUMBER.fullmatch(c) else c for c in cells[1:]])


# ---------------------------------------------------------------- pdf

def _pdf_text(data: bytes) -> str:
    """Text of all pages with page numbers removed and wrapped lines joined back into paragraphs."""
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoadError("PDF 文件已加密，无法读取，请先去除密码")
        pages = [page.extract_text() or "" for page in reader.pages]
    except LoadError:
        raise
    except (DependencyError, FileNotDecryptedError) as e:
        raise LoadError("PDF 文件已加密，无法读取，请先去除密码") from e
    except Exception as e:  # pypdf raises many types on malformed input
        raise LoadError(f"PDF 文件损坏或被截断：{e}") from e
    lines: list[str] = []
    for page in pages:
        lines.extend(strip_page_numbers([line.strip() for line in page.splitlines()]))
    text = "\n".join(join_wrapped(lines))
    if not text.strip():
        raise LoadError("PDF 中没有可提取的文字（可能是扫描件）")
    return text


# ---------------------------------------------------------------- entry points

_PDF_MAGIC = b"%PDF-"
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc/.xls


def load_bytes(data: bytes, name: str, max_bytes: int = MAX_FILE_BYTES) -> LoadedText:
    """Format from the name's suffix, checked against the content (renamed files are common uploads)."""
    suffix = _checked_suffix(name)
    if not data:
        raise LoadError("文件为空")
    if len(data) > max_bytes:
        raise _too_large(len(data), max_bytes)
    _check_magic(data, suffix)
    if suffix == ".pdf":
        return LoadedText(_pdf_text(data), "binary", "pdf")
    if suffix == ".docx":
        text = _docx_text(data)
        if not text:
            raise LoadError("DOCX 文件中没有文字")
        return LoadedText(text, "binary", "docx")
    if suffix in (".html", ".htm") or _looks_like_html(data):
        text, encoding = _html_text(data)
        if not text:
            raise LoadError("网页中没有可提取的正文文字")
        return LoadedText(text, encoding, "html")
    text, encoding = decode_bytes(data)
    if not text.strip():
        raise LoadError("文件为空（只有空白字符）")
    return LoadedText(text, encoding, suffix.lstrip("."))


def load_file(path: str | Path, max_bytes: int = MAX_FILE_BYTES) -> LoadedText:
    """Checks type and size before reading, so a huge or wrong file costs nothing."""
    path = Path(path)
    _checked_suffix(path.name)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise _too_large(size, max_bytes)
        with path.open("rb") as f:
            data = f.read(max_bytes + 1)  # the file may have grown since stat()
    except FileNotFoundError as e:
        raise LoadError(f"找不到文件：{path.name}") from e
    except IsADirectoryError as e:
        raise LoadError(f"不是文件：{path.name}") from e
    return load_bytes(data, path.name, max_bytes)


def _checked_suffix(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        shown = suffix or "无扩展名"
        raise LoadError(f"不支持的文件类型：{shown}（支持 .txt、.md、.html、.htm、.docx、.pdf）")
    return suffix


def _check_magic(data: bytes, suffix: str) -> None:
    """Reject a file whose content is another format than its name says, with a hint what it really is."""
    is_pdf = _PDF_MAGIC in data[:1024]  # the spec lets %PDF- follow some leading junk
    if suffix == ".pdf" and not is_pdf:
        raise LoadError(f"文件内容与扩展名 .pdf 不符：不是 PDF 文件{_real_kind(data)}")
    if suffix == ".docx" and not data.startswith(_ZIP_MAGIC):
        raise LoadError(f"文件内容与扩展名 .docx 不符：不是 DOCX 文件{_real_kind(data)}")
    if suffix not in (".pdf", ".docx") and (data.startswith((_PDF_MAGIC, _ZIP_MAGIC, _OLE_MAGIC))):
        raise LoadError(f"文件内容与扩展名 {suffix} 不符{_real_kind(data)}")


def _real_kind(data: bytes) -> str:
    if data.startswith(_OLE_MAGIC):
        return "（看起来是旧版 Word/Excel 文件，请另存为 .docx 或 PDF）"
    if data.startswith(_PDF_MAGIC):
        return "（看起来是 PDF 文件，请改用 .pdf 扩展名）"
    if data.startswith(_ZIP_MAGIC):
        return "（看起来是压缩包或 Office 文件）"
    if _looks_like_html(data):
        return "（看起来是网页文件，请改用 .html 扩展名）"
    return ""


def _too_large(size: int, limit: int) -> LoadError:
    return LoadError(f"文件过大（{human_size(size)}，上限 {human_size(limit)}）")


def human_size(n: int) -> str:
    """Bytes as 50 MB / 3.5 KB / 12 字节 for messages."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if n >= scale:
            return f"{n / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{n} 字节"
