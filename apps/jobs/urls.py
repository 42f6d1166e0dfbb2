from django.urls import path

from apps.jobs import api

urlpatterns = [
    path("jobs/", api.JobListApi.as_view(), name="job-list"),
    path("jobs/<int:job_id>/", api.JobDetailApi.as_view(), name="job-detail"),
]
