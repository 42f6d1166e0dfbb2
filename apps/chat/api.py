"""Thin views. Every endpoint of a chat session answers 404 to anyone but its owner."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.chat import selectors, services
from apps.chat import serializers as s
from apps.chat.models import ChatSession
from apps.core.pagination import DefaultPagination


def _owner_id(request: Request) -> int:
    return int(request.user.pk)  # type: ignore[arg-type]  # authenticated: never None


def _owned(request: Request, session_id: int) -> ChatSession:
    session = selectors.session_get_for_owner(owner_id=_owner_id(request), session_id=session_id)
    if session is None:
        raise NotFound()
    return session


def _paginated(view: APIView, request: Request, queryset: Any, serializer: type[Any]) -> Response:
    paginator = DefaultPagination()
    page: Any = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer(page, many=True).data)


class SessionListApi(APIView):
    pagination_class = DefaultPagination  # also makes the schema describe the paginated envelope

    @extend_schema(responses={200: s.SessionOutput(many=True)}, tags=["chat"])
    def get(self, request: Request) -> Response:
        return _paginated(
            self, request, selectors.session_list_rows_for_owner(owner_id=_owner_id(request)), s.SessionOutput
        )

    @extend_schema(request=s.SessionCreateInput, responses={201: s.SessionOutput}, tags=["chat"])
    def post(self, request: Request) -> Response:
        data = s.SessionCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        session = services.session_create(owner_id=_owner_id(request), **data.validated_data)
        return Response(s.SessionOutput(session).data, status=status.HTTP_201_CREATED)


class SessionDetailApi(APIView):
    @extend_schema(responses={200: s.SessionOutput}, tags=["chat"])
    def get(self, request: Request, session_id: int) -> Response:
        return Response(s.SessionOutput(_owned(request, session_id)).data)

    @extend_schema(request=s.SessionRenameInput, responses={200: s.SessionOutput}, tags=["chat"])
    def patch(self, request: Request, session_id: int) -> Response:
        session = _owned(request, session_id)
        data = s.SessionRenameInput(data=request.data)
        data.is_valid(raise_exception=True)
        if "title" in data.validated_data:  # PATCH: what is not sent stays as it is
            session = services.session_rename(session=session, title=data.validated_data["title"])
        return Response(s.SessionOutput(session).data)

    @extend_schema(responses={204: None}, tags=["chat"])
    def delete(self, request: Request, session_id: int) -> Response:
        services.session_delete(session=_owned(request, session_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class MessageListApi(APIView):
    pagination_class = DefaultPagination  # also makes the schema describe the paginated envelope

    @extend_schema(responses={200: s.MessageOutput(many=True)}, tags=["chat"])
    def get(self, request: Request, session_id: int) -> Response:
        messages = selectors.message_list(session=_owned(request, session_id))
        return _paginated(self, request, messages, s.MessageOutput)
