"""Answers staff can take away: plain text for the clipboard, Markdown and Word (.docx) files.

Staff paste findings into their own reports, so every format writes each citation out in full
(报告、章节、原文) instead of leaving bare [n] markers that mean nothing outside the chat.
Works on the UI's turns (plain dicts: question, text, citations as `asdict(Citation)`, table as
`Answer.table`). A compare answer's figures table goes with it everywhere: as a table in Markdown and
Word, tab-separated on the clipboard (it pastes into Word and Excel as a table), and as CSV / XLSX.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docx

from .figures import parse_number
from .normalize import fold

Turn = Mapping[str, Any]
DOC_TITLE = "法治政府建设情况报告问答记录"


def citation_line(n: int, c: Mapping[str, Any]) -> str:
    """One source written out: [n] 《报告》（地区 · 年度），章节：…，原文：“…”。"""
    where = " · ".join(x for x in (c.get("region") or "", f"{c['year']}年" if c.get("year") else "") if x)
    return (f"[{n}] 《{c.get('title') or c.get('source', '')}》{f'（{where}）' if where else ''}，"
            f"章节：{c.get('section') or '正文开头'}，原文：“{c.get('quote', '')}”")


_MARKER = re.compile(r"\[(\d+)\]")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_SOURCE_LINE = re.compile(r"^\[(\d+)\] (.+)$")
_TABLE_ONLY = re.compile(r"〔表(\d+)〕")  # a table source the answer does not cite
VALUE_HEADER, NUMBER_HEADER, WHERE_HEADER = "数值", "数字", "出处原文"


@dataclass
class AnswerTable:
    """One figures table of an answer, its [n] renumbered to the answer's own citations (so a cell's [n]
    is the answer's source n); a table source the answer does not cite stays as 〔表n〕 with its line in notes."""

    title: str
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # ranking, computed changes, uncited sources


def _cells(line: str) -> list[str]:
    return [c.strip().replace("\\|", "|") for c in _CELL_SPLIT.split(line.strip()[1:-1])]


def _cited_as(line: str, citations: Sequence[Mapping[str, Any]]) -> int | None:
    """Which of the answer's citations (1-based) a table's source line (`title · section：quote`) is."""
    folded = fold(line)
    for m, c in enumerate(citations, 1):
        quote = fold(c.get("quote") or "")
        if line.startswith(f"{c.get('title')} · ") and quote and (quote in folded or folded.rsplit("：", 1)[-1] in quote):
            return m
    return None


def answer_tables(turn: Turn) -> list[AnswerTable]:
    """The tables in a turn's `table` (Markdown made by compare.Comparison.to_markdown, several joined by
    blank lines), parsed back into rows whose [n] point at the turn's citations."""
    tables: list[AnswerTable] = []
    sources: list[dict[int, str]] = []
    for line in (turn.get("table") or "").splitlines():
        if line.startswith("**") and line.endswith("**") and len(line) > 4:
            tables.append(AnswerTable(line[2:-2]))
            sources.append({})
        elif not tables or not line.strip():
            continue
        elif line == "来源：":
            sources[-1][0] = ""  # the source list follows
        elif line.startswith("|") and 0 not in sources[-1]:
            cells = _cells(line)
            if not all(set(c) <= set("-: ") for c in cells):
                if tables[-1].header:
                    tables[-1].rows.append(cells)
                else:
                    tables[-1].header = cells
        elif 0 in sources[-1] and (m := _SOURCE_LINE.match(line)):
            sources[-1][int(m.group(1))] = m.group(2)
        else:
            tables[-1].notes.append(line)
    citations = turn.get("citations") or []
    for table, lines in zip(tables, sources):
        numbers = {n: _cited_as(line, citations) for n, line in lines.items() if n}
        def renumber(match: re.Match) -> str:
            n = int(match.group(1))
            return f"[{numbers[n]}]" if numbers.get(n) else f"〔表{n}〕"
        table.rows = [[_MARKER.sub(renumber, c) for c in row] for row in table.rows]
        table.notes += [f"〔表{n}〕{lines[n]}" for n, m in numbers.items() if not m]
    return tables


def table_records(table: AnswerTable, citations: Sequence[Mapping[str, Any]]) -> list[list[Any]]:
    """Header and rows for CSV / XLSX: the figure also as a number (for sorting), each cell's source written out."""
    value_at = table.header.index(VALUE_HEADER) if VALUE_HEADER in table.header else None
    head = list(table.header) + ([NUMBER_HEADER] if value_at is not None else []) + [WHERE_HEADER]
    out: list[list[Any]] = [head]
    for row in table.rows:
        cited = [int(n) for cell in row for n in _MARKER.findall(cell) if 0 < int(n) <= len(citations)]
        uncited = [note for cell in row for n in _TABLE_ONLY.findall(cell) for note in table.notes
                   if note.startswith(f"〔表{n}〕")]
        value = row[value_at] if value_at is not None and value_at < len(row) else ""
        number = [parse_number(value) if re.search(r"\d", value) else ""] if value_at is not None else []
        out.append(list(row) + number + ["；".join([citation_line(n, citations[n - 1]) for n in cited] + uncited)])
    return out


def tables_csv(turns: Sequence[Turn]) -> str:
    """Every table of these turns as CSV, each led by its title and followed by a blank row."""
    out = io.StringIO()
    writer = csv.writer(out)
    for turn in turns:
        for table in answer_tables(turn):
            writer.writerows([[table.title], *table_records(table, turn.get("citations") or []), []])
    return out.getvalue()


def write_tables_xlsx(turns: Sequence[Turn], path: Path) -> Path:
    """Every table of these turns in an Excel workbook, one sheet each (表1, 表2 ...), its notes under it."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for turn in turns:
        for table in answer_tables(turn):
            sheet = book.create_sheet(f"表{len(book.sheetnames) + 1}")
            sheet.append([table.title])
            for row in table_records(table, turn.get("citations") or []):
                sheet.append(row)
            for note in table.notes:
                sheet.append([note])
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def has_tables(turns: Sequence[Turn]) -> bool:
    return any(turn.get("table") for turn in turns)


def _table_lines(table: AnswerTable, sep: str) -> list[str]:
    """A table as text lines: Markdown (sep "|") or tab-separated (sep "\t"), title first, notes after."""
    if sep == "|":
        rows = [table.header, ["---"] * len(table.header), *table.rows]
        body = ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
        return [f"**{table.title}**", "", *body, "", *table.notes]
    return [table.title, *("\t".join(row) for row in [table.header, *table.rows]), *table.notes]


def plain_text(turn: Turn) -> str:
    """One answer as plain text for the clipboard: the answer, its tables (tab-separated), its sources written out."""
    lines = [turn["text"].strip()]
    for table in answer_tables(turn):
        lines += ["", *_table_lines(table, "\t")]
    if turn.get("citations"):
        lines += ["", "来源："] + [citation_line(n, c) for n, c in enumerate(turn["citations"], 1)]
    return "\n".join(lines)


def markdown(turns: Sequence[Turn]) -> str:
    """The conversation (or one turn) as Markdown: a section per question, sources as a numbered list."""
    out = [f"# {DOC_TITLE}", ""]
    for turn in turns:
        out += [f"## 问：{turn['question']}", "", turn["text"].strip(), ""]
        for table in answer_tables(turn):
            out += [*_table_lines(table, "|"), ""]
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
        for table in answer_tables(turn):
            add_table(document, table)
        if turn.get("citations"):
            document.add_paragraph().add_run("来源").bold = True
            for n, c in enumerate(turn["citations"], 1):
                document.add_paragraph(citation_line(n, c))
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def add_table(document: Any, table: AnswerTable) -> None:
    """A figures table as a Word table (header row first), its title above and its notes below."""
    document.add_paragraph().add_run(table.title).bold = True
    grid = document.add_table(rows=0, cols=len(table.header))
    grid.style = "Table Grid"
    for row in [table.header, *table.rows]:
        for cell, text in zip(grid.add_row().cells, row):
            cell.text = text
    for note in table.notes:
        document.add_paragraph(note)


def export_files(turns: Sequence[Turn], folder: Path, name: str) -> tuple[str, str]:
    """(.docx path, .md path) of these turns in folder, named `name`."""
    md = folder / f"{name}.md"
    folder.mkdir(parents=True, exist_ok=True)
    md.write_text(markdown(turns), encoding="utf-8")
    return str(write_docx(turns, folder / f"{name}.docx")), str(md)
