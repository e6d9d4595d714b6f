"""Errors of the analytics service.

    PlatformError (platform_services.common.errors)
    └── AnalyticsError
        ├── ReportNotFoundError     404: no analysis yet (POST .../analysis computes one)
        ├── ExamNotFoundError       404: nothing is known about this exam
        └── NotAllowedError         403: not the exam's owner (nor admin/service)

Token errors come from ``platform_services.identity.errors`` (401/403/503).
"""

from __future__ import annotations

from platform_services.common.errors import PlatformError


class AnalyticsError(PlatformError):
    code = "analytics_error"


class ReportNotFoundError(AnalyticsError):
    code = "report_not_found"


class ExamNotFoundError(AnalyticsError):
    code = "exam_not_found"


class NotAllowedError(AnalyticsError):
    code = "forbidden"
