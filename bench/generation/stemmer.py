"""CPU of summa's English stemmer and of its port (:mod:`apps.generation.stemming`), per word and inside
``textrank.scores``, in one process.

    .venv/bin/python -m bench.generation.compare store DIR    (once: the bench documents' passages)
    .venv/bin/python -m bench.generation.stemmer DIR [PASSES]  (default 7 passes; the least CPU of each kept)

Words: every distinct word textrank stems in the whole novel (tests/fixtures/corpus), and the distinct words
it stems in the summaries of the novel's bench windows (the novel in DIR, as ``compare store`` kept it).
Each pass stems each word once through a fresh ``lru_cache``, as the engine does after the bench's
``forget``. TextRank: ``textrank.scores`` on the texts the novel's notes rank (recorded while the offline
engine writes them), with summa's stemmer and with the port, each pass from an empty stem cache; the two
must give the same scores. CPU is ``time.process_time``; the two sides alternate pass by pass.
"""

import json
import sys
import time
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from bench.generation import ROOT

NOVEL = ROOT / "tests" / "fixtures" / "corpus" / "book-war-and-peace-1225p.txt"


def _ranked_texts(folder: Path) -> list[str]:
    """The texts ``textrank.scores`` gets while the offline engine writes the stored novel's notes."""
    from apps.generation import GenerationConfig, Passage, generate_notes, textrank

    stored = next(
        s for p in sorted(folder.glob("*.json")) if (s := json.loads(p.read_text()))["document"].startswith("novel")
    )
    texts: list[str] = []
    original = textrank.scores

    def record(text: str, **options: Any) -> list[tuple[str, float]]:
        texts.append(text)
        return original(text, **options)

    textrank.scores = record
    try:
        generate_notes([Passage(**p) for p in stored["passages"]], config=GenerationConfig())
    finally:
        textrank.scores = original
    return texts


def _words(texts: list[str]) -> list[str]:
    from summa.preprocessing.textcleaner import split_sentences

    from apps.generation import textrank

    stopwords, _ = textrank._language("english")
    words: set[str] = set()

    def record(word: str) -> str:
        words.add(word)
        return word

    for text in texts:
        for sentence in split_sentences(text):
            textrank._token(sentence, stopwords, record)
    return sorted(words)


def _least(passes: int, sides: dict[str, Callable[[], None]]) -> dict[str, float]:
    least = dict.fromkeys(sides, float("inf"))
    for _ in range(passes):
        for name, side in sides.items():
            started = time.process_time()
            side()
            least[name] = min(least[name], time.process_time() - started)
    return least


def main(folder: Path, passes: int = 7) -> None:
    from summa.preprocessing.snowball import SnowballStemmer

    from apps.generation import stemming, textrank

    summa_stem = SnowballStemmer("english").stem
    stemmers = {"summa": summa_stem, "port": stemming.english_stem}
    texts = _ranked_texts(folder)
    word_sets = {"whole novel": _words([NOVEL.read_text(encoding="utf-8")]), "novel notes": _words(texts)}

    def stem_cold(stem: Callable[[str], str], words: list[str]) -> Callable[[], None]:
        def run() -> None:
            cached = lru_cache(maxsize=65536)(stem)
            for word in words:
                cached(word)

        return run

    for label, words in word_sets.items():
        least = _least(passes, {name: stem_cold(stem, words) for name, stem in stemmers.items()})
        per_word = {name: seconds / len(words) * 1e6 for name, seconds in least.items()}
        print(
            f"stem, {label} ({len(words)} distinct words): summa {per_word['summa']:.2f} us/word, "
            f"port {per_word['port']:.2f} us/word, {least['summa'] / least['port']:.2f}x; "
            f"saved {(least['summa'] - least['port']) * 1000:.1f} ms"
        )

    def use(stem: Callable[[str], str]) -> None:
        """``textrank`` stems English with ``stem`` from an empty stem cache (what ``_language`` wraps)."""
        textrank.english_stem = stem  # type: ignore[assignment]
        textrank._language.cache_clear()

    def scores_with(stem: Callable[[str], str]) -> Callable[[], None]:
        def run() -> None:
            use(stem)
            for text in texts:
                textrank.scores(text)

        return run

    outputs = []
    for stem in stemmers.values():
        use(stem)
        outputs.append([textrank.scores(text) for text in texts])
    assert outputs[0] == outputs[1], "the port changed a TextRank score"
    least = _least(passes, {name: scores_with(stem) for name, stem in stemmers.items()})
    print(
        f"textrank.scores on the novel's {len(texts)} ranked texts: summa's stemmer {least['summa'] * 1000:.1f} ms, "
        f"port {least['port'] * 1000:.1f} ms, saved {(least['summa'] - least['port']) * 1000:.1f} ms (same scores)"
    )
    use(stemming.english_stem)


if __name__ == "__main__":
    main(Path(sys.argv[1]), *(int(a) for a in sys.argv[2:3]))
