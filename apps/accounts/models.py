import uuid
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: Any) -> "User":
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> "User":
        extra.update(is_staff=True, is_superuser=True, is_email_verified=True)
        return self._create(email, password, **extra)


#: The admin action that erases accounts needs this permission (codename, in the ``accounts`` app).
ERASE_PERMISSION = "erase_user"


class User(AbstractUser):
    """A learner or a member of staff. Signs in with an e-mail address; there is no username."""

    username = None  # type: ignore[assignment]
    email = models.EmailField("e-mail address", unique=True)
    display_name = models.CharField(max_length=150, blank=True)
    is_email_verified = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    erased_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when the account was erased; the row stays as an anonymous tombstone."
    )
    session_generation = models.PositiveIntegerField(
        default=0,
        help_text="Raised by 'sign out everywhere': access and refresh tokens of an older generation are refused.",
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    class Meta:
        ordering = ["id"]
        permissions = [(ERASE_PERMISSION, "Can erase accounts and everything stored for them")]

    def __str__(self) -> str:
        return self.email


class RefreshTokenFamily(models.Model):
    """Every refresh token issued from one sign-in, rotation after rotation (their ``fam`` claim).

    A refresh token is exchanged once: rotation blacklists it with an INSERT that the blacklist's unique
    constraint lets only one caller win. Presenting a token of a live family that was already exchanged means
    a copy exists (theft, or a client racing itself): the whole family is revoked, and every token of it --
    refresh and access -- is refused from then on.
    """

    class RevokedReason(models.TextChoices):
        SIGNED_OUT = "signed_out", "Signed out"
        REUSED = "reused", "A rotated refresh token was used again"
        SIGNED_OUT_EVERYWHERE = "signed_out_everywhere", "Signed out everywhere"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=30, blank=True, choices=RevokedReason.choices)

    class Meta:
        verbose_name_plural = "refresh token families"

    def __str__(self) -> str:
        return f"token family {self.pk} of user {self.user_id}"
