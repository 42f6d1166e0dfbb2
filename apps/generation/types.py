"""The package's input and output: plain, frozen dataclasses (JSON-friendly through ``as_dict``)."""

from dataclasses import asdict, dataclass, field
from typing import Any

QUESTION_TYPES = ("multiple_choice", "true_false", "cloze", "short_answer")
DIFFICULTIES = ("easy", "medium", "hard")


@dataclass(frozen=True)
class Passage:
    """A chunk of a page: ``start``/``end`` index into the page's text."""

    chunk: int
    page: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Citation:
    chunk: int
    page: int


@dataclass(frozen=True)
class NoteItem:
    text: str
    citation: Citation


@dataclass(frozen=True)
class GlossaryEntry:
    term: str
    definition: str  # the sentence that defines the term, as it stands in the passage
    citation: Citation


@dataclass(frozen=True)
class OutlineEntry:
    title: str
    level: int
    citation: Citation


@dataclass(frozen=True)
class Notes:
    summary: list[NoteItem]
    key_points: list[NoteItem]
    glossary: list[GlossaryEntry]
    outline: list[OutlineEntry]
    engine: str  # "offline", or the provider that wrote every window ("openai:<model>")
    fallbacks: int = 0  # windows a provider failed on and the offline engine wrote instead

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Question:
    type: str
    stem: str
    options: list[str]  # multiple choice and true/false; empty for cloze and short answer
    answer: str
    keywords: list[str]  # short answer: the words a free answer must mostly contain
    passage: str  # the source sentence(s), shown as feedback; the answer is supported by it
    citation: Citation
    difficulty: str = "medium"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class QuestionSet:
    questions: list[Question]
    engine: str
    fallbacks: int = 0


@dataclass(frozen=True)
class GenerationConfig:
    """How to generate. ``provider``: ``offline``, ``openai`` (any OpenAI-compatible HTTP server) or ``gguf``
    (a GGUF model at ``llm_model_path`` run in-process by llama-cpp-python)."""

    provider: str = "offline"
    window_pages: int = 10
    language: str = "en"
    summary_sentences_per_window: int = 3
    key_points_per_window: int = 4
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: str = field(default="", repr=False)
    llm_timeout: float = 60.0
    llm_max_tokens: int = 1024
    llm_model_path: str = ""
    llm_context: int = 8192
    llm_threads: int = 0  # 0: llama.cpp decides
