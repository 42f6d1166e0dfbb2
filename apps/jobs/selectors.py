from django.db.models import QuerySet

from apps.jobs.models import Job


def job_list_for_owner(*, owner_id: int, kind: str | None = None, status: str | None = None) -> QuerySet[Job]:
    jobs = Job.objects.filter(owner_id=owner_id)
    if kind:
        jobs = jobs.filter(kind=kind)
    if status:
        jobs = jobs.filter(status=status)
    return jobs.order_by("-id")


def job_get_for_owner(*, owner_id: int, job_id: int) -> Job | None:
    """None for a job that does not exist and for another learner's job alike (the API answers 404)."""
    return Job.objects.filter(pk=job_id, owner_id=owner_id).first()
