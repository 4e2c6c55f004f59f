"""Remove web-page debris (navigation, page furniture, footers, copy-site marks) that saved reports carry.

Works line by line on the loaded text: debris lines are short and formulaic, report lines are
sentences. Footers end the page, so everything after a footer marker near the end is dropped.
Text copied from document-sharing sites comes without line breaks; it is split back into title,
headings and paragraphs first, and the site's watermark is cut out of the sentence it was injected
into. The result is the text users see and citations index, so nothing after this step moves.
"""
from __future__ import annotations

import re
import unicodedata

from collections import Counter

from .genre import CN_NUM, TITLE_HINT, TITLE_TOPIC

# A short line containing one of these is navigation or page furniture.
_NAV_WORDS = (
    "无障碍浏览", "無障礙瀏覽", "长者专版", "長者專版", "当前位置", "當前位置", "【打印】", "【关闭】",
    "【字体", "字号:", "字号：", "分享到", "分享至", "扫一扫", "网站地图", "首页 >", "首页>",
    "打印本页", "关闭窗口", "收藏本页", "阅读次数", "浏览次数", "索引号", "发布机构", "信息来源",
    "关怀版", "關懷版", "简体|繁体", "简体 | 繁体", "繁体|简体", "简|繁", "简体版", "繁體版", "无障碍 ", "無障礙 ",
    "浏览器版本过低", "升级浏览器", "更换浏览器", "推荐使用", "最佳浏览", "分辨率", "【打印", "[打印", "【关闭", "[关闭",
    "微信扫一扫", "手机版", "登录|注册", "站内搜索", "请输入关键字", "公网安备", "网站标识码",
)
# A line starting with one of these begins the page footer.
_FOOTER_STARTS = (
    "相关文章", "相关链接", "相关阅读", "相关新闻", "您访问的链接即将离开", "版权所有", "主办单位",
    "网站标识码", "ICP备", "京ICP", "上一篇", "下一篇",
)
_SHORT = 40
_EMPTY_LABEL = re.compile(r"^[\u4e00-\u9fff]{2,8}[:：]$")  # "文件下载:" with nothing after it
_META_LINE = re.compile(
    r"^(?:[•·●\-\s]*)(?:"
    r"\d{4}-\d{2}-\d{2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"  # publish time
    r"|[0-9A-Za-z]+/\d{4}-\d+"  # index number 015158708/2024-08618
    r"|(?:时间|发布时间|发布日期|日期|来源|作者|点击|编辑|责任编辑|发布者|成文日期|发文日期|字号|分类)[:：].*"
    r"|继续访问|放弃|取消|确定|返回顶部|打印|关闭|简体|繁体|繁體|分享|收藏"
    r")\s*$"
)
# Page-header dates: "今天是:2019年10月31日 星期三", "2019年12月3日星期二".
_HEADER_DATE = re.compile(r"^(?:今天是|今天|当前日期|日期)?[:：]?\s*20\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*"
                          r"(?:[（(]?(?:星期|周|禮拜|礼拜)[一二三四五六日天][)）]?)?\s*(?:农历.*)?$")
# ICP / 公安备案 / copyright / organizer footer lines of any province.
_FOOTER_LINE = re.compile(r"[\u4e00-\u9fff]{1,2}ICP[备備]|ICP[备備证證]\s*\d|公网安备|公網安備|^(?:网站)?备案号|^(?:網站)?備案號|版权所有|版權所有|"
                          r"^(?:主办单位|主辦單位|承办单位|承辦單位|技术支持|技術支持|网站主办|網站主辦)|Copyright|©")
_BULLET_SHORT = re.compile(r"^\s*[•·●]\s*\S.{0,30}$")
_BLANKS = re.compile(r"\n{2,}")
# Mirror sites that add pinyin after characters: 區(qū), 關（guān）. A tone mark makes it pinyin, not an acronym.
_PINYIN_GLOSS = re.compile(r"(?<=[\u4e00-\u9fff])[(（][a-zü ]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zü ]*[)）]")
# Mojibake: UTF-8 read as Latin-1 / GBK, and replacement characters.
_MOJIBAKE = re.compile(r"锟斤拷|(?:烫){2,}|(?:屯){2,}|\ufffd+|ï»¿|â€[\u0080-\u00bf\u2018-\u201e\u2122\u0153\u0161\u017e]?|"
                       r"Ã[\u0080-\u00bf]|Â(?=[\u0080-\u00bf ])")
# A document-sharing site's watermark injected into a sentence: "某某文库—每日更新www.example.com".
_URL = r"(?:https?://|www\.)[A-Za-z0-9./_%?=&#-]+"
_SEP = r"[\s—–\-_|·:：]"
_WATERMARK = re.compile(rf"(?:[\u4e00-\u9fff]{{2}}(?:文库|文档|文庫|范文网|文档网|资料网){_SEP}*(?:[\u4e00-\u9fff]{{0,8}}?{_SEP}*)?"
                        rf"|[—–\-_|]+[\u4e00-\u9fff]{{0,8}}?{_SEP}*){_URL}\s*")
_WATERMARK_LINE = re.compile(r"(?:文库|文庫|范文网|範文網).{0,20}(?:下载|下載|提供|上传|上傳|每日更新)|本文(?:档|檔)(?:由|来自|來自)")
# Where a text without line breaks gets them back: before headings and after the title.
_HEADING_INSIDE = re.compile(rf"(?<=[。！？；：:])\s*(?=[{CN_NUM}]+、|第[{CN_NUM}]+部分)|(?<=[^\s\n])(?=[（(][{CN_NUM}]+[）)])")
_TITLE_LEAD = re.compile(r"^(.{6,80}?(?:报告|報告))(?=\s*(?:20\d{2}年|[一二]〇|今年|一年来|一年來|近年来|\d{4}年以来))")
_LONG_LINE = 300
_WRAP_MIN_LINES = 8  # lines of one width that make a pasted text hard-wrapped ...
_WRAP_SHARE = 0.5  # ... when they are this share of its longer lines
_PASTED_FULL = 0.9  # a pasted line continues when it fills the width (its title and headings do not)


def is_debris(line: str) -> bool:
    """True for a line that belongs to the web page, not to the report."""
    s = line.strip()
    if not s:
        return False
    if len(s) <= _SHORT and any(w in s for w in _NAV_WORDS):
        return True
    if len(s) <= 120 and (re.search(r"首页\s*[>›»＞/]|您(?:当前|現在|现在)?(?:的|所在)?位置[:：]", s)):
        return True  # breadcrumb: 您当前的位置:首页>政务公开>…
    if len(s) <= 120 and (_FOOTER_LINE.search(s) or _WATERMARK_LINE.search(s)):
        return True
    return bool(_EMPTY_LABEL.match(s) or _META_LINE.match(s) or _BULLET_SHORT.match(s) or _HEADER_DATE.match(s)
                or _PAGE_NUMBER.fullmatch(s))


def _wrap_width(lines: list[str]) -> int:
    """Text pasted from a PDF keeps the page's line breaks: most of its longer lines have one length (±1),
    returned; 0 for a report with a paragraph per line, which has no such length. Headings are left out."""
    widths = Counter(len(line) for line in lines if len(line) >= 15 and not _HEADING.match(line))
    if not widths:
        return 0
    width = max(widths, key=lambda w: widths[w - 1] + widths[w] + widths[w + 1])
    share = widths[width - 1] + widths[width] + widths[width + 1]
    return width if share >= _WRAP_MIN_LINES and share >= _WRAP_SHARE * sum(widths.values()) else 0


# -- PDF page furniture and line wrapping (load.py's PDF text, and text pasted from a PDF) ------
_SENTENCE_END = "。！？；：!?;:"
_SOFT_PUNCT = "，、,"
_CLOSERS = "”’」』）)》〉】\"'"
_HEADING = re.compile(
    r"[一二三四五六七八九十百]+[、.．]"
    r"|[（(](?:[一二三四五六七八九十百]+|\d{1,2})[）)]"
    r"|\d{1,2}[、.．](?!\d)"
    r"|第[一二三四五六七八九十百零〇\d]+[章节条部分篇]"
    r"|[①-⑳⑴-⒇⒈-⒛●■◆▪•]"
    r"|附件|附表"
)
# Page-number lines; the bare-number form only counts as the first or last line of a page.
_PAGE_NUMBER = re.compile(
    r"[-－—–·]\s*\d{1,4}\s*[-－—–·]"
    r"|第\s*\d{1,4}\s*页(?:\s*[，,/]?\s*共\s*\d{1,4}\s*页)?"
    r"|共\s*\d{1,4}\s*页\s*[，,]?\s*第\s*\d{1,4}\s*页"
    r"|(?i:page)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?"
)
_BROKEN_NUMBER = re.compile(r"\d[.．]$")
_NUMBER_GOES_ON = re.compile(r"\d")
_EDGE_PAGE_NUMBER = re.compile(r"\d{1,4}(?:\s*/\s*\d{1,4})?")


def strip_page_numbers(lines: list[str]) -> list[str]:
    """A page's lines without its page number (a bare number only as the page's first or last line)."""
    filled = [i for i, line in enumerate(lines) if line]
    edges = {filled[0], filled[-1]} if filled else set()
    return [line for i, line in enumerate(lines)
            if not (_PAGE_NUMBER.fullmatch(line) or (i in edges and _EDGE_PAGE_NUMBER.fullmatch(line)))]


def join_wrapped(lines: list[str], full_share: float = 0.7, wrap_length: int = 0) -> list[str]:
    """PDF wraps paragraphs at the line width; rejoin a line with the next unless the paragraph visibly ends.

    A line without trailing punctuation continues when it is at least `full_share` of the full width; text
    pasted from a PDF asks nearly full lines (its title and headings are long lines of their own), or lines
    of the length it was wrapped at (`wrap_length`, ±1: text wrapped by characters, not by their width)."""
    widths = sorted(_width(line) for line in lines if line)
    full = widths[int(0.9 * (len(widths) - 1))] if widths else 0
    out: list[str] = []
    prev = ""  # previous physical line; "" after a blank line, which always ends a paragraph
    for line in lines:
        if prev and line and _is_wrapped(prev, line, full_share * full, wrap_length):
            # English words keep their space; a number cut by the break (202 / 3年, 1 / 63件) is one number
            glue = " " if prev[-1].isascii() and prev[-1].isalpha() and line[0].isascii() and line[0].isalpha() else ""
            out[-1] += glue + line
        elif line:
            out.append(line)
        prev = line
    return out


def _is_wrapped(prev: str, nxt: str, full_width: float, wrap_length: int = 0) -> bool:
    end = prev.rstrip(_CLOSERS)[-1:]
    if _HEADING.match(nxt):
        return False
    if (_BROKEN_NUMBER.search(prev) or prev[-1:].isdigit()) and _NUMBER_GOES_ON.match(nxt):
        return True  # 出庭应诉率96. / 5% or 入企检查11 / 50余次: a figure cut by the line break, however short the line
    if end in _SENTENCE_END:
        return False
    # A short line without trailing punctuation is a title or heading, not a wrapped line.
    return end in _SOFT_PUNCT or _width(prev) >= full_width or (wrap_length > 0 and len(prev) >= wrap_length - 1)


def is_wide(ch: str) -> bool:
    """A character that takes two columns (CJK, full-width): page widths are counted in columns."""
    return unicodedata.east_asian_width(ch) in "WF"


def _width(line: str) -> int:
    return sum(2 if is_wide(ch) else 1 for ch in line)


def _split_run_on(line: str) -> list[str]:
    """A long line holding several headings is a page copied without line breaks: split it back."""
    if len(line) < _LONG_LINE or len(_HEADING_INSIDE.findall(line)) < 2:
        return [line]
    line = _TITLE_LEAD.sub(r"\1\n", line, count=1)
    return _HEADING_INSIDE.sub("\n", line).split("\n")


def clean_line(line: str) -> str:
    """A line without injected pinyin, mojibake and copy-site watermarks."""
    line = _PINYIN_GLOSS.sub("", line)
    line = _MOJIBAKE.sub("", line)
    return _WATERMARK.sub("", line)


def _join_title(lines: list[str]) -> list[str]:
    """A title broken over two lines at the top (…关于2023年度法治政 / 府建设情况的报告) is one line again."""
    for i in range(min(3, len(lines) - 1)):
        first, second = lines[i], lines[i + 1]
        joined = first + second
        if (len(first) >= 6 and not TITLE_HINT.search(first) and TITLE_HINT.search(second[-4:])
                and TITLE_TOPIC.search(joined) and len(joined) <= 60 and not re.search(r"[。，,；;：:]", joined)):
            return lines[:i] + [joined] + lines[i + 2:]
    return lines


def clean_text(raw: str) -> str:
    """Report text without debris; paragraphs kept one per line, inner whitespace trimmed."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\u3000", " ").replace("\xa0", " ")
    lines = [part for line in text.split("\n") for part in _split_run_on(clean_line(line))]
    kept: list[str] = []
    for i, line in enumerate(lines):
        s = line.strip()
        if i > len(lines) // 2 and s.startswith(_FOOTER_STARTS):
            break
        if not s or is_debris(s):
            continue
        kept.append(s)
    kept = _join_title(kept)
    wrap_length = _wrap_width(kept)
    if wrap_length:
        kept = join_wrapped(kept, _PASTED_FULL, wrap_length)
    return _BLANKS.sub("\n", "\n".join(kept)).strip() + "\n"
