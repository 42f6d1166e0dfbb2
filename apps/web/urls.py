from django.urls import path

from apps.web.views import accounts, chat, documents, home, lectures, quizzes

urlpatterns = [
    path("", home.home, name="home"),
    path("signup/", accounts.signup, name="signup"),
    path("login/", accounts.login_page, name="login"),
    path("logout/", accounts.logout_page, name="logout"),
    path("forgot-password/", accounts.forgot_password, name="forgot-password"),
    path("documents/", documents.document_list, name="documents"),
    path("documents/upload/", documents.document_upload, name="document-upload"),
    path("documents/<int:document_id>/", documents.document_detail, name="document"),
    path("documents/<int:document_id>/status/", documents.document_status, name="document-status"),
    path("documents/<int:document_id>/delete/", documents.document_delete, name="document-delete"),
    path("documents/<int:document_id>/notes.md", documents.notes_markdown, name="notes-markdown"),
    path("documents/<int:document_id>/notes/regenerate/", documents.notes_regenerate, name="notes-regenerate"),
    path("documents/<int:document_id>/notes/listen/", documents.notes_listen, name="notes-listen"),
    path("documents/<int:document_id>/quizzes/new/", quizzes.quiz_create, name="quiz-create"),
    path("quizzes/", quizzes.quiz_list, name="quizzes"),
    path("quizzes/<int:quiz_id>/", quizzes.quiz_detail, name="quiz"),
    path("quizzes/<int:quiz_id>/take/", quizzes.quiz_take, name="quiz-take"),
    path("attempts/<int:attempt_id>/", quizzes.attempt_detail, name="attempt"),
    path("chat/", chat.chat_page, name="chat"),
    path("chat/new/", chat.chat_create, name="chat-create"),
    path("chat/<int:session_id>/", chat.chat_page, name="chat-session"),
    path("lectures/", lectures.lecture_list, name="lectures"),
    path("lectures/upload/", lectures.lecture_upload, name="lecture-upload"),
    path("lectures/<int:transcription_id>/", lectures.lecture_detail, name="lecture"),
    path("lectures/<int:transcription_id>/audio/", lectures.lecture_audio, name="lecture-audio"),
    path("narrations/<int:narration_id>/audio/", lectures.narration_audio, name="narration-audio"),
    path("progress/", home.progress, name="progress"),
]
