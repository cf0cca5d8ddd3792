"""Every user-facing string has a zh_Hans translation that is not fuzzy, and the catalogue
holds every string the code and templates mark for translation (checked by running
makemessages on a copy of the source, so a new string without a translation fails here)."""

import ast
import re
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

import guanxi

SOURCE = Path(guanxi.__file__).parent
CATALOGUE = SOURCE / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
_KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (\".*\")$")


def entries(path: Path) -> list[dict]:
    """The catalogue's entries: {"msgctxt", "msgid", "msgstr"..., "flags", "obsolete"}."""
    found = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry, key = {"flags": set(), "obsolete": False}, None
        for line in block.splitlines():
            if line.startswith("#~"):
                entry["obsolete"] = True
            elif line.startswith("#,"):
                entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
            elif match := _KEYWORD.match(line):
                key = match.group(1)
                entry[key] = ast.literal_eval(match.group(2))
            elif line.startswith('"') and key:
                entry[key] += ast.literal_eval(line)
        if entry.get("msgid"):
            found.append(entry)
    return found


def untranslated_or_fuzzy(path: Path) -> list[str]:
    problems = []
    for entry in entries(path):
        if entry["obsolete"]:
            continue
        label = (f"{entry['msgctxt']}|" if "msgctxt" in entry else "") + entry["msgid"]
        translations = [v for k, v in entry.items() if k.startswith("msgstr")]
        if "fuzzy" in entry["flags"]:
            problems.append(f"fuzzy: {label}")
        elif not translations or not all(translations):
            problems.append(f"untranslated: {label}")
    return problems


def test_the_committed_catalogue_is_complete():
    assert len(entries(CATALOGUE)) > 500
    assert untranslated_or_fuzzy(CATALOGUE) == []


def test_every_marked_string_in_the_source_has_a_translation(tmp_path, monkeypatch, settings):
    # given a copy of the source with the committed catalogue
    copy = tmp_path / "guanxi"
    shutil.copytree(SOURCE, copy, ignore=shutil.ignore_patterns("static", "__pycache__", "*.mo"))
    settings.LOCALE_PATHS = [copy / "locale"]
    monkeypatch.chdir(copy)

    # when the catalogue is brought up to date with the source
    call_command("makemessages", locale=["zh_Hans"], ignore_patterns=["static/*"], verbosity=0)

    # then nothing new is missing (a new or changed string comes in untranslated or fuzzy)
    assert untranslated_or_fuzzy(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po") == []


def test_the_check_notices_a_missing_and_a_fuzzy_translation(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: zh_Hans\\n"\n\n'
        'msgid "Team"\nmsgstr "团队"\n\n'
        'msgid "SKU"\nmsgstr ""\n\n'
        '#, fuzzy, python-format\nmsgid "Deactivate"\nmsgstr "在售"\n\n'
        'msgctxt "product"\nmsgid "Name"\nmsgstr "名称"\n\n'
        'msgid "%(n)s task"\nmsgid_plural "%(n)s tasks"\nmsgstr[0] ""\n',
        encoding="utf-8",
    )

    assert untranslated_or_fuzzy(po) == [
        "untranslated: SKU",
        "fuzzy: Deactivate",
        "untranslated: %(n)s task",
    ]


@pytest.mark.parametrize(
    ("msgctxt", "msgid", "expected"),
    [("product", "Name", "名称"), (None, "SKU", "商品编码"), (None, "Name", "姓名")],
)
def test_a_products_name_is_not_a_persons_name(msgctxt, msgid, expected):
    match = [e for e in entries(CATALOGUE) if e["msgid"] == msgid and e.get("msgctxt") == msgctxt]
    assert [e["msgstr"] for e in match] == [expected]


@pytest.mark.parametrize(
    "catalogue", [CATALOGUE, SOURCE / "locale_thirdparty" / "zh_Hans" / "LC_MESSAGES" / "django.po"]
)
def test_the_user_is_addressed_as_nin_throughout(catalogue):
    """您, not 你: one polite form in every Chinese message (the account page used 你)."""
    casual = [
        e["msgid"]
        for e in entries(catalogue)
        if not e["obsolete"] and any("你" in v for k, v in e.items() if k.startswith("msgstr"))
    ]
    assert casual == []
    assert sum("您" in e.get("msgstr", "") for e in entries(catalogue)) > 0
