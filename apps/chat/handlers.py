"""What chat does when documents or accounts announce something. Idempotent: indexing is a job with an
idempotency key per event, and dropping what is already gone is a no-op."""

from apps.chat import services
from eventbus import Event, subscribe


@subscribe("document.processed", group="chat")
def on_document_processed(event: Event) -> None:
    services.index_request(
        owner_id=int(event.payload["owner_id"]),
        document_id=int(event.payload["document_id"]),
        idempotency_key=f"{services.INDEX_JOB}:{event.id}",
    )


@subscribe("document.deleted", group="chat")
def on_document_deleted(event: Event) -> None:
    services.index_drop_document(document_id=int(event.payload["document_id"]))


@subscribe("user.deleted", group="chat")
def on_user_deleted(event: Event) -> None:
    services.chat_erase_owner(owner_id=int(event.payload["user_id"]))
