from django.urls import path

from apps.documents import api

urlpatterns = [
    path("documents/", api.DocumentListApi.as_view(), name="document-list"),
    path("documents/<int:document_id>/", api.DocumentDetailApi.as_view(), name="document-detail"),
    path("documents/<int:document_id>/history/", api.DocumentHistoryApi.as_view(), name="document-history"),
    path("documents/<int:document_id>/chunks/", api.DocumentChunksApi.as_view(), name="document-chunks"),
    path("documents/<int:document_id>/pages/", api.DocumentPagesApi.as_view(), name="document-pages"),
    path("documents/<int:document_id>/file/", api.DocumentFileApi.as_view(), name="document-file"),
    path("documents/<int:document_id>/file-url/", api.DocumentFileUrlApi.as_view(), name="document-file-url"),
]
