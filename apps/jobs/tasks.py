from celery import shared_task


@shared_task(acks_late=True, ignore_result=True)
def run_job(job_id: int) -> str:
    """Thin and retry-safe: a duplicate message finds the job already claimed and does nothing."""
    from apps.jobs.runner import job_run

    return job_run(job_id=job_id)


@shared_task(ignore_result=True)
def reap_jobs() -> dict[str, int]:
    from apps.jobs.runner import jobs_reap

    report = jobs_reap()
    return {"requeued": report.requeued, "failed": report.failed, "resent": report.resent}
