from django.urls import path

from apps.notes import api

urlpatterns = [
    path("documents/<int:document_id>/notes/", api.DocumentNotesApi.as_view(), name="document-notes"),
    path(
        "documents/<int:document_id>/notes/regenerate/",
        api.DocumentNotesRegenerateApi.as_view(),
        name="document-notes-regenerate",
    ),
    path(
        "documents/<int:document_id>/notes/markdown/", api.DocumentNotesMarkdownApi.as_view(), name="document-notes-md"
    ),
]
