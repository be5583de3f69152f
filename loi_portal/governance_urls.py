"""URLs of the letter's governance records and of the audit log (namespace ``governance``)."""

from django.urls import path

from . import governance_views as views

app_name = "governance"
urlpatterns = [
    path("letter/", views.letter, name="letter"),
    path("letter/signatures/<int:pk>/receipt/", views.signature_receipt, name="signature_receipt"),
    path("discontinuation/", views.discontinuation, name="discontinuation"),
    path("discontinuation/notice/", views.notice_new, name="notice_new"),
    path("discontinuation/<int:pk>/", views.notice_detail, name="notice_detail"),
    path("discontinuation/<int:pk>/document/", views.notice_document, name="notice_document"),
    path("discontinuation/<int:pk>/decision/", views.decision_new, name="decision_new"),
    path("discontinuation/decisions/<int:pk>/approve/", views.decision_approve, name="decision_approve"),
    path("discontinuation/decisions/<int:pk>/document/", views.decision_document, name="decision_document"),
    path("divergences/", views.divergence_list, name="divergence_list"),
    path("divergences/new/", views.divergence_new, name="divergence_new"),
    path("divergences/<int:pk>/", views.divergence_detail, name="divergence_detail"),
    path("divergences/<int:pk>/position/", views.divergence_position, name="divergence_position"),
    path("divergences/<int:pk>/escalate/", views.divergence_escalate, name="divergence_escalate"),
    path("divergences/<int:pk>/resolve/", views.divergence_resolve, name="divergence_resolve"),
    path("disclosures/", views.disclosure_list, name="disclosure_list"),
    path("disclosures/new/", views.disclosure_new, name="disclosure_new"),
    path("disclosures/<int:pk>/", views.disclosure_detail, name="disclosure_detail"),
    path("disclosures/<int:pk>/document/", views.disclosure_document, name="disclosure_document"),
    path("audit/", views.audit_log, name="audit_log"),
    path("audit/export.csv", views.audit_log_csv, name="audit_log_csv"),
]
