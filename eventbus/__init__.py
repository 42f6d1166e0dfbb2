"""The event bus: ``publish`` in your transaction, ``@subscribe`` in ``apps/<context>/handlers.py``.

    from eventbus import Event, publish, subscribe

    publish("document.uploaded", {"document_id": 7, "owner_id": 3, "media_type": "application/pdf",
                                  "size_bytes": 1024})

    @subscribe("document.uploaded", group="documents")
    def on_document_uploaded(event: Event) -> None:
        ...  # idempotent, light: enqueue a job from transaction.on_commit

See docs/events.md for the topics and their payloads, and docs/decisions/0002, 0003 for the design.
"""

from eventbus.envelope import Event
from eventbus.publishing import publish, publish_many
from eventbus.schemas import InvalidPayload
from eventbus.subscriptions import subscribe

__all__ = ["Event", "InvalidPayload", "publish", "publish_many", "subscribe"]
