"""The registry-derived files are committed up to date, and their numbers are the registry's."""

from __future__ import annotations

import json

from eventbus.registry import TOPICS
from eventbus.subscriptions import consumer_groups
from scripts import generate_deploy_config as gen
from tests.unit.deploy.helpers import K8S, by_kind, load_all


def test_generated_files_match_the_registry() -> None:
    stale = gen.stale()
    assert not stale, f"run `python scripts/generate_deploy_config.py`: stale {[str(p) for p in stale]}"


def test_tfvars_carry_every_topic_with_production_replication() -> None:
    data = json.loads(gen.TFVARS.read_text())
    assert set(data["kafka_topics"]) == set(TOPICS)
    for name, topic in data["kafka_topics"].items():
        assert topic["partitions"] == TOPICS[name].partitions
        assert topic["retention_ms"] == TOPICS[name].retention_days * 24 * 3600 * 1000
        assert topic["replication_factor"] == 3
        assert topic["min_insync_replicas"] == 2


def test_consumer_hpa_capped_at_partition_count() -> None:
    docs = load_all(K8S / "base" / "consumers.yaml")
    hpas = by_kind(docs, "HorizontalPodAutoscaler")
    groups = consumer_groups()
    assert set(hpas) == {f"consumer-{g}" for g in groups}
    for group, topics in groups.items():
        expected = max(TOPICS[t].partitions for t in topics)
        assert hpas[f"consumer-{group}"]["spec"]["maxReplicas"] == expected
        deployment = by_kind(docs, "Deployment")[f"consumer-{group}"]
        command = deployment["spec"]["template"]["spec"]["containers"][0]["command"]
        assert command == ["python", "manage.py", "consume_events", "--group", group, "--metrics-port", "9100"]


def test_kafka_acls_let_only_the_relay_write_and_each_group_read_its_topics() -> None:
    acls = gen.kafka_acls()
    writers = {p for p, entries in acls.items() for e in entries if "Write" in e["operations"]}
    assert writers == {"lp-relay"}
    assert {e["name"] for e in acls["lp-relay"] if e["resource"] == "topic"} == set(TOPICS)
    for group, topics in gen.consumer_groups().items():
        entries = acls[f"lp-consumer-{group}"]
        assert {e["name"] for e in entries if e["resource"] == "topic"} == set(topics)
        assert [e["name"] for e in entries if e["resource"] == "group"] == [group]
        assert all(set(e["operations"]) <= {"Read", "Describe"} for e in entries)
    user_deleted_writers = {
        p for p, entries in acls.items() for e in entries if e["name"] == "user.deleted" and "Write" in e["operations"]
    }
    assert user_deleted_writers == {"lp-relay"}


def test_only_groups_with_handlers_are_deployed() -> None:
    """A consumer deployment for a group without handlers would exit at start and fail the rollout."""
    deployed = set(by_kind(load_all(K8S / "base" / "consumers.yaml"), "Deployment"))
    compose = set(gen.compose_consumers()["services"])
    tf_groups = set(json.loads(gen.TFVARS.read_text())["kafka_consumer_groups"])
    assert deployed == compose == {f"consumer-{g}" for g in tf_groups}
    assert tf_groups == set(consumer_groups())
    assert "documents" in tf_groups  # apps/documents/handlers.py
