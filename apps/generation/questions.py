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
#: Cosine similarity (MiniLM) from which two terms count as near-synonyms: never both among the options.
SYNONYM_SIMILARITY = 0.8
#: Cosine similarity from which two questions' source passages state the same fact: one quiz keeps one.
SAME_FACT_SIMILARITY = 0.85
#: ... and content words two passages must share before their similarity is worth computing: at least this
#: many, and at least this share of the shorter passage's (a lexical pre-filter before the model call; on the
#: bench documents every pair at or above ``SAME_FACT_SIMILARITY`` shares 83 % or more, while most pairs that
#: share three words share less than 60 % and are never that similar, see ADR 0029 and ADR 0034).
SAME_FACT_SHARED_WORDS = 4
SAME_FACT_SHARED_SHARE = 0.6
_KIND_LABEL = {"year": "year", "number": "number", "name": "name", "phrase": "term"}


@dataclass(frozen=True)
class Candidate:
    sentence: Sentence
    term: Term
    window: int
    defined: tuple[str, str] | None = None  # (term, what it is) when the sentence is a definition


class WordSets:
    """A union of sets of words, asked only whether it holds a word: each window's set is kept as it is,
    not copied into one set (about 12,000 words a window of the novel)."""

    def __init__(self) -> None:
        self.sets: list[set[str]] = []

    def __ior__(self, words: set[str]) -> "WordSets":
        self.sets.append(words)
        return self

    def __contains__(self, word: object) -> bool:
        return any(word in words for words in self.sets)


@dataclass
class Pool:
    """What question assembly needs from the windows already read."""

    candidates: dict[int, list[Candidate]] = field(default_factory=dict)
    terms: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    ranks: dict[str, int] = field(default_factory=dict)  # a term's best rank in any window (0: a top keyphrase)
    lowercase: WordSets = field(default_factory=WordSets)  # the words any window read so far writes in lower case
    #: While not None: a dry run of the assembly (:func:`_embed_ahead`) collects here what it would embed.
    ahead: list[str] | None = None
    #: Each (answer, kind, stem)'s eligible distractors and shortlist, found once for both runs.
    found: dict[tuple[str, str, str], tuple[list[str], list[str]]] = field(default_factory=dict)
    #: Each term's place in the shortlists' order (:func:`_distinct_best`), found once per quiz.
    order: dict[str, tuple[int, int, str]] = field(default_factory=dict)

    def add_term(self, term: Term) -> None:
        self.forget_derived()
        known = self.terms[term.kind]
        folded = term.text.casefold()
        if folded in self.ranks:
            self.ranks[folded] = min(self.ranks[folded], term.rank)
        elif len(known) < TERMS_PER_KIND:
            known.append(term.text)
            self.ranks[folded] = term.rank

    def forget_derived(self) -> None:
        """Drops what was derived from the terms, their ranks and the lower-case words (they change)."""
        if self.order or self.found:
            self.order.clear()
            self.found.clear()


def collect(
    window: Window,
    pool: Pool,
    config: GenerationConfig,
    *,
    terms_of: dict[Sentence, list[Term]] | None = None,
    lowercase: set[str] | None = None,
) -> None:
    """``terms_of`` (each prose sentence's :func:`~apps.generation.offline.sentence_terms`, in the window's
    order) and ``lowercase`` (the words the window writes in lower case), when already computed (see
    :mod:`apps.generation.analysis`)."""
    if terms_of is None:
        phrases = keyphrases(window, config)
        terms_of = {s: sentence_terms(s, phrases) for s in window.sentences if is_good_sentence(s)}
    if lowercase is None:
        lowercase = {w for s in window.sentences for w in s.text.split() if w.islower()}
    found: list[Candidate] = []
    for sentence, sentence_terms_of in terms_of.items():  # in the window's order, as both builders make it
        defined = definition(sentence)
        terms = [t for t in sentence_terms_of if not _is_common_word(t, lowercase)]
        for term in terms:
            pool.add_term(term)
        for term in sorted(terms, key=lambda t: t.rank)[:TERMS_PER_SENTENCE]:
            found.append(Candidate(sentence, term, window.index, defined))
    pool.lowercase |= lowercase
    pool.forget_derived()
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
    eligible, shortlist = _lexical(pool, answer, kind, stem)
    if len(eligible) < (wanted if at_least is None else at_least):
        return []  # before any embedding: too few terms of the kind, whatever their meaning
    if kind in ("year", "number"):
        ordered = _nearest_values(answer, eligible, kind)
        close: dict[tuple[str, str], bool] = {}
    else:
        if pool.ahead is None:
            ordered, close = _nearest_meanings(answer, shortlist)
        else:  # a dry run: what would be embedded, in rank order, no synonym known
            pool.ahead += [answer, *shortlist]
            ordered, close = list(shortlist), {}
        ordered.sort(key=lambda t: len(t.split()) != size)  # stable: same length first, each by similarity
    chosen: list[str] = []
    for term in ordered:
        if any(_related(term, c) or close.get((term, c), False) for c in chosen):
            continue
        chosen.append(term)
        if len(chosen) == wanted:
            break
    return chosen


def _lexical(pool: Pool, answer: str, kind: str, stem: str) -> tuple[list[str], list[str]]:
    """:func:`_eligible` and, for names and phrases, :func:`_shortlist`: once per quiz for each answer and
    stem (the dry run and the assembly ask the same)."""
    key = (answer, kind, stem)
    if key not in pool.found:
        eligible = _eligible(pool, answer, kind, stem)
        shortlist = _shortlist(pool, answer, kind, eligible) if kind in ("name", "phrase") else []
        pool.found[key] = (eligible, shortlist)
    return pool.found[key]


def _eligible(pool: Pool, answer: str, kind: str, stem: str) -> list[str]:
    """The document's terms of the answer's kind that could be its distractors in ``stem``: of about its
    length, not related to it, not in the stem (lexical tests only, before any embedding)."""
    size = len(answer.split())
    options = _option_terms(pool, kind)
    # Only a term whose lower case stands in the stem's can be counted in it (see ``_may_stand_in``): the
    # others are not counted one by one (up to 400 terms a kind, for every question).
    in_stem = set(_may_stand_in(stem, tuple(options)))
    return [
        t
        for t in options
        if abs(len(t.split()) - size) <= 1 and not _related(t, answer) and not (t in in_stem and count_in(stem, t))
    ]


def _shortlist(pool: Pool, answer: str, kind: str, eligible: list[str]) -> list[str]:
    """The names or phrases a multiple choice on ``answer`` is chosen among (embedded, so a bounded number):
    the best-ranked ``SHORTLIST`` eligible terms, none containing another, none naming the same thing as
    the answer with one of its distinctive words ("Pavlovna Scherer" for "Anna Pavlovna")."""
    distinctive = _distinctive_words(pool.terms.get(kind, []))
    return _distinct_best(pool, [t for t in eligible if not _share_a_word(t, answer, distinctive)], SHORTLIST)


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


def _nearest_meanings(answer: str, shortlist: list[str]) -> tuple[list[str], dict[tuple[str, str], bool]]:
    """The ``shortlist`` (see :func:`_shortlist`) by embedding similarity to the answer, without near-synonyms
    of it; and which pairs of them are near-synonyms of each other."""
    from apps.generation import embeddings

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
    for term in sorted(terms, key=lambda t: _order_key(pool, t)):
        if not any(_related(term, other) for other in kept):
            kept.append(term)
            if len(kept) == size:
                break
    return kept


def _order_key(pool: Pool, term: str) -> tuple[int, int, str]:
    key = pool.order.get(term)
    if key is None:
        key = pool.order[term] = (pool.ranks.get(term.casefold(), TERMS_PER_KIND), _stable(term), term)
    return key


def _options(stem: str, answer: str, others: list[str]) -> list[str]:
    return sorted([answer, *others], key=lambda o: (_stable(stem, o), o))


def _choice_stem(candidate: Candidate) -> str:
    blanked = _blanked(candidate.sentence.text, candidate.term.text)
    return f"Which {_KIND_LABEL[candidate.term.kind]} completes the statement? {blanked}"


def _is_true(sentence: Sentence) -> bool:
    """Whether a true/false question on ``sentence`` states it as it is (else with a fact changed)."""
    return _stable(sentence.text) % 2 == 0


def make(kind: str, candidate: Candidate, pool: Pool, difficulty: str) -> Question | None:
    sentence, answer = candidate.sentence, candidate.term.text
    citation = sentence.citation
    if kind == "cloze":
        stem = f"Fill in the blank: {_blanked(sentence.text, answer)}"
        return Question("cloze", stem, [], answer, content_words(answer), sentence.text, citation, difficulty)
    if kind == "multiple_choice":
        stem = _choice_stem(candidate)
        others = distractors(pool, candidate, stem, 3)
        if len(others) < 3:
            return None
        options = _options(stem, answer, others)
        return Question("multiple_choice", stem, options, answer, [], sentence.text, citation, difficulty)
    if kind == "true_false":
        if candidate.term.kind not in ("year", "number", "name"):
            return None
        is_true = _is_true(sentence)
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


def _words(question: Question) -> frozenset[str]:
    return _stem_words(question.stem)


@lru_cache(maxsize=4096)
def _stem_words(stem: str) -> frozenset[str]:
    """A stem's content words, asked for every chosen question's stem by every question checked."""
    return frozenset(content_words(stem.replace(BLANK, " ")))


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


def _embed_ahead(pool: Pool, ordered: list[Candidate], count: int, types: list[str], difficulty: str) -> None:
    """Embeds, in one call, what the assembly will compare: a dry run of it, in which the distractors keep
    their rank order and no passage states a chosen fact, collects each answer and shortlist the
    distractors would embed and each pair of passages the same-fact check would, then the assembly runs
    on those vectors. Its choices differ from the dry run's only where a similarity rejects a question
    (too few distractors once near-synonyms are left out, a fact stated twice): then a few texts more are
    embedded on the way. The model costs about ``CALL_TOKENS`` tokens a call on top of the tokens: one call
    instead of one per answer and pair, and nothing embedded that no question asks for; a text's vector
    is the same in any call, bit for bit, so the questions are those the assembly alone makes."""
    from apps.generation import embeddings

    pool.ahead = []
    try:
        _choose(pool, ordered, count=count, types=types, difficulty=difficulty)
        texts = list(dict.fromkeys(pool.ahead))
    finally:
        pool.ahead = None
    if texts:
        embeddings.embed(texts)


def assemble(pool: Pool, *, count: int, types: list[str], difficulty: str) -> list[Question]:
    types = [t for t in QUESTION_TYPES if t in types] or list(QUESTION_TYPES)
    ordered = _order(pool, difficulty)
    _embed_ahead(pool, ordered, count, types, difficulty)
    return _choose(pool, ordered, count=count, types=types, difficulty=difficulty)


def _choose(pool: Pool, ordered: list[Candidate], *, count: int, types: list[str], difficulty: str) -> list[Question]:
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
        if index in used or _repeats_a_chosen_one(kind, candidate, chosen):
            continue
        question = make(kind, candidate, pool, difficulty)
        if question is None or gives_answer_away(question) or is_near_duplicate(question, chosen):
            continue
        if states_a_chosen_fact(question, chosen, ahead=pool.ahead):
            continue
        used.add(index)
        return question
    return None


def _repeats_a_chosen_one(kind: str, candidate: Candidate, chosen: list[Question]) -> bool:
    """What :func:`is_near_duplicate` would find in the question before it is made (its passage is the
    candidate's sentence; its answer, but for a true/false or a definition's short answer, the term): such a
    question is never kept, so its distractors are not looked for (nor embedded)."""
    passage = candidate.sentence.text
    if any(passage == other.passage for other in chosen):
        return True
    if kind == "true_false" or (kind == "short_answer" and candidate.defined is not None):
        return False
    answer = normalise(candidate.term.text)
    return any(answer == normalise(other.answer) for other in chosen)


def states_a_chosen_fact(question: Question, chosen: list[Question], *, ahead: list[str] | None = None) -> bool:
    """The question's passage says what a chosen question's passage says (MiniLM similarity of the two
    sentences), in other words: a near-duplicate that shares too few words for :func:`is_near_duplicate`.
    With ``ahead`` (a dry run, see :func:`_embed_ahead`): the passages that would be embedded are added to
    it, and the answer is no."""
    own = _passage_words(question.passage)
    # Two sentences stating one fact share most of its terms (names, numbers, key words): only those are embedded.
    sharing = [q for q in chosen if _share_a_fact_lexically(own, _passage_words(q.passage))]
    if not sharing:
        return False
    if ahead is not None:
        ahead += [question.passage, *(q.passage for q in sharing)]
        return False
    from apps.generation import embeddings

    vectors = embeddings.embed([question.passage, *(q.passage for q in sharing)])
    return bool((embeddings.similarity(vectors[1:], vectors[0]) >= SAME_FACT_SIMILARITY).any())


@lru_cache(maxsize=4096)
def _passage_words(passage: str) -> frozenset[str]:
    """A passage's content words, asked for every chosen question's passage by every question checked."""
    return frozenset(content_words(passage))


def _share_a_fact_lexically(own: frozenset[str] | set[str], other: frozenset[str] | set[str]) -> bool:
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
