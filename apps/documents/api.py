"""Thin views. Every endpoint of a document answers 404 to anyone but its owner, including its file."""

from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.pagination import DefaultPagination
from apps.documents import selectors, services
from apps.documents import serializers as s
from apps.documents.detection import UploadRejected
from apps.documents.models import Document
from apps.documents.storage import presigned_url

#: Room for the multipart envelope and the form fields around the file.
_MULTIPART_OVERHEAD = 64 * 1024


class UploadSizeLimit(FileUploadHandler):
    """Stops reading an upload as soon as it passes the limit, also when no Content-Length announced it
    (chunked requests); the view then answers 413."""

    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.received = 0
        self.exceeded = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > settings.DOCUMENTS_MAX_UPLOAD_BYTES:
            self.exceeded = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


class UploadError(APIException):
    def __init__(self, rejected: UploadRejected) -> None:
        super().__init__(detail=rejected.message, code=rejected.code)
        self.status_code = rejected.status


def _content_length(request: Request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _owner_id(request: Request) -> int:
    return int(request.user.pk)  # type: ignore[arg-type]  # authenticated: never None


def _owned(request: Request, document_id: int) -> Document:
    document = selectors.document_get_for_owner(owner_id=_owner_id(request), document_id=document_id)
    if document is None:
        raise NotFound()
    return document


def _paginated(view: APIView, request: Request, queryset: Any, serializer: type[Any]) -> Response:
    paginator = view.pagination_class()  # type: ignore[attr-defined]
    page: Any = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer(page, many=True).data)


class DocumentListApi(APIView):
    pagination_class = DefaultPagination  # also makes the schema describe the paginated envelope
    parser_classes = [MultiPartParser]

    @extend_schema(parameters=[s.DocumentFilterInput], responses={200: s.DocumentOutput(many=True)}, tags=["documents"])
    def get(self, request: Request) -> Response:
        filters = s.DocumentFilterInput(data=request.query_params)
        filters.is_valid(raise_exception=True)
        documents = selectors.document_list_for_owner(owner_id=_owner_id(request), **filters.validated_data)
        return _paginated(self, request, documents, s.DocumentOutput)

    @extend_schema(request=s.UploadInput, responses={201: s.DocumentOutput}, tags=["documents"])
    def post(self, request: Request) -> Response:
        try:
            # Refuse an oversized body before reading it.
            services.check_upload_size(_content_length(request) - _MULTIPART_OVERHEAD)
            limit = UploadSizeLimit(request._request)
            request._request.upload_handlers.insert(0, limit)
            data = s.UploadInput(data=request.data)
            if limit.exceeded:
                services.check_upload_size(limit.received)
            data.is_valid(raise_exception=True)
            upload = data.validated_data["file"]
            document = services.document_upload(
                owner_id=_owner_id(request),
                file=upload,
                file_name=upload.name or "",
                size=upload.size or 0,
                title=data.validated_data["title"],
                course=data.validated_data["course"],
                tags=data.validated_data["tags"],
            )
        except UploadRejected as rejected:
            raise UploadError(rejected) from rejected
        return Response(s.DocumentOutput(document).data, status=status.HTTP_201_CREATED)


class DocumentDetailApi(APIView):
    @extend_schema(responses={200: s.DocumentDetailOutput}, tags=["documents"])
    def get(self, request: Request, document_id: int) -> Response:
        document = _owned(request, document_id)
        context = {"pages": selectors.page_summary(document=document)}
        return Response(s.DocumentDetailOutput(document, context=context).data)

    @extend_schema(responses={204: None}, tags=["documents"])
    def delete(self, request: Request, document_id: int) -> Response:
        if not services.document_delete(owner_id=_owner_id(request), document_id=document_id):
            raise NotFound()
        return Response(status=status.HTTP_204_NO_CONTENT)


class DocumentHistoryApi(APIView):
    @extend_schema(responses={200: s.EventOutput(many=True)}, tags=["documents"])
    def get(self, request: Request, document_id: int) -> Response:
        events = selectors.document_history(document=_owned(request, document_id))
        return Response(s.EventOutput(events, many=True).data)


class DocumentChunksApi(APIView):
    pagination_class = DefaultPagination  # also makes the schema describe the paginated envelope

    @extend_schema(responses={200: s.ChunkOutput(many=True)}, tags=["documents"])
    def get(self, request: Request, document_id: int) -> Response:
        return _paginated(self, request, selectors.chunk_list(document=_owned(request, document_id)), s.ChunkOutput)


class DocumentPagesApi(APIView):
    """The extracted text of each page (slide, section), where it came from, and the tables found on it."""

    pagination_class = DefaultPagination  # also makes the schema describe the paginated envelope

    @extend_schema(parameters=[s.PageFilterInput], responses={200: s.PageOutput(many=True)}, tags=["documents"])
    def get(self, request: Request, document_id: int) -> Response:
        document = _owned(request, document_id)
        query = s.PageFilterInput(data=request.query_params)
        query.is_valid(raise_exception=True)
        pages = selectors.page_list(document=document, with_tables=query.validated_data["has_tables"])
        return _paginated(self, request, pages, s.PageOutput)


class DocumentFileApi(APIView):
    """The stored file, streamed as an attachment (never rendered inline by a browser)."""

    @extend_schema(responses={200: OpenApiResponse(description="the file, as an attachment")}, tags=["documents"])
    def get(self, request: Request, document_id: int) -> FileResponse:
        document = _owned(request, document_id)
        response = FileResponse(
            default_storage.open(document.storage_name, "rb"),
            as_attachment=True,
            filename=document.original_name,
            content_type=document.media_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


class DocumentFileUrlApi(APIView):
    """A short-lived presigned URL on S3 storage; on local storage, the authorized file endpoint."""

    @extend_schema(responses={200: s.DownloadUrlOutput}, tags=["documents"])
    def get(self, request: Request, document_id: int) -> Response:
        document = _owned(request, document_id)
        url = presigned_url(name=document.storage_name, filename=document.original_name, media_type=document.media_type)
        if url is None:
            url = request.build_absolute_uri(reverse("document-file", args=[document.pk]))
            return Response({"url": url, "expires_in": None})
        return Response({"url": url, "expires_in": settings.S3_PRESIGNED_TTL_SECONDS})
