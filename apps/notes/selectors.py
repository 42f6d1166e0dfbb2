"""Reads, scoped to the requesting learner: another learner's notes do not exist for them."""

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from apps.core.prepared import PreparedRead, Row
from apps.notes.models import Notes


def notes_for_document(*, owner_id: int, document_id: int) -> Notes | None:
    return Notes.objects.filter(owner_id=owner_id, document_id=document_id).first()


def _notes_of(*, owner_id: int, document_id: int) -> QuerySet[Notes]:
    return Notes.objects.filter(owner_id=owner_id, document_id=document_id).order_by("pk")  # as first() orders


_PREPARED_NOTES = PreparedRead(_notes_of, values={"owner_id": int, "document_id": int})


def notes_row_for_document(*, owner_id: int, document_id: int) -> Row | None:
    """``notes_for_document`` as a row read by SQL compiled once per process (``apps.core.prepared``, ADR
    0027), for the output serializer; None if the learner has no notes of that document."""
    rows = _PREPARED_NOTES.rows(limit=1, owner_id=owner_id, document_id=document_id)
    return rows[0] if rows else None


@dataclass(frozen=True)
class NotesNarrationText:
    """What another context (speech) may know of a learner's notes to read them aloud."""

    notes_id: int
    document_id: int
    title: str
    is_ready: bool
    #: The summary, the key points and the glossary as sentences (empty while the notes are not ready).
    text: str


def _sentence(text: str) -> str:
    text = " ".join(str(text).split())
    return text if not text or text[-1] in ".!?" else f"{text}."


def _narration_text(content: dict[str, Any]) -> str:
    sections = [
        ("Summary.", [_sentence(item["text"]) for item in content.get("summary", [])]),
        ("Key points.", [_sentence(item["text"]) for item in content.get("key_points", [])]),
        (
            "Glossary.",
            [_sentence(f"{e['term']}: {e['definition']}") for e in content.get("glossary", [])],
        ),
    ]
    return "\n\n".join(f"{heading}\n" + "\n".join(lines) for heading, lines in sections if lines)


def notes_narration_text(*, owner_id: int, notes_id: int) -> NotesNarrationText | None:
    """The text a narration of ``owner_id``'s notes reads (no citations, no outline), or None if they have no
    notes with this id."""
    notes = Notes.objects.filter(pk=notes_id, owner_id=owner_id).first()
    if notes is None:
        return None
    is_ready = notes.status == Notes.Status.READY
    return NotesNarrationText(
        notes_id=notes.pk,
        document_id=notes.document_id,
        title=notes.document_title,
        is_ready=is_ready,
        text=_narration_text(notes.content or {}) if is_ready else "",
    )
