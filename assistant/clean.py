"""Remove web-page debris (navigation, page furniture, footers) that reports copied from portals carry.

Works line by line on the loaded text: debris lines are short and formulaic, report lines are
sentences. Footers end the page, so everything after a footer marker near the end is dropped.
"""
from __future__ import annotations

import re

# A short line containing one of these is navigation or page furniture.
_NAV_WORDS = (
    "无障碍浏览", "無障礙瀏覽", "长者专版", "長者專版", "当前位置", "當前位置", "【打印】", "【关闭】",
    "【字体", "字号:", "字号：", "分享到", "扫一扫", "网站地图", "首页 >", "首页>",
    "打印本页", "关闭窗口", "收藏本页", "阅读次数", "浏览次数", "索引号", "发布机构", "信息来源",
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
    r"|(?:时间|发布时间|来源|作者|点击)[:：].*"
    r"|继续访问|放弃|取消|确定|返回顶部|打印|关闭"
    r")\s*$"
)
_BULLET_SHORT = re.compile(r"^\s*[•·●]\s*\S.{0,30}$")
_BLANKS = re.compile(r"\n{2,}")


def is_debris(line: str) -> bool:
    """True for a line that belongs to the web page, not to the report."""
    s = line.strip()
    if not s:
        return False
    if len(s) <= _SHORT and any(w in s for w in _NAV_WORDS):
        return True
    return bool(_EMPTY_LABEL.match(s) or _META_LINE.match(s) or _BULLET_SHORT.match(s))


def clean_text(raw: str) -> str:
    """Report text without debris; paragraphs kept one per line, inner whitespace trimmed."""
    lines = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\u3000", " ").split("\n")
    kept: list[str] = []
    for i, line in enumerate(lines):
        s = line.strip()
        if i > len(lines) // 2 and s.startswith(_FOOTER_STARTS):
            break
        if not s or is_debris(s):
            continue
        kept.append(s)
    return _BLANKS.sub("\n", "\n".join(kept)).strip() + "\n"
