"""Prometheus metrics of one running server (its own registry, so tests can run several).

With several server processes (`pgpay serve --workers`), each writes its figures to files in
PROMETHEUS_MULTIPROC_DIR (prometheus_client's multiprocess mode, chosen when it is imported), and
/metrics, whichever process answers it, adds up those of every process.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Histogram, Metric, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


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

    def exposition(self) -> bytes:
        """The text /metrics answers: this server's figures, or in multiprocess mode every
        process's added up (a metric no process has counted yet is still described)."""
        directory = os.environ.get(MULTIPROCESS_DIR_VARIABLE)
        if not directory:
            return generate_latest(self.registry)
        collector = MultiProcessCollector(None, path=directory)  # type: ignore[no-untyped-call]
        totals = {family.name: family for family in collector.collect()}  # type: ignore[no-untyped-call]
        families = [totals.pop(family.name, family) for family in self.registry.collect()]
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_Families([*families, *totals.values()]))
        return generate_latest(registry)


@dataclass(eq=False)  # (a registry keeps its collectors in a dict)
class _Families(Collector):
    """A collector of metric families gathered already."""

    families: list[Metric]

    def collect(self) -> Iterable[Metric]:
        return self.families
