from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("topics", views.TopicViewSet, basename="topic")
router.register("opinions", views.OpinionViewSet, basename="opinion")
router.register("plans", views.PlanViewSet, basename="plan")
router.register("plan-versions", views.PlanVersionViewSet, basename="plan-version")
router.register("calls", views.CallViewSet, basename="call")
router.register("call-documents", views.CallDocumentViewSet, basename="call-document")
router.register("deadline-changes", views.DeadlineChangeViewSet, basename="deadline-change")

urlpatterns = router.urls
