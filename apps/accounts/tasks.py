from celery import shared_task
from django.core.mail import send_mail


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_email(*, to: str, subject: str, body: str) -> None:
    send_mail(subject=subject, message=body, from_email=None, recipient_list=[to])


@shared_task
def flush_expired_tokens() -> int:
    from apps.accounts.services import tokens_flush_expired

    return tokens_flush_expired()
