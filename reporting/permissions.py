"""Predicates of reporting: ``can_<verb>(user, obj) -> bool``.

Projects are read by the consortium members of their proposal and by the officers of both Sides
(officers run the joint programme together); observers read only aggregates (dashboard, reports)."""

from proposals.enums import MemberRole, ProposalState

from .enums import PDF_KINDS, ReportState


def is_officer(user) -> bool:
    return bool(user.is_authenticated and user.side_id and user.is_officer)


def is_member(user, project) -> bool:
    if not (user.is_authenticated and user.side_id):
        return False
    return project.proposal.members.filter(user=user).exists()


def is_coordinator(user, project) -> bool:
    if not (user.is_authenticated and user.side_id):
        return False
    return project.proposal.members.filter(user=user, role=MemberRole.COORDINATOR).exists()


def can_list_projects(user) -> bool:
    """The project pages are for officers and researchers (members); observers read aggregates."""
    return bool(user.is_authenticated and user.side_id and (user.is_officer or user.is_researcher))


def can_view_project(user, project) -> bool:
    return is_officer(user) or is_member(user, project)


def can_create_project(user, proposal) -> bool:
    return is_officer(user) and proposal.state == ProposalState.SELECTED and not hasattr(proposal, "project")


def can_change_project(user, project) -> bool:
    return is_officer(user)


def can_view_report(user, report) -> bool:
    return can_view_project(user, report.project)


def can_edit_report(user, report) -> bool:
    """The coordinators of both Sides co-author a report while it is a draft."""
    return report.state == ReportState.DRAFT and is_coordinator(user, report.project)


def can_submit_report(user, report) -> bool:
    return can_edit_report(user, report)


def can_assess_report(user, report) -> bool:
    """An officer of a Side that has not yet assessed the submitted version."""
    if not is_officer(user) or report.state == ReportState.DRAFT or report.submitted_version == 0:
        return False
    return not report.assessments.filter(version=report.submitted_version, side_id=user.side_id).exists()


def can_view_assessments(user, report) -> bool:
    """Assessments are the officers' work; coordinators see the joint rating only."""
    return is_officer(user)


def can_view_monitoring(user) -> bool:
    return bool(user.is_authenticated and user.side_id and (user.is_officer or user.is_observer))


def can_record_exchange_rate(user, obj=None) -> bool:
    return is_officer(user)


def can_read_exchange_rates(user, obj=None) -> bool:
    """The rates are named on the monitoring pages: who reads those reads them."""
    return can_view_monitoring(user)


def can_remove_attachment(user, attachment) -> bool:
    return can_edit_report(user, attachment.report)


def can_start_export(user, kind: str) -> bool:
    """Officers export everything; observers the aggregate PDF reports meant for them."""
    if is_officer(user):
        return True
    return bool(user.is_authenticated and user.side_id and user.is_observer and kind in PDF_KINDS)


def can_view_export(user, job) -> bool:
    return bool(user.is_authenticated and job.requested_by_id == user.pk)


def can_download_export(user, job) -> bool:
    return can_view_export(user, job) and bool(job.file)
