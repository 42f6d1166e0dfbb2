from celery import shared_task


@shared_task
def prune_pushes() -> int:
    from apps.realtime.services import pushes_prune

    return pushes_prune()
