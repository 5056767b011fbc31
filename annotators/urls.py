from django.urls import path

from annotators import account_views, views

app_name = "annotators"

urlpatterns = [
    path("consent/", views.consent, name="consent"),
    path("accounts/signup/", account_views.signup, name="signup"),
    path("accounts/login/", account_views.signin, name="login"),
    path("accounts/logout/", account_views.signout, name="logout"),
    path("me/", account_views.me, name="me"),
    path("me/delete/", account_views.me_delete, name="me_delete"),
]
