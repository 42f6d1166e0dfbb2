"""Abuse budgets keyed by an e-mail address, whoever sends the requests: failed sign-ins and mails.

Both live in the cache (shared by every process with Redis) under a hash of the normalised address, and
behave the same whether or not the address has an account, so they reveal nothing about who is registered.
"""

import logging

from apps.core.throttling import KeyedBudget

logger = logging.getLogger(__name__)


def normalise_email(address: str) -> str:
    """The form addresses are stored in: trimmed and lower-cased (domain and local part alike)."""
    return address.strip().lower()


def _signin_failures(address: str) -> KeyedBudget:
    return KeyedBudget(scope="signin_failures", key=normalise_email(address))


def signin_wait_seconds(*, email: str) -> float:
    """Seconds until the account may try to sign in again (0 when it may now)."""
    return _signin_failures(email).remaining_wait()


def signin_record_failure(*, email: str) -> None:
    _signin_failures(email).spend()


def signin_record_success(*, email: str) -> None:
    _signin_failures(email).reset()


def mail_allowed(*, to: str, subject: str) -> bool:
    """Counts one mail to the address; False once its budget is used up (the mail is then not sent)."""
    if KeyedBudget(scope="mail", key=normalise_email(to)).spend():
        return True
    logger.warning("account mail dropped: the address's mail budget is used up", extra={"subject": subject})
    return False
