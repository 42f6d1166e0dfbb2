import re
import unicodedata

# PDFium reports a hyphen that ends a line as U+0002 (or U+FFFE): it is printed on the page, so keep it.
# Soft hyphens, BOMs and zero-width spaces are invisible.
_INVISIBLE = {0x02: "-", 0xFFFE: "-"} | dict.fromkeys(map(ord, "\u00ad\ufeff\u200b"), None)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")
_SPACES = re.compile(r"[ \t\u00a0]{2,}")
_BLANK_LINES = re.compile(r"\n{3,}")


def clean_text(text: str) -> str:
    """Normalises line endings and Unicode (NFC), drops control and invisible characters, collapses runs of
    spaces and blank lines. Never drops a visible character."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_INVISIBLE)
    text = unicodedata.normalize("NFC", _CONTROL.sub(" ", text))
    text = _SPACES.sub(" ", text)
    text = _TRAILING_SPACE.sub("\n", text)
    return _BLANK_LINES.sub("\n\n", text).strip()
