"""Notes on the document lifecycle. Idempotent: the job's idempotency key makes a redelivery a no-op."""

from django.conf import settings

from apps.notes import services
from eventbus import Event, subscribe


@subscribe("document.processed", group="notes")
def on_document_processed(event: Event) -> None:
    if not settings.NOTES_ON_DOCUMENT_PROCESSED:
        return
    document_id = int(event.payload["document_id"])
    try:
        services.notes_request(
            owner_id=int(event.payload["owner_id"]),
            document_id=document_id,
            idempotency_key=services.processed_key(document_id),
        )
    except services.NotesUnavailable:
        return  # deleted or failed since: nothing to write notes about


@subscribe("document.deleted", group="notes")
def on_document_deleted(event: Event) -> None:
    services.notes_erase_document(document_id=int(event.payload["document_id"]))


@subscribe("user.deleted", group="notes")
def on_user_deleted(event: Event) -> None:
    services.notes_erase_owner(owner_id=int(event.payload["user_id"]))
