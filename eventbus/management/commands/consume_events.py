import asyncio
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from eventbus.cli import Progress, serve_metrics, stop_on_signals
from eventbus.consumer import ConsumerStats, GroupConsumer
from eventbus.subscriptions import all_groups


class Command(BaseCommand):
    help = "Run one consumer group: its handlers, ledger, retries and dead letters, manual offset commits."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--group", required=True, help=f"consumer group ({', '.join(all_groups()) or 'none'})")
        parser.add_argument("--idle-timeout", type=float, default=None, help="exit after this many idle seconds")
        parser.add_argument("--metrics-port", type=int, default=None, help="serve Prometheus metrics on this port")

    def handle(self, *args: Any, **options: Any) -> None:
        serve_metrics(options["metrics_port"])
        try:
            consumer = GroupConsumer(
                options["group"], on_batch=lambda s: progress(f"handled {s.handled}, duplicates {s.duplicates}")
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        progress = Progress(self.stdout)
        started = time.monotonic()
        self.stdout.write(f"group {consumer.group}: {', '.join(consumer.topics)}")

        async def main() -> ConsumerStats:
            stop_on_signals(asyncio.get_running_loop(), consumer.stop)
            return await consumer.run(idle_timeout=options["idle_timeout"])

        s = asyncio.run(main())
        self.stdout.write(
            f"consumer stopped after {time.monotonic() - started:.1f}s: received {s.received}, handled {s.handled}, "
            f"duplicates {s.duplicates}, retries {s.retries}, dead-lettered {s.dead_lettered}, commits {s.commits}"
        )
