from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register(
    "evaluation/proposal-evaluations",
    views.ProposalEvaluationViewSet,
    basename="evaluation-proposal-evaluation",
)
router.register("evaluation/assignments", views.AssignmentViewSet, basename="evaluation-assignment")
router.register("evaluation/reviews", views.ReviewViewSet, basename="evaluation-review")
router.register("evaluation/consensus", views.ConsensusViewSet, basename="evaluation-consensus")
router.register("evaluation/rankings", views.RankingViewSet, basename="evaluation-ranking")
router.register("evaluation/selections", views.SelectionViewSet, basename="evaluation-selection")
router.register("evaluation/funding-decisions", views.FundingDecisionViewSet, basename="evaluation-funding")
router.register(
    "evaluation/review-requests", views.ReviewRequestViewSet, basename="evaluation-review-request"
)

urlpatterns = router.urls
