"""The review-mining engine (guanxi/analytics/reviews.py) on small worked examples whose
numbers are computed by hand below."""

import math
import threading

import pytest

from guanxi.analytics import reviews as engine
from guanxi.analytics.reviews import Review, analyze, tokenize

PARKS = [  # theme-park reviews, as in the course text's example (DOMAIN.md §5)
    Review(1, "门票太贵，排队太久", 1),
    Review(2, "排队太久，服务态度差", 2),
    Review(3, "服务态度好，过山车刺激", 5),
    Review(4, "过山车刺激，门票太贵", 4),
    Review(5, "排队太久", None),
]


def test_chinese_is_segmented_with_jieba_and_stop_words_dropped():
    assert tokenize("门票太贵，排队太久") == ["门票", "太贵", "排队", "太久"]
    # 了 and 很 are stop words or single characters; 贵 and 差 are kept judgements
    assert tokenize("排队时间太长了，门票很贵，服务态度差") == [
        "排队",
        "时间",
        "太长",
        "门票",
        "贵",
        "服务态度",
        "差",
    ]


def test_english_is_split_on_letters_lower_cased_without_stop_words():
    assert tokenize("The queue was LONG, and the staff were rude!! 3 times") == [
        "queue",
        "long",
        "staff",
        "rude",
        "times",
    ]
    assert tokenize("") == []


def test_jieba_loads_once_whatever_the_threads():
    found = []
    threads = [threading.Thread(target=lambda: found.append(engine.segmenter())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(t) for t in found}) == 1
    assert found[0] is engine.segmenter()


def test_chinese_keyword_frequency_counts_reviews_then_occurrences():
    result = analyze(PARKS)
    # 排队 and 太久 are in reviews 1, 2, 5; 门票/太贵 in 1, 4; 服务态度 in 2, 3; 过山车/刺激
    # in 3, 4; 差 and 好 once. Ties in code-point order (太 U+592A < 排 U+6392 ...).
    assert [(k["keyword"], k["reviews"], k["count"]) for k in result["keywords"]] == [
        ("太久", 3, 3),
        ("排队", 3, 3),
        ("刺激", 2, 2),
        ("太贵", 2, 2),
        ("服务态度", 2, 2),
        ("过山车", 2, 2),
        ("门票", 2, 2),
        ("好", 1, 1),
        ("差", 1, 1),
    ]
    assert (result["reviews"], result["low_reviews"], result["high_reviews"]) == (5, 2, 2)


def test_chinese_pairs_ranked_by_lift_with_a_minimum_support():
    pairs = analyze(PARKS)["pairs"]
    # N = 5. 太贵+门票: n_ab = 2 (reviews 1, 4), n_a = n_b = 2: lift = 5·2/(2·2) = 2.5.
    # 刺激+过山车: the same, 2.5. 太久+排队: n_ab = 3, n_a = n_b = 3: lift = 5·3/9 = 5/3.
    # Every other pair meets in one review only: below the minimum of two.
    assert [(p["a"], p["b"], p["reviews"]) for p in pairs] == [
        ("刺激", "过山车", 2),
        ("太贵", "门票", 2),
        ("太久", "排队", 3),
    ]
    assert [p["lift"] for p in pairs] == [2.5, 2.5, round(5 / 3, 4)]
    assert pairs[0]["pmi"] == round(math.log2(2.5), 4)
    assert pairs[2]["support"] == 0.6  # 3 of 5 reviews
    # With a minimum of one review, 差 pairs with 排队 (review 2): lift 5·1/(1·3) = 5/3.
    everything = engine.cooccurrence([tokenize(r.text) for r in PARKS], min_reviews=1)
    found = {(p["a"], p["b"]): p["lift"] for p in everything}
    assert found[("差", "排队")] == round(5 / 3, 4)
    assert ("刺激", "差") not in found  # never in one review


ENGLISH = [
    Review("a", "Queue long, staff rude", 1),
    Review("b", "long queue", 2),
    Review("c", "staff friendly, rides fun", 5),
    Review("d", "rides fun", 4),
]


def test_english_negative_factors_are_the_log_odds_with_an_informative_prior():
    # Tokens. Low (rated ≤ 2): queue 2, long 2, staff 1, rude 1 (n_low = 6). High (≥ 4):
    # staff 1, friendly 1, rides 2, fun 2 (n_high = 6). Prior: the whole set's counts,
    # queue 2, long 2, staff 2, rude 1, friendly 1, rides 2, fun 2 (α0 = 12).
    # queue: δ = ln((2+2)/(6+12-2-2)) - ln((0+2)/(6+12-0-2)) = ln(16/7),
    #        σ² = 1/(2+2) + 1/(0+2) = 0.75.
    # rude:  δ = ln((1+1)/(6+12-1-1)) - ln((0+1)/(6+12-0-1)) = ln(34/16), σ² = 1/2 + 1/1.
    # staff: δ = ln(3/15) - ln(3/15) = 0: not over-represented.
    queue_z = math.log(16 / 7) / math.sqrt(0.75)  # 0.9546
    rude_z = math.log(34 / 16) / math.sqrt(1.5)  # 0.6155
    factors = engine.negative_factors(
        [tokenize(r.text) for r in ENGLISH],
        [r.rating for r in ENGLISH],
        min_reviews=1,
        min_z=0.5,
    )
    assert [(f["keyword"], f["low_reviews"], f["high_reviews"]) for f in factors] == [
        ("long", 2, 0),
        ("queue", 2, 0),
        ("rude", 1, 0),
    ]
    assert factors[0]["z"] == pytest.approx(queue_z, abs=1e-4)
    assert factors[1]["log_odds"] == pytest.approx(math.log(16 / 7), abs=1e-4)
    assert factors[2]["z"] == pytest.approx(rude_z, abs=1e-4)
    assert factors[2]["low_count"] == 1
    # The defaults ask for z ≥ 1.96 and two low-rated reviews: four reviews prove nothing.
    assert analyze(ENGLISH)["negative_factors"] == []


def test_english_pairs_and_keywords():
    result = analyze(ENGLISH)
    # N = 4; long+queue in a and b, fun+rides in c and d: lift = 4·2/(2·2) = 2, PMI 1 bit.
    assert [(p["a"], p["b"], p["lift"], p["pmi"]) for p in result["pairs"]] == [
        ("fun", "rides", 2.0, 1.0),
        ("long", "queue", 2.0, 1.0),
    ]
    assert [k["keyword"] for k in result["keywords"]][:5] == [
        "fun",
        "long",
        "queue",
        "rides",
        "staff",
    ]


def test_no_factors_without_both_low_and_high_ratings():
    unrated = [Review(1, "long queue", None), Review(2, "long queue rude", 1)]
    assert analyze(unrated)["negative_factors"] == []


def test_tokens_and_progress_are_reported():
    tokens, seen = {}, []
    analyze(PARKS, tokens=tokens, progress=lambda done, total: seen.append((done, total)))
    assert tokens[2] == sorted(["排队", "太久", "服务态度", "差"])
    assert seen == [(5, 5)]


def test_lift_of_a_frequent_pair_in_a_large_set_does_not_overflow():
    """Hostile review: with 99,000 reviews and a pair in 30,000 of them, n * n_ab passed 2**31
    in int32 and the lift came out negative (the analysis then failed on its logarithm)."""
    from guanxi.analytics.reviews import cooccurrence

    per_review = [["a", "b"]] * 30_000 + [["a"]] * 30_000 + [["c", "d"]] * 39_000
    pairs = {(p["a"], p["b"]): p for p in cooccurrence(per_review, min_reviews=2)}
    # lift = n · n_ab / (n_a · n_b) = 99,000 × 30,000 / (60,000 × 30,000)
    assert pairs[("a", "b")]["lift"] == pytest.approx(1.65)
    assert pairs[("c", "d")]["lift"] == pytest.approx(99_000 / 39_000, rel=1e-4)
