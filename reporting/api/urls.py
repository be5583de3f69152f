from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("projects", views.ProjectViewSet, basename="project")
router.register("reports", views.PeriodicReportViewSet, basename="report")
router.register("report-attachments", views.ReportAttachmentViewSet, basename="report-attachment")
router.register("exchange-rates", views.ExchangeRateViewSet, basename="exchange-rate")
router.register("assessments", views.AssessmentViewSet, basename="assessment")
router.register("exports", views.ExportJobViewSet, basename="export-job")

urlpatterns = router.urls
