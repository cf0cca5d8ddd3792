"""The named RFM segments (champions, loyal, ... lost), their rule on the R × F score grid and
each segment's recommended action, in English and simplified Chinese.

The grid is the one commonly used with 1–5 RFM scores (recency score R, frequency score F; the
monetary score is reported beside it but does not move a customer between segments, because in
order logs it follows F closely). Every one of the 25 (R, F) cells belongs to exactly one
segment::

    F →      1               2               3               4            5
    R=5  new            potential_loyalist potential_loyalist champions    champions
    R=4  promising      potential_loyalist potential_loyalist loyal        loyal
    R=3  about_to_sleep about_to_sleep     need_attention     loyal        loyal
    R=2  hibernating    hibernating        at_risk            at_risk      cannot_lose
    R=1  lost           lost               at_risk            at_risk      cannot_lose

The actions follow the retention and churn chapters of the course text (DOMAIN.md §§5, 8):
bind and reward the best, develop the promising, warn early and win back the valuable ones,
let the lost go cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from guanxi.analytics.common import label


@dataclass(frozen=True)
class Segment:
    code: str
    name: dict[str, str]
    action: dict[str, str]


def _segment(code: str, en: str, zh: str, action_en: str, action_zh: str) -> Segment:
    return Segment(code, {"en": en, "zh-hans": zh}, {"en": action_en, "zh-hans": action_zh})


SEGMENTS: dict[str, Segment] = {
    s.code: s
    for s in (
        _segment(
            "champions",
            "Champions",
            "冠军客户",
            "Reward them, ask for referrals and reviews, offer new products first; "
            "bind them with membership and dedicated service.",
            "给予奖励，邀请推荐和评价，优先试用新品；以会员权益和专属服务巩固关系。",
        ),
        _segment(
            "loyal",
            "Loyal",
            "忠诚客户",
            "Up-sell higher-value products, enrol them in the loyalty programme, ask for feedback.",
            "向上销售更高价值的产品，纳入会员积分计划，征求意见。",
        ),
        _segment(
            "potential_loyalist",
            "Potential loyalist",
            "潜在忠诚客户",
            "Offer membership or a loyalty programme, recommend related products (cross-selling).",
            "邀请加入会员或积分计划，推荐相关产品（交叉销售）。",
        ),
        _segment(
            "new",
            "New",
            "新客户",
            "Welcome and onboard them, give early support, build trust with a good first "
            "experience.",
            "欢迎并引导入门，及时提供支持，以良好的初次体验建立信任。",
        ),
        _segment(
            "promising",
            "Promising",
            "有潜力客户",
            "Build satisfaction: a free trial or sample, a second-purchase offer.",
            "提升满意度：提供试用或样品，给予再次购买的优惠。",
        ),
        _segment(
            "need_attention",
            "Need attention",
            "需要关注",
            "Make limited-time offers based on their past purchases; contact them before they "
            "drift.",
            "根据购买历史提供限时优惠；在其流失前主动联系。",
        ),
        _segment(
            "about_to_sleep",
            "About to sleep",
            "即将沉睡",
            "Reactivate with popular products and discounts; share useful content.",
            "以热门产品和折扣重新激活，推送有用的内容。",
        ),
        _segment(
            "at_risk",
            "At risk",
            "有流失风险",
            "Early warning: send personal messages, find out the reason, offer renewals and "
            "helpful resources.",
            "流失预警：发送个性化信息，了解原因，提供续约和有用的资源。",
        ),
        _segment(
            "cannot_lose",
            "Cannot lose them",
            "不能失去",
            "Key customers slipping away: win them back at almost any cost, call them, find and "
            "fix the reason, do not lose them to a competitor.",
            "重要客户正在流失：不惜代价挽回，电话联系，找出并解决原因，防止被竞争对手夺走。",
        ),
        _segment(
            "hibernating",
            "Hibernating",
            "休眠客户",
            "Offer relevant products and special discounts; recreate brand value; spend little.",
            "推荐相关产品和特别折扣，重建品牌价值；控制投入。",
        ),
        _segment(
            "lost",
            # "(RFM)": the segment, not the lost status a rep sets on the customer's record
            "Lost (RFM)",
            "流失客户（RFM）",
            "Try a low-cost win-back campaign, record the churn reason; otherwise let them go.",
            "尝试低成本的挽回活动并记录流失原因；否则放弃。",
        ),
    )
}

SEGMENT_NAMES = {code: s.name for code, s in SEGMENTS.items()}
SEGMENT_ACTIONS = {code: s.action for code, s in SEGMENTS.items()}


def segment_of(r_score: int, f_score: int) -> str:
    """The segment code of one (R, F) pair, in plain Python (the grid in the module docstring).

    >>> segment_of(5, 5), segment_of(1, 1), segment_of(3, 3)
    ('champions', 'lost', 'need_attention')
    """
    if r_score >= 5 and f_score >= 4:
        return "champions"
    if r_score >= 3 and f_score >= 4:
        return "loyal"
    if r_score >= 4 and f_score >= 2:
        return "potential_loyalist"
    if r_score >= 5:
        return "new"
    if r_score >= 4:
        return "promising"
    if r_score >= 3:
        return "need_attention" if f_score >= 3 else "about_to_sleep"
    if f_score >= 5:
        return "cannot_lose"
    if f_score >= 3:
        return "at_risk"
    return "hibernating" if r_score >= 2 else "lost"


def segment_expr(r_score: ir.IntegerValue, f_score: ir.IntegerValue) -> ir.StringValue:
    """The same rule as :func:`segment_of`, as an Ibis expression (first matching row wins)."""
    return ibis.cases(
        ((r_score >= 5) & (f_score >= 4), "champions"),
        ((r_score >= 3) & (f_score >= 4), "loyal"),
        ((r_score >= 4) & (f_score >= 2), "potential_loyalist"),
        (r_score >= 5, "new"),
        (r_score >= 4, "promising"),
        ((r_score >= 3) & (f_score >= 3), "need_attention"),
        (r_score >= 3, "about_to_sleep"),
        (f_score >= 5, "cannot_lose"),
        (f_score >= 3, "at_risk"),
        (r_score >= 2, "hibernating"),
        else_="lost",
    )


def with_segment_labels(rfm_table: ir.Table, lang: str = "en") -> ir.Table:
    """Add ``segment_name`` and ``action`` in ``lang`` ("en" or "zh-hans") to an RFM table."""
    return rfm_table.mutate(
        segment_name=label(rfm_table.segment, SEGMENT_NAMES, lang),
        action=label(rfm_table.segment, SEGMENT_ACTIONS, lang),
    )
