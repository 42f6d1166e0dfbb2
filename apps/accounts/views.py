"""The two pages the e-mailed links open. A GET only shows a form (mail scanners prefetch links); the
POST calls the same service as the API."""

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from apps.accounts import services


def _messages(exc: ValidationError) -> list[str]:
    return [message for messages in exc.message_dict.values() for message in messages]


@require_http_methods(["GET", "POST"])
def verify_email_page(request: HttpRequest) -> HttpResponse:
    params = request.POST if request.method == "POST" else request.GET
    uid, token = str(params.get("uid", "")), str(params.get("token", ""))
    context: dict[str, object] = {"uid": uid, "token": token, "done": False, "errors": []}
    if request.method == "POST":
        try:
            services.user_verify_email(uid=uid, token=token)
            context["done"] = True
        except ValidationError as exc:
            context["errors"] = _messages(exc)
    return render(request, "accounts/verify_email.html", context, status=400 if context["errors"] else 200)


@require_http_methods(["GET", "POST"])
def reset_password_page(request: HttpRequest) -> HttpResponse:
    params = request.POST if request.method == "POST" else request.GET
    uid, token = str(params.get("uid", "")), str(params.get("token", ""))
    context: dict[str, object] = {"uid": uid, "token": token, "done": False, "errors": []}
    if request.method == "POST":
        try:
            services.password_reset_confirm(
                uid=uid, token=token, new_password=str(request.POST.get("new_password", ""))
            )
            context["done"] = True
        except ValidationError as exc:
            context["errors"] = _messages(exc)
    return render(request, "accounts/reset_password.html", context, status=400 if context["errors"] else 200)
