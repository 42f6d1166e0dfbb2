from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from eventbus.maintenance import outbox_status, prune
from eventbus.transports import sweep


class Command(BaseCommand):
    help = "Outbox status (pending, oldest age, failures), in-process sweep, pruning."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["status", "sweep", "prune"])

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")()

    def _status(self) -> None:
        s = outbox_status()
        self.stdout.write(f"pending: {s.pending}")
        self.stdout.write(f"oldest pending age: {s.oldest_age_seconds:.1f}s")
        self.stdout.write(f"pending rows with failed attempts: {s.failing} (most attempts: {s.max_attempts})")
        self.stdout.write(f"deliveries waiting to retry (in-process): {s.retrying_deliveries}")
        self.stdout.write(f"dead letters: {s.dead_letters} ({s.dead_letters_not_replayed} not replayed)")
        for topic, count in sorted(s.pending_by_topic.items()):
            self.stdout.write(f"  {topic}: {count} pending")

    def _sweep(self) -> None:
        result = sweep()
        self.stdout.write(f"examined {result.examined}, delivered {result.delivered}, waiting {result.waiting}")

    def _prune(self) -> None:
        deleted = prune()
        self.stdout.write(f"deleted {deleted['outbox']} sent outbox rows, {deleted['ledger']} ledger rows")
