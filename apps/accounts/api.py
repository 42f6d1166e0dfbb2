"""Thin views: input serializer in, one service call, output serializer out."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenObtainPairView

from apps.accounts import serializers as s
from apps.accounts import services, sessions
from apps.core.throttling import AuthRateThrottle, PerIpRateThrottle, RefreshRateThrottle

PUBLIC_THROTTLES = [PerIpRateThrottle, AuthRateThrottle]


def _validated(serializer_class: type[Any], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _detail(message: str, code: int = status.HTTP_200_OK) -> Response:
    return Response({"detail": message}, status=code)


class RegisterApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes = PUBLIC_THROTTLES

    @extend_schema(
        request=s.RegisterInput,
        responses={202: s.DetailOutput},
        tags=["auth"],
        description="Answers the same whether or not the address has an account: a new address gets a "
        "verification link, an address with an account a mail telling its owner.",
    )
    def post(self, request: Request) -> Response:
        services.user_register(**_validated(s.RegisterInput, request))
        return _detail("Check your inbox: we sent a link to confirm the address.", status.HTTP_202_ACCEPTED)


class VerifyEmailApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes = PUBLIC_THROTTLES

    @extend_schema(request=s.UidTokenInput, responses={200: s.DetailOutput}, tags=["auth"])
    def post(self, request: Request) -> Response:
        services.user_verify_email(**_validated(s.UidTokenInput, request))
        return _detail("E-mail address verified.")


class ResendVerificationApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes = PUBLIC_THROTTLES

    @extend_schema(request=s.EmailInput, responses={202: s.DetailOutput}, tags=["auth"])
    def post(self, request: Request) -> Response:
        services.user_resend_verification(**_validated(s.EmailInput, request))
        return _detail("If that address needs verifying, a new link is on its way.", status.HTTP_202_ACCEPTED)


class PasswordResetApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes = PUBLIC_THROTTLES

    @extend_schema(request=s.EmailInput, responses={202: s.DetailOutput}, tags=["auth"])
    def post(self, request: Request) -> Response:
        services.password_reset_request(**_validated(s.EmailInput, request))
        return _detail("If that address has an account, a reset link is on its way.", status.HTTP_202_ACCEPTED)


class PasswordResetConfirmApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes = PUBLIC_THROTTLES

    @extend_schema(request=s.PasswordResetConfirmInput, responses={200: s.DetailOutput}, tags=["auth"])
    def post(self, request: Request) -> Response:
        services.password_reset_confirm(**_validated(s.PasswordResetConfirmInput, request))
        return _detail("Password changed. Every session was signed out.")


class LoginApi(TokenObtainPairView):
    """Exchange e-mail and password for a short-lived access token and a rotating refresh token."""

    serializer_class = s.VerifiedTokenObtainPairSerializer
    throttle_classes = PUBLIC_THROTTLES


class RefreshApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes = [RefreshRateThrottle]

    @extend_schema(
        request=s.RefreshInput,
        responses={200: s.TokenPairOutput},
        tags=["auth"],
        description="Exchange a refresh token for a new pair, once. Using a refresh token a second time signs "
        "its session out (401 `token_reused`): every token from that sign-in is refused from then on.",
    )
    def post(self, request: Request) -> Response:
        return Response(sessions.token_rotate(**_validated(s.RefreshInput, request)))

    def get_authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'  # makes a refused token a 401 (DRF answers 403 without this header)


class LogoutApi(APIView):
    @extend_schema(
        request=s.RefreshInput,
        responses={205: None},
        tags=["auth"],
        description="Revokes the refresh token. A token that is invalid, expired or already revoked is accepted "
        "too (nothing left to revoke, RFC 7009); only a missing or over-long `refresh` is a 400.",
    )
    def post(self, request: Request) -> Response:
        services.user_logout(**_validated(s.RefreshInput, request))
        return Response(status=status.HTTP_205_RESET_CONTENT)


class ProfileApi(APIView):
    """The signed-in learner's own profile. There is no endpoint that reads another learner's."""

    @extend_schema(responses={200: s.ProfileOutput}, tags=["profile"])
    def get(self, request: Request) -> Response:
        return Response(s.ProfileOutput(request.user).data)

    @extend_schema(request=s.ProfileInput, responses={200: s.ProfileOutput}, tags=["profile"])
    def patch(self, request: Request) -> Response:
        user = services.user_update_profile(user=request.user, **_validated(s.ProfileInput, request))  # type: ignore[arg-type]
        return Response(s.ProfileOutput(user).data)

    @extend_schema(
        request=s.EraseAccountInput,
        responses={204: None},
        tags=["profile"],
        summary="Erase my account and everything stored for it",
        description="Needs the current password. Signs out every session at once; documents, files, jobs and "
        "everything derived from them are erased by each part of the platform as the erasure reaches it.",
    )
    def delete(self, request: Request) -> Response:
        services.user_erase(user=request.user, **_validated(s.EraseAccountInput, request))  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)
