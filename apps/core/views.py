from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core import health


class ReadinessDetailApi(APIView):
    """Every readiness check by name, with timings and errors: staff only (the public /readyz is terse)."""

    permission_classes = [IsAdminUser]

    @extend_schema(responses={200: dict, 503: dict}, tags=["operations"], summary="Readiness checks in detail")
    def get(self, request: Request) -> Response:
        status, body = health.readiness()
        return Response(body, status=status)
