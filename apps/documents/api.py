"""Thin views. Every endpoint of a document answers 404 to anyone but its owner, including its file."""

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.request_user import request_owner_id
from apps.core.uploads import upload_validated
from apps.documents import selectors, services, storage
from apps.documents import serializers as s
from apps.documents.detection import UploadRejected
from apps.documents.models import Chunk, Document, Page

#: The HTTP status of each upload rejection (the domain knows only the code); any other code is a 400.
UPLOAD_REJECTION_STATUS = {
    "file_too_large": status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    "quota_exceeded": status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    "unsupported_type": status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
    "account_closed": status.HTTP_403_FORBIDDEN,
    "too_many_documents": status.HTTP_409_CONFLICT,
    "too_many_queued": status.HTTP_429_TOO_MANY_REQUESTS,
}


class UploadError(APIException):
    def __init__(self, rejected: UploadRejected) -> None:
        super().__init__(detail=rejected.message, code=rejected.code)
        self.status_code = UPLOAD_REJECTION_STATUS.get(rejected.code, status.HTTP_400_BAD_REQUEST)


def _owned(request: Request, document_id: int) -> Document:
    document = selectors.document_get_for_owner(owner_id=request_owner_id(request), document_id=document_id)
    if document is None:
        raise NotFound()
    return document


def _list_filters(request: Request) -> dict[str, Any]:
    """The list's validated filters; without a filter in the query there is nothing to validate."""
    if "course" not in request.query_params and "status" not in request.query_params:
        return {}
    filters = s.DocumentFilterInput(data=request.query_params)
    filters.is_valid(raise_exception=True)
    return dict(filters.validated_data)


class DocumentListApi(generics.ListAPIView[Document]):
    parser_classes = [MultiPartParser]
    serializer_class = s.DocumentOutput

    def get_queryset(self) -> QuerySet[Document]:
        filters = _list_filters(self.request)
        return selectors.document_list_for_owner(owner_id=request_owner_id(self.request), **filters)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A page of rows read by SQL compiled once per process (``selectors.document_list_rows_for_owner``)."""
        documents = selectors.document_list_rows_for_owner(owner_id=request_owner_id(request), **_list_filters(request))
        page = self.paginate_queryset(documents)
        if page is None:
            return Response(self.get_serializer(list(documents), many=True).data)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(parameters=[s.DocumentFilterInput], tags=["documents"])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=s.UploadInput, responses={201: s.DocumentOutput}, tags=["documents"])
    def post(self, request: Request) -> Response:
        """The ASGI body limit (apps.core.body_limit) has already refused a body far over the limit, before
        anything read it; here the file itself is held to DOCUMENTS_MAX_UPLOAD_BYTES while it is parsed."""
        try:
            data = upload_validated(
                request,
                serializer_class=s.UploadInput,
                limit=settings.DOCUMENTS_MAX_UPLOAD_BYTES,
                check_size=services.check_upload_size,
            )
            upload = data["file"]
            document = services.document_upload(
                owner_id=request_owner_id(request),
                file=upload,
                file_name=upload.name or "",
                size=upload.size or 0,
                title=data["title"],
                course=data["course"],
                tags=data["tags"],
            )
        except UploadRejected as rejected:
            raise UploadError(rejected) from rejected
        return Response(s.DocumentOutput(document).data, status=status.HTTP_201_CREATED)


class DocumentDetailApi(APIView):
    @extend_schema(responses={200: s.DocumentDetailOutput}, tags=["documents"])
    def get(self, request: Request, document_id: int) -> Response:
        found = selectors.document_detail_for_owner(owner_id=request_owner_id(request), document_id=document_id)
        if found is None:
            raise NotFound()
        document, pages = found
        return Response(s.DocumentDetailOutput(document, context={"pages": pages}).data)

    @extend_schema(responses={204: None}, tags=["documents"])
    def delete(self, request: Request, document_id: int) -> Response:
        if not services.document_delete(owner_id=request_owner_id(request), document_id=document_id):
            raise NotFound()
        return Response(status=status.HTTP_204_NO_CONTENT)


class DocumentHistoryApi(APIView):
    @extend_schema(responses={200: s.EventOutput(many=True)}, tags=["documents"])
    def get(self, request: Request, document_id: int) -> Response:
        events = selectors.document_history(document=_owned(request, document_id))
        return Response(s.EventOutput(events, many=True).data)


class DocumentChunksApi(generics.ListAPIView[Chunk]):
    serializer_class = s.ChunkOutput

    def get_queryset(self) -> QuerySet[Chunk]:
        return selectors.chunk_list(document=_owned(self.request, self.kwargs["document_id"]))

    @extend_schema(tags=["documents"])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class DocumentPagesApi(generics.ListAPIView[Page]):
    """The extracted text of each page (slide, section), where it came from, and the tables found on it."""

    serializer_class = s.PageOutput

    def get_queryset(self) -> QuerySet[Page]:
        document = _owned(self.request, self.kwargs["document_id"])
        query = s.PageFilterInput(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.page_list(document=document, with_tables=query.validated_data["has_tables"])

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A page of rows read by SQL compiled once per process (``selectors.page_list_rows_for_owner``). Another
        learner's document is a 404 before its filter is looked at, as ``get_queryset`` answers."""
        query = s.PageFilterInput(data=request.query_params) if "has_tables" in request.query_params else None
        is_valid = query is None or query.is_valid()
        with_tables = bool(query is not None and is_valid and query.validated_data["has_tables"])
        pages = selectors.page_list_rows_for_owner(
            owner_id=request_owner_id(request), document_id=kwargs["document_id"], with_tables=with_tables
        )
        if pages is None:
            raise NotFound()
        if query is not None and not is_valid:
            raise ValidationError(query.errors)
        page = self.paginate_queryset(pages)
        if page is None:
            return Response(self.get_serializer(list(pages), many=True).data)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(parameters=[s.PageFilterInput], tags=["documents"])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class DocumentFileApi(APIView):
    """The stored file, streamed as an attachment (never rendered inline by a browser)."""

    @extend_schema(responses={200: OpenApiResponse(description="the file, as an attachment")}, tags=["documents"])
    def get(self, request: Request, document_id: int) -> FileResponse:
        document = _owned(request, document_id)
        response = FileResponse(
            storage.file_open(document.storage_name),
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
        url = storage.presigned_url(
            name=document.storage_name, filename=document.original_name, media_type=document.media_type
        )
        if url is None:
            url = request.build_absolute_uri(reverse("document-file", args=[document.pk]))
            return Response({"url": url, "expires_in": None})
        return Response({"url": url, "expires_in": settings.S3_PRESIGNED_TTL_SECONDS})
