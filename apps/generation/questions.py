"""Offline questions: a fact sentence and a key term in it become a cloze, a multiple choice, a true/false
or a short-answer question; the sentence is the cited passage, so the answer stands in it by construction.

Candidates are collected window by window (a few per window, so memory grows with the number of questions,
not with the text) and the quiz is assembled at the end: types in turn, windows in turn (questions spread
over the document), with filters that drop give-aways and near-duplicates.
"""

import math
import re
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from apps.generation.offline import (
    Term,
    _may_stand_in,
    count_in,
    definition,
    is_good_sentence,
    keyphrases,
    sentence_terms,
)
from apps.generation.text import content_words, normalise
from apps.generation.types import QUESTION_TYPES, GenerationConfig, Question
from apps.generation.windows import Sentence, Window

BLANK = "_____"
CANDIDATES_PER_WINDOW = 90
TERMS_PER_SENTENCE = 3
SENTENCES_PER_TERM = 3
TERMS_PER_KIND = 400
#: Distractors are chosen among at most this many of the document's best terms of the answer's kind, none
#: containing another ("Norwich" beside "Norwich City": only one of them could ever be among the options).
SHORTLIST = 8
#: ... embedded together before a quiz is assembled: the shortlist and the terms an answer's own exclusions
#: (itself, related terms, terms in its stem) push into it.
SHORTLIST_MARGIN = 4
#: Cosine similarity (MiniLM) from which two terms count as near-synonyms: never both among the options.
SYNONYM_SIMILARITY = 0.8
#: Cosine similarity from which two questions' source passages state the same fact: one quiz keeps one.
SAME_FACT_SIMILARITY = 0.85
#: ... and content words two passages must share before their similarity is worth computing: at least this
#: many, and at least this share of the shorter passage's (a lexical pre-filter before the model call; on the
#: bench documents every pair at or above ``SAME_FACT_SIMILARITY`` shares 83 % or more, while nine pairs in
#: ten of those that share three words share less than half and are never that similar, see ADR 0029).
SAME_FACT_SHARED_WORDS = 4
SAME_FACT_SHARED_SHARE = 0.5
_KIND_LABEL = {"year": "year", "number": "number", "name": "name", "phrase": "term"}


@dataclass(frozen=True)
class Candidate:
    sentence: Sentence
    term: Term
    window: int
    defined: tuple[str, str] | None = None  # (term, what it is) when the sentence is a definition


@dataclass
class Pool:
    """What question assembly needs from the windows already read."""

    candidates: dict[int, list[Candidate]] = field(default_factory=dict)
    terms: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    ranks: dict[str, int] = field(default_factory=dict)  # a term's best rank in any window (0: a top keyphrase)
    lowercase: set[str] = field(default_factory=set)  # the words any window read so far writes in lower case

    def add_term(self, term: Term) -> None:
        known = self.terms[term.kind]
        folded = term.text.casefold()
        if folded in self.ranks:
            self.ranks[folded] = min(self.ranks[folded], term.rank)
        elif len(known) < TERMS_PER_KIND:
            known.append(term.text)
            self.ranks[folded] = term.rank


def collect(
    window: Window,
    pool: Pool,
    config: GenerationConfig,
    *,
    terms_of: dict[Sentence, list[Term]] | None = None,
    lowercase: set[str] | None = None,
) -> None:
    """``terms_of`` (each prose sentence's :func:`~apps.generation.offline.sentence_terms`) and
    ``lowercase`` (the words the window writes in lower case), when already computed (see
    :mod:`apps.generation.analysis`)."""
    if terms_of is None:
        phrases = keyphrases(window, config)
        terms_of = {s: sentence_terms(s, phrases) for s in window.sentences if is_good_sentence(s)}
    if lowercase is None:
        lowercase = {w for s in window.sentences for w in s.text.split() if w.islower()}
    found: list[Candidate] = []
    for sentence in window.sentences:
        if sentence not in terms_of:
            continue
        defined = definition(sentence)
        terms = [t for t in terms_of[sentence] if not _is_common_word(t, lowercase)]
        for term in terms:
            pool.add_term(term)
        for term in sorted(terms, key=lambda t: t.rank)[:TERMS_PER_SENTENCE]:
            found.append(Candidate(sentence, term, window.index, defined))
    pool.lowercase |= lowercase
    found.sort(key=lambda c: (c.term.rank, c.sentence.page, c.sentence.start))
    per_term: dict[str, int] = defaultdict(int)
    varied = []
    for candidate in found:  # a few sentences per term: one term must not crowd out the others
        per_term[candidate.term.text.casefold()] += 1
        if per_term[candidate.term.text.casefold()] <= SENTENCES_PER_TERM:
            varied.append(candidate)
    pool.candidates[window.index] = varied[:CANDIDATES_PER_WINDOW]


def _is_common_word(term: Term, lowercase: set[str]) -> bool:
    """A capitalised single word that the window also writes in lower case ("Year") is not a name."""
    return term.kind == "name" and " " not in term.text and term.text.lower() in lowercase


def _order(pool: Pool, difficulty: str) -> list[Candidate]:
    """Round robin over windows; within a window by term rank, or by sentence length for easy/hard."""
    columns = []
    for index in sorted(pool.candidates):
        items = list(pool.candidates[index])
        if difficulty == "easy":
            items.sort(key=lambda c: (c.sentence.word_count > 20, c.term.rank))
        elif difficulty == "hard":
            items.sort(key=lambda c: (c.sentence.word_count <= 15, c.term.rank > 3, c.term.rank))
        columns.append(items)
    ordered: list[Candidate] = []
    for row in range(max((len(c) for c in columns), default=0)):
        ordered.extend(column[row] for column in columns if row < len(column))
    return ordered


def _stable(*parts: str) -> int:
    return zlib.crc32("\x1f".join(parts).encode())


def _blanked(sentence: str, term: str) -> str:
    return re.sub(rf"(?<![\w-]){re.escape(term)}(?![\w-])", BLANK, sentence, count=1, flags=re.IGNORECASE)


def _related(a: str, b: str) -> bool:
    x, y = normalise(a), normalise(b)
    return not x or not y or x == y or x in y or y in x


def distractors(pool: Pool, candidate: Candidate, stem: str, wanted: int, *, at_least: int | None = None) -> list[str]:
    """Other key terms of the document of the same kind and similar length, none contained in another or
    in the stem, nearest to the answer first: by value for years and numbers, by MiniLM embedding for
    names and phrases, leaving out terms so close that they would be synonyms of the answer or of
    each other (an option a learner could defend as right)."""
    answer, kind = candidate.term.text, candidate.term.kind
    size = len(answer.split())
    same_kind = pool.terms.get(kind, [])
    options = _option_terms(pool, kind)
    # Only a term whose lower case stands in the stem's can be counted in it (see ``_may_stand_in``): the
    # others are not counted one by one (up to 400 terms a kind, for every question).
    in_stem = set(_may_stand_in(stem, tuple(options)))
    eligible = [
        t
        for t in options
        if abs(len(t.split()) - size) <= 1 and not _related(t, answer) and not (t in in_stem and count_in(stem, t))
    ]
    if len(eligible) < (wanted if at_least is None else at_least):
        return []  # before any embedding: too few terms of the kind, whatever their meaning
    if kind in ("year", "number"):
        ordered = _nearest_values(answer, eligible, kind)
        close: dict[tuple[str, str], bool] = {}
    else:
        distinctive = _distinctive_words(same_kind)
        eligible = [t for t in eligible if not _share_a_word(t, answer, distinctive)]
        ordered, close = _nearest_meanings(pool, answer, eligible)
        ordered.sort(key=lambda t: len(t.split()) != size)  # stable: same length first, each by similarity
    chosen: list[str] = []
    for term in ordered:
        if any(_related(term, c) or close.get((term, c), False) for c in chosen):
            continue
        chosen.append(term)
        if len(chosen) == wanted:
            break
    return chosen


def _option_terms(pool: Pool, kind: str) -> list[str]:
    """The document's terms of a kind that may be offered as distractors: not a one-word "name" that some
    window writes in lower case ("People", "Section" at the start of a sentence), which a window alone
    cannot tell when the lower-case use is in another window."""
    terms = pool.terms.get(kind, [])
    if kind != "name":
        return terms
    return [t for t in terms if " " in t or t.lower() not in pool.lowercase]


def _distinctive_words(terms: list[str]) -> set[str]:
    """Words found in fewer than four of the document's terms of one kind: "Pavlovna" in "Anna Pavlovna"
    and "Pavlovna Scherer" (one person twice), unlike "City" in "Norwich City" and "Leicester City"."""
    counts: dict[str, int] = defaultdict(int)
    for term in terms:
        for word in _term_words(term):
            counts[word] += 1
    return {word for word, seen in counts.items() if seen < 4}


@lru_cache(maxsize=16384)
def _term_words(term: str) -> frozenset[str]:
    """A term's content words, asked for every term of a kind by every question's distractors."""
    return frozenset(content_words(term))


def _share_a_word(term: str, answer: str, distinctive: set[str]) -> bool:
    return bool(_term_words(term) & _term_words(answer) & distinctive)


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _nearest_values(answer: str, eligible: list[str], kind: str) -> list[str]:
    """Years within 60 of the answer, numbers of the same order of magnitude; nearest first."""
    value = _number(answer)
    near = [t for t in eligible if _number(t) != value]
    if kind == "year":
        near = [t for t in near if abs(_number(t) - value) <= 60]
    else:
        near = [t for t in near if _magnitude(_number(t)) == _magnitude(value)]
    return sorted(near, key=lambda t: (abs(_number(t) - value), t))


def _magnitude(value: float) -> int:
    return len(str(int(abs(value))))


def _nearest_meanings(pool: Pool, answer: str, eligible: list[str]) -> tuple[list[str], dict[tuple[str, str], bool]]:
    """The document's best-ranked eligible terms (at most ``SHORTLIST``, so a quiz embeds a bounded number
    of short texts), by embedding similarity to the answer, without near-synonyms of it; and which pairs of
    them are near-synonyms of each other."""
    from apps.generation import embeddings

    shortlist = _distinct_best(pool, eligible, SHORTLIST)
    if not shortlist:
        return [], {}
    vectors = embeddings.embed([answer, *shortlist])
    to_answer = embeddings.similarity(vectors[1:], vectors[0])
    kept = [i for i in range(len(shortlist)) if to_answer[i] < SYNONYM_SIMILARITY]
    kept.sort(key=lambda i: (-to_answer[i], shortlist[i]))
    between = np.round(vectors[1:] @ vectors[1:].T, 4)
    close = {
        (shortlist[i], shortlist[j]): bool(between[i, j] >= SYNONYM_SIMILARITY) for i in kept for j in kept if i != j
    }
    return [shortlist[i] for i in kept], close


def _distinct_best(pool: Pool, terms: list[str], size: int) -> list[str]:
    """At most ``size`` of ``terms``, best-ranked first, leaving out a term that contains or is contained in
    a better-ranked one kept (two such terms are never both options, so embedding both wastes a slot)."""
    kept: list[str] = []
    for term in sorted(terms, key=lambda t: (pool.ranks.get(t.casefold(), TERMS_PER_KIND), _stable(t), t)):
        if not any(_related(term, other) for other in kept):
            kept.append(term)
            if len(kept) == size:
                break
    return kept


def _options(stem: str, answer: str, others: list[str]) -> list[str]:
    return sorted([answer, *others], key=lambda o: (_stable(stem, o), o))


def make(kind: str, candidate: Candidate, pool: Pool, difficulty: str) -> Question | None:
    sentence, answer = candidate.sentence, candidate.term.text
    citation = sentence.citation
    if kind == "cloze":
        stem = f"Fill in the blank: {_blanked(sentence.text, answer)}"
        return Question("cloze", stem, [], answer, content_words(answer), sentence.text, citation, difficulty)
    if kind == "multiple_choice":
        stem = f"Which {_KIND_LABEL[candidate.term.kind]} completes the statement? {_blanked(sentence.text, answer)}"
        others = distractors(pool, candidate, stem, 3)
        if len(others) < 3:
            return None
        options = _options(stem, answer, others)
        return Question("multiple_choice", stem, options, answer, [], sentence.text, citation, difficulty)
    if kind == "true_false":
        if candidate.term.kind not in ("year", "number", "name"):
            return None
        is_true = _stable(sentence.text) % 2 == 0
        statement = sentence.text
        if not is_true:
            size = len(answer.split())
            swap = [t for t in distractors(pool, candidate, sentence.text, 5, at_least=1) if len(t.split()) == size][:1]
            if not swap:
                return None
            statement = _blanked(sentence.text, answer).replace(BLANK, swap[0], 1)
        options = ["True", "False"]
        answer_text = "True" if is_true else "False"
        return Question(
            "true_false", f"True or false? {statement}", options, answer_text, [], sentence.text, citation, difficulty
        )
    if kind == "short_answer":
        if candidate.defined is not None:
            term, rest = candidate.defined
            stem = f"In a few words: what is {term}, according to the text?"
            keywords = [w for w in content_words(rest) if w not in content_words(term)][:4]
            if len(keywords) < 2:
                return None
            return Question("short_answer", stem, [], rest, keywords, sentence.text, citation, difficulty)
        label = _KIND_LABEL[candidate.term.kind]
        stem = f"Answer in a few words: which {label} is missing? {_blanked(sentence.text, answer)}"
        return Question("short_answer", stem, [], answer, content_words(answer), sentence.text, citation, difficulty)
    raise ValueError(f"unknown question type {kind!r}")


def _words(question: Question) -> set[str]:
    return set(content_words(question.stem.replace(BLANK, " ")))


def is_near_duplicate(question: Question, chosen: list[Question], *, by_passage: bool = True) -> bool:
    """Same source sentence (``by_passage``; a provider's passages are whole chunks, so not for those), same
    answer (true/false aside), or stems sharing most of their words."""
    for other in chosen:
        if by_passage and question.passage == other.passage:
            return True
        if question.type != "true_false" and normalise(question.answer) == normalise(other.answer):
            return True
        a, b = _words(question), _words(other)
        if a and b and len(a & b) / len(a | b) >= 0.6:
            return True
    return False


def gives_answer_away(question: Question) -> bool:
    """The answer (or, for true/false, the original fact) must not be readable in the stem or other options."""
    if question.type == "true_false":
        return False
    if question.type == "short_answer" and len(question.answer.split()) > 3:
        return count_in(question.stem, question.answer) > 0
    if count_in(question.stem, question.answer) > 0:
        return True
    others = [o for o in question.options if o != question.answer]
    return any(_related(o, question.answer) for o in others) or len(set(map(normalise, question.options))) < len(
        question.options
    )


def _embed_shortlists(pool: Pool, ordered: list[Candidate], count: int) -> None:
    """Embeds, in one call, the terms the distractors of names and phrases are chosen among (each kind's
    best-ranked distinct terms, of which every answer's shortlist, :func:`_nearest_meanings`, takes its
    ``SHORTLIST``) and the answers the first questions will most likely ask about (the first ``count``
    distinct names and phrases in question order). Done term by term, each answer and each shortlist paid
    one model call apiece (a fixed cost about three short texts'); the vectors are the same (similarities
    are rounded), only the number of model calls changes."""
    from apps.generation import embeddings

    texts: list[str] = []
    for kind in ("name", "phrase"):
        terms = _option_terms(pool, kind)
        if len(terms) > 3:  # an answer and three distractors, else no shortlist is ever embedded
            texts += _distinct_best(pool, terms, SHORTLIST + SHORTLIST_MARGIN)
    if texts:
        answers = [c.term.text for c in ordered if c.term.kind in ("name", "phrase")]
        texts += list(dict.fromkeys(answers))[:count]
        embeddings.embed(list(dict.fromkeys(texts)))


def assemble(pool: Pool, *, count: int, types: list[str], difficulty: str) -> list[Question]:
    types = [t for t in QUESTION_TYPES if t in types] or list(QUESTION_TYPES)
    ordered = _order(pool, difficulty)
    if "multiple_choice" in types or "true_false" in types:
        _embed_shortlists(pool, ordered, count)
    chosen: list[Question] = []
    used: set[int] = set()
    slots = [types[i % len(types)] for i in range(count)]
    for kind in slots:  # a slot its type cannot fill takes another requested type
        for kind_now in [kind, *[t for t in types if t != kind]]:
            question = _first_fit(kind_now, ordered, used, pool, chosen, difficulty)
            if question is not None:
                chosen.append(question)
                break
    return chosen[:count]


def _first_fit(
    kind: str, ordered: list[Candidate], used: set[int], pool: Pool, chosen: list[Question], difficulty: str
) -> Question | None:
    for index, candidate in enumerate(ordered):
        if index in used:
            continue
        question = make(kind, candidate, pool, difficulty)
        if question is None or gives_answer_away(question) or is_near_duplicate(question, chosen):
            continue
        if states_a_chosen_fact(question, chosen):
            continue
        used.add(index)
        return question
    return None


def states_a_chosen_fact(question: Question, chosen: list[Question]) -> bool:
    """The question's passage says what a chosen question's passage says (MiniLM similarity of the two
    sentences), in other words: a near-duplicate that shares too few words for :func:`is_near_duplicate`."""
    own = set(content_words(question.passage))
    # Two sentences stating one fact share most of its terms (names, numbers, key words): only those are embedded.
    sharing = [q for q in chosen if _share_a_fact_lexically(own, set(content_words(q.passage)))]
    if not sharing:
        return False
    from apps.generation import embeddings

    vectors = embeddings.embed([question.passage, *(q.passage for q in sharing)])
    return bool((embeddings.similarity(vectors[1:], vectors[0]) >= SAME_FACT_SIMILARITY).any())


def _share_a_fact_lexically(own: set[str], other: set[str]) -> bool:
    shared = len(own & other)
    return shared >= SAME_FACT_SHARED_WORDS and shared >= SAME_FACT_SHARED_SHARE * min(len(own), len(other))


def keyword_hits(keywords: list[str], response: str) -> int:
    given = set(content_words(response))
    return sum(1 for k in keywords if k in given)


def grade(question_type: str, answer: str, keywords: list[str], response: str) -> bool:
    """Exact choice for multiple choice and true/false; normalised match for cloze; normalised match or
    most of the keywords for short answer."""
    if question_type in ("multiple_choice", "true_false"):
        return response.strip() == answer
    if normalise(response) == normalise(answer):
        return True
    if question_type == "short_answer" and keywords:
        return keyword_hits(keywords, response) >= max(1, math.ceil(len(keywords) * 2 / 3))
    return False
