"""Which provider the settings choose, and when one counts as configured (the GGUF one needs llama-cpp-python
and a model file; without them a request for it is refused up front, not failed in a job)."""

import importlib.util
from pathlib import Path

import pytest
from django.test import override_settings

from apps.generation import GenerationConfig
from apps.generation.config import config_from_settings, gguf_model_path, provider_is_configured
from apps.generation.providers import GGUFProvider, OpenAICompatibleProvider, provider_for


def test_offline_has_no_provider() -> None:
    assert provider_for(GenerationConfig(provider="offline")) is None


def test_openai_needs_a_base_url_and_a_model() -> None:
    with pytest.raises(ValueError, match="base URL"):
        provider_for(GenerationConfig(provider="openai", llm_model="m"))
    provider = provider_for(GenerationConfig(provider="openai", llm_base_url="http://x/v1", llm_model="m"))
    assert isinstance(provider, OpenAICompatibleProvider)
    assert provider.name == "openai:m"


def test_gguf_needs_a_model_path_and_is_named_after_the_file() -> None:
    with pytest.raises(ValueError, match="model path"):
        provider_for(GenerationConfig(provider="gguf"))
    provider = provider_for(GenerationConfig(provider="gguf", llm_model_path="/models/Tiny-Q4.gguf"))
    assert isinstance(provider, GGUFProvider)
    assert provider.name == "gguf:Tiny-Q4.gguf"


def test_an_unknown_provider_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown generation provider"):
        provider_for(GenerationConfig(provider="magic"))


def test_the_settings_reach_the_config(tmp_path: Path) -> None:
    model = tmp_path / "m.gguf"
    with override_settings(
        GENERATION_GGUF_MODEL_PATH=str(model), GENERATION_GGUF_CONTEXT=2048, GENERATION_LLM_MAX_TOKENS=300
    ):
        config = config_from_settings(provider="gguf")
    assert (config.provider, config.llm_model_path, config.llm_context, config.llm_max_tokens) == (
        "gguf",
        str(model),
        2048,
        300,
    )


def test_gguf_is_not_configured_without_its_model_file(tmp_path: Path) -> None:
    with override_settings(GENERATION_GGUF_MODEL_PATH=str(tmp_path / "missing.gguf")):
        assert gguf_model_path() == str(tmp_path / "missing.gguf")
        assert provider_is_configured("gguf") is False


def test_gguf_with_a_model_file_is_configured_only_where_llama_cpp_is_installed(tmp_path: Path) -> None:
    """The unit-test environment does not install the optional extra; `make test-llm`'s does."""
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF")
    installed = importlib.util.find_spec("llama_cpp") is not None
    with override_settings(GENERATION_GGUF_MODEL_PATH=str(model)):
        assert provider_is_configured("gguf") is installed
