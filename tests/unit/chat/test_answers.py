"""The extractive answer: supporting sentences, trimmed, in the material's order, each cited; or "not found"."""

from apps.chat.answers import NOT_FOUND, build_answer, trim
from apps.chat.index import Passage


def _passage(text: str, *, chunk: int = 0, page: int = 1, start: int = 0, similarity: float = 0.6) -> Passage:
    return Passage(7, "History", "", chunk, page, start, start + len(text), text, similarity=similarity, score=0.1)


def test_quotes_the_supporting_sentences_in_the_order_of_the_material() -> None:
    later = _passage("Moscow burned in September 1812. Napoleon left Moscow in October.", chunk=3, page=9, start=100)
    earlier = _passage("The weather was fine. The French army entered Moscow in September.", chunk=1, page=4)

    answer = build_answer(
        question="What happened in Moscow in September?", passages=[later, earlier], min_similarity=0.3
    )

    assert answer.is_answered is True
    assert [(c["page"], c["quote"]) for c in answer.citations] == [
        (4, "The French army entered Moscow in September."),
        (9, "Moscow burned in September 1812."),
    ]
    assert answer.parts[0] == "The French army entered Moscow in September. [1]"
    assert answer.text == " ".join(answer.parts)


def test_citation_offsets_point_into_the_page() -> None:
    page_text = "Intro line. The French army entered Moscow in September."
    passage = _passage(page_text[12:], page=2, start=12)

    citation = build_answer(question="French army Moscow", passages=[passage], min_similarity=0.3).citations[0]

    assert page_text[citation["char_start"] : citation["char_end"]] == citation["quote"]


def test_sentences_with_little_support_are_left_out() -> None:
    passage = _passage("Pierre met Natasha at the opera in Moscow. Pierre was tired.")

    answer = build_answer(question="Where did Pierre meet Natasha?", passages=[passage], min_similarity=0.3)

    assert [c["quote"] for c in answer.citations] == ["Pierre met Natasha at the opera in Moscow."]


def test_says_so_when_no_passage_is_similar_enough() -> None:
    answer = build_answer(
        question="What is sourdough?", passages=[_passage("Bread.", similarity=0.2)], min_similarity=0.3
    )

    assert (answer.is_answered, answer.text, answer.parts, answer.citations) == (False, NOT_FOUND, [NOT_FOUND], [])


def test_says_so_when_nothing_was_retrieved() -> None:
    assert build_answer(question="Anything?", passages=[], min_similarity=0.3).is_answered is False


def test_at_most_the_requested_number_of_sentences() -> None:
    text = " ".join(f"Moscow fact number {n} is here." for n in range(1, 7))

    answer = build_answer(question="Moscow fact", passages=[_passage(text)], min_similarity=0.3, max_sentences=2)

    assert len(answer.citations) == 2


def test_trim_cuts_long_quotes_at_a_word_with_an_ellipsis() -> None:
    assert trim("one two  three\nfour", limit=9) == "one two…"
    assert trim("short one", limit=40) == "short one"


def test_a_follow_up_matches_the_previous_question_only_when_its_own_words_match_nothing() -> None:
    passage = _passage("Pierre was the son of Count Bezukhov. He had been educated abroad.")

    own_words = build_answer(
        question="Where was he educated?", passages=[passage], min_similarity=0.3, context="Pierre"
    )
    context_words = build_answer(question="And him?", passages=[passage], min_similarity=0.3, context="Count Bezukhov")

    assert [c["quote"] for c in own_words.citations] == ["He had been educated abroad."]
    assert [c["quote"] for c in context_words.citations] == ["Pierre was the son of Count Bezukhov."]


def test_similar_passage_without_a_shared_word_quotes_its_opening_sentence() -> None:
    passage = _passage("Natasha danced with Prince Andrew. It was her first ball.")

    answer = build_answer(question="romance", passages=[passage], min_similarity=0.3)

    assert [c["quote"] for c in answer.citations] == ["Natasha danced with Prince Andrew."]
