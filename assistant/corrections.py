"""Users' corrections of report metadata, kept in the catalog in a table of their own.

Ingest and reindex rewrite a report's row in `documents`; corrections live in `meta_corrections`,
keyed by file name, and are applied whenever metadata is read, so they survive both. A correction
bumps the catalog generation, so every process sharing the store sees it on its next request.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from pathlib import Path

from .meta import CORRECTABLE, complete, correct
from .records import ReportMeta

_SCHEMA = ("CREATE TABLE IF NOT EXISTS meta_corrections (source TEXT PRIMARY KEY, fields TEXT NOT NULL, "
           "updated_at TEXT DEFAULT CURRENT_TIMESTAMP)")
CATALOG = "catalog.sqlite3"
_YEARS = range(1990, 2101)


class CorrectionError(ValueError):
    """A correction that cannot be kept; str(e) is a Chinese message for the user."""


def apply(db: sqlite3.Connection, metas: dict[str, ReportMeta]) -> dict[str, ReportMeta]:
    """Metadata as users see it: records of older catalogs given their place, then every stored
    correction applied; reads only."""
    metas = {source: complete(meta) for source, meta in metas.items()}
    if not db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta_corrections'").fetchone():
        return metas
    for source, raw in db.execute("SELECT source, fields FROM meta_corrections").fetchall():
        if source in metas:
            metas[source] = correct(metas[source], json.loads(raw))
    return metas


def validated(fields: Mapping[str, object]) -> dict[str, object]:
    """Only the fields a user may correct, checked; raises CorrectionError with the reason."""
    clean: dict[str, object] = {}
    for key, value in fields.items():
        if value in (None, ""):
            continue
        if key not in CORRECTABLE:
            raise CorrectionError(f"不能修改字段“{key}”，可修改：{'、'.join(CORRECTABLE)}")
        if key == "year":
            try:
                year = int(str(value).strip().removesuffix("年"))
            except ValueError:
                raise CorrectionError(f"年度应为四位数字，收到“{value}”") from None
            if year not in _YEARS:
                raise CorrectionError(f"年度超出范围：{year}")
            clean[key] = year
        else:
            text = str(value).strip()
            if not text or len(text) > 200:
                raise CorrectionError(f"“{key}”不能为空，且不超过 200 字")
            clean[key] = text
    if not clean:
        raise CorrectionError("没有要修改的内容：请给出 --region、--year、--title 或 --level")
    return clean


def save(store_dir: str | Path, source: str, fields: Mapping[str, object]) -> ReportMeta:
    """Keep a correction for `source` (merged with earlier ones) and return the corrected metadata."""
    changes = validated(fields)
    with sqlite3.connect(Path(store_dir) / CATALOG, timeout=60) as db:
        db.execute(_SCHEMA)
        row = db.execute("SELECT meta FROM documents WHERE source=?", (source,)).fetchone()
        if row is None:
            raise CorrectionError(f"资料库中没有文件“{source}”（用 assistant documents 查看文件名）")
        old = db.execute("SELECT fields FROM meta_corrections WHERE source=?", (source,)).fetchone()
        merged = {**(json.loads(old[0]) if old else {}), **changes}
        db.execute("INSERT INTO meta_corrections(source, fields) VALUES (?, ?) ON CONFLICT(source) DO UPDATE "
                   "SET fields=excluded.fields, updated_at=CURRENT_TIMESTAMP",
                   (source, json.dumps(merged, ensure_ascii=False)))
        db.execute("UPDATE store_state SET value=value+1 WHERE key='generation'")
    return correct(ReportMeta(**json.loads(row[0])), merged)


def forget(store_dir: str | Path, source: str) -> None:
    """Drop the corrections of a removed report, so another report later stored under its name starts clean."""
    with sqlite3.connect(Path(store_dir) / CATALOG, timeout=60) as db:
        db.execute(_SCHEMA)
        db.execute("DELETE FROM meta_corrections WHERE source=?", (source,))


def read(store_dir: str | Path, source: str) -> ReportMeta:
    """A report's metadata as users see it (corrections applied)."""
    with sqlite3.connect(Path(store_dir) / CATALOG, timeout=60) as db:
        row = db.execute("SELECT meta FROM documents WHERE source=?", (source,)).fetchone()
        if row is None:
            raise CorrectionError(f"资料库中没有文件“{source}”（用 assistant documents 查看文件名）")
        return apply(db, {source: ReportMeta(**json.loads(row[0]))})[source]
