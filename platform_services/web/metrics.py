"""Prometheus metrics of the web service, on the app's own registry.

``web_requests_total{page,status}`` counts what browsers fetched (``page``: ``student``,
``proctor``, ``asset``, ``config`` or ``other``, never the raw path, so the label set stays
small); ``web_request_duration_seconds`` is the latency histogram by the same label.
"""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Histogram


def page_of(path: str) -> str:
    """The bounded label for a request path."""
    if path in ("/", "/index.html"):
        return "student"
    if path.startswith("/proctor"):
        return "proctor"
    if path.startswith("/assets/"):
        return "asset"
    if path == "/config.json":
        return "config"
    return "other"


@dataclass(frozen=True)
class WebMetrics:
    requests: Counter
    duration: Histogram

    @classmethod
    def create(cls, registry: CollectorRegistry) -> WebMetrics:
        return cls(
            requests=Counter(
                "web_requests_total",
                "Requests for the pages by page and status",
                ["page", "status"],
                registry=registry,
            ),
            duration=Histogram(
                "web_request_duration_seconds",
                "Latency of page and asset requests",
                ["page"],
                buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
                registry=registry,
            ),
        )
