"""KANO analysis: each product feature classified from paired functional / dysfunctional
answers with the standard evaluation table, its Better / Worse coefficients and the order in
which to work on the features (DOMAIN.md §5; the course text's chapter 4, KANO模型).

The questionnaire asks two questions per feature: how the customer feels if the product *has*
it (functional, 正向问题) and if it does *not* (dysfunctional, 反向问题), each answered on the
same five-point scale, in the standard order (Kano et al. 1984, as in Berger et al. 1993 and
Sauerwein et al. 1996, p. 6):

    1 like (喜欢), 2 must-be (理应如此), 3 neutral (无所谓), 4 live-with (能忍受),
    5 dislike (不喜欢)

Each pair of answers falls into one cell of the evaluation table (Sauerwein et al. 1996,
fig. 6; rows the functional answer, columns the dysfunctional one)::

    functional \\ dysfunctional   like  must-be  neutral  live-with  dislike
    like                         Q     A        A        A          O
    must-be                      R     I        I        I          M
    neutral                      R     I        I        I          M
    live-with                    R     I        I        I          M
    dislike                      R     R        R        R          Q

M must-be (必备属性), O one-dimensional (期望属性), A attractive (魅力属性),
I indifferent (无差异属性), R reverse (反向属性), Q questionable (可疑结果: contradictory
answers, the question was probably misunderstood).

References
----------
- Berger, C. et al. (1993). Kano's methods for understanding customer-defined quality. *Center
  for Quality Management Journal* 2(4), 3–36.
- Sauerwein, E., Bailom, F., Matzler, K. & Hinterhuber, H. H. (1996). The Kano model: how to
  delight your customers. *Preprints Volume I of the IX. International Working Seminar on
  Production Economics*, Innsbruck, 313–327.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from guanxi.analytics.io import AnalyticsInputError
from guanxi.analytics.surveys import check_lang, find_columns, message, read_answer_file

__all__ = [
    "ANSWERS",
    "CATEGORIES",
    "CATEGORY_NAMES",
    "EVALUATION_TABLE",
    "as_records",
    "classify",
    "classify_answers",
    "kano",
    "read_kano_answers",
]

#: the five answers, in the standard order: answer n is ANSWERS[n - 1]
ANSWERS = ("like", "must-be", "neutral", "live-with", "dislike")

#: the six categories, in priority order (M > O > A > I, then R and Q); also the order that
#: breaks a tie between equally frequent categories
CATEGORIES = (
    "must-be",
    "one-dimensional",
    "attractive",
    "indifferent",
    "reverse",
    "questionable",
)

_M, _O, _A, _I, _R, _Q = CATEGORIES
#: EVALUATION_TABLE[functional - 1][dysfunctional - 1] is the category of one pair of answers
EVALUATION_TABLE = (
    (_Q, _A, _A, _A, _O),
    (_R, _I, _I, _I, _M),
    (_R, _I, _I, _I, _M),
    (_R, _I, _I, _I, _M),
    (_R, _R, _R, _R, _Q),
)
_CODES = np.array([[CATEGORIES.index(c) for c in row] for row in EVALUATION_TABLE], dtype=np.int8)

CATEGORY_NAMES = {
    _M: {"en": "must-be", "zh-hans": "必备属性"},
    _O: {"en": "one-dimensional", "zh-hans": "期望属性"},
    _A: {"en": "attractive", "zh-hans": "魅力属性"},
    _I: {"en": "indifferent", "zh-hans": "无差异属性"},
    _R: {"en": "reverse", "zh-hans": "反向属性"},
    _Q: {"en": "questionable", "zh-hans": "可疑结果"},
}

#: one letter per category, as the literature abbreviates them
LETTERS = {_M: "M", _O: "O", _A: "A", _I: "I", _R: "R", _Q: "Q"}

#: what each category means and what to do about it (the course text, chapter 4)
ADVICE = {
    _M: {
        "en": "missing or poor, customers are very dissatisfied; done well, they are merely not "
        "dissatisfied. Secure these first.",
        "zh-hans": "做不好，客户会很不满意；做得再好，也只是不会不满意。最先保证。",
    },
    _O: {
        "en": "the better it is done, the more satisfied customers are, and the worse, the less. "
        "Compete on these next.",
        "zh-hans": "做得越好，客户越满意；做不好，客户就不满意。其次投入。",
    },
    _A: {
        "en": "a surprise; its absence causes no dissatisfaction, its presence raises "
        "satisfaction a lot. The highlights, after the two above.",
        "zh-hans": "超出期望的亮点，没有也不会不满，有了满意度大为提升。排在前两类之后。",
    },
    _I: {
        "en": "satisfaction does not change either way. Only with capacity to spare.",
        "zh-hans": "有没有都不影响满意度。企业有余力时再考虑。",
    },
    _R: {
        "en": "customers are less satisfied when it is there. Avoid it.",
        "zh-hans": "提供后满意度反而下降。应极力避免。",
    },
    _Q: {
        "en": "contradictory answers (liked or disliked both with and without it): the question "
        "was probably misunderstood. Reword it and ask again.",
        "zh-hans": "答案自相矛盾（有也喜欢、没有也喜欢，或都不喜欢）：问题可能被误解，应改写后重新调查。",
    },
}

#: accepted headers per column, English and Chinese
HEADERS = {
    "respondent": ("respondent", "受访者"),
    "feature": ("feature", "功能", "特性"),
    "functional": ("functional", "正向", "功能性"),
    "dysfunctional": ("dysfunctional", "反向", "非功能性"),
}

ROLE_NAMES = {
    "respondent": {"en": "respondent", "zh-hans": "受访者"},
    "feature": {"en": "feature", "zh-hans": "功能"},
    "functional": {"en": "answer with the feature", "zh-hans": "正向问题的答案"},
    "dysfunctional": {"en": "answer without the feature", "zh-hans": "反向问题的答案"},
}

MESSAGES = {
    "bad_answer": {
        "en": "column '{column}': {count} answer(s) are not 1–5 (1 like, 2 must-be, 3 neutral, "
        "4 live-with, 5 dislike), e.g. {value!r} at row {row}",
        "zh-hans": "“{column}”列：{count} 个答案不是 1–5（1 喜欢，2 理应如此，3 无所谓，4 能忍受，"
        "5 不喜欢），例如第 {row} 行的“{value}”",
    },
    "duplicate": {
        "en": "respondent {respondent!r} answered feature {feature!r} more than once "
        "(rows {first} and {second})",
        "zh-hans": "受访者“{respondent}”对功能“{feature}”作答了不止一次"
        "（第 {first} 行和第 {second} 行）",
    },
}


def classify(functional: int, dysfunctional: int) -> str:
    """The category of one pair of answers (1 like … 5 dislike), from the evaluation table.

    >>> classify(1, 5)  # likes having it, dislikes missing it
    'one-dimensional'
    >>> classify(3, 5)  # neutral about having it, dislikes missing it
    'must-be'
    >>> classify(1, 3)
    'attractive'
    """
    for answer in (functional, dysfunctional):
        if isinstance(answer, bool) or answer not in (1, 2, 3, 4, 5):
            raise AnalyticsInputError(
                f"a KANO answer is 1 to 5 (1 like … 5 dislike), not {answer!r}"
            )
    return EVALUATION_TABLE[functional - 1][dysfunctional - 1]


def classify_answers(functional, dysfunctional) -> pd.Series:
    """The category of every pair of answers at once (arrays or Series of integers 1–5).

    >>> classify_answers([1, 2, 5], [5, 5, 1]).tolist()
    ['one-dimensional', 'must-be', 'reverse']
    """
    f = np.asarray(functional, dtype=np.int64)
    d = np.asarray(dysfunctional, dtype=np.int64)
    if f.shape != d.shape:
        raise AnalyticsInputError("functional and dysfunctional answers differ in number")
    if ((f < 1) | (f > 5) | (d < 1) | (d > 5)).any():
        raise AnalyticsInputError("a KANO answer is 1 to 5 (1 like … 5 dislike)")
    codes = _CODES[f - 1, d - 1]
    index = functional.index if isinstance(functional, pd.Series) else None
    return pd.Series(pd.Categorical.from_codes(codes, categories=CATEGORIES), index=index)


def _row_of(frame: pd.DataFrame, mask) -> object:
    return frame.index[np.flatnonzero(np.asarray(mask))[0]]


def _header(frame: pd.DataFrame, column: str) -> str:
    """The column's name in the file it was read from (see :func:`read_kano_answers`)."""
    return frame.attrs.get("headers", {}).get(column, column)


def _answers(frame: pd.DataFrame, column: str, lang: str) -> pd.Series:
    """The answers of ``column`` as int8 1–5, or an error naming the first bad one."""
    raw = frame[column]
    text = raw.astype("string").str.strip()
    number = pd.to_numeric(text, errors="coerce")
    bad = number.isna() | ~number.isin([1, 2, 3, 4, 5])
    if bad.any():
        row = _row_of(frame, bad)
        raise AnalyticsInputError(
            message(
                "bad_answer",
                lang,
                MESSAGES,
                column=_header(frame, column),
                count=int(bad.sum()),
                value=str(raw.loc[row]) if pd.notna(raw.loc[row]) else "",
                row=row,
            )
        )
    return number.astype("int8")


def _labels(frame: pd.DataFrame, column: str, lang: str) -> pd.Series:
    """``column`` as trimmed text, or an error naming the first blank row."""
    raw = frame[column]
    text = raw.astype("string").str.strip()
    blank = text.isna() | (text == "")
    if blank.any():
        raise AnalyticsInputError(
            message(
                "blank",
                lang,
                column=_header(frame, column),
                count=int(blank.sum()),
                row=_row_of(frame, blank),
            )
        )
    return text.astype(object)


def kano(
    answers: pd.DataFrame,
    *,
    respondent: str = "respondent",
    feature: str = "feature",
    functional: str = "functional",
    dysfunctional: str = "dysfunctional",
    lang: str = "en",
) -> pd.DataFrame:
    """Classify every feature of a KANO survey and put the features in priority order.

    Parameters
    ----------
    answers : pandas.DataFrame
        One row per respondent and feature. Its index labels are used as the row numbers in
        error messages (:func:`read_kano_answers` sets them to the spreadsheet's rows).
    respondent, feature : str
        Column names of the respondent's id and the feature's name.
    functional, dysfunctional : str
        Column names of the answers (1 like, 2 must-be, 3 neutral, 4 live-with, 5 dislike) to
        the question with the feature and without it.
    lang : {"en", "zh-hans"}
        Language of the error messages.

    Returns
    -------
    pandas.DataFrame
        One row per feature, in priority order, with ``feature``, ``category``, ``priority``
        (1 first), ``answers`` (pairs of answers), one count column per category (named as in
        :data:`CATEGORIES`), ``better`` and ``worse``.

    Raises
    ------
    AnalyticsInputError
        For a missing column, no rows, a blank respondent or feature, an answer that is not an
        integer 1–5, or a respondent answering the same feature twice; the message (in
        ``lang``) names the column, the number of bad rows and the first one.

    Notes
    -----
    - **Category**: the most frequent category of the feature's answers (Sauerwein et al.
      1996, p. 8: "evaluation and interpretation according to the frequency of answers").
      Ties go to the category first in the order M > O > A > I, the evaluation rule
      Sauerwein et al. (1996, p. 9) give for features that cannot be assigned unambiguously
      (the order also of the seeds' priority, 必备 > 期望 > 魅力 > 无差异); R and Q come after
      them (R > Q), since they say what not to build or which question to ask again.
    - **Better / Worse** (Berger et al. 1993; Sauerwein et al. 1996, p. 10, "customer
      satisfaction coefficients")::

          Better = (A + O) / (A + O + M + I)          between 0 and 1
          Worse  = -(O + M) / (A + O + M + I)         between -1 and 0

      Better is how far satisfaction rises when the feature is there, Worse how far it falls
      when it is missing; reverse and questionable answers are not counted in either. A
      feature with only R and Q answers has neither (NaN).
    - **Priority**: must-be first, then one-dimensional, attractive, indifferent (Sauerwein et
      al. 1996, p. 9: fulfil all must-be requirements, be competitive on the one-dimensional
      ones, stand out with the attractive ones; the course text: 必备属性 > 期望属性 >
      魅力属性 > 无差异属性), then reverse and questionable. Within a category, the
      coefficient that matters for it (Sauerwein et al. 1996, p. 10: the closer Better is to 1,
      the more the feature raises satisfaction; the closer Worse is to -1, the more its
      absence causes dissatisfaction) orders the features, largest first:

      ==================  =====================  ==================
      category            first by               then by
      ==================  =====================  ==================
      must-be             ``|Worse|``            Better
      one-dimensional     Better + ``|Worse|``   ``|Worse|``
      attractive          Better                 ``|Worse|``
      indifferent         Better                 ``|Worse|``
      reverse             share of R answers     Better
      questionable        share of Q answers     Better
      ==================  =====================  ==================

      and the feature's name breaks any remaining tie.

    Examples
    --------
    >>> answers = pd.DataFrame({
    ...     "respondent": [1, 2, 3, 1, 2, 3],
    ...     "feature": ["brakes"] * 3 + ["sunroof"] * 3,
    ...     "functional": [3, 2, 1, 1, 1, 3],
    ...     "dysfunctional": [5, 5, 5, 3, 4, 3],
    ... })
    >>> table = kano(answers)
    >>> table[["feature", "category", "must-be", "attractive", "better", "worse"]]
       feature    category  must-be  attractive    better  worse
    0   brakes     must-be        2           0  0.333333   -1.0
    1  sunroof  attractive        0           2  0.666667    0.0
    """
    lang = check_lang(lang)
    if not isinstance(answers, pd.DataFrame):
        raise AnalyticsInputError(message("not_a_table", lang, kind=type(answers).__name__))
    columns = {
        "respondent": respondent,
        "feature": feature,
        "functional": functional,
        "dysfunctional": dysfunctional,
    }
    missing = [role for role, name in columns.items() if name not in answers.columns]
    if missing:
        find_columns(
            list(answers.columns),
            {role: (columns[role],) for role in columns},
            ROLE_NAMES,
            lang=lang,
        )
    if answers.empty:
        raise AnalyticsInputError(message("no_answers", lang))
    who = _labels(answers, respondent, lang)
    what = _labels(answers, feature, lang)
    f = _answers(answers, functional, lang)
    d = _answers(answers, dysfunctional, lang)
    pairs = pd.DataFrame({"respondent": who, "feature": what}, index=answers.index)
    twice = pairs.duplicated(keep=False)
    if twice.any():
        first = pairs[twice].iloc[0]
        rows = pairs.index[
            (pairs["respondent"] == first["respondent"]) & (pairs["feature"] == first["feature"])
        ]
        raise AnalyticsInputError(
            message(
                "duplicate",
                lang,
                MESSAGES,
                respondent=first["respondent"],
                feature=first["feature"],
                first=rows[0],
                second=rows[1],
            )
        )
    codes = _CODES[f.to_numpy() - 1, d.to_numpy() - 1]
    counts = (
        pd.crosstab(what.to_numpy(), codes)
        .reindex(columns=range(len(CATEGORIES)), fill_value=0)
        .astype("int64")
    )
    counts.columns = list(CATEGORIES)
    counts.index.name = "feature"
    return _summarise(counts)


def _summarise(counts: pd.DataFrame) -> pd.DataFrame:
    """Category, coefficients and priority order from per-feature counts (one column per
    category, in :data:`CATEGORIES` order, indexed by feature)."""
    a, o, m, i = (counts[c].astype("float64") for c in (_A, _O, _M, _I))
    total = counts.sum(axis=1)
    substantive = (a + o + m + i).replace(0.0, np.nan)
    better = (a + o) / substantive
    worse = -(o + m) / substantive + 0.0  # + 0.0: no -0.0 when O + M = 0
    # idxmax takes the first column with the maximum: the columns are in tie-break order
    category = counts[list(CATEGORIES)].idxmax(axis=1)
    rank = category.map({c: n for n, c in enumerate(CATEGORIES)})
    harm = worse.abs()
    share = pd.Series(
        np.where(category == _R, counts[_R] / total, counts[_Q] / total), index=counts.index
    )
    first_key = np.select(
        [category == _M, category == _O, category.isin([_A, _I])],
        [harm, better + harm, better],
        default=share,
    )
    second_key = np.select(
        [category == _M, category.isin([_O, _A, _I])], [better, harm], default=better
    )
    table = pd.DataFrame(
        {
            "feature": counts.index.astype(object),
            "category": category.to_numpy(),
            "answers": total.to_numpy(),
            **{c: counts[c].to_numpy() for c in CATEGORIES},
            "better": better.to_numpy(),
            "worse": worse.to_numpy(),
            "_rank": rank.to_numpy(),
            # NaN coefficients (only R and Q answers) sort after every number
            "_first": -np.nan_to_num(first_key, nan=-1.0),
            "_second": -np.nan_to_num(second_key, nan=-1.0),
        }
    )
    table = table.sort_values(["_rank", "_first", "_second", "feature"], kind="stable")
    table = table.drop(columns=["_rank", "_first", "_second"]).reset_index(drop=True)
    table.insert(2, "priority", np.arange(1, len(table) + 1))
    return table


def as_records(table: pd.DataFrame) -> list[dict]:
    """The result of :func:`kano` as plain records, in priority order: ``feature``,
    ``category``, ``counts`` (per category name), ``better`` and ``worse`` (None when a feature
    has only reverse and questionable answers).

    >>> answers = pd.DataFrame({"respondent": [1], "feature": ["wifi"],
    ...                         "functional": [1], "dysfunctional": [5]})
    >>> as_records(kano(answers))[0]["counts"]["one-dimensional"]
    1
    """

    def number(value):
        return None if pd.isna(value) else float(value)

    return [
        {
            "feature": row["feature"],
            "category": row["category"],
            "counts": {c: int(row[c]) for c in CATEGORIES},
            "better": number(row["better"]),
            "worse": number(row["worse"]),
        }
        for row in table.to_dict("records")
    ]


def read_kano_answers(path: str | Path, *, lang: str = "en") -> pd.DataFrame:
    """A CSV or XLSX file of KANO answers, its columns found by English or Chinese header.

    The file has one row per respondent and feature, with the columns ``respondent``
    (受访者), ``feature`` (功能 or 特性), ``functional`` (正向 or 功能性) and ``dysfunctional``
    (反向 or 非功能性), in any order and with any other columns beside them. Returns the four
    columns under their English names, indexed by the row number the spreadsheet shows, for
    :func:`kano`; ``attrs["headers"]`` keeps the file's own headers, so that :func:`kano`'s
    errors name the column as the file does. Errors are in ``lang``.
    """
    frame = read_answer_file(path, lang=lang)
    found = find_columns(list(frame.columns), HEADERS, ROLE_NAMES, lang=lang)
    answers = frame[[found[role] for role in HEADERS]].set_axis(list(HEADERS), axis=1)
    answers.attrs["headers"] = {role: str(found[role]).strip() for role in HEADERS}
    return answers
