"""The officers' operations page: deadline countdowns, the outbox and failed jobs."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .models import OutboxStatus
from .notifications import retry_outbox_message
from .operations import (
    can_view_operations,
    failed_jobs_for_user,
    outbox_counts,
    outbox_for_user,
    scheduled_calls_for_user,
)


@login_required
def operations(request):
    if not can_view_operations(request.user):
        raise Http404
    status = request.GET.get("status", "")
    q = request.GET.get("q", "").strip()
    page = Paginator(outbox_for_user(request.user, status=status, q=q), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "loi_portal/operations.html",
        {
            "calls": scheduled_calls_for_user(request.user),
            "counts": outbox_counts(request.user),
            "page": page,
            "status": status,
            "q": q,
            "statuses": OutboxStatus.choices,
            "failed_jobs": failed_jobs_for_user(request.user),
        },
    )


@login_required
@require_POST
def retry_outbox(request, pk: int):
    message = get_object_or_404(outbox_for_user(request.user, status=OutboxStatus.FAILED), pk=pk)
    retry_outbox_message(message, by=request.user)
    messages.success(request, _("The e-mail to %(to)s is queued again.") % {"to": message.to_address})
    return redirect("operations")
