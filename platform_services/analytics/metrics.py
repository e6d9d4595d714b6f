"""Prometheus metrics of the analytics service, on the app's own registry."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Histogram


@dataclass(frozen=True)
class AnalyticsMetrics:
    events: Counter
    reports: Counter
    report_seconds: Histogram

    @classmethod
    def create(cls, registry: CollectorRegistry) -> AnalyticsMetrics:
        return cls(
            events=Counter(
                "analytics_events_total",
                "Domain events handled",
                ["type", "outcome"],
                registry=registry,
            ),
            reports=Counter(
                "analytics_reports_total",
                "Item-analysis reports computed",
                ["trigger"],
                registry=registry,
            ),
            report_seconds=Histogram(
                "analytics_report_seconds", "Time to compute a report", registry=registry
            ),
        )
