from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from apps.core import health


def healthz(request: HttpRequest) -> JsonResponse:
    status, body = health.liveness()
    return JsonResponse(body, status=status)


def readyz(request: HttpRequest) -> JsonResponse:
    status, body = health.readiness()
    return JsonResponse(body, status=status)


def index(request: HttpRequest) -> HttpResponse:
    return render(request, "core/index.html")
