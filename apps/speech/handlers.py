"""What speech does when the platform announces something. Idempotent: the bus's ledger drops redeliveries,
and each job's idempotency key makes a second request a no-op."""

from apps.speech import services
from eventbus import Event, subscribe


@subscribe("audio.transcription.requested", group="speech")
def on_transcription_requested(event: Event) -> None:
    services.transcription_request_job(transcription_id=int(event.payload["transcription_id"]))


@subscribe("audio.generation.requested", group="speech")
def on_generation_requested(event: Event) -> None:
    services.narration_request_job(narration_id=int(event.payload["narration_id"]))


@subscribe("document.deleted", group="speech")
def on_document_deleted(event: Event) -> None:
    services.speech_forget_document(
        owner_id=int(event.payload["owner_id"]), document_id=int(event.payload["document_id"])
    )


@subscribe("user.deleted", group="speech")
def on_user_deleted(event: Event) -> None:
    services.speech_erase_owner(owner_id=int(event.payload["user_id"]))
