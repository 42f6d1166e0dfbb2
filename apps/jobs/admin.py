from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.jobs import services
from apps.jobs.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin[Job]):
    list_display = ["id", "kind", "owner", "status", "progress_done", "progress_total", "attempts", "error_code"]
    list_filter = ["status", "kind"]
    search_fields = ["subject_id", "idempotency_key", "error"]
    raw_id_fields = ["owner"]
    readonly_fields = [f.name for f in Job._meta.fields]
    actions = ["retry_failed"]

    # Re-queueing changes a job: the action needs ``jobs.change_job`` (a view-only staff member cannot run it).
    @admin.action(description="Retry the selected failed jobs", permissions=["change"])
    def retry_failed(self, request: HttpRequest, queryset: QuerySet[Job]) -> None:
        retried = sum(services.job_retry(job_id=job.pk) for job in queryset)
        self.message_user(request, f"{retried} job(s) queued again.", messages.SUCCESS)
