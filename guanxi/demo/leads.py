"""The demo company's leads: about 200 prospects from the usual sources (some in the lead
pool), a public web form, and the look-alike model trained on the demo customers."""

import random

from django.contrib.auth import get_user_model

from guanxi.demo import data
from guanxi.demo.sampling import mobile_for, mobile_prefixes
from guanxi.leads import lookalike
from guanxi.leads.models import Lead, LeadForm, LookalikeModel
from guanxi.leads.services import create_lead
from guanxi.leads.webforms import create_lead_form

SOURCES = ["referral", "exhibition", "online_inquiry", "advertising", "phone_inquiry", "walk_in"]
TITLES = ["总经理", "采购经理", "行政主管", "店长", "老板", "工程师", "", "", ""]
COMPANIES = ["茶楼", "酒店", "商贸有限公司", "科技有限公司", "会所", "超市连锁"]
INTERESTS = ["明前龙井礼盒", "办公室茶水供应", "中秋团购", "代理加盟", "茶具套装", ""]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"


def load_leads(seed: int = 42, n: int = 200) -> dict[str, int] | None:
    """Enter the demo leads through the services (audited, scored) unless there are some;
    then train the look-alike model. Returns the counts, or None when leads exist."""
    if Lead.objects.exists():
        return None
    users = {u.username: u for u in get_user_model().objects.filter(is_active=True)}
    manager = users["manager"]
    reps = [
        users[name] for name in ("rep1", "rep2", "rep3", "rep4", "rep5", "rep6") if name in users
    ]
    rng = random.Random(seed)
    provinces = list(data.REGIONS)
    prefixes = mobile_prefixes()
    for i in range(n):
        province = rng.choice(provinces)
        city = rng.choice(list(data.REGIONS[province]))
        organisation = rng.random() < 0.45
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if i % 3 else "")
        fields = {
            "name": name,
            "kind": "organisation" if organisation else "person",
            "category": rng.choice(["company", "channel"]) if organisation else "consumer",
            "company": (city.rstrip("市") + rng.choice(COMPANIES)) if organisation else "",
            "title": rng.choice(TITLES) if organisation else "",
            # numbers far from the customers' (their indexes start at 0)
            "mobile": mobile_for(9_000_000 + i, rng.choice(prefixes)),
            "province": province,
            "city": city,
            "source": rng.choice(SOURCES),
            "interest": rng.choice(INTERESTS),
        }
        pooled = rng.random() < 0.3
        owner = None if pooled else rng.choice(reps)
        create_lead(manager, fields, owner=owner)
    if not LeadForm.objects.exists():
        create_lead_form(
            manager,
            {
                "name": "官网预约品鉴",
                "title": "预约免费品鉴",
                "intro": "留下联系方式，我们的茶艺顾问会在一个工作日内与您联系。",
                "consent_purpose": "用于联系您介绍茗香茶业的产品与活动",
            },
        )
    model = lookalike.train(manager)
    return {
        "leads": Lead.objects.count(),
        "in the lead pool": Lead.objects.filter(owner__isnull=True).count(),
        "look-alike positives": model.positives,
    }


def wipe_leads() -> None:
    Lead.objects.all().delete()
    LeadForm.objects.all().delete()
    LookalikeModel.objects.all().delete()
