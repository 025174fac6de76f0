from django.urls import path

from abri.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("login/verify/", views.verify_view, name="verify"),
    path("login/enrol/", views.enrol_view, name="enrol"),
    path("login/recovery-codes/", views.recovery_codes_view, name="recovery_codes"),
    path("step-up/", views.step_up_view, name="step_up"),
    path("account/security/", views.security_view, name="security"),
    path("invitation/<str:token>/", views.invitation_accept_view, name="invitation_accept"),
    path("admin/organisations/", views.organisation_list_view, name="organisation_list"),
    path("admin/organisations/new/", views.organisation_create_view, name="organisation_create"),
    path("admin/organisations/<uuid:pk>/", views.organisation_detail_view, name="organisation_detail"),
    path("admin/organisations/<uuid:pk>/invite/", views.invite_view, name="invite"),
    path("admin/users/<uuid:pk>/deactivate/", views.user_deactivate_view, name="user_deactivate"),
    path("admin/users/<uuid:pk>/second-factor-reset/", views.user_mfa_reset_view, name="user_mfa_reset"),
]
