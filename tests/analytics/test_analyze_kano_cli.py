"""`guanxi analyze kano`: the real command in a subprocess, on answer files with English and
Chinese headers, its JSON, its table in both languages and its one-line translated errors."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]

# Three respondents, three features (pairs of answers -> category, by the evaluation table):
#   brakes:  (3,5) M, (2,5) M, (1,5) O        -> must-be,    Better 1/3, Worse -1
#   sunroof: (1,3) A, (1,4) A, (3,3) I        -> attractive, Better 2/3, Worse 0
#   adverts: (5,1) R, (5,3) R, (1,1) Q        -> reverse,    no Better / Worse
ROWS = [
    ("1", "brakes", 3, 5),
    ("2", "brakes", 2, 5),
    ("3", "brakes", 1, 5),
    ("1", "sunroof", 1, 3),
    ("2", "sunroof", 1, 4),
    ("3", "sunroof", 3, 3),
    ("1", "adverts", 5, 1),
    ("2", "adverts", 5, 3),
    ("3", "adverts", 1, 1),
]


def counts(**non_zero):
    names = ("must-be", "one-dimensional", "attractive", "indifferent", "reverse", "questionable")
    return {name: non_zero.get(name.replace("-", "_"), 0) for name in names}


EXPECTED = {
    "features": [
        {
            "feature": "brakes",
            "category": "must-be",
            "counts": counts(must_be=2, one_dimensional=1),
            "better": 1 / 3,
            "worse": -1.0,
        },
        {
            "feature": "sunroof",
            "category": "attractive",
            "counts": counts(attractive=2, indifferent=1),
            "better": 2 / 3,
            "worse": 0.0,
        },
        {
            "feature": "adverts",
            "category": "reverse",
            "counts": counts(reverse=2, questionable=1),
            "better": None,
            "worse": None,
        },
    ]
}

HEADERS = {
    "en": ["respondent", "feature", "functional", "dysfunctional"],
    "zh": ["受访者", "功能", "正向", "反向"],
    "zh-other": ["受访者", "特性", "功能性", "非功能性"],
}


def guanxi(*args, lang_env=None):
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    env["LANG"] = lang_env or "C.UTF-8"
    return subprocess.run(
        [sys.executable, "-m", "guanxi", "analyze", "kano", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )


def answers_file(tmp_path, headers, suffix=".csv", encoding="utf-8"):
    frame = pd.DataFrame(ROWS, columns=headers)
    path = tmp_path / f"answers{suffix}"
    if suffix == ".xlsx":
        frame.to_excel(path, index=False)
    else:
        frame.to_csv(path, index=False, encoding=encoding)
    return path


@pytest.mark.parametrize(
    ("headers", "suffix", "encoding"),
    [
        ("en", ".csv", "utf-8"),
        ("zh", ".csv", "utf-8-sig"),
        ("zh-other", ".csv", "gb18030"),
        ("zh", ".xlsx", None),
    ],
)
def test_json_in_both_header_languages(tmp_path, headers, suffix, encoding):
    path = answers_file(tmp_path, HEADERS[headers], suffix, encoding)
    result = guanxi("--input", str(path), "--json")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    output = json.loads(result.stdout)
    assert output == EXPECTED
    assert [f["feature"] for f in output["features"]] == ["brakes", "sunroof", "adverts"]


def test_table_in_english(tmp_path):
    result = guanxi("--input", str(answers_file(tmp_path, HEADERS["en"])), "--lang", "en")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("KANO: 3 feature(s), 3 respondent(s), in priority order")
    assert lines[1].split() == [
        "#",
        "feature",
        "category",
        "answers",
        *"MOAIRQ",
        "Better",
        "Worse",
    ]
    assert lines[2].split() == ["1", "brakes", "must-be", "3", "2", "1", "0", "0", "0", "0"] + [
        "0.33",
        "-1.00",
    ]
    assert lines[4].split()[-2:] == ["-", "-"]
    assert "M must-be: missing or poor, customers are very dissatisfied" in result.stdout
    assert "Better = (A+O)/(A+O+M+I)" in result.stdout


def test_table_in_the_users_language(tmp_path):
    path = answers_file(tmp_path, HEADERS["zh"])
    # the language comes from the locale when --lang is not given
    result = guanxi("--input", str(path), lang_env="zh_CN.UTF-8")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("KANO 分析：3 个功能，3 位受访者，按优先级排列")
    assert result.stdout.splitlines()[2].split()[:3] == ["1", "brakes", "必备属性"]
    assert "M 必备属性：做不好，客户会很不满意" in result.stdout
    assert "满意系数 Better" in result.stdout
    # --lang wins over the locale
    english = guanxi("--input", str(path), "--lang", "en", lang_env="zh_CN.UTF-8")
    assert english.stdout.startswith("KANO: 3 feature(s)")


@pytest.mark.parametrize(
    ("content", "lang", "message"),
    [
        (
            "respondent,feature,functional,dysfunctional\n1,a,6,1\n",
            "en",
            "guanxi analyze: error: column 'functional': 1 answer(s) are not 1–5 (1 like, "
            "2 must-be, 3 neutral, 4 live-with, 5 dislike), e.g. '6' at row 2",
        ),
        (
            "受访者,功能,正向,反向\n1,a,1,1\n2,a,1,0\n",
            "zh-hans",
            "guanxi analyze：错误：“反向”列：1 个答案不是 1–5（1 喜欢，2 理应如此，3 无所谓，"
            "4 能忍受，5 不喜欢），例如第 3 行的“0”",
        ),
        (
            "受访者,功能,正向\n1,a,1\n",
            "zh-hans",
            "guanxi analyze：错误：缺少“dysfunctional”或“反向”或“非功能性”列（反向问题的答案）；"
            "现有的列：受访者、功能、正向",
        ),
        (
            "respondent,feature,functional,dysfunctional\n",
            "en",
            "guanxi analyze: error: answers.csv has no answers, only a header",
        ),
        ("", "zh-hans", "guanxi analyze：错误：输入文件是空的："),
    ],
)
def test_errors_are_one_translated_line_with_exit_code_2(tmp_path, content, lang, message):
    path = tmp_path / "answers.csv"
    path.write_text(content, encoding="utf-8")
    result = guanxi("--input", str(path), "--lang", lang)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith(message)
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_missing_input_argument_and_file(tmp_path):
    result = guanxi()
    assert result.returncode == 2
    assert "the following arguments are required: --input" in result.stderr
    result = guanxi("--input", str(tmp_path / "nope.xlsx"), lang_env="zh_CN.UTF-8")
    assert result.returncode == 2
    assert result.stderr.startswith("guanxi analyze：错误：找不到输入文件：")


def test_in_process_main_matches(tmp_path, capsys):
    # the same entry point the subprocess runs, for coverage and a quicker failure
    from guanxi.analytics.cli import main

    path = answers_file(tmp_path, HEADERS["en"])
    assert main(["kano", "--input", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == EXPECTED
