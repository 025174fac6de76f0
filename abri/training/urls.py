from django.urls import path

from abri.training import views

app_name = "training"

urlpatterns = [
    path("training/", views.session_list_view, name="session_list"),
    path("training/new/", views.session_create_view, name="session_create"),
    path("training/mine/", views.my_trainings_view, name="mine"),
    path("training/shelters/", views.shelter_status_view, name="shelter_status"),
    path("training/sessions/<uuid:pk>/", views.session_detail_view, name="session_detail"),
    path("training/sessions/<uuid:pk>/edit/", views.session_edit_view, name="session_edit"),
    path("training/sessions/<uuid:pk>/attendances/", views.attendance_add_view, name="attendance_add"),
    path(
        "training/sessions/<uuid:pk>/attendances/update/",
        views.attendance_update_view,
        name="attendance_update",
    ),
    path("training/attendances/<uuid:pk>/certificate/", views.certificate_view, name="certificate"),
]
