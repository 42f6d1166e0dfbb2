"""The two pages the e-mailed links open. A GET only shows a form (mail scanners prefetch links); the
POST calls the same service as the API."""

import math
from collections.abc import Callable

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from apps.accounts import guards, services
from apps.core.throttling import AuthRateThrottle


def _link_page(request: HttpRequest, template: str, action: Callable[[str, str], object]) -> HttpResponse:
    """Shows the form for a (uid, token) link; on POST runs ``action(uid, token)`` and shows the outcome."""
    params = request.POST if request.method == "POST" else request.GET
    uid, token = str(params.get("uid", "")), str(params.get("token", ""))
    errors: list[str] = []
    done = False
    if request.method == "POST":
        try:
            action(uid, token)
            done = True
        except ValidationError as exc:
            errors = [message for messages in exc.message_dict.values() for message in messages]
    context = {"uid": uid, "token": token, "done": done, "errors": errors}
    return render(request, template, context, status=400 if errors else 200)


@require_http_methods(["GET", "POST"])
def verify_email_page(request: HttpRequest) -> HttpResponse:
    return _link_page(
        request, "accounts/verify_email.html", lambda uid, token: services.user_verify_email(uid=uid, token=token)
    )


@require_http_methods(["GET", "POST"])
def reset_password_page(request: HttpRequest) -> HttpResponse:
    def reset(uid: str, token: str) -> object:
        new_password = str(request.POST.get("new_password", ""))
        return services.password_reset_confirm(uid=uid, token=token, new_password=new_password)

    return _link_page(request, "accounts/reset_password.html", reset)


def _too_many(message: str, wait: float) -> HttpResponse:
    seconds = max(1, math.ceil(wait))
    response = HttpResponse(f"{message} Try again in {seconds} s.", status=429, content_type="text/plain")
    response["Retry-After"] = str(seconds)
    return response


def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin's sign-in page with the API's limits: per client address (``auth``) and per account."""
    if request.method == "POST":
        throttle = AuthRateThrottle()
        if not throttle.allow_request(request, None):
            return _too_many("Too many sign-in attempts from this address.", throttle.wait() or 1)
        wait = guards.signin_wait_seconds(email=str(request.POST.get("username", "")))
        if wait > 0:
            return _too_many("Too many failed sign-ins for this account.", wait)
    return admin.site.login(request)
