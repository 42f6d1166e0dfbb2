"""The English Snowball stemmer exactly as summa ships it, about two and a half times cheaper per word.

summa (whose TextRank :mod:`apps.generation.textrank` reproduces) stems with
``summa.preprocessing.snowball.EnglishStemmer``, an old NLTK port (3.0.1) of Martin Porter's English
("Porter2") Snowball algorithm. Its output is not always today's algorithm's: the algorithm has been revised
since, and the port has quirks of its own (it keeps the regions R1 and R2 as strings that it cuts and
extends beside the word, and after "ation" -> "ate" a short R2 becomes "e"), so PyStemmer (libstemmer)
stems 178 of 21,775 distinct corpus words differently (docs/benchmarks.md), and summaries would change.
:func:`english_stem` returns what summa's ``stem`` returns for every string, and does it with:

- the regions kept as lengths. Every change summa makes to R1 and R2 keeps each one a suffix of the word
  (R2 also a suffix of R1, at least two letters shorter than R1 when not empty), so ``len(r)`` says all
  there is to know about ``r``: ``r.endswith(s)`` is ``word.endswith(s) and len(r) >= len(s)``, and
  summa's ``r = r[:-k] + add if len(r) >= k else fallback`` becomes arithmetic on the length;
- the regions found by one regular expression search each instead of a Python loop over the letters;
- each step's suffix found by one C-level ``str.endswith(tuple)`` that rejects the (many) words that end in
  none of them, then a dictionary look-up of the word's last k letters, longest first. summa takes the
  first suffix of its tuple that the word ends with; in every tuple a suffix that ends another one comes
  before it, so the first is the longest (tests/unit/generation/test_stemming.py checks this on summa's
  own tuples, and compares the two stemmers on every word of the corpus, on edge cases and on a fuzz);
- no work for what a word lacks: the apostrophe mapping only on non-ASCII words, the "y" marking only
  on words with a "y".
"""

import re

_VOWELS = "aeiouy"
_DOUBLES = ("bb", "dd", "ff", "gg", "mm", "nn", "pp", "rr", "tt")
_LI_ENDING = "cdeghkmnrt"

#: Words stemmed by table, as summa's ``__special_words`` (looked up after lower-casing, before anything else).
_SPECIAL = {
    "skis": "ski",
    "skies": "sky",
    "dying": "die",
    "lying": "lie",
    "tying": "tie",
    "idly": "idl",
    "gently": "gentl",
    "ugly": "ugli",
    "early": "earli",
    "only": "onli",
    "singly": "singl",
    "sky": "sky",
    "news": "news",
    "howe": "howe",
    "atlas": "atlas",
    "cosmos": "cosmos",
    "bias": "bias",
    "andes": "andes",
    "inning": "inning",
    "innings": "inning",
    "outing": "outing",
    "outings": "outing",
    "canning": "canning",
    "cannings": "canning",
    "herring": "herring",
    "herrings": "herring",
    "earring": "earring",
    "earrings": "earring",
    "proceed": "proceed",
    "proceeds": "proceed",
    "proceeded": "proceed",
    "proceeding": "proceed",
    "exceed": "exceed",
    "exceeds": "exceed",
    "exceeded": "exceed",
    "exceeding": "exceed",
    "succeed": "succeed",
    "succeeds": "succeed",
    "succeeded": "succeed",
    "succeeding": "succeed",
}

#: A vowel then a non-vowel: R1 starts after the first such pair, R2 after the first one inside R1.
_REGION_MARK = re.compile("[aeiouy][^aeiouy]")
_VOWEL = re.compile("[aeiouy]")

#: A replacement: how many letters leave the end of the word, what is added, and R2's length when R2 is
#: shorter than what leaves (summa then sets R2 to "" and, after "ation"/"ator"/"ational" -> "ate" and
#: "iveness"/"iviti" -> "ive" in step 2, to "e"). R1 always holds the whole suffix when a rule applies.
_Rule = tuple[int, str, int]

_STEP1B = ("eedly", "ingly", "edly", "eed", "ing", "ed")
_STEP2: dict[str, _Rule] = {
    "ization": (7, "ize", 0),
    "ational": (7, "ate", 1),
    "fulness": (4, "", 0),
    "ousness": (7, "ous", 0),
    "iveness": (7, "ive", 1),
    "tional": (2, "", 0),
    "biliti": (6, "ble", 0),
    "lessli": (2, "", 0),
    "entli": (2, "", 0),
    "ation": (5, "ate", 1),
    "alism": (5, "al", 0),
    "aliti": (5, "al", 0),
    "ousli": (5, "ous", 0),
    "iviti": (5, "ive", 1),
    "fulli": (2, "", 0),
    "enci": (1, "e", 0),
    "anci": (1, "e", 0),
    "abli": (1, "e", 0),
    "izer": (4, "ize", 0),
    "ator": (4, "ate", 1),
    "alli": (4, "al", 0),
    "bli": (3, "ble", 0),
    "ogi": (1, "", 0),
    "li": (2, "", 0),
}
#: Step 2's suffixes that change only after given letters: "ogi" -> "og" after "l", "li" goes after one of
#: _LI_ENDING (the letter at this position from the end of the word).
_STEP2_ONLY_AFTER = {"ogi": (-4, "l"), "li": (-3, _LI_ENDING)}
_STEP3: dict[str, _Rule] = {
    "ational": (7, "ate", 0),
    "tional": (2, "", 0),
    "alize": (3, "", 0),
    "icate": (5, "ic", 0),
    "iciti": (5, "ic", 0),
    "ative": (5, "", 0),  # only when R2 holds it too
    "ical": (4, "ic", 0),
    "ness": (4, "", 0),
    "ful": (3, "", 0),
}
#: Step 4 deletes the suffix when R2 holds it ("ion" only after "s" or "t").
_STEP4 = (
    "ement",
    "ance",
    "ence",
    "able",
    "ible",
    "ment",
    "ant",
    "ent",
    "ism",
    "ate",
    "iti",
    "ous",
    "ive",
    "ize",
    "ion",
    "al",
    "er",
    "ic",
)


def _lengths(suffixes: frozenset[str] | dict[str, _Rule]) -> tuple[int, ...]:
    return tuple(sorted({len(s) for s in suffixes}, reverse=True))


_STEP1B_SET = frozenset(_STEP1B)
_STEP1B_LENGTHS = _lengths(_STEP1B_SET)
_STEP2_SUFFIXES, _STEP2_LENGTHS = tuple(_STEP2), _lengths(_STEP2)
_STEP3_SUFFIXES, _STEP3_LENGTHS = tuple(_STEP3), _lengths(_STEP3)
_STEP4_SET = frozenset(_STEP4)
_STEP4_LENGTHS = _lengths(_STEP4_SET)


def _longest(word: str, suffixes: frozenset[str] | dict[str, _Rule], lengths: tuple[int, ...]) -> str:
    """The longest of ``suffixes`` that ``word`` ends with (the caller knows there is one). When the word is
    shorter than k, ``word[-k:]`` is the whole word: if that is a suffix, no longer one can match."""
    for k in lengths:
        if word[-k:] in suffixes:
            return word[-k:]
    raise AssertionError(f"{word!r} ends with none of the suffixes")  # pragma: no cover - callers check first


def _mark_y(word: str) -> str:
    """An initial "y" and every "y" after a vowel become "Y" (a consonant), left to right: in "ayyy" the
    second "y" follows a "Y", so it stays a vowel and marks the third: "aYyY"."""
    letters = list(word)
    if letters[0] == "y":
        letters[0] = "Y"
    for i in range(1, len(letters)):
        if letters[i] == "y" and letters[i - 1] in _VOWELS:
            letters[i] = "Y"
    return "".join(letters)


def _regions(word: str) -> tuple[int, int]:
    """Where summa's R1 and R2 start (the word's length when empty)."""
    if word.startswith(("gener", "arsen")):
        r1 = 5
    elif word.startswith("commun"):
        r1 = 6
    else:
        found = _REGION_MARK.search(word)
        r1 = found.end() if found else len(word)
    found = _REGION_MARK.search(word, r1)
    return r1, found.end() if found else len(word)


def english_stem(word: str) -> str:
    """``summa.preprocessing.snowball.SnowballStemmer("english").stem(word)``, for any string."""
    word = word.lower()
    if len(word) <= 2:
        return word
    special = _SPECIAL.get(word)
    if special is not None:
        return special
    word = _prepare(word)
    start1, start2 = _regions(word)
    r1, r2 = len(word) - start1, len(word) - start2  # the regions' lengths; each is a suffix of the word
    # Each step's own test of the word's end first: most words skip most steps.
    if "'" in word:
        word, r1, r2 = _step0(word, r1, r2)
    if word.endswith(("s", "ied")):
        word, r1, r2 = _step1a(word, r1, r2)
    if word.endswith(_STEP1B):
        word, r1, r2 = _step1b(word, r1, r2)
    if len(word) > 2 and word[-1] in "yY" and word[-2] not in _VOWELS:
        word = word[:-1] + "i"  # step 1c: a final "y" after a consonant; the regions keep their lengths
    if word.endswith(_STEP2_SUFFIXES):
        word, r1, r2 = _step2(word, r1, r2)
    if word.endswith(_STEP3_SUFFIXES):
        word, r1, r2 = _step3(word, r1, r2)
    if word.endswith(_STEP4):
        word, r1, r2 = _step4(word, r1, r2)
    return _step5(word, r1, r2).replace("Y", "y")


def _prepare(word: str) -> str:
    """One apostrophe for the three summa maps to it, no leading apostrophe, "y" as a consonant marked "Y"."""
    if not word.isascii():
        word = word.replace("\u2019", "'").replace("\u2018", "'").replace("\u201b", "'")
    if word[0] == "'":
        word = word[1:]
    return _mark_y(word) if "y" in word else word


def _cut(word: str, r1: int, r2: int, k: int) -> tuple[str, int, int]:
    """summa's ``word[:-k]``, ``r1[:-k]``, ``r2[:-k]`` (a region shorter than k becomes empty)."""
    return word[:-k], max(r1 - k, 0), max(r2 - k, 0)


def _step0(word: str, r1: int, r2: int) -> tuple[str, int, int]:
    """Possessives: "'s'", "'s" or "'" goes."""
    for suffix in ("'s'", "'s", "'"):
        if word.endswith(suffix):
            return _cut(word, r1, r2, len(suffix))
    return word, r1, r2


def _step1a(word: str, r1: int, r2: int) -> tuple[str, int, int]:
    """Plurals (the word ends with "s" or "ied"). summa's order is "sses", "ied", "ies", "us", "ss", "s":
    of those a word can end with two of, "sses" comes before "ss" and "s", "ies" before "s"."""
    if word.endswith("sses"):
        return _cut(word, r1, r2, 2)
    if word.endswith(("ied", "ies")):
        return _cut(word, r1, r2, 2 if len(word) > 4 else 1)
    if word.endswith(("us", "ss")) or not _VOWEL.search(word, 0, len(word) - 2):
        return word, r1, r2  # "s" goes only with a vowel before the letter that precedes it
    return _cut(word, r1, r2, 1)


def _step1b(word: str, r1: int, r2: int) -> tuple[str, int, int]:
    """ "eed(ly)" -> "ee" in R1; "ed(ly)" and "ing(ly)" go after a vowel, then the word is tidied."""
    suffix = _longest(word, _STEP1B_SET, _STEP1B_LENGTHS)
    k = len(suffix)
    if suffix.startswith("eed"):
        if r1 < k:
            return word, r1, r2
        return word[:-k] + "ee", r1 - k + 2, (r2 - k + 2 if r2 >= k else 0)
    if not _VOWEL.search(word, 0, len(word) - k):
        return word, r1, r2
    word, r1, r2 = _cut(word, r1, r2, k)
    if word.endswith(("at", "bl", "iz")):
        # R2 gets its "e" only when the word is long or R1 has three letters; else R2 is empty (R2 is at least
        # two letters shorter than R1 when not empty, and R1 had at most one letter), and stays so.
        return word + "e", r1 + 1, (r2 + 1 if len(word) >= 5 or r1 >= 2 else r2)
    if word.endswith(_DOUBLES):
        return _cut(word, r1, r2, 1)
    if r1 == 0 and _is_short(word):
        return word + "e", r1, r2  # R1 is empty, so R2 is too: both stay empty
    return word, r1, r2


def _step2(word: str, r1: int, r2: int) -> tuple[str, int, int]:
    """Derivational suffixes in R1."""
    suffix = _longest(word, _STEP2, _STEP2_LENGTHS)
    if r1 < len(suffix):
        return word, r1, r2
    after = _STEP2_ONLY_AFTER.get(suffix)
    if after is not None and word[after[0]] not in after[1]:
        return word, r1, r2
    return _apply(word, r1, r2, _STEP2[suffix])


def _step3(word: str, r1: int, r2: int) -> tuple[str, int, int]:
    """More derivational suffixes in R1 ("ative" in R2)."""
    suffix = _longest(word, _STEP3, _STEP3_LENGTHS)
    if r1 < len(suffix):
        return word, r1, r2
    if suffix == "ative" and r2 < 5:
        return word, r1, r2
    return _apply(word, r1, r2, _STEP3[suffix])


def _step4(word: str, r1: int, r2: int) -> tuple[str, int, int]:
    """Suffixes in R2 go ("ion" only after "s" or "t")."""
    suffix = _longest(word, _STEP4_SET, _STEP4_LENGTHS)
    k = len(suffix)
    if r2 >= k and (suffix != "ion" or word[-4] in "st"):
        return _cut(word, r1, r2, k)
    return word, r1, r2


def _step5(word: str, r1: int, r2: int) -> str:
    """A final "e" in R2, or in R1 when no short syllable precedes it; the second "l" of a final "ll" in R2."""
    last = word[-1:]
    if r2 and (last == "e" or (last == "l" and word[-2] == "l")):
        return word[:-1]
    if r1 and last == "e" and len(word) >= 4 and not _short_syllable_before_e(word):
        return word[:-1]
    return word


def _is_short(word: str) -> bool:
    """summa's test for step 1b's extra "e" (it already knows R1 is empty): the word ends with a short
    syllable, a consonant-vowel-consonant (the last not w, x or Y) or, in two letters, a vowel-consonant."""
    if len(word) >= 3:
        return word[-1] not in _VOWELS and word[-1] not in "wxY" and word[-2] in _VOWELS and word[-3] not in _VOWELS
    return len(word) == 2 and word[0] in _VOWELS and word[1] not in _VOWELS


def _short_syllable_before_e(word: str) -> bool:
    """Step 5's reason to keep a final "e" in R1 but not R2 (the word has at least four letters)."""
    return not (word[-2] in _VOWELS or word[-2] in "wxY" or word[-3] not in _VOWELS or word[-4] in _VOWELS)


def _apply(word: str, r1: int, r2: int, rule: _Rule) -> tuple[str, int, int]:
    """A replacement on the word and its regions' lengths (R1 holds what leaves whenever this is called)."""
    strip, add, short_r2 = rule
    grow = len(add) - strip
    return word[:-strip] + add, r1 + grow, (r2 + grow if r2 >= strip else short_r2)
