"""Review mining (评论挖掘, DOMAIN.md §5): what customers write about, which words go together,
and which words mark the reviews of unhappy customers.

Framework-free: texts and ratings in, plain dicts out (guanxi.voice stores them and links each
keyword to the reviews behind it).

Tokens
    Chinese is segmented with jieba (its dictionary loads once per process, on first use, under
    a lock); text without Chinese characters is split by a regular expression on letters. Both
    are lower-cased; stop words (review_stopwords.json), numbers, punctuation, one-letter
    words and single Chinese characters (but for a short list of judgements: 差, 贵, 脏...)
    are dropped. A review's keywords are its distinct tokens.

Keyword frequency
    Per keyword: the reviews that contain it (``reviews``, the ranking) and its occurrences
    (``count``).

Co-occurring keywords (关键词共现)
    A pair counts once per review that holds both keywords. Among the ``vocabulary`` most
    frequent keywords, pairs found in at least ``min_pair_reviews`` reviews are ranked by
    **lift** (Brin, Motwani, Ullman & Tsur 1997, "Dynamic itemset counting and implication
    rules for market basket data", SIGMOD; the *interest* of a rule):

        lift(a, b) = N · n_ab / (n_a · n_b)

    with N reviews, n_a / n_b reviews holding a / b and n_ab reviews holding both; lift 1 means
    the two words meet as often as chance would have them. ``pmi`` is log2(lift), the pointwise
    mutual information of Church & Hanks (1990, "Word association norms, mutual information,
    and lexicography", Computational Linguistics 16(1)).

Negative factors (不满因素)
    Keywords over-represented in low-rated reviews (rating ≤ 2) against high-rated ones
    (rating ≥ 4): the log-odds ratio with an informative Dirichlet prior of Monroe, Colaresi &
    Quinn (2008, "Fightin' Words: lexical feature selection and evaluation for identifying the
    content of political conflict", Political Analysis 16(4), eqs. 16, 18 and 19), with the
    prior taken from the whole set's own counts (α_w = the keyword's occurrences in every review
    of the set, α0 = all tokens of the set), as Jurafsky, Chahuneau, Routledge & Smith (2014,
    "Narrative framing of consumer sentiment in online restaurant reviews", First Monday 19(4))
    did for restaurant reviews. With y_w the occurrences of w in a group of n tokens:

        δ_w = ln((y_w^low + α_w) / (n^low + α0 − y_w^low − α_w))
            − ln((y_w^high + α_w) / (n^high + α0 − y_w^high − α_w))
        σ²(δ_w) ≈ 1 / (y_w^low + α_w) + 1 / (y_w^high + α_w),     z_w = δ_w / σ(δ_w)

    A factor is a keyword found in at least ``min_factor_reviews`` low-rated reviews with
    z ≥ ``min_z`` (1.96: about 5% two-sided), most negative first; the counts of low- and
    high-rated reviews that hold it are reported with it.
"""

from __future__ import annotations

import json
import logging
import math
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

LOW_RATING = 2  # a rating of at most this is a low (negative) review
HIGH_RATING = 4  # a rating of at least this is a high (positive) review
STOPWORDS_FILE = Path(__file__).with_name("review_stopwords.json")

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CJK_WORD = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+$")
_LATIN_WORD = re.compile(r"[a-z][a-z'’-]*[a-z]|[a-z]")
_LATIN_ONLY = re.compile(r"^[a-z][a-z'’-]*$")

_jieba = None
_jieba_lock = threading.Lock()


def segmenter():
    """The process's jieba tokenizer, its dictionary loaded on first use (about a second),
    once however many threads ask at the same time."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                _jieba = tokenizer
    return _jieba


def has_chinese(text: str) -> bool:
    return bool(_CJK.search(text or ""))


@cache
def _word_lists() -> dict:
    return json.loads(STOPWORDS_FILE.read_text(encoding="utf-8"))


def stopwords() -> frozenset[str]:
    data = _word_lists()
    return frozenset(word.lower() for word in [*data["en"], *data["zh"]])


@cache
def _stop() -> frozenset[str]:
    return stopwords()


@cache
def single_characters() -> frozenset[str]:
    """One-character Chinese words worth keeping (差, 贵, 脏...): most single characters are
    particles or fragments, these carry the judgement of a review."""
    return frozenset(_word_lists()["zh_single"])


def _keep(token: str, stop: frozenset[str]) -> bool:
    if token in stop:
        return False
    if _CJK_WORD.match(token):
        return len(token) >= 2 or token in single_characters()
    return len(token) >= 2 and bool(_LATIN_ONLY.match(token))


def tokenize(text: str) -> list[str]:
    """The text's keywords in order, repeats kept: jieba for text with Chinese characters, a
    letter pattern otherwise; lower-cased, stop words and noise dropped."""
    text = (text or "").lower().replace("’", "'")
    stop = _stop()
    if _CJK.search(text):
        raw = segmenter().lcut(text)
        tokens = []
        for piece in raw:
            piece = piece.strip()
            if not piece:
                continue
            if _CJK_WORD.match(piece):
                tokens.append(piece)
            else:  # Latin words jieba left joined with digits or punctuation
                tokens.extend(_LATIN_WORD.findall(piece))
    else:
        tokens = _LATIN_WORD.findall(text)
    return [t.strip("'-") for t in tokens if _keep(t.strip("'-"), stop)]


@dataclass
class Review:
    id: object
    text: str
    rating: int | None = None


Progress = Callable[[int, int], None] | None  # (done, total)


def analyze(
    reviews: Iterable[Review],
    *,
    top: int = 50,
    vocabulary: int = 200,
    min_pair_reviews: int = 2,
    pairs: int = 50,
    min_factor_reviews: int = 2,
    min_z: float = 1.96,
    progress: Progress = None,
    tokens: dict | None = None,
) -> dict:
    """Keyword frequency, co-occurring pairs and negative factors of the reviews.

    `tokens`, when given, receives {review id: its distinct keywords} (to store them for the
    review list's keyword filter). `progress(done, total)` is called as texts are segmented.
    """
    reviews = list(reviews)
    total = len(reviews)
    per_review: list[list[str]] = []
    for done, review in enumerate(reviews, 1):
        per_review.append(tokenize(review.text))
        if progress is not None and (done % 500 == 0 or done == total):
            progress(done, total)
    if tokens is not None:
        for review, words in zip(reviews, per_review, strict=True):
            tokens[review.id] = sorted(set(words))
    ratings = [r.rating for r in reviews]
    low = sum(1 for r in ratings if r is not None and r <= LOW_RATING)
    high = sum(1 for r in ratings if r is not None and r >= HIGH_RATING)
    return {
        "reviews": total,
        "low_reviews": low,
        "high_reviews": high,
        "keywords": keyword_frequency(per_review, top=top),
        "pairs": cooccurrence(
            per_review, vocabulary=vocabulary, min_reviews=min_pair_reviews, limit=pairs
        ),
        "negative_factors": negative_factors(
            per_review, ratings, min_reviews=min_factor_reviews, min_z=min_z, limit=top
        ),
        "params": {
            "top": top,
            "vocabulary": vocabulary,
            "min_pair_reviews": min_pair_reviews,
            "min_factor_reviews": min_factor_reviews,
            "min_z": min_z,
            "low_rating": LOW_RATING,
            "high_rating": HIGH_RATING,
        },
    }


def _document_counts(per_review: list[list[str]]) -> Counter:
    counts: Counter = Counter()
    for words in per_review:
        counts.update(set(words))
    return counts


def keyword_frequency(per_review: list[list[str]], *, top: int = 50) -> list[dict]:
    """[{keyword, reviews, count}] of the `top` keywords: most reviews first, then most
    occurrences, then the keyword itself (a stable order)."""
    occurrences: Counter = Counter()
    for words in per_review:
        occurrences.update(words)
    documents = _document_counts(per_review)
    ranked = sorted(documents, key=lambda w: (-documents[w], -occurrences[w], w))[:top]
    return [{"keyword": w, "reviews": documents[w], "count": occurrences[w]} for w in ranked]


def cooccurrence(
    per_review: list[list[str]],
    *,
    vocabulary: int = 200,
    min_reviews: int = 2,
    limit: int = 50,
) -> list[dict]:
    """[{a, b, reviews, support, lift, pmi}] of keyword pairs held by at least `min_reviews`
    reviews, among the `vocabulary` most frequent keywords; highest lift first (then most
    reviews). A pair's keywords are in alphabetical order."""
    from scipy import sparse

    n = len(per_review)
    documents = _document_counts(per_review)
    words = sorted(documents, key=lambda w: (-documents[w], w))[:vocabulary]
    if n == 0 or len(words) < 2:
        return []
    index = {w: i for i, w in enumerate(words)}
    rows, cols = [], []
    for r, review_words in enumerate(per_review):
        for w in set(review_words):
            i = index.get(w)
            if i is not None:
                rows.append(r)
                cols.append(i)
    matrix = sparse.csr_matrix(
        (np.ones(len(rows), dtype=np.int32), (rows, cols)), shape=(n, len(words))
    )
    both = (matrix.T @ matrix).toarray()  # reviews holding both words (diagonal: each word)
    single = np.diag(both).astype(float)
    i, j = np.triu_indices(len(words), k=1)
    n_ab = both[i, j]
    keep = n_ab >= max(min_reviews, 1)
    i, j, n_ab = i[keep], j[keep], n_ab[keep]
    if not len(n_ab):
        return []
    # in float: n * n_ab in the matrix's int32 overflowed past 2**31 (99,000 reviews, a pair in
    # 30,000 of them) and gave a negative lift
    lift = float(n) * n_ab.astype(float) / (single[i] * single[j])
    frame = pd.DataFrame(
        {
            "a": [words[k] for k in i],
            "b": [words[k] for k in j],
            "reviews": n_ab.astype(int),
            "lift": lift,
        }
    )
    swap = frame["a"] > frame["b"]
    frame.loc[swap, ["a", "b"]] = frame.loc[swap, ["b", "a"]].to_numpy()
    frame = frame.sort_values(["lift", "reviews", "a", "b"], ascending=[False, False, True, True])
    out = []
    for row in frame.head(limit).itertuples(index=False):
        out.append(
            {
                "a": row.a,
                "b": row.b,
                "reviews": int(row.reviews),
                "support": round(row.reviews / n, 4),
                "lift": round(float(row.lift), 4),
                "pmi": round(math.log2(row.lift), 4),
            }
        )
    return out


def negative_factors(
    per_review: list[list[str]],
    ratings: list[int | None],
    *,
    min_reviews: int = 2,
    min_z: float = 1.96,
    limit: int = 50,
) -> list[dict]:
    """[{keyword, low_reviews, high_reviews, low_count, high_count, log_odds, z}]: keywords
    over-represented in low-rated reviews (Monroe et al. 2008, informative Dirichlet prior from
    the whole set), most negative first. Empty without both low- and high-rated reviews."""
    background: Counter = Counter()
    low: Counter = Counter()
    high: Counter = Counter()
    low_docs: Counter = Counter()
    high_docs: Counter = Counter()
    for words, rating in zip(per_review, ratings, strict=True):
        background.update(words)
        if rating is None:
            continue
        if rating <= LOW_RATING:
            low.update(words)
            low_docs.update(set(words))
        elif rating >= HIGH_RATING:
            high.update(words)
            high_docs.update(set(words))
    if not low or not high:
        return []
    frame = pd.DataFrame(
        {
            "alpha": pd.Series(background, dtype=float),
            "low": pd.Series(low, dtype=float),
            "high": pd.Series(high, dtype=float),
        }
    ).fillna(0.0)
    alpha0 = frame["alpha"].sum()
    n_low, n_high = frame["low"].sum(), frame["high"].sum()
    a = frame["alpha"]
    delta = np.log((frame["low"] + a) / (n_low + alpha0 - frame["low"] - a)) - np.log(
        (frame["high"] + a) / (n_high + alpha0 - frame["high"] - a)
    )
    variance = 1.0 / (frame["low"] + a) + 1.0 / (frame["high"] + a)
    frame["log_odds"] = delta
    frame["z"] = delta / np.sqrt(variance)
    frame["low_reviews"] = [low_docs.get(w, 0) for w in frame.index]
    frame["high_reviews"] = [high_docs.get(w, 0) for w in frame.index]
    found = frame[(frame["z"] >= min_z) & (frame["low_reviews"] >= min_reviews)]
    found = found.assign(keyword=found.index).sort_values(
        ["z", "low_reviews", "keyword"], ascending=[False, False, True]
    )
    return [
        {
            "keyword": row.keyword,
            "low_reviews": int(row.low_reviews),
            "high_reviews": int(row.high_reviews),
            "low_count": int(row.low),
            "high_count": int(row.high),
            "log_odds": round(float(row.log_odds), 4),
            "z": round(float(row.z), 4),
        }
        for row in found.head(limit).itertuples(index=False)
    ]
