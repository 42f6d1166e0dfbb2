"""Small typed reads other apps may call (they never touch the accounts models themselves)."""

from django.db import transaction

from apps.accounts.models import User


def user_lock_if_active(*, user_id: int) -> bool:
    """Locks the user's row until the caller's transaction ends and says whether the account is usable:
    False when it is erased, deactivated or gone.

    Erasure (``user_erase``) updates the same row in its transaction, so a write made under this lock either
    commits before the erasure (and ``user.deleted`` then erases it too) or sees the erased account.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("user_lock_if_active must run inside a transaction")
    row = User.objects.select_for_update().filter(pk=user_id).values_list("is_active", "erased_at").first()
    return row is not None and row[0] and row[1] is None
