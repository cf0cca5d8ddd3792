"""Research projects and their coding — every write here, each audited (guanxi.audit).

Open coding attaches codes to a fragment of a source's text, checked against the text (the
offsets inside it and the quote equal to the text between them); axial coding groups codes
into categories with properties, dimensions and relations; selective coding names the core
category and the story line. Who may do what is asked of guanxi.accounts.scope.
"""

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from guanxi.accounts.scope import (
    pullable_cases,
    pullable_notes,
    pullable_reviews,
    require_code_project,
    require_create_coding_project,
    require_manage_coding_project,
)
from guanxi.audit import services as audit
from guanxi.audit.models import AuditEntry
from guanxi.services_common import claim_version, reject_unknown_fields
from guanxi.validation import Errors, check_text, check_year

from .models import (
    AxialCategory,
    CategoryProperty,
    CategoryRelation,
    CodedFragment,
    CodingProject,
    OpenCode,
    RelationKind,
    SourceDocument,
    SourceKind,
)

MAX_TITLE = 200
MAX_NAME = 100
MAX_TEXT = 100_000  # about forty pages of interview notes
MAX_MEMO = 5_000
MAX_CODES_AT_ONCE = 20
PROJECT_FIELDS = ["title", "question", "description", "shared"]
DOCUMENT_FIELDS = ["kind", "title", "interviewee", "date", "origin_id"]
# New code names typed together are separated by commas (Chinese or Latin) or line breaks.
_NAME_SEPARATORS = re.compile(r"[,，、;；\n]+")


def normalise_text(value: str) -> str:
    """Line breaks as \\n only: a browser reads \\r\\n as one character, so the offsets a
    selection on the page gives match the stored text."""
    return value.replace("\r\n", "\n").replace("\r", "\n")


def name_key(name: str) -> str:
    """What makes two code or category names the same: trimmed, case-insensitive."""
    return " ".join(name.split()).casefold()


# Projects --------------------------------------------------------------------------------


def clean_project(data: dict, *, partial: bool = False) -> dict:
    """The project's fields, checked; ValidationError with every error."""
    reject_unknown_fields(data, PROJECT_FIELDS)
    errors = Errors()
    clean = {}
    if not partial or "title" in data:
        title = errors.check(
            "title",
            check_text,
            data.get("title"),
            max_length=MAX_TITLE,
            multiline=False,
            required=True,
        )
        clean["title"] = (title or "").strip()
    for field in ("question", "description"):
        if not partial or field in data:
            value = errors.check(field, check_text, data.get(field) or "", max_length=MAX_MEMO)
            clean[field] = normalise_text((value or "").strip())
    if not partial or "shared" in data:
        clean["shared"] = bool(data.get("shared"))
    errors.raise_any()
    return clean


@transaction.atomic
def create_project(actor, data: dict) -> CodingProject:
    """A new research project owned by the actor (private unless `shared`)."""
    require_create_coding_project(actor)
    fields = clean_project(data)
    project = CodingProject.objects.create(owner=actor, **fields)
    audit.record(actor, AuditEntry.Action.CREATE, project, fields=PROJECT_FIELDS)
    return project


def _lock(project: CodingProject, version, submitted: dict) -> None:
    claim_version(project, version, submitted)


@transaction.atomic
def update_project(actor, project: CodingProject, data: dict, *, version=None) -> CodingProject:
    """Change title, question, description or sharing: the owner (or a manager, shared)."""
    require_manage_coding_project(actor, project)
    fields = clean_project(data, partial=True)
    _lock(project, version, fields)
    before = audit.snapshot(project, PROJECT_FIELDS)
    for field, value in fields.items():
        setattr(project, field, value)
    project.save(update_fields=[*fields, "updated_at"])
    audit.record_update(actor, project, before, PROJECT_FIELDS)
    return project


@transaction.atomic
def delete_project(actor, project: CodingProject) -> None:
    """Delete a project with its sources, codes, categories and relations."""
    require_manage_coding_project(actor, project)
    CodingProject.objects.filter(pk=project.pk).update(core_category=None)
    audit.record(actor, AuditEntry.Action.DELETE, project, fields=PROJECT_FIELDS)
    project.delete()


def _touch(project: CodingProject) -> None:
    from django.utils import timezone

    CodingProject.objects.filter(pk=project.pk).update(updated_at=timezone.now())


# Sources ---------------------------------------------------------------------------------


def _check_date(value):
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(_("Enter a date as YYYY-MM-DD.")) from exc
    return check_year(value)


@transaction.atomic
def add_document(actor, project: CodingProject, data: dict) -> SourceDocument:
    """An interview note typed or pasted into the project (title, interviewee label, date,
    text). The interviewee is a label: no name or contact is needed."""
    require_code_project(actor, project)
    reject_unknown_fields(data, ["title", "interviewee", "date", "text"])
    errors = Errors()
    title = errors.check(
        "title", check_text, data.get("title"), max_length=MAX_TITLE, multiline=False, required=True
    )
    interviewee = errors.check(
        "interviewee",
        check_text,
        data.get("interviewee") or "",
        max_length=MAX_NAME,
        multiline=False,
    )
    day = errors.check("date", _check_date, data.get("date"))
    text = errors.check("text", check_text, data.get("text"), max_length=MAX_TEXT, required=True)
    errors.raise_any()
    document = SourceDocument.objects.create(
        project=project,
        kind=SourceKind.INTERVIEW,
        title=title.strip(),
        interviewee=(interviewee or "").strip(),
        date=day,
        text=normalise_text(text),
        added_by=actor,
    )
    audit.record(actor, AuditEntry.Action.CREATE, document, fields=DOCUMENT_FIELDS)
    _touch(project)
    return document


def _origin(actor, kind: str, origin_id) -> tuple[str, str, date | None, int | None]:
    """(title, text, date, customer id) of the record to pull, read through the scope: 404
    for a record the actor may not read, as if it did not exist."""
    from django.http import Http404

    from guanxi.activities.models import Note
    from guanxi.service.models import Case
    from guanxi.voice.models import Review

    try:
        pk = int(origin_id)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"origin_id": [_("Choose a record to add.")]}) from exc
    if kind == SourceKind.CASE:
        record = pullable_cases(actor, Case.objects.all()).filter(pk=pk).first()
        if record is None:
            raise Http404
        body = "\n\n".join(p for p in (record.subject, record.description) if p)
        title = _("Complaint #%(id)d: %(subject)s") % {"id": pk, "subject": record.subject}
        return title, body, record.opened_at.date(), record.customer_id
    if kind == SourceKind.REVIEW:
        record = pullable_reviews(actor, Review.objects.select_related("review_set"))
        record = record.filter(pk=pk).first()
        if record is None:
            raise Http404
        title = _("Review #%(id)d (%(set)s)") % {"id": pk, "set": record.review_set.name}
        return title, record.text, record.date, record.customer_id
    if kind == SourceKind.NOTE:
        record = pullable_notes(actor, Note.objects.all()).filter(pk=pk).first()
        if record is None:
            raise Http404
        title = _("Customer note #%(id)d") % {"id": pk}
        return title, record.body, record.created_at.date(), record.customer_id
    raise ValidationError({"kind": [_("Choose a complaint, a review or a customer note.")]})


@transaction.atomic
def pull_source(actor, project: CodingProject, kind: str, origin_id) -> SourceDocument:
    """Copy a complaint's description, a review's text or a customer note into the project,
    linked to its origin and customer. Only a record the actor may read (else 404); a record
    already in the project is not copied twice (ValidationError)."""
    require_code_project(actor, project)
    title, body, day, customer_id = _origin(actor, kind, origin_id)
    if SourceDocument.objects.filter(project=project, kind=kind, origin_id=origin_id).exists():
        raise ValidationError({"origin_id": [_("This record is already in the project.")]})
    if not body.strip():
        raise ValidationError({"origin_id": [_("This record has no text to code.")]})
    document = SourceDocument.objects.create(
        project=project,
        kind=kind,
        title=title[:MAX_TITLE],
        date=day,
        text=normalise_text(body),
        origin_id=int(origin_id),
        customer_id=customer_id,
        added_by=actor,
    )
    audit.record(
        actor,
        AuditEntry.Action.CREATE,
        document,
        customer_id=customer_id,
        fields=DOCUMENT_FIELDS,
    )
    _touch(project)
    return document


@transaction.atomic
def delete_document(actor, document: SourceDocument) -> None:
    """Remove a source and its fragments (codes stay, with fewer fragments)."""
    require_code_project(actor, document.project)
    audit.record(
        actor,
        AuditEntry.Action.DELETE,
        document,
        customer_id=document.customer_id,
        fields=DOCUMENT_FIELDS,
    )
    document.delete()
    _touch(document.project)


# Codes -----------------------------------------------------------------------------------


def _clean_name(errors: Errors, field: str, value, *, max_length: int = MAX_NAME) -> str:
    name = errors.check(
        field, check_text, value, max_length=max_length, multiline=False, required=True
    )
    return " ".join((name or "").split())


def _unique(errors: Errors, model, project, field: str, name: str, exclude=None) -> None:
    if not name:
        return
    same = model.objects.filter(project=project, name_key=name_key(name))
    if exclude is not None:
        same = same.exclude(pk=exclude.pk)
    if same.exists():
        errors.add(
            field,
            _("“%(name)s” is already in this project (names are compared without case and spaces).")
            % {"name": name},
        )


def _save_unique(instance, **kwargs) -> None:
    try:
        with transaction.atomic():
            instance.save(**kwargs)
    except IntegrityError as exc:  # the same name saved meanwhile
        raise ValidationError(
            {"name": [_("“%(name)s” is already in this project.") % {"name": instance.name}]}
        ) from exc


def _category_of(errors: Errors, project, value):
    if value in (None, ""):
        return None
    found = AxialCategory.objects.filter(project=project, pk=_int(value)).first()
    if found is None:
        errors.add("category", _("Choose a category of this project."))
    return found


def _int(value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return -1
    return number if 0 < number < 2**63 else -1


@transaction.atomic
def create_code(actor, project: CodingProject, data: dict) -> OpenCode:
    """A new code (name unique in the project, trimmed and case-insensitive; a memo)."""
    require_code_project(actor, project)
    reject_unknown_fields(data, ["name", "memo", "category"])
    errors = Errors()
    name = _clean_name(errors, "name", data.get("name"))
    memo = errors.check("memo", check_text, data.get("memo") or "", max_length=MAX_MEMO)
    category = _category_of(errors, project, data.get("category"))
    _unique(errors, OpenCode, project, "name", name)
    errors.raise_any()
    code = OpenCode(
        project=project,
        name=name,
        name_key=name_key(name),
        memo=normalise_text(memo or "").strip(),
        category=category,
    )
    _save_unique(code)
    audit.record(actor, AuditEntry.Action.CREATE, code, fields=["name", "memo", "category_id"])
    _touch(project)
    return code


@transaction.atomic
def update_code(actor, code: OpenCode, data: dict, *, version=None) -> OpenCode:
    """Rename a code, change its memo, or put it in a category (axial coding; an empty
    category takes it out)."""
    require_code_project(actor, code.project)
    reject_unknown_fields(data, ["name", "memo", "category"])
    errors = Errors()
    fields = {}
    if "name" in data:
        fields["name"] = _clean_name(errors, "name", data.get("name"))
        _unique(errors, OpenCode, code.project, "name", fields["name"], exclude=code)
    if "memo" in data:
        memo = errors.check("memo", check_text, data.get("memo") or "", max_length=MAX_MEMO)
        fields["memo"] = normalise_text(memo or "").strip()
    if "category" in data:
        category = _category_of(errors, code.project, data.get("category"))
        fields["category_id"] = category.pk if category else None
    errors.raise_any()
    claim_version(code, version, fields)
    before = audit.snapshot(code, ["name", "memo", "category_id"])
    for field, value in fields.items():
        setattr(code, field, value)
    code.name_key = name_key(code.name)
    _save_unique(code, update_fields=[*fields, "name_key"])
    audit.record_update(actor, code, before, ["name", "memo", "category_id"])
    _touch(code.project)
    return code


@transaction.atomic
def delete_code(actor, code: OpenCode) -> None:
    """Delete a code; its fragments stay with their other codes, a fragment left with no
    code goes too (a fragment is coded or it is not there)."""
    require_code_project(actor, code.project)
    orphans = list(
        CodedFragment.objects.filter(codes=code)
        .annotate(n=Count("codes"))
        .filter(n=1)
        .select_related("document")
    )
    for fragment in orphans:
        audit.record(
            actor,
            AuditEntry.Action.DELETE,
            fragment,
            customer_id=fragment.document.customer_id,
            changes={"deleted_with": [f"opencode #{code.pk}", None]},
        )
        fragment.delete()
    audit.record(actor, AuditEntry.Action.DELETE, code, fields=["name", "memo", "category_id"])
    code.delete()
    _touch(code.project)


# Open coding: fragments ------------------------------------------------------------------


def _offset(errors: Errors, field: str, value):
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors.add(field, _("Enter a whole number."))
        return None
    if number < 0:
        errors.add(field, _("Enter a number of at least 0."))
        return None
    return number


def locate_fragment(text: str, quote: str, start, end) -> tuple[int, int]:
    """(start, end) of the quote in the text: the given offsets when the quote is exactly the
    text between them, else (no offsets) the quote's first occurrence; ValidationError."""
    errors = Errors()
    start = _offset(errors, "start", start)
    end = _offset(errors, "end", end)
    errors.raise_any()
    if start is None and end is None:
        at = text.find(quote)
        if at < 0:
            raise ValidationError(
                {"quote": [_("This quote does not occur in the document: copy it exactly.")]}
            )
        return at, at + len(quote)
    if start is None or end is None:
        raise ValidationError({"start": [_("Give both the start and the end of the fragment.")]})
    if not start < end <= len(text):
        raise ValidationError(
            {
                "start": [
                    _(
                        "The fragment must lie within the text (0 to %(length)d) and end after it starts."
                    )
                    % {"length": len(text)}
                ]
            }
        )
    if text[start:end] != quote:
        raise ValidationError({"quote": [_("The quote is not the text between these positions.")]})
    return start, end


def _codes_for(actor, project, errors: Errors, code_ids, new_names) -> list[OpenCode]:
    """The existing codes chosen (of this project) and the new ones typed (a name already in
    the project is that code: names are compared without case and surrounding spaces)."""
    ids = {_int(v) for v in (code_ids or []) if str(v).strip()}
    codes = list(OpenCode.objects.filter(project=project, pk__in=ids))
    if len(codes) != len(ids):
        errors.add("codes", _("Choose codes of this project."))
    if isinstance(new_names, str):
        new_names = _NAME_SEPARATORS.split(new_names)
    names = []
    for raw in new_names or []:
        name = " ".join(str(raw).split())
        if not name:
            continue
        try:
            check_text(name, max_length=MAX_NAME, multiline=False)
        except ValueError as exc:
            errors.add("new_codes", f"{name[:20]}: {exc}")
            continue
        if name_key(name) not in {name_key(n) for n in names}:
            names.append(name)
    if not codes and not names and "codes" not in errors:
        errors.add("codes", _("Choose a code or type a new one."))
    if len(codes) + len(names) > MAX_CODES_AT_ONCE:
        errors.add(
            "new_codes",
            _("Give a fragment at most %(max)d codes at once.") % {"max": MAX_CODES_AT_ONCE},
        )
    if errors:
        return []
    known = {c.name_key: c for c in OpenCode.objects.filter(project=project)}
    for name in names:
        key = name_key(name)
        if key in known:
            if known[key] not in codes:
                codes.append(known[key])
            continue
        code = OpenCode(project=project, name=name, name_key=key)
        _save_unique(code)
        audit.record(actor, AuditEntry.Action.CREATE, code, fields=["name", "memo", "category_id"])
        known[key] = code
        codes.append(code)
    return codes


@transaction.atomic
def code_fragment(actor, document: SourceDocument, data: dict) -> CodedFragment:
    """Open coding: attach codes (existing ids in `codes`, new names in `new_codes`) to the
    fragment `quote` of the document, at `start`..`end` (offsets in characters) when given,
    else at the quote's first occurrence."""
    require_code_project(actor, document.project)
    reject_unknown_fields(data, ["start", "end", "quote", "codes", "new_codes"])
    if document.erased_at is not None:
        raise ValidationError({"quote": [_("This source was erased: nothing is left to code.")]})
    errors = Errors()
    quote = errors.check("quote", check_text, data.get("quote"), max_length=MAX_TEXT, required=True)
    errors.raise_any()
    quote = normalise_text(quote)
    if data.get("start") in (None, "") and data.get("end") in (None, ""):
        quote = quote.strip()
    start, end = locate_fragment(document.text, quote, data.get("start"), data.get("end"))
    codes = _codes_for(actor, document.project, errors, data.get("codes"), data.get("new_codes"))
    errors.raise_any()
    fragment = CodedFragment.objects.create(
        document=document, start=start, end=end, quote=quote, coded_by=actor
    )
    fragment.codes.set(codes)
    audit.record(
        actor,
        AuditEntry.Action.CREATE,
        fragment,
        customer_id=document.customer_id,
        changes={
            "document": [None, document.pk],
            "start": [None, start],
            "end": [None, end],
            "codes": [None, sorted(c.pk for c in codes)],
        },
    )
    _touch(document.project)
    return fragment


@transaction.atomic
def delete_fragment(actor, fragment: CodedFragment) -> None:
    """Take the codes off a fragment (the fragment goes; the codes stay)."""
    document = fragment.document
    require_code_project(actor, document.project)
    audit.record(
        actor,
        AuditEntry.Action.DELETE,
        fragment,
        customer_id=document.customer_id,
        changes={
            "document": [document.pk, None],
            "start": [fragment.start, None],
            "end": [fragment.end, None],
            "codes": [sorted(fragment.codes.values_list("pk", flat=True)), None],
        },
    )
    fragment.delete()
    _touch(document.project)


# Axial coding: categories, properties, relations -----------------------------------------


@transaction.atomic
def create_category(actor, project: CodingProject, data: dict) -> AxialCategory:
    """A category (name unique in the project, like a code's; a memo)."""
    require_code_project(actor, project)
    reject_unknown_fields(data, ["name", "memo"])
    errors = Errors()
    name = _clean_name(errors, "name", data.get("name"))
    memo = errors.check("memo", check_text, data.get("memo") or "", max_length=MAX_MEMO)
    _unique(errors, AxialCategory, project, "name", name)
    errors.raise_any()
    category = AxialCategory(
        project=project, name=name, name_key=name_key(name), memo=normalise_text(memo).strip()
    )
    _save_unique(category)
    audit.record(actor, AuditEntry.Action.CREATE, category, fields=["name", "memo"])
    _touch(project)
    return category


@transaction.atomic
def update_category(actor, category: AxialCategory, data: dict, *, version=None):
    """Rename a category or change its memo."""
    require_code_project(actor, category.project)
    reject_unknown_fields(data, ["name", "memo"])
    errors = Errors()
    fields = {}
    if "name" in data:
        fields["name"] = _clean_name(errors, "name", data.get("name"))
        _unique(errors, AxialCategory, category.project, "name", fields["name"], exclude=category)
    if "memo" in data:
        memo = errors.check("memo", check_text, data.get("memo") or "", max_length=MAX_MEMO)
        fields["memo"] = normalise_text(memo or "").strip()
    errors.raise_any()
    claim_version(category, version, fields)
    before = audit.snapshot(category, ["name", "memo"])
    for field, value in fields.items():
        setattr(category, field, value)
    category.name_key = name_key(category.name)
    _save_unique(category, update_fields=[*fields, "name_key"])
    audit.record_update(actor, category, before, ["name", "memo"])
    _touch(category.project)
    return category


@transaction.atomic
def delete_category(actor, category: AxialCategory) -> None:
    """Delete a category: its codes stay (uncategorised), its properties and relations go;
    the core category of the project, if this one, is unset (the story line stays)."""
    project = category.project
    require_code_project(actor, project)
    codes = list(OpenCode.objects.filter(category=category))
    for code in codes:
        audit.record(
            actor, AuditEntry.Action.UPDATE, code, changes={"category_id": [category.pk, None]}
        )
    OpenCode.objects.filter(category=category).update(category=None)
    if project.core_category_id == category.pk:
        CodingProject.objects.filter(pk=project.pk).update(core_category=None)
        audit.record(
            actor, AuditEntry.Action.UPDATE, project, changes={"core_category": [category.pk, None]}
        )
    going = CategoryRelation.objects.filter(project=project).filter(
        Q(source=category) | Q(target=category)
    )
    for relation in going:
        audit.record(
            actor,
            AuditEntry.Action.DELETE,
            relation,
            changes={"deleted_with": [f"axialcategory #{category.pk}", None]},
        )
    going.delete()
    audit.record(actor, AuditEntry.Action.DELETE, category, fields=["name", "memo"])
    category.delete()
    _touch(project)


@transaction.atomic
def add_property(actor, category: AxialCategory, data: dict) -> CategoryProperty:
    """A property of the category and its dimension, e.g. response speed: fast … slow."""
    require_code_project(actor, category.project)
    reject_unknown_fields(data, ["name", "dimension_from", "dimension_to"])
    errors = Errors()
    name = _clean_name(errors, "name", data.get("name"))
    ends = {
        field: " ".join(
            (
                errors.check(
                    field,
                    check_text,
                    data.get(field) or "",
                    max_length=MAX_NAME,
                    multiline=False,
                )
                or ""
            ).split()
        )
        for field in ("dimension_from", "dimension_to")
    }
    errors.raise_any()
    prop = CategoryProperty.objects.create(category=category, name=name, **ends)
    audit.record(
        actor,
        AuditEntry.Action.CREATE,
        prop,
        fields=["category_id", "name", "dimension_from", "dimension_to"],
    )
    _touch(category.project)
    return prop


@transaction.atomic
def delete_property(actor, prop: CategoryProperty) -> None:
    require_code_project(actor, prop.category.project)
    audit.record(
        actor,
        AuditEntry.Action.DELETE,
        prop,
        fields=["category_id", "name", "dimension_from", "dimension_to"],
    )
    prop.delete()
    _touch(prop.category.project)


@transaction.atomic
def add_relation(actor, project: CodingProject, data: dict) -> CategoryRelation:
    """Relate two categories of the project (cause, context, intervening condition,
    action/strategy, process, consequence, sequence) with a note; never one to itself."""
    require_code_project(actor, project)
    reject_unknown_fields(data, ["source", "target", "kind", "note"])
    errors = Errors()
    ends = {}
    for field in ("source", "target"):
        found = AxialCategory.objects.filter(project=project, pk=_int(data.get(field))).first()
        if found is None:
            errors.add(field, _("Choose a category of this project."))
        ends[field] = found
    kind = data.get("kind")
    if kind not in RelationKind.values:
        errors.add("kind", _("Choose the kind of relation."))
    note = errors.check("note", check_text, data.get("note") or "", max_length=MAX_MEMO)
    if ends["source"] is not None and ends["source"] == ends["target"]:
        errors.add("target", _("A category cannot be related to itself: choose another one."))
    errors.raise_any()
    relation = CategoryRelation.objects.create(
        project=project, kind=kind, note=normalise_text(note).strip(), **ends
    )
    audit.record(
        actor,
        AuditEntry.Action.CREATE,
        relation,
        fields=["source_id", "target_id", "kind", "note"],
    )
    _touch(project)
    return relation


@transaction.atomic
def delete_relation(actor, relation: CategoryRelation) -> None:
    require_code_project(actor, relation.project)
    audit.record(
        actor, AuditEntry.Action.DELETE, relation, fields=["source_id", "target_id", "kind"]
    )
    relation.delete()
    _touch(relation.project)


# Selective coding ------------------------------------------------------------------------


@transaction.atomic
def set_core(actor, project: CodingProject, data: dict, *, version=None) -> CodingProject:
    """Selective coding: the core category (one of the project's, or none) and the story
    line that tells how the categories hang together around it: the project's conclusion, so
    its owner's (or a manager's once shared), not every coder's."""
    require_manage_coding_project(actor, project)
    reject_unknown_fields(data, ["core_category", "story_line"])
    errors = Errors()
    fields = {}
    if "core_category" in data:
        value = data.get("core_category")
        core = None
        if value not in (None, ""):
            core = AxialCategory.objects.filter(project=project, pk=_int(value)).first()
            if core is None:
                errors.add("core_category", _("The core category must be one of this project's."))
        fields["core_category_id"] = core.pk if core else None
    if "story_line" in data:
        story = errors.check(
            "story_line", check_text, data.get("story_line") or "", max_length=MAX_TEXT
        )
        fields["story_line"] = normalise_text(story or "").strip()
    errors.raise_any()
    _lock(project, version, fields)
    before = audit.snapshot(project, ["core_category_id", "story_line"])
    for field, value in fields.items():
        setattr(project, field, value)
    project.save(update_fields=[*fields, "updated_at"])
    audit.record_update(actor, project, before, ["core_category_id", "story_line"])
    return project
