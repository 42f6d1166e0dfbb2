from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.accounts import services
from apps.accounts.models import ERASE_PERMISSION, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "is_email_verified", "is_staff", "is_active", "date_joined"]
    list_filter = [
        "is_staff",
        "is_superuser",
        "is_active",
        "is_email_verified",
        ("erased_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["email", "display_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("display_name", "first_name", "last_name", "is_email_verified")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    actions = ["erase_accounts"]

    def get_list_display(self, request: HttpRequest) -> Any:
        return [*super().get_list_display(request), "erased_at"]

    # Accounts are erased, not deleted: erasure announces ``user.deleted`` so every app removes what it holds.
    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_erase_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(f"{self.opts.app_label}.{ERASE_PERMISSION}")

    @admin.action(description="Erase selected accounts and everything stored for them", permissions=["erase"])
    def erase_accounts(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        """Needs ``accounts.erase_user``; staff and superuser accounts are erased by superusers only."""
        targets = list(queryset)
        refused = [u for u in targets if (u.is_staff or u.is_superuser) and not request.user.is_superuser]
        for user in targets:
            if user not in refused:
                services.user_erase(user=user)
        erased = len(targets) - len(refused)
        self.message_user(request, f"Erased {erased} account(s).", messages.SUCCESS)
        if refused:
            self.message_user(
                request,
                f"Not erased: {len(refused)} staff or superuser account(s); only a superuser may erase those.",
                messages.ERROR,
            )
