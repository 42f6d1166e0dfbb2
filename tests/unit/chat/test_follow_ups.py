"""Follow-up questions: which ones lean on the session's earlier questions, and that retrieval itself (not only
the choice of sentences) is run with those questions."""

from typing import Any

import pytest

from apps.chat import index, services
from tests.factories import make_user

pytestmark = pytest.mark.django_db

CELLS = (
    b"The mitochondrion is the powerhouse of the cell. It makes ATP from glucose and oxygen. "
    b"Mitochondrial DNA is inherited from the mother."
)
ENGINES = (
    b"The steam engine was the powerhouse of the factory. It burned coal to make steam. "
    b"Its designs were passed down from father to son."
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("And what about the second one?", True, id="few-words"),
        pytest.param("Where was he educated?", True, id="pronoun-few-words"),
        pytest.param("And why did the old prince refuse to receive the Rostov visitors?", True, id="and-opener"),
        pytest.param("What about Natasha's singing teacher in Moscow?", True, id="what-about-opener"),
        pytest.param("Who was the illegitimate son of Count Bezukhov?", False, id="stands-alone"),
        pytest.param("Anderson's theory of island biogeography", False, id="starts-with-and-inside-a-word"),
    ],
)
def test_what_counts_as_a_follow_up(text: str, expected: bool) -> None:
    assert services.is_follow_up(text) is expected


def _asked(session: Any, *texts: str) -> Any:
    return [services.question_store(session=session, text=text) for text in texts][-1]


def test_a_chain_of_follow_ups_reaches_back_to_the_question_that_named_the_subject() -> None:
    session = services.session_create(owner_id=make_user().pk)
    last = _asked(
        session,
        "Who hosted the soiree in July 1805?",
        "Who was the illegitimate son of Count Bezukhov?",
        "Where was he educated?",
        "And how old was he?",
    )

    context = services.follow_up_context(session=session, question=last)

    assert context == "Who was the illegitimate son of Count Bezukhov? Where was he educated?"


def test_a_question_that_stands_alone_has_no_context() -> None:
    session = services.session_create(owner_id=make_user().pk)
    last = _asked(session, "Who was the illegitimate son of Count Bezukhov?", "Who hosted the soiree in July 1805?")

    assert services.follow_up_context(session=session, question=last) == ""


def test_a_follow_up_chain_stops_after_the_most_turns() -> None:
    session = services.session_create(owner_id=make_user().pk)
    last = _asked(session, "Who was Pierre's father?", "And his mother?", "And his aunt?", "And his uncle?", "And?")

    context = services.follow_up_context(session=session, question=last)

    assert context == "And his mother? And his aunt? And his uncle?"


def test_retrieval_for_a_follow_up_is_run_with_the_questions_it_leans_on(
    processed: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    learner = make_user()
    cells = processed(learner, CELLS, "cells.txt")
    engines = processed(learner, ENGINES, "engines.txt")
    retrieved: list[tuple[str, list[int]]] = []
    real_search = index.search

    def recording_search(**kwargs: Any) -> list[index.Passage]:
        passages = real_search(**kwargs)
        retrieved.append((kwargs["question"], [p.document_id for p in passages]))
        return passages

    monkeypatch.setattr(index, "search", recording_search)
    alone = services.session_create(owner_id=learner.pk)
    services.answer_compute(session=alone, question=_asked(alone, "Who was it passed down from?"))
    session = services.session_create(owner_id=learner.pk)
    services.answer_compute(session=session, question=_asked(session, "What is the mitochondrion?"))
    follow_up = _asked(session, "Who was it passed down from?")
    services.answer_compute(session=session, question=follow_up)

    (_, on_its_own), _, (query, with_context) = retrieved
    assert on_its_own[0] == engines
    assert query == "What is the mitochondrion? Who was it passed down from?"
    assert with_context[0] == cells
