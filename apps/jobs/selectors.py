from django.db.models import QuerySet

from apps.jobs.info import JobInfo, job_info
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


def jobs_for_subject(*, subject_type: str, subject_id: str | int) -> list[JobInfo]:
    """Every job about one subject (e.g. a document's extraction attempts), for the owning app's admin."""
    return [job_info(j) for j in Job.objects.filter(subject_type=subject_type, subject_id=str(subject_id))]


def job_get(*, job_id: int) -> JobInfo | None:
    """One job as plain data (its owning app shows its progress), or None."""
    job = Job.objects.filter(pk=job_id).first()
    return None if job is None else job_info(job)
