"""Prometheus metrics of one running server (its own registry, so tests can run several)."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Histogram


@dataclass
class Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        self.webhook_events = Counter(
            "pgpay_webhook_events",
            "Webhook deliveries by environment and outcome.",
            ["environment", "outcome"],
            registry=self.registry,
        )
        self.webhook_seconds = Histogram(
            "pgpay_webhook_duration_seconds",
            "Time to verify and ingest one webhook delivery.",
            ["environment"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=self.registry,
        )
        self._webhook_children: dict[tuple[str, str], tuple[Counter, Histogram]] = {}
        self.api_requests = Counter(
            "pgpay_api_requests",
            "Runtime API requests by route and status code.",
            ["route", "status"],
            registry=self.registry,
        )

    def observe_webhook(self, environment: str, outcome: str, seconds: float) -> None:
        """Count one delivery and its duration (label children cached: this runs per event)."""
        key = (environment, outcome)
        children = self._webhook_children.get(key)
        if children is None:
            children = (
                self.webhook_events.labels(environment, outcome),
                self.webhook_seconds.labels(environment),
            )
            self._webhook_children[key] = children
        children[0].inc()
        children[1].observe(seconds)
