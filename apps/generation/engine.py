"""Entry points: notes and questions for a document, one page window at a time."""

from collections.abc import Callable, Iterable

from apps.generation import offline, questions
from apps.generation.analysis import analysed_windows
from apps.generation.providers import Provider, provider_for, questions_per_window
from apps.generation.questions import Pool, gives_answer_away, is_near_duplicate
from apps.generation.types import GenerationConfig, Notes, Passage, Question, QuestionSet

Progress = Callable[[int], None]  # pages done so far


def _engine_name(provider: Provider | None, fallbacks: int, provider_windows: int) -> str:
    if provider is None or provider_windows == 0:
        return offline.ENGINE
    return provider.name if fallbacks == 0 else f"{provider.name}+{offline.ENGINE}"


def generate_notes(passages: Iterable[Passage], *, config: GenerationConfig, progress: Progress | None = None) -> Notes:
    """Summary, key points, glossary and outline; every item cites its chunk and page."""
    provider = provider_for(config)
    summary, points, glossary, outline = [], [], [], []
    seen_terms: set[str] = set()
    fallbacks = used = pages = 0
    for analysis in analysed_windows(passages, config=config):
        window = analysis.window
        part = provider.notes(window) if provider is not None else None
        if part is None:
            fallbacks += provider is not None
            part = offline.window_notes(
                window, config, seen_terms, phrases=analysis.phrases, prose=analysis.prose, maybe=analysis.maybe
            )
        else:
            used += 1
        summary += part.summary
        points += part.key_points
        glossary += part.glossary
        outline += part.outline
        pages += len(window.pages)
        if progress is not None:
            progress(pages)
    return Notes(summary, points, glossary, outline, _engine_name(provider, fallbacks, used), fallbacks)


def generate_questions(
    passages: Iterable[Passage],
    *,
    count: int,
    types: list[str],
    difficulty: str,
    config: GenerationConfig,
    page_count: int | None = None,
    progress: Progress | None = None,
) -> QuestionSet:
    """Up to ``count`` questions of ``types`` (in turn), spread over the document, each citing its passage."""
    provider = provider_for(config)
    pool = Pool()
    from_provider: list[list[Question]] = []
    fallbacks = used = pages = 0
    expected_windows = -(-(page_count or config.window_pages) // config.window_pages)
    for analysis in analysed_windows(passages, config=config):
        window = analysis.window
        questions.collect(window, pool, config, terms_of=analysis.terms, lowercase=analysis.lowercase)
        if provider is not None:
            asked = questions_per_window(count, expected_windows)
            found = provider.questions(window, count=asked, types=types, difficulty=difficulty)
            if found is None:
                fallbacks += 1
            else:
                used += 1
                from_provider.append(found)
        pages += len(window.pages)
        if progress is not None:
            progress(pages)
    chosen = _round_robin(from_provider, count)
    topped_up = 0
    if len(chosen) < count:
        for question in questions.assemble(pool, count=count, types=types, difficulty=difficulty):
            if len(chosen) < count and not is_near_duplicate(question, chosen):
                chosen.append(question)
                topped_up += 1
    engine = _engine_name(provider, fallbacks + topped_up, used)
    return QuestionSet(chosen, engine, fallbacks)


def _round_robin(groups: list[list[Question]], count: int) -> list[Question]:
    chosen: list[Question] = []
    for row in range(max((len(g) for g in groups), default=0)):
        for group in groups:
            if row < len(group) and len(chosen) < count:
                question = group[row]
                if not gives_answer_away(question) and not is_near_duplicate(question, chosen, by_passage=False):
                    chosen.append(question)
    return chosen
