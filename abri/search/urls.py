from django.urls import path

from abri.search import views

app_name = "search"

urlpatterns = [
    path("requests/<uuid:pk>/find-a-shelter/", views.find_view, name="find"),
    path("plan/", views.plan_view, name="plan"),
    path("plan/weights/", views.weights_view, name="weights"),
    path("plan/weights/edit/", views.weights_edit_view, name="weights_edit"),
]
