"""The English stemmer port stems every word exactly as summa's does: every word TextRank stems in the text
files of the corpus, hand-picked edge cases, a seeded fuzz, and the suffix tables the port looks up."""

import itertools
import random
from pathlib import Path

import pytest
from summa.preprocessing.snowball import EnglishStemmer, SnowballStemmer
from summa.preprocessing.textcleaner import split_sentences

from apps.generation import stemming, textrank
from apps.generation.stemming import english_stem
from bench import generation as bench

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "corpus"
summa_stem = SnowballStemmer("english").stem


def _differences(words: list[str]) -> list[tuple[str, str, str]]:
    """(word, summa's stem, the port's stem) for every word the two stem differently."""
    return [(w, summa_stem(w), english_stem(w)) for w in words if summa_stem(w) != english_stem(w)]


def _corpus_words() -> list[str]:
    """Every distinct word textrank's tokenizer stems in the corpus' text files (the whole novel among them)."""
    stopwords, _ = textrank._language("english")
    words: set[str] = set()

    def record(word: str) -> str:
        words.add(word)
        return word

    for path in sorted(CORPUS.glob("*.txt")):
        for sentence in split_sentences(path.read_text(encoding="utf-8")):
            textrank._token(sentence, stopwords, record)
    return sorted(words)


def _corpus_words_sample() -> list[str]:
    """The words of the short texts of the corpus (the novel's first chapters and an article)."""
    stopwords, _ = textrank._language("english")
    words: set[str] = set()
    for name in ("war-and-peace-chapters-1-3.txt", "norwich-city.txt"):
        for sentence in split_sentences((CORPUS / name).read_text(encoding="utf-8")):
            words.update(textrank._token(sentence, stopwords, str).split())
    return sorted(words)


def test_every_word_of_the_corpus_is_stemmed_as_summa_stems_it() -> None:
    words = _corpus_words()

    assert len(words) > 17_000  # the novel alone has some 17,000 distinct words
    assert _differences(words) == []


EDGE_CASES = [
    # summa's table of special words, and words one letter away from them
    *["skis", "skies", "dying", "lying", "tying", "idly", "gently", "ugly", "early", "only", "singly", "sky"],
    *["news", "howe", "atlas", "cosmos", "bias", "andes", "innings", "outings", "cannings", "herrings"],
    *["proceed", "proceeds", "proceeded", "proceeding", "exceeding", "succeeded", "succeeding", "earrings"],
    *["generously", "generate", "general", "generalization", "generic", "gener", "communism", "community"],
    *["communication", "arsenal", "arsenic", "arsen", "sky's", "skying", "newses", "dyings", "onlys"],
    # apostrophes: possessives, leading, inner, the curly ones summa maps to "'"
    *["'s", "''s", "'''", "'s'", "dog's", "dogs'", "dog's'", "'tis", "'twas", "o'clock", "won't", "don't"],
    *["ma'am", "rock'n'roll", "'yes", "''yes", "ships'", "ship\u2019s", "\u2018tis", "\u201btwas", "dogs\u2019"],
    *["'ll", "'re", "'ve", "y'all", "\u2019", "\u2019\u2019s", "class'", "class's"],
    # y as a consonant or a vowel
    *["yes", "yet", "you", "yyy", "yyyy", "ayyy", "boy", "boys", "toy", "saying", "crying", "cry", "sky"],
    *["flying", "happy", "happiness", "by", "bye", "dye", "eye", "eyes", "buy", "obeyed", "enjoy", "yoyo"],
    *["yearly", "lay", "layy", "Yes", "YES", "ayay", "yy'y"],
    # step 1a/1b edge: short stems, doubled consonants, "at"/"bl"/"iz", a short syllable
    *["ties", "cries", "died", "lied", "ied", "ies", "sses", "caresses", "gas", "this", "us", "bus", "ss", "s"],
    *["hopping", "hoping", "hoped", "hopped", "filing", "filling", "luxuriating", "troubled", "sized", "bled"],
    *["agreed", "feed", "feedly", "eedly", "ingly", "edly", "ing", "ed", "bing", "sing", "king", "ring"],
    *["agreedly", "exceedingly", "conflated", "disabled", "realized", "fizzed", "failing", "tinned", "fixed"],
    # steps 2 to 5
    *["relational", "conditional", "rational", "valenci", "hesitanci", "digitizer", "conformabli"],
    *["radicalli", "differentli", "vileli", "analogousli", "vietnamization", "predication", "operator"],
    *["feudalism", "decisiveness", "hopefulness", "callousness", "formaliti", "sensitiviti", "sensibiliti"],
    *["analogi", "geologi", "biologi", "ogi", "li", "cli", "elegantli", "fulli", "hopelessli", "triplicate"],
    *["formative", "formalize", "electriciti", "electrical", "hopeful", "goodness", "revival", "allowance"],
    *["inference", "airliner", "gyroscopic", "adjustable", "defensible", "irritant", "replacement"],
    *["adjustment", "dependent", "adoption", "communism", "activate", "angulariti", "homologous"],
    *["effective", "bowdlerize", "vision", "fusion", "motion", "opinion", "fall", "roll", "controll"],
    *["probate", "rate", "cease", "hope", "have", "agree", "value", "because", "skate", "conceive"],
    *["generalizations", "oscillators", "sensational", "traditional", "inventiveness", "fearfulness"],
    # words of one to three letters, empty, upper case, digits, other scripts
    *["", "a", "I", "ab", "AB", "is", "was", "abc", "bed", "led", "red", "sed", "Ed", "ED", "yed", "xed"],
    *["RUNNING", "Generously", "NEWS", "SkIs", "DYING", "PROCEEDING", "GENTLY", "Succeeded"],
    *["1984", "3rd", "4th", "a1b2", "2000s", "1920's", "10ing", "covid19", "b52s", "v8"],
    *["caf\u00e9", "na\u00efve", "na\u00efvet\u00e9", "\u00e9t\u00e9", "t\u00eate", "\u00eatre", "intimit\u00e9"],
    *["sch\u00e4chen", "stra\u00dfe", "\u0130stanbul", "\u0130", "\u0130\u0130", "\u212aelvin", "\u017fing"],
    *["\u041c\u043e\u0441\u043a\u0432\u0430", "\u00c9COLE", "cr\u00e8me", "fa\u00e7ades", "\u00e0", "\u00e2\x80\x94"],
    *["r\u00e9sum\u00e9s", "ni\u00f1os", "co\u00f6perate", "ze\u00efty", "tab\tbed", "new\nline", " space "],
]


@pytest.mark.parametrize("word", EDGE_CASES, ids=repr)
def test_an_edge_case_is_stemmed_as_summa_stems_it(word: str) -> None:
    assert english_stem(word) == summa_stem(word)


def test_the_special_words_are_summas() -> None:
    assert EnglishStemmer._EnglishStemmer__special_words == stemming._SPECIAL


PIECES = [
    *["gener", "commun", "arsen", "y", "yy", "ay", "oy", "uy", "'", "\u2019", "'s", "'s'", "Y", "E", "\u00e9"],
    *["s", "es", "ies", "ied", "sses", "ss", "us", "eed", "eedly", "ed", "edly", "ing", "ingly", "ly"],
    *["at", "bl", "iz", "bb", "dd", "ff", "gg", "mm", "nn", "pp", "rr", "tt", "hop", "fil", "w", "x"],
    *["ization", "ational", "fulness", "ousness", "iveness", "tional", "biliti", "lessli", "entli", "ation"],
    *["alism", "aliti", "ousli", "iviti", "fulli", "enci", "anci", "abli", "izer", "ator", "alli", "bli"],
    *["ogi", "logi", "li", "cli", "alize", "icate", "iciti", "ative", "ical", "ness", "ful"],
    *["ement", "ance", "ence", "able", "ible", "ment", "ant", "ent", "ism", "ate", "iti", "ous", "ive"],
    *["ize", "ion", "sion", "tion", "al", "er", "ic", "e", "l", "ll", "str", "qu", "ab", "ob", "ul", "ee"],
]
LETTERS = "abcdefghijklmnopqrstuvwxyz'"


def _fuzz_word(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(1, 5)):
        if rng.random() < 0.6:
            parts.append(rng.choice(PIECES))
        else:
            parts.append("".join(rng.choice(LETTERS) for _ in range(rng.randint(1, 3))))
    return "".join(parts)


def test_words_built_of_suffixes_are_stemmed_as_summa_stems_them() -> None:
    rng = random.Random(20261127)
    words = [_fuzz_word(rng) for _ in range(20_000)]

    assert len({summa_stem(w) for w in words}) > 10_000  # varied words, not one case 20,000 times
    assert _differences(words) == []


def test_every_short_string_of_a_small_alphabet_is_stemmed_as_summa_stems_it() -> None:
    alphabet = "aeysltdi'"
    words = ["".join(t) for size in range(1, 5) for t in itertools.product(alphabet, repeat=size)]

    assert len(words) == 9 + 9**2 + 9**3 + 9**4
    assert _differences(words) == []


def _summa_tuple(name: str) -> tuple[str, ...]:
    return getattr(EnglishStemmer, f"_EnglishStemmer__{name}_suffixes")


@pytest.mark.parametrize("name", ["step0", "step1a", "step1b", "step2", "step3", "step4"])
def test_summas_first_suffix_in_tuple_order_is_the_longest_that_matches(name: str) -> None:
    # summa takes the first suffix of its tuple that the word ends with; the port takes the longest. Two
    # suffixes can end the same word only when one ends the other: then the longer must come first.
    suffixes = _summa_tuple(name)
    pairs = 0
    for earlier, later in itertools.combinations(suffixes, 2):  # in tuple order
        if earlier.endswith(later) or later.endswith(earlier):
            pairs += 1
            assert len(earlier) > len(later), (earlier, later)

    assert pairs > 0


@pytest.mark.parametrize(
    ("table", "name"),
    [
        (stemming._STEP1B_SET, "step1b"),
        (stemming._STEP2, "step2"),
        (stemming._STEP3, "step3"),
        (stemming._STEP4_SET, "step4"),
    ],
)
def test_the_port_finds_the_suffix_summa_finds(table, name: str) -> None:
    suffixes = _summa_tuple(name)
    words = [*suffixes, *(p + s for s in suffixes for p in ("a", "at", "ic", "ful", "'", "Y")), *EDGE_CASES]
    words += _corpus_words_sample()
    checked = 0
    for word in words:
        first = next((s for s in suffixes if word.endswith(s)), None)
        if first is not None:
            checked += 1
            assert stemming._longest(word, table, stemming._lengths(table)) == first, word

    assert checked > len(suffixes) * 6


def test_the_port_looks_up_summas_suffixes() -> None:
    assert _summa_tuple("step1b") == stemming._STEP1B
    assert tuple(stemming._STEP2) == _summa_tuple("step2")
    assert tuple(stemming._STEP3) == _summa_tuple("step3")
    assert _summa_tuple("step4") == stemming._STEP4
    assert EnglishStemmer._EnglishStemmer__double_consonants == stemming._DOUBLES
    assert EnglishStemmer._EnglishStemmer__li_ending == stemming._LI_ENDING


def test_textrank_stems_english_with_the_port_and_forget_empties_its_cache() -> None:
    _, stem = textrank._language("english")
    assert stem.__wrapped__ is english_stem  # type: ignore[attr-defined]
    assert stem("generously") == "generous"
    assert stem.cache_info().currsize > 0  # type: ignore[attr-defined]

    bench.forget()

    _, fresh = textrank._language("english")
    assert fresh.cache_info().currsize == 0  # type: ignore[attr-defined]
    assert textrank._language("french")[1]("nationales") == SnowballStemmer("french").stem("nationales")
