"""jieba tokenization for BM25 and sentence scoring, with the reports' own terms as a user dictionary.

Each Lexicon owns its jieba.Tokenizer, so corpus words (region names) added at run time never leak
into other instances through jieba's global default tokenizer.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import jieba
import jieba.posseg

from .genre import ADMIN_SUFFIXES, GENERIC_PLACE_SUFFIXES, GENERIC_PLACES
from .normalize import fold

USER_DICT = Path(__file__).with_name("userdict.txt")
STOPWORDS = frozenset(
    """的 了 是 在 和 与 及 以及 或 等 有 为 对 将 把 被 由 从 于 上 中 下 其 该 各 本 我 我们 你 您 它 这 那 这个 那个
    哪 哪些 哪个 哪里 什么 多少 几 几个 几项 如何 怎么 怎样 怎么样 是否 吗 呢 吧 啊 请问 请 告诉 一下 一个 个 项 件
    年 年度 方面 情况 有关 相关 主要 进行 开展 通过 哪一 哪一年 分别 都 也 还 又 就 所 而 并 即 已 共 多 之 去 来 能 会
    可 要 应 让 给 向 到 说 做 用 着 过 得 地 呀 么 嘛 里 内 外 后 前 时 以 之间 当中 具体 情形 提到 提及 报告 地方
    一共 总共 共计 合计 总计 几次 几种 哪几种 哪几个 哪几项 哪几 两种 两个 各自 各 叫 叫做 称为 名称 例子 举 举了 分为 分成
    哪些地方 哪些地区 哪个 哪个地方 哪家 哪份 哪一个 哪两个 什么样 是什么 主要有 有没有 有无 谁 怎么办 为什么 报告里 里面
    报告中 文中 其中 这份 那份 一下子 当地 该地 他们 它们 她们 咱们 大家 某 某些 任何 所有 每个 多大 多长 多久 多远""".split()
)
_WORD = re.compile(r"[\w%.]+")
# jieba's tagger calls some districts person names (怀柔区/nr): a place is a tagged name with an admin suffix.
_PLACE_FLAGS = ("ns", "nr", "nz", "nt", "j")


class Lexicon:
    """Tokenizer for folded (simplified, half-width) text."""

    def __init__(self, extra_words: Iterable[str] = ()) -> None:
        self._jieba = jieba.Tokenizer()
        if USER_DICT.exists():
            self._jieba.load_userdict(str(USER_DICT))
        for word in extra_words:
            self.add_word(word)
        self._pos = jieba.posseg.POSTokenizer(self._jieba)

    def add_word(self, word: str, tag: str | None = None) -> None:
        self._jieba.add_word(fold(word), freq=20000, tag=tag)

    def tokens(self, text: str) -> list[str]:
        """Search-mode tokens of folded text, stopwords and punctuation dropped; used for BM25."""
        return [
            t for t in self._jieba.lcut_for_search(fold(text).lower())
            if t not in STOPWORDS and _WORD.fullmatch(t) and not t.isspace()
        ]

    def words(self, text: str) -> list[str]:
        """Precise-mode content words (no search sub-words): the key terms of a question."""
        return [
            t for t in self._jieba.lcut(fold(text).lower())
            if t not in STOPWORDS and _WORD.fullmatch(t)
        ]

    def places(self, text: str) -> list[str]:
        """Administrative place names (X市, X县, X区 ...) jieba tags as ns, merged with a split-off suffix."""
        pairs = [(p.word, p.flag) for p in self._pos.lcut(fold(text))]
        found: list[str] = []
        for i, (word, flag) in enumerate(pairs):
            if not flag.startswith(_PLACE_FLAGS):
                continue
            nxt = pairs[i + 1][0] if i + 1 < len(pairs) else ""
            name = word + nxt if nxt in ADMIN_SUFFIXES else word
            if (name.endswith(ADMIN_SUFFIXES) and 3 <= len(name) <= 8 and name not in GENERIC_PLACES
                    and not name.endswith(GENERIC_PLACE_SUFFIXES)):
                found.append(name)
        return found
