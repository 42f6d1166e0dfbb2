"""The offline engine: keyphrases (yake), TextRank (summa) and rules, on one page window at a time."""

import bisect
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from apps.generation.keyphrases import extract
from apps.generation.text import STOPWORDS, content_words, normalise
from apps.generation.types import GenerationConfig, GlossaryEntry, NoteItem, OutlineEntry
from apps.generation.windows import Sentence, Window

ENGINE = "offline"
#: TextRank compares every pair of sentences: it sees at most this many per window.
MAX_RANKED_SENTENCES = 60
#: Keyphrases are found in at most this many characters of a window's prose.
MAX_KEYPHRASE_CHARS = 8_000

_DEFINITION = re.compile(
    r"^(?P<term>[A-Z][\w'\u2019-]*(?:\s+[\w'\u2019-]+){0,4}?)(?:\s*\([^)]{0,80}\))?,?\s+"
    r"(?P<verb>is|are|was|were|refers to|means|is defined as|describes)\s+(?P<rest>(?:a|an|the|one)\b.+)$"
)
#: A verb of ``_DEFINITION`` between white space ("is defined as" starts with "is"): found in every sentence
#: the pattern matches.
_DEFINING_VERB = re.compile(r"\s(?:is|are|was|were|refers|means|describes)\s")
_PRONOUNS = frozenset(
    [
        "it",
        "this",
        "that",
        "these",
        "those",
        "he",
        "she",
        "they",
        "there",
        "we",
        "i",
        "his",
        "her",
        "their",
        "its",
        "such",
        "each",
        "another",
        "what",
        "which",
        "who",
        "one",
        "all",
        "some",
        "most",
        "many",
        "both",
        "any",
        "none",
    ]
)
_REFERENCE_LIST = re.compile(r"\b(Retrieved|Archived|ISBN|ISSN|doi|Accessed|Cited)\b|\bpp?\.\s*\d|et al\.")
_NOT_NAMES = frozenset(
    [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "euro",
    ]
)
_YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")
_NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![\w]|[.,]\d)")
#: Names: ``\b([A-Z]...)`` written with the word boundary tested after the capital (``(?<!\w[A-Z])``: the
#: character before it is no word character), the same matches, found without trying a boundary at every
#: position of the text.
_NAME = re.compile(
    r"([A-Z](?<!\w[A-Z])[a-z\u00e0-\u024f]+(?:\s+(?:of\s+|de\s+|the\s+)?[A-Z][a-z\u00e0-\u024f]+){0,3})\b"
)
#: Every year and number holds a decimal digit (``\d``): a sentence without one is not scanned for them.
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class Term:
    text: str
    kind: str  # year, number, name, phrase
    rank: int  # 0 is the window's best keyphrase


def term_kind(text: str) -> str:
    if _YEAR.fullmatch(text):
        return "year"
    if re.fullmatch(r"[\d,.]+", text):
        return "number"
    if all(w[0].isupper() for w in text.split() if w.casefold() not in STOPWORDS):
        return "name"
    return "phrase"


def is_good_sentence(sentence: Sentence) -> bool:
    """A full, prose sentence that one chunk supports: the only kind questions and key points use. Asked once
    per sentence by the window's analysis (``WindowAnalysis.prose``), which the notes and the quiz share, so
    it keeps no cache of its own (a cache's look-up and upkeep cost an eighth of the test)."""
    text = sentence.text
    if not text:  # (no words: not a sentence of 8 to 35)
        return False
    return (
        sentence.is_whole
        and text[-1] in ".!?"  # before the word count: a cheaper test that rejects as many
        and text[0].isupper()
        and 8 <= sentence.word_count <= 35
        and _digits(text) < len(text) * 0.2
        and "http" not in text
        and not _lists_references(text)
    )


def _lists_references(text: str) -> bool:
    """``_REFERENCE_LIST.search(text) is not None``. The pattern tries its word boundary at every position of
    a sentence (several microseconds for a sentence of prose, where it matches nothing); each of its matches
    holds one of these literal pieces (``pp.`` holds ``p.``), which substring tests find far faster, so it
    runs only on a sentence that holds one."""
    if not (
        "p." in text
        or "et al." in text
        or "Retrieved" in text
        or "Archived" in text
        or "ISBN" in text
        or "ISSN" in text
        or "doi" in text
        or "Accessed" in text
        or "Cited" in text
    ):
        return False
    return _REFERENCE_LIST.search(text) is not None


_ASCII_DIGITS = re.compile(r"[0-9]")


def _has_digit(text: str) -> bool:
    """``_DIGIT.search(text) is not None``: in ASCII text a decimal digit is 0-9, which the prose filter counted."""
    if text.isascii():
        return _digits(text) > 0
    return _DIGIT.search(text) is not None


@lru_cache(maxsize=8192)  # counted by the prose filter, asked again by the terms of the same sentence
def _digits(text: str) -> int:
    """``sum(map(str.isdigit, text))``: for ASCII text, where only 0-9 are digits, counted by one regex scan
    instead of a Python call per character."""
    if text.isascii():
        return len(_ASCII_DIGITS.findall(text))
    return sum(map(str.isdigit, text))


def keyphrases(
    window: Window, config: GenerationConfig, top: int = 20, *, prose: list[Sentence] | None = None
) -> list[Term]:
    """The window's best yake keyphrases (one or two words) that stand in one of its prose sentences
    (``prose``: the window's sentences that pass :func:`is_good_sentence`, when the caller has them)."""
    good = [s.text for s in _prose(window, prose)]
    text = "\n".join(_spread(good, MAX_KEYPHRASE_CHARS))
    # A phrase (one line: yake reads the text with its line breaks made spaces) stands as a whole word in one
    # of the sentences if and only if it does in the sentences joined by line breaks: one scan of the whole
    # instead of one call per sentence until it is found.
    every_sentence = "\n".join(good)
    if not text.strip():
        return []
    found: list[Term] = []
    # yake's default deduplication limit (0.9): the engine used to pass yake 0.4's ``dedupLim=0.7``, which
    # yake 0.7 ignores, so 0.9 is what ran and what keeps the rankings unchanged.
    for phrase, _score in extract(text, language=config.language, n=2, top=top * 2):
        phrase = phrase.strip()
        capitals = {w[0].isupper() for w in phrase.split() if w.casefold() not in STOPWORDS}
        if len(capitals) > 1:  # "Roberts scored": a name and a verb, not a term
            continue
        if len(phrase) < 3 or phrase.casefold() in STOPWORDS or "\n" in phrase or not _contains(every_sentence, phrase):
            continue
        found.append(Term(phrase, term_kind(phrase), len(found)))
        if len(found) == top:
            break
    return found


def _prose(window: Window, prose: list[Sentence] | None) -> list[Sentence]:
    """``prose`` (the window's sentences that pass :func:`is_good_sentence`, when the caller has them: not
    tested again), else those of the window's sentences."""
    return prose if prose is not None else [s for s in window.sentences if is_good_sentence(s)]


def _spread(sentences: list[str], budget: int) -> list[str]:
    """At most ``budget`` characters of sentences taken evenly across the window (yake's cost grows with
    the text; its best phrases recur, so a spread sample finds them)."""
    total = sum(len(s) for s in sentences)
    if total <= budget:
        return sentences
    step = total / budget
    return [s for i, s in enumerate(sentences) if int(i % step) == 0 or step < 1][: max(1, budget // 80)]


@lru_cache(maxsize=8192)
def _term_pattern(term: str, flags: int = 0) -> re.Pattern[str]:
    """Compiled once per term: ``re``'s own cache holds 512 patterns, fewer than a window's terms x uses."""
    return re.compile(rf"(?<![\w-]){re.escape(term)}(?![\w-])", flags)


#: The only characters that ``re.IGNORECASE`` matches with an ASCII letter (U+0130, U+0131, U+017F, U+212A:
#: dotted and dotless I, long s, Kelvin sign); U+0130 is also the only one whose lower case is longer.
_FOLDS_TO_ASCII = re.compile("[\u0130\u0131\u017f\u212a]")


def _is_word_character(character: str) -> bool:
    """``[\\w-]`` as the term patterns' lookarounds see it (``\\w`` is ``str.isalnum`` or ``_``)."""
    return character.isalnum() or character == "_" or character == "-"


def occurrences(text: str, term: str, *, ignore_case: bool, at_most: int = 0) -> int:
    """How many times ``term`` stands in ``text`` as a whole word or phrase (not inside a longer word or a
    hyphenated one): ``len(_term_pattern(term, flags).findall(text))``, non-overlapping, stopping at
    ``at_most`` when given. Scanned with ``str.find`` and the lookarounds checked by hand, which gives the
    same count without compiling a pattern per term; ignoring case, that holds for an ASCII term in text
    without the four characters Unicode case folding matches with ASCII letters, and anything else goes
    through the pattern."""
    folds = ignore_case and not (term.isascii() and _lowered(text)[1])
    if not term or folds:
        pattern = _term_pattern(term, re.IGNORECASE if ignore_case else 0)
        if at_most == 1:
            return int(pattern.search(text) is not None)
        found = len(pattern.findall(text))
        return min(found, at_most) if at_most else found
    haystack, needle = (_lowered(text)[0], term.lower()) if ignore_case else (text, term)
    count, position, size, length = 0, 0, len(term), len(text)
    while (start := haystack.find(needle, position)) >= 0:
        end = start + size
        if (start == 0 or not _is_word_character(text[start - 1])) and (
            end == length or not _is_word_character(text[end])
        ):
            count += 1
            if count == at_most:
                break
            position = end
        else:
            position = start + 1
    return count


@lru_cache(maxsize=4096)
def _lowered(text: str) -> tuple[str, bool]:
    """``text.lower()``, and whether ``text`` is free of the four characters that Unicode case folding
    matches with ASCII letters (so that a lower-cased substring test is exact): asked for the same sentence
    with every term, once per sentence now."""
    return text.lower(), text.isascii() or _FOLDS_TO_ASCII.search(text) is None


@lru_cache(maxsize=256)
def _lowered_terms(terms: tuple[str, ...]) -> tuple[tuple[str, str | None], ...]:
    """Each term with its lower case, or None when it is not ASCII (never filtered out): a window's terms
    are tested against each of its sentences, and were lower-cased again for each."""
    return tuple((t, t.lower() if t.isascii() else None) for t in terms)


def _may_stand_in(text: str, terms: tuple[str, ...]) -> list[str]:
    """The ``terms`` (in their order) that :func:`occurrences` could find in ``text`` ignoring case: a
    substring test on the lower-cased text, where that test is exact (see :func:`occurrences`)."""
    lowered, exact = _lowered(text)
    if not exact:
        return list(terms)
    return [t for t, low in _lowered_terms(terms) if low is None or low in lowered]


def _may_stand_in_each(texts: list[str], terms: tuple[str, ...]) -> list[list[str]]:
    """``[_may_stand_in(t, terms) for t in texts]``: each term's lower case is looked for once in the texts'
    lower cases joined by line breaks (where it stands, in the text there, and on from the next text),
    instead of in each text, most of which hold none of the terms. A text holding a line break or one of
    the characters that fold to ASCII letters, and every text if a term holds a line break, is given what
    :func:`_may_stand_in` gives it."""
    pairs = _lowered_terms(terms)
    if not texts or any(low is not None and "\n" in low for _, low in pairs):
        return [_may_stand_in(t, terms) for t in texts]
    lowered = [_lowered(t) for t in texts]
    starts = list(itertools.accumulate((len(low) + 1 for low, _ in lowered[:-1]), initial=0))
    joined = "\n".join(low for low, _ in lowered)
    found: list[list[str]] = [[] for _ in texts]
    last = len(texts) - 1
    for term, low in pairs:
        if low is None:  # not ASCII: never filtered out
            for each in found:
                each.append(term)
            continue
        position = 0
        while (at := joined.find(low, position)) >= 0:
            index = bisect.bisect_right(starts, at) - 1
            found[index].append(term)
            if index == last:
                break
            position = starts[index + 1]
    for index, (low, exact) in enumerate(lowered):
        if not exact or "\n" in low:
            found[index] = _may_stand_in(texts[index], terms)
    return found


def _contains(sentence: str, term: str) -> bool:
    return occurrences(sentence, term, ignore_case=False, at_most=1) > 0


def count_in(sentence: str, term: str) -> int:
    return occurrences(sentence, term, ignore_case=True)


def sentence_terms(
    sentence: Sentence,
    phrases: list[Term],
    *,
    texts: tuple[str, ...] | None = None,
    maybe: list[str] | None = None,
    by_text: dict[str, Term] | None = None,
) -> list[Term]:
    """Terms a question could blank in ``sentence``: the window's keyphrases, years, numbers and names
    (``texts``: the phrases' texts, when the caller asks for every sentence of a window with the same ones;
    ``maybe``: :func:`_may_stand_in` of the sentence and those texts, when the caller has it; ``by_text``:
    each phrase by its text, when no two phrases share one: then only the phrases in ``maybe``, which lists
    them in the phrases' order, are looked at, not every phrase for every sentence)."""
    if maybe is None:
        maybe = _may_stand_in(sentence.text, tuple(t.text for t in phrases) if texts is None else texts)
    if by_text is not None:
        terms = [by_text[text] for text in maybe if count_in(sentence.text, text) == 1]
    else:
        standing = set(maybe)
        terms = [t for t in phrases if t.text in standing and count_in(sentence.text, t.text) == 1]
    seen = {t.text.casefold() for t in terms}
    extra: list[tuple[str, str]] = []
    if _has_digit(sentence.text):
        extra += [(m.group(1), "year") for m in _YEAR.finditer(sentence.text)]
        extra += [(m.group(1), "number") for m in _NUMBER.finditer(sentence.text) if not _YEAR.fullmatch(m.group(1))]
    extra += [
        (m.group(1), "name")
        for m in _NAME.finditer(sentence.text)
        if m.start() > 0 and m.group(1).split()[0].casefold() not in STOPWORDS
    ]
    for text, kind in extra:
        folded = text.casefold()
        if (
            folded not in seen
            and folded not in STOPWORDS
            and folded not in _NOT_NAMES
            and count_in(sentence.text, text) == 1
        ):
            seen.add(text.casefold())
            terms.append(Term(text, kind, len(phrases) + len(terms)))
    return terms


def summary(window: Window, config: GenerationConfig, *, prose: list[Sentence] | None = None) -> list[Sentence]:
    """TextRank's best sentences of the window (summa's scores, see :mod:`apps.generation.textrank`), in
    document order."""
    from apps.generation import textrank

    candidates = list(_prose(window, prose))
    if len(candidates) <= config.summary_sentences_per_window:
        return candidates
    ranked_input = sorted(candidates, key=lambda s: -s.word_count)[:MAX_RANKED_SENTENCES]
    ranked_input.sort(key=lambda s: (s.page, s.start))
    text = "\n".join(s.text for s in ranked_input)
    scored = textrank.scores(text, language=_summa_language(config))
    scores: dict[str, float] = {}
    for fragment, score in scored:
        for sentence in ranked_input:
            if fragment in sentence.text:
                scores[sentence.text] = max(scores.get(sentence.text, 0.0), score)
                break
    best = sorted(ranked_input, key=lambda s: (-scores.get(s.text, 0.0), s.page, s.start))
    chosen = best[: config.summary_sentences_per_window]
    return sorted(chosen, key=lambda s: (s.page, s.start))


def _summa_language(config: GenerationConfig) -> str:
    return {"fr": "french", "de": "german", "es": "spanish", "it": "italian"}.get(config.language, "english")


def key_points(
    window: Window,
    phrases: list[Term],
    exclude: set[str],
    config: GenerationConfig,
    *,
    prose: list[Sentence] | None = None,
    maybe: list[list[str]] | None = None,
) -> list[Sentence]:
    """Sentences that carry the most of the window's best keyphrases (not already in the summary).
    ``maybe``: :func:`_may_stand_in_each` of the ``prose`` sentences' texts and all the ``phrases``' texts,
    when the caller has it (the window's analysis computes it once for the notes and the quiz); it is used
    when no two phrases share a text (yake's phrases never do), else the look-up is made here."""
    weight = {t.text: 1.0 / (1 + t.rank) for t in phrases if t.kind == "phrase" or t.kind == "name"}
    weighted = tuple(weight)

    sentences = _prose(window, prose)
    if maybe is None or prose is None or len({t.text for t in phrases}) != len(phrases):
        considered = [s for s in sentences if s.text not in exclude]
        standing = _may_stand_in_each([s.text for s in considered], weighted)
    else:  # the same lists: ``weight``'s terms in their order (the phrases' order), of the sentences considered
        pairs = [(s, found) for s, found in zip(sentences, maybe, strict=True) if s.text not in exclude]
        considered = [s for s, _ in pairs]
        standing = [[t for t in found if t in weight] for _, found in pairs]
    scores = {
        s: sum(
            weight[term]  # in the order of ``weight``: the same float sum
            for term in found
            if occurrences(s.text, term, ignore_case=True, at_most=1)
        )
        for s, found in zip(considered, standing, strict=True)
    }
    candidates = [s for s, score in scores.items() if score > 0]
    best = sorted(candidates, key=lambda s: (-scores[s], s.page, s.start))[: config.key_points_per_window]
    return sorted(best, key=lambda s: (s.page, s.start))


@lru_cache(maxsize=8192)  # asked by the glossary (notes) and again by questions for the same sentences
def definition(sentence: Sentence) -> tuple[str, str] | None:
    """``(term, what it is)`` if the sentence defines a term ("A cell is the smallest unit of life.")."""
    text = sentence.text
    # The pattern needs a capital A-Z first and one of its verbs between spaces: most sentences fail these
    # two cheap tests (the same ones the pattern would fail, after more work).
    if not (text and "A" <= text[0] <= "Z" and _has_defining_verb(text)):
        return None
    if not (sentence.is_whole and 6 <= sentence.word_count <= 45):
        return None
    match = _DEFINITION.match(text)
    if match is None:
        return None
    term = match.group("term").strip()
    first = term.split()[0].casefold()
    if first in _PRONOUNS or (first in STOPWORDS and len(term.split()) == 1):
        return None
    rest = match.group("rest").rstrip(".!?")
    if len(content_words(rest)) < 2:
        return None
    return term, rest


def _has_defining_verb(text: str) -> bool:
    """``_DEFINING_VERB.search(text)``: in a printable text the only white space is the space (the other
    white space characters are controls or separators), so the pattern matches where one of its verbs
    stands between two spaces, which substring tests find faster than the pattern tried at every space."""
    if not text.isprintable():
        return _DEFINING_VERB.search(text) is not None
    return (
        " is " in text
        or " was " in text
        or " are " in text
        or " were " in text
        or " means " in text
        or " refers " in text
        or " describes " in text
    )


def glossary(window: Window, seen_terms: set[str]) -> list[GlossaryEntry]:
    entries = []
    for sentence in window.sentences:
        found = definition(sentence)
        if found is None or normalise(found[0]) in seen_terms:
            continue
        seen_terms.add(normalise(found[0]))
        entries.append(GlossaryEntry(term=found[0], definition=sentence.text, citation=sentence.citation))
    return entries


def outline(window: Window, phrases: list[Term]) -> list[OutlineEntry]:
    if window.headings:
        return [OutlineEntry(h.title, h.level, h.citation) for h in window.headings]
    if not window.sentences:
        return []
    first, last = window.pages[0], window.pages[-1]
    label = f"Page {first}" if first == last else f"Pages {first}-{last}"
    topics = ", ".join(t.text for t in phrases[:3])
    return [OutlineEntry(f"{label}: {topics}" if topics else label, 1, window.sentences[0].citation)]


@dataclass
class WindowNotes:
    summary: list[NoteItem]
    key_points: list[NoteItem]
    glossary: list[GlossaryEntry]
    outline: list[OutlineEntry]


def window_notes(
    window: Window,
    config: GenerationConfig,
    seen_terms: set[str],
    *,
    phrases: list[Term] | None = None,
    prose: list[Sentence] | None = None,
    maybe: list[list[str]] | None = None,
) -> WindowNotes:
    """``phrases``, ``prose`` and ``maybe`` (the window's keyphrases, prose sentences, and which phrases may
    stand in each prose sentence, see :func:`key_points`) when already computed."""
    if phrases is None:
        phrases = keyphrases(window, config, prose=prose)
    chosen = summary(window, config, prose=prose)
    points = key_points(window, phrases, {s.text for s in chosen}, config, prose=prose, maybe=maybe)
    return WindowNotes(
        summary=_items(chosen),
        key_points=_items(points),
        glossary=glossary(window, seen_terms),
        outline=outline(window, phrases),
    )


def _items(sentences: Iterable[Sentence]) -> list[NoteItem]:
    return [NoteItem(s.text, s.citation) for s in sentences]
