"""Regrade after an answer-key fix: propose (dry-run diff) then apply.

Called by the proctor regrade routes. ``propose`` imports the fixed bank as key version N+1,
grades every stored submission in-process with ``grade_submission`` under both the current
stored result (or the old bank when none exists yet) and the fix, and stores the proposal with
its diff. ``apply`` saves bank N+1, makes it the exam's key version and enqueues one regrade
job per submission; it may run twice (a retried request): the bank save is idempotent per
(exam, key version) and results are written once per (submission, key version).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from pydantic import TypeAdapter

from assessment_engine.api.auth import Principal
from assessment_engine.api.context import AppContext
from assessment_engine.api.schemas import RegradeApplied, RegradeCreate, RegradeProposal
from assessment_engine.api.services.banks import import_bank
from assessment_engine.api.services.exams import audit, owned_exam
from assessment_engine.exams.errors import ConflictError, InvalidBankError
from assessment_engine.exams.models import Exam
from assessment_engine.exams.regrade import ScoreChange, changed_keys, diff_scores
from assessment_engine.grading.models import Question
from assessment_engine.grading.submission import grade_submission
from assessment_engine.storage import exams as exam_store
from assessment_engine.storage.errors import ResultNotFoundError
from assessment_engine.storage.questions import load_questions, save_questions
from assessment_engine.storage.results import get_result
from assessment_engine.storage.submissions import (
    enqueue_grading,
    get_submission,
    list_submission_ids,
)

_BANK = TypeAdapter(list[Question])


def _canonical(question: Question) -> str:
    data = question.model_dump(mode="json", exclude={"key_version"})
    return json.dumps(data, sort_keys=True)


async def _old_scores(
    ctx: AppContext, exam: Exam, submission_id: str, old_bank: dict[str, Question], sub: Any
) -> dict[str, float]:
    try:
        stored = await get_result(ctx.redis, exam.exam_id, submission_id)
        return {q.question_id: q.score for q in stored.questions}
    except ResultNotFoundError:
        grade = grade_submission(old_bank, sub.answers, sub.question_ids)
        return {g.question_id: g.score for g in grade.grades}


async def propose(
    ctx: AppContext, principal: Principal, exam_id: str, body: RegradeCreate
) -> RegradeProposal:
    exam = await owned_exam(ctx, principal, exam_id)
    new_version = exam.key_version + 1
    fixed = import_bank(body.bank, body.format, key_version=new_version)
    new_bank = {q.id: q for q in fixed}
    if set(new_bank) != set(exam.question_ids):
        raise InvalidBankError(
            "a key fix must keep the exam's question ids",
            {
                "missing": sorted(set(exam.question_ids) - set(new_bank)),
                "unknown": sorted(set(new_bank) - set(exam.question_ids)),
            },
        )
    old_bank = await load_questions(ctx.redis, exam_id, exam.key_version)
    changed = changed_keys(
        {q: _canonical(v) for q, v in old_bank.items()},
        {q: _canonical(v) for q, v in new_bank.items()},
    )
    changes: list[ScoreChange] = []
    ids = await list_submission_ids(ctx.redis, exam_id)
    for submission_id in ids:
        sub = await get_submission(ctx.redis, exam_id, submission_id)
        old = await _old_scores(ctx, exam, submission_id, old_bank, sub)
        new_grade = grade_submission(new_bank, sub.answers, sub.question_ids)
        new = {g.question_id: g.score for g in new_grade.grades}
        changes.extend(diff_scores(sub.student_id, submission_id, old, new))
    proposal = RegradeProposal(
        regrade_id=uuid.uuid4().hex,
        from_key_version=exam.key_version,
        to_key_version=new_version,
        changed_questions=changed,
        submissions_checked=len(ids),
        students_affected=len({c.student_id for c in changes}),
        changes=changes,
    )
    await exam_store.save_regrade(
        ctx.redis,
        exam_id,
        proposal.regrade_id,
        {
            "proposal": proposal.model_dump(mode="json"),
            "bank": _BANK.dump_python(fixed, mode="json"),
            "reason": body.reason,
        },
    )
    await audit(
        ctx,
        principal,
        exam_id,
        "regrade.proposed",
        body.reason,
        None,
        regrade_id=proposal.regrade_id,
        changes=len(changes),
    )
    return proposal


async def apply(
    ctx: AppContext, principal: Principal, exam_id: str, regrade_id: str
) -> RegradeApplied:
    exam = await owned_exam(ctx, principal, exam_id)
    stored = await exam_store.load_regrade(ctx.redis, exam_id, regrade_id)
    proposal = RegradeProposal.model_validate(stored["proposal"])
    if exam.key_version not in (proposal.from_key_version, proposal.to_key_version):
        raise ConflictError(
            "the exam's key changed since this regrade was proposed; propose again",
            {"key_version": exam.key_version},
        )
    bank = _BANK.validate_python(stored["bank"])
    await save_questions(ctx.redis, exam_id, proposal.to_key_version, bank)

    def bump(current: Exam) -> Exam:
        return current.model_copy(
            update={"key_version": max(current.key_version, proposal.to_key_version)}
        )

    await exam_store.update_exam(ctx.redis, exam_id, bump)
    ids = await list_submission_ids(ctx.redis, exam_id)
    for submission_id in ids:
        await enqueue_grading(ctx.redis, exam_id, submission_id, proposal.to_key_version)
    await exam_store.finish_regrade(ctx.redis, exam_id, regrade_id)
    await audit(
        ctx,
        principal,
        exam_id,
        "regrade.applied",
        str(stored.get("reason", "")),
        None,
        regrade_id=regrade_id,
        jobs=len(ids),
    )
    return RegradeApplied(
        regrade_id=regrade_id, key_version=proposal.to_key_version, jobs_enqueued=len(ids)
    )
