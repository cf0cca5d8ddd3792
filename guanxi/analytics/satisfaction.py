"""Satisfaction measures from survey answers: the Net Promoter Score and the gap between what
customers expected and what they perceived, per attribute (DOMAIN.md §5; the course text's
chapter 4, 客户满意).

- **NPS** (Reichheld 2003): customers answer "How likely is it that you would recommend
  [company X] to a friend or colleague?" on a 0–10 scale. Promoters answer 9 or 10, passives
  7 or 8, detractors 0 to 6, and ``NPS = % promoters − % detractors``, from −100 to 100.
- **Satisfaction gap** (the course text: 客户满意度 = f(感受值 − 期望值), or 满意度 =
  感受值 / 期望值; the same difference is SERVQUAL's quality score Q = P − E, Parasuraman,
  Zeithaml & Berry 1988): per attribute (quality, function, price, service, ...),
  ``gap = perceived − expected`` (negative: expectations not met) and
  ``ratio = perceived / expected`` (below 1: not met).

References
----------
- Reichheld, F. F. (2003). The one number you need to grow. *Harvard Business Review* 81(12),
  46–54.
- Parasuraman, A., Zeithaml, V. A. & Berry, L. L. (1988). SERVQUAL: a multiple-item scale for
  measuring consumer perceptions of service quality. *Journal of Retailing* 64(1), 12–40.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from guanxi.analytics.io import AnalyticsInputError
from guanxi.analytics.surveys import check_lang, find_columns, message

__all__ = ["NetPromoterScore", "nps", "nps_by", "satisfaction_gap"]

MESSAGES = {
    "bad_score": {
        "en": "{count} likelihood-to-recommend score(s) are not whole numbers from 0 to 10, "
        "e.g. {value!r} at row {row}",
        "zh-hans": "{count} 个推荐意愿分数不是 0 到 10 的整数，例如第 {row} 行的“{value}”",
    },
    "no_scores": {
        "en": "there are no likelihood-to-recommend scores",
        "zh-hans": "没有推荐意愿分数",
    },
}

ROLE_NAMES = {
    "score": {"en": "likelihood to recommend, 0–10", "zh-hans": "推荐意愿，0–10 分"},
    "attribute": {"en": "attribute", "zh-hans": "属性"},
    "expected": {"en": "expected", "zh-hans": "期望值"},
    "perceived": {"en": "perceived", "zh-hans": "感受值"},
    "by": {"en": "group", "zh-hans": "分组"},
}


@dataclass(frozen=True)
class NetPromoterScore:
    """The counts behind a Net Promoter Score and the score itself (percentage points)."""

    respondents: int
    promoters: int
    passives: int
    detractors: int

    @property
    def promoter_share(self) -> float:
        """Promoters as a percentage of respondents."""
        return 100.0 * self.promoters / self.respondents

    @property
    def detractor_share(self) -> float:
        """Detractors as a percentage of respondents."""
        return 100.0 * self.detractors / self.respondents

    @property
    def nps(self) -> float:
        """% promoters − % detractors, from −100 to 100."""
        return 100.0 * (self.promoters - self.detractors) / self.respondents


def _scores(values, lang: str, column: str | None = None) -> pd.Series:
    """Scores as integers 0–10, or an error naming the first bad one."""
    if isinstance(values, pd.Series):
        raw = values
    else:  # a plain list: answers numbered from 1
        values = list(values)
        raw = pd.Series(values, index=range(1, len(values) + 1), dtype=object)
    if raw.empty:
        raise AnalyticsInputError(message("no_scores", lang, MESSAGES))
    if raw.dtype == bool:
        number = pd.Series(np.nan, index=raw.index)
    else:
        is_bool = raw.map(lambda v: isinstance(v, bool | np.bool_))
        text = raw.astype("string").str.strip()
        number = pd.to_numeric(text, errors="coerce").where(~is_bool)
    bad = number.isna() | ~number.isin(range(11))
    if bad.any():
        position = int(np.flatnonzero(bad.to_numpy())[0])
        value = raw.iloc[position]
        text = message(
            "bad_score",
            lang,
            MESSAGES,
            count=int(bad.sum()),
            value="" if _is_blank(value) else value,
            row=raw.index[position],
        )
        if column is not None:
            text = f"{column!r}: {text}" if lang == "en" else f"“{column}”列：{text}"
        raise AnalyticsInputError(text)
    return number.astype("int64")


def nps(scores, *, lang: str = "en") -> NetPromoterScore:
    """The Net Promoter Score of likelihood-to-recommend answers on the 0–10 scale.

    Parameters
    ----------
    scores : sequence or pandas.Series
        One answer per respondent, a whole number from 0 to 10 (text like ``"9"`` is read as
        the number). Blank answers are not scores: leave them out before calling.
    lang : {"en", "zh-hans"}
        Language of the error messages.

    Returns
    -------
    NetPromoterScore
        ``respondents``, ``promoters`` (9–10), ``passives`` (7–8), ``detractors`` (0–6),
        ``promoter_share`` and ``detractor_share`` (percent) and ``nps`` = % promoters −
        % detractors (Reichheld 2003), from −100 (all detractors) to 100 (all promoters).

    Raises
    ------
    AnalyticsInputError
        For no scores, or a score that is blank, not a number, not whole, or outside 0–10.

    Examples
    --------
    >>> result = nps([10, 9, 9, 8, 7, 6, 3, 10, 9, 5])
    >>> result.promoters, result.passives, result.detractors
    (5, 2, 3)
    >>> result.nps  # 50% promoters - 30% detractors
    20.0
    """
    lang = check_lang(lang)
    score = _scores(scores, lang)
    return NetPromoterScore(
        respondents=len(score),
        promoters=int((score >= 9).sum()),
        passives=int(score.between(7, 8).sum()),
        detractors=int((score <= 6).sum()),
    )


def _by_list(by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def _require(frame, roles: dict[str, str], lang: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise AnalyticsInputError(message("not_a_table", lang, kind=type(frame).__name__))
    if any(name not in frame.columns for name in roles.values()):
        find_columns(
            list(frame.columns),
            {role: (name,) for role, name in roles.items()},
            {**ROLE_NAMES, **{r: ROLE_NAMES["by"] for r in roles if r.startswith("by:")}},
            lang=lang,
        )
    if frame.empty:
        raise AnalyticsInputError(message("no_answers", lang))


def nps_by(
    answers: pd.DataFrame,
    *,
    score: str = "score",
    by: str | Sequence[str],
    lang: str = "en",
) -> pd.DataFrame:
    """The Net Promoter Score per group (segment, month, channel, ...), as :func:`nps` computes
    it for all answers.

    Returns one row per group with the ``by`` columns, ``respondents``, ``promoters``,
    ``passives``, ``detractors`` and ``nps``, ordered by the groups.

    >>> answers = pd.DataFrame({"segment": ["A", "A", "B", "B"], "score": [10, 6, 9, 8]})
    >>> nps_by(answers, by="segment")
      segment  respondents  promoters  passives  detractors   nps
    0       A            2          1         0           1   0.0
    1       B            2          1         1           0  50.0
    """
    lang = check_lang(lang)
    groups = _by_list(by)
    _require(answers, {"score": score, **{f"by:{g}": g for g in groups}}, lang)
    value = _scores(answers[score], lang, column=score)
    kind = np.select([value >= 9, value >= 7], ["promoters", "passives"], default="detractors")
    keys = [answers[g] for g in groups]
    counts = (
        pd.crosstab(keys, kind)
        .reindex(columns=["promoters", "passives", "detractors"], fill_value=0)
        .astype("int64")
    )
    counts.columns.name = None
    respondents = counts.sum(axis=1)
    counts.insert(0, "respondents", respondents)
    counts["nps"] = 100.0 * (counts["promoters"] - counts["detractors"]) / respondents
    return counts.reset_index()


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or not str(value).strip()


def _first(frame: pd.DataFrame, mask: pd.Series):
    return frame.index[int(np.flatnonzero(mask.to_numpy())[0])]


def _numbers(frame: pd.DataFrame, column: str, lang: str) -> pd.Series:
    """``column`` as float64, or an error naming the first blank or non-numeric value."""
    raw = frame[column]
    blank = raw.map(_is_blank).astype(bool)
    if blank.any():
        raise AnalyticsInputError(
            message("blank", lang, column=column, count=int(blank.sum()), row=_first(frame, blank))
        )
    number = pd.to_numeric(raw.astype("string").str.strip(), errors="coerce").astype("float64")
    bad = number.isna() | ~np.isfinite(number)
    if bad.any():
        row = _first(frame, bad)
        raise AnalyticsInputError(
            message(
                "not_number",
                lang,
                column=column,
                count=int(bad.sum()),
                value=str(raw.loc[row]),
                row=row,
            )
        )
    return number


def satisfaction_gap(
    answers: pd.DataFrame,
    *,
    attribute: str = "attribute",
    expected: str = "expected",
    perceived: str = "perceived",
    by: str | Sequence[str] | None = None,
    lang: str = "en",
) -> pd.DataFrame:
    """The gap between perceived and expected performance per attribute (and group).

    Parameters
    ----------
    answers : pandas.DataFrame
        One row per respondent and attribute with the expectation and the perception, both on
        the same scale (e.g. 1–5 or 1–7).
    attribute, expected, perceived : str
        Column names of the attribute (quality, function, price, service, ...) and of the two
        scores.
    by : str or list of str, optional
        Further grouping columns: the customer (one row per customer and attribute), the
        segment, the month, ...
    lang : {"en", "zh-hans"}
        Language of the error messages.

    Returns
    -------
    pandas.DataFrame
        One row per group and attribute: the ``by`` columns, ``attribute``, ``respondents``,
        ``expected`` and ``perceived`` (means), ``gap`` = perceived − expected and
        ``ratio`` = perceived / expected.

    Raises
    ------
    AnalyticsInputError
        For a missing column, no rows, a blank attribute, or a score that is blank or not a
        number (an unanswered half of a pair cannot be compared).
        The message names the row by the frame's index label.

    Notes
    -----
    The course text's satisfaction formula, 满意度 = f(感受值 − 期望值) or 感受值 / 期望值,
    applied to the attribute's mean perception P̄ and mean expectation Ē::

        gap   = P̄ − Ē    (= the mean of the respondents' own P − E, since every row has both)
        ratio = P̄ / Ē

    The ratio is taken of the means, not averaged over respondents, so that one respondent
    with a very low expectation cannot dominate it; it is NaN when Ē is 0 or negative (a
    ratio needs a scale that starts above zero).

    Examples
    --------
    >>> answers = pd.DataFrame({
    ...     "attribute": ["quality", "quality", "price", "price"],
    ...     "expected": [5, 4, 3, 3],
    ...     "perceived": [4, 3, 4, 3],
    ... })
    >>> satisfaction_gap(answers)
      attribute  respondents  expected  perceived  gap     ratio
    0     price            2       3.0        3.5  0.5  1.166667
    1   quality            2       4.5        3.5 -1.0  0.777778
    """
    lang = check_lang(lang)
    groups = _by_list(by)
    roles = {
        "attribute": attribute,
        "expected": expected,
        "perceived": perceived,
        **{f"by:{g}": g for g in groups},
    }
    _require(answers, roles, lang)
    blank = answers[attribute].map(_is_blank).astype(bool)
    if blank.any():
        raise AnalyticsInputError(
            message(
                "blank",
                lang,
                column=attribute,
                count=int(blank.sum()),
                row=_first(answers, blank),
            )
        )
    e = _numbers(answers, expected, lang)
    p = _numbers(answers, perceived, lang)
    frame = pd.DataFrame(
        {**{g: answers[g] for g in groups}, "attribute": answers[attribute], "e": e, "p": p}
    )
    table = (
        frame.groupby([*groups, "attribute"], sort=True, dropna=False)
        .agg(respondents=("e", "size"), expected=("e", "mean"), perceived=("p", "mean"))
        .reset_index()
    )
    table["gap"] = table["perceived"] - table["expected"]
    table["ratio"] = table["perceived"] / table["expected"].where(table["expected"] > 0)
    return table
