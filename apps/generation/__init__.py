"""Study notes and quiz questions from a document's text, with a citation on every item.

A plain package (no Django models, no settings import): callers pass passages with their anchors and a
:class:`~apps.generation.types.GenerationConfig`, and get dataclasses back. See docs/notes-and-quizzes.md.
"""

from apps.generation.engine import generate_notes, generate_questions
from apps.generation.types import (
    Citation,
    GenerationConfig,
    GlossaryEntry,
    NoteItem,
    Notes,
    OutlineEntry,
    Passage,
    Question,
    QuestionSet,
)

__all__ = [
    "Citation",
    "GenerationConfig",
    "GlossaryEntry",
    "NoteItem",
    "Notes",
    "OutlineEntry",
    "Passage",
    "Question",
    "QuestionSet",
    "generate_notes",
    "generate_questions",
]
