"""Ingest pipeline for files: load -> clean -> metadata -> chunk -> index, one result per file.

Idempotent by content hash: an unchanged file is skipped, a changed one replaces its chunks, the
same content under another name is reported as a duplicate. A bad file gives a clear per-file error
and never stops the others.

Files are written in batches of about `ingest_batch_chunks` chunks: one embedding pass, one Chroma
upsert and one catalog commit per batch, which is what makes thousands of reports fast. A committed
batch is durable, so an interrupted ingest resumes by running it again: finished files come back as
"unchanged" and at most one batch is redone.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .chunk import chunk_document
from .clean import clean_text
from .config import Settings
from .figures import store_figures
from .index import Index
from .load import MAX_FILE_BYTES, SUPPORTED_SUFFIXES, LoadError, load_bytes
from .meta import SIDECAR_SUFFIX, extract_meta, sidecar_path
from .records import Chunk, Document
from .tokens import Lexicon

Progress = Callable[[int, int, str], None]  # (files done, files in all, name of the last one done)
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


def build_document(data: bytes, source: str, lexicon: Lexicon, sidecar: Path | None) -> Document:
    loaded = load_bytes(data, source)
    text = clean_text(loaded.text)
    if len(text.strip()) < 20:
        raise LoadError("文件中没有可用的报告正文")
    meta = extract_meta(text, lexicon, sidecar, raw=loaded.text)
    return Document(source=source, text=text, meta=meta, sha256=hashlib.sha256(data).hexdigest(),
                    encoding=loaded.encoding, format=loaded.format)


def prepare_file(path: Path, index: Index, lexicon: Lexicon, settings: Settings,
                 pending: dict[str, str]) -> IngestResult | Prepared:
    """Read and chunk one file, or say why it needs no writing; `pending` maps hashes of unwritten files to names."""
    source = path.name
    try:
        if not path.is_file():
            raise LoadError("文件不存在或不是普通文件")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise LoadError(f"文件过大（{size / 1048576:.1f} MB，上限 {MAX_FILE_BYTES // 1048576} MB）")
        data = path.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        previous = index.document_sha(source)
        if previous == sha:
            return IngestResult(source, "unchanged", message="内容未变化，已跳过")
        twin = pending.get(sha) or index.source_with_sha(sha)
        if twin and twin != source:
            return IngestResult(source, "duplicate", message=f"与已入库的 {twin} 内容相同，已跳过")
        doc = build_document(data, source, lexicon, sidecar_path(path))
        index.learn_aliases([doc.meta])
        chunks = chunk_document(doc, settings.chunk_size, settings.chunk_max)
        return Prepared(doc, chunks, "updated" if previous else "added")
    except LoadError as exc:
        return IngestResult(source, "error", message=str(exc))
    except OSError as exc:
        return IngestResult(source, "error", message=f"无法读取文件：{exc.strerror or exc}")


@dataclass
class _Batch:
    """Prepared files waiting to be written together, and the progress report over all files."""

    index: Index
    results: list[IngestResult | None]
    progress: Progress | None
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

        self.index.write([(p.doc, p.chunks) for _, p in self.items], encoded)
        store_figures(self.index.dir, [(p.doc, p.chunks) for _, p in self.items])
        for slot, prepared in self.items:
            self.results[slot] = IngestResult(prepared.doc.source, prepared.status, len(prepared.chunks))
        for _, prepared in self.items[reported:]:
            self._report(prepared.doc.source)
        self.items, self.changed = [], True

    def _report(self, source: str) -> None:
        self.done += 1
        if self.progress:
            self.progress(self.done, len(self.results), source)


def ingest_paths(paths: Iterable[str | Path], index: Index, lexicon: Lexicon, settings: Settings,
                 progress: Progress | None = None, batch_chunks: int | None = None) -> list[IngestResult]:
    """Ingest every file, many per write; BM25 is rebuilt once at the end if anything changed.

    The write lock is held throughout, so other processes sharing the store keep their BM25 until then.
    """
    files = report_files(paths)
    limit = batch_chunks or getattr(settings, "ingest_batch_chunks", BATCH_CHUNKS)
    batch = _Batch(index, [None] * len(files), progress)
    with index.writing():
        for slot, path in enumerate(files):
            if path.name in batch.sources:  # a second file of that name replaces the first: write it first
                batch.flush()
            outcome = prepare_file(path, index, lexicon, settings, batch.shas)
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
