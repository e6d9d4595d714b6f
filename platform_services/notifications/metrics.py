"""Prometheus metrics of the notifications service, on the app's own registry."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge


@dataclass(frozen=True)
class NotifyMetrics:
    streams: Gauge
    presence: Counter
    sent: Counter
    replayed: Counter
    overflows: Counter
    queue_high_water: Gauge
    tailed: Counter

    @classmethod
    def create(cls, registry: CollectorRegistry) -> NotifyMetrics:
        return cls(
            streams=Gauge(
                "notifications_open_streams",
                "Open SSE streams on this replica, by the caller's role",
                ["role"],
                registry=registry,
            ),
            presence=Counter(
                "notifications_presence_operations_total",
                "Presence store operations (open, close, close_failed, beat, beat_gone)",
                ["operation"],
                registry=registry,
            ),
            sent=Counter(
                "notifications_events_sent_total",
                "Events sent to clients",
                ["audience"],
                registry=registry,
            ),
            replayed=Counter(
                "notifications_events_replayed_total",
                "Events sent from a Last-Event-ID replay",
                registry=registry,
            ),
            overflows=Counter(
                "notifications_client_overflows_total",
                "Clients dropped because their queue was full",
                registry=registry,
            ),
            queue_high_water=Gauge(
                "notifications_client_queue_high_water",
                "Deepest per-client queue seen (bounded by the setting)",
                registry=registry,
            ),
            tailed=Counter(
                "notifications_events_tailed_total",
                "Domain events read from the stream",
                registry=registry,
            ),
        )
