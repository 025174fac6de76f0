from django.urls import path

from abri.network import views

app_name = "network"

urlpatterns = [
    path("network/", views.board_view, name="board"),
    path("network/capacity/", views.capacity_view, name="capacity"),
    path("network/my-shelters/", views.my_shelters_view, name="my_shelters"),
    path("network/shelters/new/", views.shelter_create_view, name="shelter_create"),
    path("network/shelters/<uuid:pk>/", views.shelter_detail_view, name="shelter_detail"),
    path("network/shelters/<uuid:pk>/edit/", views.shelter_edit_view, name="shelter_edit"),
    path(
        "network/shelters/<uuid:pk>/availability/", views.availability_update_view, name="availability_update"
    ),
    path("directory/", views.directory_view, name="directory"),
    path("directory/<uuid:pk>/", views.directory_detail_view, name="directory_detail"),
    path("network/export/", views.export_view, name="export"),
    path("network/import/", views.import_view, name="import"),
]
