"""Logger, Tracer and Metrics of the grading function, created once per execution environment.

Imported by ``app.py`` and ``grading.py``. Service name and metrics namespace come from
``POWERTOOLS_SERVICE_NAME`` / ``POWERTOOLS_METRICS_NAMESPACE`` (set in the SAM ``Globals``);
defaults keep the function runnable when they are missing. Metrics are emitted as CloudWatch EMF
on stdout; the Tracer is disabled locally with ``POWERTOOLS_TRACE_DISABLED=true``.
"""

from __future__ import annotations

import os

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME", "exam-grader")
NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "ExamOverflow")

logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
