"""Seeds the API benchmark's database: one learner with documents extracted the real way (upload service,
event, job run eagerly, so their notes and chat index are written too), a quiz and a chat session, plus an
access token of a real sign-in (a session family, so every request checks that session too). Prints JSON:
token, a document id, a quiz id."""

import json
import sys

import django


def main() -> None:
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from apps.accounts import sessions
    from apps.accounts.models import User
    from apps.chat.services import session_create
    from apps.documents.services import document_create_from_text
    from apps.quizzes.services import QuizRequest, quiz_request

    user = User.objects.create_user(email="bench-api@example.com", password="bench-api-password-1")
    paragraph = "Photosynthesis converts light energy into chemical energy stored in glucose. " * 40
    document_ids = [
        document_create_from_text(owner_id=user.pk, title=f"Lecture {n}", text=paragraph * 3, source_kind="text").pk
        for n in range(int(sys.argv[1]) if len(sys.argv) > 1 else 25)
    ]
    quiz = quiz_request(
        owner_id=user.pk, request=QuizRequest(document_id=document_ids[-1], question_count=10, question_types=[])
    )
    session_create(owner_id=user.pk, document_id=document_ids[-1])
    token = sessions.token_obtain(user=user)["access"]  # a real sign-in's token: its session is checked too
    print(json.dumps({"token": token, "document_id": document_ids[-1], "quiz_id": quiz.pk}))


if __name__ == "__main__":
    main()
