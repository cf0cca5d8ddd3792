"""Coding pages (/coding/): projects, their sources, open coding on a document's text, axial
coding (categories, properties, relations), selective coding (core category and story line)
and the tree with its exports. Access: guanxi.accounts.scope; writes: services.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guanxi.accounts.scope import (
    can_code_project,
    can_manage_coding_project,
    get_coding_item_or_404,
    get_coding_project_or_404,
    may_create_coding_project,
    require_code_project,
    require_create_coding_project,
    require_manage_coding_project,
    require_see_reviews,
)
from guanxi.services_common import StaleEdit
from guanxi.validation import add_service_errors

from . import exports, queries, services
from .forms import (
    CategoryForm,
    CodeForm,
    CoreForm,
    DocumentForm,
    FragmentForm,
    ProjectForm,
    PropertyForm,
    PullForm,
    RelationForm,
)
from .models import (
    AxialCategory,
    CategoryProperty,
    CategoryRelation,
    CodedFragment,
    CodingProject,
    OpenCode,
    SourceDocument,
    SourceKind,
)


def _project(request, pk) -> CodingProject:
    require_see_reviews(request.user)
    return get_coding_project_or_404(
        request.user, CodingProject.objects.select_related("owner__profile", "core_category"), pk
    )


def _item(request, model, pk, via="project"):
    require_see_reviews(request.user)
    related = {"project": "project", "document__project": "document__project"}.get(
        via, "category__project"
    )
    return get_coding_item_or_404(request.user, model.objects.select_related(related), pk, via=via)


def _context(request, project, **extra) -> dict:
    return {
        "project": project,
        "may_code": can_code_project(request.user, project),
        "may_manage": can_manage_coding_project(request.user, project),
        **extra,
    }


def _service_messages(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


# Projects --------------------------------------------------------------------------------


@login_required
@require_GET
def project_list(request):
    require_see_reviews(request.user)
    return render(
        request,
        "coding/list.html",
        {
            "projects": queries.projects(request.user)[:200],
            "may_create": may_create_coding_project(request.user),
        },
    )


@login_required
def project_create(request):
    require_create_coding_project(request.user)
    form = ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.create_project(request.user, form.data_for_service())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("coding:detail", pk=project.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "coding/project_form.html", {"form": form}, status=status)


@login_required
def project_edit(request, pk):
    project = _project(request, pk)
    require_manage_coding_project(request.user, project)
    form = ProjectForm(request.POST or None, instance=project, initial={"version": project.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_project(
                request.user,
                project,
                form.data_for_service(),
                version=form.cleaned_data.get("version"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except StaleEdit as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("coding:detail", pk=project.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request, "coding/project_form.html", {"form": form, "project": project}, status=status
    )


@login_required
@require_POST
def project_delete(request, pk):
    project = _project(request, pk)
    title = project.title
    services.delete_project(request.user, project)
    messages.success(request, _("Research project “%(title)s” deleted.") % {"title": title})
    return redirect("coding:list")


@login_required
@require_GET
def project_detail(request, pk):
    project = _project(request, pk)
    documents = list(project.documents.order_by("created_at", "id").prefetch_related("fragments"))
    codes = queries.code_counts(project)
    categories = list(project.categories.all())
    return render(
        request,
        "coding/detail.html",
        _context(
            request,
            project,
            documents=documents,
            codes=codes,
            categories=categories,
            code_form=CodeForm(),
            step="sources",
        ),
    )


# Sources ---------------------------------------------------------------------------------


@login_required
def document_create(request, pk):
    project = _project(request, pk)
    require_code_project(request.user, project)
    form = DocumentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            document = services.add_document(request.user, project, form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("coding:document", pk=document.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request, "coding/document_form.html", _context(request, project, form=form), status=status
    )


@login_required
def pull(request, pk):
    """Choose complaints, reviews or customer notes to copy into the project (GET lists those
    the user may read; POST copies one)."""
    project = _project(request, pk)
    require_code_project(request.user, project)
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        try:
            document = services.pull_source(
                request.user, project, kind, request.POST.get("origin_id")
            )
        except ValidationError as exc:
            _service_messages(request, exc)
        else:
            messages.success(request, _("Added “%(title)s”.") % {"title": document.title})
        return redirect(f"{request.path}?kind={kind if kind in SourceKind.values else 'case'}")
    form = PullForm(request.GET or {"kind": SourceKind.CASE})
    kind, search = SourceKind.CASE, ""
    if form.is_valid():
        kind, search = form.cleaned_data["kind"], form.cleaned_data["q"]
    pulled = set(project.documents.filter(kind=kind).values_list("origin_id", flat=True))
    rows = queries.candidates(request.user, kind, search)
    for row in rows:
        row["pulled"] = row["id"] in pulled
    return render(
        request,
        "coding/pull.html",
        _context(request, project, form=form, kind=kind, rows=rows),
        status=200 if form.is_valid() or not request.GET else 422,
    )


def _panel_context(request, document, form=None) -> dict:
    project = document.project
    fragments = list(document.fragments.prefetch_related("codes").order_by("start", "id"))
    codes = list(project.codes.order_by("name_key", "id"))
    return _context(
        request,
        project,
        document=document,
        fragments=fragments,
        segments=queries.segments(document, fragments),
        form=form or FragmentForm(codes=codes),
    )


@login_required
@require_GET
def document_detail(request, pk):
    document = _item(request, SourceDocument, pk)
    return render(request, "coding/document.html", _panel_context(request, document))


@login_required
@require_POST
def document_delete(request, pk):
    document = _item(request, SourceDocument, pk)
    project = document.project
    services.delete_document(request.user, document)
    messages.success(request, _("Source removed."))
    return redirect("coding:detail", pk=project.pk)


@login_required
@require_POST
def fragment_create(request, pk):
    """Open coding: the selection (or the typed quote) with its codes. htmx swaps the panel
    (text, form, fragments); without script the page reloads."""
    document = _item(request, SourceDocument, pk)
    require_code_project(request.user, document.project)
    codes = list(document.project.codes.order_by("name_key", "id"))
    form = FragmentForm(request.POST, codes=codes)
    if form.is_valid():
        try:
            services.code_fragment(request.user, document, form.data_for_service())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if not request.htmx:
                messages.success(request, _("Fragment coded."))
                return redirect("coding:document", pk=document.pk)
            form = None
    context = _panel_context(request, document, form)
    template = "coding/_panel.html" if request.htmx else "coding/document.html"
    status = 200 if form is None else 422
    return render(request, template, context, status=status)


@login_required
@require_POST
def fragment_delete(request, pk):
    fragment = _item(request, CodedFragment, pk, via="document__project")
    document = fragment.document
    services.delete_fragment(request.user, fragment)
    if request.htmx:
        return render(request, "coding/_panel.html", _panel_context(request, document))
    return redirect("coding:document", pk=document.pk)


# Codes -----------------------------------------------------------------------------------


@login_required
@require_POST
def code_create(request, pk):
    project = _project(request, pk)
    form = CodeForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors)
        services.create_code(request.user, project, form.cleaned_data)
    except ValidationError as exc:
        _service_messages(request, exc)
    target = "coding:axial" if request.POST.get("next") == "axial" else "coding:detail"
    return redirect(target, pk=project.pk)


@login_required
@require_POST
def code_edit(request, pk):
    """Rename a code, change its memo or its category (each field only when posted)."""
    code = _item(request, OpenCode, pk)
    data = {k: request.POST[k] for k in ("name", "memo", "category") if k in request.POST}
    try:
        services.update_code(request.user, code, data, version=_version(request))
    except ValidationError as exc:
        _service_messages(request, exc)
    except StaleEdit as exc:
        messages.error(request, str(exc))
    target = "coding:axial" if request.POST.get("next") == "axial" else "coding:detail"
    return redirect(target, pk=code.project_id)


def _version(request):
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


@login_required
@require_POST
def code_delete(request, pk):
    code = _item(request, OpenCode, pk)
    services.delete_code(request.user, code)
    messages.success(request, _("Code “%(name)s” deleted.") % {"name": code.name})
    return redirect("coding:detail", pk=code.project_id)


# Axial coding ----------------------------------------------------------------------------


@login_required
@require_GET
def axial(request, pk):
    project = _project(request, pk)
    categories = list(project.categories.prefetch_related("properties"))
    codes = queries.code_counts(project)
    for category in categories:
        category.code_list = [c for c in codes if c.category_id == category.pk]
    relations = list(project.relations.select_related("source", "target"))
    return render(
        request,
        "coding/axial.html",
        _context(
            request,
            project,
            categories=categories,
            codes=codes,
            relations=relations,
            category_form=CategoryForm(),
            property_form=PropertyForm(),
            relation_form=RelationForm(categories=categories),
            step="axial",
        ),
    )


@login_required
@require_POST
def category_create(request, pk):
    project = _project(request, pk)
    form = CategoryForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors)
        category = services.create_category(request.user, project, form.cleaned_data)
    except ValidationError as exc:
        _service_messages(request, exc)
    else:
        messages.success(request, _("Category “%(name)s” created.") % {"name": category.name})
    return redirect("coding:axial", pk=project.pk)


@login_required
@require_POST
def category_edit(request, pk):
    """Rename a category or change its memo."""
    category = _item(request, AxialCategory, pk)
    data = {k: request.POST[k] for k in ("name", "memo") if k in request.POST}
    try:
        services.update_category(request.user, category, data, version=_version(request))
    except ValidationError as exc:
        _service_messages(request, exc)
    except StaleEdit as exc:
        messages.error(request, str(exc))
    return redirect("coding:axial", pk=category.project_id)


@login_required
@require_POST
def category_delete(request, pk):
    category = _item(request, AxialCategory, pk)
    services.delete_category(request.user, category)
    messages.success(request, _("Category “%(name)s” deleted.") % {"name": category.name})
    return redirect("coding:axial", pk=category.project_id)


@login_required
@require_POST
def property_create(request, pk):
    category = _item(request, AxialCategory, pk)
    form = PropertyForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors)
        services.add_property(request.user, category, form.cleaned_data)
    except ValidationError as exc:
        _service_messages(request, exc)
    return redirect("coding:axial", pk=category.project_id)


@login_required
@require_POST
def property_delete(request, pk):
    prop = _item(request, CategoryProperty, pk, via="category__project")
    services.delete_property(request.user, prop)
    return redirect("coding:axial", pk=prop.category.project_id)


@login_required
@require_POST
def relation_create(request, pk):
    project = _project(request, pk)
    data = {k: request.POST.get(k, "") for k in ("source", "target", "kind", "note")}
    try:
        services.add_relation(request.user, project, data)
    except ValidationError as exc:
        _service_messages(request, exc)
    return redirect("coding:axial", pk=project.pk)


@login_required
@require_POST
def relation_delete(request, pk):
    relation = _item(request, CategoryRelation, pk)
    services.delete_relation(request.user, relation)
    return redirect("coding:axial", pk=relation.project_id)


# Selective coding and the tree -----------------------------------------------------------


@login_required
def core(request, pk):
    project = _project(request, pk)
    categories = list(project.categories.all())
    initial = {
        "version": project.version,
        "core_category": project.core_category_id or "",
        "story_line": project.story_line,
    }
    if request.method == "POST":
        require_code_project(request.user, project)
    form = CoreForm(request.POST or None, initial=initial, categories=categories)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in ("core_category", "story_line")}
        try:
            services.set_core(request.user, project, data, version=form.cleaned_data.get("version"))
        except ValidationError as exc:
            add_service_errors(form, exc)
        except StaleEdit as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Core category and story line saved."))
            return redirect("coding:tree", pk=project.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "coding/core.html",
        _context(request, project, form=form, step="core"),
        status=status,
    )


@login_required
@require_GET
def tree(request, pk):
    project = _project(request, pk)
    return render(
        request,
        "coding/tree.html",
        _context(request, project, tree=queries.tree(project), step="tree"),
    )


@login_required
@require_GET
def export(request, pk, fmt):
    project = _project(request, pk)
    body, content_type = exports.render(queries.tree(project), fmt)
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="coding-{project.pk}.{fmt}"'
    return response
