from rest_framework import serializers

from apps.jobs.models import Job


class JobFilterInput(serializers.Serializer):
    kind = serializers.CharField(max_length=64, required=False)
    status = serializers.ChoiceField(choices=Job.Status.choices, required=False)


class JobOutput(serializers.ModelSerializer):
    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "status",
            "subject_type",
            "subject_id",
            "progress_done",
            "progress_total",
            "attempts",
            "max_attempts",
            "error_code",
            "error",
            "created_at",
            "updated_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields
