"""Overflow to Lambda: the dispatcher that obeys the operator's decision record.

The record itself is ``assessment_engine.contracts.decision_record``; ``watcher`` follows it,
``batch`` builds and reads the grading-batch contract; ``dispatcher`` (run by ``assessment-engine
dispatcher``) spills queued grading work to the Lambda grading function while the decision says
overflow. See ``docs/overflow.md``.
"""
