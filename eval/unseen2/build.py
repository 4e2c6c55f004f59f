"""Build eval/unseen2/reports from the plain drafts in src/ (run once; the reports are committed).

Each report gets the form a staff member would meet: a copied web page, a Word file,
a GB18030 text file, a messy copy-paste from a PDF, or plain UTF-8 text.
"""
import html
import os
import re
import shutil

import docx

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "src")
OUT = os.path.join(HERE, "reports")


def read(name):
    return open(os.path.join(SRC, name), encoding="utf-8").read()


def web_page(body):
    lines = [l.strip() for l in body.splitlines() if l.strip()]
    title, paras = lines[0], lines[1:]
    ps = "\n".join(f'<p style="text-indent:2em;">{html.escape(p)}</p>' for p in paras)
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(title)}_宜昌市人民政府门户网站</title>
<style>.nav li{{float:left;}} body{{font-family:"微软雅黑";}}</style>
<script>var _hmt = _hmt || []; document.write("欢迎访问宜昌市人民政府门户网站");</script>
</head><body>
<div class="top">无障碍浏览 | 长者模式 | 简体 | 繁體 | 登录 | 注册</div>
<div class="logo">宜昌市人民政府 www.yichang.gov.cn</div>
<ul class="nav"><li>首页</li><li>要闻动态</li><li>政务公开</li><li>政务服务</li><li>互动交流</li><li>走进宜昌</li></ul>
<div class="search">请输入关键词 搜索 热搜：公积金 社保 招聘</div>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="#">政务公开</a> &gt; <a href="#">法定主动公开内容</a> &gt; 法治政府建设年度报告</div>
<table class="meta"><tr><td>索 引 号：</td><td>011109012/2024-04136</td><td>主题分类：</td><td>司法、公安</td></tr>
<tr><td>发文机关：</td><td>宜昌市人民政府</td><td>发布日期：</td><td>2024-03-28</td></tr></table>
<h1>{html.escape(title)}</h1>
<div class="info">发布时间：2024-03-28 10:15 来源：宜昌市司法局 浏览次数：2317 【字号：大 中 小】</div>
<div class="content">
{ps}
</div>
<div class="tools">【打印本页】 【关闭窗口】 【收藏】 分享到：微信 微博 QQ空间</div>
<div class="related">相关链接：<a href="#">宜昌市2022年法治政府建设情况报告</a> <a href="#">市司法局2023年政府信息公开工作年度报告</a></div>
<div class="footer">主办：宜昌市人民政府办公室 承办：宜昌市政务服务和大数据管理局 网站标识码：4205000001 鄂ICP备05003387号 鄂公网安备 42050202000123号
建议使用1920×1080分辨率 联系我们 | 网站地图 | 隐私声明</div>
</body></html>
"""


def word_file(body, path):
    lines = [l.strip() for l in body.splitlines() if l.strip()]
    d = docx.Document()
    d.add_heading(lines[0], level=1)
    for l in lines[1:]:
        if re.match(r"^[一二三四五六七八九十]+、", l):
            d.add_heading(l, level=2)
        else:
            d.add_paragraph(l)
    d.save(path)


def pdf_paste(text, width=37, page_lines=24):
    """Hard-wrap mid-sentence and drop page numbers between pages, as a PDF copy does."""
    out, n, page = [], 0, 1
    for para in text.splitlines():
        para = para.strip()
        if not para:
            continue
        for i in range(0, len(para), width):
            out.append(para[i:i + width])
            n += 1
            if n % page_lines == 0:
                page += 1
                out.append("")
                out.append(f"— {page} —")
                out.append("")
    return "\n".join(out) + "\n"


def main():
    os.makedirs(OUT, exist_ok=True)
    for name in ("v01_shanxi_2023.txt", "v04_jinjiang_2022.txt",
                 "v07_yanta_2024.txt", "v08_xihaian_2023.txt"):
        shutil.copy(os.path.join(SRC, name), os.path.join(OUT, name))
    with open(os.path.join(OUT, "v02_yichang_2023.html"), "w", encoding="utf-8") as f:
        f.write(web_page(read("v02_yichang_2023.body.txt")))
    word_file(read("v03_chuxiong_2022.body.txt"), os.path.join(OUT, "v03_chuxiong_2022.docx"))
    with open(os.path.join(OUT, "v05_jinjiang_2023.txt"), "w", encoding="gb18030") as f:
        f.write(read("v05_jinjiang_2023.utf8.txt"))
    with open(os.path.join(OUT, "v06_anji_2023.txt"), "w", encoding="utf-8") as f:
        f.write(pdf_paste(read("v06_anji_2023.clean.txt")))


if __name__ == "__main__":
    main()
