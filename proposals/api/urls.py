from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("proposals", views.ProposalViewSet, basename="proposal")
router.register("partners", views.PartnerViewSet, basename="partner")
router.register("annexes", views.AnnexViewSet, basename="annex")
router.register("submissions", views.SubmissionViewSet, basename="submission")

urlpatterns = router.urls
