from django.urls import path

from apps.speech import api

urlpatterns = [
    path("transcriptions/", api.TranscriptionListApi.as_view(), name="transcription-list"),
    path("transcriptions/<int:transcription_id>/", api.TranscriptionDetailApi.as_view(), name="transcription-detail"),
    path("transcriptions/<int:transcription_id>/transcript/", api.TranscriptApi.as_view(), name="transcript"),
    path(
        "transcriptions/<int:transcription_id>/chunk-times/",
        api.TranscriptChunkTimesApi.as_view(),
        name="transcript-chunk-times",
    ),
    path(
        "transcriptions/<int:transcription_id>/audio/", api.TranscriptionAudioApi.as_view(), name="transcription-audio"
    ),
    path("narrations/", api.NarrationListApi.as_view(), name="narration-list"),
    path("narrations/<int:narration_id>/", api.NarrationDetailApi.as_view(), name="narration-detail"),
    path("narrations/<int:narration_id>/audio/", api.NarrationAudioApi.as_view(), name="narration-audio"),
]
