"""The scoring rules of our own (beyond the engine's): the loyalty type the data suggests, the
good / poor customer criteria and the churn kind of a lost reason. Codes are stored; these
tables give their texts in both languages ({"en": ..., "zh-hans": ...}, as the engine's tables)
so pages and the API pick by ``get_language()``. No Django imports: plain data and NumPy rules.
"""

from __future__ import annotations

import numpy as np

# Customer.lost_reason -> the engine's churn kind (analytics.churn.CHURN_KINDS): natural churn
# is not recovered; profit-seeking churn (a better offer elsewhere) and disappointment are.
LOST_REASON_KINDS: dict[str, str] = {
    "own_circumstances": "natural",
    "changed_needs": "natural",
    "competitor": "profit_seeking",
    "price": "profit_seeking",
    "low_switching_cost": "profit_seeking",
    "product": "disappointment",
    "service": "disappointment",
    "company_turmoil": "disappointment",
    "staff_leaving": "disappointment",
    "weak_trust": "disappointment",
    "trying_new": "disappointment",
}


def churn_kind(lost_reason: str) -> str:
    """The churn kind of a lost reason ("" or an unknown code: unknown).

    >>> churn_kind("competitor"), churn_kind("changed_needs"), churn_kind("")
    ('profit_seeking', 'natural', 'unknown')
    """
    return LOST_REASON_KINDS.get(lost_reason or "", "unknown")


def recovery_of(abc_tier: str, churn_risk: str, lost_reason: str) -> tuple[int | None, str]:
    """The recovery priority and action of a scored customer, as the scoring run's churn step
    gives them (analytics.churn.churn_risk): none for a low (or unknown) risk, else
    recovery_priority of the ABC class's tier × the lost reason's churn kind. Used to update a
    customer's stored scores at once when they are marked lost or won back.

    >>> recovery_of("A", "high", "own_circumstances"), recovery_of("A", "high", "")
    ((5, 'no_recovery'), (1, 'recover_at_all_costs'))
    >>> recovery_of("B", "low", "competitor")
    (None, '')
    """
    from guanxi.analytics.churn import TIER_OF_CLASS, recovery_priority

    if churn_risk not in ("high", "medium"):
        return None, ""
    return recovery_priority(TIER_OF_CLASS.get(abc_tier, "small"), churn_kind(lost_reason))


# Suggested loyalty type (DOMAIN.md §6): the first rule that holds wins; "" when none does.
# Each rule says what it reads. The types without a rule need data the CRM does not hold yet.
LOYALTY_TYPE_RULES: dict[str, dict[str, str]] = {
    "price": {
        "en": "Buys only at a discount: at least two orders with lines, and every one of them has "
        "a line below the product's list price (today's list price: the price history is not "
        "kept).",
        "zh-hans": "只在打折时购买：至少两笔有明细的订单，且每笔都有低于商品标价的明细"
        "（按当前标价，价格历史未保存）。",
    },
    "super_value": {
        "en": "High value, high loyalty and recommends us: a true friend (value × loyalty) who "
        "has referred at least one customer.",
        "zh-hans": "高价值、高忠诚且向他人推荐：价值×忠诚矩阵中的挚友，并至少推荐过一位客户。",
    },
    "latent": {
        "en": "High loyalty index but few purchases: loyalty index at or above the high-loyalty "
        "line with a frequency score of 1 or 2.",
        "zh-hans": "忠诚指数高但购买少：忠诚指数不低于高忠诚线，且频率得分为1或2。",
    },
}

#: Loyalty types no rule suggests, and what they would need.
LOYALTY_TYPES_WITHOUT_DATA: dict[str, dict[str, str]] = {
    "monopoly": {
        "en": "needs market data: whether the customer has any alternative supplier",
        "zh-hans": "需要市场数据：客户是否有其他供应商可选",
    },
    "inertia": {
        "en": "needs attitude data (satisfaction, preference surveys): habit cannot be told "
        "from purchases alone",
        "zh-hans": "需要态度数据（满意度、偏好调查）：仅凭购买记录无法判断习惯性购买",
    },
    "convenience": {
        "en": "needs location or channel data (distance to the store, channel used)",
        "zh-hans": "需要位置或渠道数据（与门店的距离、所用渠道）",
    },
    "incentive": {
        "en": "needs campaign and points-redemption data (buys only during point campaigns)",
        "zh-hans": "需要营销活动和积分兑换数据（只在积分活动期间购买）",
    },
}

# Good / poor customer (DOMAIN.md §3): criteria computable from the CRM's own data, each worth
# `points` (added to a base of 50, clipped to 0-100). good >= 65, poor <= 35, else ordinary.
QUALITY_BASE = 50
QUALITY_GOOD = 65
QUALITY_POOR = 35
QUALITY_CRITERIA: dict[str, dict] = {
    "purchasing_power": {
        "points": 15,
        "en": "Strong purchasing power: monetary score 4 or 5",
        "zh-hans": "购买力强：金额得分为4或5",
    },
    "loyal": {
        "points": 15,
        "en": "Loyal: loyalty index at or above the high-loyalty line",
        "zh-hans": "忠诚：忠诚指数不低于高忠诚线",
    },
    "low_churn_risk": {
        "points": 10,
        "en": "Low churn risk",
        "zh-hans": "流失风险低",
    },
    "growing": {
        "points": 10,
        "en": "Good prospects: buying more often lately, or predicted value in the top fifth",
        "zh-hans": "前景好：近期购买更频繁，或预测价值位于前20%",
    },
    "low_spend": {
        "points": -10,
        "en": "Buys little: monetary score 1",
        "zh-hans": "购买少：金额得分为1",
    },
    "high_churn_risk": {
        "points": -10,
        "en": "High churn risk",
        "zh-hans": "流失风险高",
    },
    "declining": {
        "points": -10,
        "en": "Declining: purchases fell or stopped (decline stage)",
        "zh-hans": "退化：购买减少或停止（退化期）",
    },
    "price_only": {
        "points": -15,
        "en": "Only cares about price: buys only at a discount",
        "zh-hans": "只关心价格：只在打折时购买",
    },
    "pays_on_time": {
        "points": 10,
        "en": "Pays on time: at least one instalment paid in the last year, none overdue and "
        "none paid more than 7 days late",
        "zh-hans": "按时付款：近一年至少付清一期回款，无逾期，且无晚于7天付款",
    },
    "pays_late": {
        "points": -10,
        "en": "Pays late: an instalment overdue now, or paid more than 30 days late in the last "
        "year",
        "zh-hans": "拖欠货款：当前有逾期回款，或近一年有晚于30天付款",
    },
    "refunds": {
        "points": -15,
        "en": "Disputes: at least two refunded orders, a fifth or more of all orders",
        "zh-hans": "纠纷多：至少两笔退款订单，且占全部订单的五分之一以上",
    },
}

#: Criteria of DOMAIN.md §3 the CRM holds no data for yet.
QUALITY_CRITERIA_WITHOUT_DATA: dict[str, dict[str, str]] = {
    "profitable": {
        "en": "profit per customer (needs costs; the margin is one number for everyone)",
        "zh-hans": "客户利润（需要成本数据；目前毛利率对所有客户相同）",
    },
    "service_cost": {
        "en": "service-cost ratio (needs service cases and their cost)",
        "zh-hans": "服务成本比（需要服务工单及其成本）",
    },
    "strategic_fit": {
        "en": "helps the company improve, seeks long-term partnership (needs the rep's judgement)",
        "zh-hans": "促进企业进步、寻求长期合作（需要销售人员的判断）",
    },
}


def quality_points(flags: dict[str, np.ndarray]) -> np.ndarray:
    """The quality score 0-100 from boolean arrays keyed by criterion code."""
    n = len(next(iter(flags.values())))
    score = np.full(n, QUALITY_BASE, dtype=np.int64)
    for code, flag in flags.items():
        score += np.where(flag, QUALITY_CRITERIA[code]["points"], 0)
    return np.clip(score, 0, 100)


def quality_label(score: np.ndarray) -> np.ndarray:
    """good / ordinary / poor for quality scores."""
    return np.where(
        score >= QUALITY_GOOD, "good", np.where(score <= QUALITY_POOR, "poor", "ordinary")
    )
