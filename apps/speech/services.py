"""Speech use cases: accept a recording or a text, run transcription and narration jobs, delete, erase.

Requests only validate, store and announce (``audio.*.requested``); the heavy work runs in jobs on the speech
queue. A completed transcript becomes a document of the learner through documents' public function.
"""

import logging
import os
import re
import time
from datetime import date
from typing import IO, Any

import av
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.documents import selectors as documents_selectors
from apps.documents import services as documents
from apps.documents.detection import UploadRejected
from apps.jobs import services as jobs
from apps.jobs.context import JobContext
from apps.jobs.errors import JobFailed
from apps.jobs.services import JobInfo
from apps.notes import selectors as notes_selectors
from apps.speech import audio, formats, tts, whisper
from apps.speech import storage as files
from apps.speech.audio import AudioRejected
from apps.speech.models import AudioUsage, Narration, Transcription
from eventbus import publish

logger = logging.getLogger(__name__)

TRANSCRIBE_JOB = "speech.transcribe"
NARRATE_JOB = "speech.narrate"
DELETE_FILES_JOB = "speech.delete_files"
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
#: The clock the transcription time limit is measured on (a test moves it).
_clock = time.monotonic


# --- limits and quota --------------------------------------------------------------------------------------


def month_start(today: date | None = None) -> date:
    return (today or timezone.now().date()).replace(day=1)


def audio_seconds_used(*, owner_id: int) -> float:
    usage = AudioUsage.objects.filter(owner_id=owner_id, month=month_start()).first()
    return usage.seconds if usage else 0.0


def check_upload_size(size: int) -> None:
    if size > settings.SPEECH_MAX_UPLOAD_BYTES:
        raise AudioRejected(
            "file_too_large",
            f"The recording is larger than the limit of {settings.SPEECH_MAX_UPLOAD_BYTES // (1024 * 1024)} MB.",
            413,
        )


def _check_duration(seconds: float) -> None:
    if seconds > settings.SPEECH_MAX_AUDIO_SECONDS:
        raise AudioRejected(
            "audio_too_long",
            f"The recording lasts {formats.label(seconds)}; the limit is "
            f"{formats.label(settings.SPEECH_MAX_AUDIO_SECONDS)}. Split it into parts.",
        )


def _check_quota(owner_id: int, seconds: float) -> None:
    used = audio_seconds_used(owner_id=owner_id)
    if used + seconds > settings.SPEECH_MONTHLY_QUOTA_SECONDS:
        remaining = max(0.0, settings.SPEECH_MONTHLY_QUOTA_SECONDS - used)
        raise AudioRejected(
            "audio_quota_exceeded",
            f"This recording ({formats.label(seconds)}) is more than the {formats.label(remaining)} of "
            "transcription left for you this month.",
            429,
        )


def _check_language(language: str) -> str:
    language = (language or settings.SPEECH_WHISPER_LANGUAGE or "").strip().lower()
    if not language:
        return ""
    if not _LANGUAGE.match(language):
        raise AudioRejected("invalid_language", f"{language!r} is not a language code such as 'en' or 'fr'.")
    if model_spec().is_english_only and language != "en":
        raise AudioRejected("unsupported_language", "The transcription model on this server understands English only.")
    return language


def _add_usage(owner_id: int, seconds: float) -> None:
    usage, _ = AudioUsage.objects.get_or_create(owner_id=owner_id, month=month_start())
    AudioUsage.objects.filter(pk=usage.pk).update(seconds=F("seconds") + seconds)


# --- transcription -----------------------------------------------------------------------------------------


def model_spec() -> whisper.ModelSpec:
    return whisper.ModelSpec(
        name=settings.SPEECH_WHISPER_MODEL,
        compute_type=settings.SPEECH_WHISPER_COMPUTE_TYPE,
        threads=settings.SPEECH_WHISPER_THREADS,
        cache_dir=str(settings.DATA_DIR / "models"),
    )


def transcription_create(
    *,
    owner_id: int,
    file: IO[bytes],
    file_name: str,
    size: int,
    title: str = "",
    language: str = "",
    word_timestamps: bool = False,
) -> Transcription:
    """Validates the recording by decoding it, checks the limits and the monthly quota, stores it and
    announces ``audio.transcription.requested``. The file is removed again if the transaction fails."""
    check_upload_size(size)
    if size == 0:
        raise AudioRejected("empty_file", "The file is empty.")
    language = _check_language(language)
    info = audio.audio_probe(file)
    _check_duration(info.duration_seconds)
    _check_quota(owner_id, info.duration_seconds)
    original_name = documents.safe_file_name(file_name)
    stored = files.file_save(name=files.name_for(owner_id=owner_id, extension="audio"), file=file)
    try:
        with transaction.atomic():
            # Lock the learner's row so two concurrent uploads cannot both pass the quota check.
            get_user_model().objects.select_for_update().filter(pk=owner_id).first()
            _check_quota(owner_id, info.duration_seconds)
            transcription = Transcription.objects.create(
                owner_id=owner_id,
                title=(title or os.path.splitext(original_name)[0])[:255],
                original_name=original_name,
                container=info.container[:64],
                codec=info.codec[:32],
                size_bytes=size,
                storage_name=stored,
                duration_seconds=info.duration_seconds,
                requested_language=language,
                word_timestamps=word_timestamps,
                model_name=model_spec().label,
            )
            _add_usage(owner_id, info.duration_seconds)
            payload: dict[str, Any] = {"transcription_id": transcription.pk, "owner_id": owner_id}
            if language:
                payload["language"] = language
            publish("audio.transcription.requested", payload)
    except BaseException:
        files.file_delete(stored)
        raise
    return transcription


def _request_job(model: type[Transcription] | type[Narration], *, pk: int, kind: str, subject_type: str) -> int | None:
    """Creates the job of a transcription or narration once (a redelivered request event finds it by its
    idempotency key) and remembers its id on the row. None if the row is gone or the job exists already."""
    row = model.objects.select_for_update().filter(pk=pk).first()
    if row is None:
        return None
    job, created = jobs.job_create(
        kind=kind,
        owner_id=row.owner_id,
        payload={f"{subject_type}_id": row.pk},
        subject_type=subject_type,
        subject_id=row.pk,
        idempotency_key=f"{kind}:{row.pk}",
    )
    if not created:
        return None
    row.job_id = job.id
    row.save(update_fields=["job_id"])
    return job.id


def _mark_failed(model: type[Transcription] | type[Narration], info: JobInfo, *, subject_type: str) -> None:
    """The job failed for good (its handler gave up or the reaper ran out of attempts): the row shows the
    job's reason instead of staying ``processing``, and ``pipeline.step.failed`` tells the platform."""
    subject_id = int(info.payload.get(f"{subject_type}_id") or 0)
    failed = (
        model.objects.filter(pk=subject_id)
        .exclude(status=model.Status.COMPLETED)
        .update(status=model.Status.FAILED, error_code=info.error_code, error=info.error)
    )
    if failed:
        publish(
            "pipeline.step.failed",
            {
                "step": subject_type,
                "subject_type": subject_type,
                "subject_id": subject_id,
                "owner_id": info.owner_id,
                "reason": info.error_code or "failed",
                "attempts": info.attempts,
            },
        )


@transaction.atomic
def transcription_request_job(*, transcription_id: int) -> int | None:
    return _request_job(Transcription, pk=transcription_id, kind=TRANSCRIBE_JOB, subject_type="transcription")


def _segment_dict(segment: whisper.Segment, *, with_words: bool) -> dict[str, Any]:
    row: dict[str, Any] = {"start": round(segment.start, 3), "end": round(segment.end, 3), "text": segment.text}
    if with_words:
        row["words"] = [
            {"start": round(w.start, 3), "end": round(w.end, 3), "word": w.word, "probability": round(w.probability, 3)}
            for w in segment.words
        ]
    return row


def _transcribe(job: JobContext, transcription: Transcription) -> tuple[whisper.TranscriptionRun, list[dict[str, Any]]]:
    started = _clock()
    budget = 60.0 + settings.SPEECH_TRANSCRIBE_SECONDS_PER_AUDIO_HOUR * transcription.duration_seconds / 3600
    with files.local_copy(transcription.storage_name) as path:
        try:
            run = whisper.transcribe(
                path,
                spec=model_spec(),
                language=transcription.requested_language or None,
                word_timestamps=transcription.word_timestamps,
                vad_filter=settings.SPEECH_WHISPER_VAD,
                beam_size=settings.SPEECH_WHISPER_BEAM_SIZE,
            )
        except whisper.ModelUnavailable as exc:
            raise JobFailed("model_unavailable", str(exc)) from exc
        except (av.error.FFmpegError, ValueError, IndexError) as exc:
            raise JobFailed("corrupt_audio", "The audio could not be decoded: the file is damaged.") from exc
        if run.duration_seconds > settings.SPEECH_MAX_AUDIO_SECONDS:
            raise JobFailed("audio_too_long", "The recording is longer than the limit once decoded.")
        total = max(1, round(run.duration_seconds))
        job.progress(0, total)
        segments = []
        for segment in run.segments:
            segments.append(_segment_dict(segment, with_words=transcription.word_timestamps))
            job.progress(min(total, round(segment.end)), total)
            if _clock() - started > budget:
                raise JobFailed("time_limit", f"Transcription took longer than its limit of {budget:.0f} s.")
    return run, segments


def transcription_run(*, job: JobContext) -> dict[str, Any]:
    """The transcription job: faster-whisper over the stored recording, progress in seconds of audio."""
    transcription = Transcription.objects.filter(pk=job.payload["transcription_id"]).first()
    if transcription is None:
        return {"skipped": "deleted"}
    if transcription.status == Transcription.Status.COMPLETED:  # a retry after the commit below
        return {"segments": len(transcription.segments), "document_id": transcription.document_id}
    Transcription.objects.filter(pk=transcription.pk).update(status=Transcription.Status.PROCESSING)
    run, raw_segments = _transcribe(job, transcription)
    text, segments = formats.assemble(raw_segments)
    if not segments:
        raise JobFailed("no_speech", "No speech was found in the recording (silence, noise or music only).")
    with transaction.atomic():
        transcription = Transcription.objects.select_for_update().filter(pk=transcription.pk).first()
        if transcription is None:  # deleted while it ran
            return {"skipped": "deleted"}
        transcription.status = Transcription.Status.COMPLETED
        transcription.segments, transcription.text = segments, text
        transcription.duration_seconds = round(run.duration_seconds, 3)
        transcription.language, transcription.language_probability = run.language, run.language_probability
        transcription.error_code = transcription.error = ""
        transcription.completed_at = timezone.now()
        _attach_document(transcription)
        transcription.save()
        publish(
            "audio.transcription.completed",
            {
                "transcription_id": transcription.pk,
                "owner_id": transcription.owner_id,
                "duration_seconds": transcription.duration_seconds,
                "segment_count": len(segments),
            },
        )
    return {"segments": len(segments), "document_id": transcription.document_id, "language": run.language}


def _attach_document(transcription: Transcription) -> None:
    """The transcript becomes a document of the learner (source kind "transcript"), so notes, quizzes and chat
    work on it; its chunks map back to times through :func:`apps.speech.selectors.transcript_chunk_times`."""
    try:
        with transaction.atomic():
            document = documents.document_create_from_text(
                owner_id=transcription.owner_id,
                title=transcription.title,
                text=transcription.text,
                source_kind="transcript",
            )
    except UploadRejected as rejected:  # e.g. the learner's document storage quota is full
        transcription.document_error = rejected.message[:500]
        return
    transcription.document_id = document.pk
    transcription.document_error = ""


def transcription_failed(info: JobInfo) -> None:
    _mark_failed(Transcription, info, subject_type="transcription")


def _delete_files_later(owner_id: int, names: list[str]) -> None:
    names = [name for name in names if name]
    if names:
        jobs.job_create(kind=DELETE_FILES_JOB, owner_id=owner_id, payload={"names": names})


def transcription_delete(*, owner_id: int, transcription_id: int) -> bool:
    """Deletes the transcript, its recording and the document made from it. False if there is none."""
    with transaction.atomic():
        transcription = Transcription.objects.select_for_update().filter(pk=transcription_id, owner_id=owner_id).first()
        if transcription is None:
            return False
        document_id = transcription.document_id
        transcription.delete()
        _delete_files_later(owner_id, [transcription.storage_name])
    if document_id is not None:
        documents.document_delete(owner_id=owner_id, document_id=document_id)
    return True


# --- narration ---------------------------------------------------------------------------------------------


def _check_text_length(text: str) -> None:
    if len(text) > settings.SPEECH_TTS_MAX_CHARS:
        raise AudioRejected(
            "text_too_long", f"The text has {len(text)} characters; the limit is {settings.SPEECH_TTS_MAX_CHARS}."
        )


def document_text(*, owner_id: int, document_id: int) -> str | None:
    """A processed document's text rebuilt from its chunks (which overlap), or None if it is not theirs or
    not processed yet."""
    chunks = documents_selectors.document_chunks(owner_id=owner_id, document_id=document_id)
    if not chunks:
        return None
    pages: list[str] = []
    page_number, page_text, page_end = None, "", 0
    for chunk in chunks:
        if chunk.page_number != page_number:
            if page_text:
                pages.append(page_text)
            page_number, page_text, page_end = chunk.page_number, "", 0
        page_text += chunk.text[max(0, page_end - chunk.char_start) :]
        page_end = max(page_end, chunk.char_end)
    if page_text:
        pages.append(page_text)
    return "\n\n".join(pages)


def _notes_text(owner_id: int, notes_id: int) -> notes_selectors.NotesNarrationText:
    notes = notes_selectors.notes_narration_text(owner_id=owner_id, notes_id=notes_id)
    if notes is None:
        raise AudioRejected("notes_not_found", "No notes of yours have this id.", 404)
    if not notes.is_ready:
        raise AudioRejected("notes_not_ready", "These notes are not ready yet: try again when they are.", 409)
    if not notes.text.strip():
        raise AudioRejected("empty_text", "These notes have nothing to read aloud.")
    return notes


def _requested_voice(engine: str) -> str:
    """The voice a new narration records (the job records the one it used when it completes)."""
    if engine != "piper":
        return settings.SPEECH_TTS_VOICE
    try:
        return tts.piper_voice_label(settings.SPEECH_PIPER_VOICE)
    except tts.EngineUnavailable:
        return ""  # the job fails with engine_unavailable and says why


def narration_create(
    *,
    owner_id: int,
    text: str = "",
    document_id: int | None = None,
    notes_id: int | None = None,
    title: str = "",
) -> Narration:
    """Accepts a text, a processed document or ready notes of the learner and announces
    ``audio.generation.requested``. Notes are read now: the narration is of the notes as the learner saw them."""
    source_id: int | None = None
    if notes_id is not None:
        notes = _notes_text(owner_id, notes_id)
        _check_text_length(notes.text)
        source, source_text, source_id, document_id = Narration.Source.NOTES, notes.text, notes_id, notes.document_id
        title = title or f"Notes: {notes.title}"
    elif document_id is not None:
        document_body = document_text(owner_id=owner_id, document_id=document_id)
        if document_body is None:
            raise AudioRejected("document_not_found", "No processed document of yours has this id.", 404)
        _check_text_length(document_body)
        source, source_text, source_id = Narration.Source.DOCUMENT, "", document_id
    else:
        text = text.strip()
        if not text:
            raise AudioRejected("empty_text", "There is no text to read aloud.")
        _check_text_length(text)
        source, source_text = Narration.Source.TEXT, text
    with transaction.atomic():
        narration = Narration.objects.create(
            owner_id=owner_id,
            title=title[:255],
            source_type=source,
            source_id=source_id,
            document_id=document_id,
            text=source_text,
            engine=settings.SPEECH_TTS_ENGINE,
            voice=_requested_voice(settings.SPEECH_TTS_ENGINE),
        )
        publish(
            "audio.generation.requested",
            {
                "narration_id": narration.pk,
                "owner_id": owner_id,
                "source_type": source,
                "source_id": source_id if source_id is not None else narration.pk,
            },
        )
    return narration


@transaction.atomic
def narration_request_job(*, narration_id: int) -> int | None:
    return _request_job(Narration, pk=narration_id, kind=NARRATE_JOB, subject_type="narration")


def _narration_text(narration: Narration) -> str:
    if narration.source_type in (Narration.Source.TEXT, Narration.Source.NOTES):
        return narration.text
    if narration.source_type == Narration.Source.DOCUMENT and narration.source_id is not None:
        text = document_text(owner_id=narration.owner_id, document_id=narration.source_id)
        if text is None:
            raise JobFailed("document_not_found", "The document is gone or not processed.")
        return text
    raise JobFailed("unsupported_source", f"Narrating {narration.source_type} is not built yet.")


def _synthesize(job: JobContext, text: str, voice: tts.Voice) -> list[bytes]:
    parts = list(tts.batches(tts.split_sentences(text), max_chars=settings.SPEECH_TTS_BATCH_CHARS))
    if not parts:
        raise JobFailed("empty_text", "There is no text to read aloud.")
    job.progress(0, len(parts))
    wavs = []
    for done, part in enumerate(parts, start=1):
        try:
            wavs.append(tts.synthesize(part, voice=voice, timeout=settings.SPEECH_TTS_BATCH_TIMEOUT_SECONDS))
        except tts.EngineUnavailable as exc:
            raise JobFailed("engine_unavailable", str(exc)) from exc
        job.progress(done, len(parts))
    return wavs


def _voice(narration: Narration) -> tts.Voice:
    """pyttsx3 speaks with the voice recorded at the request; Piper with the configured voice file."""
    engine = narration.engine or "pyttsx3"
    if engine == "piper":
        return tts.Voice(engine=engine, voice=settings.SPEECH_PIPER_VOICE, rate=settings.SPEECH_TTS_RATE)
    return tts.Voice(engine=engine, voice=narration.voice, rate=settings.SPEECH_TTS_RATE)


def _voice_label(voice: tts.Voice) -> str:
    return tts.piper_voice_label(voice.voice) if voice.engine == "piper" else voice.voice


def narration_run(*, job: JobContext) -> dict[str, Any]:
    """The narration job: sentences in batches (pyttsx3: each in a fresh engine process; Piper: the worker's
    loaded voice), joined into one WAV and an Ogg/Opus copy, with the engine and voice used recorded. A hung,
    crashed or too slow engine raises SynthesisFailed and the attempt is retried."""
    narration = Narration.objects.filter(pk=job.payload["narration_id"]).first()
    if narration is None:
        return {"skipped": "deleted"}
    if narration.status == Narration.Status.COMPLETED:
        return {"duration_seconds": narration.duration_seconds}
    Narration.objects.filter(pk=narration.pk).update(status=Narration.Status.PROCESSING)
    text = _narration_text(narration)
    voice = _voice(narration)
    wav, duration = audio.wav_join(_synthesize(job, text, voice))
    ogg = audio.ogg_opus_from_wav(wav, bitrate=settings.SPEECH_TTS_OGG_BITRATE)
    wav_name = files.bytes_save(name=files.name_for(owner_id=narration.owner_id, extension="wav"), content=wav)
    ogg_name = files.bytes_save(name=files.name_for(owner_id=narration.owner_id, extension="ogg"), content=ogg)
    try:
        with transaction.atomic():
            narration = Narration.objects.select_for_update().filter(pk=narration.pk).first()
            if narration is None:
                raise Narration.DoesNotExist
            _delete_files_later(narration.owner_id, [narration.wav_storage_name, narration.ogg_storage_name])
            narration.status = Narration.Status.COMPLETED
            narration.voice = _voice_label(voice)
            narration.wav_storage_name, narration.ogg_storage_name = wav_name, ogg_name
            narration.wav_bytes, narration.ogg_bytes = len(wav), len(ogg)
            narration.duration_seconds = round(duration, 3)
            narration.error_code = narration.error = ""
            narration.completed_at = timezone.now()
            narration.save()
            publish(
                "audio.generation.completed",
                {
                    "narration_id": narration.pk,
                    "owner_id": narration.owner_id,
                    "duration_seconds": narration.duration_seconds,
                },
            )
    except Narration.DoesNotExist:  # deleted while it ran
        files.file_delete(wav_name)
        files.file_delete(ogg_name)
        return {"skipped": "deleted"}
    except BaseException:
        files.file_delete(wav_name)
        files.file_delete(ogg_name)
        raise
    return {"duration_seconds": narration.duration_seconds, "wav_bytes": len(wav), "ogg_bytes": len(ogg)}


def narration_failed(info: JobInfo) -> None:
    _mark_failed(Narration, info, subject_type="narration")


def narration_delete(*, owner_id: int, narration_id: int) -> bool:
    with transaction.atomic():
        narration = Narration.objects.select_for_update().filter(pk=narration_id, owner_id=owner_id).first()
        if narration is None:
            return False
        narration.delete()
        _delete_files_later(owner_id, [narration.wav_storage_name, narration.ogg_storage_name])
    return True


# --- deletion and erasure ----------------------------------------------------------------------------------


def files_delete(*, names: list[str]) -> None:
    for name in names:
        files.file_delete(name)


@transaction.atomic
def speech_forget_document(*, owner_id: int, document_id: int) -> int:
    """``document.deleted``: the lecture whose transcript it was, and narrations of it or of its notes, go."""
    names: list[str] = []
    transcriptions = Transcription.objects.filter(owner_id=owner_id, document_id=document_id)
    narrations = Narration.objects.filter(owner_id=owner_id, document_id=document_id)  # of it or of its notes
    names += [t.storage_name for t in transcriptions]
    names += [name for n in narrations for name in (n.wav_storage_name, n.ogg_storage_name)]
    deleted = transcriptions.delete()[0] + narrations.delete()[0]
    _delete_files_later(owner_id, names)
    return deleted


def speech_erase_owner(*, owner_id: int) -> int:
    """``user.deleted``: every recording, transcript, narration, usage row and stored audio file."""
    with transaction.atomic():
        deleted = Transcription.objects.filter(owner_id=owner_id).delete()[0]
        deleted += Narration.objects.filter(owner_id=owner_id).delete()[0]
        AudioUsage.objects.filter(owner_id=owner_id).delete()
    files.files_delete_prefix(files.owner_prefix(owner_id))
    return deleted
