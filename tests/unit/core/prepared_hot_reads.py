"""Shared by the unit (SQLite) and integration (PostgreSQL) tests of the hot reads on prepared reads (ADR 0027):
document pages, notes, quiz detail, chat sessions, transcriptions. Each read's rows hold the ORM instances'
values (and types), and each endpoint answers the JSON DRF gives for the ORM's instances."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils import timezone
from rest_framework import serializers

from apps.chat import selectors as chat_selectors
from apps.chat.models import ChatSession
from apps.chat.serializers import SessionOutput
from apps.core.prepared import PreparedList
from apps.core.serializers import FastOutput
from apps.documents import selectors as document_selectors
from apps.documents.models import Document, Page
from apps.documents.serializers import PageOutput
from apps.notes import selectors as notes_selectors
from apps.notes.models import Notes
from apps.notes.serializers import NotesOutput
from apps.quizzes import selectors as quiz_selectors
from apps.quizzes.models import QuestionView, QuizView
from apps.quizzes.serializers import QuizDetailOutput
from apps.speech import selectors as speech_selectors
from apps.speech.models import Transcription
from apps.speech.serializers import TranscriptionOutput
from tests.factories import make_document


@dataclass(frozen=True)
class HotReads:
    document_id: int
    quiz_id: int


def seed_hot_reads(owner: Any, *, quiz_id: int) -> HotReads:
    """One learner's rows for every hot read, varied in what the outputs show: JSON, nulls, datetimes with
    microseconds, text sources, choices."""
    owner_id = int(owner.pk)
    moment = timezone.now().replace(microsecond=123456)
    document = make_document(owner=owner, status=Document.Status.PROCESSED)
    for number, source, tables in [(1, "text", [[["a", ""], ["\u00e9", "2"]]]), (2, "ocr", []), (3, "ocr_limit", [])]:
        Page.objects.create(
            document=document,
            number=number,
            text=f"page {number} \u00fcber",
            text_source=source,
            has_tables=bool(tables),
            tables=tables,
        )
    citation = {"chunk": 1, "page": 2}
    Notes.objects.create(
        owner_id=owner_id,
        document_id=document.pk,
        document_title="T",
        status="ready",
        engine="offline",
        fallbacks=2,
        content={
            "summary": [{"text": "S \u00e9", "citation": citation}],
            "glossary": [{"term": "ATP", "definition": "energy", "citation": citation}],
        },
        job_id=5,
        generated_at=moment,
    )
    QuizView.objects.create(
        quiz_id=quiz_id,
        owner_id=owner_id,
        document_id=document.pk,
        title="Quiz \u00e9",
        status="ready",
        question_count=2,
        question_types=["mcq", "short"],
        difficulty="mixed",
        max_attempts=0,
        grading_method="highest",
        review_policy="always",
        grade=0.75,
        created_at=moment,
        updated_at=moment,
    )
    QuestionView.objects.create(quiz_id=quiz_id, position=2, type="short", stem="Why?", options=[])
    QuestionView.objects.create(quiz_id=quiz_id, position=1, type="mcq", stem="Which?", options=["a", "b \u00e9"])
    for number in range(3):
        session = ChatSession.objects.create(
            owner_id=owner_id,
            title=f"Chat {number}",
            document_id=document.pk if number else None,
            course="Biology" if number == 2 else "",
        )
        ChatSession.objects.filter(pk=session.pk).update(updated_at=moment + dt.timedelta(minutes=number % 2))
    for number in range(3):
        Transcription.objects.create(
            owner_id=owner_id,
            title=f"Lecture {number}",
            status="done" if number else "queued",
            size_bytes=10**10,
            duration_seconds=61.5,
            language_probability=0.5 if number else None,
            word_timestamps=bool(number),
            segments=[{"start": 0.0}],
            text="hidden",
            completed_at=moment if number else None,
        )
    return HotReads(document_id=document.pk, quiz_id=quiz_id)


def drf_output(serializer_class: type[FastOutput], instances: list[Any], **context: Any) -> list[Any]:
    """What DRF's own per-field path gives for the ORM's instances (not the compiled plan)."""
    serializer = serializer_class(context=context)
    return [serializers.Serializer.to_representation(serializer, instance) for instance in instances]


def assert_rows_hold_the_orm_values(rows: Sequence[Any], instances: Sequence[models.Model]) -> None:
    assert len(rows) == len(instances)
    for row, instance in zip(rows, instances, strict=True):
        loaded = {field.attname for field in instance._meta.concrete_fields} - instance.get_deferred_fields()
        assert set(vars(row)) == loaded
        for name in loaded:
            assert getattr(row, name) == getattr(instance, name), name
            assert type(getattr(row, name)) is type(getattr(instance, name)), name


def _page_rows(prepared: Any) -> list[Any]:
    assert isinstance(prepared, PreparedList)
    rows, total = prepared.page(limit=50, offset=0)
    assert total == len(rows)
    return rows


def assert_hot_reads_equal_the_orm(owner_id: int, seeded: HotReads, client: Any) -> None:
    """Rows equal the ORM's, and each endpoint's JSON equals DRF's output of the ORM's instances."""
    document = document_selectors.document_get_for_owner(owner_id=owner_id, document_id=seeded.document_id)
    assert document is not None
    for with_tables in (False, True):
        pages = list(document_selectors.page_list(document=document, with_tables=with_tables))
        prepared = document_selectors.page_list_rows_for_owner(
            owner_id=owner_id, document_id=document.pk, with_tables=with_tables
        )
        assert_rows_hold_the_orm_values(_page_rows(prepared), pages)
        body = client.get(f"/api/v1/documents/{document.pk}/pages/", {"has_tables": with_tables}).json()
        assert body["results"] == drf_output(PageOutput, pages)
        assert body["count"] == len(pages)

    notes = notes_selectors.notes_for_document(owner_id=owner_id, document_id=document.pk)
    row = notes_selectors.notes_row_for_document(owner_id=owner_id, document_id=document.pk)
    assert notes is not None
    assert row is not None
    assert_rows_hold_the_orm_values([row], [notes])
    assert client.get(f"/api/v1/documents/{document.pk}/notes/").json() == NotesOutput(notes).data

    quiz = quiz_selectors.quiz_get(owner_id=owner_id, quiz_id=seeded.quiz_id)
    found = quiz_selectors.quiz_detail_rows(owner_id=owner_id, quiz_id=seeded.quiz_id)
    assert quiz is not None
    assert found is not None
    questions = list(quiz_selectors.quiz_questions(quiz=quiz))
    assert_rows_hold_the_orm_values([found[0]], [quiz])
    assert_rows_hold_the_orm_values(found[1], questions)
    expected = drf_output(QuizDetailOutput, [quiz], questions=questions)[0]
    assert expected["questions"][0]["position"] == 1
    assert client.get(f"/api/v1/quizzes/{quiz.pk}/").json() == expected

    sessions = list(chat_selectors.session_list_for_owner(owner_id=owner_id))
    assert_rows_hold_the_orm_values(_page_rows(chat_selectors.session_list_rows_for_owner(owner_id=owner_id)), sessions)
    assert client.get("/api/v1/chat/sessions/").json()["results"] == drf_output(SessionOutput, sessions)

    transcriptions = list(speech_selectors.transcription_list_for_owner(owner_id=owner_id))
    listed = speech_selectors.transcription_list_rows_for_owner(owner_id=owner_id)
    assert_rows_hold_the_orm_values(_page_rows(listed), transcriptions)
    body = client.get("/api/v1/transcriptions/").json()
    assert body["results"] == drf_output(TranscriptionOutput, transcriptions)
    assert [row["id"] for row in body["results"]] == sorted((t.pk for t in transcriptions), reverse=True)
