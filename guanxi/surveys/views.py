"""Survey pages (/surveys/) for staff and the customers' answer page (/s/<token>/)."""

import io
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from guanxi.accounts.scope import (
    can_edit_surveys,
    get_segment_or_404,
    get_survey_record_or_404,
    require_survey_editor,
    segment_q,
    survey_records,
)
from guanxi.dataio.exports import _xlsx_row
from guanxi.segments.models import Segment

from . import results as survey_results_module
from . import services
from .forms import InviteForm, QuestionForm, SurveyForm
from .models import (
    COST_PARTS,
    VALUE_PARTS,
    Answer,
    Invitation,
    QuestionKind,
    Survey,
    SurveyStatus,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
INVITATIONS_SHOWN = 200
TEXTS_SHOWN = 100


def _errors_to_form(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _survey(pk) -> Survey:
    return services.get_survey(pk)


@login_required
@require_GET
def survey_list(request):
    surveys = list(Survey.objects.select_related("created_by__profile"))
    context = {"surveys": surveys, "editor": can_edit_surveys(request.user)}
    return render(request, "surveys/list.html", context)


@login_required
def survey_create(request):
    require_survey_editor(request.user)
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            survey = services.create_survey(request.user, form.cleaned_data)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("Survey created: now add its questions."))
            return redirect("surveys:detail", pk=survey.pk)
    return render(request, "surveys/form.html", {"form": form, "survey": None})


@login_required
def survey_edit(request, pk):
    require_survey_editor(request.user)
    survey = _survey(pk)
    initial = {"title": survey.title, "description": survey.description, "kind": survey.kind}
    form = SurveyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_survey(request.user, survey.pk, form.cleaned_data)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("Survey saved."))
            return redirect("surveys:detail", pk=survey.pk)
    return render(request, "surveys/form.html", {"form": form, "survey": survey})


def _invitations(user, survey):
    qs = survey_records(user, Invitation.objects.filter(survey=survey))
    return qs.select_related("customer").order_by("-sent_at", "-id")


def _detail_context(user, survey, question_form=None) -> dict:
    invitations = _invitations(user, survey)
    return {
        "survey": survey,
        "questions": list(survey.questions.all()),
        "editor": can_edit_surveys(user),
        "question_form": question_form or QuestionForm(),
        "invitations": invitations[:INVITATIONS_SHOWN],
        "invited": invitations.count(),
        "answered": invitations.filter(answered_at__isnull=False).count(),
    }


@login_required
@require_GET
def survey_detail(request, pk):
    survey = _survey(pk)
    return render(request, "surveys/detail.html", _detail_context(request.user, survey))


@login_required
@require_POST
def question_add(request, pk):
    require_survey_editor(request.user)
    survey = _survey(pk)
    form = QuestionForm(request.POST)
    if form.is_valid():
        try:
            services.add_question(request.user, survey.pk, form.cleaned_data)
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):  # not a draft any more, too many questions
                return _refusal(request, survey.pk, exc)
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("Question added."))
            return redirect("surveys:detail", pk=survey.pk)
    context = _detail_context(request.user, survey, form)
    return render(request, "surveys/detail.html", context, status=422)


def _refusal(request, pk, exc: ValidationError):
    for message in exc.messages:
        messages.error(request, message)
    return redirect("surveys:detail", pk=pk)


@login_required
@require_POST
def question_delete(request, pk, question_pk):
    require_survey_editor(request.user)
    try:
        services.delete_question(request.user, pk, question_pk)
    except ValidationError as exc:
        return _refusal(request, pk, exc)
    messages.success(request, _("Question deleted."))
    return redirect("surveys:detail", pk=pk)


@login_required
@require_POST
def survey_open(request, pk):
    require_survey_editor(request.user)
    _survey(pk)
    try:
        services.open_survey(request.user, pk)
    except ValidationError as exc:
        return _refusal(request, pk, exc)
    messages.success(request, _("The survey is open: its links take answers."))
    return redirect("surveys:detail", pk=pk)


@login_required
@require_POST
def survey_close(request, pk):
    require_survey_editor(request.user)
    _survey(pk)
    try:
        services.close_survey(request.user, pk)
    except ValidationError as exc:
        return _refusal(request, pk, exc)
    messages.success(request, _("The survey is closed: its links take no more answers."))
    return redirect("surveys:detail", pk=pk)


def _links(request, survey, made):
    rows = [
        (invitation, request.build_absolute_uri(reverse("respond:answer", args=[token])))
        for invitation, token in made
    ]
    return render(request, "surveys/links.html", {"survey": survey, "links": rows})


@login_required
def survey_invite(request, pk):
    require_survey_editor(request.user)
    survey = _survey(pk)
    form = InviteForm(request.POST or None)
    segments = Segment.objects.filter(segment_q(request.user)).order_by("name")
    if request.method == "POST" and form.is_valid():
        refs = [p for p in re.split(r"[\n,，、;；]+", form.cleaned_data["customers"] or "") if p]
        try:
            made = services.invite(
                request.user,
                survey.pk,
                customer_refs=refs,
                segment_pk=form.cleaned_data["segment"],
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            if not made:
                messages.info(
                    request, _("Nobody new to invite: no customer of your scope matched.")
                )
                return redirect("surveys:detail", pk=survey.pk)
            return _links(request, survey, made)
    context = {"survey": survey, "form": form, "segments": segments}
    return render(request, "surveys/invite.html", context)


@login_required
@require_POST
def invitation_link(request, pk):
    require_survey_editor(request.user)
    invitation = get_survey_record_or_404(request.user, Invitation.objects.all(), pk)
    try:
        invitation, token = services.renew_link(request.user, invitation.pk)
    except ValidationError as exc:
        return _refusal(request, invitation.survey_id, exc)
    return _links(request, invitation.survey, [(invitation, token)])


def _segment_of(request):
    raw = request.GET.get("segment") or ""
    if not raw:
        return None
    return get_segment_or_404(request.user, Segment.objects.all(), raw)


@login_required
@require_GET
def survey_results(request, pk):
    survey = _survey(pk)
    segment = _segment_of(request)
    result = survey_results_module.compute(request.user, survey, segment=segment)
    texts = (
        survey_records(
            request.user,
            Answer.objects.filter(response__survey=survey, question__kind=QuestionKind.TEXT),
        )
        .select_related("question")
        .order_by("-response__submitted_at", "-id")[:TEXTS_SHOWN]
    )
    context = {
        "survey": survey,
        "result": result,
        "charts": survey_results_module.charts(result),
        "kano_chart": survey_results_module.kano_chart(result),
        "segments": Segment.objects.filter(segment_q(request.user)).order_by("name"),
        "segment": segment,
        "texts": texts,
    }
    return render(request, "surveys/results.html", context)


def results_tables(result: dict) -> list[tuple[str, list, list]]:
    """(sheet title, headers, rows) of the results, for the XLSX."""
    tables = [
        (
            _("Summary"),
            [_("Measure"), _("Value")],
            [
                [_("Invited"), result["invited"]],
                [_("Responses"), result["responses"]],
                [_("Response rate %"), result["response_rate"]],
            ],
        ),
        (
            _("Ratings"),
            [_("Question"), _("Respondents"), _("Mean"), "1", "2", "3", "4", "5"],
            [
                [r["question"], r["respondents"], r["mean"], *r["distribution"].values()]
                for r in result["ratings"]
            ],
        ),
        (
            _("NPS"),
            [
                _("Question"),
                _("Respondents"),
                _("Promoters"),
                _("Passives"),
                _("Detractors"),
                "NPS",
            ],
            [
                [
                    r["question"],
                    r["respondents"],
                    r.get("promoters"),
                    r.get("passives"),
                    r.get("detractors"),
                    r.get("nps"),
                ]
                for r in result["nps"]
            ],
        ),
        (
            _("Expectation gap"),
            [
                _("Group"),
                _("Attribute"),
                _("Respondents"),
                _("Expected"),
                _("Perceived"),
                "P−E",
                "P/E",
            ],
            [
                [
                    r.get("group", _("All respondents")),
                    r["attribute_name"],
                    r["respondents"],
                    r["expected"],
                    r["perceived"],
                    r["gap"],
                    r["ratio"],
                ]
                for r in [*result["gaps"], *result["gaps_by_segment"]]
            ],
        ),
        (
            _("KANO"),
            [_("Priority"), _("Feature"), _("Category"), "Better", "Worse", *KANO_CATEGORIES()],
            [
                [
                    k["priority"],
                    k["feature"],
                    k["category_name"],
                    k["better"],
                    k["worse"],
                    *k["counts"].values(),
                ]
                for k in result["kano"]
            ],
        ),
    ]
    value = result["delivered_value"]
    if value:
        tables.append(
            (
                _("Delivered value"),
                [_("Measure"), _("Value")],
                [
                    [_("Respondents"), value["respondents"]],
                    *[[p["name"], p["mean"]] for p in value["parts"]],
                    [_("Total customer value"), value["total_value"]],
                    [_("Total customer cost"), value["total_cost"]],
                    [_("Delivered value"), value["delivered_value"]],
                ],
            )
        )
    peak_end = result["peak_end"]
    if peak_end:
        tables.append(
            (
                _("Peak-end"),
                [
                    _("Touchpoint"),
                    _("Named as peak"),
                    _("Rating at peak"),
                    _("Overall rating (peak)"),
                    _("Named as end"),
                    _("Rating at end"),
                    _("Overall rating (end)"),
                ],
                [list(row.values()) for row in peak_end["touchpoints"]],
            )
        )
    return tables


def KANO_CATEGORIES():  # noqa: N802 - the category names, as the engine spells them
    from guanxi.analytics.kano import CATEGORIES

    return list(CATEGORIES)


@login_required
@require_GET
def survey_results_xlsx(request, pk):
    from openpyxl import Workbook

    survey = _survey(pk)
    result = survey_results_module.compute(request.user, survey, segment=_segment_of(request))
    book = Workbook(write_only=True)
    about = book.create_sheet(title=str(_("Survey"))[:31])
    about.append(_xlsx_row(about, [str(_("Survey")), survey.title]))
    about.append(_xlsx_row(about, [str(_("Status")), str(survey.get_status_display())]))
    if result["segment"]:
        about.append(_xlsx_row(about, [str(_("Segment")), result["segment"]]))
    for title, headers, rows in results_tables(result):
        sheet = book.create_sheet(title=str(title)[:31])
        sheet.append(_xlsx_row(sheet, [str(h) for h in headers]))
        for row in rows:
            sheet.append(_xlsx_row(sheet, [str(v) if isinstance(v, Promise) else v for v in row]))
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="guanxi-survey-{survey.pk}.xlsx"'
    return response


# The customers' answer page -----------------------------------------------------------------


def _posted_answers(post, questions) -> dict:
    data = {}
    for q in questions:
        key = f"q{q.pk}"
        data[q.pk] = {
            "value": post.get(key, ""),
            "value2": post.get(f"{key}_2", ""),
            "choice": post.get(f"{key}_choice", ""),
            "text": post.get(f"{key}_text", ""),
            "parts": {
                part: post.get(f"{key}_{part}", "") for part, _label in (*VALUE_PARTS, *COST_PARTS)
            },
        }
    return data


def _unavailable(request, message: str, status: int):
    return render(request, "surveys/public_message.html", {"message": message}, status=status)


@never_cache
def public_answer(request, token):
    """The survey behind a link, for the customer: its title, introduction and questions, no
    customer data. GET shows it, POST (CSRF-protected) stores the answers once."""
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponse(status=405)
    invitation = services.invitation_for_token(token)
    if invitation is None:
        return _unavailable(request, _("This survey link is not valid."), 404)
    survey = invitation.survey
    if invitation.answered_at is not None:
        return _unavailable(
            request, _("This link has been used already: thank you for answering."), 410
        )
    if survey.status == SurveyStatus.CLOSED:
        return _unavailable(request, _("This survey is closed and takes no more answers."), 410)
    if survey.status != SurveyStatus.OPEN:
        return _unavailable(request, _("This survey is not open yet."), 404)
    questions = list(survey.questions.all())
    errors, posted = {}, {}
    if request.method == "POST":
        posted = _posted_answers(request.POST, questions)
        try:
            services.submit_answers(token, posted, language=get_language() or "")
        except services.SurveyUnavailable as exc:
            return _unavailable(request, str(exc), 410)
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            return redirect("respond:thanks")
    for q in questions:
        q.error = (errors.get(f"q{q.pk}") or [""])[0]
        q.given = posted.get(q.pk, {})
        q.field_value, q.field_value2 = f"q{q.pk}", f"q{q.pk}_2"
        q.scale_values = [str(n) for n in range(1, q.scale + 1)]
        if q.kind == QuestionKind.VALUE:
            parts = q.given.get("parts", {})
            q.value_parts = [(f"q{q.pk}_{p}", label, parts.get(p, "")) for p, label in VALUE_PARTS]
            q.cost_parts = [(f"q{q.pk}_{p}", label, parts.get(p, "")) for p, label in COST_PARTS]
    context = {
        "survey": survey,
        "questions": questions,
        "has_errors": bool(errors),
        "kano_answers": [
            ("1", _("I like it")),
            ("2", _("I expect it")),
            ("3", _("I am neutral")),
            ("4", _("I can live with it")),
            ("5", _("I dislike it")),
        ],
        "ratings": [str(n) for n in range(1, 6)],
        "nps_scale": [str(n) for n in range(11)],
    }
    return render(request, "surveys/public_answer.html", context, status=422 if errors else 200)


@require_GET
def public_thanks(request):
    return render(
        request,
        "surveys/public_message.html",
        {"message": _("Thank you for your answers!"), "thanks": True},
    )
