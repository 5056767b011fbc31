from django.urls import path

from annotators import views

app_name = "annotators"

urlpatterns = [path("consent/", views.consent, name="consent")]
