"""Thin views: a document's notes answer 404 to anyone but the document's owner."""

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.request_user import request_owner_id
from apps.notes import selectors, services
from apps.notes import serializers as s
from apps.notes.models import Notes


class NotesError(APIException):
    def __init__(self, error: services.NotesUnavailable) -> None:
        super().__init__(detail=error.message, code=error.code)
        self.status_code = error.status


def _owned(request: Request, document_id: int) -> Notes:
    notes = selectors.notes_for_document(owner_id=int(request.user.pk), document_id=document_id)  # type: ignore[arg-type]
    if notes is None:
        raise NotFound()
    return notes


class DocumentNotesApi(APIView):
    @extend_schema(responses={200: s.NotesOutput}, tags=["notes"])
    def get(self, request: Request, document_id: int) -> Response:
        notes = selectors.notes_row_for_document(owner_id=request_owner_id(request), document_id=document_id)
        if notes is None:
            raise NotFound()
        return Response(s.NotesOutput(notes).data)


class DocumentNotesRegenerateApi(APIView):
    @extend_schema(
        request=s.RegenerateInput,
        responses={202: s.NotesOutput, 409: OpenApiResponse(description="The document is not processed yet.")},
        tags=["notes"],
    )
    def post(self, request: Request, document_id: int) -> Response:
        data = s.RegenerateInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            notes = services.notes_request(
                owner_id=int(request.user.pk),  # type: ignore[arg-type]
                document_id=document_id,
                provider=data.validated_data["provider"],
                detail=data.validated_data["detail"],
            )
        except services.NotesUnavailable as error:
            raise NotesError(error) from error
        notes.refresh_from_db()
        return Response(s.NotesOutput(notes).data, status=status.HTTP_202_ACCEPTED)


class DocumentNotesMarkdownApi(APIView):
    @extend_schema(responses={200: OpenApiResponse(description="the notes as Markdown")}, tags=["notes"])
    def get(self, request: Request, document_id: int) -> HttpResponse:
        notes = _owned(request, document_id)
        response = HttpResponse(services.notes_markdown(notes=notes), content_type="text/markdown; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="notes-{document_id}.md"'
        return response
