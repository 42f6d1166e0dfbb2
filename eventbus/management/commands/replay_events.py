import asyncio
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from eventbus.cli import Progress
from eventbus.registry import TOPICS
from eventbus.replay import from_kafka, replay, replay_outbox
from eventbus.subscriptions import topics_for


class Command(BaseCommand):
    help = "Replay a topic to one group's handlers, from a time or an offset (Kafka) or from the outbox."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--topic", required=True, choices=sorted(TOPICS))
        parser.add_argument("--group", required=True)
        start = parser.add_mutually_exclusive_group(required=True)
        start.add_argument("--since", help="ISO 8601 time, e.g. 2026-01-31T12:00:00Z")
        start.add_argument("--from-offset", type=int, help="Kafka offset to start from (every partition)")
        parser.add_argument("--partition", type=int, default=None, help="only this partition (Kafka)")
        parser.add_argument(
            "--source", choices=["kafka", "outbox"], default=None, help="default: the configured transport"
        )
        parser.add_argument("--force", action="store_true", help="forget the ledger rows first: redo the effects")

    def handle(self, *args: Any, **options: Any) -> None:
        topic, group = options["topic"], options["group"]
        if topic not in topics_for(group):
            raise CommandError(f"group {group!r} does not subscribe to {topic}")
        source = options["source"] or ("kafka" if settings.EVENTBUS_TRANSPORT == "kafka" else "outbox")
        since = _parse_time(options["since"]) if options["since"] else None
        progress = Progress(self.stdout)
        if source == "kafka":
            events = from_kafka(topic, since=since, from_offset=options["from_offset"], partition=options["partition"])
            stats = asyncio.run(
                replay(group, events, force=options["force"], on_event=lambda s: progress(f"read {s.read}"))
            )
        elif since is None:
            raise CommandError("the outbox is replayed by time: use --since")
        else:
            stats = replay_outbox(
                group, topic, since=since, force=options["force"], on_event=lambda s: progress(f"read {s.read}")
            )
        self.stdout.write(
            f"replayed {topic} to {group} from {source}: read {stats.read}, handled {stats.handled}, "
            f"already handled {stats.skipped}, unreadable {stats.unreadable}"
        )


def _parse_time(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"--since: {error}") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
