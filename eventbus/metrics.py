"""Prometheus metrics of the bus. Exposed by the web process's /metrics (django-prometheus) and, for the
relay and consumer processes, by ``--metrics-port``."""

from prometheus_client import Counter, Gauge

EVENTS_PUBLISHED = Counter("eventbus_events_published_total", "Events written to the outbox", ["topic"])
EVENTS_RELAYED = Counter("eventbus_events_relayed_total", "Outbox rows acknowledged by the broker", ["topic"])
RELAY_ERRORS = Counter("eventbus_relay_errors_total", "Failed relay batches")
EVENTS_HANDLED = Counter("eventbus_events_handled_total", "Events handled by a group", ["group", "topic"])
EVENTS_DUPLICATE = Counter(
    "eventbus_events_duplicate_total", "Deliveries skipped because the ledger had them", ["group", "topic"]
)
HANDLER_ERRORS = Counter("eventbus_handler_errors_total", "Failed handler attempts", ["group", "topic"])
EVENTS_DEAD_LETTERED = Counter("eventbus_events_dead_lettered_total", "Events given up on", ["group", "topic"])
OUTBOX_PENDING = Gauge("eventbus_outbox_pending", "Outbox rows not yet delivered (last relay or status check)")
OUTBOX_OLDEST_AGE = Gauge("eventbus_outbox_oldest_pending_seconds", "Age of the oldest undelivered outbox row")
CONSUMER_LAG = Gauge("eventbus_consumer_lag", "Messages behind the partition's end", ["group", "topic", "partition"])
