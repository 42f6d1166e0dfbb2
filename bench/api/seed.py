"""Seeds the API benchmark's database: one learner with documents extracted the real way (upload service,
event, job run eagerly), plus an access token for them. Prints JSON: token, a document id."""

import json
import sys

import django


def main() -> None:
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from rest_framework_simplejwt.tokens import RefreshToken

    from apps.accounts.models import User
    from apps.documents.services import document_create_from_text

    user = User.objects.create_user(email="bench-api@example.com", password="bench-api-password-1")
    paragraph = "Photosynthesis converts light energy into chemical energy stored in glucose. " * 40
    document_ids = [
        document_create_from_text(owner_id=user.pk, title=f"Lecture {n}", text=paragraph * 3, source_kind="text").pk
        for n in range(int(sys.argv[1]) if len(sys.argv) > 1 else 25)
    ]
    token = str(RefreshToken.for_user(user).access_token)
    print(json.dumps({"token": token, "document_id": document_ids[-1]}))


if __name__ == "__main__":
    main()
