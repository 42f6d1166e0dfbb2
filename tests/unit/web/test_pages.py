"""The learner pages over the Django test client: sign-in required, CSRF, one learner's data only, escaping."""

import html
import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from apps.speech import services as speech_services
from tests.factories import DEFAULT_PASSWORD
from tests.fixtures.documents import CORPUS

PRIVATE_PAGES = ["/documents/", "/quizzes/", "/chat/", "/lectures/", "/progress/"]


@pytest.mark.parametrize("path", PRIVATE_PAGES)
def test_a_private_page_sends_an_anonymous_visitor_to_log_in(client, db, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={path}"


def test_the_home_of_an_anonymous_visitor_is_a_landing_with_log_in_and_sign_up(client, db):
    response = client.get("/")

    assert response.status_code == 200
    assert b'href="/login/"' in response.content
    assert b'href="/signup/"' in response.content


def test_the_home_of_a_learner_lists_their_documents(browser, document_id):
    response = browser.get("/")

    assert f'href="/documents/{document_id}/"'.encode() in response.content


def _mailed_link(path: str) -> str:
    match = re.search(rf"https?://[^/\s]+({path}\?[^\s]+)", str(mail.outbox[-1].body))
    assert match is not None, mail.outbox[-1].body
    return match.group(1)


def test_sign_up_then_the_mailed_link_then_log_in(client, db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        signed_up = client.post(
            "/signup/", {"email": "new@example.com", "password": "a-long-enough-passphrase", "display_name": "Ada"}
        )
    refused = client.post("/login/", {"email": "new@example.com", "password": "a-long-enough-passphrase"})
    link = _mailed_link("/verify-email")
    confirmation = client.get(link)
    uid, token = re.findall(r'name="(?:uid|token)" value="([^"]+)"', confirmation.content.decode())
    confirmed = client.post("/verify-email", {"uid": uid, "token": token})
    signed_in = client.post("/login/", {"email": "new@example.com", "password": "a-long-enough-passphrase"})

    assert signed_up.status_code == 200
    assert b"Check your e-mail" in signed_up.content
    assert refused.status_code == 400
    assert b"Confirm your e-mail address before signing in" in refused.content
    assert b"Your address is confirmed" in confirmed.content
    assert signed_in.status_code == 302
    assert client.get("/documents/").status_code == 200


def test_sign_up_with_a_weak_password_says_why(client, db):
    response = client.post("/signup/", {"email": "weak@example.com", "password": "123"})

    assert response.status_code == 400
    assert b"This password is too short" in response.content


def test_a_wrong_password_is_told_in_words(client, learner):
    response = client.post("/login/", {"email": learner.email, "password": "not-the-password"})

    assert response.status_code == 400
    assert b"do not match an account" in response.content


def test_log_in_goes_back_to_the_page_asked_for_but_never_off_site(client, learner):
    inside = client.post("/login/?next=/quizzes/", {"email": learner.email, "password": DEFAULT_PASSWORD})
    client.logout()
    outside = client.post("/login/?next=https://evil.example/", {"email": learner.email, "password": DEFAULT_PASSWORD})

    assert inside["Location"] == "/quizzes/"
    assert outside["Location"] == "/"


def test_log_out_is_a_post_that_ends_the_session(browser):
    assert browser.get("/logout/").status_code == 405
    assert browser.post("/logout/").status_code == 302
    assert browser.get("/documents/").status_code == 302


def test_forgot_password_mails_a_link_to_the_reset_page(client, learner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/forgot-password/", {"email": learner.email})

    assert response.status_code == 200
    assert client.get(_mailed_link("/reset-password")).status_code == 200


@pytest.mark.parametrize("path", ["/logout/", "/documents/upload/", "/chat/new/"])
def test_a_post_without_the_csrf_token_is_refused(learner, path):
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)

    response = client.post(path)

    assert response.status_code == 403
    assert b"This form has expired" in response.content


def test_an_upload_is_read_and_its_page_shows_status_text_and_cited_notes(browser, document_id):
    page = browser.get(f"/documents/{document_id}/")
    body = page.content.decode()

    assert page.status_code == 200
    assert "Processed" in body
    assert 'id="page-1"' in body
    assert "Norwich" in body
    cited = re.findall(r'class="cite" href="#page-(\d+)"', body)
    assert cited, "the notes cite no page"
    assert all(f'id="page-{page_number}"' in body for page_number in cited)


def test_an_upload_error_is_told_in_words(browser, upload):
    response = upload(browser, content=b"")

    assert response.status_code == 400
    assert response.json() == {"error": "The file is empty."}


def test_a_form_upload_without_a_file_comes_back_with_a_message(browser):
    response = browser.post("/documents/upload/", follow=True)

    assert b"Choose a file to upload first." in response.content


def test_script_in_a_document_is_shown_as_text_never_run(browser, upload):
    hostile = (
        b"Photosynthesis makes sugar from light. <script>alert('owned')</script> <img src=x onerror=alert(1)>\n" * 20
    )
    document_id = upload(browser, content=hostile, name="hostile.txt", title="<script>alert('title')</script>").json()[
        "id"
    ]

    for path in (f"/documents/{document_id}/", "/documents/", "/"):
        body = browser.get(path).content.decode()
        assert "<script>alert" not in body, path
        assert "<img src=x" not in body, path
    assert (
        "&lt;script&gt;alert(&#x27;owned&#x27;)&lt;/script&gt;"
        in browser.get(f"/documents/{document_id}/").content.decode()
    )


def test_notes_export_as_markdown(browser, document_id):
    response = browser.get(f"/documents/{document_id}/notes.md")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response.content.decode().startswith("# ")


def test_listen_asks_the_speech_app_for_a_narration_of_the_notes(browser, document_id):
    from apps.speech.models import Narration

    response = browser.post(f"/documents/{document_id}/notes/listen/", follow=True)

    assert b"The notes are being read aloud" in response.content
    narration = Narration.objects.get()
    assert (narration.source_type, narration.document_id) == ("notes", document_id)
    assert narration.text  # the notes as the learner saw them, copied at request time


def test_delete_removes_the_document_from_my_list(browser, document_id, run_commits):
    response = run_commits(browser.post, f"/documents/{document_id}/delete/", follow=True)

    assert response.status_code == 200
    assert f'href="/documents/{document_id}/"'.encode() not in response.content
    assert browser.get(f"/documents/{document_id}/").status_code == 404


def _make_quiz(browser: Client, document_id: int, run_commits: Any) -> int:
    response = run_commits(browser.post, f"/documents/{document_id}/quizzes/new/", {"question_count": 3})
    assert response.status_code == 302, response.content
    return int(response["Location"].strip("/").split("/")[-1])


def test_a_quiz_is_made_taken_and_scored_with_the_source_passage(browser, document_id, run_commits):
    quiz_id = _make_quiz(browser, document_id, run_commits)
    quiz_page = browser.get(f"/quizzes/{quiz_id}/")
    started = browser.post(f"/quizzes/{quiz_id}/take/")
    attempt_path = started["Location"]
    form = browser.get(attempt_path).content.decode()
    answers: dict[str, str] = {}
    for name, value in re.findall(r'name="(q\d+)" value="([^"]*)"', form):
        answers.setdefault(name, html.unescape(value) or "a guess")  # the first option, or a typed guess
    submitted = browser.post(attempt_path, answers)
    result = browser.get(attempt_path).content.decode()

    assert b"Take the quiz" in quiz_page.content
    assert len(answers) == 3
    assert submitted.status_code == 302
    assert "Score:" in result
    assert result.count("<blockquote>") == 3
    assert f'href="/documents/{document_id}/#page-' in result
    assert b"Past attempts" in browser.get(f"/quizzes/{quiz_id}/").content


def test_progress_draws_the_scores_as_an_svg_chart(
    browser, learner, document_id, run_commits, django_assert_num_queries
):
    from apps.quizzes.selectors import submitted_scores

    quiz_ids = [_make_quiz(browser, document_id, run_commits) for _ in range(2)]
    for quiz_id in quiz_ids:
        attempt_path = browser.post(f"/quizzes/{quiz_id}/take/")["Location"]
        browser.post(attempt_path, {})

    body = browser.get("/progress/").content.decode()
    with django_assert_num_queries(2):  # the scores of every quiz at once, not a query per quiz
        scores = submitted_scores(owner_id=learner.pk)

    assert "<svg" in body
    assert body.count('class="dot"') == 2
    assert "0 % on" in body
    assert [score for _, score, _ in scores] == [0.0, 0.0]


def test_a_chat_session_is_made_from_the_page(browser, document_id):
    response = browser.post("/chat/new/", {"title": "Revision", "document_id": str(document_id)}, follow=True)

    assert response.status_code == 200
    assert b'data-session-id="' in response.content
    assert b"Revision" in response.content


def test_a_chat_about_someone_elses_document_is_refused_in_words(stranger, document_id):
    response = stranger.post("/chat/new/", {"document_id": str(document_id)}, follow=True)

    assert b"That document is not one of yours" in response.content


def test_a_second_learner_sees_none_of_the_first_learners_material(browser, stranger, document_id, run_commits):
    quiz_id = _make_quiz(browser, document_id, run_commits)
    attempt_path = browser.post(f"/quizzes/{quiz_id}/take/")["Location"]
    session_path = browser.post("/chat/new/", {"title": "Mine"})["Location"]
    private = [
        f"/documents/{document_id}/",
        f"/documents/{document_id}/status/",
        f"/documents/{document_id}/notes.md",
        f"/quizzes/{quiz_id}/",
        attempt_path,
        session_path,
    ]

    for path in private:
        assert stranger.get(path).status_code == 404, path
    assert stranger.post(f"/documents/{document_id}/delete/").status_code == 404
    assert stranger.post(f"/quizzes/{quiz_id}/take/").status_code == 404
    assert stranger.post(attempt_path, {}).status_code == 404
    for path in ("/", "/documents/", "/quizzes/", "/chat/", "/progress/"):
        assert b"Norwich" not in stranger.get(path).content, path
    assert browser.get(f"/documents/{document_id}/").status_code == 200


def test_a_lecture_page_is_its_owners_only(browser, stranger, learner):
    with (CORPUS / "jfk.flac").open("rb") as recording:
        lecture = speech_services.transcription_create(
            owner_id=learner.pk, file=recording, file_name="jfk.flac", size=(CORPUS / "jfk.flac").stat().st_size
        )

    assert browser.get(f"/lectures/{lecture.pk}/").status_code == 200
    assert b"jfk" in browser.get("/lectures/").content
    assert stranger.get(f"/lectures/{lecture.pk}/").status_code == 404
    assert stranger.get(f"/lectures/{lecture.pk}/audio/").status_code == 404
    audio = browser.get(f"/lectures/{lecture.pk}/audio/")
    assert audio["Content-Type"] == "audio/flac"
    assert b"".join(audio.streaming_content).startswith(b"fLaC")


def test_an_unknown_page_is_a_readable_404(browser):
    response = browser.get("/documents/999999/")

    assert response.status_code == 404
    assert b"not yours to see" in response.content
