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
    (3, re.compile(r"^\d{1,2}[.、．](?!\d)|^[（(]\d{1,2}[）)]")),  # not 42.7亿元 at a line start
)
LEVEL1_HEADING = HEADING_LEVELS[0][1]
ITEM_IS = re.compile(rf"^[{CN_NUM}]+是")  # 一是 / 二是: items inside a paragraph
# Any item marker that opens a list entry of a closing section: （一） / 一是 / 1.
LIST_ITEM = re.compile(rf"^(?:[（(][{CN_NUM}]+[）)]|[{CN_NUM}]+是|\d{{1,2}}[.、．])")
# Closing sections every report has: problems found, and next year's plans.
# A report's title: about the rule of law, and called a report (or 情况 / 总结).
TITLE_TOPIC = re.compile(r"法治|依法行政|法治政府")
TITLE_HINT = re.compile(r"报告|報告|情况|情況|总结|總結")
PROBLEM_HEADING = re.compile(r"问题|不足|短板|差距")
PLAN_HEADING = re.compile(r"计划|安排|打算|下一步|下步|思路|要点|展望")
# A top heading of next year's plans, whose figures are targets: not 统筹安排部署 / 落实年度工作要点 (a year
# after the report's own is checked apart).
PLANS_SECTION = re.compile(r"下一步|下步|今后|明年|来年|打算|展望|工作(?:计划|安排|思路)$")
PLAN_START = re.compile(r"^(?:下一步|下步|今后|20\d{2}年.{0,10}?将)")

# -- administrative divisions ----------------------------------------------------------------
# Suffixes of division names, longest first where one ends another (自治县 before 县).
ADMIN_SUFFIXES = ("自治州", "自治县", "自治旗", "特别行政区", "省", "市", "县", "区", "州", "旗", "盟")
# Suffixes of functional zones: named by a place and one of these (X经济技术开发区, X高新区, X新区).
ZONE_SUFFIXES = ("经济技术开发区", "高新技术产业开发区", "高新技术产业园区", "新技术开发区", "经济开发区", "高新区", "经开区",
                 "开发区", "新区", "新城", "园区", "试验区")
# Words of a zone's kind before its suffix (甲工业园区, 甲综合保税区): no name of the zone on their own.
ZONE_KIND_WORDS = ("工业", "经济", "科技", "产业", "综合", "保税", "物流", "临空", "港", "示范", "国家")
# A zone's report issued by its management committee: the title names the zone before it (甲乙经济综合实验区管理委员会
# 2023年度…报告), and the opening often gives the short name it goes by (（以下简称“乙区”）).
ISSUED_BY_COMMITTEE = re.compile(r"^([\u4e00-\u9fff]{4,20}?)(?:管理委员会|管委会)")
SHORT_NAME_GIVEN = re.compile(r"[（(]以下简称[“\"「]?([\u4e00-\u9fff]{2,8}?)[”\"」]?[）)]")
# Short zone names users and reports write for the long official ones.
ZONE_SHORT = (("高新技术产业开发区", "高新区"), ("高新技术产业园区", "高新区"), ("经济技术开发区", "经开区"))
# Zones staff name without their place (高新区呢): the collection's only zone of that kind (开发区 also
# covers 经开区 and 高新技术产业开发区; 新区 does not cover 高新区).
BARE_ZONES = ("高新区", "经开区", "开发区")
# Suffix -> level of the unit a report is about (checked in this order).
LEVEL_BY_SUFFIX = (("高新区", "开发区"), ("开发区", "开发区"), ("新区", "开发区"), ("新城", "开发区"), ("实验区", "开发区"),
                   ("试验区", "开发区"), ("园区", "开发区"), ("自治州", "地级市"),
                   ("自治区", "省"), ("省", "省"), ("市", "市"), ("县", "县"), ("旗", "县"), ("区", "区"), ("州", "地级市"))
# Words ending in an admin suffix that name no particular place.
GENERIC_PLACE_SUFFIXES = ("示范区", "保护区", "试验区", "功能区", "自贸区", "风景区", "开发区", "实验区", "先行区", "核心区",
                          "服务区", "工业区", "商业区", "住宅区", "居住区", "街区", "校区", "厂区", "矿区", "牧区", "灾区")
GENERIC_PLACES = frozenset(
    "全市 我市 本市 该市 全县 我县 本县 该县 全区 我区 本区 该区 全州 市县 县区 区县 各区 各县 城区 社区 辖区 园区 景区 山区 "
    "市区 县城 全省 我省 本省 各市 省市 市级 县级 区级 地区 全旗 我旗".split()
)
# What makes a division suffix the start of another word: 市长, 县委, 市民, 市场 (甲市长 is 甲 + 市长).
SUFFIX_WORDS = r"(?:长(?![效期远])|委(?!托)|民(?![法营事生族])|场)"
SELF_REFERENCES = ("我市", "我区", "我县", "我州", "我旗", "我省", "全市", "全区", "全县", "本市", "本区", "本县")

# -- years -----------------------------------------------------------------------------------
YEAR = re.compile(r"(20\d{2})\s*年?度?")
# "甲县22年", "23年败诉率", "22和23年": a year typed with two digits (not 近10年, 连续12年, 15年来).
SHORT_YEAR = re.compile(r"(?<![\d.近连续第多余满每历经过用这前后共约达超了])([12]\d)(?=年(?!来|以来|间|内|多|余|左右|之久|前|后)"
                        r"|\s*(?:和|与|及|、|至|到)\s*[12]\d年)")
# A year right after these is a comparison or a plan, not the year a report covers.
# ... unless another year comes right before it: 2022年和2023年 asks both.
YEAR_LIST_BEFORE = re.compile(r"20\d{2}\s*年?度?\s*(?:和|与|及|、|至|到)$")
SOFT_YEAR_BEFORE = re.compile(r"(较|比|相比|同比|与|和|对比|截至|截止|到|至|计划|将在|下一步)\s*$")

# -- how staff ask ---------------------------------------------------------------------------
FIGURE_Q = re.compile(r"多少|(?<!哪)几(?![个份]?(?:报告|地方|地区|城市|市|县|区))[个项次件家名人条起批所支场期天年位户张套台辆份回部]|"
                      r"比例|比率|占比|数量|金额|率是|率为|率达|百分|排名|第几|规模|"
                      r"几成|多大|多高|多少钱|啥数据|什么数据|哪些数据|数据|数字|率[?？]?$")  # 调解成功率？
LIST_Q = re.compile(r"哪些|有什么|有何|包括|措施|做法|举措|问题|不足|计划|打算|安排|几个方面|哪几|内容|经验|成效|短板|弱项|怎么做|"
                    r"如何做|咋做|干了啥|做了啥|做了什么|干了什么")
LIST_ASK = re.compile(r"哪些|有什么|有哪|哪几|几个方面|几方面|包括|主要内容|什么安排|如何安排|怎么安排|打算|啥")
PROBLEM_Q = re.compile(r"问题|不足|短板|弱项|差距|困难|薄弱")
PLAN_Q = re.compile(r"计划|安排|打算|下一步|下步|思路|明年|来年|下一年|今后|工作要点|部署")
# A figure that is a target or plan, not an achievement: 力争…达到100% / 目标…5个 / 计划…, in the figure's clause.
# (拟出台的文件 / 拟签订的合同 name drafts reviewed, no plan; 尚未实现100% is no level reached either)
TARGET_WORDS = r"力争|争取|目标(?:是|为)|计划(?!生育|单列)|预计|拟(?![定订])(?![\u4e00-\u9fff]{1,3}的)|尚未(?:实现|达到)"
TARGET_BEFORE = re.compile(rf"(?:{TARGET_WORDS})[^，,。；;]*$")  # in the clause before a figure
TARGET_STATED = re.compile(rf"{TARGET_WORDS}|确保")  # anywhere in a sentence of the plans section
PLANS_AIM = re.compile(rf"{TARGET_STATED.pattern}|推动|推进|加快|着力")  # … there also 推动…达到100%
TARGET_QUALIFIER = "目标"  # how a stored figure that is a target is marked (compared only when targets are asked)
# not 将: 将X纳入… is no plan; nor 纳入目标绩效考核 / 拟定
PLAN_WORDS = re.compile(r"计划|下一步|下步|准备|打算|安排|将要|明年|来年|目标|思路|部署")
# Questions over several reports.
# Words that frame a question over several reports or a ranking, never its topic.
FRAME_WORDS = frozenset("地方 地区 报告 哪份 几份 各地 各个 分别 各自 排 排名 排序 排列 从高到低 从低到高 从多到少 从少到多 "
                        "由高到低 由低到高 最高 最低 最多 最少 最大 最小 哪个 哪家 谁 高 低 一下 其他 其它 别的 都 几个 "
                        "数 数量 人数 次数 件数 个数 总数 数目 原因 主要原因 为什么 为何 为啥 比例 "
                        # comparators of a figure the asker names (超过90% / 没有达到100%): the figure is checked in code
                        "达到 超过 高于 低于 不到 不足 多于 少于 以上 以下 没有 未 "
                        # ... and of a yes/no question (是不是比乙县高): the verdict is read in code
                        "是不是 是否 有没有 比 还是 多 少 写 写了 写到 写明 提到 提及 提 涉及 明确 报 报了 公布 披露 给出 "
                        "讲 讲了 讲到 说 说了 说到 谈 谈到 谈了 "
                        # ... and of a change asked about (比上年增加了吗): the direction is read in code
                        "上年 去年 上一年 前一年 增加 增长 下降 减少 提高 降低 上升 涨 降 涨了 降了 增幅 降幅 涨幅 增速".split())
# Words a question uses to frame what it asks (comparisons, abstract nouns): they count, but little.
LIGHT_WORDS = frozenset("""同比 相比 较 成果 取得 进展 效果 成效
    做法 措施 举措 情况 方面 工作 数量 结果 内容 处理 经过 实现 开展 推进 加强 提升 有关 相关 全年 一年 多少 具体
    数字 数据 怎么 开展 落实 变化 变 了 吗 突破 不低于 不少于 达没达到 占
    申请 案件 案子""".split())  # the genre's generic counted nouns: 行政复议申请 is answered by 行政复议案件
# Colloquial filler of questions: never a topic term (这块 / 啥 / 搞 ...).
FILLER_WORDS = frozenset("这块 那块 这一块 啥 咋 数据 搞 搞的 弄 干 整 按 一起 现在 目前 已经 以前 之前 当时 建了 做了 办了 有啥 "
                         "这个 那个 这些 那些 这两项 两项 这几项 哪个 哪些 啊 呀 吧 哈 嘛 呗 哦 么 没 知道 想 问问 了解 说说 讲讲 "
                         "看看 一下 具体 到底 究竟 总体 整体上 大概 大约 左右 上面 里面 里头 当中 那边 这边 时候 的时候 当 "
                         "一共 总共 来着 麻烦 帮忙 帮我 查查 查一下 请问一下 那种 那次 这次 之后 以后 最后 真正 基本 "
                         "自己 下面 这一年 那一年 原来 原来的 本来 那一级 这一级 一级 帮 帮着 靠 派 打 拿 找 给".split())
# Filler a follow-up wraps its topic in: 那执法方面呢 -> 执法.
FOLLOWUP_FILLER = re.compile(r"方面|情况|工作|这块|这一块|那块|领域|的|了|呢|呀|啊|吧|又|再|也|还|咋样|怎么样|如何|咋|一下|看看|"
                             r"说说|讲讲")
# A level a cross question keeps to: "地级市的报告里…", "各开发区…" (values of ReportMeta.level).
LEVEL_Q = re.compile(r"(地级市|设区的市|市级|县级|区县|县区|省级|开发区|园区)(?:的|里|中|当中|之中|报告)|各(县|区|市|省|开发区|园区)")
LEVEL_WORDS = {"地级市": "市", "设区的市": "市", "市级": "市", "市": "市", "县级": "县", "区县": "县", "县区": "县", "县": "县",
               "区": "区", "省级": "省", "省": "省", "开发区": "开发区", "园区": "开发区"}
# A question over one region's reports of several years (甲县两年比…, 历年…), or a follow-up reaching the year before.
YEARS_SPAN_Q = re.compile(r"两年|几年|历年|逐年|各年|每年|这几年|这两年|近两年|两份报告|各年度")
# A question about the change since the year before (比上年增加了吗 / 同比下降了吗).
# A report stating a change against last year (较上年减少 / 同比增长).
LAST_YEAR_STATED = re.compile(r"(?:较|比)(?:上年|去年|上一年|前一年|同期)|同比|环比")
SINCE_LAST_YEAR_Q = re.compile(r"(?:比|较|跟|和|与|同)(?:上年|去年|上一年|前一年|往年|(?:20)?\d{2}年)|同比|环比")
PREVIOUS_YEAR_Q = re.compile(r"(?:跟|和|与|同)(?:前一年|上一年|去年|上年|前年)(?:比|相比|对比)")
# Words that only split a question over the regions it names (分别/各自): no cross question on their own.
SPLIT_Q = re.compile(r"分别|各自|对比|比较")
CROSS_Q = re.compile(r"其他地方|其它地方|别的地方|其他地区|别的报告|其他报告|哪些地方|哪些地区|哪些报告|哪些市|哪些县|哪些区|哪几个地方|哪几个地区|哪几份|哪个地方|哪个地区|哪份报告|"
                     r"哪个报告|哪个市|哪个县|哪个区|哪[两几三四五]个(?:地方|地区|市|县|区|报告)|哪家|各地|各个地方|各报告|"
                     r"各份报告|分别|各自|几个地方|几份报告|对比|比较|共同|都提到|都有|都写|所有报告|每个地方|每份报告|"
                     r"哪里|谁家|排名|排序|排一下|从高到低|从低到高|从多到少|从少到多|由高到低|由低到高|最高|最低|最多|最少")
WHICH_NOT_Q = re.compile(r"(?:哪|谁|哪些|哪个|哪份|哪几).{0,12}(?:没|未|不曾|没有)(?:有)?(?:写|提|讲|说|涉及|报告|披露|给出|公布)")
# A cross question that filters reports by a figure (哪些地方…超过90% / 没有达到100% / 100件以上), and the
# negated comparator (没有达到 -> the reports under it).
THRESHOLD_Q = re.compile(r"(?:超过|高于|多于|低于|少于|不到|不足|达到)[^，。？?]{0,20}?\d+(?:\.\d+)?\s*[%件个项名人万宗家]"
                         r"|\d+(?:\.\d+)?\s*[%件个项名人万宗家][^，。？?]*?(?:以上|以下)")
NOT_REACHED = re.compile(r"(没有|没|未|不曾)(达到|超过|低于|高于)")
RANK_Q = re.compile(r"排名|排序|排一下|排个序|从高到低|从低到高|从多到少|从少到多|由高到低|由低到高|最高|最低|最多|最少|最大|最小|"
                    r"谁高|谁低|谁多|谁少|谁大|谁小|哪个(?:更|最)?(?:高|低|多|少|大|小)")
# A ranking asked as a whole list (排名 / 从高到低 / 前三), not only its top (哪个最高 answers with the first).
ORDER_LIST_Q = re.compile(r"排名|排序|排一下|排个序|排列|从高到低|从低到高|从多到少|从少到多|由高到低|由低到高|依次|"
                          r"前[2-9二三四五六七八九十几]|哪几|哪些|最[高低多少大小]的[2-9两二三四五六七八九十几]")
SUPERLATIVE_Q = re.compile(r"最[高低多少大小]")
ASCENDING_Q = re.compile(r"从低到高|从少到多|由低到高|最低|最少|最小|谁低|谁少|谁小|(?:更|最)(?:低|少|小)")
# Asking whether (有没有 / 是不是), and the comparators of a yes/no question's figure (超过90%了吗 / 到100%了没).
ASKING_Q = re.compile(r"有没有|是不是|是否|有无|能不能|会不会|对不对|算不算|达没达到")
HAS_Q = re.compile(r"有没有|是否有|有无|(?<![没还])有[^，。？?]{1,12}吗")  # 有纠正的吗: whether the thing exists at all
MORE_Q = re.compile(r"超过|高于|多于|以上|达到|不低于|不少于|突破|(?<![经通超])过(?=\d)|(?<![不收做提得遇降减少低达])到(?=\d)")
LESS_Q = re.compile(r"低于|不到|少于|以下|以内|不足|未达")
# The threshold a yes/no question compares with (在10%以内吗 / 超过500件了没), and what follows it to its end.
THRESHOLD_ASKED = re.compile(r"(?:超过|高于|多于|低于|少于|不到|不足|达到|控制在|在)?\d+(?:\.\d+)?[%件个项名人万宗家部]?"
                             r"(?:以上|以下|以内)?[了没吗呢么？?]*$")
MORE_WORDS = ("多", "高", "大", "超过", "高于", "多于", "强", "快")  # 甲比乙多 / 甲超过乙: the first is ahead
EVERY_Q = re.compile(r"都|全部|全都|均已|是否全")  # 都审结了吗: every case received concluded?
FULL_COVERAGE = re.compile(r"全覆盖|全部覆盖")  # 全覆盖了吗: a rate of 100%
CLOSING_LE = re.compile(r"了[?？]?$")  # 扩到多少项了: a closing 了 makes no yes/no of a figure question
YES_NO_Q = re.compile(ASKING_Q.pattern + r"|达到了吗|(?:了|过|有|是|吗)吗?[?？]?$|"
                      r"吗[?？。!！]*$|没有[?？]?$|了没[?？]?$|(?<![淹埋出吞沉覆隐])没[?？]?$|了吧[?？]?$|对吧[?？]?$|是吧[?？]?$|"
                      r"([\u4e00-\u9fff])没\1")  # 搞没搞 / 写没写: A没A
# About the collection itself: which reports there are, of which years (answered from the catalog).
CATALOG_Q = re.compile(r"(?:哪几份|哪些|几份|这几份|这些|所有|有哪些|多少份|哪份|哪个)报告(?:里|中|当中)?(?:哪几份|哪些)?(?:是|说的是|写的是|属于|分别是|是关于)"
                       r"(?:哪|\d{4}|20\d\d)|报告(?:分别)?是哪(?:一)?年|资料库(?:里|中)?(?:有|收了|收录了)(?:哪些|什么|多少|几份)|"
                       r"(?:有|收了|收录了)(?:哪些|几份|多少份)报告|报告(?:一共|总共|共)?(?:有|是)?(?:哪几份|几份|多少份)(?:[?？。]|$)")
# Asking why or how: never a yes/no question, whatever its ending (为什么下降了？).
WHY_Q = re.compile(r"为什么|为何|为啥|咋会|怎么会|什么原因|原因|怎么做到|如何做到|怎么回事")
# A yes/no question comparing two regions' figures: 甲是不是比乙多 / 甲比乙高吗 / 甲超过乙了吗 (group 1: the way).
# "比" of a comparison (比上年高 / 比乙县多), not of 比例 / 占比 / 比较 / 对比.
COMPARING = r"(?<![占对相无])比(?![例重较率])"
VERSUS_Q = re.compile(COMPARING + r"[^，。？?]{1,12}?(多|少|高|低|大|小|强|差|快|慢)"
                      r"|(超过|高于|低于|多于|少于|不如)[^，。？?\d]{1,12}?(?:了|吗|没|[?？]|$)")
COMPARE_Q = re.compile(r"对比|比较|相比|哪个(?:更|最)|谁(?:更|最)?(?:高|低|多|少)|差多少|相差|差距")
# After a place name: the question is about the units under it (广州各区, 北京市下辖各区).
# The unit a figure question asks about when it is not the report's whole area: the townships (乡镇自己办的案件)
# or the government's own level (政府本级 / 市政府自己那一级). The figure must name it: a 全县 / 全市 one is
# another unit's. Each asked word maps to the word the sentence must contain.
OWN_LEVEL = "本级"
# A figure of the government's own level (市本级… / 在市政府审结案件中): not the whole area's a 全市 question asks.
OWN_LEVEL_STATED = re.compile(r"本级(?![及和与、])|在[省市县区州旗]政府[^，,。；;]{0,10}中")
# A township, subdistrict or community a question names (某溪镇, 某某社区, 某化寨街道; not 几支乡镇 / 统筹城乡 / 送法下乡): its
# figure must name it too.
SUBUNIT_NAMED = re.compile(r"((?![各全本该每个些哪乡镇村区县市到在的和与及])(?![\u4e00-\u9fff][各全本该每个些哪乡镇村区县市到在的与及])"
                           r"(?!平安|示范|法治|和谐|文明|智慧|美丽|基层|城市|农村|特色|重点|新型)"
                           r"[\u4e00-\u9fff]{2}(?:(?![乡镇村区县市城下])[\u4e00-\u9fff])?(?:街道|社区|镇|乡))(?![镇村长化])"
                           r"(?!矫正|戒毒|康复|服务|治理|建设|工作|网格|居民|干部|医院|卫生)")  # 目前社区矫正: no place
SCOPE_ASKED = {"乡镇": "乡镇", "街道": "街道", "本级": OWN_LEVEL, "自己那一级": OWN_LEVEL, "自己这一级": OWN_LEVEL}
SCOPE_ASKED_Q = re.compile("|".join(SCOPE_ASKED))
UNITS_BELOW = ("各区县", "各县区", "各区", "各县", "各市", "下辖", "所辖", "辖区内", "区县", "县区", "哪些区", "哪些县", "哪些市",
               "哪几个区", "哪几个县", "的各个")
# Words that point back to an earlier turn.
REFERS_BACK = re.compile(r"它|其|该|这个|这些|这项|这两|这三|这一|此项|上述|前面|刚才|那个|那些|同期|上一年|上年|去年|前一年|"
                         r"同比|相比|比上")
# Question words and punctuation: removed to see what a question is about.
QUESTION_WORDS = re.compile(r"是多少|有多少|多少|是什么|有哪些|哪些|什么|是否|怎么样|怎样|如何|怎么|吗|呢|请问|啥|咋|[?？。!！,，]")
ELLIPTIC_TAIL = re.compile(r"(?:呢|怎么样|如何|又如何|情况呢|的情况呢|怎样)[?？。!！]*$")
# A sentence opening with a subdistrict below a report's own unit (某某街道… / 其中，某某街道…); group 1: it.
AMONG = re.compile(r"(?:其中[，,]?)?")  # 其中，… : what follows is a part of the whole just stated
_NO_NAME_START = r"(?![在向对到于全各每把将从为推深开建])"  # a verb or preposition starts no unit's name
PART_START = re.compile(rf"^{AMONG.pattern}({_NO_NAME_START}[\u4e00-\u9fff]{{2,4}}街道)")
# A sentence opening with one department of the government (县综合行政执法局全年办理…): its figure is that
# department's, not the whole area's a question asks with 全县 / 全市 (WHOLE_ASKED).
DEPARTMENT_START = re.compile(rf"^{AMONG.pattern}[省市县区州旗]?{_NO_NAME_START}[\u4e00-\u9fff]{{1,10}}?"
                              r"(?:(?<![格布结当大全变新])局(?![长面势限部])|委员会|办公室|服务中心|大队|支队)")
WHOLE_ASKED = re.compile(r"全(?:省|市|县|区|州|旗)")
# What a sentence glues before a rate that names no other owner of it (综合纠错率, 一审败诉率, 案件…率).
RATE_MODIFIERS = re.compile(r"^.*?(?:综合|平均|总体|整体|全年|年度|直接|案件|一审|二审|的|为|是|达|率)"
                            r"|(?:综合|平均|总体|整体|案件|一审|二审)$")
# One-character noun endings the tokenizer may leave alone (审结|率, 人民调解|员): glued back to their word.
NOUN_ENDS = frozenset("率员额费者")
# A list of items given one figure: 报备率、及时率、规范率均为100% (the figure stands after the list).
SHARED_FIGURE = re.compile(r"(?:[、和及与][^，,。；;、\d]{1,10}){1,4}(?=均|都|全部)")
# A follow-up about a part of the previous figure (部门的占几件 / 其中审结的呢).
PART_OF = re.compile(r"^(?:占|其中)|占$")
ELLIPTIC_HEAD = re.compile(r"^(?:那|那么|那在|那么在|再看看|再看|换成|如果是|至于|还有|另外)")
# -- how staff name what reports name otherwise ------------------------------------------------
# Well-known equivalences of the genre: everyday wording -> the official terms reports use. A seed
# only: meaning.py learns the rest from the collection. Keys are words as jieba cuts a question.
EQUIVALENTS: dict[str, tuple[str, ...]] = {
    "被告": ("应诉", "被诉", "行政诉讼"), "当被告": ("应诉", "被诉", "行政诉讼"), "告政府": ("行政诉讼", "应诉"), "民告官": ("行政诉讼", "应诉"),
    "打官司": ("诉讼", "应诉"), "官司": ("诉讼", "案件"), "输官司": ("败诉",), "打输": ("败诉",), "输": ("败诉",),
    "输掉": ("败诉",), "领导": ("负责人", "领导干部"), "一把手": ("主要负责人", "第一责任人", "负责人"), "去法院": ("出庭",),
    "上法庭": ("出庭",), "法院": ("出庭", "审判机关"), "红头文件": ("规范性文件",), "立规矩": ("规范性文件",),
    "网上能办": ("网上可办", "网办", "可网办"), "网上办": ("网上可办", "网办", "可网办"), "线上": ("网上", "网办"),
    "罚款": ("行政处罚", "处罚"), "罚": ("处罚",), "罚单": ("行政处罚", "处罚"),
    "不予罚款": ("不予处罚", "免罚"), "执法证": ("执法证件", "执法证"), "普法": ("法治宣传",),
    "宣传法律": ("法治宣传", "普法"), "请律师": ("法律顾问",), "顾问": ("法律顾问",), "老百姓": ("群众",),
    "上访": ("信访",), "热线": ("12345",), "吵架": ("纠纷",), "矛盾": ("纠纷", "矛盾纠纷"), "办证": ("证照", "许可"),
    "审批": ("行政许可", "审批"), "证明材料": ("证明事项",), "开证明": ("证明事项",), "做生意": ("营商环境", "市场主体"),
    "企业": ("市场主体", "经营主体", "企业"), "复议": ("行政复议",), "决策": ("重大行政决策",), "监督": ("监督",),
    "改错": ("纠错", "纠正"), "说法": ("述法",), "述职": ("述法",), "学法": ("学法", "法治培训"), "考试": ("考试", "考法"),
    "省下来": ("节约", "节省"), "省钱": ("节约", "节省"), "钱": ("资金", "经费"), "工人": ("劳动者", "农民工"),
    "公司": ("企业",), "新开": ("新设", "新登记"), "退减": ("退税", "减税", "减免"),
    "税费": ("减税降费", "降费"),
    "欠薪": ("欠薪", "拖欠"), "讨薪": ("欠薪", "追回"), "不打扰": ("无事不扰",), "连着": ("连续",), "几回": ("次",),
    "整改": ("整改",), "不足": ("问题", "不足"), "短板": ("问题", "不足"), "明年": ("下一步", "计划"), "目标": ("力争", "争取"),
    "工钱": ("工资", "薪"), "讨回": ("追回", "讨薪", "清欠"), "要回": ("追回", "讨薪", "清欠"), "讨回来": ("追回", "讨薪"),
    "要回来": ("追回", "讨薪"), "打工": ("务工", "农民工", "劳动者"), "打工的": ("务工", "农民工", "劳动者"),
    "请不起律师": ("法律援助",), "免费法律帮助": ("法律援助",), "免费打官司": ("法律援助",), "法律帮助": ("法律援助",),
    "退下来": ("退休",), "砍下来": ("审减", "核减"), "砍掉": ("审减", "核减"), "了结": ("案结事了", "化解"),
    "调成": ("调解成功", "成功率"), "调解成": ("调解成功", "成功率"), "政府当被告": ("行政机关", "被诉", "应诉"),
    "出庭率": ("出庭应诉率",), "败诉比例": ("败诉率",), "网上办事": ("网上可办", "网办"), "可办率": ("可网办率", "网办率"),
    "把关": ("审查", "审核"), "法律上把关": ("合法性审查",), "签合同": ("合同", "签订"), "报上来": ("报送", "报备"),
    "告到法院": ("行政诉讼", "被诉"), "被起诉": ("被诉", "行政诉讼"), "打赢": ("胜诉",), "赢": ("胜诉",),
    "城管": ("综合行政执法", "城市管理"), "执法队员": ("执法人员",), "执法的人": ("执法人员",), "持证": ("执法证件", "持证"),
    "不罚": ("不予处罚", "免罚"), "免罚": ("不予处罚", "免罚"), "少罚": ("减轻处罚", "从轻"), "轻罚": ("减轻处罚", "从轻"),
    "信息公开": ("政府信息公开", "依申请公开"), "申请公开": ("依申请公开",), "手机办": ("掌上办", "移动端"),
    "不见面": ("不见面审批", "全程网办"), "跑一次": ("最多跑一次", "一次办"),
    "满意度": ("满意率", "满意度"), "按时办完": ("按期办结", "办结率"), "开公司": ("企业开办", "新设"),
    "查企业": ("涉企检查", "行政检查"), "检查企业": ("涉企检查", "行政检查"), "作废": ("废止", "宣布失效"),
    "办事": ("政务服务", "办事"), "被纠正": ("纠错", "纠正"), "办完": ("办结",), "撤掉": ("撤销", "纠错"),
    "改掉": ("变更", "纠错"), "改判": ("纠错", "纠错率"), "被撤销": ("纠错", "纠错率"), "懂法的带头人": ("法律明白人",), "懂法带头人": ("法律明白人",),
    # Everyday phrasings of the genre (a lexicon written from knowledge of such reports, not from any set of
    # questions; its least certain entries were left out):
    "申请复议": ("行政复议", "行政复议申请"), "复议案子": ("行政复议案件",), "复议调解": ("调解和解", "调解和解率"), "复议委员会": ("行政复议委员会",),
    "复议受理点": ("行政复议受理点", "行政复议服务点"), "应对官司": ("行政应诉", "应诉工作"), "输的比例": ("败诉率", "行政诉讼败诉率"), "出庭说话": ("出庭出声", "出庭又出声"),
    "法院的建议": ("司法建议", "司法建议书"), "检察院建议": ("检察建议", "检察建议书"), "执行判决": ("履行生效裁判", "履行法院生效判决"),
    "真正化解": ("实质性化解", "实质性化解争议"), "政府赔钱": ("行政赔偿", "国家赔偿"), "政府签合同": ("行政协议", "政府合同"), "考执法证": ("执法资格考试", "执法证考试"),
    "有证执法": ("持证上岗", "亮证执法", "持证执法"), "执法队伍": ("行政执法人员", "执法队伍建设"), "罚了多少": ("行政处罚案件", "罚没款"), "处罚案子": ("行政处罚案件",),
    "不罚的清单": ("免罚清单", "不予处罚清单", "轻微违法免罚清单"), "第一次不罚": ("首违不罚",), "初犯不罚": ("首违不罚", "初次违法不罚"),
    "小错不罚": ("轻微免罚", "轻微违法不罚", "轻微违法不予处罚"), "罚轻点": ("从轻处罚", "从轻减轻处罚"), "温柔执法": ("柔性执法", "包容审慎监管"),
    "宽松监管": ("包容审慎监管", "包容审慎"), "乱罚款": ("乱罚款", "逐利执法", "违规涉企罚款"), "裁量标准": ("行政裁量权基准", "裁量基准"),
    "检查太多": ("多头检查", "重复检查"), "随机抽查": ("双随机、一公开", "双随机一公开", "随机抽查"), "双随机": ("双随机、一公开", "双随机一公开监管"),
    "一起去查": ("联合检查", "跨部门联合抽查", "部门联合抽查"), "一次查完": ("综合查一次", "进一次门查多项事"), "不打扰企业": ("无事不扰", "无感监管"),
    "白名单企业": ("白名单", "无事不扰"), "进企业扫码": ("扫码入企", "亮码检查"), "远程执法": ("非现场执法", "非现场监管"),
    "执法三项": ("行政执法三项制度", "执法公示", "法制审核"), "执法结果公开": ("行政执法公示", "执法公示"), "全程录像": ("执法全过程记录", "全过程记录"),
    "执法前审核": ("法制审核", "重大执法法制审核"), "移送公安": ("行刑衔接", "两法衔接", "移送司法机关"), "一支队伍": ("综合行政执法", "一支队伍管执法"),
    "放权给乡镇": ("赋权乡镇", "乡镇赋权", "下放乡镇"), "乡镇执法": ("乡镇综合行政执法", "基层综合执法", "赋权乡镇"), "权力清单": ("权责清单", "权力清单"),
    "监督执法": ("行政执法监督", "执法监督"), "查案卷": ("案卷评查", "行政执法案卷评查"), "监督员": ("行政执法监督员", "特邀监督员"), "整治执法问题": ("专项整治", "执法突出问题"),
    "执法系统": ("行政执法平台", "执法监督平台"), "法治督查": ("法治督察",), "立规矩的文件": ("行政规范性文件", "规范性文件"), "发文件": ("制发规范性文件", "行政规范性文件"),
    "发文前审核": ("合法性审核", "前置合法性审核"), "文件备案": ("备案审查", "规范性文件备案"), "清理文件": ("规范性文件清理", "文件清理"),
    "撤掉改掉": ("修改废止", "废止", "修改"), "废掉文件": ("废止", "宣布失效"), "立法联系点": ("基层立法联系点",), "妨碍竞争": ("公平竞争审查", "妨碍公平竞争"),
    "大事决策": ("重大行政决策",), "拍板大事": ("重大行政决策", "集体讨论决定"), "大事清单": ("决策事项目录", "重大决策事项目录"), "送司法局审": ("合法性审查", "合法性审核"),
    "法律把关": ("合法性审查", "法律审核"), "征求意见": ("公众参与", "公开征求意见"), "听群众意见": ("公众参与", "征求意见"), "开听证会": ("听证", "听证会", "决策听证"),
    "专家把关": ("专家论证",), "评估风险": ("风险评估", "社会稳定风险评估"), "上会讨论": ("集体讨论决定",), "找律师": ("法律顾问", "聘请法律顾问"), "内部律师": ("公职律师",),
    "一村一律师": ("一村一法律顾问", "村居法律顾问"), "全程网上办": ("全程网办", "全程网办率"), "少跑腿": ("减少跑动", "最多跑一次"), "跑腿": ("跑动次数", "减少跑动"),
    "一个窗口": ("一窗受理", "一窗通办", "综合窗口"), "一网办": ("一网通办",), "一件事": ("高效办成一件事", "一件事一次办"), "办不成事": ("办不成事反映窗口", "办不成事窗口"),
    "当场办": ("即办件", "当场办结", "即来即办"), "帮着办": ("帮办代办", "代办服务"), "手机上办": ("掌上办", "指尖办"), "跨省办": ("跨省通办",),
    "办事大厅": ("政务服务中心", "政务服务大厅"), "不用开证明": ("告知承诺制", "减证便民"), "办事评价": ("好差评", "政务服务好差评"),
    "审批时间缩短": ("压缩审批时限", "压缩办理时限"), "投诉热线": ("12345热线", "政务服务便民热线"), "市长热线": ("12345热线", "政务服务便民热线"),
    "便民热线": ("12345热线", "政务服务便民热线"), "热线单子": ("工单", "诉求工单", "12345工单"), "老百姓反映": ("群众诉求", "诉求"), "马上回应": ("接诉即办",),
    "办完的比例": ("办结率", "按期办结率"), "满意的比例": ("满意率", "满意度"), "政务数字化": ("数字政府", "数字政府建设"), "电子证": ("电子证照",),
    "打官司不要钱": ("法律援助",), "免费律师": ("法律援助",), "法援": ("法律援助",), "法援案子": ("法律援助案件",), "要工资": ("讨薪", "追讨欠薪", "追索劳动报酬"),
    "拖欠工资": ("欠薪", "拖欠农民工工资", "根治欠薪"), "问法律问题": ("法律咨询", "解答法律咨询"), "法律服务点": ("公共法律服务站", "公共法律服务室"),
    "法律热线": ("12348热线", "公共法律服务热线"), "闹矛盾": ("矛盾纠纷",), "排查矛盾": ("矛盾纠纷排查", "排查化解"), "化解纠纷": ("矛盾纠纷化解", "调处化解"),
    "调成功": ("调解成功",), "调解成功比例": ("调解成功率",), "调解员": ("人民调解员",), "调委会": ("人民调解委员会",), "专业调解": ("行业性专业性调解",),
    "小事不出村": ("枫桥经验", "矛盾不上交"), "枫桥": ("枫桥经验", "新时代枫桥经验"), "法律宣传": ("普法", "法治宣传", "法治宣传教育"), "八五": ("八五普法", "“八五”普法"),
    "普法五年规划": ("“八五”普法规划", "八五普法规划"), "执法部门普法": ("谁执法谁普法", "普法责任制"), "普法清单": ("普法责任清单", "普法责任制"), "明白人": ("法律明白人",),
    "懂法的村民": ("法律明白人",), "法治村": ("民主法治示范村",), "宣传宪法": ("宪法宣传", "宪法宣传周", "国家宪法日"), "宪法日": ("国家宪法日", "宪法宣传周"),
    "宣传民法典": ("民法典宣传", "民法典普法"), "用案子讲法": ("以案释法",), "学校普法": ("法治进校园", "青少年普法"), "学法考试": ("学法考法", "网上学法考试"),
    "领导带头": ("领导干部带头", "关键少数"), "一把手负总责": ("第一责任人", "第一责任人职责"), "述职讲法治": ("述法", "述职述法"), "开会前学法": ("会前学法", "常务会议会前学法"),
    "常务会学法": ("会前学法", "政府常务会议学法"), "领导学法": ("领导干部学法", "会前学法", "中心组学法"), "法治讲座": ("法治专题讲座", "专题法治讲座"),
    "法治考核": ("法治建设考核", "依法行政考核", "法治建设实绩考核"), "法治办": ("依法治县办", "依法治市办", "依法治区办"), "做生意环境": ("营商环境", "法治化营商环境"),
    "市场主体": ("经营主体", "市场主体"), "少交税": ("减税降费", "税费减免"), "和企业相关": ("涉企", "涉企事项"), "帮企业的政策": ("惠企政策", "助企政策"),
    "企业反映问题": ("涉企诉求", "企业诉求"), "给企业体检": ("法治体检", "企业法治体检"), "欠企业钱": ("拖欠企业账款", "清欠", "拖欠中小企业账款"), "修复信用": ("信用修复",),
    "政府不赖账": ("政务诚信", "政府守信践诺"), "保护企业财产": ("产权保护", "企业产权保护"), "公开政府信息": ("政府信息公开",), "自己公开": ("主动公开",),
    "不公开": ("不予公开",), "代表建议": ("人大代表建议", "建议提案"), "委员提案": ("政协提案", "政协委员提案"), "群众监督": ("社会监督",),
    "创建示范": ("示范创建", "法治政府示范创建"), "示范项目": ("单项示范项目", "示范项目"),
}
# Issuing documents as staff say it (市政府出了几个文件 / 发了几份红头文件): the verbs reports use for it.
ISSUE_VERBS = {"出": ("制发", "制定", "出台", "印发"), "发": ("制发", "印发", "制定", "出台")}
DOCUMENT_Q = re.compile(r"文件|规章|办法|规定|条例")
# "多少件" / "几成" / "几件事": how the question asks for its figure, never what it is about.
HOW_MANY = re.compile(r"(?:百分之)?(?:多少|(?<!哪)几(?![个份]?(?:报告|地方|地区|城市|市|县|区)))"
                      r"(?:个百分点|人次|件次|场次|万元|亿元|个人(?![民大])|[个人名位件宗起次场期轮元回趟成支家项条户所份张天钱部])?事?")
# Service hotlines are named by five-digit numbers starting 123 (12345 政务服务热线, 12348 法律服务热线): a name.
HOTLINE = re.compile(r"123\d{2}")
# -- figures a report states (figures.py, compare.py) -------------------------------------------
# An Arabic number as reports write it: with thousands separators (3,126件 / 1,234.5万元) or without.
ARABIC_NUMBER = r"\d{1,3}(?:,\d{3})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?"
# Units a count or amount is stated in, longest first; 万/亿 before a unit are multipliers, not units.
FIGURE_UNITS = ("个百分点", "百分点", "人次", "场次", "件次", "户次", "轮次", "批次", "个", "件", "宗", "项", "名", "人",
                "次", "场", "家", "户", "条", "份", "支", "辆", "套", "部", "篇", "期", "卷", "台", "笔", "张", "起",
                "所", "天", "小时", "批", "元", "%", "‰", "座", "处", "例", "轮", "个工作日", "工作日", "公里", "平方公里")
# Units a number in Chinese characters may carry (二期, 三批); 一 and most others are articles or names.
CN_FIGURE_UNITS = ("批次", "期", "批", "次", "名", "件", "项", "家", "场", "轮", "支", "部")
# Stage of a case count: figures of different stages are never compared (收到 761 vs 审结 16).
FIGURE_STAGES = {"立案受理": "受理", "收到": "收到", "接收": "收到", "接到": "收到", "新收": "收到", "收案": "收到",
                 "受理": "受理", "立案": "受理", "审结": "审结", "办结": "审结", "结案": "审结", "审完": "审结", "办完": "审结",
                 "办理": "办理"}
# Scope of a figure: the whole area or the government's own level.
FIGURE_SCOPES = ("全市", "全县", "全区", "全省", "全州", "全旗", "市本级", "县本级", "区本级", "本级",
                 *(f"{unit}政府本级" for unit in ("", *"省市县区州旗")))  # 省政府本级呢: no topic of its own
# A change, not a level: 同比增长 87.5%, 较2023年下降 18.88 个百分点.
# "没有X / 零X / 未发生X": none of X happened (零积压 answers 积压了多少; 零败诉 answers 有没有败诉).
NONE_BEFORE = r"(?:零|未|无|没有|不再|未发生|未出现)\W?"
# ... and none of those counted before it (62件，无一败诉 / 12件，无一被纠错): a yes/no question's 否.
NONE_OF = r"(?:无一|均未|全部未|没有一件)\W?被?"
# Words of a rise or a fall: what a figure's change, a question's direction and a ranking of changes read.
RISE_WORDS = ("增长", "增加", "提高", "上升", "提升", "增多", "攀升", "升高")
FALL_WORDS = ("下降", "减少", "降低", "下滑", "回落", "压缩", "精简")
CHANGES = "|".join(RISE_WORDS + FALL_WORDS)
FALL = re.compile("|".join(FALL_WORDS) + "|减")  # a change word that makes the figure a fall
FIGURE_CHANGE = re.compile(r"(?:同比|环比|较上年|较去年|比上年|比去年|较上一年|较\d{4}年(?:同期)?)?"
                           rf"(?:{CHANGES}|减|增)$")
# A question asking by how much a figure changed, and a sentence stating a change (not only a level).
CHANGE_Q = re.compile(rf"(?:{CHANGES}|增幅|降幅|涨|降|变化)了?(?:多少|几)|(?:多|少)了(?:多少|几)|增幅|降幅|涨幅|增速")
CHANGE_STATED = re.compile(rf"(?:{CHANGES}|增幅|降幅)(?![至到为])[^，,。；;\d]{{0,12}}"
                           r"(?:\d|[一二两三四五六七八九十]+[个项次件家名人条起批所支场期])")
# 降了 / 降到 / 降幅: a fall as staff say it (not the 降 of 减税降费).
FALL_TALK = r"降(?=了|低|幅|至|到|\d)"
# A rate of change as staff name it: the figure of the change word a report states (增速 10% -> 同比增长9.8%).
CHANGE_RATE_WORDS = {"增速": "增长", "增幅": "增长", "涨幅": "增长", "降幅": "下降"}
CHANGE_RATE_Q = re.compile("|".join(CHANGE_RATE_WORDS))
# 翻倍了吗 / 翻了一番: grown by 100% or more (said as the growth asked, then compared with the one stated).
DOUBLED_Q = re.compile(r"翻(?:了)?(?:一)?(?:倍|番)")
# The direction a question asks or a sentence states (增加了吗 / 比上年高 / 下降20%).
_YEAR_OF = r"(?:(?:20)?\d{2}年)?"  # 比22年发得多: the year compared with, typed short
UP_Q = re.compile("|".join(RISE_WORDS) + rf"|多了|涨|长了|变长|延长|高了|"
                  rf"{COMPARING}{_YEAR_OF}[^，。？?\d]{{0,8}}?(?:\d{{4}}年)?(?:高|多)")
DOWN_Q = re.compile("|".join(FALL_WORDS) + rf"|少了|{FALL_TALK}|缩短|短了|低了|"
                    rf"{COMPARING}{_YEAR_OF}[^，。？?\d]{{0,8}}?(?:\d{{4}}年)?(?:低|少)")
# What names a rate: 纠错率 / 调解和解比例 / 占比 (a rate's stem, 和解, names none).
RATE_ENDS = ("率", "比例", "占比", "比重")
# The clauses of a figure's sentence that are not the figure asked (answering.evidence): a part of it (其中…),
# last year's level of it (较上年的7.1%…), another rate's figure (按时办结率99.2%), a change going on about it.
PART_CLAUSE = re.compile(r"其中|含")
# A clause counting who took part in the events just counted (旁听庭审3次，参加领导干部214人次).
PARTICIPANTS = re.compile(r"(?:共有|共)?(?:参加|参训|参与|参会|参学|参考|受众|受益|惠及|覆盖)")
LAST_LEVEL = re.compile(r"(?:较|比)?(?:上年|去年|上一年)(?:同期)?的?为?(?=\d)")
LAST_YEAR_WORDS = re.compile(r"上年|去年|上一年")
# A follow-up naming only a year before the one talked about (去年呢 / 那前年的呢): its offset in years.
YEAR_BEFORE_ALONE = re.compile(r"^(?:那|那么)?(去年|上一年|前一年|上年|前年)(?:的|那年)?(?:呢|情况呢|怎么样)?[?？。]?$")
YEARS_BACK = {"去年": 1, "上一年": 1, "前一年": 1, "上年": 1, "前年": 2}
RATE_WORD = re.compile(rf"[\u4e00-\u9fff]{{1,4}}(?:{'|'.join(RATE_ENDS)})")
# A rate's clause: “网上可办率”达到99.2% / 全程网办事项比例达到91.5% / 出庭应诉率连续五年保持100%.
RATE_FIGURE = re.compile(r"[^，,；;。\d]*?([\u4e00-\u9fff]{1,6}(?:率|比例|比重|占比))[”\"’']?[^，,；;。\d%]{0,8}?\d+(?:\.\d+)?%")
GOES_ON = re.compile(r"同比|环比|较|比上年|比去年|增长|下降|增加|减少")
# Units below a county a question may name (某某街道…多少): a clause of another one is another's figure.
UNITS_BELOW_COUNTY = ("街道", "乡镇", "镇", "乡", "社区")
FIGURE_CUMULATIVE = ("累计", "新增")
# Qualifiers of a figure, as a question names them: two figures answer the same question only when these
# agree (累计 vs 新增, 收到/受理 vs 审结/办结). Stages come from FIGURE_STAGES, so both readings agree.
QUALIFIER_GROUPS: dict[str, tuple[str, ...]] = {
    "cumulative": ("累计", "总计", "共计", "合计", "历年", "截至", "截止"),
    "new": ("新增", "新建", "新设", "新聘", "新招", "新开", "新成立", "新培育", "新培养", "新发展", "新认定", "新录用",
            "新组建", "新创建", "新推出", "新出台", "新制定", "新上线", "新引进", "新登记", "新申领", "新办", "新取得", "新注册", "新发放", "当年", "本年度新"),
    "received": tuple(w for w, stage in FIGURE_STAGES.items() if stage == "收到"),
    "accepted": tuple(w for w, stage in FIGURE_STAGES.items() if stage == "受理"),
    "concluded": tuple(w for w, stage in FIGURE_STAGES.items() if stage == "审结") + ("调解成功", "成功调解"),
}
# Qualifiers that exclude each other: a figure qualified by one never answers a question asking another
# (a 受理 question is not answered by 收到 136件 when the report gives no 受理 figure).
EXCLUSIVE_QUALIFIERS = (("cumulative", "new"), ("received", "accepted", "concluded"))
# Every qualifier word: which figure is asked (the figure check reads them), not what it is about.
QUALIFIER_WORDS = frozenset(w for words in QUALIFIER_GROUPS.values() for w in words)
# A level reached (达到120个, 现有), not what was added: no answer to a 新增 question unless it says new.
FIGURE_STOCK = ("达到", "现有", "共有", "共聘", "总数", "总量", "拥有", "覆盖")
# What a question counts when it names the thing instead of a measure word (多少群众, 多少钱).
# A question counting heads, not attendances: 按人头 / 不是人次 (多少名 / 多少位 count heads too).
HEADCOUNT_Q = re.compile(r"人头|(?:不是|不算|而不是|非|不要|不含)人次|的人(?:一共|总共|共)?有?(?:多少|几)")  # 有执法证的人一共多少
PEOPLE_NOUNS = ("人员|人数|群众|观众|干部|律师|农民工|职工|学生|教师|老师|居民|村民|市民|志愿者|党员|法官|代表|委员|专家")
# Who a headcount question counts (多少名执法人员): a figure of other people (法制工作人员480人) is no answer.
COUNTED_PEOPLE = re.compile(rf"(?:多少|几)(?:个|名|位)([\u4e00-\u9fff]{{2,4}}(?:{PEOPLE_NOUNS}))")
COUNTED_NOUNS: dict[str, re.Pattern] = {
    "people": re.compile(rf"人数|(?:多少|几)(?:个|名|位)?(?:[\u4e00-\u9fff]{{0,3}}(?:{PEOPLE_NOUNS}))"
                         r"(?=$|[^\u4e00-\u9fff]|呢|吗|啊|呀|吧|有|是|参加|参与|受益)"),
    "cases": re.compile(r"(?:案件|案子|纠纷)(?:数|数量|量)?(?:是|有|为)?(?:多少|几)(?![^，。？?]*率)"
                        r"|(?:多少|几)(?:个|起)?(?:案件|案子|纠纷|矛盾)"),
    "money": re.compile(r"(?:多少|几)(?:钱|金额|资金|经费|费用|工资|工钱|薪水|罚款|赔偿金)|(?:钱|(?<!条)款|金额|资金|经费|费用)"
                        r"(?:是|有|为|一共|总共|共|累计)?(?:多少|几|最)"),
}
