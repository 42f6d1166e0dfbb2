"""Document use cases: upload, request extraction, delete, erase a learner's documents.

State changes go through :mod:`apps.documents.lifecycle` (an event per change); announcements to other
apps go through the event bus outbox in the same transaction.
"""

import os
import re
import unicodedata
from collections.abc import Callable
from typing import IO

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction

from apps.accounts.selectors import user_lock_if_active
from apps.core.locking import lock_for_delete
from apps.documents import lifecycle, selectors
from apps.documents import storage as files
from apps.documents.detection import TEXT, DetectedType, UploadRejected, detect
from apps.documents.models import Chunk, Document, DocumentEvent, Page
from apps.jobs import services as jobs
from eventbus import publish

EXTRACT_JOB = "documents.extract"
DELETE_FILE_JOB = "documents.delete_file"
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")


def safe_file_name(name: str) -> str:
    """The last path component of a client-supplied name, without control characters, at most 255 chars."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_NAME.sub("", name).strip().lstrip(".") or "upload"
    stem, extension = os.path.splitext(name)
    return stem[: 255 - len(extension[:20])] + extension[:20]


def _mb(size: int) -> int:
    return size // (1024 * 1024)


def check_upload_size(size: int) -> None:
    if size > settings.DOCUMENTS_MAX_UPLOAD_BYTES:
        raise UploadRejected(
            "file_too_large", f"The file is larger than the limit of {_mb(settings.DOCUMENTS_MAX_UPLOAD_BYTES)} MB."
        )


def _check_learner_limits(owner_id: int, size: int) -> None:
    """The learner's storage quota (files and extracted text), document count and extraction queue."""
    usage = selectors.learner_usage(owner_id=owner_id)
    if usage.bytes_used + size > settings.DOCUMENTS_QUOTA_BYTES:
        raise UploadRejected(
            "quota_exceeded",
            f"This upload would exceed your storage quota of {_mb(settings.DOCUMENTS_QUOTA_BYTES)} MB "
            "(uploaded files and the text extracted from them). Delete documents you no longer need.",
        )
    if usage.documents >= settings.DOCUMENTS_MAX_PER_LEARNER:
        raise UploadRejected(
            "too_many_documents",
            f"You have reached the limit of {settings.DOCUMENTS_MAX_PER_LEARNER} documents. "
            "Delete documents you no longer need.",
        )
    if usage.pending_extractions >= settings.DOCUMENTS_MAX_QUEUED_PER_LEARNER:
        raise UploadRejected(
            "too_many_queued",
            f"{settings.DOCUMENTS_MAX_QUEUED_PER_LEARNER} of your documents are still waiting to be read. "
            "Upload more once they are processed.",
        )


def document_upload(
    *,
    owner_id: int,
    file: IO[bytes],
    file_name: str,
    size: int,
    title: str = "",
    course: str = "",
    tags: list[str] | None = None,
    detected: DetectedType | None = None,
) -> Document:
    """Validates the upload from its content, streams it to storage and records the ``uploaded`` event.

    The file is stored before the transaction (a slow upload must not hold a database write lock) and
    removed again if the transaction does not commit.
    """
    check_upload_size(size)
    if size == 0:
        raise UploadRejected("empty_file", "The file is empty.")
    detected = detected or detect(file, name=file_name)
    _check_learner_limits(owner_id, size)  # before storing the file; again under the lock below
    original_name = safe_file_name(file_name)
    digest = files.sha256_of(file)
    stored = files.file_save(name=files.storage_name_for(owner_id=owner_id, extension=detected.extension), file=file)
    try:
        with transaction.atomic():
            # The learner's row, locked: two concurrent uploads cannot both pass the limits, and an upload
            # racing the account's erasure either commits first (and is erased with it) or is refused.
            if not user_lock_if_active(user_id=owner_id):
                raise UploadRejected("account_closed", "This account is closed.")
            _check_learner_limits(owner_id, size)
            document = lifecycle.start_stream(
                owner_id=owner_id,
                actor_id=owner_id,
                data={
                    "title": (title or os.path.splitext(original_name)[0])[:255],
                    "course": course,
                    "tags": tags or [],
                    "original_name": original_name,
                    "media_type": detected.media_type,
                    "source_kind": detected.source_kind,
                    "size_bytes": size,
                    "sha256": digest,
                    "storage_name": stored,
                },
            )
            publish(
                "document.uploaded",
                {
                    "document_id": document.pk,
                    "owner_id": owner_id,
                    "media_type": detected.media_type,
                    "size_bytes": size,
                },
            )
    except BaseException:
        files.file_delete(stored)
        raise
    return document


def document_create_from_text(
    *,
    owner_id: int,
    title: str,
    text: str,
    source_kind: str = "transcript",
    course: str = "",
    tags: list[str] | None = None,
) -> Document:
    """A document from text another app produced (e.g. a speech transcript); then extracted like any other."""
    content = text.encode("utf-8")
    detected = DetectedType(source_kind, TEXT.media_type, TEXT.extension)
    return document_upload(
        owner_id=owner_id,
        file=ContentFile(content),
        file_name=f"{title}.txt",
        size=len(content),
        title=title,
        course=course,
        tags=tags,
        detected=detected,
    )


@transaction.atomic(savepoint=False)
def document_request_extraction(
    *, document_id: int, idempotency_key: str | None, actor_id: int | None = None
) -> int | None:
    """Creates the extraction job (once per key) and records it on the document. Returns the job id, or
    None when the document is gone or deleted or the job already existed.

    No savepoint inside a caller's transaction (the bus's delivery of ``document.uploaded``, with its ledger
    row): an error here fails that transaction as a whole, which is what the bus does with a failing handler
    anyway."""
    document = Document.objects.select_for_update().filter(pk=document_id).first()
    if document is None or document.status == Document.Status.DELETED:
        return None
    job, created = jobs.job_create(
        kind=EXTRACT_JOB,
        owner_id=document.owner_id,
        payload={"document_id": document.pk},
        subject_type="document",
        subject_id=document.pk,
        idempotency_key=idempotency_key,
    )
    if not created:
        return None
    lifecycle.append(document, lifecycle.EXTRACTION_REQUESTED, {"job_id": job.id}, actor_id=actor_id)
    return job.id


def upload_extraction_key(document_id: int) -> str:
    return f"{EXTRACT_JOB}:{document_id}:upload"


def document_delete(*, owner_id: int, document_id: int) -> bool:
    """Deletes the stored file and the extracted text; the ``deleted`` event stays in the history and
    ``document.deleted`` tells every other app to drop what it derived. False if there is no such document."""
    with transaction.atomic():
        document = (
            Document.objects.select_for_update()
            .filter(pk=document_id, owner_id=owner_id)
            .exclude(status=Document.Status.DELETED)
            .first()
        )
        if document is None:
            return False
        stored = document.storage_name
        document_text_delete(document_id=document.pk)
        lifecycle.append(document, lifecycle.DELETED, {}, actor_id=owner_id)
        publish("document.deleted", {"document_id": document.pk, "owner_id": owner_id})
        # A durable job, so a storage outage delays the file's removal instead of forgetting it.
        jobs.job_create(
            kind=DELETE_FILE_JOB,
            owner_id=owner_id,
            payload={"storage_name": stored},
            subject_type="document",
            subject_id=document.pk,
            idempotency_key=f"{DELETE_FILE_JOB}:{document.pk}",
        )
    return True


def document_text_delete(*, document_id: int) -> None:
    """Drops a document's extracted text (pages, chunks) and its share of the quota: before a re-run,
    after a failure, on deletion."""
    Chunk.objects.filter(document_id=document_id).delete()
    Page.objects.filter(document_id=document_id).delete()
    Document.objects.filter(pk=document_id).update(text_bytes=0)


def documents_erase_owner(*, owner_id: int) -> int:
    """Erases everything documents holds for a deleted learner: rows, event history and stored files."""
    with transaction.atomic():
        count, _ = lock_for_delete(Document.objects.filter(owner_id=owner_id)).delete()
        DocumentEvent.objects.filter(owner_id=owner_id).delete()
    files.files_delete_prefix(files.owner_prefix(owner_id))
    return count


def documents_rebuild(*, write: bool = True, on_stream: Callable[[], None] | None = None) -> tuple[int, list[int]]:
    with transaction.atomic():
        return lifecycle.rebuild(write=write, on_stream=on_stream)


def documents_stream_count() -> int:
    return lifecycle.stream_count()
