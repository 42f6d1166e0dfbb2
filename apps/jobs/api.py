"""Job status for their owner. Another learner's job is a 404, never a 403."""

from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.pagination import DefaultPagination
from apps.core.request_user import request_owner_id
from apps.jobs import selectors
from apps.jobs import serializers as s


class JobListApi(APIView):
    pagination_class = DefaultPagination  # also makes the schema describe the paginated envelope

    @extend_schema(parameters=[s.JobFilterInput], responses={200: s.JobOutput(many=True)}, tags=["jobs"])
    def get(self, request: Request) -> Response:
        filters = s.JobFilterInput(data=request.query_params)
        filters.is_valid(raise_exception=True)
        jobs = selectors.job_list_for_owner(owner_id=request_owner_id(request), **filters.validated_data)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(jobs, request, view=self)
        return paginator.get_paginated_response(s.JobOutput(page, many=True).data)


class JobDetailApi(APIView):
    @extend_schema(responses={200: s.JobOutput}, tags=["jobs"])
    def get(self, request: Request, job_id: int) -> Response:
        job = selectors.job_get_for_owner(owner_id=request_owner_id(request), job_id=job_id)
        if job is None:
            raise NotFound()
        return Response(s.JobOutput(job).data)
