"""Request and response bodies of the coding API (api.py)."""

from datetime import date, datetime

from ninja import Field, Schema

from guanxi.api_common import Day, Id, InSchema, WholeNumber, text

Version = Field(None, description="The version from your GET: if it changed meanwhile, 409.")


class ProjectIn(InSchema):
    title: text(200, min_length=1)
    question: text(5000) = ""
    description: text(5000) = ""
    shared: bool = Field(False, description="Shared with the company: every colleague reads it.")


class ProjectPatch(InSchema):
    title: text(200, min_length=1) | None = None
    question: text(5000) | None = None
    description: text(5000) | None = None
    shared: bool | None = None
    version: WholeNumber | None = Version


class ProjectOut(Schema):
    id: int
    title: str
    question: str
    description: str
    shared: bool
    owner_id: int | None
    core_category_id: int | None
    story_line: str
    version: int
    created_at: datetime
    updated_at: datetime


class ProjectPage(Schema):
    count: int
    items: list[ProjectOut]


class DocumentIn(InSchema):
    title: text(200, min_length=1)
    interviewee: text(100) = Field("", description="A label, e.g. 客户A: no personal data needed.")
    date: Day | None = None
    text: text(100_000, min_length=1)


class PullIn(InSchema):
    kind: text(10) = Field(description="case (complaint), review or note (customer note).")
    origin_id: Id = Field(description="The id of the case, review or note; one you may read.")


class DocumentOut(Schema):
    id: int
    project_id: int
    kind: str
    title: str
    interviewee: str
    date: date | None
    text: str
    origin_id: int | None
    customer_id: int | None
    erased: bool
    created_at: datetime


class DocumentPage(Schema):
    count: int
    items: list[DocumentOut]


class FragmentIn(InSchema):
    quote: text(100_000, min_length=1)
    start: WholeNumber | None = Field(
        None, ge=0, le=10**9, description="Offset in characters (code points); with `end`."
    )
    end: WholeNumber | None = Field(None, ge=0, le=10**9)
    codes: list[Id] = Field([], max_length=20, description="Ids of existing codes.")
    new_codes: list[text(100)] = Field([], max_length=20, description="Names of new codes.")


class FragmentOut(Schema):
    id: int
    document_id: int
    start: int
    end: int
    quote: str
    codes: list[int]
    created_at: datetime


class FragmentPage(Schema):
    count: int
    items: list[FragmentOut]


class CodeIn(InSchema):
    name: text(100, min_length=1)
    memo: text(5000) = ""
    category: Id | None = None


class CodePatch(InSchema):
    name: text(100, min_length=1) | None = None
    memo: text(5000) | None = None
    category: Id | None = Field(None, description="null takes the code out of its category.")
    version: WholeNumber | None = Version


class CodeOut(Schema):
    id: int
    project_id: int
    name: str
    memo: str
    category_id: int | None
    count: int = Field(description="Fragments supporting the code.")
    version: int


class CodePage(Schema):
    count: int
    items: list[CodeOut]


class PropertyIn(InSchema):
    name: text(100, min_length=1)
    dimension_from: text(100) = ""
    dimension_to: text(100) = ""


class PropertyOut(Schema):
    id: int
    name: str
    dimension_from: str
    dimension_to: str


class CategoryIn(InSchema):
    name: text(100, min_length=1)
    memo: text(5000) = ""


class CategoryPatch(InSchema):
    name: text(100, min_length=1) | None = None
    memo: text(5000) | None = None
    version: WholeNumber | None = Version


class CategoryOut(Schema):
    id: int
    project_id: int
    name: str
    memo: str
    properties: list[PropertyOut]
    code_count: int
    fragment_count: int
    version: int


class CategoryPage(Schema):
    count: int
    items: list[CategoryOut]


class RelationIn(InSchema):
    source: Id
    target: Id
    kind: text(12) = Field(
        description="cause, context, intervening, strategy, process, consequence or sequence."
    )
    note: text(5000) = ""


class RelationOut(Schema):
    id: int
    project_id: int
    source: int
    target: int
    kind: str
    note: str


class RelationPage(Schema):
    count: int
    items: list[RelationOut]


class CoreIn(InSchema):
    core_category: Id | None = Field(description="A category of this project, or null.")
    story_line: text(100_000) = ""
    version: WholeNumber | None = Version
