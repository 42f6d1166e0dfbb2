"""Chat on PostgreSQL: the index round-trips through the database unchanged, so the ranking is the one the
same chunks get in memory (and on SQLite, whose unit tests use the same code)."""

from typing import Any

import numpy as np
import pytest
from django.db import connection

from apps.chat import index, retrieval, services
from apps.chat.text import terms
from apps.documents.selectors import document_chunks
from apps.generation import embeddings
from tests.fixtures.documents import corpus

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

QUESTIONS = [
    "How old was Anna Pavlovna Scherer?",
    "What did the princess readjust on her bosom?",
    "Who was the illegitimate son of Count Bezukhov?",
    "Genoa and Lucca family estates of the Buonapartes",
]


def test_ranking_on_postgresql_is_the_in_memory_ranking_of_the_same_chunks(
    user: Any, auth_client: Any, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    assert connection.vendor == "postgresql"
    settings.EVENTBUS_TRANSPORT = "inprocess"
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.post(
            "/api/v1/documents/",
            {"file": SimpleUploadedFile("war-and-peace.txt", corpus("war-and-peace-chapters-1-3.txt"))},
            format="multipart",
        )
    document_id = response.json()["id"]
    chunks = document_chunks(owner_id=user.pk, document_id=document_id)
    vectors = embeddings.embed([chunk.text for chunk in chunks])
    bm25 = retrieval.Bm25([terms(chunk.text) for chunk in chunks])

    for question in QUESTIONS:
        from_database = index.search(owner_id=user.pk, question=question, k=5)
        in_memory = retrieval.hybrid_search(
            bm25=bm25,
            vectors=vectors,
            query_terms=terms(question),
            query_vector=embeddings.embed([question])[0],
            k=5,
        )
        assert [p.chunk_index for p in from_database] == [chunks[h.position].index for h in in_memory], question
        assert np.allclose([p.similarity for p in from_database], [h.similarity for h in in_memory])

    session = services.session_create(owner_id=user.pk)
    stored = services.question_store(session=session, text=QUESTIONS[1])
    answer = services.answer_compute(session=session, question=stored)
    assert any("diamond necklace" in c["quote"] and c["page"] == 2 for c in answer.citations), answer.citations
