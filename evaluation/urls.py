from django.urls import path

from . import views

app_name = "evaluation"
urlpatterns = [
    path("", views.home, name="home"),
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment"),
    path("assignments/<int:pk>/review/", views.review_form, name="review"),
    path("reviews/<int:pk>/", views.review_detail, name="review_detail"),
    path("calls/<int:pk>/", views.call_evaluation, name="call"),
    path("calls/<int:pk>/ranking/", views.ranking, name="ranking"),
    path("calls/<int:pk>/release/", views.release, name="release"),
    path("proposals/<int:pk>/eligibility/", views.eligibility, name="eligibility"),
    path("proposals/<int:pk>/assign/", views.assign, name="assign"),
    path("proposals/<int:pk>/consensus/", views.consensus, name="consensus"),
    path("selection/<int:call_pk>/", views.selection, name="selection"),
    path("funding/<int:call_pk>/", views.funding, name="funding"),
    path("summary/<int:pk>/", views.summary, name="summary"),
    path("review-requests/", views.review_request_list, name="review_requests"),
    path("review-requests/<int:pk>/", views.review_request_detail, name="review_request"),
]
