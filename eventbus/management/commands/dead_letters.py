import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from eventbus.delivery import handle
from eventbus.envelope import Event
from eventbus.models import DeadLetter
from eventbus.retry import describe_error


class Command(BaseCommand):
    help = "List, show or replay dead letters (replay runs the group's handlers again, through its ledger)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["list", "show", "replay"])
        parser.add_argument("ids", nargs="*", type=int, help="dead letter ids (show, replay)")
        parser.add_argument("--group", help="only this group")
        parser.add_argument("--all", action="store_true", help="replay every letter not yet replayed")

    def handle(self, *args: Any, **options: Any) -> None:
        letters = DeadLetter.objects.order_by("id")
        if options["group"]:
            letters = letters.filter(group=options["group"])
        if options["ids"]:
            letters = letters.filter(id__in=options["ids"])
        if options["action"] == "list":
            for letter in letters:
                state = f"replayed {letter.replayed_at:%Y-%m-%d %H:%M}" if letter.replayed_at else "pending"
                self.stdout.write(
                    f"{letter.id}\t{letter.created_at:%Y-%m-%d %H:%M:%S}\t{letter.group}\t{letter.topic}\t"
                    f"{letter.event_id}\t{state}\t{letter.error.splitlines()[-1][:80] if letter.error else ''}"
                )
        elif options["action"] == "show":
            for letter in letters:
                self.stdout.write(json.dumps(_describe(letter), indent=2, default=str))
        else:
            if not options["ids"] and not options["all"]:
                raise CommandError("name the letters to replay, or pass --all")
            self._replay(list(letters.filter(replayed_at__isnull=True)))

    def _replay(self, letters: list[DeadLetter]) -> None:
        replayed = failed = 0
        for letter in letters:
            if "data" not in letter.envelope:
                self.stderr.write(f"{letter.id}: the record was not a valid event; nothing to replay")
                failed += 1
                continue
            try:
                handle(letter.group, Event.from_json(letter.envelope))
            except Exception as error:  # noqa: BLE001 - report and go on with the next letter
                self.stderr.write(f"{letter.id}: still failing: {describe_error(error)}")
                failed += 1
                continue
            DeadLetter.objects.filter(pk=letter.pk).update(replayed_at=timezone.now())
            replayed += 1
        self.stdout.write(f"replayed {replayed}, still failing {failed}")


def _describe(letter: DeadLetter) -> dict[str, Any]:
    return {
        "id": letter.id,
        "group": letter.group,
        "topic": letter.topic,
        "event_id": letter.event_id,
        "attempts": letter.attempts,
        "created_at": letter.created_at,
        "replayed_at": letter.replayed_at,
        "kafka": {"partition": letter.kafka_partition, "offset": letter.kafka_offset},
        "error": letter.error,
        "envelope": letter.envelope,
    }
