import asyncio
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from eventbus.cli import Progress, serve_metrics, stop_on_signals
from eventbus.relay import Relay, RelayStats


class Command(BaseCommand):
    help = "Move committed outbox rows to Kafka (batches, acks=all, order per key; several relays share shards)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=None, help="rows per batch (EVENTBUS_RELAY_BATCH_SIZE)")
        parser.add_argument("--until-empty", action="store_true", help="exit once no pending row is left")
        parser.add_argument("--idle-seconds", type=float, default=None, help="wait between polls when idle (0.05)")
        parser.add_argument("--metrics-port", type=int, default=None, help="serve Prometheus metrics on this port")

    def handle(self, *args: Any, **options: Any) -> None:
        serve_metrics(options["metrics_port"])
        progress = Progress(self.stdout)
        started = time.monotonic()
        relay = Relay(
            batch_size=options["batch_size"],
            idle_seconds=options["idle_seconds"],
            on_batch=lambda s: progress(f"sent {s.sent} in {s.batches} batches ({s.failures} failed attempts)"),
        )

        async def main() -> RelayStats:
            stop_on_signals(asyncio.get_running_loop(), relay.stop)
            return await relay.run(until_empty=options["until_empty"])

        stats = asyncio.run(main())
        elapsed = time.monotonic() - started
        by_topic = ", ".join(f"{topic} {n}" for topic, n in sorted(stats.by_topic.items())) or "nothing"
        self.stdout.write(
            f"relay stopped: sent {stats.sent} events in {stats.batches} batches, {stats.failures} failed attempts, "
            f"{elapsed:.1f}s ({by_topic})"
        )
