"""Grounded-theory coding over the API: projects, sources (typed interview notes and pulled
complaints, reviews, customer notes), fragments with their codes, codes, categories with
properties, relations, the core category with the story line, and the tree (the export's
JSON). A private project answers 404 to everyone but its owner; a project the caller may
read but not change answers 403 to a write."""

from django.db.models import Count
from ninja import Router, Status

from guanxi.accounts.scope import (
    coding_project_q,
    get_coding_item_or_404,
    get_coding_project_or_404,
    require_see_reviews,
)
from guanxi.api_common import (
    ONE_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    Id,
    Limit,
    Offset,
    errors,
    paginate,
)

from . import queries, services
from .models import (
    AxialCategory,
    CategoryProperty,
    CategoryRelation,
    CodedFragment,
    CodingProject,
    OpenCode,
    SourceDocument,
)
from .schemas import (
    CategoryIn,
    CategoryOut,
    CategoryPage,
    CategoryPatch,
    CodeIn,
    CodeOut,
    CodePage,
    CodePatch,
    CoreIn,
    DocumentIn,
    DocumentOut,
    DocumentPage,
    FragmentIn,
    FragmentOut,
    FragmentPage,
    ProjectIn,
    ProjectOut,
    ProjectPage,
    ProjectPatch,
    PropertyIn,
    PropertyOut,
    PullIn,
    RelationIn,
    RelationOut,
    RelationPage,
)

router = Router(tags=["coding"])


def _project(request, pk) -> CodingProject:
    require_see_reviews(request.user)
    return get_coding_project_or_404(request.user, CodingProject.objects.all(), pk)


def _item(request, model, pk, via="project"):
    require_see_reviews(request.user)
    return get_coding_item_or_404(request.user, model.objects.all(), pk, via=via)


def _project_out(p: CodingProject) -> dict:
    return {
        "id": p.pk,
        "title": p.title,
        "question": p.question,
        "description": p.description,
        "shared": p.shared,
        "owner_id": p.owner_id,
        "core_category_id": p.core_category_id,
        "story_line": p.story_line,
        "version": p.version,
        "created_at": p.created_at,
        "updated_at": p.updated_at,
    }


def _document_out(d: SourceDocument) -> dict:
    return {
        "id": d.pk,
        "project_id": d.project_id,
        "kind": d.kind,
        "title": d.title,
        "interviewee": d.interviewee,
        "date": d.date,
        "text": d.text,
        "origin_id": d.origin_id,
        "customer_id": d.customer_id,
        "erased": d.erased_at is not None,
        "created_at": d.created_at,
    }


def _fragment_out(f: CodedFragment) -> dict:
    return {
        "id": f.pk,
        "document_id": f.document_id,
        "start": f.start,
        "end": f.end,
        "quote": f.quote,
        "codes": sorted(c.pk for c in f.codes.all()),
        "created_at": f.created_at,
    }


def _code_out(c: OpenCode) -> dict:
    count = getattr(c, "n_fragments", None)
    if count is None:
        count = c.fragments.count()
    return {
        "id": c.pk,
        "project_id": c.project_id,
        "name": c.name,
        "memo": c.memo,
        "category_id": c.category_id,
        "count": count,
        "version": c.version,
    }


def _categories(qs):
    """Categories with their properties and counts: codes, and distinct fragments of them."""
    return qs.prefetch_related("properties").annotate(
        n_codes=Count("codes", distinct=True),
        n_fragments=Count("codes__fragments", distinct=True),
    )


def _category_out(c: AxialCategory) -> dict:
    if not hasattr(c, "n_codes"):
        c = _categories(AxialCategory.objects.filter(pk=c.pk)).get()
    return {
        "id": c.pk,
        "project_id": c.project_id,
        "name": c.name,
        "memo": c.memo,
        "properties": [_property_out(p) for p in c.properties.all()],
        "code_count": c.n_codes,
        "fragment_count": c.n_fragments,
        "version": c.version,
    }


def _property_out(p: CategoryProperty) -> dict:
    return {
        "id": p.pk,
        "name": p.name,
        "dimension_from": p.dimension_from,
        "dimension_to": p.dimension_to,
    }


def _relation_out(r: CategoryRelation) -> dict:
    return {
        "id": r.pk,
        "project_id": r.project_id,
        "source": r.source_id,
        "target": r.target_id,
        "kind": r.kind,
        "note": r.note,
    }


# Projects --------------------------------------------------------------------------------


@router.get("/coding/projects", response={200: ProjectPage, **READ_ERRORS})
def list_projects(request, limit: Limit = 25, offset: Offset = 0):
    """The research projects the caller may read: their own and the shared ones."""
    require_see_reviews(request.user)
    qs = CodingProject.objects.filter(coding_project_q(request.user)).order_by("-updated_at", "-id")
    return paginate(qs, limit, offset, _project_out)


@router.post("/coding/projects", response={201: ProjectOut, **WRITE_ERRORS})
def create_project(request, payload: ProjectIn):
    """Start a research project (not for the read-only role: 403)."""
    project = services.create_project(request.user, payload.dict())
    return Status(201, _project_out(project))


@router.get("/coding/projects/{project_id}", response={200: ProjectOut, **ONE_ERRORS})
def get_project(request, project_id: Id):
    """One research project the caller may read (private ones: their owner only), or 404."""
    return _project_out(_project(request, project_id))


@router.patch(
    "/coding/projects/{project_id}",
    response={200: ProjectOut, **errors(400, 401, 403, 404, 409, 422)},
)
def update_project(request, project_id: Id, payload: ProjectPatch):
    """Change the fields sent: its owner (or a manager, once shared); 409 with a stale
    `version`."""
    project = _project(request, project_id)
    data = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    version = data.pop("version", None)
    project = services.update_project(request.user, project, data, version=version)
    return _project_out(project)


@router.delete("/coding/projects/{project_id}", response={204: None, **WRITE_ERRORS})
def delete_project(request, project_id: Id):
    """Delete a project with its documents, codes and categories (its owner, or a manager once shared)."""
    services.delete_project(request.user, _project(request, project_id))
    return Status(204, None)


@router.put(
    "/coding/projects/{project_id}/core",
    response={200: ProjectOut, **errors(400, 401, 403, 404, 409, 422)},
)
def set_core(request, project_id: Id, payload: CoreIn):
    """Selective coding: the core category (one of this project's, or null) and the story
    line."""
    project = _project(request, project_id)
    data = payload.dict()
    version = data.pop("version", None)
    return _project_out(services.set_core(request.user, project, data, version=version))


@router.get("/coding/projects/{project_id}/tree", response={200: dict, **ONE_ERRORS})
def get_tree(request, project_id: Id):
    """The coding tree: core category first, categories with properties, relations, codes
    (with counts) and their fragments; codes in no category; counts of the whole project."""
    return queries.tree(_project(request, project_id))


# Sources ---------------------------------------------------------------------------------


@router.get("/coding/projects/{project_id}/documents", response={200: DocumentPage, **ONE_ERRORS})
def list_documents(request, project_id: Id, limit: Limit = 25, offset: Offset = 0):
    """The project's source documents: typed interview notes and pulled cases, reviews and notes."""
    project = _project(request, project_id)
    return paginate(project.documents.order_by("created_at", "id"), limit, offset, _document_out)


@router.post("/coding/projects/{project_id}/documents", response={201: DocumentOut, **WRITE_ERRORS})
def add_document(request, project_id: Id, payload: DocumentIn):
    """An interview note typed or pasted into the project."""
    document = services.add_document(request.user, _project(request, project_id), payload.dict())
    return Status(201, _document_out(document))


@router.post("/coding/projects/{project_id}/sources", response={201: DocumentOut, **WRITE_ERRORS})
def pull_source(request, project_id: Id, payload: PullIn):
    """Copy a complaint (case), review or customer note into the project: only one the caller
    may read (404 otherwise); 422 when it is already there."""
    project = _project(request, project_id)
    document = services.pull_source(request.user, project, payload.kind, payload.origin_id)
    return Status(201, _document_out(document))


@router.get("/coding/documents/{document_id}", response={200: DocumentOut, **ONE_ERRORS})
def get_document(request, document_id: Id):
    """One source document of a project the caller may read, with its text."""
    return _document_out(_item(request, SourceDocument, document_id))


@router.delete("/coding/documents/{document_id}", response={204: None, **WRITE_ERRORS})
def delete_document(request, document_id: Id):
    """Delete a document and the fragments coded in it (codes stay, with fewer fragments)."""
    services.delete_document(request.user, _item(request, SourceDocument, document_id))
    return Status(204, None)


# Fragments -------------------------------------------------------------------------------


@router.get("/coding/documents/{document_id}/fragments", response={200: FragmentPage, **ONE_ERRORS})
def list_fragments(request, document_id: Id, limit: Limit = 25, offset: Offset = 0):
    """The fragments coded in a document, with their quotes, offsets and codes."""
    document = _item(request, SourceDocument, document_id)
    qs = document.fragments.prefetch_related("codes").order_by("start", "id")
    return paginate(qs, limit, offset, _fragment_out)


@router.post(
    "/coding/documents/{document_id}/fragments", response={201: FragmentOut, **WRITE_ERRORS}
)
def code_fragment(request, document_id: Id, payload: FragmentIn):
    """Open coding: the fragment `quote` at `start`..`end` (characters; both or neither —
    without them, the quote's first occurrence) with existing `codes` and `new_codes` (a new
    name equal to an existing code's, ignoring case and spaces, is that code). 422 when the
    offsets fall outside the text or the quote is not the text between them."""
    document = _item(request, SourceDocument, document_id)
    fragment = services.code_fragment(request.user, document, payload.dict())
    return Status(201, _fragment_out(fragment))


@router.delete("/coding/fragments/{fragment_id}", response={204: None, **WRITE_ERRORS})
def delete_fragment(request, fragment_id: Id):
    """Remove a coded fragment; its codes lose one supporting fragment."""
    fragment = _item(request, CodedFragment, fragment_id, via="document__project")
    services.delete_fragment(request.user, fragment)
    return Status(204, None)


# Codes -----------------------------------------------------------------------------------


@router.get("/coding/projects/{project_id}/codes", response={200: CodePage, **ONE_ERRORS})
def list_codes(request, project_id: Id, limit: Limit = 25, offset: Offset = 0):
    """The project's codes by name, each with the number of fragments supporting it."""
    project = _project(request, project_id)
    qs = project.codes.annotate(n_fragments=Count("fragments", distinct=True)).order_by(
        "name_key", "id"
    )
    return paginate(qs, limit, offset, _code_out)


@router.post("/coding/projects/{project_id}/codes", response={201: CodeOut, **WRITE_ERRORS})
def create_code(request, project_id: Id, payload: CodeIn):
    """A code (name unique in the project, ignoring case and surrounding spaces: else 422)."""
    code = services.create_code(request.user, _project(request, project_id), payload.dict())
    return Status(201, _code_out(code))


@router.patch(
    "/coding/codes/{code_id}", response={200: CodeOut, **errors(400, 401, 403, 404, 409, 422)}
)
def update_code(request, code_id: Id, payload: CodePatch):
    """Rename, change the memo, or put the code in a category (`category`: null takes it
    out)."""
    code = _item(request, OpenCode, code_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version", None)
    data = {k: v for k, v in data.items() if v is not None or k == "category"}
    return _code_out(services.update_code(request.user, code, data, version=version))


@router.delete("/coding/codes/{code_id}", response={204: None, **WRITE_ERRORS})
def delete_code(request, code_id: Id):
    """Delete a code; the fragments it was attached to keep their other codes."""
    services.delete_code(request.user, _item(request, OpenCode, code_id))
    return Status(204, None)


# Categories, properties, relations -------------------------------------------------------


@router.get("/coding/projects/{project_id}/categories", response={200: CategoryPage, **ONE_ERRORS})
def list_categories(request, project_id: Id, limit: Limit = 25, offset: Offset = 0):
    """The project's categories (axial coding), with their codes, properties and counts."""
    project = _project(request, project_id)
    qs = _categories(project.categories.all()).order_by("name", "id")
    return paginate(qs, limit, offset, _category_out)


@router.post(
    "/coding/projects/{project_id}/categories", response={201: CategoryOut, **WRITE_ERRORS}
)
def create_category(request, project_id: Id, payload: CategoryIn):
    """Create a category of the project (a unique name, case and spaces ignored)."""
    category = services.create_category(request.user, _project(request, project_id), payload.dict())
    return Status(201, _category_out(category))


@router.patch(
    "/coding/categories/{category_id}",
    response={200: CategoryOut, **errors(400, 401, 403, 404, 409, 422)},
)
def update_category(request, category_id: Id, payload: CategoryPatch):
    """Rename a category or change its memo (with `version`: 409 when it changed meanwhile)."""
    category = _item(request, AxialCategory, category_id)
    data = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    version = data.pop("version", None)
    return _category_out(services.update_category(request.user, category, data, version=version))


@router.delete("/coding/categories/{category_id}", response={204: None, **WRITE_ERRORS})
def delete_category(request, category_id: Id):
    """Delete a category; its codes become uncategorised, its relations go."""
    services.delete_category(request.user, _item(request, AxialCategory, category_id))
    return Status(204, None)


@router.post(
    "/coding/categories/{category_id}/properties", response={201: PropertyOut, **WRITE_ERRORS}
)
def add_property(request, category_id: Id, payload: PropertyIn):
    """A property of the category with its dimension (from … to), e.g. 响应速度: 快 … 慢."""
    category = _item(request, AxialCategory, category_id)
    return Status(201, _property_out(services.add_property(request.user, category, payload.dict())))


@router.delete("/coding/properties/{property_id}", response={204: None, **WRITE_ERRORS})
def delete_property(request, property_id: Id):
    """Remove a property (with its dimension) from a category."""
    prop = _item(request, CategoryProperty, property_id, via="category__project")
    services.delete_property(request.user, prop)
    return Status(204, None)


@router.get("/coding/projects/{project_id}/relations", response={200: RelationPage, **ONE_ERRORS})
def list_relations(request, project_id: Id, limit: Limit = 25, offset: Offset = 0):
    """The relations between the project's categories (cause, context, ...)."""
    project = _project(request, project_id)
    return paginate(project.relations.order_by("created_at", "id"), limit, offset, _relation_out)


@router.post("/coding/projects/{project_id}/relations", response={201: RelationOut, **WRITE_ERRORS})
def add_relation(request, project_id: Id, payload: RelationIn):
    """Relate two categories of the project; a category related to itself is a 422."""
    relation = services.add_relation(request.user, _project(request, project_id), payload.dict())
    return Status(201, _relation_out(relation))


@router.delete("/coding/relations/{relation_id}", response={204: None, **WRITE_ERRORS})
def delete_relation(request, relation_id: Id):
    """Remove a relation between two categories."""
    services.delete_relation(request.user, _item(request, CategoryRelation, relation_id))
    return Status(204, None)
