from django.conf import settings
from django.db import models


class Push(models.Model):
    """A message for one learner's open websockets, written by any process.

    On the embedded defaults (no Redis) this table is how a worker's progress reaches sockets held by the
    web process; with Redis the channel layer carries pushes and rows are written only as a short replay
    buffer for clients that reconnect.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    type = models.CharField(max_length=100)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["user", "id"])]

    def __str__(self) -> str:
        return f"{self.type} for user {self.user_id}"
