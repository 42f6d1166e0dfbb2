"""Thin views. Commands call a service; every answer is read back from the read model."""

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.pagination import DefaultPagination
from apps.quizzes import selectors, services
from apps.quizzes import serializers as s
from apps.quizzes.models import AttemptView, QuizView


class QuizError(APIException):
    def __init__(self, error: services.QuizRejected) -> None:
        super().__init__(detail=error.message, code=error.code)
        self.status_code = error.status


def _owner_id(request: Request) -> int:
    return int(request.user.pk)  # type: ignore[arg-type]  # authenticated: never None


def _quiz(request: Request, quiz_id: int) -> QuizView:
    quiz = selectors.quiz_get_cached(owner_id=_owner_id(request), quiz_id=quiz_id)
    if quiz is None:
        raise NotFound()
    return quiz


def _attempt_response(request: Request, attempt_id: int, code: int = status.HTTP_200_OK) -> Response:
    attempt: AttemptView | None = selectors.attempt_get(owner_id=_owner_id(request), attempt_id=attempt_id)
    if attempt is None:
        raise NotFound()
    quiz = _quiz(request, attempt.quiz_id)
    feedback = selectors.attempt_feedback(quiz=quiz, attempt=attempt)
    return Response(s.AttemptOutput(attempt, context={"feedback": feedback}).data, status=code)


def _call(command: Any, **kwargs: Any) -> Any:
    try:
        return command(**kwargs)
    except services.QuizRejected as error:
        raise QuizError(error) from error


CONFLICT = OpenApiResponse(description="The quiz, the attempt or the document is not in a state that allows it.")


class QuizListApi(APIView):
    pagination_class = DefaultPagination  # also makes the schema describe the paginated envelope

    @extend_schema(responses={200: s.QuizOutput(many=True)}, tags=["quizzes"])
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        page: Any = paginator.paginate_queryset(selectors.quiz_list(owner_id=_owner_id(request)), request, view=self)
        return paginator.get_paginated_response(s.QuizOutput(page, many=True).data)

    @extend_schema(request=s.QuizRequestInput, responses={202: s.QuizOutput, 409: CONFLICT}, tags=["quizzes"])
    def post(self, request: Request) -> Response:
        data = s.QuizRequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        quiz = _call(
            services.quiz_request,
            owner_id=_owner_id(request),
            request=services.QuizRequest(document_id=values.pop("document"), **values),
        )
        view = _quiz(request, quiz.pk)
        return Response(s.QuizOutput(view).data, status=status.HTTP_202_ACCEPTED)


class QuizDetailApi(APIView):
    @extend_schema(responses={200: s.QuizDetailOutput}, tags=["quizzes"])
    def get(self, request: Request, quiz_id: int) -> Response:
        found = selectors.quiz_detail_rows_cached(owner_id=_owner_id(request), quiz_id=quiz_id)
        if found is None:
            raise NotFound()
        quiz, questions = found
        return Response(s.QuizDetailOutput(quiz, context={"questions": questions}).data)


class QuizAttemptsApi(APIView):
    @extend_schema(responses={200: s.AttemptOutput(many=True)}, tags=["quizzes"])
    def get(self, request: Request, quiz_id: int) -> Response:
        quiz = _quiz(request, quiz_id)
        attempts = selectors.attempt_list_cached(owner_id=_owner_id(request), quiz_id=quiz.quiz_id)
        return Response(
            [
                s.AttemptOutput(a, context={"feedback": selectors.attempt_feedback(quiz=quiz, attempt=a)}).data
                for a in attempts
            ]
        )

    @extend_schema(
        request=None, responses={201: s.AttemptOutput, 200: s.AttemptOutput, 409: CONFLICT}, tags=["quizzes"]
    )
    def post(self, request: Request, quiz_id: int) -> Response:
        attempt, created = _call(services.attempt_start, owner_id=_owner_id(request), quiz_id=quiz_id)
        return _attempt_response(request, attempt.pk, status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class AttemptDetailApi(APIView):
    @extend_schema(responses={200: s.AttemptOutput}, tags=["quizzes"])
    def get(self, request: Request, attempt_id: int) -> Response:
        return _attempt_response(request, attempt_id)


class AttemptAnswerApi(APIView):
    @extend_schema(request=s.AnswerInput, responses={200: s.AttemptOutput, 409: CONFLICT}, tags=["quizzes"])
    def put(self, request: Request, attempt_id: int, position: int) -> Response:
        data = s.AnswerInput(data=request.data)
        data.is_valid(raise_exception=True)
        _call(
            services.attempt_answer,
            owner_id=_owner_id(request),
            attempt_id=attempt_id,
            position=position,
            response=data.validated_data["response"],
        )
        return _attempt_response(request, attempt_id)


class AttemptSubmitApi(APIView):
    @extend_schema(request=None, responses={200: s.AttemptOutput, 409: CONFLICT}, tags=["quizzes"])
    def post(self, request: Request, attempt_id: int) -> Response:
        _call(services.attempt_submit, owner_id=_owner_id(request), attempt_id=attempt_id)
        return _attempt_response(request, attempt_id)


class ProgressApi(APIView):
    @extend_schema(parameters=[s.ProgressFilterInput], responses={200: s.ProgressOutput(many=True)}, tags=["quizzes"])
    def get(self, request: Request) -> Response:
        query = s.ProgressFilterInput(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = selectors.progress_list_cached(
            owner_id=_owner_id(request), document_id=query.validated_data.get("document")
        )
        return Response(s.ProgressOutput(rows, many=True).data)
