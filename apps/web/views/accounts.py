"""Sign up, sign in, sign out and the password-reset request, on the accounts services.

The links mailed by accounts open its own pages (``/verify-email``, ``/reset-password``), which use this
app's layout. Sign-in here opens a Django session (cookie + CSRF), not a JWT pair: the pages are forms.
"""

import math

from django.conf import settings
from django.contrib import auth, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts import guards, services
from apps.core.throttling import AuthRateThrottle
from apps.web.forms import ForgotPasswordForm, LoginForm, SignupForm

UNVERIFIED = "Confirm your e-mail address before signing in: open the link we sent you."
WRONG = "That e-mail address and password do not match an account."


def _too_many(request: HttpRequest) -> str | None:
    """A sentence if this address has made too many sign-in, sign-up or reset requests, else None."""
    throttle = AuthRateThrottle()
    if throttle.allow_request(request, None):
        return None
    return f"Too many attempts from your connection. Try again in {max(1, math.ceil(throttle.wait() or 1))} s."


def _messages_of(error: ValidationError) -> list[str]:
    return [message for values in error.message_dict.values() for message in values]


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        errors = [limited] if (limited := _too_many(request)) else []
        if not errors:
            try:
                services.user_register(**form.cleaned_data)
            except ValidationError as exc:
                errors = _messages_of(exc)
            else:
                return render(request, "web/auth/signup_done.html", {"email": form.cleaned_data["email"]})
    status = 400 if errors or form.errors else 200
    return render(request, "web/auth/signup.html", {"form": form, "errors": errors}, status=status)


def _sign_in_error(request: HttpRequest, email: str, password: str) -> str | None:
    if limited := _too_many(request):
        return limited
    wait = guards.signin_wait_seconds(email=email)
    if wait > 0:
        return f"Too many failed sign-ins for this account. Try again in {max(1, math.ceil(wait))} s."
    user = auth.authenticate(request, email=email, password=password)
    if user is None:
        return WRONG
    if settings.ACCOUNTS_REQUIRE_VERIFIED_EMAIL and not getattr(user, "is_email_verified", False):
        return UNVERIFIED
    auth.login(request, user)
    return None


def _next_page(request: HttpRequest) -> str:
    target = str(request.POST.get("next") or request.GET.get("next") or "")
    allowed = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False)
    return target if target and allowed else "/"


@require_http_methods(["GET", "POST"])
def login_page(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        error = _sign_in_error(request, form.cleaned_data["email"], form.cleaned_data["password"])
        if error is None:
            return redirect(_next_page(request))
    status = 400 if error or form.errors else 200
    context = {"form": form, "error": error, "next": _next_page(request)}
    return render(request, "web/auth/login.html", context, status=status)


@require_POST
def logout_page(request: HttpRequest) -> HttpResponse:
    auth.logout(request)
    messages.info(request, "You are signed out.")
    return redirect("home")


@require_http_methods(["GET", "POST"])
def forgot_password(request: HttpRequest) -> HttpResponse:
    form = ForgotPasswordForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        error = _too_many(request)
        if error is None:
            services.password_reset_request(email=form.cleaned_data["email"])
            return render(request, "web/auth/forgot_done.html", {"email": form.cleaned_data["email"]})
    status = 400 if error or form.errors else 200
    return render(request, "web/auth/forgot.html", {"form": form, "error": error}, status=status)
