"""``Page.has_tables`` (listing table pages without loading the tables) and ``Document.text_bytes`` (the
extracted text counts against the learner's quota), both filled in from the pages already stored."""

from typing import Any

from django.db import migrations, models


def fill(apps: Any, schema_editor: Any) -> None:
    Page = apps.get_model("documents", "Page")
    Document = apps.get_model("documents", "Document")
    Page.objects.exclude(tables=[]).update(has_tables=True)
    document_ids = Page.objects.values_list("document_id", flat=True).distinct().order_by("document_id")
    for document_id in document_ids.iterator():
        texts = Page.objects.filter(document_id=document_id).values_list("text", flat=True).iterator()
        Document.objects.filter(pk=document_id).update(text_bytes=sum(len(text.encode()) for text in texts))


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0003_page_text_source"),
    ]

    operations = [
        migrations.AddField(
            model_name="document",
            name="text_bytes",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="page",
            name="has_tables",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
