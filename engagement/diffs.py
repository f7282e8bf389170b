"""Readable word-level differences between two versions of a text."""

from __future__ import annotations

import difflib


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """[(op, text)] with op in {"same", "added", "removed"}; each text is whole words
    joined by single spaces, and the parts are shown separated by a space, so removed
    and added words never run together ("Las mañanas" → "Mornings" stays readable)."""
    a, b = (old or "").split(), (new or "").split()
    parts: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            parts.append(("same", " ".join(a[i1:i2])))
        if tag in ("delete", "replace"):
            parts.append(("removed", " ".join(a[i1:i2])))
        if tag in ("insert", "replace"):
            parts.append(("added", " ".join(b[j1:j2])))
    return parts
