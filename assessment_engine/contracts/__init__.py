"""The wire formats shared between deployables, each defined once and imported by both sides.

- ``decision_record``: the operator's decision per grading queue, read by dispatchers
  (``docs/decision-record.md``).
- ``grading_batch``: the Lambda grading function's invoke payload and response, built and read
  by the dispatcher (``docs/contracts.md``).

The operator may import this package and nothing else of the exam core; the package itself
imports no storage, service or runtime code (import contracts in ``pyproject.toml``). Import the
submodules, not this package, so a reader pulls in only the format it needs.
"""
