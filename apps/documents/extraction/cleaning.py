import re
import unicodedata

# PDFium marks a hyphen it inserted at a line break with U+FFFE or U+0002; soft hyphens are invisible.
_INVISIBLE = dict.fromkeys(map(ord, "\ufffe\u0002\u00ad\ufeff\u200b"), None)
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
