"""Answers from the retrieved passages.

The offline engine is extractive: it quotes the sentences of the retrieved passages that best support the
question, trimmed and in the order they appear in the material, each with its citation. With an LLM provider
(:func:`build_generated_answer`) the answer is written by the model from those passages only and checked
sentence by sentence; the extractive answer stands in when the model fails twice or says the passages do not
answer. Either way, when the best passage is not similar enough to the question the answer says the material
does not answer it, instead of guessing."""

from dataclasses import dataclass, field
from typing import Any

from apps.chat.index import Passage
from apps.chat.text import sentence_spans, terms
from apps.generation.grounded import answer_from_passages
from apps.generation.providers import Provider

OFFLINE = "offline"

NOT_FOUND = (
    "I could not find the answer to that in your material. Try rephrasing the question, or upload the "
    "document that covers it."
)
MAX_QUOTE_CHARS = 320
MIN_SENTENCE_CHARS = 15


@dataclass(frozen=True)
class Answer:
    text: str
    parts: list[str]
    citations: list[dict[str, Any]] = field(default_factory=list)
    is_answered: bool = True
    #: ``offline``, the provider that wrote it (``openai:<model>``, ``gguf:<file>``), or ``<provider>+offline``
    #: when the provider was asked but the extractive answer stands instead.
    engine: str = OFFLINE


@dataclass(frozen=True)
class _Candidate:
    score: float
    overlap: int
    passage_rank: int
    passage: Passage
    start: int
    end: int


def trim(sentence: str, limit: int = MAX_QUOTE_CHARS) -> str:
    """At most ``limit`` characters, cut at a word boundary with an ellipsis."""
    sentence = " ".join(sentence.split())
    if len(sentence) <= limit:
        return sentence
    cut = sentence[:limit].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def _candidates(question_terms: set[str], passages: list[Passage]) -> list[_Candidate]:
    found = []
    for rank, passage in enumerate(passages):
        for start, end in sentence_spans(passage.text):
            if end - start < MIN_SENTENCE_CHARS:
                continue
            sentence_terms = set(terms(passage.text[start:end]))
            overlap = len(question_terms & sentence_terms)
            if overlap == 0:
                continue
            # Overlap dominates; a better passage breaks ties, and very long sentences are slightly penalised.
            score = overlap + passage.similarity + 0.5 / (1 + rank) - min(len(sentence_terms), 60) / 600
            found.append(_Candidate(score, overlap, rank, passage, start, end))
    return found


def build_answer(
    *, question: str, passages: list[Passage], min_similarity: float, max_sentences: int = 3, context: str = ""
) -> Answer:
    """``context``: the session's previous question when ``question`` is a follow-up; sentences are matched on
    the question's own words first, and on the context's too only when those match nothing."""
    supporting = [p for p in passages if p.similarity >= min_similarity]
    if not supporting:
        return Answer(text=NOT_FOUND, parts=[NOT_FOUND], citations=[], is_answered=False)
    candidates = _candidates(set(terms(question)), supporting)
    if not candidates and context:
        candidates = _candidates(set(terms(f"{context} {question}")), supporting)
    if not candidates:  # similar in meaning but no shared word: quote the best passage's opening sentence
        best = supporting[0]
        spans = sentence_spans(best.text) or [(0, len(best.text))]
        candidates = [_Candidate(0.0, 0, 0, best, *spans[0])]
    # A sentence sharing at most half as many question words as the best one is padding, not support.
    best_overlap = max(c.overlap for c in candidates)
    if best_overlap > 0:
        candidates = [c for c in candidates if 2 * c.overlap > best_overlap]
    chosen = sorted(candidates, key=lambda c: (-c.score, c.passage_rank, c.start))[:max_sentences]
    chosen.sort(key=lambda c: (c.passage.document_id, c.passage.chunk_index, c.start))
    parts, citations = [], []
    for number, candidate in enumerate(chosen, start=1):
        passage = candidate.passage
        quote = trim(passage.text[candidate.start : candidate.end])
        parts.append(f"{quote} [{number}]")
        citations.append(
            {
                "number": number,
                "document_id": passage.document_id,
                "document_title": passage.document_title,
                "page": passage.page_number,
                "char_start": passage.char_start + candidate.start,
                "char_end": passage.char_start + candidate.end,
                "quote": quote,
            }
        )
    return Answer(text=" ".join(parts), parts=parts, citations=citations, is_answered=True)


def _best_sentence(claim: str, passage: Passage) -> tuple[int, int]:
    """The span of the passage's sentence sharing most words with ``claim``: the quote a citation shows."""
    claim_terms = set(terms(claim))
    spans = sentence_spans(passage.text) or [(0, len(passage.text))]
    return max(spans, key=lambda span: (len(claim_terms & set(terms(passage.text[span[0] : span[1]]))), -span[0]))


def build_generated_answer(
    *,
    question: str,
    passages: list[Passage],
    min_similarity: float,
    provider: Provider,
    max_sentences: int = 3,
    context: str = "",
) -> Answer:
    """The provider's answer from the supporting passages only, each sentence checked against the passages it
    cites; the extractive answer when it fails twice or finds no answer (engine ``<provider>+offline``)."""
    supporting = [p for p in passages if p.similarity >= min_similarity]
    if not supporting:  # nothing in the material is close enough: no model is asked to make something up
        return Answer(text=NOT_FOUND, parts=[NOT_FOUND], citations=[], is_answered=False)
    generated = answer_from_passages(
        question=question, sources=[p.text for p in supporting], provider=provider, context=context
    )
    if generated is None or not generated.found:
        extractive = build_answer(
            question=question,
            passages=passages,
            min_similarity=min_similarity,
            max_sentences=max_sentences,
            context=context,
        )
        return Answer(
            extractive.text, extractive.parts, extractive.citations, extractive.is_answered, f"{provider.name}+offline"
        )
    numbers: dict[tuple[int, int, int], int] = {}  # (passage, start, end) -> citation number
    parts, citations = [], []
    for sentence in generated.sentences:
        marks = []
        for source in sentence.sources:
            passage = supporting[source - 1]
            start, end = _best_sentence(sentence.text, passage)
            key = (source, start, end)
            if key not in numbers:
                numbers[key] = len(numbers) + 1
                quote = trim(passage.text[start:end])
                citations.append(
                    {
                        "number": numbers[key],
                        "document_id": passage.document_id,
                        "document_title": passage.document_title,
                        "page": passage.page_number,
                        "char_start": passage.char_start + start,
                        "char_end": passage.char_start + end,
                        "quote": quote,
                    }
                )
            marks.append(f"[{numbers[key]}]")
        parts.append(f"{sentence.text} {''.join(marks)}")
    return Answer(" ".join(parts), parts, citations, is_answered=True, engine=generated.engine)
