"""Answers to a question written by an LLM from numbered passages only, and checked before anyone sees them.

The model is asked for ``{"found": bool, "sentences": [{"text", "passages": [numbers]}]}``. A sentence must cite
at least one of the given passages and its content words must mostly stand in the passages it cites (the same
test as notes items, :func:`apps.generation.providers.supported`). Invalid output is retried once; after that
the caller gets None and uses its own (extractive) answer. ``found: false`` is the model saying the passages do
not answer the question; the caller decides what that means.
"""

from dataclasses import dataclass
from typing import Any

import jsonschema

from apps.generation.providers import InvalidOutput, Provider, supported
from apps.generation.text import clean

MAX_SENTENCES = 6
MAX_SOURCE_CHARS = 1500

ANSWER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["found", "sentences"],
    "properties": {
        "found": {"type": "boolean"},
        "sentences": {
            "type": "array",
            "maxItems": MAX_SENTENCES,
            "items": {
                "type": "object",
                "required": ["text", "passages"],
                "properties": {
                    "text": {"type": "string", "minLength": 1},
                    "passages": {"type": "array", "minItems": 1, "maxItems": 5, "items": {"type": "integer"}},
                },
            },
        },
    },
}

SYSTEM = (
    "You answer a learner's question using ONLY the numbered passages given. Answer with one JSON object: "
    '{"found": true, "sentences": [{"text": "...", "passages": [1]}]} where every sentence states only what '
    "the passages it lists say, and lists the number of each passage it uses. Use at most "
    f"{MAX_SENTENCES} short sentences, close to the passages' own words. If the passages do not contain the "
    'answer, answer {"found": false, "sentences": []}. Never use outside knowledge.'
)


@dataclass(frozen=True)
class GroundedSentence:
    text: str
    sources: list[int]  # 1-based numbers of the passages it cites


@dataclass(frozen=True)
class GroundedAnswer:
    found: bool
    sentences: list[GroundedSentence]
    engine: str


def prompt(question: str, sources: list[str], *, context: str = "") -> str:
    numbered = "\n\n".join(f"[{number}] {clean(text)[:MAX_SOURCE_CHARS]}" for number, text in enumerate(sources, 1))
    earlier = f"Previous question (for context): {context}\n" if context else ""
    return f"Passages:\n{numbered}\n\n{earlier}Question: {question}"


def check_answer(data: Any, sources: list[str]) -> GroundedAnswer:
    """The answer if it is valid, else InvalidOutput (schema, unknown passage, unsupported sentence)."""
    try:
        jsonschema.validate(data, ANSWER_SCHEMA)
    except jsonschema.ValidationError as error:
        raise InvalidOutput(f"schema: {error.message}") from error
    if not data["found"]:
        return GroundedAnswer(found=False, sentences=[], engine="")
    if not data["sentences"]:
        raise InvalidOutput("found, but no sentence")
    sentences = []
    for item in data["sentences"]:
        numbers = list(dict.fromkeys(item["passages"]))
        if any(not 1 <= number <= len(sources) for number in numbers):
            raise InvalidOutput(f"cites passage(s) {numbers}, given 1..{len(sources)}")
        text = clean(item["text"])
        if not supported(text, " ".join(sources[number - 1] for number in numbers)):
            raise InvalidOutput(f"sentence not supported by passage(s) {numbers}: {text[:80]!r}")
        sentences.append(GroundedSentence(text, numbers))
    return GroundedAnswer(found=True, sentences=sentences, engine="")


def answer_from_passages(
    *, question: str, sources: list[str], provider: Provider, context: str = ""
) -> GroundedAnswer | None:
    """The provider's checked answer from ``sources`` (retried once), or None when it failed twice."""
    answer = provider.ask(
        SYSTEM,
        prompt(question, sources, context=context),
        lambda data: check_answer(data, sources),
        schema=ANSWER_SCHEMA,
    )
    if answer is None:
        return None
    return GroundedAnswer(found=answer.found, sentences=answer.sentences, engine=provider.name)
