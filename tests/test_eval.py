"""The eval set, the scorer and `assistant eval`, on a real Assistant built from seeds/ into a temp store."""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from assistant import Answer, Assistant, Chunk, Citation, Passage, ReportMeta, Settings
from assistant.cli import build_parser
from assistant.evaluate import (
    DATASET,
    FRESH_DATASET,
    LLM_UNAVAILABLE,
    STAFF_DATASET,
    UNSEEN_DATASETS,
    Item,
    by_split,
    by_type,
    load_items,
    main,
    satisfies,
    score,
    select,
    summarize,
    ungrounded_numbers,
)

# CI floors for the full set (dev + test, extractive, hybrid+route), a few points under the figures
# measured on 2026-11-30 (fourth session): answer accuracy 98.0%, refusal accuracy 96.9%.
# The answerer is still being tuned: raise these with the measured figures, never lower them silently.
ANSWER_ACCURACY_FLOOR = 0.96
REFUSAL_ACCURACY_FLOOR = 0.95
# The staff-style set (eval/qa_staff.jsonl, dev + frozen test), floors under the figures measured at the end of
# the work on it (README: 91.5% / 95.8% on 2026-11-30, fifth session). Raise them with the measured figures, never
# lower them silently.
STAFF_ACCURACY_FLOOR = 0.90
STAFF_REFUSAL_FLOOR = 0.93
# The sets written later by people who never saw the code, each with its own floors (answer, refusal), a few
# points under what it measured at the end of the seventh session of 2026-12-01 (dev + frozen test, each in a
# store of its own; README), never lowered: eval/qa_fresh.jsonl and thirteen corpora of other governments' reports.
# unseen11's and unseen12's dev halves were opened for tuning in the seventh session (their test halves frozen).
UNSEEN_FLOORS: dict[str, tuple[float, float]] = {
    "fresh": (0.90, 0.93),  # measured 93.0% / 96.0%
    "unseen": (0.88, 0.90),  # 91.3% / 92.5%
    "unseen2": (0.88, 0.92),  # 90.1% / 95.0%
    "unseen3": (0.86, 0.84),  # 89.6% / 87.9%
    "unseen4": (0.95, 0.95),  # 98.0% / 98.3%
    "unseen5": (0.81, 0.95),  # 84.2% / 95.3%
    "unseen6": (0.88, 0.90),  # 91.4% / 92.9%
    "unseen7": (0.86, 0.85),  # 88.7% / 88.4%
    "unseen8": (0.86, 0.83),  # 89.2% / 86.1%
    "unseen9": (0.88, 0.86),  # 91.3% / 89.1%
    "unseen10": (0.87, 0.90),  # 90.2% / 93.6%
    "unseen11": (0.80, 0.86),  # 83.5% / 89.7% (68.1% / 87.2% before its dev half was tuned on)
    "unseen12": (0.83, 0.90),  # 86.7% / 92.9% (72.5% / 92.9% first scored, untuned)
    "unseen13": (0.74, 0.85),  # 77.5% / 87.8% (71.4% / 85.4% untuned; its dev half tuned on at the eighth session)
    "unseen14": (0.84, 0.92),  # 86.9% / 95.0% (69.7% / 95.0% before its dev half was tuned on)
    "unseen16": (0.76, 0.81),  # 79.2% / 84.6% (68.3% / 79.5% first scored, untuned)
}
MAX_CONTEXT_CHARS = 2000  # product target: the top-5 passages a model would read

ROOT = Path(__file__).resolve().parent.parent
TYPES = ("numeric", "fact", "list", "cross", "trad_query", "unanswerable", "followup")


def _load_checker():
    spec = importlib.util.spec_from_file_location("check_qa", ROOT / "eval" / "check_qa.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


check_qa = _load_checker()


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    return Assistant(Settings.from_env(store_dir=tmp_path_factory.mktemp("store")))


def eval_args(*argv: str):
    """Arguments exactly as `assistant eval ...` parses them."""
    return build_parser().parse_args(["eval", *argv])


# ---------------------------------------------------------------- the QA file
def test_qa_file_passes_its_checks() -> None:
    items, errors, _, per_type = check_qa.check(check_qa.QA_PATH)
    assert not errors, "\n".join(errors)
    assert len(items) >= 150
    assert all(per_type[t] >= 15 for t in TYPES), per_type
    assert {it["split"] for it in items} == {"dev", "test"}


def test_staff_set_passes_its_checks() -> None:
    items, errors = check_qa.check_staff()
    assert not errors, errors
    assert len(items) >= 200 and sum(i["split"] == "test" for i in items) >= 60


@pytest.mark.parametrize("checker", [
    ["check_fresh.py"], ["check_unseen.py"],
    ["check_unseen.py", "--qa", "eval/qa_unseen2.jsonl", "--reports", "eval/unseen2/reports", "--min-counts",
     "unseen2"],
    ["check_unseen.py", "--qa", "eval/qa_unseen3.jsonl", "--reports", "eval/unseen3/reports", "--min-counts",
     "trap=30,unanswerable=25,yes_no=20,paraphrase=15,fact=15,cross=15,conversation=10,typo=0,false_premise=0,trad=0"],
    ["check_unseen.py", "--qa", "eval/qa_unseen4.jsonl", "--reports", "eval/unseen4/reports", "--min-counts",
     "trap=35,unanswerable=25,yes_no=15,fact=15,paraphrase=10,cross=10,conversation=0,typo=0,false_premise=0,trad=0"],
    *(["check_unseen.py", "--qa", f"eval/qa_unseen{n}.jsonl", "--reports", f"eval/unseen{n}/reports", "--min-counts",
       "paraphrase=22,trap=22,unanswerable=16,yes_no=16,conversation=12,cross=10,false_premise=6,typo=6,trad=5,fact=8"]
      for n in (5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16))])
def test_independent_sets_pass_their_checkers(checker: list[str]) -> None:
    """The fresh staff-style set and the unseen-reports sets, each with the checker its writer left."""
    done = subprocess.run([sys.executable, f"eval/{checker[0]}", *checker[1:]], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0 and "OK" in done.stdout, done.stdout + done.stderr


def test_qa_checker_reports_broken_items(tmp_path: Path) -> None:
    good = [json.loads(line) for line in DATASET.read_text(encoding="utf-8").splitlines()[:3]]
    wrong_must = dict(good[0], must=[["一个报告里没有的说法"]])
    refusal_with_must = dict(good[1], id="q002", type="unanswerable", unanswerable=True)
    missing_key = {k: v for k, v in good[2].items() if k != "split"}
    path = tmp_path / "broken.jsonl"
    path.write_text("\n".join(json.dumps(it, ensure_ascii=False)
                              for it in (wrong_must, refusal_with_must, missing_key)), encoding="utf-8")
    _, errors, _, _ = check_qa.check(path)
    text = "\n".join(errors)
    assert "q001: alternative '一个报告里没有的说法' not found" in text
    assert "q002: unanswerable item must have empty must and sources" in text
    assert "q003: keys" in text
    assert "only 3 items" in text


def test_every_source_is_an_indexed_report(assistant: Assistant) -> None:
    indexed = set(assistant.index.metas())
    missing = {s for item in load_items() for s in item.sources} - indexed
    assert not missing


# ---------------------------------------------------------------- scoring
META = ReportMeta(title="贺州市2024年法治政府建设情况报告", region="贺州市", year=2024, level="地级市")
PASSAGE = "全市一审行政案件败诉率为1.26%，较2023年下降18.88个百分点。"
TRAD_PASSAGE = "全區一審行政案件敗訴率為１．２６％。"


def _item(must: list[list[str]], unanswerable: bool = False, kind: str = "numeric", split: str = "dev") -> Item:
    return Item(id="t", question="贺州市2024年一审行政案件败诉率是多少？", history=[], must=must,
                sources=[] if unanswerable else ["hezhou.txt"], type=kind, unanswerable=unanswerable, split=split)


def _citation(passage: str, source: str = "hezhou.txt") -> Citation:
    return Citation(source=source, title=META.title, region=META.region, year=META.year, section="",
                    quote=passage, passage=passage, score=1.0, start=0, end=len(passage))


def _passages(*texts: str) -> list[Passage]:
    return [Passage(Chunk(id=f"c{n}", source="hezhou.txt", text=t, search_text=t, section="", start=0,
                          end=len(t), meta=META), 1.0, n) for n, t in enumerate(texts, 1)]


def _answer(text: str, refused: bool = False, cited: str = PASSAGE) -> Answer:
    return Answer(text=text, refused=refused, citations=[] if refused else [_citation(cited)],
                  timings={"total": 0.01})


def test_satisfies_folds_script_width_and_space() -> None:
    assert satisfies("败诉率为1.26%", [["敗訴率"], ["1.26%"]])
    assert satisfies("敗訴率為 １．２６％", [["败诉率"], ["1.26%", "1.26％"]])
    assert not satisfies("败诉率为1.26%", [["败诉率"], ["18.88"]])


def test_score_right_wrong_refused_and_unanswerable() -> None:
    must = [["1.26%"]]
    right = score(_item(must), _answer(f"据贺州市2024年报告：{PASSAGE}[1]"), _passages("无关", PASSAGE), 0.01)
    assert right.correct and right.right_report and right.cited_contains and right.recall
    assert right.reciprocal_rank == 0.5 and right.ungrounded == ()
    trad = score(_item([["败诉率"], ["1.26%"]]), _answer(f"據延慶區報告：{TRAD_PASSAGE}[1]", cited=TRAD_PASSAGE),
                 _passages(TRAD_PASSAGE), 0.01)
    assert trad.correct and trad.cited_contains
    wrong = score(_item(must), _answer("败诉率为2.5%。[1]"), _passages("无关"), 0.01)
    assert not wrong.correct and not wrong.recall and wrong.reciprocal_rank == 0.0
    assert wrong.ungrounded == ("2.5%",)
    refused = score(_item(must), _answer("抱歉，现有报告中没有找到。", refused=True), _passages(PASSAGE), 0.01)
    assert not refused.correct and refused.right_report is None
    declined = score(_item([], unanswerable=True, kind="unanswerable", split="test"),
                     _answer("抱歉，资料库中没有2019年的报告。", refused=True), [], 0.02)
    answered = score(_item([], unanswerable=True, kind="unanswerable", split="test"), _answer(PASSAGE), [], 0.03)
    assert declined.correct and not answered.correct

    summary = summarize([right, trad, wrong, refused, declined, answered])
    assert summary["answer_accuracy"] == 0.5
    assert summary["refusal_accuracy"] == 0.5
    assert summary["false_refusal_rate"] == 0.25
    assert summary["citation_right_report"] == 1.0
    assert summary["ungrounded_numbers"] == 1
    assert list(by_type([right, declined])) == ["numeric", "unanswerable"]
    assert by_split([right, declined])["test"]["refusal_accuracy"] == 1.0


def test_score_yes_no_verdicts_and_forbidden_figures() -> None:
    yes = _item([["1.26%"]])
    yes.verdict = "no"
    assert score(yes, _answer(f"否。据贺州市2024年报告：{PASSAGE}[1]"), [], 0.01).correct
    assert not score(yes, _answer(f"是。据贺州市2024年报告：{PASSAGE}[1]"), [], 0.01).correct
    unknown = _item([])
    unknown.verdict = "unknown"
    assert score(unknown, _answer("报告未说明“X”的情况。", refused=True), [], 0.01).correct
    trap = _item([], unanswerable=True, kind="trap")
    trap.must_not = ["1.26%"]
    wrong = score(trap, _answer(f"据贺州市2024年报告：{PASSAGE}[1]"), [], 0.01)
    assert not wrong.correct and wrong.wrong_figure
    assert score(trap, _answer("报告未给出“新增”的具体数字。", refused=True), [], 0.01).correct
    assert summarize([wrong])["wrong_figure_answers"] == 1


def test_ungrounded_numbers_ignores_markers_and_the_cited_report_name() -> None:
    cited = [_citation(PASSAGE)]
    assert ungrounded_numbers(f"据贺州市2024年报告：{PASSAGE}[1]", cited) == []
    assert ungrounded_numbers("败诉率为1.26%，共办理1,600件。[2]", cited) == ["1,600"]
    listing = [_citation("其中：1个县中心，12个乡镇中心，161个村服务站，共1,500件。")]
    assert ungrounded_numbers("1个县中心，12个乡镇中心，161个村服务站[1]", listing) == []
    assert ungrounded_numbers("共50个，1,500件，500件[1]", listing) == ["50", "500"]


def test_select_split_then_limit() -> None:
    items = [_item([["x"]], split=s) for s in ("dev", "test", "dev", "test")]
    assert len(select(items, "all")) == 4
    assert [i.split for i in select(items, "test", limit=1)] == ["test"]


# ---------------------------------------------------------------- the command
@pytest.fixture(scope="module")
def subset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dataset file of three items per type: any file in the schema can be plugged in."""
    lines = DATASET.read_text(encoding="utf-8").splitlines()
    picked: dict[str, list[str]] = {t: [] for t in TYPES}
    for line in lines:
        kind = json.loads(line)["type"]
        if len(picked[kind]) < 3:
            picked[kind].append(line)
    path = tmp_path_factory.mktemp("data") / "subset.jsonl"
    path.write_text("\n".join(line for group in picked.values() for line in group) + "\n", encoding="utf-8")
    return path


def test_eval_with_ablation_writes_json_markdown_and_chart(assistant: Assistant, subset: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(assistant, eval_args("--dataset", str(subset), "--out", str(out), "--ablation")) == 0

    report = json.loads((out / "eval.json").read_text(encoding="utf-8"))
    assert report["n"] == 21 and len(report["items"]) == 21
    assert set(report["by_type"]) == set(TYPES)
    assert set(report["by_split"]) <= {"dev", "test"}
    assert list(report["ablation"]) == ["hybrid+route", "hybrid", "bm25", "dense", "langchain"]
    for row in report["ablation"].values():
        s = row["summary"]
        assert s["n"] == 21
        for key in ("answer_accuracy", "refusal_accuracy", "retrieval_recall_at_k", "mrr"):
            assert 0.0 <= s[key] <= 1.0, (row["label"], key)
        assert s["latency_ms_p95"] >= s["latency_ms_p50"] >= 0
    assert report["ablation"]["hybrid+route"]["summary"] == report["summary"]
    assert report["ablation"]["langchain"]["k"] == 3
    assert report["summary"]["ungrounded_numbers"] == 0
    row = report["items"][0]
    assert {"id", "type", "question", "standalone", "answer", "refused", "correct", "citations"} <= set(row)

    md = (out / "eval.md").read_text(encoding="utf-8")
    for heading in ("## 总体", "## 按题型", "## 按划分", "## 消融对比", "## 错题"):
        assert heading in md
    assert f"`{report['command']}`" in md and "--ablation" in report["command"]
    assert "CPU cores" in md and "LangChain" in md
    assert md.count("\n| ") >= 2 + 7 + 2 + 5

    png = (out / "accuracy_by_type.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000


def test_eval_gate_split_and_limit(assistant: Assistant, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    args = eval_args("--split", "test", "--limit", "6", "--out", str(tmp_path), "--min-accuracy", "1.01")
    assert main(assistant, args) == 1
    assert "未达标：答案准确率" in capsys.readouterr().err
    report = json.loads((tmp_path / "eval.json").read_text(encoding="utf-8"))
    assert report["n"] == 6 and {row["split"] for row in report["items"]} == {"test"}


def test_llm_mode_without_llm_says_so(assistant: Assistant, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(assistant, eval_args("--mode", "llm", "--out", str(tmp_path))) == 2
    assert LLM_UNAVAILABLE in capsys.readouterr().err
    assert not (tmp_path / "eval.json").exists()


def test_script_shim_runs_the_cli() -> None:
    done = subprocess.run([sys.executable, "eval/run.py", "--help"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "--ablation" in done.stdout and "--min-accuracy" in done.stdout


@pytest.mark.slow
def test_every_set_stays_above_its_ci_floors(assistant: Assistant, tmp_path: Path) -> None:
    args = eval_args("--out", str(tmp_path), "--min-accuracy", str(ANSWER_ACCURACY_FLOOR),
                     "--min-refusal", str(REFUSAL_ACCURACY_FLOOR), "--min-staff-accuracy", str(STAFF_ACCURACY_FLOOR),
                     "--min-staff-refusal", str(STAFF_REFUSAL_FLOOR), "--min-unseen-accuracy",
                     str(min(a for a, _ in UNSEEN_FLOORS.values())), "--min-unseen-refusal",
                     str(min(r for _, r in UNSEEN_FLOORS.values())))
    code = main(assistant, args)
    later = {"fresh": FRESH_DATASET, **UNSEEN_DATASETS}
    for stem, dataset, floors in [("staff", STAFF_DATASET, (STAFF_ACCURACY_FLOOR, STAFF_REFUSAL_FLOOR))] + [
            (stem, path, UNSEEN_FLOORS[stem]) for stem, path in later.items()]:
        staff = json.loads((tmp_path / f"{stem}.json").read_text(encoding="utf-8"))
        assert staff["summary"]["n"] == len(load_items(dataset))
        assert staff["summary"]["answer_accuracy"] >= floors[0], (stem, staff["summary"])
        assert staff["summary"]["refusal_accuracy"] >= floors[1], (stem, staff["summary"])
        assert staff["summary"]["ungrounded_numbers"] == 0, (stem, staff["summary"])
        assert "| 报告 |" in (tmp_path / f"{stem}.md").read_text(encoding="utf-8")  # the metadata table
    summary = json.loads((tmp_path / "eval.json").read_text(encoding="utf-8"))["summary"]
    assert summary["n"] == len(load_items())
    assert summary["answer_accuracy"] >= ANSWER_ACCURACY_FLOOR, summary
    assert summary["refusal_accuracy"] >= REFUSAL_ACCURACY_FLOOR, summary
    assert summary["ungrounded_numbers"] == 0, summary
    assert summary["context_chars_max"] <= MAX_CONTEXT_CHARS, summary
    assert code == 0


def test_every_citation_quotes_exactly_its_spans(assistant: Assistant) -> None:
    """Over every question of both sets: each span is report_text[a:b], and the quote is their concatenation."""
    for item in load_items() + load_items(STAFF_DATASET) + load_items(FRESH_DATASET):
        for c in assistant.ask(item.question, item.history).citations:
            text = assistant.index.document_text(c.source)
            assert c.spans and c.quote == "".join(text[a:b] for a, b in c.spans), (item.id, c)
            assert (c.start, c.end) == (c.spans[0][0], c.spans[-1][1])
            assert c.passage == text[c.passage_start:c.passage_start + len(c.passage)]


def test_a_corpus_set_gets_a_store_of_its_own_sharing_the_main_embedding_model(assistant: Assistant,
                                                                                  tmp_path: Path) -> None:
    """One model in memory for all the eval's corpora: thirteen of them each loading it ran out of memory."""
    from assistant.evaluate import corpus_assistant
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "a.txt").write_text("某县2023年法治政府建设情况报告\n一、主要工作\n全年收到行政复议申请120件。\n", encoding="utf-8")
    dataset = tmp_path / "qa.jsonl"
    dataset.write_text(json.dumps({"_header": "t", "corpus": str(reports)}, ensure_ascii=False) + "\n", encoding="utf-8")
    other = corpus_assistant(assistant, dataset)
    assert other.embedder is assistant.embedder and other.settings.store_dir != assistant.settings.store_dir
    assert "120件" in other.ask("某县2023年收到行政复议申请多少件？").text
