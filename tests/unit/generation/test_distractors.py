"""Multiple-choice distractors of the same kind as the answer, ranked by MiniLM embeddings (the real model
from its package), and near-duplicate questions found by meaning."""

from apps.generation import GenerationConfig, Passage, generate_questions
from apps.generation.offline import Term, term_kind
from apps.generation.questions import BLANK, Candidate, Pool, distractors, states_a_chosen_fact
from apps.generation.text import normalise
from apps.generation.types import Citation, Question
from apps.generation.windows import Sentence


def _candidate(answer: str, kind: str, sentence: str) -> Candidate:
    return Candidate(Sentence(sentence, sentence, 1, 0, len(sentence), 0, True), Term(answer, kind, 0), 0)


def _pool(kind: str, terms: list[str]) -> Pool:
    pool = Pool()
    for rank, text in enumerate(terms):
        pool.add_term(Term(text, kind, rank))
    return pool


def _question(passage: str) -> Question:
    return Question("cloze", f"Fill in the blank: {passage}", [], "x", [], passage, Citation(0, 1))


def test_a_synonym_of_the_answer_is_never_a_distractor() -> None:
    pool = _pool("phrase", ["physician", "doctor", "lawyer", "engineer", "farmer", "teacher"])
    stem = f"Which term completes the statement? Her mother worked as a {BLANK} in the town."

    chosen = distractors(pool, _candidate("physician", "phrase", stem), stem, 3)

    assert len(chosen) == 3
    assert "physician" not in chosen
    assert "doctor" not in chosen


def test_distractors_are_nearest_in_meaning_first() -> None:
    pool = _pool("phrase", ["photosynthesis", "respiration", "railway station", "transpiration", "oil painting"])
    stem = f"Which term completes the statement? Plants make sugar by {BLANK}."

    chosen = distractors(pool, _candidate("photosynthesis", "phrase", stem), stem, 2)

    assert set(chosen) == {"respiration", "transpiration"}


def test_a_term_in_the_stem_is_never_a_distractor() -> None:
    pool = _pool("name", ["Norwich", "Leicester", "Watford", "Ipswich", "Derby"])
    stem = f"Which name completes the statement? He left Watford for {BLANK} in 1993."

    chosen = distractors(pool, _candidate("Leicester", "name", stem), stem, 3)

    assert "Watford" not in chosen
    assert "Leicester" not in chosen
    assert len(chosen) == 3


def test_distractors_of_a_year_are_other_nearby_years() -> None:
    pool = _pool("year", ["1997", "1968", "1993", "2002", "1850", "1997"])
    stem = f"Which year completes the statement? He joined Norwich in {BLANK}."

    assert distractors(pool, _candidate("1993", "year", stem), stem, 3) == ["1997", "2002", "1968"]


def test_the_same_person_twice_is_not_a_distractor() -> None:
    pool = _pool("name", ["Anna Pavlovna", "Pavlovna Scherer", "Prince Vasili", "Prince Andrew", "Prince Hippolyte"])
    stem = f"Which name completes the statement? The hostess, {BLANK}, greeted her guests."

    chosen = distractors(pool, _candidate("Anna Pavlovna", "name", stem), stem, 3)

    assert "Pavlovna Scherer" not in chosen
    assert len(chosen) == 3


def test_a_real_quizs_options_are_distinct_of_the_answers_kind_and_never_the_answer(
    article: list[Passage],
) -> None:
    quiz = generate_questions(
        article, count=8, types=["multiple_choice"], difficulty="medium", config=GenerationConfig()
    ).questions

    assert len(quiz) == 8
    for question in quiz:
        others = [o for o in question.options if o != question.answer]
        assert len(others) == 3, question
        assert len({normalise(o) for o in question.options}) == 4, question
        assert {term_kind(o) for o in others} == {term_kind(question.answer)}, question
        assert all(normalise(o) not in normalise(question.stem.replace(BLANK, " ")) for o in others), question


def test_a_passage_restating_a_chosen_fact_is_a_near_duplicate() -> None:
    chosen = [_question("Roberts joined Norwich City in 1997 for a fee of 900,000 pounds.")]

    assert states_a_chosen_fact(_question("In 1997 Norwich City signed Roberts, paying 900,000 pounds."), chosen)
    assert not states_a_chosen_fact(_question("Photosynthesis turns light into chemical energy in plants."), chosen)
