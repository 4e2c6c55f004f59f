"""Ingest pipeline for files: load -> clean -> metadata -> chunk -> index, one result per file.

Idempotent by content hash: an unchanged file is skipped, a changed one replaces its chunks, the
same content under another name is reported as a duplicate. A bad file gives a clear per-file error
and never stops the others.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from .chunk import chunk_document
from .clean import clean_text
from .config import Settings
from .index import Index
from .load import MAX_FILE_BYTES, SUPPORTED_SUFFIXES, LoadError, load_bytes
from .meta import SIDECAR_SUFFIX, extract_meta, sidecar_path
from .records import Document
from .tokens import Lexicon

Progress = Callable[[int, int, str], None]


@dataclass
class IngestResult:
    source: str
    status: str  # added | updated | unchanged | duplicate | error
    chunks: int = 0
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


def build_document(data: bytes, source: str, lexicon: Lexicon, sidecar: Path | None) -> Document:
    loaded = load_bytes(data, source)
    text = clean_text(loaded.text)
    if len(text.strip()) < 20:
        raise LoadError("文件中没有可用的报告正文")
    meta = extract_meta(text, lexicon, sidecar)
    return Document(source=source, text=text, meta=meta, sha256=hashlib.sha256(data).hexdigest(),
                    encoding=loaded.encoding, format=loaded.format)


def ingest_file(path: Path, index: Index, lexicon: Lexicon, settings: Settings) -> IngestResult:
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
        twin = index.source_with_sha(sha)
        if twin and twin != source:
            return IngestResult(source, "duplicate", message=f"与已入库的 {twin} 内容相同，已跳过")
        doc = build_document(data, source, lexicon, sidecar_path(path))
        for name in doc.meta.aliases:
            lexicon.add_word(name, "ns")
        chunks = chunk_document(doc, settings.chunk_size, settings.chunk_max)
        index.add(doc, chunks)
        return IngestResult(source, "updated" if previous else "added", len(chunks))
    except LoadError as exc:
        return IngestResult(source, "error", message=str(exc))
    except OSError as exc:
        return IngestResult(source, "error", message=f"无法读取文件：{exc.strerror or exc}")


def ingest_paths(paths: Iterable[str | Path], index: Index, lexicon: Lexicon, settings: Settings,
                 progress: Progress | None = None) -> list[IngestResult]:
    """Ingest every file; BM25 is rebuilt once at the end if anything changed."""
    files = report_files(paths)
    results: list[IngestResult] = []
    for n, path in enumerate(files, 1):
        results.append(ingest_file(path, index, lexicon, settings))
        if progress:
            progress(n, len(files), path.name)
    if any(r.status in ("added", "updated") for r in results):
        index.rebuild_bm25()
    return results
