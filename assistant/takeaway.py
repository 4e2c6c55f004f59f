"""Answers staff can take away: plain text for the clipboard, Markdown and Word (.docx) files.

Staff paste findings into their own reports, so every format writes each citation out in full
(报告、章节、原文) instead of leaving bare [n] markers that mean nothing outside the chat.
Works on the UI's turns (plain dicts: question, text, citations as `asdict(Citation)`).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import docx

Turn = Mapping[str, Any]
DOC_TITLE = "法治政府建设情况报告问答记录"


def citation_line(n: int, c: Mapping[str, Any]) -> str:
    """One source written out: [n] 《报告》（地区 · 年度），章节：…，原文：“…”。"""
    where = " · ".join(x for x in (c.get("region") or "", f"{c['year']}年" if c.get("year") else "") if x)
    return (f"[{n}] 《{c.get('title') or c.get('source', '')}》{f'（{where}）' if where else ''}，"
            f"章节：{c.get('section') or '正文开头'}，原文：“{c.get('quote', '')}”")


def plain_text(turn: Turn) -> str:
    """One answer as plain text for the clipboard: the answer, then its sources written out."""
    lines = [turn["text"].strip()]
    if turn.get("citations"):
        lines += ["", "来源："] + [citation_line(n, c) for n, c in enumerate(turn["citations"], 1)]
    return "\n".join(lines)


def markdown(turns: Sequence[Turn]) -> str:
    """The conversation (or one turn) as Markdown: a section per question, sources as a numbered list."""
    out = [f"# {DOC_TITLE}", ""]
    for turn in turns:
        out += [f"## 问：{turn['question']}", "", turn["text"].strip(), ""]
        if turn.get("citations"):
            out += ["**来源**", ""] + [f"{n}. {citation_line(n, c)[len(f'[{n}] '):]}"
                                       for n, c in enumerate(turn["citations"], 1)] + [""]
    return "\n".join(out)


def write_docx(turns: Sequence[Turn], path: Path) -> Path:
    """The conversation as a Word document: a heading per question, the answer, a numbered source list."""
    document = docx.Document()
    document.add_heading(DOC_TITLE, level=1)
    for turn in turns:
        document.add_heading(f"问：{turn['question']}", level=2)
        for line in turn["text"].strip().splitlines():
            document.add_paragraph(line)
        if turn.get("citations"):
            document.add_paragraph().add_run("来源").bold = True
            for n, c in enumerate(turn["citations"], 1):
                document.add_paragraph(citation_line(n, c))
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def export_files(turns: Sequence[Turn], folder: Path, name: str) -> tuple[str, str]:
    """(.docx path, .md path) of these turns in folder, named `name`."""
    md = folder / f"{name}.md"
    folder.mkdir(parents=True, exist_ok=True)
    md.write_text(markdown(turns), encoding="utf-8")
    return str(write_docx(turns, folder / f"{name}.docx")), str(md)
