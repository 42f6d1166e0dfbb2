"""Event bus: the in-process transport by default, Kafka when KAFKA_BOOTSTRAP_SERVERS is set.

Either way, events are written to the transactional outbox first; the transport only decides how
committed outbox rows reach their consumers.
"""

from django.core.exceptions import ImproperlyConfigured

from learning_platform.settings.env import env

KAFKA_BOOTSTRAP_SERVERS = env.str("KAFKA_BOOTSTRAP_SERVERS", default="")
EVENTBUS_TRANSPORT = env.str("EVENTBUS_TRANSPORT", default="kafka" if KAFKA_BOOTSTRAP_SERVERS else "inprocess")
EVENTBUS_SOURCE = env.str("EVENTBUS_SOURCE", default="/learning-platform")
EVENTBUS_TOPIC_PREFIX = env.str("EVENTBUS_TOPIC_PREFIX", default="")
#: Per-environment overrides of the registry's production replication settings (one local broker).
KAFKA_REPLICATION_FACTOR = env.int("KAFKA_REPLICATION_FACTOR", default=3)
KAFKA_MIN_INSYNC_REPLICAS = env.int("KAFKA_MIN_INSYNC_REPLICAS", default=2)
KAFKA_COMPRESSION = env.str("KAFKA_COMPRESSION", default="snappy")
#: PLAINTEXT on the embedded broker; production runs SASL_SSL (SCRAM-SHA-512 over TLS): every client
#: authenticates as its principal and the broker's ACLs decide what it may do (docs/deployment.md).
KAFKA_SECURITY_PROTOCOL = env.str("KAFKA_SECURITY_PROTOCOL", default="PLAINTEXT").upper()
KAFKA_SASL_MECHANISM = env.str("KAFKA_SASL_MECHANISM", default="SCRAM-SHA-512").upper()
KAFKA_SASL_USERNAME = env.str("KAFKA_SASL_USERNAME", default="")
KAFKA_SASL_PASSWORD = env.str("KAFKA_SASL_PASSWORD", default="")
#: PEM file of the CA that signed the brokers' certificates (empty: the system's trusted CAs).
KAFKA_SSL_CAFILE = env.str("KAFKA_SSL_CAFILE", default="")
if KAFKA_SECURITY_PROTOCOL not in ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"):
    raise ImproperlyConfigured(
        f"KAFKA_SECURITY_PROTOCOL={KAFKA_SECURITY_PROTOCOL}: use PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL"
    )
if KAFKA_SECURITY_PROTOCOL.startswith("SASL_"):
    if KAFKA_SASL_MECHANISM not in ("SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"):
        raise ImproperlyConfigured(f"KAFKA_SASL_MECHANISM={KAFKA_SASL_MECHANISM}: use SCRAM-SHA-512")
    if not (KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD):
        raise ImproperlyConfigured(
            f"KAFKA_SECURITY_PROTOCOL={KAFKA_SECURITY_PROTOCOL} needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD"
        )
#: Low fetch wait keeps end-to-end latency down; Apache Kafka's default is 500 ms.
KAFKA_FETCH_MAX_WAIT_MS = env.int("KAFKA_FETCH_MAX_WAIT_MS", default=100)
KAFKA_REQUEST_TIMEOUT_MS = env.int("KAFKA_REQUEST_TIMEOUT_MS", default=30000)
EVENTBUS_RELAY_BATCH_SIZE = env.int("EVENTBUS_RELAY_BATCH_SIZE", default=500)
EVENTBUS_RELAY_SHARDS = env.int("EVENTBUS_RELAY_SHARDS", default=16)
EVENTBUS_MAX_ATTEMPTS = env.int("EVENTBUS_MAX_ATTEMPTS", default=5)
EVENTBUS_RETRY_BASE_SECONDS = env.float("EVENTBUS_RETRY_BASE_SECONDS", default=1.0)
EVENTBUS_SENT_RETENTION_DAYS = env.int("EVENTBUS_SENT_RETENTION_DAYS", default=7)
#: Ledger rows must outlive any redelivery or replay window (longest topic retention is 30 days).
EVENTBUS_LEDGER_RETENTION_DAYS = env.int("EVENTBUS_LEDGER_RETENTION_DAYS", default=35)
#: In-process sweep leaves rows younger than this to the after-commit delivery.
EVENTBUS_SWEEP_GRACE_SECONDS = env.float("EVENTBUS_SWEEP_GRACE_SECONDS", default=5.0)
#: tansu (the local test broker) rejects idempotent producers; Apache Kafka accepts them.
KAFKA_ENABLE_IDEMPOTENCE = env.bool("KAFKA_ENABLE_IDEMPOTENCE", default=False)
EVENTBUS_CONSUMER_BATCH_SIZE = env.int("EVENTBUS_CONSUMER_BATCH_SIZE", default=500)
#: Relay batches in flight at once (read and send the next while the broker acknowledges the previous).
EVENTBUS_RELAY_PIPELINE = env.int("EVENTBUS_RELAY_PIPELINE", default=4)
#: Address the relay's and consumers' --metrics-port listens on; 0.0.0.0 in a pod so Prometheus can scrape it.
EVENTBUS_METRICS_BIND = env.str("EVENTBUS_METRICS_BIND", default="127.0.0.1")
