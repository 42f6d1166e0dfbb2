from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from apps.documents.services import documents_rebuild, documents_stream_count


class Command(BaseCommand):
    help = "Replay the document event store and rebuild (or, with --check, verify) every document's state."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="report differences, change nothing")

    def handle(self, *args: Any, check: bool = False, **options: Any) -> None:
        with tqdm(total=documents_stream_count(), unit="doc", file=self.stderr, disable=None) as bar:
            replayed, differing = documents_rebuild(write=not check, on_stream=lambda: bar.update())
        verb = "differ from" if check else "were rewritten from"
        self.stdout.write(f"{replayed} document streams replayed; {len(differing)} {verb} their events.")
        if differing:
            self.stdout.write("ids: " + ", ".join(map(str, differing[:50])))
        if check and differing:
            raise CommandError("the projection does not match the event store")
