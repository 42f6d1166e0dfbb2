from typing import Any

from django.conf import settings
from rest_framework import exceptions, serializers
from rest_framework_simplejwt.exceptions import AuthenticationFailed
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer

from apps.accounts import guards
from apps.accounts.models import User
from apps.accounts.sessions import FamilyRefreshToken
from apps.core.fields import StrictCharField


class SignInLocked(exceptions.Throttled):
    """429 for an account with too many recent failed sign-ins (whoever tries, from wherever)."""

    default_code = "signin_locked"

    def __init__(self, wait: float) -> None:
        super().__init__(
            wait=wait,
            detail="Too many failed sign-ins for this account. Wait before trying again, or reset the password.",
            code=self.default_code,
        )


class RegisterInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = StrictCharField(write_only=True, min_length=8, max_length=128)
    display_name = StrictCharField(max_length=150, required=False, default="", allow_blank=True)


class EmailInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class UidTokenInput(serializers.Serializer):
    uid = StrictCharField(max_length=64)
    token = StrictCharField(max_length=128)


class PasswordResetConfirmInput(UidTokenInput):
    new_password = StrictCharField(write_only=True, min_length=8, max_length=128)


class RefreshInput(serializers.Serializer):
    refresh = StrictCharField(max_length=2048)


class TokenPairOutput(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class ProfileInput(serializers.Serializer):
    display_name = StrictCharField(max_length=150, required=False, allow_blank=True)


class EraseAccountInput(serializers.Serializer):
    password = StrictCharField(write_only=True, help_text="The account's current password, to confirm.")


class ProfileOutput(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "display_name", "is_email_verified", "is_staff", "date_joined"]
        read_only_fields = fields


class DetailOutput(serializers.Serializer):
    detail = serializers.CharField()


class VerifiedTokenObtainPairSerializer(TokenObtainPairSerializer):
    """Sign-in that refuses accounts whose e-mail address is not verified yet, and locked accounts (429).

    The refresh token starts a new token family (see ``apps.accounts.sessions``).
    """

    token_class = FamilyRefreshToken
    default_error_messages = {
        **TokenObtainPairSerializer.default_error_messages,
        "unverified": "Confirm your e-mail address before signing in (see the link we sent you).",
    }

    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        try:
            data = super().validate(attrs)
        except exceptions.AuthenticationFailed:
            wait = guards.signin_wait_seconds(email=str(attrs.get(self.username_field, "")))
            if wait > 0:
                raise SignInLocked(wait) from None
            raise
        user = self.user
        if settings.ACCOUNTS_REQUIRE_VERIFIED_EMAIL and user is not None and not user.is_email_verified:
            raise AuthenticationFailed(str(self.error_messages["unverified"]), "email_not_verified")
        return data
