import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from eventbus.export import asyncapi_yaml, events_markdown, schema_filename
from eventbus.registry import TOPICS
from eventbus.schemas import json_schema


class Command(BaseCommand):
    help = "Export the payload JSON Schemas, the AsyncAPI document and the event catalogue from the registry."

    def add_arguments(self, parser: CommandParser) -> None:
        docs = Path(settings.BASE_DIR) / "docs" if hasattr(settings, "BASE_DIR") else Path("docs")
        parser.add_argument("--out", default=str(docs), help="folder for schemas/, asyncapi.yaml and events.md")
        parser.add_argument("--check", action="store_true", help="fail if the exported files are out of date")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        files = {
            out / "schemas" / schema_filename(t): json.dumps(json_schema(t), indent=2) + "\n" for t in TOPICS.values()
        }
        files[out / "asyncapi.yaml"] = asyncapi_yaml()
        files[out / "events.md"] = events_markdown()
        stale = [path for path, text in files.items() if not path.exists() or path.read_text() != text]
        if options["check"]:
            if stale:
                raise CommandError("out of date: " + ", ".join(map(str, stale)) + " (run manage.py eventbus_schemas)")
            self.stdout.write(f"{len(files)} files up to date")
            return
        for path in stale:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(files[path])
        self.stdout.write(f"{len(stale)} of {len(files)} files written to {out}")
