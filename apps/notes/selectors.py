"""Reads, scoped to the requesting learner: another learner's notes do not exist for them."""

from apps.notes.models import Notes


def notes_for_document(*, owner_id: int, document_id: int) -> Notes | None:
    return Notes.objects.filter(owner_id=owner_id, document_id=document_id).first()
