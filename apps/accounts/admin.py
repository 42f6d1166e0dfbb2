from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.accounts import services
from apps.accounts.models import User


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

    @admin.action(description="Erase selected accounts and everything stored for them")
    def erase_accounts(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for user in queryset:
            services.user_erase(user=user)
        self.message_user(request, f"Erased {queryset.count()} account(s).")
