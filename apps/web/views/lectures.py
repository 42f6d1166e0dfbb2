"""Lectures: upload a recording, read its transcript with timestamps, play it from a segment."""

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from apps.speech import selectors, services
from apps.speech import storage as files
from apps.speech.audio import AudioRejected
from apps.web import presenters
from apps.web.views.common import failed, login_required, owner_of, uploaded

#: The media type of each container PyAV names (the first of its aliases), for the page's audio player.
AUDIO_TYPES = {
    "flac": "audio/flac",
    "mp3": "audio/mpeg",
    "wav": "audio/wav",
    "ogg": "audio/ogg",
    "mov": "audio/mp4",
    "matroska": "audio/webm",
}


@login_required
@require_GET
def lecture_list(request: HttpRequest) -> HttpResponse:
    context = {
        "lectures": selectors.transcription_list_for_owner(owner_id=owner_of(request))[:100],
        "max_mb": settings.SPEECH_MAX_UPLOAD_BYTES // (1024 * 1024),
    }
    return render(request, "web/lectures/list.html", context)


@login_required
@require_POST
def lecture_upload(request: HttpRequest) -> HttpResponse:
    upload = request.FILES.get("file")
    if upload is None:
        return failed(request, "Choose a recording to upload first.", status=400, to="lectures")
    try:
        services.check_upload_size(upload.size or 0)
        lecture = services.transcription_create(
            owner_id=owner_of(request),
            file=upload,
            file_name=upload.name or "",
            size=upload.size or 0,
            title=str(request.POST.get("title", "")).strip(),
        )
    except AudioRejected as rejected:
        return failed(request, rejected.message, status=rejected.status, to="lectures")
    message = f"“{lecture.title}” is uploaded; its transcript is being written."
    return uploaded(request, pk=lecture.pk, page="lecture", message=message)


def _owned(request: HttpRequest, transcription_id: int):  # type: ignore[no-untyped-def]
    lecture = selectors.transcription_get_for_owner(owner_id=owner_of(request), transcription_id=transcription_id)
    if lecture is None:
        raise Http404("No such lecture.")
    return lecture


@login_required
@require_GET
def lecture_detail(request: HttpRequest, transcription_id: int) -> HttpResponse:
    lecture = _owned(request, transcription_id)
    segments = []
    for segment in lecture.segments or []:
        start = float(segment.get("start", 0))
        segments.append(
            {"start": start, "clock": presenters.clock(start), "text": str(segment.get("text", "")).strip()}
        )
    return render(request, "web/lectures/detail.html", {"lecture": lecture, "segments": segments})


def _audio(name: str, content_type: str) -> FileResponse:
    response = FileResponse(files.file_open(name), content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def lecture_audio(request: HttpRequest, transcription_id: int) -> FileResponse:
    """The learner's own recording, for the page's player (a media type the browser sniffs is not trusted)."""
    lecture = _owned(request, transcription_id)
    if not lecture.storage_name:
        raise Http404("The recording is gone.")
    container = lecture.container.split(",")[0]
    return _audio(lecture.storage_name, AUDIO_TYPES.get(container, "application/octet-stream"))


@login_required
@require_GET
def narration_audio(request: HttpRequest, narration_id: int) -> FileResponse:
    narration = selectors.narration_get_for_owner(owner_id=owner_of(request), narration_id=narration_id)
    if narration is None or narration.status != "completed" or not narration.wav_storage_name:
        raise Http404("No such narration.")
    return _audio(narration.wav_storage_name, "audio/wav")
