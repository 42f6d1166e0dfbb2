"""What documents does when other parts of the platform announce something. Idempotent: the bus's ledger
drops redeliveries, and the job's idempotency key makes a second extraction request a no-op anyway."""

from apps.documents import services
from eventbus import Event, subscribe


@subscribe("document.uploaded", group="documents")
def on_document_uploaded(event: Event) -> None:
    document_id = int(event.payload["document_id"])
    services.document_request_extraction(
        document_id=document_id, idempotency_key=services.upload_extraction_key(document_id)
    )


@subscribe("user.deleted", group="documents")
def on_user_deleted(event: Event) -> None:
    services.documents_erase_owner(owner_id=int(event.payload["user_id"]))
