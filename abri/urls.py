from django.urls import include, path
from django.views.i18n import set_language

from abri.accounts import passkeys
from abri.core import views as core_views

urlpatterns = [
    path("", core_views.home_view, name="home"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("", include("abri.accounts.urls")),
    path("", include("abri.audit.urls")),
    path("", include("abri.network.urls")),
    path("", include("abri.referrals.urls")),
    path("", include("abri.search.urls")),
    path("", include("abri.placements.urls")),
    path("", include("abri.support.urls")),
    path("", include("abri.training.urls")),
    path("", include("abri.reports.urls")),
    path("webauthn/", include((passkeys.urlpatterns, "otp_webauthn"))),
]

handler404 = "abri.core.views.not_found_view"
handler500 = "abri.core.views.server_error_view"
