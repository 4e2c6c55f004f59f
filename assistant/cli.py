"""`assistant` command line: a thin shell over Assistant."""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence

from .config import Settings


def _filters(args: argparse.Namespace) -> dict | None:
    found = {k: getattr(args, k) for k in ("region", "year", "source") if getattr(args, k, None)}
    return found or None


def _add_filter_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--region", help="只在该地区的报告中查找，如 贺州市")
    p.add_argument("--year", type=int, help="只在该年度的报告中查找")
    p.add_argument("--source", help="只在该文件中查找（文件名）")


def _open(args: argparse.Namespace):
    from .assistant import Assistant

    overrides = {"store_dir": args.store} if args.store else {}
    return Assistant(Settings.from_env(**overrides))


def cmd_ask(args: argparse.Namespace) -> int:
    answer = _open(args).ask(args.question, filters=_filters(args))
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print(answer.text)
    for w in answer.warnings:
        print(f"提示：{w}")
    if answer.citations:
        print("\n来源：")
        for n, c in enumerate(answer.citations, 1):
            print(f"[{n}] {c.title}（{c.source}）{c.section}\n    “{c.quote}”")
    elif answer.refused and answer.passages:
        print("\n最接近的段落：")
        for p in answer.passages[:3]:
            print(f"- {p.chunk.meta.title}（{p.chunk.source}）{p.chunk.text[:80]}…")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    passages = _open(args).search(args.query, args.k, _filters(args))
    for p in passages:
        print(f"[{p.rank}] {p.score:.4f} {p.chunk.meta.title}（{p.chunk.source}）{p.chunk.section}\n    {p.chunk.text}\n")
    return 0


_BREAKS = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")


def one_line(text: str) -> str:
    """A file name or message as one line: line breaks, tabs and other controls written as \\n, \\t, \\x1b
    (a file may be named "a\\nb.txt"; line-per-file output must stay one line per file)."""
    return _BREAKS.sub(lambda m: repr(m.group())[1:-1], text)


def _print_results(results) -> int:
    failed = 0
    for r in results:
        mark = {"added": "新增", "updated": "更新", "unchanged": "未变", "duplicate": "重复", "error": "失败"}[r.status]
        print(f"{mark}\t{one_line(r.source)}\t{r.chunks} 段\t{one_line(r.message)}")
        failed += r.status == "error"
    return 1 if failed else 0


def cmd_ingest(args: argparse.Namespace) -> int:
    """Progress bar with ETA on stderr; Ctrl-C keeps finished batches, and the same command resumes."""
    from tqdm import tqdm

    from .ingest import ingest_paths

    assistant = _open(args)
    with tqdm(total=0, unit="份", desc="导入", file=sys.stderr, smoothing=0.05) as bar:
        def progress(n: int, total: int, name: str) -> None:
            bar.total = total
            bar.set_postfix_str(one_line(name)[-30:], refresh=False)
            bar.update(n - bar.n)

        def notify(kind: str, line: str) -> None:
            if kind == "waiting":
                bar.write(line, file=sys.stderr)
            else:
                bar.set_postfix_str(line)

        try:
            results = ingest_paths(args.paths, assistant.index, assistant.lexicon, assistant.settings, progress,
                                   notify=notify)
        except KeyboardInterrupt:
            bar.close()
            print("已中断：已完成的文件已保存，再次运行同一命令即可继续导入。", file=sys.stderr)
            return 130
    return _print_results(results)


def cmd_reindex(args: argparse.Namespace) -> int:
    return _print_results(_open(args).reindex())


def cmd_documents(args: argparse.Namespace) -> int:
    for d in _open(args).documents():
        print(f"{one_line(d['source'])}\t{d['region']}\t{d['year']}\t{d['level']}\t{d['chunks']} 段\t{one_line(d['title'])}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    report = _open(args).index.check(repair=args.repair)
    print(json.dumps(report, ensure_ascii=False))
    broken = report["missing_vectors"] or report["orphan_vectors"] or report["bm25_stale"]
    return 1 if broken and not args.repair else 0


def cmd_doctor(args: argparse.Namespace) -> int:
    """Runs without opening the Assistant: a broken store must be reported, not crash the command."""
    from .doctor import main as doctor_main

    return doctor_main(Settings.from_env(**({"store_dir": args.store} if args.store else {})))


def cmd_serve(args: argparse.Namespace) -> int:
    from .ui import launch

    return launch(_open(args), host=args.host, port=args.port)


def cmd_eval(args: argparse.Namespace) -> int:
    from .evaluate import main as eval_main

    return eval_main(_open(args), args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assistant", description="法治政府建设情况报告问答助手")
    parser.add_argument("--store", help="向量库目录（默认 vectorstore/，或 ASSISTANT_STORE_DIR）")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ask", help="提问并给出带出处的回答")
    p.add_argument("question")
    p.add_argument("--json", action="store_true", help="以 JSON 输出完整回答")
    _add_filter_args(p)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("search", help="检索相关段落")
    p.add_argument("query")
    p.add_argument("-k", type=int, default=5)
    _add_filter_args(p)
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("ingest", help="导入报告文件或目录（.txt .md .html .docx .pdf）")
    p.add_argument("paths", nargs="+")
    p.set_defaults(func=cmd_ingest)

    sub.add_parser("reindex", help="按当前设置重新分段并重建索引").set_defaults(func=cmd_reindex)
    sub.add_parser("documents", help="列出已入库的报告").set_defaults(func=cmd_documents)

    p = sub.add_parser("serve", help="启动网页聊天界面（Gradio）")
    p.add_argument("--host", default=None, help="监听地址（默认 127.0.0.1）")
    p.add_argument("--port", type=int, default=None, help="端口（默认 7860）")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("eval", help="在问答集上评测准确率、拒答率、引用与检索")
    p.add_argument("--dataset", help="问答集 JSONL（默认 eval/qa.jsonl）")
    p.add_argument("--mode", choices=["extractive", "llm"], default="extractive")
    p.add_argument("--k", type=int, default=5, help="检索召回统计用的段落数")
    p.add_argument("--split", choices=["all", "dev", "test"], default="all")
    p.add_argument("--limit", type=int, default=0, help="只评测前 N 条（0 为全部）")
    p.add_argument("--out", default="eval/out", help="报告输出目录")
    p.add_argument("--ablation", action="store_true", help="同时运行检索消融对比与 LangChain 基线")
    p.add_argument("--min-accuracy", type=float, default=0.0, help="答案准确率低于此值时返回非零")
    p.add_argument("--min-refusal", type=float, default=0.0, help="拒答准确率低于此值时返回非零")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("check", help="检查目录、向量库与 BM25 是否一致")
    p.add_argument("--repair", action="store_true", help="发现不一致时修复")
    p.set_defaults(func=cmd_check)

    sub.add_parser("doctor", help="检查安装：依赖、向量模型、向量库、大模型连接，并给出修复建议").set_defaults(func=cmd_doctor)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
