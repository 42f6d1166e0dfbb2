from django.urls import path

from apps.quizzes import api

urlpatterns = [
    path("quizzes/", api.QuizListApi.as_view(), name="quiz-list"),
    path("quizzes/<int:quiz_id>/", api.QuizDetailApi.as_view(), name="quiz-detail"),
    path("quizzes/<int:quiz_id>/attempts/", api.QuizAttemptsApi.as_view(), name="quiz-attempts"),
    path("quiz-attempts/<int:attempt_id>/", api.AttemptDetailApi.as_view(), name="quiz-attempt-detail"),
    path(
        "quiz-attempts/<int:attempt_id>/answers/<int:position>/",
        api.AttemptAnswerApi.as_view(),
        name="quiz-attempt-answer",
    ),
    path("quiz-attempts/<int:attempt_id>/submit/", api.AttemptSubmitApi.as_view(), name="quiz-attempt-submit"),
    path("quiz-progress/", api.ProgressApi.as_view(), name="quiz-progress"),
]
