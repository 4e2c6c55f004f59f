"""The genre's patterns, in one place: how these reports are built and how staff ask about them.

Chunking, metadata, routing and answering all read the same rules from here, so a pattern is never
written twice and never drifts. Everything here holds for the genre (法治政府建设情况报告 of any
province, city, county, district or zone); no rule names a particular report's region or terms.
"""
from __future__ import annotations

import re

# -- how reports are built -------------------------------------------------------------------
CN_NUM = "一二三四五六七八九十"
# Heading markers by level: 一、 / 第一部分 (1), （一） (2), 1. / (1) (3).
HEADING_LEVELS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (1, re.compile(rf"^[{CN_NUM}]+[、.．]")),
    (1, re.compile(rf"^第[{CN_NUM}]+[部章节][分]?")),
    (2, re.compile(rf"^[（(][{CN_NUM}]+[）)]")),
    (3, re.compile(r"^\d{1,2}[.、．]|^[（(]\d{1,2}[）)]")),
)
LEVEL1_HEADING = HEADING_LEVELS[0][1]
ITEM_IS = re.compile(rf"^[{CN_NUM}]+是")  # 一是 / 二是: items inside a paragraph
# Any item marker that opens a list entry of a closing section: （一） / 一是 / 1.
LIST_ITEM = re.compile(rf"^(?:[（(][{CN_NUM}]+[）)]|[{CN_NUM}]+是|\d{{1,2}}[.、．])")
# Closing sections every report has: problems found, and next year's plans.
PROBLEM_HEADING = re.compile(r"问题|不足|短板|差距")
PLAN_HEADING = re.compile(r"计划|安排|打算|下一步|下步|思路|要点|展望")
PLAN_START = re.compile(r"^(?:下一步|下步|今后|20\d{2}年.{0,10}?将)")

# -- administrative divisions ----------------------------------------------------------------
# Suffixes of division names, longest first where one ends another (自治县 before 县).
ADMIN_SUFFIXES = ("自治州", "自治县", "自治旗", "特别行政区", "省", "市", "县", "区", "州", "旗", "盟")
# Suffixes of functional zones: named by a place and one of these (X经济技术开发区, X高新区, X新区).
ZONE_SUFFIXES = ("经济技术开发区", "高新技术产业开发区", "高新技术产业园区", "新技术开发区", "经济开发区", "高新区", "经开区",
                 "开发区", "新区", "新城", "园区", "试验区")
# Suffix -> level of the unit a report is about (checked in this order).
LEVEL_BY_SUFFIX = (("高新区", "开发区"), ("开发区", "开发区"), ("新区", "开发区"), ("新城", "开发区"), ("自治州", "地级市"),
                   ("自治区", "省"), ("省", "省"), ("市", "市"), ("县", "县"), ("旗", "县"), ("区", "区"), ("州", "地级市"))
# Words ending in an admin suffix that name no particular place.
GENERIC_PLACE_SUFFIXES = ("示范区", "保护区", "试验区", "功能区", "自贸区", "风景区", "开发区", "实验区", "先行区", "核心区",
                          "服务区", "工业区", "商业区", "住宅区", "居住区", "街区", "校区", "厂区", "矿区", "牧区", "灾区")
GENERIC_PLACES = frozenset(
    "全市 我市 本市 该市 全县 我县 本县 该县 全区 我区 本区 该区 全州 市县 县区 区县 各区 各县 城区 社区 辖区 园区 景区 山区 "
    "市区 县城 全省 我省 本省 各市 省市 市级 县级 区级 地区 全旗 我旗".split()
)
SELF_REFERENCES = ("我市", "我区", "我县", "我州", "我旗", "我省", "全市", "全区", "全县", "本市", "本区", "本县")

# -- years -----------------------------------------------------------------------------------
YEAR = re.compile(r"(20\d{2})\s*年?度?")
# A year right after these is a comparison or a plan, not the year a report covers.
SOFT_YEAR_BEFORE = re.compile(r"(较|比|相比|同比|与|和|对比|截至|截止|到|至|计划|将在|下一步)\s*$")

# -- how staff ask ---------------------------------------------------------------------------
FIGURE_Q = re.compile(r"多少|几[个项次件家名人条起批所支场期天年位户]|比例|比率|占比|数量|金额|率是|率为|率达|百分|排名|第几|规模|"
                      r"几成|多大|多高|多少钱")
LIST_Q = re.compile(r"哪些|有什么|有何|包括|措施|做法|举措|问题|不足|计划|打算|安排|几个方面|哪几|内容|经验|成效|短板|弱项|怎么做|"
                    r"如何做|咋做|干了啥|做了啥|做了什么|干了什么")
LIST_ASK = re.compile(r"哪些|有什么|有哪|哪几|几个方面|几方面|包括|主要内容|什么安排|如何安排|怎么安排|打算|啥")
PROBLEM_Q = re.compile(r"问题|不足|短板|弱项|差距|困难|薄弱")
PLAN_Q = re.compile(r"计划|安排|打算|下一步|下步|思路|明年|来年|下一年|今后|工作要点|部署")
PLAN_WORDS = re.compile(r"计划|下一步|下步|准备|打算|安排|将要|明年|来年|目标|思路|部署")
# Questions over several reports.
CROSS_Q = re.compile(r"哪些地方|哪些地区|哪些报告|哪些市|哪些县|哪些区|哪几个地方|哪几个地区|哪几份|哪个地方|哪个地区|哪份报告|"
                     r"哪个报告|哪个市|哪个县|哪个区|哪[两几三四五]个(?:地方|地区|市|县|区|报告)|哪家|各地|各个地方|各报告|"
                     r"各份报告|分别|各自|几个地方|几份报告|对比|比较|共同|都提到|都有|都写|所有报告|每个地方|每份报告|"
                     r"哪里|谁家|排名|排序|排一下|从高到低|从低到高|从多到少|从少到多|由高到低|由低到高|最高|最低|最多|最少")
WHICH_NOT_Q = re.compile(r"(?:哪|谁|哪些|哪个|哪份|哪几).{0,12}(?:没|未|不曾|没有)(?:有)?(?:写|提|讲|说|涉及|报告|披露|给出|公布)")
RANK_Q = re.compile(r"排名|排序|排一下|排个序|从高到低|从低到高|从多到少|从少到多|由高到低|由低到高|最高|最低|最多|最少|"
                    r"谁高|谁低|谁多|谁少|哪个(?:更|最)?(?:高|低|多|少)")
ASCENDING_Q = re.compile(r"从低到高|从少到多|由低到高|最低|最少|谁低|谁少|(?:更|最)(?:低|少)")
YES_NO_Q = re.compile(r"有没有|是不是|是否|有无|能不能|会不会|对不对|算不算|达没达到|达到了吗|(?:了|过|有|是|吗)吗?[?？]?$|"
                      r"吗[?？。!！]*$|没有[?？]$|了没[?？]?$|没[?？]$")
COMPARE_Q = re.compile(r"对比|比较|相比|哪个(?:更|最)|谁(?:更|最)?(?:高|低|多|少)|差多少|相差|差距")
# After a place name: the question is about the units under it (广州各区, 北京市下辖各区).
UNITS_BELOW = ("各区县", "各县区", "各区", "各县", "各市", "下辖", "所辖", "辖区内", "区县", "县区", "哪些区", "哪些县", "哪些市",
               "哪几个区", "哪几个县", "的各个")
# Words that point back to an earlier turn.
REFERS_BACK = re.compile(r"它|其|该|这个|这些|这项|这两|这三|这一|此项|上述|前面|刚才|那个|那些|同期|上一年|上年|去年|前一年|"
                         r"同比|相比|比上")
# Question words and punctuation: removed to see what a question is about.
QUESTION_WORDS = re.compile(r"是多少|有多少|多少|是什么|有哪些|哪些|什么|是否|怎么样|怎样|如何|怎么|吗|呢|请问|啥|咋|[?？。!！,，]")
ELLIPTIC_TAIL = re.compile(r"(?:呢|怎么样|如何|又如何|情况呢|的情况呢|怎样)[?？。!！]*$")
ELLIPTIC_HEAD = re.compile(r"^(?:那|那么|那在|那么在|再看看|再看|换成|如果是|至于|还有|另外)")
# Qualifiers of a figure: what was counted. Two figures answer the same question only when these agree.
QUALIFIER_GROUPS: dict[str, tuple[str, ...]] = {
    "cumulative": ("累计", "总计", "共计", "合计", "历年", "截至", "截止"),
    "new": ("新增", "新建", "新设", "新聘", "新招", "新开", "新成立", "新培育", "新创建", "当年", "本年度新"),
    "received": ("收到", "受理", "接收", "立案", "登记", "接到", "收案"),
    "concluded": ("审结", "办结", "结案", "处理完", "化解", "办理完毕", "作出决定", "决定"),
}
