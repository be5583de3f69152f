from django.urls import path

from . import views

app_name = "calls"
urlpatterns = [
    path("", views.call_list, name="list"),
    path("new/", views.call_create, name="create"),
    path("<int:pk>/", views.call_detail, name="detail"),
    path("<int:pk>/deadline.ics", views.call_ics, name="ics"),
    path("<int:pk>/documents/", views.call_documents, name="documents"),
    path("<int:pk>/documents/<int:document_pk>/", views.call_document_download, name="document_download"),
    path("<int:pk>/documents/<int:document_pk>/remove/", views.call_document_remove, name="document_remove"),
    path("<int:pk>/edit/", views.call_edit, name="edit"),
    path("<int:pk>/approve-text/", views.call_approve_text, name="approve_text"),
    path("<int:pk>/transition/<str:to>/", views.call_transition, name="transition"),
    path("<int:pk>/deadline-change/", views.deadline_change_request, name="deadline_change"),
    path("deadline-changes/<int:pk>/approve/", views.deadline_change_approve, name="deadline_change_approve"),
    path(
        "deadline-changes/<int:pk>/withdraw/", views.deadline_change_withdraw, name="deadline_change_withdraw"
    ),
    path("topics/", views.topic_list, name="topic_list"),
    path("topics/new/", views.topic_create, name="topic_create"),
    path("topics/<int:pk>/", views.topic_detail, name="topic_detail"),
    path("topics/<int:pk>/edit/", views.topic_edit, name="topic_edit"),
    path("topics/<int:pk>/agree/", views.topic_agree, name="topic_agree"),
    path("topics/<int:pk>/ask-experts/", views.topic_request_opinion, name="topic_request_opinion"),
    path("opinions/<int:pk>/", views.opinion_answer, name="opinion_answer"),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/new/", views.plan_create, name="plan_create"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/new-version/", views.plan_new_version, name="plan_new_version"),
    path("plan-versions/<int:pk>/approve/", views.plan_version_approve, name="plan_version_approve"),
]
