"""Survey answers as tables: reading a CSV or XLSX file of answers, finding its columns by
English or Chinese header, and bilingual error messages, shared by the KANO and satisfaction
analyses.

No Django here (tests/test_layers.py): texts are given in both languages (``en`` and
``zh-hans``) beside each other, as in :mod:`guanxi.analytics.segments`, and the caller picks
one with ``lang``.

Reading rules (:func:`read_answer_file`):

- ``.csv`` (or ``.txt``) with a header row, in UTF-8 (with or without a byte-order mark),
  UTF-16 with a byte-order mark (Excel's "Unicode text") or GB18030 (what Excel on a Chinese
  Windows saves); ``.xlsx`` (or ``.xlsm``): the first sheet, its first row the header;
- every cell is read as text (``""`` when blank), so ids keep their leading zeros and answers
  are checked by the analysis, with the row;
- rows whose cells are all blank are left out;
- the returned frame's index is the row number as the spreadsheet shows it (the header is
  row 1), so an error can say where to look.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from guanxi.analytics.io import AnalyticsInputError

__all__ = [
    "LANGUAGES",
    "check_lang",
    "find_columns",
    "language_from_environment",
    "message",
    "read_answer_file",
]

LANGUAGES = ("en", "zh-hans")
CSV_SUFFIXES = {".csv", ".txt"}
XLSX_SUFFIXES = {".xlsx", ".xlsm"}

#: key -> {language: text}; ``{name}`` placeholders are filled by :func:`message`
MESSAGES: dict[str, dict[str, str]] = {
    "language": {
        "en": "language must be one of en, zh-hans, not {lang!r}",
        "zh-hans": "语言只能是 en 或 zh-hans，而不是 {lang!r}",
    },
    "not_found": {
        "en": "input file not found: {path}",
        "zh-hans": "找不到输入文件：{path}",
    },
    "directory": {
        "en": "input is a directory, not a file: {path}",
        "zh-hans": "输入的是文件夹，不是文件：{path}",
    },
    "empty_file": {
        "en": "input file is empty: {path}",
        "zh-hans": "输入文件是空的：{path}",
    },
    "suffix": {
        "en": "cannot read {name}: expected a .csv or .xlsx file, got '{suffix}'",
        "zh-hans": "无法读取 {name}：需要 .csv 或 .xlsx 文件，而不是“{suffix}”",
    },
    "encoding": {
        "en": "cannot read {name}: the file is neither UTF-8 nor GB18030 text",
        "zh-hans": "无法读取 {name}：文件既不是 UTF-8 也不是 GB18030 编码的文本",
    },
    "unreadable": {
        "en": "cannot read {name}: {reason}",
        "zh-hans": "无法读取 {name}：{reason}",
    },
    "header_only": {
        "en": "{name} has no answers, only a header",
        "zh-hans": "{name} 只有表头，没有答卷",
    },
    "no_answers": {
        "en": "there are no answers to analyse",
        "zh-hans": "没有可分析的答卷",
    },
    "not_a_table": {
        "en": "the answers must be a pandas DataFrame, not {kind}",
        "zh-hans": "答卷必须是 pandas DataFrame，而不是 {kind}",
    },
    "missing_columns": {
        "en": "missing {columns}; the columns are: {have}",
        "zh-hans": "缺少{columns}；现有的列：{have}",
    },
    "or": {"en": " or ", "zh-hans": "或"},
    "missing_column": {
        "en": "column {names} ({role})",
        "zh-hans": "{names}列（{role}）",
    },
    "same_role": {
        "en": "two columns mean {role}: '{first}' and '{second}'; keep one",
        "zh-hans": "“{first}”和“{second}”两列都表示{role}，请只保留一列",
    },
    "blank": {
        "en": "column '{column}': {count} row(s) without a value (first at row {row})",
        "zh-hans": "“{column}”列：{count} 行没有填写（第一处在第 {row} 行）",
    },
    "not_number": {
        "en": "column '{column}': {count} value(s) are not numbers, e.g. {value!r} at row {row}",
        "zh-hans": "“{column}”列：{count} 个值不是数字，例如第 {row} 行的“{value}”",
    },
}


def check_lang(lang: str) -> str:
    """``lang`` if it is a language the analyses speak, else an error (in both languages).

    >>> check_lang("zh-hans")
    'zh-hans'
    """
    if lang not in LANGUAGES:
        text = MESSAGES["language"]
        raise AnalyticsInputError(
            text["en"].format(lang=lang) + " / " + text["zh-hans"].format(lang=lang)
        )
    return lang


def message(key: str, lang: str, texts: Mapping[str, Mapping[str, str]] = MESSAGES, **values):
    """The text ``key`` of ``texts`` in ``lang``, with ``values`` filled in.

    >>> message("blank", "zh-hans", column="功能", count=2, row=5)
    '“功能”列：2 行没有填写（第一处在第 5 行）'
    """
    return texts[key][check_lang(lang)].format(**values)


def language_from_environment(environ: Mapping[str, str] | None = None) -> str:
    """The user's language from the POSIX locale variables: ``zh-hans`` for a Chinese locale
    (``zh_CN.UTF-8``, ``zh_TW``, ``zh``), else ``en``.

    The first variable set among ``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG`` decides,
    the order in which gettext looks for the language of messages.

    >>> language_from_environment({"LANG": "zh_CN.UTF-8"})
    'zh-hans'
    >>> language_from_environment({"LANGUAGE": "en_GB:zh_CN", "LANG": "zh_CN.UTF-8"})
    'en'
    >>> language_from_environment({})
    'en'
    """
    environ = os.environ if environ is None else environ
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = (environ.get(variable) or "").strip()
        if value:
            first = value.split(":")[0].lower()
            return "zh-hans" if first.startswith("zh") else "en"
    return "en"


def _normalise(header) -> str:
    return " ".join(str(header if header is not None else "").replace("\ufeff", "").split()).lower()


def find_columns(
    columns: Sequence,
    roles: Mapping[str, Sequence[str]],
    role_names: Mapping[str, Mapping[str, str]],
    *,
    lang: str = "en",
) -> dict[str, str]:
    """The column for each role, found by any of its accepted headers.

    ``roles`` maps a role to its accepted headers (e.g. ``"feature": ("feature", "功能",
    "特性")``); headers match whatever their case, spacing or byte-order mark. Raises
    :class:`AnalyticsInputError` naming every missing role with the headers it accepts, or a
    role that two columns claim.

    >>> find_columns(
    ...     ["受访者", " Feature "],
    ...     {"respondent": ("respondent", "受访者"), "feature": ("feature", "功能")},
    ...     {"respondent": {"en": "respondent"}, "feature": {"en": "feature"}},
    ... )
    {'respondent': '受访者', 'feature': ' Feature '}
    """
    check_lang(lang)
    found: dict[str, str] = {}
    missing = []
    for role, accepted in roles.items():
        wanted = {_normalise(name) for name in accepted}
        hits = [column for column in columns if _normalise(column) in wanted]
        if len(hits) > 1:
            raise AnalyticsInputError(
                message(
                    "same_role",
                    lang,
                    role=role_names[role].get(lang, role),
                    first=hits[0],
                    second=hits[1],
                )
            )
        if hits:
            found[role] = hits[0]
        else:
            missing.append(
                message(
                    "missing_column",
                    lang,
                    names=message("or", lang).join(
                        f"'{n}'" if lang == "en" else f"“{n}”" for n in accepted
                    ),
                    role=role_names[role].get(lang, role),
                )
            )
    if missing:
        have = (", " if lang == "en" else "、").join(str(c) for c in columns)
        separator = ", " if lang == "en" else "，"
        raise AnalyticsInputError(
            message("missing_columns", lang, columns=separator.join(missing), have=have)
        )
    return found


def _decode(data: bytes, name: str, lang: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise AnalyticsInputError(message("encoding", lang, name=name))


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def read_answer_file(path: str | Path, *, lang: str = "en") -> pd.DataFrame:
    """A CSV or XLSX file of survey answers as a frame of text cells (see the module notes).

    Raises :class:`AnalyticsInputError` (in ``lang``) for a missing, empty or unreadable file,
    an unsupported suffix, or a file with a header and no answers.
    """
    check_lang(lang)
    path = Path(path)
    if not path.exists():
        raise AnalyticsInputError(message("not_found", lang, path=path))
    if path.is_dir():
        raise AnalyticsInputError(message("directory", lang, path=path))
    if path.stat().st_size == 0:
        raise AnalyticsInputError(message("empty_file", lang, path=path))
    suffix = path.suffix.lower()
    try:
        if suffix in CSV_SUFFIXES:
            text = _decode(path.read_bytes(), path.name, lang)
            # blank lines kept (and dropped below) so that row numbers stay the file's
            frame = pd.read_csv(
                io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=False
            )
        elif suffix in XLSX_SUFFIXES:
            frame = pd.read_excel(path, sheet_name=0, dtype=object, engine="openpyxl")
        else:
            raise AnalyticsInputError(
                message("suffix", lang, name=path.name, suffix=suffix or "(none)")
            )
    except AnalyticsInputError:
        raise
    except pd.errors.EmptyDataError:
        raise AnalyticsInputError(message("empty_file", lang, path=path)) from None
    except Exception as exc:  # noqa: BLE001 - a damaged file: say so, in one line
        raise AnalyticsInputError(
            message("unreadable", lang, name=path.name, reason=_first_line(exc))
        ) from exc
    frame = frame.map(_cell_text)
    # the header is row 1, data start at row 2
    frame.index = pd.RangeIndex(2, 2 + len(frame), name="row")
    frame = frame[(frame != "").any(axis=1)] if len(frame.columns) else frame
    if frame.empty:
        raise AnalyticsInputError(message("header_only", lang, name=path.name))
    return frame


def _cell_text(value) -> str:
    """A cell as trimmed text: blank for empty cells, ``3`` (not ``3.0``) for whole numbers."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()
