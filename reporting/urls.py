from django.urls import path

from . import views

app_name = "reporting"
urlpatterns = [
    path("projects/", views.project_list, name="projects"),
    path("projects/new/<int:proposal_pk>/", views.project_create, name="project-create"),
    path("projects/<int:pk>/", views.project_detail, name="project"),
    path("reports/<int:pk>/", views.report_detail, name="report"),
    path("reports/<int:pk>/edit/", views.report_edit, name="report-edit"),
    path("reports/<int:pk>/submit/", views.report_submit, name="report-submit"),
    path("reports/<int:pk>/assess/", views.report_assess, name="report-assess"),
    path(
        "reports/<int:pk>/<str:item>/<int:item_pk>/remove/",
        views.report_item_remove,
        name="report-item-remove",
    ),
    path(
        "reports/<int:pk>/attachments/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment-download",
    ),
    path("monitoring/", views.monitoring, name="monitoring"),
    path("exports/", views.exports, name="exports"),
    path("exports/<int:pk>/status/", views.export_status, name="export-status"),
    path("exports/<int:pk>/download/", views.export_download, name="export-download"),
]
