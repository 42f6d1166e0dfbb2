"""The ``llm`` tests: a real model behind each provider. Run by ``make test-llm`` (scripts/test_llm.py), which
starts llama.cpp's OpenAI-compatible server with SmolLM2-135M-Instruct and passes its URL in
``LLM_TEST_BASE_URL``; the in-process GGUF provider loads the same model file (``LLM_TEST_GGUF``).

The tests assert the contract, not the model's quality: what a provider returns was checked, and what it
refused was refused for a reason (recorded in var/llm-report.json and printed at the end).
"""

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest

from apps.generation import GenerationConfig, Passage
from apps.generation.providers import InvalidOutput, LLMProvider

ROOT = Path(__file__).resolve().parents[2]
PDF = ROOT / "tests" / "fixtures" / "corpus" / "issue-598-example.pdf"  # a real textbook page (pdfplumber's tests)
REPORT: list[dict[str, Any]] = []


@pytest.fixture(autouse=True)
def _needs_a_model() -> None:
    if not os.environ.get("LLM_TEST_BASE_URL"):
        pytest.skip("needs a real model server: run `make test-llm`")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not REPORT:
        return
    path = ROOT / "var" / "llm-report.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(REPORT, indent=2))
    terminalreporter.section("what the model gave")
    for row in REPORT:
        terminalreporter.write_line(
            f"{row['test']}: engine={row['engine']} calls={row['calls']} seconds={row['seconds']:.1f} "
            f"outcomes={row['outcomes']}"
        )


@pytest.fixture(scope="session")
def pdf_passages() -> list[Passage]:
    """The PDF's page text cut into chunks of about 750 characters, with offsets, as documents' chunker does."""
    document = pdfium.PdfDocument(str(PDF))
    passages: list[Passage] = []
    for number in range(len(document)):
        text = document[number].get_textpage().get_text_range().replace("\r\n", "\n")
        start = 0
        while start < len(text):
            end = min(len(text), start + 750)
            if end < len(text):
                end = text.rfind("\n", start, end) + 1 or end
            passages.append(Passage(len(passages), number + 1, start, end, text[start:end]))
            start = end
    return passages


@pytest.fixture(params=["openai", "gguf"])
def llm_config(request: pytest.FixtureRequest) -> GenerationConfig:
    """The HTTP provider against the real server, and the in-process GGUF provider on the same model file."""
    return GenerationConfig(
        provider=request.param,
        window_pages=1,
        llm_base_url=os.environ.get("LLM_TEST_BASE_URL", ""),
        llm_model=os.environ.get("LLM_TEST_MODEL", ""),
        llm_model_path=os.environ.get("LLM_TEST_GGUF", ""),
        llm_timeout=600,
        llm_max_tokens=512,
        llm_context=4096,
    )


@dataclass
class Recorded:
    """Every completion a real provider made: the parsed JSON, or why it was not JSON at all."""

    provider: LLMProvider
    calls: list[tuple[str, Any]] = field(default_factory=list)

    def outcomes(self, check: Any) -> list[str]:
        """Per call, ``valid`` or the reason the provider's own checks refuse it."""
        found = []
        for kind, value in self.calls:
            if kind == "error":
                found.append(f"invalid: {value}"[:160])
                continue
            try:
                check(value)
                found.append("valid")
            except InvalidOutput as error:
                found.append(f"invalid: {error}"[:160])
        return found


@pytest.fixture
def record() -> Any:
    def wrap(provider: LLMProvider) -> Recorded:
        recorded = Recorded(provider)
        real = provider._complete

        def recording(system: str, user: str, schema: dict[str, Any] | None = None) -> Any:
            try:
                data = real(system, user, schema)
            except InvalidOutput as error:
                recorded.calls.append(("error", str(error)))
                raise
            recorded.calls.append(("reply", data))
            return data

        provider._complete = recording  # type: ignore[method-assign]
        return recorded

    return wrap


def report(test: str, engine: str, recorded: Recorded, outcomes: list[str], seconds: float) -> None:
    REPORT.append(
        {"test": test, "engine": engine, "calls": len(recorded.calls), "seconds": seconds, "outcomes": outcomes}
    )
