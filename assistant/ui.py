"""Gradio chat UI: the way staff use the assistant, built so every answer can be checked at a glance.

Each answer keeps its [n] markers and is followed by collapsible sources whose whole passage is
shown with the supporting sentence highlighted, in the report's own script. Conversation state
lives in per-session gr.State only; the Assistant is shared and safe to call from several threads.
All document text is HTML-escaped before it reaches the page: reports are untrusted input.
"""
from __future__ import annotations

import atexit
import contextlib
import filecmp
import hashlib
import itertools
import logging
import os
import re
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from glob import escape as glob_escape
from pathlib import Path
from typing import Any

import gradio as gr

from .assistant import Assistant
from .compare import Comparison
from .conversations import ConversationStore, owner_of
from .feedback import FeedbackStore
from .ingest import IngestResult, ingest_paths
from .load import MAX_FILE_BYTES, SUPPORTED_SUFFIXES
from .records import Answer, Citation, Passage
from .takeaway import (AnswerTable, answer_tables, export_files as export_turns, has_tables, plain_text,
                        tables_csv, write_tables_xlsx)
from .validate import InvalidArgument

APP_TITLE = "法治政府建设情况报告问答助手"
# Example cards are made from the reports actually loaded, so none asks about a region that is not there.
EXAMPLE_TEMPLATES = ("{region}{year}年推进了哪些法治政府建设工作？", "{region}法治政府建设存在哪些问题和不足？")
EXAMPLE_TOPIC = "哪些地方的报告提到了行政复议？"
MAX_EXAMPLES = 4
NOTICE_TITLES = {"info": "提示", "warning": "注意", "error": "出错了"}
MODE_LABELS = {"extractive": "抽取式", "llm": "LLM"}
MODE_HINTS = {"extractive": "答案逐句摘自报告原文", "llm": "由大模型依据引用段落生成"}
ALL_LABELS = {"region": "全部地区", "year": "全部年度", "source": "全部报告"}
NOT_KEPT = frozenset({"error", "duplicate"})  # upload outcomes whose file is removed again
STATUS_LABELS = {"added": "新增", "updated": "更新", "unchanged": "未变", "duplicate": "重复", "error": "失败"}
ASK_FAILED = "抱歉，回答时出错了，请稍后重试。"
ANSWER_FAILED = ASK_FAILED + "问题已放回输入框。"
STOPPED = "已停止回答。"
MAX_REFERENCES = 3  # closest passages shown under a refusal
STREAM_DELAY_S = 0.04
CONCURRENCY = 8
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 7860
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_MARKER = re.compile(r"\[(\d+)\]")
_UNSAFE_NAME_CHARS = re.compile(r"[^\w\-()（）·]+")

# Local fonts only: Google Fonts (Gradio's default) is unreachable from many government networks.
THEME = gr.themes.Soft(
    primary_hue="blue",
    font=["PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", "system-ui", "sans-serif"],
    font_mono=["ui-monospace", "Menlo", "Consolas", "monospace"],
)
CSS = """
.answer sup.cite { color: var(--color-accent); font-weight: 600; margin: 0 1px; }
.answer.streaming::after { content: "▍"; color: var(--color-accent); animation: blink 1s steps(2) infinite; }
@keyframes blink { 50% { opacity: 0; } }
.answer.refused { color: var(--body-text-color); border-left: 3px solid #d97706; padding-left: .6em; }
.note { color: var(--body-text-color-subdued); font-size: .88em; margin-top: .4em; }
.searched { margin-top: .4em; display: flex; flex-wrap: wrap; gap: .3em; }
.chip { font-size: .8em; padding: .1em .5em; border-radius: 1em; background: var(--background-fill-secondary);
        color: var(--body-text-color-subdued); border: 1px solid var(--border-color-primary); }
#chat .thought-group .message-content { opacity: 1; }
#chat .src-meta { line-height: 1.6; margin-bottom: .3em; }
#chat .src-meta .src-dim { color: var(--body-text-color-subdued); }
#chat .src-passage { border-left: 3px solid var(--color-accent); padding: .1em 0 .1em .8em; line-height: 1.75;
                     margin: .3em 0 0 0 !important; }
#chat .src-passage.reference { border-left-color: var(--neutral-300); }
#chat .src-passage mark { background: #fde68a; padding: 0 .1em; border-radius: 2px; }
.ingest-results table { width: 100%; border-collapse: collapse; }
.ingest-results td, .ingest-results th { padding: .3em .6em; text-align: left;
                                         border-bottom: 1px solid var(--border-color-primary); }
.status-added, .status-updated { color: #15803d; font-weight: 600; }
.status-unchanged, .status-duplicate { color: #a16207; font-weight: 600; }
.status-error { color: #b91c1c; font-weight: 600; }
.compare table { width: 100%; border-collapse: collapse; }
.compare td, .compare th { padding: .35em .6em; text-align: left; vertical-align: top;
                           border-bottom: 1px solid var(--border-color-primary); }
.compare td:nth-child(-n+2), .compare td:nth-child(4) { white-space: nowrap; }
.compare td:nth-child(5) { min-width: 12em; }
.compare details.cmp-cell summary { cursor: pointer; font-weight: 600; color: var(--color-accent); }
.compare .cmp-none { color: var(--body-text-color-subdued); }
.compare .src-passage mark { background: #fde68a; }
.copy-answer { margin-top: .4em; font-size: .8em; padding: .1em .7em; border-radius: 4px; cursor: pointer;
               border: 1px solid var(--border-color-primary); background: var(--background-fill-primary); }
#chat sup.cite { cursor: pointer; }
.answer .answer-table { margin: .6em 0 .2em; overflow-x: auto; }
.answer .answer-table .table-title { font-weight: 600; margin-bottom: .2em; }
.answer .answer-table table { border-collapse: collapse; font-size: .92em; }
.answer .answer-table td, .answer .answer-table th { border: 1px solid var(--border-color-primary);
                                                      padding: .2em .5em; text-align: left; }
#reader .reader-head { margin-bottom: .5em; }
#reader .reader-body { display: flex; gap: 1em; max-height: 560px; }
#reader .reader-nav { flex: 0 0 13em; overflow-y: auto; font-size: .85em; }
#reader .reader-nav ul { padding-left: 1em; margin: 0; }
#reader .reader-text { flex: 1; overflow-y: auto; line-height: 1.8; }
#reader mark { background: #fde68a; }
@media (max-width: 700px) {  /* phone: the filters above the chat, a chat that leaves the input in sight */
  #filters { order: -1; }
  #chat { height: 55vh !important; }
}
.bar-chart { margin: .8em 0; }
.bar-row { display: flex; align-items: center; gap: .5em; margin: .2em 0; }
.bar-label { width: 9em; text-align: right; }
.bar { display: inline-block; height: 1em; background: var(--color-accent); border-radius: 2px; }
"""

# The page script (launch(head=...)): the chat's HTML is sanitized, so clicks are handled here by delegation.
# 复制 puts the button's plain text on the clipboard; [n] opens and scrolls to source n of the same answer
# and asks the server (hidden #reader-go, reading window.readerRequest) for the report in the reader.
PAGE_SCRIPT = """<script>
// Gradio's own strings (upload box, like buttons, notices) in Chinese whatever the browser's language:
// Gradio picks its locale from the browser before this script runs, so switch it through its i18n module.
(() => {
  const core = performance.getEntriesByType('resource').map((r) => r.name).find((n) => /\\/core-[^/]*\\.js$/.test(n));
  if (core) import(core).then((m) => m.changeLocale && m.changeLocale('zh-CN')).catch(() => {});
})();
// Screen readers: Gradio labels each message with its raw HTML ("bot's message: <div ..."); label it
// with its text instead.
const plainLabel = (m) => {
  const text = m.textContent.replace(/\\s+/g, ' ').trim().slice(0, 2000);
  const label = m.getAttribute('aria-label');
  if (m.dataset.plain === text && !label.includes('s message: ')) return;
  if (!m.dataset.who) m.dataset.who = label.startsWith('user') ? '提问：' : '回答：';
  m.dataset.plain = text;
  m.setAttribute('aria-label', m.dataset.who + text);
};
new MutationObserver(() => {
  document.querySelectorAll('#chat [aria-label*="s message: "], #chat [data-plain]').forEach(plainLabel);
  const search = document.querySelector('#library .search-input');  // a string Gradio has no translation for
  if (search && search.placeholder !== '搜索标题、地区、文件名') search.placeholder = '搜索标题、地区、文件名';
}).observe(document.documentElement,
  {subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['aria-label']});
document.addEventListener('click', (e) => {
  const copy = e.target.closest && e.target.closest('#chat .copy-answer');
  if (copy) {
    navigator.clipboard.writeText(copy.value).then(() => { copy.textContent = '已复制'; });
    setTimeout(() => { copy.textContent = '复制'; }, 1500);
    e.stopPropagation(); e.preventDefault(); return;
  }
  const cite = e.target.closest && e.target.closest('#chat sup.cite');
  if (!cite) return;
  const answers = [...document.querySelectorAll('#chat .answer')];
  const answer = cite.closest('.answer');
  const n = cite.textContent.replace(/[^0-9]/g, '');
  let group = answer;
  while (group && group.id !== 'chat' && !group.querySelector('.thought-group')) group = group.parentElement;
  const title = group && [...group.querySelectorAll('.thought-group .title')]
    .find((t) => t.textContent.trim().startsWith('来源 [' + n + ']'));
  if (title) {
    const box = title.closest('.thought-group');
    if (!box.querySelector('.src-passage')) title.click();
    setTimeout(() => box.scrollIntoView({behavior: 'smooth', block: 'center'}), 100);
  }
  window.readerRequest = answers.indexOf(answer) + ',' + n;
  document.querySelector('#reader-go')?.click();
}, true);
</script>"""

log = logging.getLogger(__name__)
Turn = dict[str, Any]  # one question and its answer, kept per browser session in gr.State


# One pass, every character as a numeric entity: the HTML ones (&<>"') so document text stays text,
# and Markdown syntax so it can never become a link, emphasis or heading where the chatbot renders
# Markdown (source titles). Entities read exactly like the characters they stand for.
_ENTITIES = str.maketrans({ch: f"&#{ord(ch)};" for ch in "&<>\"'[]()*_`~\\#|!$"})


def esc(text: object) -> str:
    """Escape anything from a document or a user for HTML and Markdown before it goes into the page."""
    return str(text).translate(_ENTITIES)


# ---------------------------------------------------------------------------------- rendering

def highlight(passage: str, spans: Sequence[tuple[int, int]]) -> str:
    """The escaped passage with each quoted span (offsets into the passage) wrapped in <mark>."""
    out, pos = [], 0
    for a, b in sorted(spans):
        a, b = max(a, pos), min(b, len(passage))
        if a < b:
            out.append(f"{esc(passage[pos:a])}<mark>{esc(passage[a:b])}</mark>")
            pos = b
    out.append(esc(passage[pos:]))
    return "".join(out).replace("\n", "<br>")


def cited(text: str) -> str:
    """Escaped text with each [n] marker set off (the page script opens source n when one is clicked)."""
    parts = _MARKER.split(text)  # text, marker number, text, ...
    return "".join(f'<sup class="cite">[{p}]</sup>' if i % 2 else esc(p) for i, p in enumerate(parts))


def render_tables(tables: Sequence[AnswerTable]) -> str:
    """An answer's figures tables: every cell escaped, every [n] clickable like the answer's own markers."""
    out = []
    for t in tables:
        head = "".join(f"<th>{esc(h)}</th>" for h in t.header)
        rows = "".join("<tr>" + "".join(f"<td>{cited(c)}</td>" for c in row) + "</tr>" for row in t.rows)
        notes = "".join(f'<div class="note">{esc(n)}</div>' for n in t.notes)
        out.append(f'<div class="answer-table"><div class="table-title">{esc(t.title)}</div>'
                   f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>{notes}</div>")
    return "".join(out)


def render_answer(text: str, refused: bool = False, warnings: Sequence[str] = (), references: bool = False,
                  streaming: bool = False, searched: str = "", carried: Sequence[str] = (), plain: str = "",
                  tables: str = "", scope: Sequence[str] = ()) -> str:
    """Answer bubble: escaped text with [n] markers set off; a refusal is marked as such, never dressed up.

    Under it, what was searched (按「…」检索), what a follow-up took from earlier turns and the filters
    it was limited to, as chips, so a rewritten question, a carried region or a filter is never
    invisible. `tables` (render_tables) sit inside the bubble, so their [n] belong to this answer.
    `plain` (the answer with its sources written out) rides in the copy button, which the page
    script puts on the clipboard.
    """
    body = cited(text).replace("\n", "<br>") + tables
    notes = [f"提示：{esc(w)}" for w in warnings]
    if references:
        notes.append("下面是检索时最接近的段落，仅供参考，不是答案的出处。")
    notes_html = "".join(f'<div class="note">{n}</div>' for n in notes)
    chips = ([searched] + [f"沿用上文{c}" for c in carried] if searched else []) + list(scope)
    chips_html = ('<div class="searched">' + "".join(f'<span class="chip">{esc(c)}</span>' for c in chips) + "</div>"
                  if chips else "")
    classes = "answer" + " refused" * refused + " streaming" * streaming
    copy = (f'<button class="copy-answer" title="复制回答和来源（纯文本）" value="{esc(plain).replace(chr(10), "&#10;").replace(chr(9), "&#9;")}">'
            "复制</button>" if plain else "")
    return f'<div class="{classes}">{body}</div>{chips_html}{notes_html}{copy}'


def _source_card(title: str, region: str, year: int | None, section: str, source: str, body: str,
                 reference: bool = False) -> str:
    """Where a passage comes from (report, region, year, section, file) above the passage itself."""
    where = " · ".join(esc(x) for x in (region, f"{year}年" if year else "") if x)
    meta = (f"<b>{esc(title)}</b>{f'（{where}）' if where else ''}<br>"
            f'<span class="src-dim">章节：{esc(section) or "（正文开头）"}　文件：{esc(source)}</span>')
    kind = "src-passage reference" if reference else "src-passage"
    return f'<div class="src-meta">{meta}</div><blockquote class="{kind}">{body}</blockquote>'


def _heading(region: str, year: int | None, section: str) -> str:
    last = section.split(" > ")[-1] if section else ""
    return " · ".join(x for x in (region, f"{year}年" if year else "", last[:30]) if x)


def cited_passage(c: Citation) -> str:
    """The citation's passage, escaped, its quoted sentences (document spans) marked; a citation made
    without spans has its quote found in the passage instead."""
    spans = [(a - c.passage_start, b - c.passage_start) for a, b in c.spans]
    at = c.passage.find(c.quote) if not spans and c.quote else -1
    return highlight(c.passage, spans or ([(at, at + len(c.quote))] if at >= 0 else []))


def source_message(n: int, c: Citation) -> dict[str, Any]:
    """A collapsed chat block titled "来源 [n]"; opening it shows the whole passage, quote highlighted."""
    return {"role": "assistant",
            "metadata": {"title": esc(f"来源 [{n}] {_heading(c.region, c.year, c.section)}"), "status": "done"},
            "content": _source_card(c.title, c.region, c.year, c.section, c.source, cited_passage(c))}


def reference_message(n: int, p: Passage) -> dict[str, Any]:
    """A closest passage under a refusal: labelled 仅供参考 so nobody takes it for a source."""
    c, m = p.chunk, p.chunk.meta
    return {"role": "assistant",
            "metadata": {"title": esc(f"仅供参考 {n}：{_heading(m.region, m.year, c.section)}"), "status": "done"},
            "content": _source_card(m.title, m.region, m.year, c.section, c.source,
                                    esc(c.text).replace("\n", "<br>"), reference=True)}


def answer_messages(answer: Answer, scope: Sequence[str] = ()) -> list[dict[str, Any]]:
    """The answer bubble (its table inside) followed by its sources, or by the closest passages when it refused."""
    # the closest passages of a refusal; not when it quotes what the report says instead (报告未说明…[1])
    references = answer.passages[:MAX_REFERENCES] if answer.refused and not answer.citations else []
    turn = {"text": answer.text, "citations": [asdict(c) for c in answer.citations], "table": answer.table}
    messages = [{"role": "assistant",
                 "content": render_answer(answer.text, answer.refused, answer.warnings, bool(references),
                                          searched=answer.searched, carried=answer.carried, plain=plain_text(turn),
                                          tables=render_tables(answer_tables(turn)), scope=scope)}]
    messages += [source_message(n, c) for n, c in enumerate(answer.citations, 1)]
    messages += [reference_message(n, p) for n, p in enumerate(references, 1)]
    return messages


def render_report(text: str, spans: Sequence[Sequence[int]], sections: Sequence[tuple[int, str]]) -> str:
    """A whole report, escaped, with the cited spans marked and an anchor where each section starts."""
    cuts = sorted({0, len(text), *(p for p, _ in sections), *(x for span in spans for x in span)})
    starts = dict(sections)
    marked = [tuple(span) for span in spans]
    out = []
    for a, b in itertools.pairwise(cuts):
        piece = esc(text[a:b]).replace("\n", "<br>")
        if a in starts:
            out.append(f'<span id="rd-{a}" class="rd-anchor"></span>')
        out.append(f"<mark>{piece}</mark>" if any(x <= a and b <= y for x, y in marked) else piece)
    return "".join(out)


def report_sections(assistant: Assistant, source: str) -> list[tuple[int, str]]:
    """(offset, heading path) where each new section of a report begins, in document order."""
    found: list[tuple[int, str]] = []
    for chunk in assistant.index.chunks_of(source):
        if chunk.section and (not found or found[-1][1] != chunk.section):
            found.append((chunk.start, chunk.section))
    return found


def render_reader(assistant: Assistant, n: int, c: dict[str, Any]) -> str:
    """The reader panel: source n's whole report, its quoted sentences marked, the headings as a contents list."""
    text = assistant.index.document_text(c["source"])
    if not text:
        return '<div class="note">这份报告已不在文档库中。</div>'
    sections = report_sections(assistant, c["source"])
    nav = "".join(f'<li><a href="#rd-{p}">{esc(path.split(" > ")[-1][:40])}</a></li>' for p, path in sections
                  if path.count(" > ") < 2)
    where = " · ".join(esc(x) for x in (c["region"], f"{c['year']}年" if c["year"] else "") if x)
    return (f'<div class="reader-head">来源 [{n}]：<b>{esc(c["title"])}</b>（{where}）　章节：{esc(c["section"])}</div>'
            f'<div class="reader-body"><nav class="reader-nav"><ul>{nav}</ul></nav>'
            f'<div class="reader-text">{render_report(text, c.get("spans") or [], sections)}</div></div>')


def chat_messages(turns: Sequence[Turn]) -> list[dict[str, Any]]:
    """The chatbot's value, rebuilt from session state so the display never has to be parsed back."""
    messages: list[dict[str, Any]] = []
    for turn in turns:
        messages.append({"role": "user", "content": esc(turn["question"])})
        messages.extend(turn["messages"])
    return messages


def mode_badge(mode: str, seconds: float | None = None) -> str:
    timing = f" · 用时 {seconds:.2f} 秒" if seconds is not None else ""
    return f"回答方式：**{MODE_LABELS.get(mode, mode)}**（{MODE_HINTS.get(mode, '')}）{timing}"


def render_ingest_results(results: Sequence[IngestResult]) -> str:
    """Per-file outcome table; failures keep their Chinese message so staff know what to fix."""
    rows = "".join(
        f'<tr><td>{esc(r.source)}</td><td class="status-{esc(r.status)}">{STATUS_LABELS.get(r.status, esc(r.status))}'
        f"</td><td>{r.chunks or ''}</td><td>{esc(r.message)}</td></tr>" for r in results)
    counts = "，".join(f"{label} {n}" for status, label in STATUS_LABELS.items()
                      if (n := sum(r.status == status for r in results)))
    return (f'<div class="ingest-results"><p>共 {len(results)} 个文件：{counts}</p><table><thead><tr>'
            f"<th>文件</th><th>结果</th><th>段落数</th><th>说明</th></tr></thead><tbody>{rows}</tbody></table></div>")


LIBRARY_HEADERS = ["报告标题", "地区", "年度", "级别", "段落数", "上传日期", "文件", "格式", "编码"]
SOURCE_COLUMN = LIBRARY_HEADERS.index("文件")
BUNDLED = "随程序提供"
LEVELS = ["省", "市", "县", "区", "开发区"]


def upload_dir(assistant: Assistant) -> Path:
    return Path(assistant.settings.data_dir) / "uploads"


def upload_dates(assistant: Assistant) -> dict[str, str]:
    """When each uploaded report's file was saved under data/uploads (its name is the report's source);
    the bundled seeds say so instead."""
    dates = {p.name: BUNDLED for p in Path(assistant.settings.seeds_dir).glob("*") if p.is_file()}
    for path in sorted(upload_dir(assistant).glob("**/*")):
        if path.is_file() and not path.name.startswith("."):
            dates[path.name] = time.strftime("%Y-%m-%d %H:%M", time.localtime(path.stat().st_mtime))
    return dates


def library_rows(docs: Sequence[dict[str, Any]], dates: dict[str, str] | None = None) -> list[list[Any]]:
    """One row per report, newest upload first; the region shown with its path (广东省 > 广州市 > 越秀区) when known."""
    dates = dates or {}
    rows = [[d["title"], d.get("path") or d["region"], d["year"] or "", d["level"], d["chunks"],
             dates.get(d["source"], ""), d["source"], d["format"],
             "不适用" if d["encoding"] == "binary" else d["encoding"]] for d in docs]  # .docx / .pdf have none
    return sorted(rows, key=lambda r: r[5] if r[5] != BUNDLED else "", reverse=True)


def library_value(assistant: Assistant, docs: Sequence[dict[str, Any]]) -> list[list[Any]]:
    return library_rows(docs, upload_dates(assistant))


def report_choices(docs: Sequence[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(f"{d['title']}（{d['source']}）", d["source"]) for d in docs]


def forget_upload(assistant: Assistant, source: str) -> None:
    """Remove a deleted report's uploaded file(s) (named after it; a hash subfolder holds a same-named other)."""
    folder = upload_dir(assistant)
    for path in [folder / source, *folder.glob(f"*/{glob_escape(source)}")]:
        if path.is_file():
            path.unlink()


def save_metadata(assistant: Assistant, source: str, region: str, year: str, title: str, level: str) -> str:
    """Keep a user's correction of one report's metadata (in the catalog); the line shown under the form."""
    from .corrections import CorrectionError, save

    if not source:
        return "请先选择要更正的报告。"
    try:
        meta = save(assistant.settings.store_dir, source, {"region": region, "year": year, "title": title,
                                                            "level": level})
    except CorrectionError as exc:
        return f"未保存：{exc}"
    return f"已保存：{' > '.join(meta.path) or meta.region}，{meta.level}，{meta.year or '年度未知'}，{meta.title}"


def metadata_editor(demo: gr.Blocks, assistant: Assistant, upload_users: frozenset[str] | None,
                    library: gr.Dataframe, filters: list[gr.Dropdown]) -> None:
    """The library tab's correction form: users who may upload may also correct region, year, title, level."""
    with gr.Accordion("更正报告信息", open=False, visible=True, elem_id="meta-editor") as box:
        source = gr.Dropdown(label="报告", choices=[], value=None, elem_id="meta-source")
        with gr.Row():
            region = gr.Textbox(label="地区", placeholder="如 越秀区 或 广州市越秀区", elem_id="meta-region")
            year = gr.Textbox(label="年度", placeholder="如 2023", elem_id="meta-year")
            level = gr.Dropdown(label="层级", choices=["", *LEVELS], value="", elem_id="meta-level")
        title = gr.Textbox(label="标题", elem_id="meta-title")
        save_button = gr.Button("保存更正", elem_id="meta-save")
        result = gr.Markdown(elem_id="meta-result")
    private = {"api_visibility": "private"}

    def show(request: gr.Request) -> tuple:
        docs = assistant.documents()
        return (gr.update(visible=may_upload(request.username, upload_users)), gr.update(choices=report_choices(docs)))

    def pick(chosen: str) -> tuple:
        d = next((d for d in assistant.documents() if d["source"] == chosen), None)
        if d is None:
            return "", "", "", ""
        return d["region"], str(d["year"] or ""), d["title"], d["level"]

    def on_save(chosen: str, r: str, y: str, t: str, lv: str, fr: str, fy: str, fs: str, request: gr.Request) -> tuple:
        if not may_upload(request.username, upload_users):
            raise gr.Error("当前账号没有更正报告信息的权限。", title=NOTICE_TITLES["error"])
        message = save_metadata(assistant, chosen, r, y, t, lv)
        docs = assistant.documents()
        return (message, library_value(assistant, docs), *filter_updates(docs, fr, fy, fs))

    demo.load(show, None, [box, source], **private)
    source.change(pick, [source], [region, year, title, level], **private)
    save_button.click(on_save, [source, region, year, title, level, *filters], [result, library, *filters], **private)


def library_tab(demo: gr.Blocks, assistant: Assistant, docs: Sequence[dict[str, Any]],
                upload_users: frozenset[str] | None, filters: list[gr.Dropdown], tabs: gr.Tabs) -> None:
    """The 文档库 tab: the searchable, sortable table, managing one report, uploads and corrections."""
    private = {"api_visibility": "private"}
    accepted = "、".join(sorted(SUPPORTED_SUFFIXES))
    with gr.Tab("文档库", id="library"):
        library = gr.Dataframe(library_value(assistant, docs), headers=LIBRARY_HEADERS, label="已入库的报告（点表头排序）",
                               interactive=False, wrap=True, show_search="search", elem_id="library")
        manager = ReportManager(assistant, docs, upload_users)
        with gr.Group(visible=True) as upload_box:
            files = gr.File(label=f"上传报告（{accepted}，每个文件不超过 {MAX_FILE_BYTES // 1048576} MB）",
                            file_count="multiple", type="filepath", elem_id="upload")
            do_ingest = gr.Button("导入", variant="primary", elem_id="ingest")
        ingest_results = gr.HTML(elem_id="ingest-results")
        metadata_editor(demo, assistant, upload_users, library, filters)
    manager.wire(demo, library, filters, tabs)

    def refresh(r: str, y: str, s: str, request: gr.Request) -> tuple:
        now = assistant.documents()
        return (library_value(assistant, now), *filter_updates(now, r, y, s),
                gr.update(visible=may_upload(request.username, upload_users)))

    def on_ingest(paths: list[str] | None, r: str, y: str, s: str, request: gr.Request,
                  progress: gr.Progress = gr.Progress()) -> tuple:
        if not may_upload(request.username, upload_users):
            raise gr.Error("当前账号没有上传报告的权限。", title=NOTICE_TITLES["error"])
        if not paths:
            gr.Warning("请先选择要导入的文件。", title=NOTICE_TITLES["warning"])
            return (gr.skip(),) * 7
        progress(0, desc="正在保存文件…")
        results = ingest_uploads(assistant, paths, progress)
        now = assistant.documents()
        return (render_ingest_results(results), library_value(assistant, now), *filter_updates(now, r, y, s), None,
                gr.update(choices=report_choices(now)))

    demo.load(refresh, filters, [library, *filters, upload_box], **private)
    do_ingest.click(on_ingest, [files, *filters], [ingest_results, library, *filters, files, manager.source], **private)


class ReportManager:
    """One report at a time: 只问这份报告 (for everyone), 重新索引 and 删除 (for those who may upload;
    deleting asks once more and removes the report's vectors, BM25 entries, catalog rows and file)."""

    def __init__(self, assistant: Assistant, docs: Sequence[dict[str, Any]], upload_users: frozenset[str] | None) -> None:
        self.assistant, self.upload_users = assistant, upload_users
        with gr.Group(elem_id="library-manage"):
            self.source = gr.Dropdown(report_choices(docs), value=None, label="选择报告（或点表格中的一行）",
                                      elem_id="manage-source")
            with gr.Row():
                self.only = gr.Button("只问这份报告", size="sm", elem_id="ask-only")
                with gr.Row(visible=True) as self.admin:
                    self.reindex = gr.Button("重新索引", size="sm", elem_id="reindex-one")
                    self.delete = gr.Button("删除", size="sm", variant="stop", elem_id="delete-report")
            with gr.Group(visible=False, elem_id="delete-confirm") as self.confirm_box:
                self.confirm_text = gr.Markdown()
                with gr.Row():
                    self.yes = gr.Button("确认删除", size="sm", variant="stop", elem_id="delete-yes")
                    self.no = gr.Button("取消", size="sm", elem_id="delete-no")
            self.result = gr.HTML(elem_id="manage-result")

    def doc(self, source: str | None) -> dict[str, Any] | None:
        return next((d for d in self.assistant.documents() if d["source"] == source), None)

    def allowed(self, request: gr.Request) -> None:
        if not may_upload(request.username, self.upload_users):
            raise gr.Error("当前账号没有管理文档库的权限。", title=NOTICE_TITLES["error"])

    def pick(self, evt: gr.SelectData) -> Any:
        row = evt.row_value or []
        return row[SOURCE_COLUMN] if len(row) > SOURCE_COLUMN else gr.skip()

    def ask_only(self, source: str | None, r: str, y: str, s: str) -> tuple:
        """Filters set to this report (its region and year too, so the report list offers it), 问答 tab shown."""
        d = self.doc(source)
        if d is None:
            gr.Warning("请先选择一份报告。", title=NOTICE_TITLES["warning"])
            return (gr.skip(),) * 4
        gr.Info(f"接下来的问题只问《{d['title']}》，回答下方会注明；在「检索范围」中选「全部报告」即可取消。",
                title=NOTICE_TITLES["info"])
        updates = filter_updates(self.assistant.documents(), d["region"], str(d["year"] or ""), d["source"])
        return gr.Tabs(selected="chat"), *updates

    def ask_delete(self, source: str | None, request: gr.Request) -> tuple:
        self.allowed(request)
        d = self.doc(source)
        if d is None:
            gr.Warning("请先选择要删除的报告。", title=NOTICE_TITLES["warning"])
            return gr.skip(), gr.skip()
        return gr.update(visible=True), (f"确定删除《{esc(d['title'])}》（{esc(d['source'])}）吗？它的段落、向量和数字将从"
                                         "文档库中移除，之后的回答不再引用它；上传的文件也一并删除。")

    def do_delete(self, source: str | None, r: str, y: str, s: str, request: gr.Request) -> tuple:
        self.allowed(request)
        d = self.doc(source)
        if d is None or not self.assistant.remove(d["source"]):
            message = "这份报告已不在文档库中。"
        else:
            forget_upload(self.assistant, d["source"])
            message = f"已删除《{esc(d['title'])}》。"
        now = self.assistant.documents()
        return (gr.update(visible=False), f'<div class="note">{message}</div>', library_value(self.assistant, now),
                *filter_updates(now, r, y, s), gr.update(choices=report_choices(now), value=None))

    def do_reindex(self, source: str | None, request: gr.Request) -> tuple:
        self.allowed(request)
        if self.doc(source) is None:
            gr.Warning("请先选择要重新索引的报告。", title=NOTICE_TITLES["warning"])
            return gr.skip(), gr.skip()
        result = self.assistant.reindex_one(source)
        return render_ingest_results([result]), library_value(self.assistant, self.assistant.documents())

    def show(self, request: gr.Request) -> tuple:
        return (gr.update(visible=may_upload(request.username, self.upload_users)),
                gr.update(choices=report_choices(self.assistant.documents())))

    def wire(self, demo: gr.Blocks, library: gr.Dataframe, filters: list[gr.Dropdown], tabs: gr.Tabs) -> None:
        private = {"api_visibility": "private"}
        demo.load(self.show, None, [self.admin, self.source], **private)
        library.select(self.pick, None, [self.source], **private)
        self.only.click(self.ask_only, [self.source, *filters], [tabs, *filters], **private)
        self.delete.click(self.ask_delete, [self.source], [self.confirm_box, self.confirm_text], **private)
        self.no.click(lambda: gr.update(visible=False), None, [self.confirm_box], **private)
        self.yes.click(self.do_delete, [self.source, *filters],
                       [self.confirm_box, self.result, library, *filters, self.source], **private)
        self.reindex.click(self.do_reindex, [self.source], [self.result, library], **private)


def example_questions(docs: Sequence[dict[str, Any]]) -> list[str]:
    """A few questions about the loaded reports (one per region, newest report first), then a topic question."""
    newest: dict[str, dict[str, Any]] = {}
    for d in sorted((d for d in docs if d["region"]), key=lambda d: -(d["year"] or 0)):
        newest.setdefault(d["region"], d)
    picked = list(newest.values())[: MAX_EXAMPLES - 1]
    questions = [EXAMPLE_TEMPLATES[i % 2 if d["year"] else 1].format(region=d["region"], year=d["year"])
                 for i, d in enumerate(picked)]
    return questions + [EXAMPLE_TOPIC] if docs else []


def filter_choices(docs: Sequence[dict[str, Any]], region: str = "") -> dict[str, list[tuple[str, str]]]:
    """Dropdown choices for each filter key of Assistant.ask, led by its "all" entry (value "").

    Years and reports narrow to the chosen region, so a region and a year it has no report for cannot be chosen.
    """
    narrowed = [d for d in docs if d["region"] == region] if region else docs
    found = {"region": [(r, r) for r in sorted({d["region"] for d in docs if d["region"]})],
             "year": [(f"{y}年", y) for y in sorted({str(d["year"]) for d in narrowed if d["year"]}, reverse=True)],
             "source": sorted((d["title"], d["source"]) for d in narrowed)}
    return {key: [(ALL_LABELS[key], ""), *choices] for key, choices in found.items()}


def filter_updates(docs: Sequence[dict[str, Any]], region: str, year: str, source: str) -> tuple[dict, ...]:
    """Updates for the region / year / report dropdowns, keeping a current choice that still exists."""
    current = {"region": region, "year": year, "source": source}
    return tuple(gr.update(choices=choices, value=current[key] if current[key] in {v for _, v in choices} else "")
                 for key, choices in filter_choices(docs, region).items())


# ---------------------------------------------------------------------------- answering logic

def make_filters(region: str, year: str, source: str) -> dict[str, object] | None:
    found = {"region": region or None, "year": int(year) if year else None, "source": source or None}
    return {k: v for k, v in found.items() if v is not None} or None


def history_of(turns: Sequence[Turn]) -> list[dict[str, str]]:
    """Plain-text conversation for follow-up rewriting (what the answers said, not their HTML)."""
    history: list[dict[str, str]] = []
    for turn in turns:
        history += [{"role": "user", "content": turn["question"]}, {"role": "assistant", "content": turn["text"]}]
    return history


def answer_events(assistant: Assistant, question: str, history: list[dict[str, str]],
                  filters: dict[str, object] | None, mode: str | None = None,
                  cancel: threading.Event | None = None) -> Iterator[str | Answer]:
    """Answer text so far (str) as it grows, then the final Answer; `cancel` stops a model's stream.

    An LLM answer streams as the model writes; the extractive one answers at once and is cut into a
    few pieces.
    """
    for event in assistant.stream(question, history=history, filters=filters, mode=mode, cancel=cancel):
        yield event
        if isinstance(event, str):
            time.sleep(STREAM_DELAY_S)  # an instant extractive answer still reads as being written


def new_turn(question: str, answer: Answer, scope: Sequence[str] = ()) -> Turn:
    """What a session keeps of one exchange: enough to redraw it, continue the chat, export it and file feedback."""
    return {"question": question, "text": answer.text, "mode": answer.mode, "searched": answer.searched,
            "citations": [asdict(c) for c in answer.citations], "table": answer.table, "scope": list(scope),
            "messages": answer_messages(answer, scope), "vote": None}


def scope_chips(docs: Sequence[dict[str, Any]], region: str, year: str, source: str) -> list[str]:
    """The filters an answer was limited to, in words for its chips (only the report when one is chosen)."""
    if source:
        return [f"只问《{next((d['title'] for d in docs if d['source'] == source), source)}》"]
    return [x for x in (f"仅限地区：{region}" if region else "", f"仅限年度：{year}年" if year else "") if x]


def turn_at(turns: Sequence[Turn], message_index: int) -> int | None:
    """Which turn a chatbot message index (as given by a like event) belongs to."""
    users = [m["role"] == "user" for m in chat_messages(turns)[: message_index + 1]]
    return sum(users) - 1 if any(users) else None


# ------------------------------------------------------------------------------------ uploads

class UploadError(Exception):
    """A file refused before ingestion; str(e) is the Chinese message shown for that file."""


def safe_filename(name: str) -> str:
    """Basename with only word characters (Chinese included), - ( ) （ ） ·; extension kept.

    Strips any directory part (both separators) so no upload can escape the upload folder.
    """
    base = re.split(r"[\\/]", name)[-1].strip()
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    stem = _UNSAFE_NAME_CHARS.sub("_", stem).strip("_.")[:120] or "upload"
    ext = re.sub(r"[^0-9A-Za-z]", "", ext)[:10]
    return f"{stem}.{ext}" if ext else stem


def save_upload(path: str | Path, upload_dir: Path) -> Path:
    """Copy one uploaded temp file into upload_dir under its sanitized name (atomically).

    A file of that name with other content is another report (ingest knows a report by its path):
    this one goes into a subfolder named by its hash, never over the other one.
    """
    src = Path(path)
    size = src.stat().st_size
    if size > MAX_FILE_BYTES:
        raise UploadError(f"文件过大（{size / 1048576:.1f} MB，上限 {MAX_FILE_BYTES // 1048576} MB）")
    target = upload_dir / safe_filename(src.name)
    if target.is_file() and not filecmp.cmp(src, target, shallow=False):
        digest = hashlib.sha256(src.read_bytes()).hexdigest()[:12]
        target = upload_dir / digest / target.name
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    os.close(fd)
    try:
        shutil.copyfile(src, tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def ingest_uploads(assistant: Assistant, files: Sequence[str],
                   progress: gr.Progress | None = None) -> list[IngestResult]:
    """Save then ingest every file; one result per file, in upload order, failures included."""
    upload_dir = Path(assistant.settings.data_dir) / "uploads"
    slots: list[IngestResult | None] = []
    saved: list[Path] = []
    for f in files:
        try:
            saved.append(save_upload(f, upload_dir))
            slots.append(None)
        except (UploadError, OSError) as exc:
            message = str(exc) if isinstance(exc, UploadError) else f"无法保存文件：{exc.strerror or exc}"
            slots.append(IngestResult(safe_filename(Path(f).name), "error", message=message))

    def report(n: int, total: int, name: str) -> None:
        if progress is not None:
            progress((n, total), desc=f"已处理 {name}")

    def notify(kind: str, line: str) -> None:  # waiting for another ingest, or chunks of a large file
        if progress is not None:
            progress(None, desc=line)

    ingested = iter(zip(saved, ingest_paths(saved, assistant.index, assistant.lexicon, assistant.settings, report,
                                            notify=notify) if saved else []))
    results = []
    for slot in slots:
        if slot is None:
            path, slot = next(ingested)
            if slot.status in NOT_KEPT:  # nothing of it is in the library, so its file is not kept either
                path.unlink(missing_ok=True)
        results.append(slot)
    return results


# -------------------------------------------------------------------------------- deployment

def parse_auth(raw: str) -> list[tuple[str, str]]:
    """ASSISTANT_AUTH "user:pass[,user2:pass2]" as Gradio's auth list; entries without ":" are ignored."""
    pairs = []
    for entry in raw.split(","):
        user, sep, password = entry.strip().partition(":")
        if sep and user:
            pairs.append((user, password))
    return pairs


def upload_users_from_env() -> frozenset[str] | None:
    """Who may upload when logins are on (ASSISTANT_UPLOAD_USERS); None means everyone signed in."""
    names = {n.strip() for n in os.environ.get("ASSISTANT_UPLOAD_USERS", "").split(",") if n.strip()}
    return frozenset(names) or None


def may_upload(username: str | None, upload_users: frozenset[str] | None) -> bool:
    """Anyone without logins (username None) or without a list; with both, only the listed users."""
    return upload_users is None or username is None or username in upload_users


# --------------------------------------------------------------------------------- the app

# ---------------------------------------------------------------------------------- 对比 tab

COMPARE_EXAMPLES = ["行政复议", "败诉率", "出庭应诉率", "法律顾问", "规范性文件", "行政执法人员"]


def render_comparison(table: Comparison) -> str:
    """The table (every reported cell opens its passage, quote highlighted), a bar chart, the computed ranking."""
    if not table.matched:
        return f'<div class="note">{esc(table.summary())}换个说法试试，例如：{"、".join(COMPARE_EXAMPLES[:4])}。</div>'
    rows, n = [], 0
    for r in table.rows:
        if r.reported and r.citation:
            n += 1
            c = r.citation
            label = esc(r.cell) + ("" if r.comparable else "（口径不同）")
            cell = (f'<details class="cmp-cell"><summary>{label} <sup class="cite">[{n}]</sup></summary>'
                    f"{_source_card(c.title, c.region, c.year, c.section, c.source, cited_passage(c))}"
                    "</details>")
        else:
            cell = f'<span class="cmp-none">{esc(r.cell)}</span>'
        rows.append(f"<tr><td>{esc(r.region)}</td><td>{r.year or ''}</td><td>{cell}</td><td>{esc(r.qualifier)}</td>"
                    f"<td>{esc(r.indicator)}</td></tr>")
    head = "".join(f"<th>{h}</th>" for h in ("地区", "年度", "数值（点开看原文）", "口径", "报告原文指标"))
    notes = "".join(f'<div class="note">{esc(x)}</div>' for x in [table.summary(), *table.changes()])
    others = (f'<div class="note">同一检索还找到：{esc("；".join(table.other_groups[:6]))}（口径不同，未合并）</div>'
              if table.other_groups else "")
    return (f'<div class="compare"><h4>{esc(table.indicator)}</h4><table><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>{bar_chart(table)}{notes}{others}</div>")


def bar_chart(table: Comparison) -> str:
    """Horizontal bars of the comparable figures, largest first, drawn in HTML (no plotting library)."""
    ranked = table.ranking()
    if not ranked:
        return ""
    top = max(r.value for r in ranked) or 1.0
    bars = "".join(
        f'<div class="bar-row"><span class="bar-label">{esc(r.region)} {r.year or ""}</span>'
        f'<span class="bar" style="width:{max(1.0, 70 * r.value / top):.1f}%"></span>'
        f'<span class="bar-value">{esc(r.wording)}</span></div>' for r in ranked)
    return f'<div class="bar-chart" role="img" aria-label="{esc(table.indicator)}">{bars}</div>'


def export_files(table: Comparison, folder: Path) -> tuple[str | None, str | None]:
    """CSV (UTF-8 with BOM, so Excel reads the Chinese) and XLSX of the table, named after the indicator."""
    if not table.matched:
        return None, None
    folder.mkdir(parents=True, exist_ok=True)
    name = safe_filename(f"对比_{table.topic}")[:60] or "对比"
    csv_path = folder / f"{name}.csv"
    csv_path.write_text(table.to_csv(), encoding="utf-8-sig")
    return str(csv_path), str(table.to_xlsx(folder / f"{name}.xlsx"))


def _scratch(prefix: str) -> Path:
    """A folder for the files a tab offers for download, removed when the process ends."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def compare_tab(assistant: Assistant, docs: Sequence[dict[str, Any]]) -> None:
    """The 对比 tab: one indicator across the chosen reports (all by default) as a cited table and a chart."""
    regions = sorted({d["region"] for d in docs if d["region"]})
    years = sorted({str(d["year"]) for d in docs if d["year"]})
    with gr.Tab("对比") as tab:
        with gr.Row():
            query = gr.Textbox(label="指标", placeholder="例如：行政复议、败诉率、法律顾问", scale=4, elem_id="compare-query")
            picked_regions = gr.Dropdown(regions, value=[], multiselect=True, label="地区（不选为全部）", scale=3,
                                         elem_id="compare-regions")
            picked_years = gr.Dropdown(years, value=[], multiselect=True, label="年度（不选为全部）", scale=2,
                                       elem_id="compare-years")
            go = gr.Button("对比", variant="primary", scale=1, min_width=80, elem_id="compare-go")
        gr.Examples(COMPARE_EXAMPLES, inputs=[query], label="常用指标")
        result = gr.HTML(elem_id="compare-result")
        with gr.Row():
            csv_file = gr.DownloadButton("下载 CSV", value=None, interactive=False, elem_id="compare-csv")
            xlsx_file = gr.DownloadButton("下载 Excel（XLSX）", value=None, interactive=False, elem_id="compare-xlsx")
    folder = _scratch("compare-")

    def run(text: str, chosen_regions: list[str], chosen_years: list[str]) -> tuple:
        if not (text or "").strip():
            gr.Warning("请输入要对比的指标，例如：行政复议。", title=NOTICE_TITLES["warning"])
            return gr.skip(), gr.skip(), gr.skip()
        table = assistant.compare(text.strip()[:100], chosen_regions or None,
                                  [int(y) for y in chosen_years] or None)
        csv_path, xlsx_path = export_files(table, folder / str(time.time_ns()))
        return (render_comparison(table), gr.update(value=csv_path, interactive=bool(csv_path)),
                gr.update(value=xlsx_path, interactive=bool(xlsx_path)))

    def refresh() -> tuple:
        now = assistant.documents()
        return (gr.update(choices=sorted({d["region"] for d in now if d["region"]})),
                gr.update(choices=sorted({str(d["year"]) for d in now if d["year"]})))

    private = {"api_visibility": "private"}
    outputs = [result, csv_file, xlsx_file]
    go.click(run, [query, picked_regions, picked_years], outputs, **private)
    query.submit(run, [query, picked_regions, picked_years], outputs, **private)
    tab.select(refresh, None, [picked_regions, picked_years], **private)


def export_choices(turns: Sequence[Turn]) -> list[tuple[str, str]]:
    """What can be exported: the whole conversation, or one answer (by turn number)."""
    return [("整个对话", "all")] + [(f"第 {i} 问：{t['question'][:20]}", str(i - 1)) for i, t in enumerate(turns, 1)]


def export_outputs(turns: Sequence[Turn], scope: str, folder: Path) -> tuple[dict, ...]:
    """Download button updates with fresh .docx / .md files of the chosen turns, and CSV / XLSX of their
    figures tables (each off while there is nothing to put in it)."""
    chosen = list(turns) if scope == "all" or not scope.isdigit() or int(scope) >= len(turns) else [turns[int(scope)]]
    off = gr.update(value=None, interactive=False)
    if not chosen:
        return off, off, off, off
    name = "问答记录" if len(chosen) > 1 else safe_filename(f"问答_{chosen[0]['question'][:20]}")
    place = folder / str(time.time_ns())
    docx_path, md_path = export_turns(chosen, place, name)
    files = [gr.update(value=docx_path, interactive=True), gr.update(value=md_path, interactive=True)]
    if not has_tables(chosen):
        return *files, off, off
    csv_path = place / f"{name}_表格.csv"
    csv_path.write_text(tables_csv(chosen), encoding="utf-8-sig")  # with BOM, so Excel reads the Chinese
    xlsx_path = write_tables_xlsx(chosen, place / f"{name}_表格.xlsx")
    return (*files, gr.update(value=str(csv_path), interactive=True), gr.update(value=str(xlsx_path), interactive=True))


class ExportRow:
    """Under the chat: export one answer or the whole conversation as Word or Markdown, and the answers'
    figures tables as CSV or Excel."""

    def __init__(self, turns: gr.State) -> None:
        self.folder = _scratch("export-")
        button = {"value": None, "interactive": False, "scale": 1, "size": "sm"}
        with gr.Row(elem_id="export-row"):
            self.scope = gr.Dropdown(export_choices([]), value="all", label="导出", scale=3, elem_id="export-scope")
            self.buttons = [gr.DownloadButton("导出 Word", elem_id="export-docx", **button),
                            gr.DownloadButton("导出 Markdown", elem_id="export-md", **button),
                            gr.DownloadButton("表格 CSV", elem_id="export-table-csv", **button),
                            gr.DownloadButton("表格 Excel", elem_id="export-table-xlsx", **button)]
        self.scope.input(self.files, [turns, self.scope], self.buttons, api_visibility="private")

    def files(self, turns: list[Turn], scope: str) -> tuple[dict, ...]:
        return export_outputs(turns, scope, self.folder)

    def refresh(self, turns: list[Turn], scope: str) -> tuple[dict, ...]:
        """After the conversation changed: choices for it, the scope kept when it still exists."""
        choices = export_choices(turns)
        scope = scope if scope in {v for _, v in choices} else "all"
        return (gr.update(choices=choices, value=scope), *self.files(turns, scope))

    def wire(self, events: Sequence[Any], turns: gr.State) -> None:
        for event in events:
            event.then(self.refresh, [turns, self.scope], [self.scope, *self.buttons], api_visibility="private")


class SavedConversations:
    """The sidebar of saved conversations (per login, else per browser): reopen, rename, delete.

    The browser's id lives in localStorage, sealed with a key kept in the store, so it outlives a
    reload and a server restart; the latest conversation is reopened when the page loads.
    """

    def __init__(self, store: ConversationStore) -> None:
        self.store = store
        self.browser = gr.BrowserState(None, storage_key="fazhi-assistant-browser", secret=store.secret())
        self.current = gr.State(None)  # id of the conversation on screen; None until its first answer
        with gr.Sidebar(label="对话记录", open=True, elem_id="history"):
            gr.Markdown("#### 对话记录")
            self.picker = gr.Radio([], value=None, label="已保存的对话（最近的在前）", elem_id="history-list")
            self.title = gr.Textbox(label="对话名称", max_lines=1, elem_id="history-title")
            with gr.Row():
                self.rename_button = gr.Button("重命名", size="sm", elem_id="history-rename")
                self.delete_button = gr.Button("删除", size="sm", variant="stop", elem_id="history-delete")

    def owner(self, browser: str | None, request: gr.Request) -> str:
        return owner_of(request.username, browser)

    def picker_update(self, owner: str, current: str | None) -> dict:
        return gr.update(choices=[(c.title, c.id) for c in self.store.list(owner)], value=current)

    def title_of(self, owner: str, current: str | None) -> str:
        return next((c.title for c in self.store.list(owner) if c.id == current), "")

    def start(self, browser: str | None, request: gr.Request) -> tuple:
        """On page load: give a new browser its id, reopen the latest conversation."""
        browser = browser or uuid.uuid4().hex
        owner = self.owner(browser, request)
        latest = next(iter(self.store.list(owner)), None)
        turns = (self.store.load(owner, latest.id) or []) if latest else []
        current = latest.id if latest else None
        return (browser, self.picker_update(owner, current), latest.title if latest else "", current,
                chat_messages(turns), turns)

    def remember(self, turns: list[Turn], current: str | None, browser: str | None, request: gr.Request) -> tuple:
        if not turns:
            return gr.skip(), gr.skip(), gr.skip()
        owner = self.owner(browser, request)
        current = self.store.save(owner, current, turns)
        return current, self.picker_update(owner, current), self.title_of(owner, current)

    def reopen(self, picked: str | None, browser: str | None, request: gr.Request) -> tuple:
        owner = self.owner(browser, request)
        turns = self.store.load(owner, picked) if picked else None
        if turns is None:
            gr.Warning("这个对话已不存在。", title=NOTICE_TITLES["warning"])
            return None, self.picker_update(owner, None), "", [], []
        return picked, gr.skip(), self.title_of(owner, picked), chat_messages(turns), turns

    def rename(self, current: str | None, title: str, browser: str | None, request: gr.Request) -> Any:
        owner = self.owner(browser, request)
        if not current or not self.store.rename(owner, current, title):
            gr.Warning("请先打开一个已保存的对话，并填写新名称。", title=NOTICE_TITLES["warning"])
            return gr.skip()
        return self.picker_update(owner, current)

    def delete(self, current: str | None, browser: str | None, request: gr.Request) -> tuple:
        owner = self.owner(browser, request)
        if current:
            self.store.delete(owner, current)
        return None, self.picker_update(owner, None), "", [], []

    def wire(self, demo: gr.Blocks, chatbot: gr.Chatbot, turns: gr.State, asked: Sequence[Any],
             cleared: Sequence[Any]) -> list[Any]:
        """Connect the sidebar to the chat; returns the events that change the turns shown."""
        private = {"api_visibility": "private"}
        shown = [self.current, self.picker, self.title, chatbot, turns]
        for event in asked:
            event.then(self.remember, [turns, self.current, self.browser], [self.current, self.picker, self.title],
                       **private)
        for event in cleared:
            event.then(lambda: (None, gr.update(value=None), ""), None, [self.current, self.picker, self.title],
                       **private)
        return [demo.load(self.start, [self.browser], [self.browser, *shown], **private),
                self.picker.input(self.reopen, [self.picker, self.browser], shown, **private),
                self.delete_button.click(self.delete, [self.current, self.browser], shown, **private),
                self.rename_button.click(self.rename, [self.current, self.title, self.browser], [self.picker],
                                         **private)]


def reader_panel(assistant: Assistant, turns: gr.State) -> None:
    """The reader under the chat: a clicked [n] shows its whole report there, quoted sentences marked."""
    with gr.Accordion("原文阅读", open=False, elem_id="reader-box") as box:
        reader = gr.HTML('<div class="note">点击回答中的 [1] [2] 等标记，在这里阅读整份报告。</div>', elem_id="reader")
    request = gr.Textbox(visible="hidden", elem_id="reader-request")
    go = gr.Button("打开原文", visible="hidden", elem_id="reader-go")

    def show(wanted: str, state: list[Turn]) -> tuple:
        turn, _, n = (wanted or "").partition(",")
        if not (turn.isdigit() and n.isdigit() and int(turn) < len(state)
                and 0 < int(n) <= len(state[int(turn)]["citations"])):
            return gr.skip(), gr.skip()
        return gr.update(open=True), render_reader(assistant, int(n), state[int(turn)]["citations"][int(n) - 1])

    go.click(show, [request, turns], [box, reader], js="(r, t) => [window.readerRequest || r, t]",
             api_visibility="private").then(
        None, None, None, js="() => setTimeout(() => document.querySelector('#reader mark')"
                             "?.scrollIntoView({block: 'center'}), 200)")


def wire_feedback(feedback: FeedbackStore, chatbot: gr.Chatbot, turns: gr.State, target: gr.State,
                  comment: gr.Textbox, send_comment: gr.Button) -> None:
    """Votes (the chatbot's like buttons) and comments, appended to data/feedback.jsonl."""
    private = {"api_visibility": "private"}

    def record(turn: Turn, comment_text: str = "") -> None:
        feedback.add(turn["question"], turn["text"], turn["citations"], turn["mode"], turn["vote"], comment_text)

    def on_like(state: list[Turn], data: gr.LikeData) -> tuple:
        n = turn_at(state, data.index)
        vote = {True: "up", False: "down"}.get(data.liked) if isinstance(data.liked, bool) else None  # "": undone
        if n is None or vote is None:
            return gr.skip(), gr.skip()
        state[n]["vote"] = vote
        record(state[n])
        gr.Info("感谢反馈！" + ("已记为“有帮助”。" if vote == "up" else "已记为“没帮助”，可在右侧补充意见。"),
                title=NOTICE_TITLES["info"])
        return state, n

    def on_comment(text: str, state: list[Turn], n: int | None) -> Any:
        if not text.strip():
            gr.Warning("请先填写意见。", title=NOTICE_TITLES["warning"])
            return gr.skip()
        if not state:
            gr.Warning("还没有可以评价的回答。", title=NOTICE_TITLES["warning"])
            return gr.skip()
        record(state[n if n is not None and n < len(state) else -1], text)
        gr.Info("意见已提交，谢谢！", title=NOTICE_TITLES["info"])
        return ""

    chatbot.like(on_like, [turns], [turns, target], **private)
    send_comment.click(on_comment, [comment, turns, target], [comment], **private)


def register_api(assistant: Assistant) -> None:
    """The /ask endpoint for scripts (gradio_client)."""

    def ask(question: str, region: str = "", year: str = "", source: str = "", mode: str = "") -> dict:
        """Answer one standalone question; JSON with text, refused, mode and citations (quote, passage).

        Like the chat, the API boundary answers every request: a failure is logged here and the
        caller gets a refusal saying so, never an internal error message.
        """
        try:
            return assistant.ask(question, filters=make_filters(region, year, source), mode=mode or None).to_dict()
        except InvalidArgument as exc:
            return Answer(text=f"请求参数有误：{exc}", refused=True).to_dict()
        except Exception:
            log.exception("answering failed (API)")
            return Answer(text=ASK_FAILED, refused=True).to_dict()

    gr.api(ask, api_name="ask")


class Running:
    """Answers being written, per browser session: 停止回答 and 新对话 set their cancel events, which
    close the model's stream (llm.LLM.stream), so the endpoint stops generating and its slot frees
    at once instead of when the reply or the deadline ends.

    Each cancel carries the chat the button leaves (`view`), and the cut-short answer ends by showing
    it too: the button's output and the answer's last one may reach the page in either order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cancels: dict[str, set[threading.Event]] = {}

    @contextlib.contextmanager
    def answering(self, session: str) -> Iterator[threading.Event]:
        cancel = threading.Event()
        with self._lock:
            self._cancels.setdefault(session, set()).add(cancel)
        try:
            yield cancel
        finally:
            with self._lock:
                left = self._cancels.get(session, set())
                left.discard(cancel)
                if not left:
                    self._cancels.pop(session, None)

    def stop(self, session: str, view: list[dict[str, Any]]) -> None:
        with self._lock:
            for cancel in self._cancels.get(session, ()):
                cancel.view = view  # type: ignore[attr-defined]
                cancel.set()


@dataclass
class ChatPanel:
    """The 问答 tab's parts that its events and the other tabs use."""

    chatbot: gr.Chatbot
    question: gr.Textbox
    send: gr.Button
    clear: gr.Button
    stop: gr.Button
    mode: gr.Markdown
    exports: ExportRow
    filters: list[gr.Dropdown]
    answer_mode: gr.Radio
    comment: gr.Textbox
    send_comment: gr.Button


def chat_column(assistant: Assistant, docs: Sequence[dict[str, Any]], turns: gr.State) -> tuple:
    """The chat, the question box and its buttons, the export row and the reader."""
    chatbot = gr.Chatbot(
        # No copy buttons: they would copy the HTML source of the bubbles, not their text.
        label="对话", show_label=False, height=620, latex_delimiters=[], buttons=[], group_consecutive_messages=True,
        placeholder="### 请提问\n例如某地某年的具体数字、措施、问题与不足，或哪些地方提到了某项工作。",
        examples=[{"text": q} for q in example_questions(docs)], elem_id="chat")
    with gr.Row():
        question = gr.Textbox(placeholder="输入问题，按回车发送", show_label=False, scale=8, max_lines=4,
                              elem_id="question")
        send = gr.Button("发送", variant="primary", scale=1, min_width=80)
    with gr.Row():
        clear = gr.Button("新对话", size="sm", scale=0, min_width=90, elem_id="new-chat")
        stop = gr.Button("停止回答", size="sm", scale=0, min_width=90, elem_id="stop-answer")
        mode = gr.Markdown(mode_badge(assistant.settings.mode), elem_id="mode")
    exports = ExportRow(turns)
    reader_panel(assistant, turns)
    return chatbot, question, send, clear, stop, mode, exports


def filter_column(assistant: Assistant, docs: Sequence[dict[str, Any]]) -> tuple:
    """检索范围 (region -> year -> report), the answer mode when a model is configured, and the comment box."""
    choices = filter_choices(docs)
    gr.Markdown("#### 检索范围")
    filters = [gr.Dropdown(label="地区", choices=choices["region"], value="", elem_id="filter-region"),
               gr.Dropdown(label="年度", choices=choices["year"], value="", elem_id="filter-year"),
               gr.Dropdown(label="报告", choices=choices["source"], value="", elem_id="filter-report")]
    # Only offered when an LLM is configured; extractive answers need nothing.
    answer_mode = gr.Radio([("抽取式", "extractive"), ("LLM 生成", "llm")], value=assistant.settings.mode,
                           label="回答方式", visible=assistant.llm is not None, elem_id="answer-mode")
    gr.Markdown("#### 反馈\n点回答下方的赞或踩按钮评价回答；也可以在这里补充意见"
                "（针对最近评价的一条回答，未评价时针对最新回答）：")
    comment = gr.Textbox(label="意见（可选）", lines=3, elem_id="comment",
                         placeholder="例如：答案缺少某个数字、引用的段落不对……")
    send_comment = gr.Button("提交意见", size="sm", elem_id="send-comment")
    return filters, answer_mode, comment, send_comment


def chat_tab(assistant: Assistant, docs: Sequence[dict[str, Any]], turns: gr.State) -> ChatPanel:
    with gr.Tab("问答", id="chat"):
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                chatbot, question, send, clear, stop, mode, exports = chat_column(assistant, docs, turns)
            with gr.Column(scale=1, min_width=260, elem_id="filters"):
                filters, answer_mode, comment, send_comment = filter_column(assistant, docs)
    return ChatPanel(chatbot, question, send, clear, stop, mode, exports, filters, answer_mode, comment, send_comment)


def reply(assistant: Assistant, running: Running, text: str, state: list[Turn], scope: tuple[str, str, str],
          mode: str, session: str) -> Iterator[tuple]:
    """Stream one answer into the chat; yields (question box, chatbot, turns, mode badge).

    `scope` is the (region, year, report) filters; a stop or a new conversation (Running) ends it with the
    chat the button left. A failure is said in the chat and the question is given back to resend.
    """
    keep = gr.skip()
    text = (text or "").strip()
    if not text:
        yield keep, keep, keep, keep
        return
    shown = chat_messages(state) + [{"role": "user", "content": esc(text)}]

    def pending(partial: str) -> list[dict[str, Any]]:
        return shown + [{"role": "assistant", "content": render_answer(partial, streaming=True)}]

    yield "", pending(""), keep, keep
    chips = scope_chips(assistant.documents(), *scope) if any(scope) else []
    try:
        with running.answering(session) as cancel:
            for event in answer_events(assistant, text, history_of(state), make_filters(*scope), mode, cancel):
                if cancel.is_set():
                    yield keep, cancel.view, keep, keep
                    return
                if isinstance(event, str):
                    yield keep, pending(event), keep, keep
                else:
                    state = [*state, new_turn(text, event, chips)]
                    yield keep, chat_messages(state), state, mode_badge(event.mode, event.timings.get("total"))
    except Exception:  # the UI boundary
        log.exception("answering failed")
        yield text, shown + [{"role": "assistant", "content": render_answer(ANSWER_FAILED, refused=True)}], keep, keep


def wire_chat(demo: gr.Blocks, assistant: Assistant, chat: ChatPanel, turns: gr.State, target: gr.State,
              saved: SavedConversations) -> None:
    """Asking (typed, sent or an example card), stopping, starting anew, exporting and saving."""
    running = Running()
    private = {"api_visibility": "private"}

    def respond(text: str, state: list[Turn], r: str, y: str, s: str, m: str, request: gr.Request) -> Iterator[tuple]:
        yield from reply(assistant, running, text, state, (r, y, s), m, request.session_hash or "")

    def respond_example(state: list[Turn], r: str, y: str, s: str, m: str, evt: gr.SelectData,
                        request: gr.Request) -> Iterator[tuple]:
        yield from respond(evt.value["text"], state, r, y, s, m, request)

    inputs = [chat.question, turns, *chat.filters, chat.answer_mode]
    outputs = [chat.question, chat.chatbot, turns, chat.mode]
    asked = [chat.question.submit(respond, inputs, outputs, **private),
             chat.send.click(respond, inputs, outputs, **private),
             chat.chatbot.example_select(respond_example, inputs[1:], outputs, **private)]

    def reset(request: gr.Request) -> tuple:
        """A new conversation starts unfiltered too: a filter left set silently would narrow its answers."""
        running.stop(request.session_hash or "", [])
        return [], [], None, "", "", "", ""

    def stopped(state: list[Turn], request: gr.Request) -> list[dict[str, Any]]:
        """The chat as it was before the stopped question, with a line saying it was stopped."""
        view = chat_messages(state) + [{"role": "assistant", "content": render_answer(STOPPED, refused=True)}]
        running.stop(request.session_hash or "", view)
        return view

    chat.stop.click(stopped, [turns], [chat.chatbot], cancels=asked, **private)
    reset_outputs = [chat.chatbot, turns, target, chat.comment, *chat.filters]
    cleared = [chat.clear.click(reset, None, reset_outputs, cancels=asked, **private),
               chat.chatbot.clear(reset, None, reset_outputs, cancels=asked, **private)]
    chat.exports.wire([*asked, *cleared, *saved.wire(demo, chat.chatbot, turns, asked, cleared)], turns)
    chat.filters[0].input(lambda r, y, s: filter_updates(assistant.documents(), r, y, s)[1:], chat.filters,
                          chat.filters[1:], **private)
    wire_feedback(FeedbackStore(Path(assistant.settings.data_dir) / "feedback.jsonl"), chat.chatbot, turns, target,
                  chat.comment, chat.send_comment)


def build_app(assistant: Assistant, upload_users: frozenset[str] | None = None) -> gr.Blocks:
    """The whole UI: the 问答, 文档库 and 对比 tabs, wired to one shared Assistant."""
    upload_users = upload_users if upload_users is not None else upload_users_from_env()
    docs = assistant.documents()  # first paint; every page load refreshes these (uploads elsewhere)
    with gr.Blocks(title=APP_TITLE, analytics_enabled=False) as demo:
        turns = gr.State([])
        target = gr.State(None)  # turn the comment box refers to: the last voted one, else the latest
        saved = SavedConversations(ConversationStore(Path(assistant.settings.data_dir) / "conversations.sqlite3"))
        gr.Markdown(f"## {APP_TITLE}\n基于已入库的法治政府建设情况报告回答问题。回答中的 [1] [2] 对应其下的来源，"
                    "点开来源可看到报告原文段落，支撑答案的句子以黄色标出。")
        with gr.Tabs() as tabs:
            chat = chat_tab(assistant, docs, turns)
            library_tab(demo, assistant, docs, upload_users, chat.filters, tabs)
            compare_tab(assistant, docs)
        wire_chat(demo, assistant, chat, turns, target, saved)

        def examples() -> dict:
            return gr.update(examples=[{"text": q} for q in example_questions(assistant.documents())])

        demo.load(examples, None, [chat.chatbot], api_visibility="private")
        # Wide screens: focus the question box. Phones: close the conversation list, which would cover
        # the page, and never focus (it would scroll the title away).
        demo.load(None, None, None, js="() => { if (innerWidth >= 700) "
                                       "document.querySelector('#question textarea')?.focus(); "
                                       "else document.querySelector('#history.open .toggle-button')?.click(); }")
        register_api(assistant)
    return demo


async def _bad_request(request: Any, exc: Exception) -> Any:
    """A request Gradio cannot map onto an endpoint's arguments (wrong data shape, unknown names) is the
    caller's error: HTTP 400 with a Chinese message, not a 500 with a traceback in the log."""
    from fastapi.responses import JSONResponse

    log.info("bad request to %s: %s: %s", request.url.path, type(exc).__name__, exc)
    return JSONResponse({"error": "请求格式不正确：请按 /gradio_api/info 所列的参数名和类型提交"}, status_code=400)


def launch(assistant: Assistant, host: str | None = None, port: int | None = None) -> int:
    """Serve until interrupted. Host/port default to ASSISTANT_HOST/ASSISTANT_PORT, then 127.0.0.1:7860."""
    host = host or os.environ.get("ASSISTANT_HOST") or DEFAULT_HOST
    port = port or int(os.environ.get("ASSISTANT_PORT") or DEFAULT_PORT)
    auth = parse_auth(os.environ.get("ASSISTANT_AUTH", ""))
    if not auth and host not in LOOPBACK_HOSTS:
        print(f"提示：服务监听 {host} 且未设置 ASSISTANT_AUTH，任何能访问该地址的人都可以使用和上传。", file=sys.stderr)
    # LLM answers get slots of their own (llm.LLM takes at most llm_slots at once and answers the rest
    # extractively), so a stuck model never holds the workers extractive answers need.
    llm_slots = assistant.settings.llm_slots if assistant.llm is not None else 0
    demo = build_app(assistant).queue(default_concurrency_limit=CONCURRENCY + llm_slots)
    # The embedding model loads on first use (~10 s); load it now so the first visitor does not wait.
    threading.Thread(target=assistant.search, args=(EXAMPLE_TOPIC,), kwargs={"k": 1}, daemon=True).start()
    if assistant.llm is not None:  # start the local model server now, not on the first question
        threading.Thread(target=assistant.llm.warm, daemon=True).start()
    try:
        demo.launch(server_name=host, server_port=port, auth=auth or None, auth_message=APP_TITLE,
                    app_kwargs={"exception_handlers": dict.fromkeys((ValueError, TypeError, KeyError), _bad_request)},
                    max_file_size=MAX_FILE_BYTES, theme=THEME, css=CSS, head=PAGE_SCRIPT, footer_links=["api"],
                    # Only our own gr.Error messages reach the page; an unexpected exception's text
                    # (paths, internals) stays in the server log.
                    show_error=False)
    except OSError as exc:
        print(f"无法启动网页服务（{host}:{port}）：{exc}", file=sys.stderr)
        return 1
    return 0
