"""Account use cases: registration, verification, password reset, profile, sign-out, erasure."""

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError

from apps.accounts import guards, sessions, tasks
from apps.accounts.models import User
from apps.accounts.tokens import decode_uid, email_verification_token, encode_uid, password_reset_token
from apps.jobs.services import jobs_erase_owner
from apps.realtime.services import pushes_erase_user, sockets_recheck_user
from eventbus import publish


def _send_on_commit(*, to: str, subject: str, body: str) -> None:
    """Mails after commit, within the address's mail budget (a victim's inbox is not an open target)."""
    if guards.mail_allowed(to=to, subject=subject):
        transaction.on_commit(lambda: tasks.send_email.delay(to=to, subject=subject, body=body))


def _verification_mail(user: User) -> None:
    link = (
        f"{settings.FRONTEND_URL}/verify-email?uid={encode_uid(user)}&token={email_verification_token.make_token(user)}"
    )
    _send_on_commit(
        to=user.email,
        subject="Confirm your e-mail address",
        body=f"Welcome! Confirm your address to start studying:\n\n{link}\n",
    )


def _validate_new_password(password: str, user: User, *, field: str = "password") -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from exc


def _already_registered_mail(user: User) -> None:
    if not user.is_email_verified:
        _verification_mail(user)  # the owner may simply have lost the first link
        return
    _send_on_commit(
        to=user.email,
        subject="Someone tried to register with your address",
        body="Someone (maybe you) tried to create an account with this address, which already has one.\n\n"
        f"If it was you, sign in, or choose a new password at {settings.FRONTEND_URL}/reset-password . "
        "If it was not, you can ignore this mail: nothing changed on your account.\n",
    )


@transaction.atomic
def user_register(*, email: str, password: str, display_name: str = "") -> User | None:
    """Registers an address, or mails its owner when it has an account; the caller cannot tell which.

    Returns the new account, or None when the address already had one (the API answers the same either way).
    Two concurrent registrations of one address both succeed from the outside: the loser of the unique
    constraint mails the owner like any other second registration.
    """
    email = guards.normalise_email(User.objects.normalize_email(email))
    _validate_new_password(password, User(email=email, display_name=display_name))
    existing = User.objects.filter(email__iexact=email).first()
    if existing is None:
        try:
            with transaction.atomic():
                user = User.objects.create_user(email=email, password=password, display_name=display_name)
        except IntegrityError:
            existing = User.objects.filter(email__iexact=email).first()
        else:
            _verification_mail(user)
            return user
    make_password(password)  # hash as a new account would, so the answer's timing tells nothing either
    if existing is not None and existing.is_active:
        _already_registered_mail(existing)
    return None


def user_resend_verification(*, email: str) -> None:
    """Sends a new link if the address is registered and unverified; says nothing either way."""
    user = User.objects.filter(email__iexact=email, is_email_verified=False, is_active=True).first()
    if user is not None:
        _verification_mail(user)


def _user_from_uid(uid: str) -> User | None:
    pk = decode_uid(uid)
    return None if pk is None else User.objects.filter(pk=pk, is_active=True).first()


@transaction.atomic
def user_verify_email(*, uid: str, token: str) -> User:
    user = _user_from_uid(uid)
    if user is None or not email_verification_token.check_token(user, token):
        raise ValidationError({"token": ["This verification link is invalid or has expired."]})
    user.is_email_verified = True
    user.save(update_fields=["is_email_verified", "updated_at"])
    return user


def password_reset_request(*, email: str) -> None:
    """Mails a reset link when the address is registered; never reveals whether it is."""
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is None:
        return
    link = (
        f"{settings.FRONTEND_URL}/reset-password?uid={encode_uid(user)}&token={password_reset_token.make_token(user)}"
    )
    with transaction.atomic():
        _send_on_commit(to=user.email, subject="Reset your password", body=f"Choose a new password:\n\n{link}\n")


@transaction.atomic
def password_reset_confirm(*, uid: str, token: str, new_password: str) -> User:
    user = _user_from_uid(uid)
    if user is None or not password_reset_token.check_token(user, token):
        raise ValidationError({"token": ["This reset link is invalid or has expired."]})
    _validate_new_password(new_password, user, field="new_password")
    user.set_password(new_password)
    user.save(update_fields=["password", "updated_at"])
    user_logout_everywhere(user=user)
    return user


def user_update_profile(*, user: User, display_name: str | None = None) -> User:
    if display_name is not None:
        user.display_name = display_name
        user.save(update_fields=["display_name", "updated_at"])
    return user


def user_logout(*, refresh: str) -> None:
    """Signs out one session: its refresh token is blacklisted and its access tokens stop working.

    A token that is invalid, expired or already revoked signs nothing in any more, so logging it out succeeds
    as a no-op, as OAuth token revocation does (RFC 7009, section 2.2): the client cannot act on such an error.
    """
    try:
        user_id = sessions.token_sign_out(refresh=refresh)
    except TokenError:
        return
    if user_id is not None:
        sockets_recheck_user(user_id=user_id)


def user_logout_everywhere(*, user: User) -> int:
    """Signs out every session of the user (e.g. after a password reset): tokens refused, websockets closed."""
    count = sessions.sessions_revoke_all(user=user)
    sockets_recheck_user(user_id=user.pk)
    return count


@transaction.atomic
def user_erase(*, user: User, password: str | None = None) -> None:
    """Erases an account and, through ``user.deleted``, everything every app holds for it.

    With ``password`` (the learner erasing their own account) the password must match. In one transaction:
    every refresh token is blacklisted; the row becomes an anonymous, inactive tombstone (no e-mail, name or
    usable password remains, and the address can register again); the learner's jobs and pending pushes are
    deleted; ``user.deleted`` goes to the outbox, and each app erases what it holds (documents: rows, event
    history, stored files) when the event reaches it. The row is kept rather than deleted so its id is never
    handed to a new account (SQLite reuses the highest id) while that erasure is still on its way.
    """
    if user.erased_at is not None:
        return
    if password is not None and not user.check_password(password):
        raise ValidationError({"password": ["The password is not correct."]})
    user_logout_everywhere(user=user)
    user.email = f"erased-{user.pk}@erased.invalid"
    user.display_name = user.first_name = user.last_name = ""
    user.set_unusable_password()
    user.is_active = user.is_staff = user.is_superuser = user.is_email_verified = False
    user.erased_at = timezone.now()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    jobs_erase_owner(owner_id=user.pk)
    pushes_erase_user(user_id=user.pk)
    publish("user.deleted", {"user_id": user.pk})


def tokens_flush_expired() -> int:
    """Deletes refresh tokens (and their blacklist entries) and token families that expired; run daily."""
    return sessions.sessions_flush_expired()
