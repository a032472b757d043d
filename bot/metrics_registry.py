"""The Prometheus side of bot/metrics.py: one `CollectorRegistry` per runtime with its counters and
histograms, and the gauges read at scrape time. Imported when the first number moves or is read, not at start
(docs/benchmarks.md, "Cold start")."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import Collector

from bot.metrics import LATENCY_BUCKETS, LIVE_STATES, OUTCOMES, PLATFORMS

if TYPE_CHECKING:
    from bot.metrics import Metrics


class Instruments:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self, metrics: Metrics) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.sends = Counter("steadybot_outbox_sends", "Outbox rows processed, by platform and outcome",
                             ["platform", "outcome"], registry=r)
        self.rate_limited = Counter("steadybot_platform_429", "HTTP 429 answers from a platform (Retry-After "
                                    "honoured)", ["platform"], registry=r)
        self.retries = Counter("steadybot_outbox_retries", "Outbox sends that failed and were rescheduled "
                               "with backoff", ["platform"], registry=r)
        self.ack_seconds = Histogram("steadybot_ack_seconds", "Time from a platform request's arrival to "
                                     "the HTTP answer", ["platform", "kind"], buckets=LATENCY_BUCKETS, registry=r)
        self.turn_seconds = Histogram("steadybot_turn_seconds", "Time from a platform request's arrival to "
                                      "the end of the work it started", ["platform", "kind"],
                                      buckets=LATENCY_BUCKETS, registry=r)
        self.http_requests = Counter("steadybot_http_requests", "Platform requests answered, by status class",
                                     ["platform", "kind", "status"], registry=r)
        r.register(_ScrapeCollector(metrics))
        for platform in sorted(PLATFORMS):  # every series exists from the first scrape (rate() needs a zero)
            for outcome in sorted(OUTCOMES):
                self.sends.labels(platform, outcome)
            self.rate_limited.labels(platform)
            self.retries.labels(platform)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class _ScrapeCollector(Collector):
    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def describe(self) -> Iterable[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        snap = self.metrics.snapshot
        up = GaugeMetricFamily("steadybot_database_up", "1 when the database answered this scrape and the "
                               "circuit breaker is closed")
        up.add_metric([], 1.0 if snap.database_up else 0.0)
        yield up
        breaker = GaugeMetricFamily("steadybot_database_breaker_open", "1 while the database circuit breaker "
                                    "fails sessions fast (PostgreSQL outage)")
        breaker.add_metric([], 1.0 if self.metrics.db.is_down else 0.0)
        yield breaker
        outages = CounterMetricFamily("steadybot_database_outages", "Database outages since the process started")
        outages.add_metric([], float(snap.outages))
        yield outages
        if snap.outbox is not None:
            rows = GaugeMetricFamily("steadybot_outbox_rows", "Outbox rows not yet resolved, by state",
                                     labels=["state"])
            for state in LIVE_STATES:
                rows.add_metric([state], float(snap.outbox.get(state, 0)))
            yield rows
        if snap.oldest_due_age is not None:
            age = GaugeMetricFamily("steadybot_outbox_oldest_due_seconds", "How long the oldest due pending "
                                    "outbox row has been waiting (0 when none is due)")
            age.add_metric([], snap.oldest_due_age)
            yield age
        if snap.rounds is not None:
            rounds = GaugeMetricFamily("steadybot_pulse_rounds", "Pulse rounds, open or sealed", labels=["state"])
            for state in ("open", "sealed"):
                rounds.add_metric([state], float(snap.rounds[state]))
            yield rounds
        if snap.feeds is not None:
            feeds = GaugeMetricFamily("steadybot_calendar_feeds", "Calendar feeds, by whether their last fetch "
                                      "failed", labels=["state"])
            for state in ("ok", "failing"):
                feeds.add_metric([state], float(snap.feeds[state]))
            yield feeds
        if snap.oldest_sync_age is not None:
            stale = GaugeMetricFamily("steadybot_calendar_oldest_sync_seconds", "Time since the least recently "
                                      "synced calendar feed last synced (0 when there are none)")
            stale.add_metric([], snap.oldest_sync_age)
            yield stale
