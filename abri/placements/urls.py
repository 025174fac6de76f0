from django.urls import path

from abri.placements import views

app_name = "placements"

urlpatterns = [
    path("requests/<uuid:pk>/propose/", views.propose_view, name="propose"),
    path("requests/<uuid:pk>/disclose/", views.disclose_view, name="disclose"),
    path("placements/", views.inbox_view, name="inbox"),
    path("placements/residents/", views.residents_view, name="residents"),
    path("placements/proposals/<uuid:pk>/", views.proposal_view, name="proposal"),
    path("placements/proposals/<uuid:pk>/action/", views.proposal_action_view, name="proposal_action"),
    path("placements/stays/<uuid:pk>/", views.stay_view, name="stay"),
    path("placements/stays/<uuid:pk>/action/", views.stay_action_view, name="stay_action"),
    path("notifications/", views.notifications_view, name="notifications"),
]
