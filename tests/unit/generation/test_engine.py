"""The offline engine on a real article: citations that hold, the four question types, determinism."""

from apps.generation import GenerationConfig, Passage, generate_notes, generate_questions
from apps.generation.questions import grade
from apps.generation.text import clean, content_words, normalise

CONFIG = GenerationConfig()


def _chunk(passages: list[Passage], chunk: int) -> Passage:
    return next(p for p in passages if p.chunk == chunk)


def _in(phrase: str, text: str) -> bool:
    """``phrase`` stands in ``text`` as shown to a learner (footnote markers and line breaks removed)."""
    return f" {normalise(phrase)} " in f" {normalise(clean(text))} "


def test_every_note_item_stands_in_the_chunk_and_page_it_cites(article: list[Passage]) -> None:
    notes = generate_notes(article, config=CONFIG)

    assert notes.engine == "offline"
    assert len(notes.summary) >= 3
    assert len(notes.key_points) >= 3
    assert notes.glossary
    assert notes.outline
    for item in [*notes.summary, *notes.key_points]:
        cited = _chunk(article, item.citation.chunk)
        assert cited.page == item.citation.page
        assert _in(item.text, cited.text), item
    for entry in notes.glossary:
        assert _in(entry.definition, _chunk(article, entry.citation.chunk).text)
        assert entry.definition.startswith(entry.term)


def test_glossary_finds_the_defining_sentence(article: list[Passage]) -> None:
    notes = generate_notes(article, config=CONFIG)

    terms = {entry.term: entry.definition for entry in notes.glossary}
    assert terms["Iwan Wyn Roberts"].startswith("Iwan Wyn Roberts (born 26 June 1968) is a Welsh former")


def test_a_mixed_quiz_has_all_four_types_each_supported_by_its_passage(article: list[Passage]) -> None:
    result = generate_questions(article, count=12, types=[], difficulty="medium", config=CONFIG)

    assert len(result.questions) == 12
    assert {q.type for q in result.questions} == {"multiple_choice", "true_false", "cloze", "short_answer"}
    for question in result.questions:
        cited = _chunk(article, question.citation.chunk)
        assert _in(question.passage, cited.text)
        if question.type in ("multiple_choice", "cloze"):
            assert _in(question.answer, question.passage)
            assert not _in(question.answer, question.stem)
        if question.type == "multiple_choice":
            assert len(question.options) == 4
            assert len({normalise(o) for o in question.options}) == 4
            assert question.answer in question.options


def test_false_statements_change_a_fact_instead_of_adding_not(article: list[Passage]) -> None:
    result = generate_questions(article, count=20, types=["true_false"], difficulty="medium", config=CONFIG)

    false = [q for q in result.questions if q.answer == "False"]
    assert false
    for question in false:
        statement = question.stem.removeprefix("True or false? ")
        assert " not " not in f" {statement} ".replace(question.passage, "")
        assert statement != question.passage
        assert len(statement.split()) - len(question.passage.split()) in (-1, 0, 1)


def test_no_two_questions_share_a_passage_or_an_answer(article: list[Passage]) -> None:
    questions = generate_questions(article, count=20, types=[], difficulty="hard", config=CONFIG).questions

    assert len({q.passage for q in questions}) == len(questions)
    answers = [normalise(q.answer) for q in questions if q.type != "true_false"]
    assert len(set(answers)) == len(answers)


def test_generation_is_deterministic(article: list[Passage]) -> None:
    first = generate_questions(article, count=10, types=[], difficulty="easy", config=CONFIG)
    second = generate_questions(article, count=10, types=[], difficulty="easy", config=CONFIG)

    assert first == second
    assert generate_notes(article[:12], config=CONFIG) == generate_notes(article[:12], config=CONFIG)


def test_progress_is_reported_per_window(article: list[Passage]) -> None:
    seen: list[int] = []
    generate_notes(article, config=GenerationConfig(window_pages=5), progress=seen.append)

    assert seen == [5, 10, 15, 16]


def test_text_without_facts_gives_no_questions() -> None:
    passages = [Passage(0, 1, 0, 11, "Hello there")]

    assert generate_questions(passages, count=5, types=[], difficulty="medium", config=CONFIG).questions == []


def test_short_answers_are_graded_by_normalised_match_or_most_keywords() -> None:
    keywords = content_words("a Welsh former professional footballer")[:4]

    assert grade(
        "short_answer", "a Welsh former professional footballer", keywords, "A welsh former PROFESSIONAL footballer!"
    )
    assert grade("short_answer", "x", keywords, "he was a welsh professional footballer")
    assert not grade("short_answer", "x", keywords, "a singer")
    assert grade("cloze", "Norwich City", [], "norwich city")
    assert not grade("cloze", "Norwich City", [], "Norwich")
    assert grade("multiple_choice", "34", [], "34")
    assert not grade("multiple_choice", "34", [], "35")
