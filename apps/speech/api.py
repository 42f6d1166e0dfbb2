"""Thin views. Every transcription and narration answers 404 to anyone but its owner, including its audio."""

from typing import Any

from django.conf import settings
from django.http import FileResponse, HttpResponse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.pagination import DefaultPagination
from apps.core.request_user import request_owner_id
from apps.core.uploads import upload_validated
from apps.speech import formats, selectors, services
from apps.speech import serializers as s
from apps.speech import storage as files
from apps.speech.audio import AudioRejected
from apps.speech.models import Narration, Transcription


class SpeechError(APIException):
    def __init__(self, rejected: AudioRejected) -> None:
        super().__init__(detail=rejected.message, code=rejected.code)
        self.status_code = rejected.status


def _transcription(request: Request, transcription_id: int) -> Transcription:
    found = selectors.transcription_get_for_owner(owner_id=request_owner_id(request), transcription_id=transcription_id)
    if found is None:
        raise NotFound()
    return found


def _narration(request: Request, narration_id: int) -> Narration:
    found = selectors.narration_get_for_owner(owner_id=request_owner_id(request), narration_id=narration_id)
    if found is None:
        raise NotFound()
    return found


def _paginated(view: APIView, request: Request, queryset: Any, serializer: type[Any]) -> Response:
    paginator = DefaultPagination()  # the list views name it too, so the schema describes the envelope
    page: Any = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer(page, many=True).data)


def _choice(request: Request, choices: tuple[str, ...]) -> str:
    """The ``as`` query parameter (not ``format``: DRF keeps that one for choosing a renderer)."""
    value = request.query_params.get("as") or choices[0]  # sent empty (?as=) counts as not sent
    if value not in choices:
        raise ValidationError({"as": [f"Choose one of {', '.join(choices)}."]})
    return value


def _as_parameter(choices: tuple[str, ...]) -> OpenApiParameter:
    return OpenApiParameter("as", str, enum=list(choices), default=choices[0], description="output format")


TRANSCRIPT_FORMATS = ("json", "txt", "srt", "vtt")
NARRATION_FORMATS = ("wav", "ogg")


def _not_ready(kind: str) -> APIException:
    error = APIException(detail=f"The {kind} is not ready yet.", code="not_ready")
    error.status_code = status.HTTP_409_CONFLICT
    return error


def _attachment(name: str, *, filename: str, content_type: str) -> FileResponse:
    response = FileResponse(files.file_open(name), as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


class TranscriptionListApi(APIView):
    pagination_class = DefaultPagination  # also makes the schema describe the paginated envelope
    parser_classes = [MultiPartParser]

    @extend_schema(responses={200: s.TranscriptionOutput(many=True)}, tags=["speech"])
    def get(self, request: Request) -> Response:
        transcriptions = selectors.transcription_list_rows_for_owner(owner_id=request_owner_id(request))
        return _paginated(self, request, transcriptions, s.TranscriptionOutput)

    @extend_schema(request=s.TranscriptionInput, responses={202: s.TranscriptionOutput}, tags=["speech"])
    def post(self, request: Request) -> Response:
        try:
            data = upload_validated(
                request,
                serializer_class=s.TranscriptionInput,
                limit=settings.SPEECH_MAX_UPLOAD_BYTES,
                check_size=services.check_upload_size,
            )
            upload = data["file"]
            transcription = services.transcription_create(
                owner_id=request_owner_id(request),
                file=upload,
                file_name=upload.name or "",
                size=upload.size or 0,
                title=data["title"],
                language=data["language"],
                word_timestamps=data["word_timestamps"],
            )
        except AudioRejected as rejected:
            raise SpeechError(rejected) from rejected
        transcription.refresh_from_db()  # the job may have run already (eager workers in development)
        return Response(s.TranscriptionOutput(transcription).data, status=status.HTTP_202_ACCEPTED)


class TranscriptionDetailApi(APIView):
    @extend_schema(responses={200: s.TranscriptionOutput}, tags=["speech"])
    def get(self, request: Request, transcription_id: int) -> Response:
        return Response(s.TranscriptionOutput(_transcription(request, transcription_id)).data)

    @extend_schema(responses={204: None}, tags=["speech"])
    def delete(self, request: Request, transcription_id: int) -> Response:
        if not services.transcription_delete(owner_id=request_owner_id(request), transcription_id=transcription_id):
            raise NotFound()
        return Response(status=status.HTTP_204_NO_CONTENT)


class TranscriptApi(APIView):
    """The transcript as JSON (segments with times, words when asked for), plain text, SRT or WebVTT
    (``?as=json|txt|srt|vtt``)."""

    @extend_schema(
        parameters=[_as_parameter(TRANSCRIPT_FORMATS)],
        responses={200: s.TranscriptOutput, 409: OpenApiResponse(description="not transcribed yet")},
        tags=["speech"],
    )
    def get(self, request: Request, transcription_id: int) -> Response | HttpResponse:
        transcription = _transcription(request, transcription_id)
        fmt = _choice(request, TRANSCRIPT_FORMATS)
        if transcription.status != Transcription.Status.COMPLETED:
            raise _not_ready("transcript")
        if fmt == "json":
            return Response(s.TranscriptOutput(transcription).data)
        body, content_type = {
            "txt": (transcription.text + "\n", "text/plain; charset=utf-8"),
            "srt": (formats.to_srt(transcription.segments), "application/x-subrip; charset=utf-8"),
            "vtt": (formats.to_vtt(transcription.segments), "text/vtt; charset=utf-8"),
        }[fmt]
        response = HttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = f'inline; filename="transcript-{transcription.pk}.{fmt}"'
        return response


class TranscriptChunkTimesApi(APIView):
    """For each chunk of the document made from the transcript, when it was said (for citations)."""

    @extend_schema(responses={200: s.ChunkTimeOutput(many=True)}, tags=["speech"])
    def get(self, request: Request, transcription_id: int) -> Response:
        times = selectors.transcript_chunk_times(transcription=_transcription(request, transcription_id))
        return Response(s.ChunkTimeOutput(times, many=True).data)


class TranscriptionAudioApi(APIView):
    @extend_schema(responses={200: OpenApiResponse(description="the uploaded recording")}, tags=["speech"])
    def get(self, request: Request, transcription_id: int) -> FileResponse:
        transcription = _transcription(request, transcription_id)
        return _attachment(
            transcription.storage_name,
            filename=transcription.original_name or f"recording-{transcription.pk}",
            content_type="application/octet-stream",
        )


class NarrationListApi(APIView):
    pagination_class = DefaultPagination

    parser_classes = [JSONParser]

    @extend_schema(responses={200: s.NarrationOutput(many=True)}, tags=["speech"])
    def get(self, request: Request) -> Response:
        narrations = selectors.narration_list_for_owner(owner_id=request_owner_id(request))
        return _paginated(self, request, narrations, s.NarrationOutput)

    @extend_schema(
        request=s.NarrationInput,
        responses={
            202: s.NarrationOutput,
            404: OpenApiResponse(description="no processed document, or no notes, of the learner with this id"),
            409: OpenApiResponse(description="the notes are not ready yet"),
        },
        tags=["speech"],
    )
    def post(self, request: Request) -> Response:
        """Reads aloud exactly one of: a text, a processed document (``document_id``) or ready notes
        (``notes_id``: their summary, key points and glossary)."""
        data = s.NarrationInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            narration = services.narration_create(
                owner_id=request_owner_id(request),
                text=data.validated_data["text"],
                document_id=data.validated_data["document_id"],
                notes_id=data.validated_data["notes_id"],
                title=data.validated_data["title"],
            )
        except AudioRejected as rejected:
            raise SpeechError(rejected) from rejected
        narration.refresh_from_db()
        return Response(s.NarrationOutput(narration).data, status=status.HTTP_202_ACCEPTED)


class NarrationDetailApi(APIView):
    @extend_schema(responses={200: s.NarrationOutput}, tags=["speech"])
    def get(self, request: Request, narration_id: int) -> Response:
        return Response(s.NarrationOutput(_narration(request, narration_id)).data)

    @extend_schema(responses={204: None}, tags=["speech"])
    def delete(self, request: Request, narration_id: int) -> Response:
        if not services.narration_delete(owner_id=request_owner_id(request), narration_id=narration_id):
            raise NotFound()
        return Response(status=status.HTTP_204_NO_CONTENT)


class NarrationAudioApi(APIView):
    """The narration as WAV or as Ogg/Opus (``?as=ogg``), to its owner only."""

    @extend_schema(
        parameters=[_as_parameter(NARRATION_FORMATS)],
        responses={
            200: OpenApiResponse(description="the audio, as an attachment"),
            409: OpenApiResponse(description="not narrated yet"),
        },
        tags=["speech"],
    )
    def get(self, request: Request, narration_id: int) -> FileResponse:
        narration = _narration(request, narration_id)
        fmt = _choice(request, NARRATION_FORMATS)
        if narration.status != Narration.Status.COMPLETED:
            raise _not_ready("narration")
        if fmt == "ogg":
            name, content_type, extension = narration.ogg_storage_name, "audio/ogg", "ogg"
        else:
            name, content_type, extension = narration.wav_storage_name, "audio/wav", "wav"
        return _attachment(name, filename=f"narration-{narration.pk}.{extension}", content_type=content_type)
