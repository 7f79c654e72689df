from django.urls import path

from . import user_centre as v

urlpatterns = [
    path("", v.HomeView.as_view(), name="si_home"),
    path("login/", v.login_view, name="si_login"),
    path("login/code/", v.login_code_view, name="si_login_code"),
    path("register/", v.register_view, name="si_register"),
    path("register/code/", v.register_code_view, name="si_register_code"),
    path("complete/", v.CompleteView.as_view(), name="si_payer_complete"),
    path("me/", v.ProfileView.as_view(), name="si_profile"),
    path("me/code/", v.MobileCodeView.as_view(), name="si_mobile_code"),
    path("participation/", v.ParticipationView.as_view(), name="si_participation"),
]
