from django.urls import path

from . import views

app_name = "proposals"
urlpatterns = [
    path("", views.my_proposals, name="mine"),
    path("start/<int:call_pk>/", views.start, name="start"),
    path("call/<int:call_pk>/", views.call_proposals, name="call_list"),
    path("invitation/<uuid:token>/", views.accept_invitation, name="accept_invitation"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/autosave/", views.autosave, name="autosave"),
    path("<int:pk>/annexes/", views.annexes, name="annexes"),
    path("<int:pk>/annexes/<int:annex_pk>/download/", views.annex_download, name="annex_download"),
    path("<int:pk>/annexes/<int:annex_pk>/remove/", views.annex_remove, name="annex_remove"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/receipt/<int:version>/", views.receipt, name="receipt"),
    path("<int:pk>/receipt/<int:version>/pdf/", views.receipt_pdf, name="receipt_pdf"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/invite/", views.invite, name="invite"),
    path("<int:pk>/late-exceptions/", views.late_exceptions, name="late_exceptions"),
]
