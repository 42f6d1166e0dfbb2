"""Reads, always scoped to the requesting learner."""

from django.db.models import QuerySet

from apps.core.prepared import PreparedList, PreparedRead
from apps.documents import selectors as documents_selectors
from apps.speech import formats
from apps.speech.models import Narration, Transcription


def transcription_list_for_owner(*, owner_id: int) -> QuerySet[Transcription]:
    return Transcription.objects.filter(owner_id=owner_id).defer("segments", "text")


_PREPARED_TRANSCRIPTIONS = PreparedRead(transcription_list_for_owner, values={"owner_id": int}, with_total=True)


def transcription_list_rows_for_owner(*, owner_id: int) -> PreparedList | QuerySet[Transcription]:
    """``transcription_list_for_owner`` for a paginated list: rows read by SQL compiled once per process (ADR
    0027), or the queryset where the database has no window functions."""
    return _PREPARED_TRANSCRIPTIONS.listed(owner_id=owner_id)


def transcription_get_for_owner(*, owner_id: int, transcription_id: int) -> Transcription | None:
    return Transcription.objects.filter(pk=transcription_id, owner_id=owner_id).first()


def narration_list_for_owner(*, owner_id: int) -> QuerySet[Narration]:
    return Narration.objects.filter(owner_id=owner_id).defer("text")


def narration_get_for_owner(*, owner_id: int, narration_id: int) -> Narration | None:
    return Narration.objects.filter(pk=narration_id, owner_id=owner_id).first()


def transcript_chunk_times(*, transcription: Transcription) -> list[formats.ChunkTime]:
    """Where each chunk of the transcript's document was said: a citation of chunk 3 can point to 12:34.

    documents stores text offsets (page = section, char_start/char_end); the transcript keeps each
    segment's time and character range, so a chunk's time is that of the segments its text covers."""
    if transcription.document_id is None:
        return []
    chunks = documents_selectors.document_chunks(owner_id=transcription.owner_id, document_id=transcription.document_id)
    return formats.chunk_times(
        transcription.text, transcription.segments, [(chunk.index, chunk.text) for chunk in chunks]
    )
