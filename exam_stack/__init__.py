"""Whole-stack tools: the ``assessment-engine`` CLI, the surge run (the main job), the what-if
simulator and the launchers of the real local components (redis-server, prometheus).

The only layer that imports every deployable: the exam core (``assessment_engine``), the
operator (``autoscaler_operator``), the Lambda package (``overflow_functions``) and the platform
services (``platform_services``). Nothing imports it back (import contracts in
``pyproject.toml``, checked by ``lint-imports`` in the test command).
"""
