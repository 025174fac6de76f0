from django.urls import path

from abri.reports import views

app_name = "reports"

urlpatterns = [
    path("statistics/", views.dashboard_view, name="dashboard"),
    path("statistics/survey.csv", views.survey_csv_view, name="survey_csv"),
    path("statistics/survey.xlsx", views.survey_xlsx_view, name="survey_xlsx"),
    path("statistics/report.pdf", views.annual_pdf_view, name="annual_pdf"),
    path("statistics/observatory/", views.observer_view, name="observer"),
    path("activity/", views.mine_view, name="mine"),
]
