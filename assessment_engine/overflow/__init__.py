"""Overflow to Lambda: the decision-record contract and the dispatcher that obeys it.

``decision_record`` is shared with the operator; ``dispatcher`` (run by ``assessment-engine
dispatcher``) spills queued grading work to the Lambda grading function while the decision says
overflow. See ``docs/overflow.md``.
"""
