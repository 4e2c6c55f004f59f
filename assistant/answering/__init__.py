"""The answer stage: a QuestionPlan made once per question, then one small strategy per intent.

    plan = Planner(route).plan(question, history, metas, filters)
    answer = answer_plan(plan, tools)

Nothing here knows about the store, the UI or the LLM: the facade (assistant.py) wires them in.
"""
from __future__ import annotations

from ..records import Answer
from .evidence import Extractor, compose, is_simplified
from .plan import Carry, Planner, QuestionPlan, topic_of
from .strategies import Found, Tools, strategy_for

REFUSAL = "抱歉，现有报告中没有找到能够回答这个问题的内容。"
PART_MISSING = "问题中有一部分在报告中没有找到答案"

__all__ = ["REFUSAL", "Answer", "Carry", "Extractor", "Found", "Planner", "QuestionPlan", "Tools", "answer_plan",
           "is_simplified", "refusal_text", "topic_of"]


def refusal_text(plan: QuestionPlan, reason: str = "") -> str:
    """Why the reports do not answer: the named place or year the collection lacks, or what is missing."""
    reasons = []
    if plan.unknown_places:
        reasons.append(f"资料库中没有{'、'.join(dict.fromkeys(plan.unknown_places))}的报告")
    if plan.missing:
        reasons.append(plan.missing)
    if reason:
        return reason + ("（" + "；".join(reasons) + "）" if reasons else "")
    return REFUSAL + ("（" + "；".join(reasons) + "）" if reasons else "")


def _found(plan: QuestionPlan, tools: Tools) -> Found:
    if (plan.unknown_places and not plan.regions) or plan.sources == []:
        return Found(refused=True)
    return strategy_for(plan)(plan, tools)


def answer_plan(plan: QuestionPlan, tools: Tools) -> Answer:
    """The Answer for a plan: evidence composed with [n] markers and citations, or a refusal that says why."""
    answer = Answer(text="", question=plan.question, standalone_question=plan.text, searched=plan.searched,
                    carried=[f"{c.what}「{c.value}」（第{c.turn}轮）" for p in (plan.parts or [plan]) for c in p.carried])
    found = [(_found(p, tools), p) for p in (plan.parts or [plan])]
    lines = [line for f, _ in found if not f.refused for line in f.lines]
    for f, _ in found:
        answer.passages.extend(f.passages)
    if lines:
        answer.text, answer.citations = compose(lines, is_simplified(plan.question))
        answer.table = "\n\n".join(f.table for f, _ in found if f.table)
        if any(f.refused for f, _ in found):
            answer.warnings.append(PART_MISSING)
        answer.refused = all(f.refused or f.unstated for f, _ in found)  # 报告未说明, with what it says instead
    else:
        answer.refused = True
        answer.text = "\n".join(dict.fromkeys(refusal_text(p, f.reason) for f, p in found))
    # What the plan decided for the user (a misspelt region read as 石林县, a missing year answered from
    # another): shown with the answer as notices, outside the cited text.
    answer.warnings[:0] = plan.notes
    return answer
