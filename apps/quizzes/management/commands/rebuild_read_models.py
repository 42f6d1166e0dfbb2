from typing import Any

from django.core.management.base import BaseCommand

from apps.quizzes.services import read_models_rebuild


class Command(BaseCommand):
    help = "Rebuilds the quiz read model (quizzes, questions, attempts, feedback, progress) from the quiz event store."

    def handle(self, *args: Any, **options: Any) -> None:
        count = read_models_rebuild()
        self.stdout.write(f"replayed {count} quiz events into the read model")
