from django.urls import path

from abri.referrals import views

app_name = "referrals"

urlpatterns = [
    path("requests/", views.worklist_view, name="worklist"),
    path("requests/mine/", views.my_requests_view, name="mine"),
    path("requests/new/", views.new_request_view, name="new"),
    path("requests/<uuid:pk>/", views.detail_view, name="detail"),
    path("requests/<uuid:pk>/step/<int:step>/", views.step_view, name="step"),
    path("requests/<uuid:pk>/transition/", views.transition_view, name="transition"),
    path("requests/<uuid:pk>/message/", views.message_view, name="message"),
    path("requests/<uuid:pk>/zones/", views.zones_view, name="zones"),
    path("requests/<uuid:pk>/duplicate/", views.duplicate_view, name="duplicate"),
    path("requests/<uuid:pk>/attachments/", views.attachment_upload_view, name="attachment_upload"),
    path("attachments/<uuid:pk>/", views.attachment_download_view, name="attachment"),
    path("persons/<uuid:pk>/export/", views.person_export_view, name="person_export"),
    path("persons/<uuid:pk>/erase/", views.person_erase_view, name="person_erase"),
]
