from django.urls import path

from apps.chat import api

urlpatterns = [
    path("chat/sessions/", api.SessionListApi.as_view(), name="chat-session-list"),
    path("chat/sessions/<int:session_id>/", api.SessionDetailApi.as_view(), name="chat-session-detail"),
    path("chat/sessions/<int:session_id>/messages/", api.MessageListApi.as_view(), name="chat-message-list"),
]
