"""The oversight dashboard, its tables as CSV, and the streamed exports.

Who may see what is decided once, in approvals.oversight.oversight_scope; every view here asks
it, and a desk outside the scope is a form error (the desk field offers only desks in scope),
so no path shows a desk's figures to someone who may not see them. Bad dates are a 400 naming
the problem, never a 500.
"""

from datetime import date, timedelta

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from approvals import exports, oversight
from approvals.models import Desk
from approvals.oversight import MAX_DAYS, Period, Scope

EARLIEST, LATEST = date(2000, 1, 1), date(2999, 12, 31)


def _date_field(label) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        validators=[MinValueValidator(EARLIEST), MaxValueValidator(LATEST)],
        error_messages={"invalid": gettext_lazy("Enter a date as YYYY-MM-DD.")},
    )


class PeriodForm(forms.Form):
    """A date range (default: the last 30 days) and, optionally, one desk in scope."""

    desk = forms.ModelChoiceField(
        label=gettext_lazy("Desk"),
        queryset=Desk.objects.none(),
        required=False,
        empty_label=gettext_lazy("All my desks"),
        error_messages={
            "invalid_choice": gettext_lazy("Choose one of the desks listed: you may see those.")
        },
    )

    def __init__(self, *args, desks: QuerySet[Desk], every_desk: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["desk"].queryset = desks
        if every_desk:
            self.fields["desk"].empty_label = gettext_lazy("All desks")
        # "from" is a keyword: both date fields are added here, named as in the address.
        self.fields["from"] = _date_field(gettext_lazy("From"))
        self.fields["to"] = _date_field(gettext_lazy("To"))
        self.order_fields(["from", "to", "desk"])

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        today = timezone.localdate()
        last = data.get("to") or today
        first = data.get("from") or last - timedelta(days=oversight.DEFAULT_DAYS - 1)
        if first > last:
            raise forms.ValidationError(
                _("The start date %(from)s is after the end date %(to)s.")
                % {"from": first.isoformat(), "to": last.isoformat()},
                code="order",
            )
        if (last - first).days + 1 > MAX_DAYS:
            raise forms.ValidationError(
                _("Choose at most %(days)s days at a time.") % {"days": MAX_DAYS},
                code="too_long",
            )
        data["period"] = Period(first=first, last=last)
        return data


def _scope(request: HttpRequest) -> Scope:
    scope = oversight.oversight_scope(user=request.user)
    if scope is None:
        raise PermissionDenied(_("The oversight pages are for reviewers and operators."))
    return scope


def _bad_request(form: PeriodForm) -> HttpResponseBadRequest:
    messages = [str(e) for errors in form.errors.values() for e in errors]
    return HttpResponseBadRequest(
        "\n".join(messages) + "\n", content_type="text/plain; charset=utf-8"
    )


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    default = Period.last_days()
    form = PeriodForm(
        request.GET or None,
        desks=scope.desks(),
        every_desk=scope.every_desk,
        initial={"from": default.first, "to": default.last},
    )
    if form.is_bound and not form.is_valid():
        if request.GET.get("format") == "csv":
            return _bad_request(form)
        return render(
            request, "approvals/oversight.html", {"form": form, "sections": []}, status=400
        )
    data = form.cleaned_data if form.is_bound else {}
    period = data.get("period") or default
    desk = data.get("desk")
    available = oversight.sections(scope=scope, period=period, desk=desk)
    if request.GET.get("format") == "csv":
        key = request.GET.get("section", "")
        if key not in available:
            raise Http404(_("No such table."))
        header, rows = exports.section_rows(available[key]())
        return exports.csv_response(
            f"oversight-{key}-{period.first}-{period.last}.csv", header, rows
        )
    query = request.GET.copy()
    query.pop("section", None)
    query["format"] = "csv"
    return render(
        request,
        "approvals/oversight.html",
        {
            "form": form,
            "period": period,
            "desk": desk,
            "scope": scope,
            "sections": [make() for make in available.values()],
            "csv_query": query.urlencode(),
            "may_export_audit": oversight.may_export_audit(request.user),
        },
    )


def _export_period(request: HttpRequest, scope: Scope) -> tuple[PeriodForm, Period | None]:
    form = PeriodForm(request.GET, desks=scope.desks(), every_desk=scope.every_desk)
    if not form.is_valid():
        return form, None
    return form, form.cleaned_data["period"]


@login_required
@require_GET
def export_decisions(request: HttpRequest) -> HttpResponse:
    """Every decision of the range on the desks the user may oversee, as CSV, streamed."""
    scope = _scope(request)
    form, period = _export_period(request, scope)
    if period is None:
        return _bad_request(form)
    desk = form.cleaned_data.get("desk")
    rows = exports.decision_rows(scope=scope, period=period, desk_id=desk.pk if desk else None)
    return exports.csv_response(
        f"decisions-{period.first}-{period.last}.csv", exports.DECISION_COLUMNS, rows
    )


@login_required
@require_GET
def export_audit(request: HttpRequest) -> HttpResponse:
    """The whole audit trail of the range (account decisions too): operators only."""
    scope = _scope(request)
    if not oversight.may_export_audit(request.user):
        raise PermissionDenied(_("The audit export is for operators."))
    form, period = _export_period(request, scope)
    if period is None:
        return _bad_request(form)
    rows = exports.audit_rows(period=period)
    return exports.csv_response(
        f"audit-{period.first}-{period.last}.csv", exports.AUDIT_COLUMNS, rows
    )
