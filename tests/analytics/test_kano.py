"""KANO classification: the evaluation table cell by cell, the category and Better/Worse against
the worked example of Sauerwein et al. (1996), the tie rule, the priority order, and input
validation (both languages)."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from guanxi.analytics.io import AnalyticsInputError
from guanxi.analytics.kano import (
    ANSWERS,
    CATEGORIES,
    as_records,
    classify,
    classify_answers,
    kano,
    read_kano_answers,
)

LETTER = {
    "M": "must-be",
    "O": "one-dimensional",
    "A": "attractive",
    "I": "indifferent",
    "R": "reverse",
    "Q": "questionable",
}

# The evaluation table as printed by Sauerwein et al. (1996), fig. 6 (the same as Berger et al.
# 1993): rows the functional answer, columns the dysfunctional one, both in the order
# 1 like, 2 must-be, 3 neutral, 4 live-with, 5 dislike. Written out here independently of the
# module's constant.
PRINTED_TABLE = """
    Q A A A O
    R I I I M
    R I I I M
    R I I I M
    R R R R Q
"""
CELLS = [
    (functional, dysfunctional, LETTER[letter])
    for functional, line in enumerate(PRINTED_TABLE.split("\n")[1:6], start=1)
    for dysfunctional, letter in enumerate(line.split(), start=1)
]


def answers_for(counts: dict[str, dict[str, int]]) -> pd.DataFrame:
    """Answers that produce the given category counts per feature: one respondent per answer,
    each with a pair of answers from that category's cell of the table."""
    pair = {
        "attractive": (1, 3),
        "one-dimensional": (1, 5),
        "must-be": (2, 5),
        "indifferent": (3, 3),
        "reverse": (5, 1),
        "questionable": (1, 1),
    }
    rows = []
    for feature, per_category in counts.items():
        respondent = 0
        for category, n in per_category.items():
            for _ in range(n):
                respondent += 1
                rows.append((respondent, feature, *pair[category]))
    return pd.DataFrame(rows, columns=["respondent", "feature", "functional", "dysfunctional"])


def test_answers_are_in_the_standard_order():
    assert ANSWERS == ("like", "must-be", "neutral", "live-with", "dislike")


def test_the_printed_table_has_25_cells():
    assert len(CELLS) == 25
    assert CELLS[0] == (1, 1, "questionable")
    assert CELLS[4] == (1, 5, "one-dimensional")
    assert CELLS[-1] == (5, 5, "questionable")


@pytest.mark.parametrize(("functional", "dysfunctional", "category"), CELLS)
def test_evaluation_table_cell(functional, dysfunctional, category):
    assert classify(functional, dysfunctional) == category
    assert classify_answers([functional], [dysfunctional]).tolist() == [category]
    one = pd.DataFrame(
        {
            "respondent": ["r1"],
            "feature": ["f"],
            "functional": [functional],
            "dysfunctional": [dysfunctional],
        }
    )
    row = kano(one).iloc[0]
    assert row["category"] == category
    assert row[category] == 1
    assert row[list(CATEGORIES)].sum() == 1


def test_classify_answers_all_cells_at_once():
    functional = [f for f, _, _ in CELLS]
    dysfunctional = [d for _, d, _ in CELLS]
    assert classify_answers(functional, dysfunctional).tolist() == [c for _, _, c in CELLS]


@pytest.mark.parametrize(("functional", "dysfunctional"), [(0, 1), (6, 1), (1, 0), (1, 6)])
def test_classify_refuses_answers_outside_1_to_5(functional, dysfunctional):
    with pytest.raises(AnalyticsInputError, match="1 to 5"):
        classify(functional, dysfunctional)
    with pytest.raises(AnalyticsInputError, match="1 to 5"):
        classify_answers([functional], [dysfunctional])


def test_sauerwein_1996_ski_example():
    # Sauerwein, Bailom, Matzler & Hinterhuber (1996), "The Kano model: how to delight your
    # customers", IX. International Working Seminar on Production Economics, Innsbruck,
    # pp. 313-327: the survey of ski requirements, fig. 10 (frequencies of the categories) and
    # fig. 11 (customer satisfaction coefficients). The figures below are those the paper
    # prints, as transcribed (the original was not at hand while writing this test; the check
    # that recomputing the coefficients from the frequencies gives the printed ones is the
    # test itself):
    #   edge grip        A 7%    O 33%    M 50%    I 10%     -> M, Better 0.40, Worse -0.83
    #   ease of turning  A 10.4% O 45.1%  M 30.5%  I 11.5%   -> O, Better 0.57, Worse -0.78
    #   service          A 66%   O 22%    M 3%     I 9%      -> A,              Worse -0.25
    # Edge grip and service are given as whole percentages, used here as counts out of 100
    # respondents; ease of turning with one decimal, used as counts out of 1,000. Its
    # remaining 2.5% (reverse and questionable answers) are left out: they enter neither the
    # category (far below O) nor the coefficients, whose denominator is A + O + M + I.
    answers = answers_for(
        {
            "edge grip": {"attractive": 7, "one-dimensional": 33, "must-be": 50, "indifferent": 10},
            "ease of turning": {
                "attractive": 104,
                "one-dimensional": 451,
                "must-be": 305,
                "indifferent": 115,
            },
            "service": {"attractive": 66, "one-dimensional": 22, "must-be": 3, "indifferent": 9},
        }
    )
    table = kano(answers).set_index("feature")
    assert table["category"].to_dict() == {
        "edge grip": "must-be",
        "ease of turning": "one-dimensional",
        "service": "attractive",
    }
    # exact values: (7 + 33) / 100, -(33 + 50) / 100; (104 + 451) / 975, -(451 + 305) / 975
    assert_allclose(table.loc["edge grip", ["better", "worse"]].astype(float), [0.40, -0.83])
    assert_allclose(
        table.loc["ease of turning", ["better", "worse"]].astype(float), [555 / 975, -756 / 975]
    )
    # ... which round to the printed coefficients: here the unrounded frequencies give -0.78,
    # where the rounded shares of fig. 11 (O 46, M 31) would give -0.77
    assert round(table.loc["ease of turning", "better"], 2) == 0.57
    assert round(table.loc["ease of turning", "worse"], 2) == -0.78
    assert_allclose(table.loc["service", "worse"], -0.25)
    # the paper prints Better 0.89 for service, from unrounded frequencies; from the whole
    # percentages it is (66 + 22) / 100
    assert_allclose(table.loc["service", "better"], 0.88)
    # priority: must-be, one-dimensional, attractive (Sauerwein et al. 1996, p. 9)
    assert list(table.index) == ["edge grip", "ease of turning", "service"]
    assert table["priority"].tolist() == [1, 2, 3]
    assert table["answers"].tolist() == [100, 975, 100]


def test_better_and_worse_leave_out_reverse_and_questionable():
    answers = answers_for(
        {"f": {"attractive": 2, "must-be": 1, "indifferent": 1, "reverse": 3, "questionable": 3}}
    )
    row = kano(answers).iloc[0]
    # reverse and questionable are the most frequent, R wins the tie (R > Q)
    assert row["category"] == "reverse"
    assert row["answers"] == 10
    assert row["better"] == pytest.approx(2 / 4)
    assert row["worse"] == pytest.approx(-1 / 4)


def test_only_reverse_and_questionable_answers_have_no_coefficients():
    table = kano(answers_for({"f": {"reverse": 1, "questionable": 2}}))
    assert table.loc[0, "category"] == "questionable"
    assert np.isnan(table.loc[0, "better"]) and np.isnan(table.loc[0, "worse"])
    record = as_records(table)[0]
    assert record["better"] is None and record["worse"] is None


@pytest.mark.parametrize(
    ("tied", "winner"),
    [
        (("must-be", "one-dimensional"), "must-be"),
        (("one-dimensional", "attractive"), "one-dimensional"),
        (("attractive", "indifferent"), "attractive"),
        (("must-be", "indifferent"), "must-be"),
        (("indifferent", "reverse"), "indifferent"),
        (("reverse", "questionable"), "reverse"),
        (CATEGORIES, "must-be"),
    ],
)
def test_ties_follow_the_evaluation_rule_m_o_a_i(tied, winner):
    # Sauerwein et al. (1996), p. 9: when a requirement cannot be assigned unambiguously,
    # "the evaluation rule M > O > A > I" decides; R and Q after them (R > Q)
    counts = {category: 2 for category in tied}
    # one answer fewer in a category outside the tie must not change anything
    others = [c for c in CATEGORIES if c not in tied]
    if others:
        counts[others[0]] = 1
    assert kano(answers_for({"f": counts})).loc[0, "category"] == winner


def test_a_clear_majority_beats_the_tie_rule():
    counts = {"must-be": 2, "indifferent": 3}
    assert kano(answers_for({"f": counts})).loc[0, "category"] == "indifferent"


def test_priority_order_across_and_within_categories():
    answers = answers_for(
        {
            # must-be, ordered by |Worse|: 0.9 before 0.6
            "m weak": {"must-be": 6, "indifferent": 4},  # Worse -0.6
            "m strong": {"must-be": 8, "one-dimensional": 1, "indifferent": 1},  # Worse -0.9
            # one-dimensional, ordered by Better + |Worse|
            "o small": {"one-dimensional": 4, "attractive": 3, "indifferent": 3},  # 0.7 + 0.4
            "o big": {"one-dimensional": 6, "attractive": 2, "must-be": 2},  # 0.8 + 0.8
            # attractive, ordered by Better
            "a low": {"attractive": 5, "indifferent": 4, "must-be": 1},  # Better 0.5
            "a high": {"attractive": 7, "one-dimensional": 2, "indifferent": 1},  # Better 0.9
            # indifferent, by Better
            "i": {"indifferent": 9, "attractive": 1},
            "i zero": {"indifferent": 10},
            # reverse and questionable last
            "q": {"questionable": 5, "indifferent": 1},
            "r": {"reverse": 5, "indifferent": 1},
        }
    )
    table = kano(answers)
    assert table["feature"].tolist() == [
        "m strong",
        "m weak",
        "o big",
        "o small",
        "a high",
        "a low",
        "i",
        "i zero",
        "r",
        "q",
    ]
    assert table["priority"].tolist() == list(range(1, 11))


def test_priority_ties_fall_back_to_the_second_coefficient_then_the_name():
    answers = answers_for(
        {
            # same |Worse| (0.5): the one with the higher Better first
            "m2": {"must-be": 5, "indifferent": 5},
            "m1": {"must-be": 4, "one-dimensional": 1, "attractive": 1, "indifferent": 4},
            # identical counts: by name
            "b": {"attractive": 3},
            "a": {"attractive": 3},
        }
    )
    assert kano(answers)["feature"].tolist() == ["m1", "m2", "a", "b"]


def test_records_have_exactly_the_documented_keys():
    table = kano(answers_for({"wifi": {"attractive": 2, "indifferent": 1}}))
    assert as_records(table) == [
        {
            "feature": "wifi",
            "category": "attractive",
            "counts": {
                "must-be": 0,
                "one-dimensional": 0,
                "attractive": 2,
                "indifferent": 1,
                "reverse": 0,
                "questionable": 0,
            },
            "better": pytest.approx(2 / 3),
            "worse": 0.0,
        }
    ]
    # no negative zero (it would print as -0.0 in JSON)
    assert str(as_records(table)[0]["worse"]) == "0.0"


def test_answers_given_as_text_and_with_other_column_names():
    answers = pd.DataFrame(
        {
            "who": [" 007", "008"],
            "what": ["delivery", "delivery "],
            "with": ["1", " 5"],
            "without": ["5.0", "1"],
        }
    )
    table = kano(
        answers, respondent="who", feature="what", functional="with", dysfunctional="without"
    )
    assert table.loc[0, "feature"] == "delivery"
    assert table.loc[0, "one-dimensional"] == 1 and table.loc[0, "reverse"] == 1


# --- validation ---------------------------------------------------------------------------


def frame(**changes):
    base = {
        "respondent": ["1", "2", "3"],
        "feature": ["x", "x", "x"],
        "functional": [1, 2, 3],
        "dysfunctional": [5, 5, 5],
    }
    base.update(changes)
    return pd.DataFrame(base, index=[2, 3, 4])


@pytest.mark.parametrize(
    ("bad", "shown"),
    [([1, 0, 3], "'0'"), ([1, 6, 3], "'6'"), ([1, 2.5, 3], "'2.5'"), ([1, "like", 3], "'like'")],
)
def test_answers_outside_1_to_5_are_refused_with_the_row(bad, shown):
    with pytest.raises(AnalyticsInputError) as error:
        kano(frame(functional=bad))
    text = str(error.value)
    assert text.startswith("column 'functional': 1 answer(s) are not 1–5 (1 like, 2 must-be")
    assert f"e.g. {shown} at row 3" in text


def test_blank_answers_are_counted():
    with pytest.raises(AnalyticsInputError, match=r"'dysfunctional': 2 answer\(s\).*at row 2"):
        kano(frame(dysfunctional=[None, "", 5]))


def test_blank_respondent_or_feature():
    with pytest.raises(AnalyticsInputError, match=r"column 'feature': 1 row\(s\) without a value"):
        kano(frame(feature=["x", " ", "x"]))
    with pytest.raises(AnalyticsInputError, match=r"first at row 4"):
        kano(frame(respondent=["1", "2", None]))


def test_missing_columns_are_named():
    with pytest.raises(AnalyticsInputError) as error:
        kano(frame().drop(columns=["dysfunctional", "feature"]))
    assert str(error.value) == (
        "missing column 'feature' (feature), column 'dysfunctional' (answer without the "
        "feature); the columns are: respondent, functional"
    )


def test_no_rows_and_not_a_frame():
    with pytest.raises(AnalyticsInputError, match="no answers to analyse"):
        kano(frame().iloc[0:0])
    with pytest.raises(AnalyticsInputError, match="pandas DataFrame, not list"):
        kano([1, 2, 3])


def test_a_respondent_answers_a_feature_once():
    with pytest.raises(AnalyticsInputError) as error:
        kano(frame(respondent=["1", "2", "1"]))
    assert str(error.value) == "respondent '1' answered feature 'x' more than once (rows 2 and 4)"


def test_errors_in_chinese():
    with pytest.raises(AnalyticsInputError) as error:
        kano(frame(functional=[1, 9, 3]), lang="zh-hans")
    assert str(error.value) == (
        "“functional”列：1 个答案不是 1–5（1 喜欢，2 理应如此，3 无所谓，4 能忍受，5 不喜欢），"
        "例如第 3 行的“9”"
    )
    with pytest.raises(AnalyticsInputError) as error:
        kano(frame(respondent=["1", "2", "1"]), lang="zh-hans")
    assert str(error.value) == "受访者“1”对功能“x”作答了不止一次（第 2 行和第 4 行）"
    with pytest.raises(AnalyticsInputError, match="缺少“feature”列（功能）"):
        kano(frame().drop(columns=["feature"]), lang="zh-hans")


def test_unknown_language():
    with pytest.raises(AnalyticsInputError, match="language must be one of en, zh-hans, not 'fr'"):
        kano(frame(), lang="fr")


# --- reading files ------------------------------------------------------------------------


def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize(
    "header",
    [
        "respondent,feature,functional,dysfunctional",
        "受访者,功能,正向,反向",
        "受访者,特性,功能性,非功能性",
        "\ufeffRespondent , FEATURE,Functional,Dysfunctional",
    ],
)
def test_read_either_language_header(tmp_path, header):
    path = write(tmp_path / "answers.csv", f"{header}\n001,wifi,1,3\n002,wifi,2,5\n")
    answers = read_kano_answers(path)
    assert list(answers.columns) == ["respondent", "feature", "functional", "dysfunctional"]
    assert answers["respondent"].tolist() == ["001", "002"]  # leading zeros kept
    assert answers.index.tolist() == [2, 3]  # spreadsheet rows
    table = kano(answers)
    assert table.loc[0, "attractive"] == 1 and table.loc[0, "must-be"] == 1


def test_read_gb18030_csv_with_other_columns_and_blank_lines(tmp_path):
    text = "备注,受访者,功能,正向,反向\n甲,1,送货上门,1,5\n\n乙,2,送货上门,7,5\n"
    path = write(tmp_path / "answers.csv", text, encoding="gb18030")
    answers = read_kano_answers(path, lang="zh-hans")
    with pytest.raises(AnalyticsInputError) as error:
        kano(answers, lang="zh-hans")
    # the file's own header and the file's row (the blank line 3 counts)
    assert "“正向”列：1 个答案不是 1–5" in str(error.value)
    assert "例如第 4 行的“7”" in str(error.value)


def test_read_xlsx(tmp_path):
    path = tmp_path / "answers.xlsx"
    pd.DataFrame(
        {"受访者": [1, 2, 3], "功能": ["刹车"] * 3, "正向": [3, 2, 1], "反向": [5, 5, 5]}
    ).to_excel(path, index=False)
    table = kano(read_kano_answers(path))
    assert table.loc[0, ["feature", "category", "must-be", "one-dimensional"]].tolist() == [
        "刹车",
        "must-be",
        2,
        1,
    ]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("none.csv", None, "input file not found"),
        ("empty.csv", "", "input file is empty"),
        ("header.csv", "respondent,feature,functional,dysfunctional\n", "has no answers"),
        ("blank.csv", "respondent,feature,functional,dysfunctional\n,,,\n", "has no answers"),
        ("answers.json", "{}", "expected a .csv or .xlsx file, got '.json'"),
        ("broken.xlsx", "not a zip", "cannot read broken.xlsx"),
        (
            "two.csv",
            "respondent,feature,特性,functional,dysfunctional\n1,a,b,1,1\n",
            "two columns mean feature: 'feature' and '特性'; keep one",
        ),
        (
            "missing.csv",
            "id,feature,functional,dysfunctional\n1,a,1,1\n",
            "missing column 'respondent' or '受访者' (respondent); the columns are: id, feature",
        ),
    ],
)
def test_read_errors(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(AnalyticsInputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_kano_answers(path)


def test_read_errors_in_chinese(tmp_path):
    with pytest.raises(AnalyticsInputError, match="找不到输入文件"):
        read_kano_answers(tmp_path / "none.csv", lang="zh-hans")
    path = write(tmp_path / "x.csv", "受访者,功能,正向\n1,a,1\n")
    with pytest.raises(AnalyticsInputError) as error:
        read_kano_answers(path, lang="zh-hans")
    assert str(error.value) == (
        "缺少“dysfunctional”或“反向”或“非功能性”列（反向问题的答案）；现有的列：受访者、功能、正向"
    )
