"""`assistant` command line: a thin shell over Assistant."""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from .config import Settings


def _filters(args: argparse.Namespace) -> dict | None:
    found = {k: getattr(args, k) for k in ("region", "year", "source") if getattr(args, k, None)}
    return found or None


def _add_filter_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--region", help="只在该地区的报告中查找，如 桂林市")
    p.add_argument("--year", type=int, help="只在该年度的报告中查找")
    p.add_argument("--source", help="只在该文件中查找（文件名）")


def _open(args: argparse.Namespace, reindexing: bool = False):
    from .assistant import Assistant

    overrides = {"store_dir": args.store} if args.store else {}
    return Assistant(Settings.from_env(**overrides), reindexing=reindexing)


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


def _with_bar(desc: str, run, interrupted: str) -> int:
    """Run an ingest-like job with a progress bar and ETA on stderr; Ctrl-C keeps finished batches."""
    from tqdm import tqdm

    with tqdm(total=0, unit="份", desc=desc, file=sys.stderr, smoothing=0.05) as bar:
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
            results = run(progress, notify)
        except KeyboardInterrupt:
            bar.close()
            print(interrupted, file=sys.stderr)
            return 130
    return _print_results(results)


def cmd_ingest(args: argparse.Namespace) -> int:
    """Progress bar with ETA on stderr; Ctrl-C keeps finished batches, and the same command resumes."""
    from .ingest import ingest_paths

    assistant = _open(args)
    return _with_bar("导入", lambda progress, notify: ingest_paths(
        args.paths, assistant.index, assistant.lexicon, assistant.settings, progress, notify=notify),
        "已中断：已完成的文件已保存，再次运行同一命令即可继续导入。")


def cmd_reindex(args: argparse.Namespace) -> int:
    """Every report from its stored text (re-embedded with the configured model, which becomes the store's),
    or the named ones re-read from their files."""
    assistant = _open(args, reindexing=not args.names)
    if args.names:
        return _print_results([assistant.reindex_one(name) for name in args.names])
    return _with_bar("重建索引", assistant.reindex, "已中断：已完成的部分已保存，再次运行 assistant reindex 即可继续。")


def cmd_remove(args: argparse.Namespace) -> int:
    """Remove reports by name without asking; an unknown name is an error that leaves the others done."""
    from .ingest import unknown_report

    assistant = _open(args)
    unknown = 0
    for name in args.names:
        if assistant.remove(name):
            print(f"已删除\t{one_line(name)}")
        else:
            print(f"错误：{one_line(unknown_report(name))}", file=sys.stderr)
            unknown += 1
    return 2 if unknown else 0


def cmd_documents(args: argparse.Namespace) -> int:
    assistant = _open(args)
    metas = assistant.index.metas()
    for d in assistant.documents():
        m = metas.get(d["source"])
        path = " > ".join(m.path) if m and m.path else d["region"]
        print(f"{one_line(d['source'])}\t{path}\t{d['level']}\t{d['year']}\t{d['chunks']} 段\t{one_line(d['title'])}")
    return 0


def cmd_meta(args: argparse.Namespace) -> int:
    """Correct a report's metadata; kept in the catalog, so re-ingest and reindex keep it."""
    from .corrections import CorrectionError, read, save

    store = args.store or Settings.from_env().store_dir
    fields = {"region": args.region, "year": args.year, "title": args.title, "level": args.level}
    try:
        meta = save(store, args.source, fields) if any(fields.values()) else read(store, args.source)
    except CorrectionError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    done = "已修改" if any(fields.values()) else "当前"
    print(f"{done} {args.source}：{' > '.join(meta.path) or meta.region}\t{meta.level}\t{meta.year}\t{meta.title}")
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


def cmd_compare(args: argparse.Namespace) -> int:
    """One indicator across reports: Markdown on screen, or CSV / XLSX (to -o FILE)."""
    table = _open(args).compare(args.indicator, args.region or None, args.year or None)
    if args.format == "xlsx":
        if not args.output:
            print("导出 XLSX 需要用 -o 指定文件名，例如 -o 对比.xlsx", file=sys.stderr)
            return 2
        print(f"已写入 {table.to_xlsx(args.output)}")
    else:
        text = table.to_csv() if args.format == "csv" else table.to_markdown()
        if args.output:
            Path(args.output).write_text(text, encoding="utf-8-sig" if args.format == "csv" else "utf-8")
            print(f"已写入 {args.output}")
        else:
            print(text)
    return 0 if table.matched else 1


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

    p = sub.add_parser("reindex", help="按当前设置重新分段并重建索引（给出文件名则只从原文件重新读取这几份）")
    p.add_argument("names", nargs="*", help="文件名（见 assistant documents）；不给则全部重建")
    p.set_defaults(func=cmd_reindex)
    p = sub.add_parser("remove", help="从资料库删除报告（文件名见 assistant documents），不再询问")
    p.add_argument("names", nargs="+", help="文件名")
    p.set_defaults(func=cmd_remove)
    sub.add_parser("documents", help="列出已入库的报告：地区路径、层级、年度、标题").set_defaults(func=cmd_documents)

    p = sub.add_parser("meta", help="查看或更正一份报告的元数据（地区、年度、标题、层级），重新导入后仍保留")
    p.add_argument("source", help="文件名（见 assistant documents）")
    p.add_argument("--region", help="地区，如 越秀区 或 广州市越秀区")
    p.add_argument("--year", help="报告所述年度，如 2023")
    p.add_argument("--title", help="报告标题")
    p.add_argument("--level", help="层级：省 / 市 / 县 / 区 / 开发区")
    p.set_defaults(func=cmd_meta)

    p = sub.add_parser("serve", help="启动网页聊天界面（Gradio）")
    p.add_argument("--host", default=None, help="监听地址（默认 127.0.0.1）")
    p.add_argument("--port", type=int, default=None, help="端口（默认 7860）")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("eval", help="在问答集上评测准确率、拒答率、引用与检索")
    p.add_argument("--dataset", help="问答集 JSONL（默认全部：eval/qa.jsonl、按工作人员问法写的 eval/qa_staff.jsonl 与 "
                   "eval/qa_fresh.jsonl、关于其他地方报告的各套 eval/qa_unseen*.jsonl）")
    p.add_argument("--mode", choices=["extractive", "llm"], default="extractive")
    p.add_argument("--k", type=int, default=5, help="检索召回统计用的段落数")
    p.add_argument("--split", choices=["all", "dev", "test"], default="all")
    p.add_argument("--limit", type=int, default=0, help="只评测前 N 条（0 为全部）")
    p.add_argument("--out", default="eval/out", help="报告输出目录")
    p.add_argument("--ablation", action="store_true", help="同时运行检索消融对比与 LangChain 基线")
    p.add_argument("--min-accuracy", type=float, default=0.0, help="答案准确率低于此值时返回非零")
    p.add_argument("--min-refusal", type=float, default=0.0, help="拒答准确率低于此值时返回非零")
    p.add_argument("--min-staff-accuracy", type=float, default=0.0, help="工作人员问法集：答案准确率下限")
    p.add_argument("--min-staff-refusal", type=float, default=0.0, help="工作人员问法集：拒答准确率下限")
    p.add_argument("--min-unseen-accuracy", type=float, default=0.0, help="后写的问答集（新问法、其他地方报告各套）：答案准确率下限")
    p.add_argument("--min-unseen-refusal", type=float, default=0.0, help="后写的问答集（新问法、其他地方报告各套）：拒答准确率下限")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("compare", help="对比各报告中的同一指标（表格，每格附出处）")
    p.add_argument("indicator", help="指标，如 行政复议、败诉率、法律顾问")
    p.add_argument("--region", action="append", help="只对比这些地区（可重复）")
    p.add_argument("--year", type=int, action="append", help="只对比这些年度（可重复）")
    p.add_argument("--format", choices=["md", "csv", "xlsx"], default="md")
    p.add_argument("-o", "--output", help="写入文件")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("check", help="检查目录、向量库与 BM25 是否一致")
    p.add_argument("--repair", action="store_true", help="发现不一致时修复")
    p.set_defaults(func=cmd_check)

    sub.add_parser("doctor", help="检查安装：依赖、向量模型、向量库、大模型连接，并给出修复建议").set_defaults(func=cmd_doctor)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from .index import StoreModelError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except StoreModelError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
