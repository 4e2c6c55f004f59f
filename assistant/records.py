"""Plain records passed between the pipeline stages: load -> clean -> chunk -> index -> retrieve -> answer."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class ReportMeta:
    """What a report is about; taken from its text, corrected by an optional sidecar file."""

    title: str
    region: str
    year: int | None
    level: str  # coarse, by suffix: 省 / 市 / 县 / 区 / 开发区 / 未知
    aliases: list[str] = field(default_factory=list)  # short forms users type: 桂林, 密云
    # Where the unit sits (gazetteer, GB/T 2260); empty for a name the gazetteer does not know.
    path: list[str] = field(default_factory=list)  # 省 > 市 > 县/区: ["广东省", "广州市", "越秀区"]
    code: str = ""  # GB/T 2260 code; "" for functional zones
    parent: str = ""  # the unit above: 广州市
    kind: str = ""  # official type: 地级市 / 县级市 / 市辖区 / 自治县 / 国家级新区 / 高新区 ...


@dataclass
class Document:
    """One report after loading and cleaning. `text` is what users see and what spans point into."""

    source: str  # file name
    text: str
    meta: ReportMeta
    sha256: str
    encoding: str = "utf-8"
    format: str = "txt"


@dataclass
class Chunk:
    """A piece of a report that never cuts a sentence or a heading; `start`/`end` index Document.text."""

    id: str
    source: str
    text: str  # original script, for display and quoting
    search_text: str  # normalized (NFKC, simplified) with title and heading path, for BM25 and dense
    section: str  # heading path, joined by " > "
    start: int
    end: int
    meta: ReportMeta


@dataclass
class Passage:
    """A retrieved chunk with its fused score and rank."""

    chunk: Chunk
    score: float
    rank: int = 0
    bm25_rank: int | None = None
    dense_rank: int | None = None


@dataclass
class Citation:
    """A quoted passage an answer relies on; `quote` is the supporting sentence(s) in the original script.

    `spans` are the quoted sentences' offsets in the report's text, one per sentence, so that
    `report_text[a:b]` is each quoted sentence and `quote` is their concatenation; `start`/`end` are
    the first span's start and the last span's end. `passage_start` is where `passage` begins.
    """

    source: str
    title: str
    region: str
    year: int | None
    section: str
    quote: str
    passage: str
    score: float
    start: int
    end: int
    spans: list[tuple[int, int]] = field(default_factory=list)
    passage_start: int = 0


@dataclass
class Answer:
    text: str
    citations: list[Citation] = field(default_factory=list)
    refused: bool = False
    question: str = ""
    standalone_question: str = ""
    searched: str = ""  # what was searched, as shown under the answer: 按「茂名市 2023年 行政复议」检索
    carried: list[str] = field(default_factory=list)  # what a follow-up took from earlier turns, for the user
    table: str = ""  # compare / rank answers: the figures table (Markdown), a citation per reported cell
    mode: str = "extractive"  # "llm" when the text was generated; "extractive" also when LLM mode fell back
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # shown to the user: notices, what was removed and why
    passages: list[Passage] = field(default_factory=list)
    grounded: bool = True  # every sentence the model wrote passed the check (none had to be removed)
    removed: list[str] = field(default_factory=list)  # generated sentences removed by the check, verbatim

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("passages")
        return data
