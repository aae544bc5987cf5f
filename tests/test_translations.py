"""Every string a person reads ships translated.

`make messages` extracts the strings and compiles the catalogues; these tests fail while a
string is missing from a catalogue, left empty or fuzzy, while a translation drops or adds a
placeholder, or while a committed .mo file lags behind its .po file.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import to_locale

ROOT = Path(__file__).resolve().parent.parent
TRANSLATED = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
# What `make messages` reads; the Makefile's MESSAGE_IGNORE folders are simply not copied.
SOURCES = ["accounts", "approvals", "config", "templates", "manage.py"]


def catalogue(language: str, kind: str = "po") -> Path:
    return ROOT / "locale" / to_locale(language) / "LC_MESSAGES" / f"django.{kind}"


def problems(po: polib.POFile) -> list[str]:
    found = []
    for entry in po:
        if entry.obsolete:
            continue
        name = f"{entry.msgctxt}|{entry.msgid}" if entry.msgctxt else entry.msgid
        if "fuzzy" in entry.flags:
            found.append(f"fuzzy: {name!r}")
        elif not entry.translated():
            found.append(f"untranslated: {name!r}")
    return found


PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


@pytest.mark.parametrize("language", TRANSLATED)
def test_committed_catalogue_is_complete_and_not_fuzzy(language):
    po = polib.pofile(str(catalogue(language)))
    assert not po.metadata_is_fuzzy, "the header is marked fuzzy"
    assert problems(po) == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_every_placeholder(language):
    po = polib.pofile(str(catalogue(language)))
    wrong = []
    for entry in po.translated_entries():
        if entry.msgid_plural:
            for translated in entry.msgstr_plural.values():
                if placeholders(translated) != placeholders(entry.msgid_plural):
                    wrong.append((entry.msgid_plural, translated))
        elif placeholders(entry.msgstr) != placeholders(entry.msgid):
            wrong.append((entry.msgid, entry.msgstr))
    assert wrong == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_compiled_catalogue_matches_its_source(language):
    def pairs(entries):
        return {
            (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
            for e in entries
            if e.msgid
        }

    po = polib.pofile(str(catalogue(language)))
    mo = polib.mofile(str(catalogue(language, "mo")))
    assert pairs(mo) == pairs(po.translated_entries()), "run `make messages`"


@pytest.mark.skipif(
    not shutil.which("xgettext"),
    reason="GNU gettext (xgettext) is not installed: apt-get install gettext",
)
@pytest.mark.parametrize("language", TRANSLATED)
def test_every_string_in_the_code_is_in_the_catalogue(language, tmp_path):
    """Extract the strings from a copy of the sources, as `make messages` would: a new
    string arrives untranslated and a changed one fuzzy, and either fails this test."""
    for name in [*SOURCES, "locale"]:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("*.pyc"))
        else:
            shutil.copy(source, tmp_path / name)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", to_locale(language), "--no-obsolete"],
        cwd=tmp_path,
        env={"DJANGO_SETTINGS_MODULE": "config.settings.test", "PATH": "/usr/bin:/bin"},
        check=True,
        capture_output=True,
    )
    extracted = polib.pofile(
        str(tmp_path / "locale" / to_locale(language) / "LC_MESSAGES" / "django.po")
    )
    assert problems(extracted) == [], "run `make messages` and translate these"


@pytest.mark.parametrize("language", TRANSLATED)
def test_pages_render_in_each_language(client, language):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    assert response["Content-Language"] == language
    with translation.override(language):
        translated = translation.gettext("Log in")
    assert translated != "Log in"
    assert translated in response.content.decode()
