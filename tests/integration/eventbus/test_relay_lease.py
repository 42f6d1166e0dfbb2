"""Relays share the outbox's key shards through PostgreSQL advisory locks."""

from typing import Any

import pytest

from eventbus.relay import ShardLease

pytestmark = pytest.mark.integration


def test_relays_split_the_shards_fairly_and_take_over_a_dead_relays_share(
    postgres_url: str, transactional_db: Any
) -> None:
    first, second = ShardLease(16), ShardLease(16)
    try:
        assert first.refresh() == set(range(16))  # alone: every shard
        assert second.refresh() == set()  # joins: everything is held
        assert len(first.refresh()) == 8  # sees two members: gives half back
        assert len(second.refresh()) == 8
        assert first.owned.isdisjoint(second.owned)

        first.close()  # the session ends: PostgreSQL releases its locks

        assert second.refresh() == set(range(16))
    finally:
        first.close()
        second.close()
