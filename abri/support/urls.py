from django.urls import path

from abri.support import views

app_name = "support"

urlpatterns = [
    path("support/", views.people_view, name="people"),
    path("support/new/", views.person_new_view, name="person_new"),
    path("support/calendar/", views.calendar_view, name="calendar"),
    path("support/people/<uuid:pk>/", views.record_view, name="record"),
    path("support/people/<uuid:pk>/add/<slug:kind>/", views.add_view, name="add"),
    path("support/cases/<uuid:pk>/add/<slug:kind>/", views.case_add_view, name="case_add"),
    path("support/<slug:kind>/<uuid:pk>/edit/", views.edit_view, name="edit"),
    path("support/follows/<uuid:pk>/end/", views.follow_end_view, name="follow_end"),
    path("support/incidents/<uuid:pk>/move/", views.emergency_move_view, name="emergency_move"),
]
