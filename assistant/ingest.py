"""Ingest pipeline for files: load -> clean -> metadata -> chunk -> index, one result per file.

Idempotent by content hash: an unchanged file is skipped, a changed one replaces its chunks, the
same content under another name is reported as a duplicate. A report is identified by the path it
was read from, not by its bare file name: another file of the same name (another folder, another
region) is added beside it under a name that tells them apart, e.g. 2024年报告（密云区2024年）.txt,
while the same path with new content is an update. A bad file gives a clear per-file error and never
stops the others; a file over the size or chunk limits is refused before any embedding.

Files are written in batches of about `ingest_batch_chunks` chunks: one embedding pass, one Chroma
upsert and one catalog commit per batch, which is what makes thousands of reports fast. A committed
batch is durable, so an interrupted ingest resumes by running it again: finished files come back as
"unchanged" and at most one batch is redone.
"""
from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .chunk import chunk_document
from .clean import clean_text
from .config import Settings
from .figures import store_figures
from .index import Index
from .load import MAX_FILE_BYTES, SUPPORTED_SUFFIXES, LoadError, human_size, load_bytes
from .meta import SIDECAR_SUFFIX, extract_meta, sidecar_path
from .records import Chunk, Document, ReportMeta
from .tokens import Lexicon

Progress = Callable[[int, int, str], None]  # (files done, files in all, name of the last one done)
Notify = Callable[[str, str], None]  # (kind "waiting" | "embedding", a line of status in Chinese)
BATCH_CHUNKS = 512  # 20 s to a minute of embedding on 2 CPU cores: the most an interruption can lose


@dataclass
class IngestResult:
    source: str
    status: str  # added | updated | unchanged | duplicate | error
    chunks: int = 0
    message: str = ""


@dataclass
class Prepared:
    """A file read, cleaned and chunked, waiting for its batch to be embedded and written."""

    doc: Document
    chunks: list[Chunk]
    status: str  # added | updated
    path: str  # the file it was read from, resolved: its identity
    message: str = ""


def report_files(paths: Iterable[str | Path]) -> list[Path]:
    """Files to ingest: given files as they are, directories searched recursively for supported types."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file()
                                and p.suffix.lower() in SUPPORTED_SUFFIXES and not p.name.endswith(SIDECAR_SUFFIX)))
        else:
            found.append(path)
    return found


def build_document(data: bytes, name: str, lexicon: Lexicon, sidecar: Path | None,
                   max_bytes: int = MAX_FILE_BYTES) -> Document:
    """The cleaned report with its metadata; its source is the file name until `free_source` says otherwise."""
    loaded = load_bytes(data, name, max_bytes)
    text = clean_text(loaded.text)
    if len(text.strip()) < 20:
        raise LoadError("文件中没有可用的报告正文")
    meta = extract_meta(text, lexicon, sidecar, raw=loaded.text)
    return Document(source=name, text=text, meta=meta, sha256=hashlib.sha256(data).hexdigest(),
                    encoding=loaded.encoding, format=loaded.format)


def free_source(name: str, folder: str, meta: ReportMeta, taken: Callable[[str], bool]) -> str:
    """The file name, or, when another report has it, the name marked with what tells this one apart:
    its region and year, else its folder, else a number."""
    if not taken(name):
        return name
    stem, suffix = Path(name).stem, Path(name).suffix
    region = f"{meta.region}{meta.year}年" if meta.region and meta.year else meta.region
    for hint in (region, folder):
        if hint and not taken(candidate := f"{stem}（{hint}）{suffix}"):
            return candidate
    n = 2
    while taken(candidate := f"{stem}（{n}）{suffix}"):
        n += 1
    return candidate


def prepare_file(path: Path, index: Index, lexicon: Lexicon, settings: Settings, batch: "_Batch",
                 again: bool = False) -> IngestResult | Prepared:
    """Read and chunk one file, or say why it needs no writing; `batch` holds files read but not yet written.
    `again` re-indexes a file whose content is unchanged instead of skipping it."""
    name = path.name
    try:
        if not path.is_file():
            raise LoadError("文件不存在或不是普通文件")
        size, limit = path.stat().st_size, settings.max_file_mb * 1024 * 1024
        if size > limit:
            raise LoadError(f"文件过大（{human_size(size)}，上限 {human_size(limit)}，可用 ASSISTANT_MAX_FILE_MB 调整）")
        where = str(path.resolve())
        data = path.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        known = index.document_at(where, name)
        if known and known[1] == sha and not again:
            return IngestResult(known[0], "unchanged", message="内容未变化，已跳过")
        twin = batch.shas.get(sha) or index.source_with_sha(sha)
        if twin and (not known or twin != known[0]):
            return IngestResult(name, "duplicate", message=f"与已入库的 {twin} 内容相同，已跳过")
        doc = build_document(data, name, lexicon, sidecar_path(path), limit)
        _check_length(len(doc.text) // settings.chunk_max, settings, "至少 ")  # a lower bound: refuse before chunking
        message = ""
        if known:
            doc.source = known[0]
        else:
            doc.source = free_source(name, path.parent.name, doc.meta,
                                     lambda s: s in batch.sources or index.taken(s))
            if doc.source != name:
                message = f"已有同名的另一份报告，本报告以 {doc.source} 入库"
        index.learn_aliases([doc.meta])
        chunks = chunk_document(doc, settings.chunk_size, settings.chunk_max, index.model)
        _check_length(len(chunks), settings)
        return Prepared(doc, chunks, "updated" if known else "added", where, message)
    except LoadError as exc:
        return IngestResult(name, "error", message=str(exc))
    except OSError as exc:
        return IngestResult(name, "error", message=f"无法读取文件：{exc.strerror or exc}")


def _check_length(chunks: int, settings: Settings, about: str = "") -> None:
    if chunks > settings.max_file_chunks:
        raise LoadError(f"文件过长：{about}{chunks} 段，超过每个文件 {settings.max_file_chunks} 段的上限"
                        "（可拆分文件，或用 ASSISTANT_MAX_FILE_CHUNKS 调整），未做任何处理")


@dataclass
class _Batch:
    """Prepared files waiting to be written together, and the progress report over all files."""

    index: Index
    results: list[IngestResult | None]
    progress: Progress | None
    notify: Notify | None = None
    items: list[tuple[int, Prepared]] = field(default_factory=list)
    done: int = 0
    changed: bool = False

    @property
    def chunks(self) -> int:
        return sum(len(p.chunks) for _, p in self.items)

    @property
    def sources(self) -> set[str]:
        return {p.doc.source for _, p in self.items}

    @property
    def shas(self) -> dict[str, str]:
        return {p.doc.sha256: p.doc.source for _, p in self.items}

    @property
    def paths(self) -> set[str]:
        return {p.path for _, p in self.items}

    def finish(self, slot: int, result: IngestResult) -> None:
        self.results[slot] = result
        self._report(result.source)

    def flush(self) -> None:
        """Embed and write the batch; files are reported done in order as its chunks get embedded."""
        if not self.items:
            return
        ends, total = [], 0
        for _, prepared in self.items:
            total += len(prepared.chunks)
            ends.append(total)
        reported = 0

        def encoded(done: int, todo: int) -> None:
            nonlocal reported
            while reported < len(self.items) - 1 and ends[reported] * todo <= done * total:
                self._report(self.items[reported][1].doc.source)
                reported += 1
            if self.notify:
                self.notify("embedding", f"向量化 {done}/{todo} 段")

        self.index.write([(p.doc, p.chunks) for _, p in self.items], encoded,
                         {p.doc.source: p.path for _, p in self.items})
        store_figures(self.index.dir, [(p.doc, p.chunks) for _, p in self.items])
        for slot, prepared in self.items:
            self.results[slot] = IngestResult(prepared.doc.source, prepared.status, len(prepared.chunks),
                                              prepared.message)
        for _, prepared in self.items[reported:]:
            self._report(prepared.doc.source)
        self.items, self.changed = [], True

    def _report(self, source: str) -> None:
        self.done += 1
        if self.progress:
            self.progress(self.done, len(self.results), source)


def ingest_paths(paths: Iterable[str | Path], index: Index, lexicon: Lexicon, settings: Settings,
                 progress: Progress | None = None, batch_chunks: int | None = None,
                 notify: Notify | None = None) -> list[IngestResult]:
    """Ingest every file, many per write; BM25 is rebuilt once at the end if anything changed.

    The write lock is held throughout, so other processes sharing the store keep their BM25 until then;
    while another ingest holds it, `notify` hears who holds it and how long this one has waited.
    """
    files = report_files(paths)

    def prepare(slot: int, batch: _Batch) -> IngestResult | Prepared:
        if _resolved(files[slot]) in batch.paths:  # the same file named twice: write the first first
            batch.flush()
        return prepare_file(files[slot], index, lexicon, settings, batch)
    return _write_all(len(files), prepare, index, settings, progress, batch_chunks, notify)


def reindex_sources(sources: Sequence[str], index: Index, lexicon: Lexicon, settings: Settings,
                    reread: bool = False, progress: Progress | None = None,
                    notify: Notify | None = None) -> list[IngestResult]:
    """Re-chunk and re-embed stored reports through the same batched, resumable writes as an ingest.

    With `reread` a report whose file is still where it was read from is read again (new content,
    sidecar and metadata rules apply); otherwise, or when the file is gone, its stored text is used.
    Chunks whose id the store already holds keep their vectors, so a reindex cut short resumes where
    it stopped when run again.
    """
    documents: dict[str, Document] = {}

    def prepare(slot: int, batch: _Batch) -> IngestResult | Prepared:
        source = sources[slot]
        if not documents:
            documents.update((d.source, d) for d, _ in index.documents())
        doc = documents.get(source)
        if doc is None:
            return IngestResult(source, "error", message=unknown_report(source))
        path = index.document_path(source)
        if reread and path and Path(path).is_file():
            outcome = prepare_file(Path(path), index, lexicon, settings, batch, again=True)
            if isinstance(outcome, Prepared):
                outcome.status = "updated"
            return outcome
        doc.text = index.document_text(source)
        message = "原文件已不在，按库中保存的正文重新索引" if reread else ""
        chunks = chunk_document(doc, settings.chunk_size, settings.chunk_max, index.model)
        return Prepared(doc, chunks, "updated", path or "", message)
    return _write_all(len(sources), prepare, index, settings, progress, None, notify)


def unknown_report(source: str) -> str:
    return f"资料库中没有名为“{source}”的报告（用 assistant documents 查看文件名）"


def _write_all(count: int, prepare: Callable[[int, _Batch], IngestResult | Prepared], index: Index,
               settings: Settings, progress: Progress | None, batch_chunks: int | None,
               notify: Notify | None) -> list[IngestResult]:
    """Prepare items one by one under the write lock, writing them in batches; BM25 once at the end."""
    limit = batch_chunks or getattr(settings, "ingest_batch_chunks", BATCH_CHUNKS)
    batch = _Batch(index, [None] * count, progress, notify)

    def waiting(seconds: float, holder: dict) -> None:
        if notify:
            notify("waiting", waiting_message(seconds, holder))

    with index.writing(waiting if notify else None):
        for slot in range(count):
            outcome = prepare(slot, batch)
            if isinstance(outcome, IngestResult):
                batch.finish(slot, outcome)
                continue
            batch.items.append((slot, outcome))
            if batch.chunks >= limit:
                batch.flush()
        batch.flush()
        if batch.changed:
            index.rebuild_bm25()
    return [r for r in batch.results if r is not None]


def waiting_message(seconds: float, holder: dict) -> str:
    """What a waiting ingest tells the user: whose ingest runs, for how long, and how long we waited."""
    since = holder.get("since")
    who = f"（进程 {holder['pid']}，已进行 {time.time() - since:.0f} 秒）" if holder.get("pid") and since else ""
    return f"另一个导入正在进行{who}，本次导入等待它完成，已等待 {seconds:.0f} 秒…"


def _resolved(path: Path) -> str:
    try:
        return str(path.resolve())
    except OSError:
        return str(path)
