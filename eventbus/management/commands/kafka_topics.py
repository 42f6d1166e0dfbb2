import asyncio
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from eventbus.kafka import TopicAdmin, kafka_topic, replication_factor, topic_configs
from eventbus.registry import TOPICS


class Command(BaseCommand):
    help = "Create, verify, list, describe, alter or delete the registry's topics on the Kafka cluster."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["create", "verify", "list", "describe", "alter", "delete"])
        parser.add_argument("--topic", action="append", default=None, help="limit to this topic (repeatable)")
        parser.add_argument("--yes", action="store_true", help="delete without asking")

    def handle(self, *args: Any, **options: Any) -> None:
        names = options["topic"] or list(TOPICS)
        unknown = [name for name in names if name not in TOPICS]
        if unknown:
            raise CommandError(f"not in the registry: {', '.join(unknown)}")
        if options["action"] == "list":
            self._list(names)
            return
        if options["action"] == "delete" and not options["yes"]:
            answer = input(f"Delete {len(names)} topics and every event in them? Type 'delete' to confirm: ")
            if answer.strip() != "delete":
                raise CommandError("not confirmed; nothing deleted")
        asyncio.run(getattr(self, f"_{options['action']}")(names))

    def _list(self, names: list[str]) -> None:
        for name in names:
            t = TOPICS[name]
            self.stdout.write(
                f"{kafka_topic(name)}  partitions={t.partitions} rf={replication_factor(t)} "
                f"{' '.join(f'{k}={v}' for k, v in topic_configs(t).items())}"
            )

    async def _create(self, names: list[str]) -> None:
        async with TopicAdmin() as admin:
            created = await admin.create(names)
        self.stdout.write(f"created {len(created)} topics, {len(names) - len(created)} already present")

    async def _verify(self, names: list[str]) -> None:
        async with TopicAdmin() as admin:
            differences = await admin.verify(names)
        for difference in differences:
            self.stdout.write(str(difference))
        if differences:
            raise CommandError(f"{len(differences)} differences between the registry and the cluster")
        self.stdout.write(f"{len(names)} topics match the registry")

    async def _describe(self, names: list[str]) -> None:
        async with TopicAdmin() as admin:
            described = await admin.describe(names)
        self.stdout.write(json.dumps({kafka_topic(n): described.get(n, "missing") for n in names}, indent=2))

    async def _alter(self, names: list[str]) -> None:
        async with TopicAdmin() as admin:
            changed = await admin.alter(names)
        self.stdout.write(f"altered {len(changed)} topics: {', '.join(changed) or 'none needed'}")

    async def _delete(self, names: list[str]) -> None:
        async with TopicAdmin() as admin:
            deleted = await admin.delete(names)
        self.stdout.write(f"deleted {len(deleted)} topics")
