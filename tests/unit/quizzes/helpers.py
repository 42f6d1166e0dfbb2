from typing import Any

from apps.quizzes.models import Question


def answer_all(client: Any, quiz_id: int, attempt_id: int, *, correct: bool) -> None:
    """Answers every question, rightly or (with a response no grader accepts) wrongly."""
    for question in Question.objects.filter(quiz_id=quiz_id):
        if correct:
            response = question.answer
        elif question.options:
            response = next(o for o in question.options if o != question.answer)
        else:
            response = "zzz"
        reply = client.put(
            f"/api/v1/quiz-attempts/{attempt_id}/answers/{question.position}/", {"response": response}, format="json"
        )
        assert reply.status_code == 200, reply.json()


def take(client: Any, quiz_id: int, *, correct: bool) -> dict[str, Any]:
    started = client.post(f"/api/v1/quizzes/{quiz_id}/attempts/")
    assert started.status_code == 201, started.json()
    attempt_id = started.json()["id"]
    answer_all(client, quiz_id, attempt_id, correct=correct)
    submitted = client.post(f"/api/v1/quiz-attempts/{attempt_id}/submit/")
    assert submitted.status_code == 200, submitted.json()
    return dict(submitted.json())
