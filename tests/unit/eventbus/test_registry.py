"""The registry and the code agree: consumers are what the @subscribe handlers declare, and nothing else."""

import pytest
from django.core.management import CommandError, call_command

from eventbus.registry import TOPICS
from eventbus.subscriptions import consumer_groups, groups_for
from scripts import generate_deploy_config as gen


def test_a_group_that_subscribes_is_not_also_listed_as_planned() -> None:
    """When an app builds a planned consumer, the registry's 'planned' note must go: the docs would lie."""
    stale = {
        (topic.name, group)
        for topic in TOPICS.values()
        for group in set(topic.planned_consumers) & set(groups_for(topic.name))
    }
    assert not stale, f"these groups handle these topics now; drop them from planned_consumers: {sorted(stale)}"


def test_the_deployed_consumer_groups_are_the_declared_subscriptions() -> None:
    declared = consumer_groups()
    assert gen.consumer_groups() == declared
    assert declared["documents"] == ["document.uploaded", "user.deleted"]  # apps/documents/handlers.py


def test_a_new_subscription_adds_its_group_and_removing_it_drops_the_group(handler_of: object) -> None:
    assert "health-check" not in consumer_groups()
    handler_of("chat.message", "health-check")  # type: ignore[operator]
    assert consumer_groups()["health-check"] == ["chat.message"]
    assert "health-check" in gen.consumer_groups()


def test_consume_events_for_a_group_without_handlers_exits_with_a_clear_error() -> None:
    with pytest.raises(CommandError, match="group 'saga' subscribes to no topic"):
        call_command("consume_events", "--group", "saga")
