"""Net Promoter Score (Reichheld 2003) and the expected / perceived satisfaction gap (the course
text's 满意度 = f(感受值 − 期望值) or 感受值 / 期望值), on worked examples."""

import math

import pandas as pd
import pytest

from guanxi.analytics.io import AnalyticsInputError
from guanxi.analytics.satisfaction import nps, nps_by, satisfaction_gap

# --- NPS ----------------------------------------------------------------------------------
# Reichheld, F. F. (2003), "The one number you need to grow", Harvard Business Review 81(12):
# customers answer "How likely is it that you would recommend [company X] to a friend or
# colleague?" from 0 (not at all likely) to 10 (extremely likely); "promoters" answer 9 or 10,
# "passively satisfied" 7 or 8, "detractors" 0 to 6; the net promoter score is the percentage
# of promoters minus the percentage of detractors.


@pytest.mark.parametrize(
    ("score", "kind"),
    [(s, "detractors") for s in range(7)]
    + [(7, "passives"), (8, "passives"), (9, "promoters"), (10, "promoters")],
)
def test_every_score_has_its_group(score, kind):
    result = nps([score])
    counts = {
        "promoters": result.promoters,
        "passives": result.passives,
        "detractors": result.detractors,
    }
    assert counts == {k: int(k == kind) for k in counts}
    assert result.nps == {"promoters": 100.0, "passives": 0.0, "detractors": -100.0}[kind]


def test_worked_example():
    # 100 customers: 25 answer 10 and 20 answer 9 (45 promoters); 20 answer 8 and 15 answer 7
    # (35 passives); 8 answer 6, 5 answer 5, 4 answer 3 and 3 answer 0 (20 detractors).
    # NPS = 45% - 20% = 25.
    scores = [10] * 25 + [9] * 20 + [8] * 20 + [7] * 15 + [6] * 8 + [5] * 5 + [3] * 4 + [0] * 3
    result = nps(scores)
    assert (result.respondents, result.promoters, result.passives, result.detractors) == (
        100,
        45,
        35,
        20,
    )
    assert result.promoter_share == 45.0
    assert result.detractor_share == 20.0
    assert result.nps == 25.0


def test_shares_are_of_all_respondents_passives_included():
    # 3 promoters, 1 passive, 2 detractors out of 6: (3 - 2) / 6 = 16.67 points, not
    # (3 - 2) / 5 as if passives did not count
    assert nps([9, 10, 10, 7, 0, 6]).nps == pytest.approx(100 / 6)


def test_scores_as_text():
    assert nps(pd.Series(["10", " 9", "3"])).nps == pytest.approx(100 / 3)


@pytest.mark.parametrize("bad", [[11], [-1], [9.5], ["ten"], [None], [float("nan")], [True]])
def test_scores_outside_0_to_10_are_refused(bad):
    with pytest.raises(AnalyticsInputError, match="not whole numbers from 0 to 10"):
        nps([10, *bad])


def test_bad_score_names_the_row_and_counts():
    with pytest.raises(AnalyticsInputError) as error:
        nps([10, 12, 11])
    assert str(error.value) == (
        "2 likelihood-to-recommend score(s) are not whole numbers from 0 to 10, e.g. 12 at row 2"
    )
    with pytest.raises(AnalyticsInputError) as error:
        nps([10, 12], lang="zh-hans")
    assert str(error.value) == "1 个推荐意愿分数不是 0 到 10 的整数，例如第 2 行的“12”"


def test_no_scores():
    with pytest.raises(AnalyticsInputError, match="no likelihood-to-recommend scores"):
        nps([])


def test_nps_by_group():
    answers = pd.DataFrame(
        {
            "segment": ["A", "A", "A", "B", "B", "C"],
            "score": [10, 9, 0, 8, 7, 6],
        }
    )
    table = nps_by(answers, by="segment").set_index("segment")
    assert table.loc["A", ["respondents", "promoters", "passives", "detractors"]].tolist() == [
        3,
        2,
        0,
        1,
    ]
    assert table["nps"].to_dict() == pytest.approx({"A": 100 / 3, "B": 0.0, "C": -100.0})
    # the same numbers as nps() on each group
    for segment, group in answers.groupby("segment"):
        assert table.loc[segment, "nps"] == pytest.approx(nps(group["score"]).nps)


def test_nps_by_errors_name_the_column():
    answers = pd.DataFrame({"segment": ["A"], "score": [15]}, index=[7])
    with pytest.raises(AnalyticsInputError, match="^'score': 1 likelihood.*at row 7$"):
        nps_by(answers, by="segment")
    with pytest.raises(AnalyticsInputError, match=r"missing column 'channel' \(group\)"):
        nps_by(answers, by=["segment", "channel"])


# --- satisfaction gap ---------------------------------------------------------------------
# The course text (seed 000, chapter 4): 客户满意度 = f(感受值 − 期望值), or 满意度 = 感受值 /
# 期望值; the difference is also SERVQUAL's Q = P − E (Parasuraman, Zeithaml & Berry 1988).


def test_gap_worked_example():
    # Three customers rate expectation and perception of three attributes on 1-7:
    #             expected     perceived
    # quality     7, 6, 5      6, 6, 3     mean E 6,   mean P 5    gap -1    ratio 5/6
    # price       4, 4, 4      5, 6, 4     mean E 4,   mean P 5    gap +1    ratio 1.25
    # service     6, 5, 4      6, 5, 4     mean E 5,   mean P 5    gap  0    ratio 1
    answers = pd.DataFrame(
        {
            "customer": ["c1", "c2", "c3"] * 3,
            "attribute": ["quality"] * 3 + ["price"] * 3 + ["service"] * 3,
            "expected": [7, 6, 5, 4, 4, 4, 6, 5, 4],
            "perceived": [6, 6, 3, 5, 6, 4, 6, 5, 4],
        }
    )
    table = satisfaction_gap(answers).set_index("attribute")
    assert table["respondents"].to_dict() == {"price": 3, "quality": 3, "service": 3}
    assert table["expected"].to_dict() == {"price": 4.0, "quality": 6.0, "service": 5.0}
    assert table["perceived"].to_dict() == {"price": 5.0, "quality": 5.0, "service": 5.0}
    assert table["gap"].to_dict() == {"price": 1.0, "quality": -1.0, "service": 0.0}
    assert table["ratio"].to_dict() == pytest.approx(
        {"price": 1.25, "quality": 5 / 6, "service": 1.0}
    )


def test_gap_per_customer():
    answers = pd.DataFrame(
        {
            "customer": ["c1", "c1", "c2"],
            "attribute": ["quality", "price", "quality"],
            "expected": [5, 2, 4],
            "perceived": [3, 3, 4],
        }
    )
    table = satisfaction_gap(answers, by="customer")
    assert table[["customer", "attribute", "gap", "ratio"]].to_dict("records") == [
        {"customer": "c1", "attribute": "price", "gap": 1.0, "ratio": 1.5},
        {"customer": "c1", "attribute": "quality", "gap": -2.0, "ratio": 0.6},
        {"customer": "c2", "attribute": "quality", "gap": 0.0, "ratio": 1.0},
    ]


def test_ratio_needs_a_positive_expectation():
    answers = pd.DataFrame(
        {"attribute": ["a", "b"], "expected": [0, -1], "perceived": [2, 1]},
    )
    table = satisfaction_gap(answers).set_index("attribute")
    assert table["gap"].to_dict() == {"a": 2.0, "b": 2.0}
    assert math.isnan(table.loc["a", "ratio"]) and math.isnan(table.loc["b", "ratio"])


def test_gap_validation():
    good = {"attribute": ["q", "q"], "expected": [4, 5], "perceived": [3, 5]}
    with pytest.raises(AnalyticsInputError, match=r"column 'perceived' \(perceived\)"):
        satisfaction_gap(pd.DataFrame(good).drop(columns=["perceived"]))
    with pytest.raises(AnalyticsInputError, match="no answers"):
        satisfaction_gap(pd.DataFrame(good).iloc[0:0])
    with pytest.raises(
        AnalyticsInputError,
        match=r"^column 'expected': 1 row\(s\) without a value \(first at row 1\)$",
    ):
        satisfaction_gap(pd.DataFrame({**good, "expected": [4, None]}))
    with pytest.raises(
        AnalyticsInputError,
        match=r"^column 'perceived': 1 value\(s\) are not numbers, e.g. 'good' at row 0$",
    ):
        satisfaction_gap(pd.DataFrame({**good, "perceived": ["good", 5]}))
    with pytest.raises(AnalyticsInputError, match=r"column 'attribute': 1 row\(s\)"):
        satisfaction_gap(pd.DataFrame({**good, "attribute": ["q", " "]}))
    with pytest.raises(AnalyticsInputError) as error:
        satisfaction_gap(pd.DataFrame({**good, "expected": [4, "高"]}), lang="zh-hans")
    assert str(error.value) == "“expected”列：1 个值不是数字，例如第 1 行的“高”"
