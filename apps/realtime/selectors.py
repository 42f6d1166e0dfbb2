from apps.realtime.models import Push


def push_latest_id() -> int:
    latest = Push.objects.order_by("-id").values_list("id", flat=True).first()
    return latest or 0


def pushes_after(*, after_id: int, limit: int = 500) -> list[Push]:
    return list(Push.objects.filter(id__gt=after_id).order_by("id")[:limit])
