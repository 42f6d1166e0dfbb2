from django.contrib import admin

from apps.realtime.models import Push


@admin.register(Push)
class PushAdmin(admin.ModelAdmin[Push]):
    list_display = ["id", "user", "type", "created_at"]
    list_filter = ["type"]
    raw_id_fields = ["user"]
