import pytest

from guanxi.coding import services

INTERVIEW = (
    "我以前每个月都来买茶。后来客服回复太慢，投诉了两次都没人理。\n"
    "现在我去隔壁那家，价格差不多，但是他们会记得我的口味。"
)


@pytest.fixture
def project(personas):
    return services.create_project(
        personas["rep1"], {"title": "为什么老客户不再来", "question": "老客户为什么流失？"}
    )


@pytest.fixture
def interview(project, personas):
    return services.add_document(
        personas["rep1"],
        project,
        {
            "title": "访谈一",
            "interviewee": "客户A，女，35岁",
            "date": "2026-10-01",
            "text": INTERVIEW,
        },
    )
