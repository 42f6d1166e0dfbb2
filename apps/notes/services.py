"""Notes use cases: request (on ``document.processed`` or a learner's regenerate), generate (the job), erase."""

from dataclasses import asdict
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.documents import selectors as documents
from apps.generation import Passage, generate_notes
from apps.generation.config import config_from_settings, provider_is_configured
from apps.jobs import services as jobs
from apps.jobs.context import JobContext
from apps.jobs.errors import JobFailed
from apps.notes.models import Notes
from eventbus import publish

GENERATE_JOB = "notes.generate"
PROVIDERS = ("offline", "openai", "gguf")


class NotesUnavailable(Exception):
    """The document cannot have notes now (not the learner's, or not processed)."""

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def processed_key(document_id: int) -> str:
    return f"{GENERATE_JOB}:{document_id}:processed"


@transaction.atomic
def notes_request(
    *,
    owner_id: int,
    document_id: int,
    provider: str = "",
    detail: str = Notes.Detail.STANDARD,
    idempotency_key: str | None = None,
) -> Notes:
    """Queues a notes job for a processed document of ``owner_id`` (once per idempotency key)."""
    document = documents.document_info(owner_id=owner_id, document_id=document_id)
    if document is None:
        raise NotesUnavailable("not_found", "No such document.", 404)
    if provider and not provider_is_configured(provider):
        raise NotesUnavailable("provider_not_configured", f"The {provider} provider is not configured here.", 400)
    if document.status != "processed":
        raise NotesUnavailable("document_not_ready", f"The document is {document.status}, not processed.", 409)
    notes, _ = Notes.objects.select_for_update().get_or_create(
        document_id=document_id, defaults={"owner_id": owner_id, "document_title": document.title}
    )
    job, created = jobs.job_create(
        kind=GENERATE_JOB,
        owner_id=owner_id,
        payload={"notes_id": notes.pk, "provider": provider, "detail": detail},
        subject_type="notes",
        subject_id=notes.pk,
        idempotency_key=idempotency_key,
    )
    if created:
        notes.status, notes.job_id, notes.detail = Notes.Status.QUEUED, job.id, detail
        notes.provider, notes.failure_reason = provider or config_from_settings().provider, ""
        notes.save(update_fields=["status", "job_id", "detail", "provider", "failure_reason"])
    return notes


def _passages(owner_id: int, document_id: int) -> list[Passage]:
    return [
        Passage(c.index, c.page_number, c.char_start, c.char_end, c.text)
        for c in documents.document_chunks(owner_id=owner_id, document_id=document_id)
    ]


def notes_generate(*, job: JobContext) -> dict[str, Any]:
    """The ``notes.generate`` job: reads the chunks, writes the notes, publishes ``notes.generated``."""
    notes = Notes.objects.filter(pk=job.payload["notes_id"]).first()
    if notes is None:
        return {"skipped": "notes deleted"}
    passages = _passages(notes.owner_id, notes.document_id)
    if not passages:
        raise JobFailed("document_unavailable", "The document has no text, or is no longer processed.")
    document = documents.document_info(owner_id=notes.owner_id, document_id=notes.document_id)
    total = document.page_count if document else None
    config = config_from_settings(
        provider=job.payload.get("provider") or None, detail=job.payload.get("detail") or Notes.Detail.STANDARD
    )
    result = generate_notes(passages, config=config, progress=lambda pages: job.progress(pages, total))
    content = {
        key: [asdict(item) for item in getattr(result, key)] for key in ("summary", "key_points", "glossary", "outline")
    }
    with transaction.atomic():
        updated = Notes.objects.filter(pk=notes.pk).update(
            status=Notes.Status.READY,
            content=content,
            engine=result.engine,
            fallbacks=result.fallbacks,
            generated_at=timezone.now(),
        )
        if not updated:
            return {"skipped": "notes deleted"}
        publish(
            "notes.generated",
            {
                "notes_id": notes.pk,
                "document_id": notes.document_id,
                "owner_id": notes.owner_id,
                "section_count": len(result.outline),
            },
        )
    return {"engine": result.engine, "fallbacks": result.fallbacks, "summary": len(result.summary)}


def notes_failed(job: jobs.JobInfo) -> None:
    notes = Notes.objects.filter(pk=int(job.payload["notes_id"])).first()
    if notes is None:
        return
    notes.status, notes.failure_reason = Notes.Status.FAILED, job.error[:255]
    notes.save(update_fields=["status", "failure_reason"])
    publish(
        "pipeline.step.failed",
        {
            "step": "notes",
            "subject_type": "notes",
            "subject_id": notes.pk,
            "owner_id": notes.owner_id,
            "reason": job.error_code or "failed",
            "attempts": job.attempts,
        },
    )


def notes_erase_document(*, document_id: int) -> int:
    deleted, _ = Notes.objects.filter(document_id=document_id).delete()
    return deleted


def notes_erase_owner(*, owner_id: int) -> int:
    deleted, _ = Notes.objects.filter(owner_id=owner_id).delete()
    return deleted


def _cite(item: dict[str, Any]) -> str:
    return f"(p. {item['citation']['page']}, chunk {item['citation']['chunk']})"


def notes_markdown(*, notes: Notes) -> str:
    """The notes as Markdown, every item followed by its page and chunk."""
    content = notes.content
    lines = [f"# {notes.document_title or f'Document {notes.document_id}'}: study notes", ""]
    lines += ["## Summary", ""] + [f"{item['text']} {_cite(item)}" for item in content.get("summary", [])]
    lines += ["", "## Key points", ""] + [f"- {item['text']} {_cite(item)}" for item in content.get("key_points", [])]
    lines += ["", "## Glossary", ""]
    lines += [f"- **{e['term']}**: {e['definition']} {_cite(e)}" for e in content.get("glossary", [])]
    lines += ["", "## Outline", ""]
    lines += [f"{'  ' * (e['level'] - 1)}- {e['title']} {_cite(e)}" for e in content.get("outline", [])]
    lines += ["", f"_Written by the {notes.engine or notes.provider} engine._", ""]
    return "\n".join(lines)
