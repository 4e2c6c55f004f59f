"""Argument checks for the public API (Assistant.ingest / ask / stream / search).

A caller's wrong type fails at the door with one exception naming the argument, instead of deep in
the pipeline: `ingest("x.txt")` used to iterate the string's characters, so "." scanned the working
directory and "/" walked the filesystem root.
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

PathArg = str | os.PathLike


class InvalidArgument(Exception):
    """A public-API argument of the wrong type or value; str(e) names the argument (shells show it as is)."""


class ArgumentTypeError(InvalidArgument, TypeError):
    pass


class ArgumentValueError(InvalidArgument, ValueError):
    pass

_FILTER_KEYS = frozenset({"region", "year", "source", "level"})
_ROLES = frozenset({"user", "assistant", "system"})


def paths_arg(paths: object) -> list[Path]:
    """`paths` as a list of Paths: one path (str or os.PathLike) or an iterable of them."""
    if isinstance(paths, (str, os.PathLike)):
        return [_path(paths, "paths")]
    if isinstance(paths, (bytes, bytearray, Mapping)) or not isinstance(paths, Iterable):
        raise ArgumentTypeError(f"paths 必须是路径（str 或 os.PathLike）或路径的列表，收到 {type(paths).__name__}")
    return [_path(p, f"paths[{i}]") for i, p in enumerate(paths)]


def _path(value: object, name: str) -> Path:
    if not isinstance(value, (str, os.PathLike)):
        raise ArgumentTypeError(f"{name} 必须是 str 或 os.PathLike，收到 {type(value).__name__}")
    text = os.fspath(value)
    if not isinstance(text, str):
        raise ArgumentTypeError(f"{name} 必须是文本路径，收到 {type(text).__name__}")
    if not text.strip():
        raise ArgumentValueError(f"{name} 是空路径")
    if "\x00" in text:
        raise ArgumentValueError(f"{name} 含有 NUL 字符")
    return Path(text)


def question_arg(question: object, name: str = "question") -> None:
    """A question is text; None counts as empty (answered with a prompt to ask something)."""
    if question is not None and not isinstance(question, str):
        raise ArgumentTypeError(f"{name} 必须是 str，收到 {type(question).__name__}")


def history_arg(history: object) -> None:
    """None, or a list of {"role": "user"|"assistant"|"system", "content": str} dicts."""
    if history is None:
        return
    if isinstance(history, (str, bytes, Mapping)) or not isinstance(history, (list, tuple)):
        raise ArgumentTypeError(f'history 必须是 {{"role", "content"}} 字典的列表，收到 {type(history).__name__}')
    for i, message in enumerate(history):
        if not isinstance(message, Mapping):
            raise ArgumentTypeError(f'history[{i}] 必须是含 "role" 和 "content" 的字典，收到 {type(message).__name__}')
        if message.get("role") not in _ROLES:
            raise ArgumentValueError(f'history[{i}]["role"] 必须是 "user"、"assistant" 或 "system"，收到 {message.get("role")!r}')
        if not isinstance(message.get("content"), str):
            raise ArgumentTypeError(f'history[{i}]["content"] 必须是 str，收到 {type(message.get("content")).__name__}')


def filters_arg(filters: object) -> None:
    """None, or a dict whose keys are region / year / source / level."""
    if filters is None:
        return
    if not isinstance(filters, Mapping):
        raise ArgumentTypeError(f"filters 必须是字典，收到 {type(filters).__name__}")
    unknown = set(filters) - _FILTER_KEYS
    if unknown:
        raise ArgumentValueError(f"filters 只接受 {sorted(_FILTER_KEYS)}，收到未知的 {sorted(map(str, unknown))}")


def k_arg(k: object) -> None:
    if k is not None and (isinstance(k, bool) or not isinstance(k, int) or k < 1):
        raise (ArgumentValueError if isinstance(k, int) and not isinstance(k, bool) else ArgumentTypeError)(
            f"k 必须是正整数，收到 {k!r}")


def ask_args(question: object, history: object = None, filters: object = None) -> None:
    """The arguments of Assistant.ask and Assistant.stream."""
    question_arg(question)
    history_arg(history)
    filters_arg(filters)


def search_args(query: object, k: object = None, filters: object = None) -> None:
    """The arguments of Assistant.search."""
    question_arg(query, "query")
    k_arg(k)
    filters_arg(filters)
