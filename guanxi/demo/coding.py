"""The demo's finished example of grounded-theory coding (guanxi.coding): "why do old
customers stop coming", three interview notes coded into a dozen fragments, three categories
with properties and relations, a core category and the story line. Shared with the company,
so every demo login opens it. Made through the services (audited), once."""

from guanxi.coding import services
from guanxi.coding.models import CodingProject

TITLE = "为什么老客户不再来"

INTERVIEWS = [
    (
        "访谈一：老茶客",
        "客户A，男，52岁，杭州，八年老客户",
        "2026-10-12",
        "我在你们店买了八年龙井。以前王店长每次都记得我喜欢明前的，一进门就给我泡上。"
        "后来店长调走了，换了店员，没人记得我的口味了。\n"
        "去年有一批茶叶受潮，我在微信上说了，客服回复太慢，过了三天才回，说是要核实。"
        "投诉之后也没人跟进，最后不了了之。\n"
        "现在我去隔壁那家，价格差不多，但是他们会记得我的口味，还会打电话告诉我新茶到了。",
    ),
    (
        "访谈二：企业采购",
        "客户B，女，38岁，上海，公司行政采购",
        "2026-10-15",
        "我们公司每年中秋、春节都要订礼盒。前年送货延误，礼盒到的时候活动已经结束了。"
        "我打了好几次电话，投诉之后也没人跟进。\n"
        "以前有专人对接，逢年过节会提前来问我们的需要；现在一直没有回访，"
        "都是我们自己想起来再下单。\n"
        "后来朋友推荐了别家，服务周到一些，我们就换过去了。",
    ),
    (
        "访谈三：年轻会员",
        "客户C，女，27岁，苏州，会员三年",
        "2026-10-20",
        "我是你们的会员，以前生日有小礼物，积分也能换茶点。今年会员权益变少了，积分只能抵很少的钱。"
        "有一次在线上下单，客服回复太慢，我等不及就取消了。\n"
        "闺蜜在另一家店办了卡，那边会记得她喜欢的口味，朋友推荐别家我就去试了试，价格差不多。",
    ),
]

# (interview, quote, codes)
FRAGMENTS = [
    (0, "没人记得我的口味了", ["不再被记住"]),
    (0, "换了店员", ["换了店员"]),
    (0, "客服回复太慢", ["回复慢"]),
    (0, "投诉之后也没人跟进", ["投诉无人跟进"]),
    (0, "他们会记得我的口味", ["竞品记得口味"]),
    (0, "价格差不多", ["价格差不多"]),
    (1, "送货延误", ["送货延误"]),
    (1, "投诉之后也没人跟进", ["投诉无人跟进"]),
    (1, "现在一直没有回访", ["没有回访"]),
    (1, "朋友推荐了别家", ["朋友推荐别家"]),
    (2, "会员权益变少了", ["会员权益变少"]),
    (2, "客服回复太慢", ["回复慢"]),
    (2, "那边会记得她喜欢的口味", ["竞品记得口味"]),
    (2, "价格差不多", ["价格差不多"]),
    (2, "朋友推荐别家", ["朋友推荐别家"]),
]

CATEGORIES = [
    (
        "服务失误",
        "出了问题没有及时、妥善处理。",
        ["回复慢", "投诉无人跟进", "送货延误"],
        [("响应速度", "快", "慢"), ("处理结果", "解决", "搁置")],
    ),
    (
        "关系淡化",
        "老客户不再感到被认识、被重视。",
        ["不再被记住", "换了店员", "没有回访", "会员权益变少"],
        [("个人关注", "高", "低"), ("联系频率", "经常", "从不")],
    ),
    (
        "转向竞品",
        "别家在价格相近时以关系取胜。",
        ["竞品记得口味", "价格差不多", "朋友推荐别家"],
        [("转换成本", "高", "低")],
    ),
]

RELATIONS = [
    ("服务失误", "cause", "关系淡化", "失误无人跟进，老客户觉得自己不被重视。"),
    ("关系淡化", "consequence", "转向竞品", "关系一淡，别家的一点关照就足以拉走客户。"),
    ("服务失误", "sequence", "转向竞品", "先有一次失误，再有朋友推荐，客户才真正离开。"),
]

STORY_LINE = (
    "老客户并不是因为价格离开的：三位受访者都说别家“价格差不多”。"
    "他们离开，是因为关系淡化——熟悉的店员调走、没有回访、会员权益变少，"
    "让他们不再感到被认识、被重视；而服务失误（回复慢、投诉无人跟进、送货延误）"
    "正是关系淡化的导火索。此时竞品只要记得他们的口味，或有朋友推荐，客户就转向了竞品。"
    "留住老客户的关键，是把每一次失误当作维系关系的机会，并让专人记得每位老客户。"
)


def load_coding_example(owner) -> int:
    """The example project owned by `owner` (the demo manager); the fragments coded, or 0
    when it is there already."""
    if CodingProject.objects.filter(title=TITLE).exists():
        return 0
    project = services.create_project(
        owner,
        {
            "title": TITLE,
            "question": "老客户为什么不再来我们店买茶？",
            "description": "2026 年 10 月对三位流失老客户的深度访谈，按扎根理论三级编码。",
            "shared": True,
        },
    )
    documents = [
        services.add_document(
            owner, project, {"title": title, "interviewee": who, "date": day, "text": text}
        )
        for title, who, day, text in INTERVIEWS
    ]
    for index, quote, codes in FRAGMENTS:
        services.code_fragment(owner, documents[index], {"quote": quote, "new_codes": codes})
    codes = {c.name: c for c in project.codes.all()}
    categories = {}
    for name, memo, members, properties in CATEGORIES:
        category = services.create_category(owner, project, {"name": name, "memo": memo})
        categories[name] = category
        for code in members:
            services.update_code(owner, codes[code], {"category": category.pk})
        for prop, low, high in properties:
            services.add_property(
                owner, category, {"name": prop, "dimension_from": low, "dimension_to": high}
            )
    for source, kind, target, note in RELATIONS:
        services.add_relation(
            owner,
            project,
            {
                "source": categories[source].pk,
                "target": categories[target].pk,
                "kind": kind,
                "note": note,
            },
        )
    services.set_core(
        owner, project, {"core_category": categories["关系淡化"].pk, "story_line": STORY_LINE}
    )
    return len(FRAGMENTS)
