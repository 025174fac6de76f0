from django.urls import path

from abri.audit import views

app_name = "audit"

urlpatterns = [path("admin/audit/", views.event_list_view, name="event_list")]
