"""Kafka settings and topic administration, all derived from the registry.

Per environment: ``EVENTBUS_TOPIC_PREFIX`` namespaces the topics (one cluster, several environments or
test runs), ``KAFKA_REPLICATION_FACTOR`` and ``KAFKA_MIN_INSYNC_REPLICAS`` replace the registry's
production replication (3 and 2) on every topic.
"""

from dataclasses import dataclass
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewPartitions, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.helpers import create_ssl_context
from django.conf import settings

from eventbus.registry import TOPICS, Topic


def kafka_topic(name: str) -> str:
    return f"{settings.EVENTBUS_TOPIC_PREFIX}{name}"


def registry_topic(kafka_name: str) -> str:
    return kafka_name.removeprefix(settings.EVENTBUS_TOPIC_PREFIX)


def connection_options() -> dict[str, Any]:
    """How every producer, consumer and admin client reaches and authenticates to the brokers.

    SASL_SSL (production): TLS verified against ``KAFKA_SSL_CAFILE`` (or the system CAs) and SCRAM credentials
    of this process's principal; the broker's ACLs then allow what that principal may do.
    """
    protocol = settings.KAFKA_SECURITY_PROTOCOL
    options: dict[str, Any] = {"bootstrap_servers": settings.KAFKA_BOOTSTRAP_SERVERS, "security_protocol": protocol}
    if protocol in ("SSL", "SASL_SSL"):
        options["ssl_context"] = create_ssl_context(cafile=settings.KAFKA_SSL_CAFILE or None)
    if protocol.startswith("SASL_"):
        options["sasl_mechanism"] = settings.KAFKA_SASL_MECHANISM
        options["sasl_plain_username"] = settings.KAFKA_SASL_USERNAME
        options["sasl_plain_password"] = settings.KAFKA_SASL_PASSWORD
    return options


def _common() -> dict[str, Any]:
    return {**connection_options(), "request_timeout_ms": settings.KAFKA_REQUEST_TIMEOUT_MS}


def producer_config() -> dict[str, Any]:
    compression = settings.KAFKA_COMPRESSION
    return {
        **_common(),
        "acks": "all",
        "enable_idempotence": settings.KAFKA_ENABLE_IDEMPOTENCE,
        "compression_type": None if compression in ("", "none") else compression,
        "linger_ms": 5,
        "max_batch_size": 1024 * 1024,
    }


def consumer_config(group: str) -> dict[str, Any]:
    return {
        **_common(),
        "group_id": f"{settings.EVENTBUS_TOPIC_PREFIX}{group}",
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "fetch_max_wait_ms": settings.KAFKA_FETCH_MAX_WAIT_MS,
        "max_poll_records": settings.EVENTBUS_CONSUMER_BATCH_SIZE,
    }


def replication_factor(topic: Topic) -> int:
    return settings.KAFKA_REPLICATION_FACTOR or topic.replication_factor


def topic_configs(topic: Topic) -> dict[str, str]:
    return {
        "retention.ms": str(topic.retention_ms),
        "min.insync.replicas": str(settings.KAFKA_MIN_INSYNC_REPLICAS or topic.min_insync_replicas),
        "compression.type": topic.compression,
        **topic.extra_config,
    }


@dataclass(frozen=True)
class Difference:
    topic: str
    what: str
    expected: str
    actual: str

    def __str__(self) -> str:
        return f"{self.topic}: {self.what} is {self.actual}, registry says {self.expected}"


class TopicAdmin:
    """``kafka_topics``' operations. Use as ``async with TopicAdmin() as admin``."""

    def __init__(self) -> None:
        self.client = AIOKafkaAdminClient(**_common())

    async def __aenter__(self) -> "TopicAdmin":
        await self.client.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.close()

    async def existing(self) -> set[str]:
        return set(await self.client.list_topics())

    async def create(self, names: list[str]) -> list[str]:
        """Create the registry topics missing from the cluster; returns the Kafka names created."""
        present = await self.existing()
        new = [
            NewTopic(
                kafka_topic(name),
                TOPICS[name].partitions,
                replication_factor(TOPICS[name]),
                topic_configs=topic_configs(TOPICS[name]),
            )
            for name in names
            if kafka_topic(name) not in present
        ]
        if new:
            response = await self.client.create_topics(new)
            errors = [(t, code, msg) for t, code, msg in response.topic_errors if code not in (0, 36)]
            if errors:
                raise RuntimeError(f"create_topics failed: {errors}")
        return [topic.name for topic in new]

    async def describe(self, names: list[str]) -> dict[str, dict[str, Any]]:
        """Partitions, replication and configs of each topic as the cluster reports them."""
        kafka_names = [kafka_topic(name) for name in names]
        present = await self.existing()
        kafka_names = [name for name in kafka_names if name in present]
        if not kafka_names:
            return {}
        described = {entry["topic"]: entry for entry in await self.client.describe_topics(kafka_names)}
        resources = [ConfigResource(ConfigResourceType.TOPIC, name) for name in kafka_names]
        configs: dict[str, dict[str, str]] = {}
        for response in await self.client.describe_configs(resources):
            for resource in response.resources:
                entries = resource[4]
                configs[resource[3]] = {entry[0]: entry[1] for entry in entries}
        return {
            registry_topic(name): {
                "partitions": len(described[name]["partitions"]),
                "replication_factor": min(len(p["replicas"]) for p in described[name]["partitions"]),
                "configs": configs.get(name, {}),
            }
            for name in kafka_names
        }

    async def verify(self, names: list[str]) -> list[Difference]:
        """Every difference between the registry and the cluster (missing topic, partitions, configs)."""
        actual = await self.describe(names)
        differences: list[Difference] = []
        for name in names:
            topic = TOPICS[name]
            if name not in actual:
                differences.append(Difference(name, "topic", "present", "missing"))
                continue
            found = actual[name]
            if found["partitions"] != topic.partitions:
                differences.append(Difference(name, "partitions", str(topic.partitions), str(found["partitions"])))
            if found["replication_factor"] != replication_factor(topic):
                differences.append(
                    Difference(name, "replication", str(replication_factor(topic)), str(found["replication_factor"]))
                )
            for key, value in topic_configs(topic).items():
                if found["configs"].get(key) != value:
                    differences.append(Difference(name, key, value, str(found["configs"].get(key, "(unset)"))))
        return differences

    async def alter(self, names: list[str]) -> list[str]:
        """Bring configs and partition counts up to the registry (partitions only grow)."""
        differences = await self.verify(names)
        changed = sorted({d.topic for d in differences if d.what not in ("topic", "replication")})
        if not changed:
            return []
        await self.client.alter_configs(
            [ConfigResource(ConfigResourceType.TOPIC, kafka_topic(n), topic_configs(TOPICS[n])) for n in changed]
        )
        grow = {
            kafka_topic(d.topic): NewPartitions(total_count=int(d.expected))
            for d in differences
            if d.what == "partitions" and int(d.expected) > int(d.actual)
        }
        if grow:
            await self.client.create_partitions(grow)
        return changed

    async def delete(self, names: list[str]) -> list[str]:
        present = await self.existing()
        doomed = [kafka_topic(name) for name in names if kafka_topic(name) in present]
        if doomed:
            await self.client.delete_topics(doomed)
        return [registry_topic(name) for name in doomed]
