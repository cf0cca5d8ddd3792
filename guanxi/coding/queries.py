"""Reads of the coding workspace: a user's projects, the records they may pull in, a
document's text split for highlighting, and the coding tree with its counts."""

from django.db.models import Count, Q

from guanxi.accounts.scope import (
    coding_project_q,
    pullable_cases,
    pullable_notes,
    pullable_reviews,
)

from .models import (
    AxialCategory,
    CategoryRelation,
    CodedFragment,
    CodingProject,
    OpenCode,
    SourceDocument,
    SourceKind,
)

CANDIDATES = 20  # records listed at once when choosing what to pull in


def projects(user):
    """The projects the user may read, newest activity first, with their counts."""
    return (
        CodingProject.objects.filter(coding_project_q(user))
        .select_related("owner__profile", "core_category")
        .annotate(
            n_documents=Count("documents", distinct=True), n_codes=Count("codes", distinct=True)
        )
    )


def candidates(user, kind: str, search: str = "") -> list[dict]:
    """The records of `kind` the user may pull (newest first), each {id, title, text}:
    complaints and notes of customers in the user's scope, reviews of no customer or of one
    in scope (guanxi.accounts.scope)."""
    from guanxi.activities.models import Note
    from guanxi.service.models import Case
    from guanxi.voice.models import Review

    search = (search or "").strip()[:50]
    if kind == SourceKind.CASE:
        qs = pullable_cases(user, Case.objects.order_by("-opened_at", "-id"))
        if search:
            qs = qs.filter(Q(subject__contains=search) | Q(description__contains=search))
        return [
            {"id": c.pk, "title": f"#{c.pk} {c.subject}", "text": c.description}
            for c in qs[:CANDIDATES]
        ]
    if kind == SourceKind.REVIEW:
        qs = pullable_reviews(user, Review.objects.select_related("review_set")).order_by("-id")
        if search:
            qs = qs.filter(text__contains=search)
        return [
            {"id": r.pk, "title": f"#{r.pk} {r.review_set.name}", "text": r.text}
            for r in qs[:CANDIDATES]
        ]
    if kind == SourceKind.NOTE:
        qs = pullable_notes(user, Note.objects.order_by("-created_at", "-id"))
        if search:
            qs = qs.filter(body__contains=search)
        return [{"id": n.pk, "title": f"#{n.pk}", "text": n.body} for n in qs[:CANDIDATES]]
    return []


def code_counts(project) -> list[OpenCode]:
    """The project's codes, each with `n_fragments` (the fragments supporting it)."""
    return list(
        OpenCode.objects.filter(project=project)
        .select_related("category")
        .annotate(n_fragments=Count("fragments", distinct=True))
        .order_by("name_key", "id")
    )


def segments(document: SourceDocument, fragments) -> list[dict]:
    """The document's text cut where fragments start and end: [{text, coded, ids}], so the
    page marks coded stretches while the text itself (and so every offset) stays whole."""
    text = document.text
    cuts = {0, len(text)}
    for f in fragments:
        cuts.update((min(f.start, len(text)), min(f.end, len(text))))
    ordered = sorted(cuts)
    parts = []
    for a, b in zip(ordered, ordered[1:], strict=False):
        ids = [f.pk for f in fragments if f.start <= a and b <= f.end]
        parts.append({"text": text[a:b], "coded": bool(ids), "ids": ids})
    return parts


def tree(project: CodingProject) -> dict:
    """The coding tree, core category first: categories (properties, relations, codes with
    their fragments) and the codes in no category, with counts at every level — fragments
    per code, codes and distinct fragments per category, and in all."""
    categories = list(AxialCategory.objects.filter(project=project).prefetch_related("properties"))
    codes = list(OpenCode.objects.filter(project=project).order_by("name_key", "id"))
    links = list(
        CodedFragment.codes.through.objects.filter(opencode__project=project).values_list(
            "opencode_id", "codedfragment_id"
        )
    )
    fragments = {
        f.pk: f
        for f in CodedFragment.objects.filter(document__project=project).select_related("document")
    }
    by_code: dict[int, list[int]] = {}
    for code_id, fragment_id in links:
        by_code.setdefault(code_id, []).append(fragment_id)
    names = {c.pk: c.name for c in categories}
    relations = [
        {
            "id": r.pk,
            "source": r.source_id,
            "source_name": names.get(r.source_id, ""),
            "target": r.target_id,
            "target_name": names.get(r.target_id, ""),
            "kind": r.kind,
            "kind_label": str(r.get_kind_display()),
            "note": r.note,
        }
        for r in CategoryRelation.objects.filter(project=project)
    ]

    def fragment_out(pk: int) -> dict:
        f = fragments[pk]
        return {
            "id": f.pk,
            "quote": f.quote,
            "start": f.start,
            "end": f.end,
            "document": f.document_id,
            "document_title": f.document.title,
            "document_kind": f.document.kind,
        }

    def code_out(code: OpenCode) -> dict:
        ids = sorted(
            set(by_code.get(code.pk, [])),
            key=lambda i: (fragments[i].document_id, fragments[i].start, i),
        )
        return {
            "id": code.pk,
            "name": code.name,
            "memo": code.memo,
            "count": len(ids),
            "fragments": [fragment_out(i) for i in ids],
        }

    out = []
    for category in categories:
        mine = [code_out(c) for c in codes if c.category_id == category.pk]
        distinct = {f["id"] for c in mine for f in c["fragments"]}
        out.append(
            {
                "id": category.pk,
                "name": category.name,
                "memo": category.memo,
                "core": category.pk == project.core_category_id,
                "properties": [
                    {"name": p.name, "from": p.dimension_from, "to": p.dimension_to}
                    for p in category.properties.all()
                ],
                "relations": [r for r in relations if category.pk in (r["source"], r["target"])],
                "code_count": len(mine),
                "fragment_count": len(distinct),
                "codes": mine,
            }
        )
    out.sort(key=lambda c: (not c["core"], c["name"].casefold(), c["id"]))
    loose = [code_out(c) for c in codes if c.category_id is None]
    return {
        "project": {
            "id": project.pk,
            "title": project.title,
            "question": project.question,
            "core_category": project.core_category_id,
            "story_line": project.story_line,
        },
        "categories": out,
        "uncategorised": loose,
        "relations": relations,
        "counts": {
            "documents": SourceDocument.objects.filter(project=project).count(),
            "fragments": len(fragments),
            "codes": len(codes),
            "categories": len(categories),
        },
    }
