"""Generative answers through a LangChain chat model, every sentence checked against its passage.

One code path for every model: `ChatOpenAI` pointed at an OpenAI-compatible endpoint, either a
remote service (DeepSeek, Qwen, vLLM, Ollama: ASSISTANT_LLM_BASE_URL / _MODEL / _API_KEY) or the
bundled Qwen2.5-Coder-1.5B served by llama.cpp on loopback (ASSISTANT_LLM_LOCAL=1, local_model.py).

The model never decides whether to answer: the extractive pipeline retrieves, routes and refuses
first, and the model only rewrites what that pipeline found. It reads a few passages (the ones the
extractive answer quotes first), fenced and numbered, and every sentence it writes goes through
grounding.py; a sentence whose numbers or titles are not in its cited passage is dropped, and an
answer with nothing left, or a model that fails in any way, gives the extractive answer with a notice.
Needs the `llm` extra (langchain-openai; xllamacpp and the model parts for the local model).
"""
from __future__ import annotations

import logging
import queue
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from .answering import REFUSAL, is_simplified
from .config import Settings
from .grounding import Checked, Source, best_sentences, check_stream
from .normalize import fold, sentence_spans
from .records import Answer, Chunk, Citation

log = logging.getLogger(__name__)
LOCAL_MODEL = "qwen2.5-coder-1.5b-instruct-q4_k_m"
_FENCE = re.compile(r"</?\s*资料[^>]*>")


@dataclass(frozen=True)
class Profile:
    """How much a model reads well: passages in the prompt and characters kept of each (0 = whole)."""

    passages: int
    passage_chars: int
    max_tokens: int


# Measured on eval/qa.jsonl (docs/llm.md): the 1.5B model answers well from 3 short passages and
# starts mixing figures up from 6; a large remote model gets the extractive top 5 in full.
PROFILES = {"qwen2.5-coder-1.5b": Profile(3, 320, 320)}
DEFAULT_PROFILE = Profile(5, 0, 512)


def profile_for(model: str) -> Profile:
    name = model.lower()
    return next((p for key, p in PROFILES.items() if key in name), DEFAULT_PROFILE)


class LLMError(Exception):
    """The model gave no usable answer; `kind` says why (down, timeout, empty, error)."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(detail or kind)
        self.kind = kind
        self.detail = detail


FAILURE_TEXT = {"down": "无法连接模型服务", "timeout": "模型服务超时", "empty": "模型没有返回内容",
                "error": "模型服务出错", "start": "本地模型无法启动", "busy": "模型正忙（同时生成的回答已达上限）",
                "paused": "模型服务接连出错，暂停使用", "cancelled": "已停止回答"}
# How often a reply waiting for the model looks at its cancel event (the UI's 停止回答).
CANCEL_POLL_S = 0.1


# ------------------------------------------------------------------------------------- prompts

@dataclass(frozen=True)
class Prompts:
    answer_system: str
    answer_user: str
    passage: str
    refusal: str
    notices: dict[str, str]

    def notice(self, key: str, detail: str = "") -> str:
        return self.notices[key].replace("{detail}", detail)


PROMPT_FILES = ("answer_system.txt", "answer_user.txt", "passage.txt", "refusal.txt", "notices.txt")


@lru_cache(maxsize=8)
def load_prompts(directory: str | Path) -> Prompts:
    """Every prompt from prompts/ (read at run time, so they can be edited without touching code)."""
    d = Path(directory)
    text = {name: (d / name).read_text(encoding="utf-8") for name in PROMPT_FILES}
    refusal = text["refusal.txt"].strip()
    notices = {}
    for line in text["notices.txt"].splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.lstrip().startswith("#"):
            notices[key.strip()] = value.strip()
    missing = {"unavailable", "not_grounded", "model_refused", "removed", "not_configured"} - notices.keys()
    if missing:
        raise ValueError(f"prompts/notices.txt lacks {', '.join(sorted(missing))}")
    return Prompts(answer_system=text["answer_system.txt"].strip().replace("{refusal}", refusal),
                   answer_user=text["answer_user.txt"].strip(), passage=text["passage.txt"].strip(),
                   refusal=refusal, notices=notices)


def fenced(text: str) -> str:
    """Passage text that cannot close its own fence or open a new one."""
    return _FENCE.sub("", text)


# ------------------------------------------------------------------------------------- the model

class Breaker:
    """Opens after `failures` consecutive failures: for `pause` seconds the model is not called at all,
    so a dead endpoint costs users nothing instead of a timeout each."""

    def __init__(self, failures: int, pause: float) -> None:
        self.failures, self.pause = max(1, failures), pause
        self._count, self._open_until = 0, 0.0
        self._lock = threading.Lock()

    def remaining(self) -> float:
        """Seconds the circuit stays open; 0 when calls may go through."""
        return max(0.0, self._open_until - time.monotonic())

    def record(self, ok: bool) -> None:
        with self._lock:
            self._count = 0 if ok else self._count + 1
            if self._count >= self.failures:
                self._open_until, self._count = time.monotonic() + self.pause, 0
                log.warning("LLM failed %d times in a row: not called for %g s", self.failures, self.pause)


# Failures that say the endpoint is unwell (they open the circuit); "busy" and "paused" are ours.
_ENDPOINT_FAILURES = frozenset({"down", "timeout", "empty", "error", "start"})


@lru_cache(maxsize=1)
def _stop_transport() -> type:
    """An httpx transport whose response bodies end once the answer's `stop` event is set: an endpoint
    sending only keep-alive comments sends bytes but no tokens, so only a check on every chunk of
    bytes ends it at the deadline. (Built on first use: httpx comes with the optional `llm` extra.)"""
    import httpx

    class StopStream(httpx.SyncByteStream):
        def __init__(self, inner: httpx.SyncByteStream, stop: threading.Event) -> None:
            self._inner, self._stop = inner, stop

        def __iter__(self) -> Iterator[bytes]:
            for part in self._inner:
                if self._stop.is_set():
                    raise httpx.ReadTimeout("answer deadline passed")
                yield part

        def close(self) -> None:
            self._inner.close()

    class StopTransport(httpx.HTTPTransport):
        def __init__(self, stop: threading.Event) -> None:
            super().__init__()
            self._stop = stop

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            response = super().handle_request(request)
            response.stream = StopStream(response.stream, self._stop)
            return response

    return StopTransport


def _stoppable_client(timeout: float, stop: threading.Event):
    """An httpx client for one answer; `timeout` bounds connecting (5 s at most) and each read."""
    import httpx

    return httpx.Client(transport=_stop_transport()(stop), timeout=httpx.Timeout(timeout, connect=min(5.0, timeout)))


class LLM:
    """A chat model behind an OpenAI-compatible endpoint; the local one is started on first use.

    Three guards keep a bad endpoint from stalling the app: a wall-clock deadline per answer that no
    trickle of bytes extends, at most `llm_slots` calls at once (one more gets the extractive answer
    at once, so LLM work never holds the workers extractive answers need), and a circuit breaker.
    """

    def __init__(self, settings: Settings, server=None) -> None:
        self.settings = settings
        self.server = server  # local_model.LocalServer or None
        self.model = settings.llm_model or (LOCAL_MODEL if server is not None else "")
        base = profile_for(self.model)
        self.profile = replace(base, passages=settings.llm_passages or base.passages,
                               passage_chars=settings.llm_passage_chars if settings.llm_passage_chars >= 0
                               else base.passage_chars)
        self.prompts = load_prompts(settings.prompts_dir)
        self._started = False
        self._start_lock = threading.Lock()
        self._base_url = settings.llm_base_url
        self._slots = threading.BoundedSemaphore(max(1, settings.llm_slots))
        self.breaker = Breaker(settings.llm_failures, settings.llm_pause)

    @property
    def name(self) -> str:
        return f"{self.model} (本地)" if self.server is not None else self.model

    def _base(self) -> str:
        """The endpoint's base URL, starting the local server the first time."""
        with self._start_lock:
            if self.server is not None and not self._started:
                try:
                    self._base_url = self.server.start()
                except Exception as exc:
                    log.warning("local model failed to start: %s", exc)
                    raise LLMError("start", str(exc)) from exc
            self._started = True
        return self._base_url

    def _chat(self, http_client, max_tokens: int | None):
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(
            model=self.model, base_url=self._base(), api_key=self.settings.llm_api_key or "not-needed",
            http_client=http_client, timeout=http_client.timeout,  # the openai client's own default is 600 s
            max_retries=0, temperature=self.settings.llm_temperature,
            max_tokens=max_tokens or self.profile.max_tokens, streaming=True)

    def warm(self) -> None:
        """Start the local server now (it otherwise starts with the first question)."""
        try:
            self._base()
        except LLMError:
            pass

    def stream(self, system: str, user: str, deadline: float | None = None,
               max_tokens: int | None = None, cancel: threading.Event | None = None) -> Iterator[str]:
        """Text pieces of the reply; LLMError (never another exception) when there is no usable reply.

        Kinds of its own: "paused" while the circuit is open, "busy" when every LLM slot is taken,
        "cancelled" once `cancel` is set (the user pressed 停止回答): the HTTP stream is closed then, so
        the endpoint stops generating and the slot is free for the next answer.
        """
        paused = self.breaker.remaining()
        if paused:
            raise LLMError("paused", f"{paused:.0f}")
        if not self._slots.acquire(blocking=False):
            raise LLMError("busy")
        try:
            yield from self._stream(system, user, deadline, max_tokens, cancel)
        except LLMError as exc:
            if exc.kind in _ENDPOINT_FAILURES:
                self.breaker.record(False)
            raise
        else:
            self.breaker.record(True)
        finally:
            self._slots.release()

    def _stream(self, system: str, user: str, deadline: float | None, max_tokens: int | None,
                cancel: threading.Event | None = None) -> Iterator[str]:
        """The reply read by a helper thread, so the deadline (and a cancel) holds by the clock whatever
        the endpoint sends; on leaving, the helper's stream ends with the next bytes and closes the connection."""
        from langchain_core.messages import HumanMessage, SystemMessage

        limit = self.settings.llm_deadline
        deadline = min(deadline or float("inf"), time.monotonic() + limit)
        stop = threading.Event()
        # A read that gets nothing ends at the deadline too, so a stuck helper thread does not outlive it long.
        client = _stoppable_client(max(0.5, min(self.settings.llm_timeout, deadline - time.monotonic())), stop)
        try:
            chat = self._chat(client, max_tokens)
        except BaseException:
            client.close()
            raise
        events: queue.Queue = queue.Queue()

        def read() -> None:
            try:
                for chunk in chat.stream([SystemMessage(system), HumanMessage(user)]):
                    events.put(("piece", chunk))
                    if stop.is_set():
                        break
                events.put(("end", None))
            except BaseException as exc:  # handed to the reader below
                events.put(("error", exc))
            finally:
                client.close()

        threading.Thread(target=read, name="llm-read", daemon=True).start()
        got = False
        try:
            while True:
                if cancel is not None and cancel.is_set():
                    raise LLMError("cancelled")
                left = deadline - time.monotonic()
                try:
                    kind, value = events.get(timeout=max(0.0, min(left, CANCEL_POLL_S) if cancel else left))
                except queue.Empty:
                    if time.monotonic() < deadline:
                        continue
                    raise LLMError("timeout", f"超过 {limit:g} 秒") from None
                if kind == "end":
                    break
                if kind == "error":
                    raise _classify(value) from value
                piece = value.content if isinstance(value.content, str) else "".join(
                    p.get("text", "") if isinstance(p, dict) else str(p) for p in value.content)
                if piece:
                    got = True
                    yield piece
                if time.monotonic() > deadline:
                    raise LLMError("timeout", f"超过 {limit:g} 秒")
        finally:
            stop.set()  # the helper ends with the next bytes, or when its read times out
        if not got:
            raise LLMError("empty")

    def complete(self, system: str, user: str, max_tokens: int | None = None, seconds: float | None = None) -> str:
        deadline = time.monotonic() + seconds if seconds else None
        return "".join(self.stream(system, user, deadline, max_tokens))

    def close(self) -> None:
        if self.server is not None:
            self.server.stop()


def _classify(exc: Exception) -> LLMError:
    name = type(exc).__name__
    if "Timeout" in name:
        return LLMError("timeout", name)
    if "Connection" in name or isinstance(exc, ConnectionError):
        return LLMError("down", name)
    return LLMError("error", f"{name}: {str(exc)[:120]}")


def make_llm(settings: Settings) -> LLM | None:
    """The configured model (not yet started), or None when none is configured or the extra is missing."""
    local = settings.llm_local
    if not local and not settings.llm_base_url:
        return None
    try:
        import langchain_openai  # noqa: F401
    except ImportError:
        log.warning("an LLM is configured but langchain-openai is missing: pip install '.[llm]'")
        return None
    server = None
    if local and not settings.llm_base_url:
        from .local_model import LocalServer

        gguf = Path(settings.llm_gguf) if settings.llm_gguf else None
        server = LocalServer(gguf, threads=settings.llm_threads, ctx=settings.llm_ctx,
                             directory=Path(settings.model_dir) if settings.model_dir else None)
    return LLM(settings, server)


# ------------------------------------------------------------------------------------ passages

def window(text: str, focus: tuple[int, int] | None, limit: int) -> tuple[int, int]:
    """Span of text, whole sentences, at most `limit` chars (0: all), grown around `focus`."""
    if limit <= 0 or len(text) <= limit:
        return 0, len(text)
    spans = sentence_spans(text) or [(0, len(text))]
    if focus is None:
        i = 0
    else:
        i = next((k for k, (a, b) in enumerate(spans) if a <= focus[0] < b or focus[0] < a), 0)
    lo = hi = i
    size = spans[i][1] - spans[i][0]
    while True:
        grew = False
        for j in (hi + 1, lo - 1):
            if 0 <= j < len(spans) and size + spans[j][1] - spans[j][0] <= limit:
                size += spans[j][1] - spans[j][0]
                lo, hi = min(lo, j), max(hi, j)
                grew = True
        if not grew:
            break
    a, b = spans[lo][0], spans[hi][1]
    if b - a > limit:  # one sentence longer than the limit: cut it, keeping the focus
        start = max(a, min(focus[0] if focus else a, b - limit))
        return start, start + limit
    return a, b


@dataclass
class Given:
    """A passage as put into the prompt: number, chunk, and the part of chunk.text the model saw."""

    n: int
    chunk: Chunk
    start: int
    end: int
    score: float

    @property
    def text(self) -> str:
        return self.chunk.text[self.start:self.end]

    def source(self) -> Source:
        m = self.chunk.meta
        return Source(self.n, self.text, f"{m.title} {m.region}{m.year or ''}年", self.chunk.id, m.region,
                      tuple(m.aliases))


def choose_passages(extractive: Answer, chunks_of: Callable[[str], list[Chunk]], profile: Profile) -> list[Given]:
    """The passages the extractive answer quotes, in its order, then its other retrieved passages from
    the same reports, up to the model's budget; each cut to the model's length around what was quoted."""
    picked: list[Given] = []
    seen: set[str] = set()
    for c in extractive.citations:
        chunk = next((k for k in chunks_of(c.source) if k.start <= c.start < k.end), None)
        if chunk is None or chunk.id in seen:
            continue
        seen.add(chunk.id)
        a, b = window(chunk.text, (c.start - chunk.start, c.end - chunk.start), profile.passage_chars)
        picked.append(Given(len(picked) + 1, chunk, a, b, c.score))
    cited_sources = {c.source for c in extractive.citations}
    for p in extractive.passages:
        if len(picked) >= profile.passages:
            break
        if p.chunk.id in seen or (cited_sources and p.chunk.source not in cited_sources):
            continue
        seen.add(p.chunk.id)
        a, b = window(p.chunk.text, None, profile.passage_chars)
        picked.append(Given(len(picked) + 1, p.chunk, a, b, p.score))
    return picked[:max(profile.passages, 1)]


def build_prompt(prompts: Prompts, question: str, given: Sequence[Given]) -> str:
    blocks = []
    for g in given:
        m = g.chunk.meta
        section = f" · {g.chunk.section}" if g.chunk.section else ""
        blocks.append(prompts.passage.replace("{n}", str(g.n)).replace("{title}", fenced(m.title))
                      .replace("{section}", fenced(section)).replace("{text}", fenced(g.text)))
    return prompts.answer_user.replace("{passages}", "\n\n".join(blocks)).replace("{question}", question)


# ----------------------------------------------------------------------------------- answering

def llm_refusal(extractive: Answer, prompts: Prompts) -> Answer:
    """The extractive pipeline refused: so does LLM mode, in the prompts' words, keeping the reason."""
    text = extractive.text
    if text.startswith(REFUSAL):
        text = prompts.refusal + text[len(REFUSAL):]
    return replace(extractive, text=text, mode="llm", grounded=True, warnings=list(extractive.warnings))


def fallback(extractive: Answer, notice: str, **extra) -> Answer:
    """The extractive answer, marked as such, with a notice the user sees."""
    answer = replace(extractive, mode="extractive", grounded=True,
                     warnings=[notice, *extractive.warnings], **extra)
    return answer


def generate(llm: LLM, extractive: Answer, question: str, chunks_of: Callable[[str], list[Chunk]],
             started: float, cancel: threading.Event | None = None) -> Iterator[str | Answer]:
    """Stream a grounded LLM answer built on an extractive one: text shown so far (str), then the Answer.

    Only sentences that passed the check are ever yielded, so nothing unverified reaches the screen.
    `started` is the perf_counter() at which the question came in (for time-to-first-token); setting
    `cancel` ends the model's stream (see LLM.stream) and the answer ends with what was kept so far.
    """
    prompts = llm.prompts
    timings = dict(extractive.timings)
    if extractive.refused:
        answer = llm_refusal(extractive, prompts)
        yield answer.text
        yield answer
        return
    given = choose_passages(extractive, chunks_of, llm.profile)
    sources = [g.source() for g in given]
    prompt = build_prompt(prompts, question, given)
    t_llm = time.perf_counter()
    first_token: list[float] = []

    def pieces() -> Iterator[str]:
        for piece in llm.stream(prompts.answer_system, prompt, cancel=cancel):
            if not first_token:
                first_token.append(time.perf_counter())
            yield piece

    kept: list[Checked] = []
    removed: list[Checked] = []
    refusals = 0
    numbers: dict[int, int] = {}  # prompt passage number -> number shown in the answer
    shown = ""
    first_shown = None
    # Like extractive answers: a question in simplified script gets a simplified answer, whatever the
    # script of the passage the model copied from.
    simplified = is_simplified(extractive.question or question)
    failure: LLMError | None = None
    try:
        for checked in check_stream(pieces(), sources, llm.settings.llm_min_support):
            if checked.kept:
                kept.append(checked)
                marks = "".join(f"[{numbers.setdefault(n, len(numbers) + 1)}]" for n in checked.sources)
                shown += (fold(checked.text) if simplified else checked.text) + marks
                first_shown = first_shown or time.perf_counter()
                yield shown
            elif checked.refusal:
                refusals += 1
            elif checked.removed:
                removed.append(checked)
    except LLMError as exc:
        failure = exc
    done = time.perf_counter()
    timings.update({"llm_ttft": (first_token[0] - started) if first_token else None,
                    "llm_first_text": (first_shown - started) if first_shown else None,
                    "llm": done - t_llm, "total": done - started})
    timings = {k: v for k, v in timings.items() if v is not None}
    removed_notes = [prompts.notice("removed", c.reason) for c in removed]
    removed_text = [c.text for c in removed]
    if failure is not None and not kept:
        log.info("LLM failed (%s %s): extractive answer", failure.kind, failure.detail)
        answer = fallback(extractive, prompts.notice("unavailable", FAILURE_TEXT.get(failure.kind, failure.kind)),
                          timings=timings, removed=removed_text)
    elif not kept:
        key = "model_refused" if refusals and not removed else "not_grounded"
        answer = fallback(extractive, prompts.notice(key), timings=timings, removed=removed_text)
        answer.warnings += removed_notes
    else:
        by_shown = {v: k for k, v in numbers.items()}
        citations = [_citation(given[by_shown[i] - 1], [c.text for c in kept if by_shown[i] in c.sources])
                     for i in sorted(by_shown)]
        warnings = list(extractive.warnings) + removed_notes
        if failure is not None:
            warnings.append(prompts.notice("unavailable", FAILURE_TEXT.get(failure.kind, failure.kind)))
        answer = replace(extractive, text=shown, citations=citations, mode="llm", grounded=not removed,
                         warnings=warnings, timings=timings, removed=removed_text)
    if answer.text != shown:
        yield answer.text
    yield answer


def _citation(g: Given, sentences: Sequence[str]) -> Citation:
    """The passage as cited: the whole chunk for display, the sentences the answer draws on as the quote."""
    chunk, m = g.chunk, g.chunk.meta
    spans = [(a + g.start, b + g.start) for a, b in sentence_spans(g.text)]
    quoted = sorted({span for s in sentences if (span := best_sentences(chunk.text, s, spans))})
    if not quoted:
        quoted = spans[:1] or [(g.start, g.end)]
    return Citation(source=chunk.source, title=m.title, region=m.region, year=m.year, section=chunk.section,
                    quote="".join(chunk.text[a:b] for a, b in quoted), passage=chunk.text, score=round(g.score, 4),
                    start=chunk.start + quoted[0][0], end=chunk.start + quoted[-1][1],
                    spans=[(chunk.start + a, chunk.start + b) for a, b in quoted], passage_start=chunk.start)


def collect(events: Iterator[str | Answer]) -> Answer:
    """The final Answer of a stream of events."""
    last = None
    for event in events:
        last = event
    assert isinstance(last, Answer)
    return last
