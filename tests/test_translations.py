"""Every message of our Python code and templates has a Spanish translation, and the
compiled catalogue (django.mo) is the one its django.po compiles to.

The catalogue is regenerated the way `make messages` does it (makemessages -l es), in
a copy of the source tree, so the work tree is never touched. A message counts as
translated when its entry is translated and not fuzzy, or when Django's Spanish
catalogues (Django's, allauth's) already translate it: that is what people then see.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "locale" / "es" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
# What `make messages` leaves out of the catalogue.
NOT_SOURCE = {"tests", "docs", "staticfiles", "static", "node_modules"}
GETTEXT_TOOLS = ("xgettext", "msgmerge", "msgfmt")


def _require_gettext() -> None:
    missing = [tool for tool in GETTEXT_TOOLS if not shutil.which(tool)]
    if missing:
        message = f"GNU gettext not found ({', '.join(missing)}): apt-get install -y gettext"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def _copy_source(to: Path) -> None:
    for entry in ROOT.iterdir():
        if entry.name.startswith(".") or entry.name in NOT_SOURCE:
            continue
        if entry.is_dir():
            shutil.copytree(
                entry, to / entry.name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
            )
        elif entry.suffix == ".py":
            shutil.copy2(entry, to / entry.name)


def _key(entry: polib.POEntry | polib.MOEntry) -> str:
    return f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid


def _translated_elsewhere(entry: polib.POEntry) -> bool:
    """Django's or allauth's Spanish catalogue translates this message already."""
    catalog = translation.trans_real.translation("es")._catalog
    if entry.msgid_plural:
        return all(catalog.get((_key(entry), n)) for n in range(3))
    return bool(catalog.get(_key(entry)))


def _label(entry: polib.POEntry) -> str:
    where = ", ".join(f"{path}:{line}" for path, line in entry.occurrences[:2])
    context = f"[{entry.msgctxt}] " if entry.msgctxt else ""
    state = "fuzzy" if entry.fuzzy else "untranslated"
    return f"{context}{entry.msgid!r} ({state}; {where})"


def test_it_translates_every_message_into_spanish(tmp_path):
    _require_gettext()
    _copy_source(tmp_path)
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "miiwrap.settings", "DEBUG": "1"}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "es", "--no-obsolete"],
        cwd=tmp_path,
        env=environment,
        check=True,
        capture_output=True,
    )
    catalogue = polib.pofile(str(tmp_path / "locale" / "es" / "LC_MESSAGES" / "django.po"))
    missing = [
        _label(entry)
        for entry in catalogue
        if not entry.obsolete
        and (entry.fuzzy or not entry.translated())
        and not _translated_elsewhere(entry)
    ]
    assert not missing, (
        f"{len(missing)} messages without a Spanish translation (run `make messages`, then "
        f"translate them in {PO.relative_to(ROOT)}):\n" + "\n".join(missing)
    )


def test_it_ships_the_compiled_catalogue_of_the_po_file(tmp_path):
    _require_gettext()
    subprocess.run(
        ["msgfmt", "--check", "-o", str(tmp_path / "django.mo"), str(PO)],
        check=True,
        capture_output=True,
    )

    def entries(catalogue) -> dict[str, tuple[str, ...]]:
        """Translations a catalogue gives at run time (a .mo holds only those)."""
        found = {}
        for entry in catalogue:
            if not entry.msgid:  # the header
                continue
            if isinstance(entry, polib.POEntry) and (
                entry.obsolete or entry.fuzzy or not entry.translated()
            ):
                continue
            plural = sorted((int(n), text) for n, text in entry.msgstr_plural.items())
            found[_key(entry)] = tuple(text for _, text in plural) or (entry.msgstr,)
        return found

    compiled_now = entries(polib.mofile(str(tmp_path / "django.mo")))
    assert compiled_now == entries(polib.pofile(str(PO))), "msgfmt and polib disagree"
    shipped = entries(polib.mofile(str(MO)))
    stale = sorted(set(shipped.items()) ^ set(compiled_now.items()), key=str)
    assert not stale, (
        f"{MO.relative_to(ROOT)} is not compiled from {PO.name} (run `make messages`); "
        f"entries that differ: {stale[:20]}"
    )
