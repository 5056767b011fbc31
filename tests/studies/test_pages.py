from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.factories import annotator_create, client_for
from tests.studies.factories import study_ready

pytestmark = pytest.mark.django_db


def test_the_study_page_loads_its_module_and_asks_for_consent_first() -> None:
    study = study_ready(items=1)
    page = client_for(annotator_create()).get(f"/s/{study.slug}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "studies/study.js" in html and "<script>" not in html and "style=" not in html
    newcomer = client_for(annotator_create(consented=False)).get(f"/s/{study.slug}/")
    assert newcomer.status_code == 302 and "consent" in newcomer["Location"]


def test_the_results_page_is_for_researchers() -> None:
    study = study_ready(items=2)
    assert client_for(annotator_create()).get(f"/s/{study.slug}/results").status_code == 302
    admin = Client()
    admin.force_login(User.objects.create_superuser("root", "root@example.org", "x" * 16))
    page = admin.get(f"/s/{study.slug}/results")
    assert page.status_code == 200 and "2 of 2" in page.content.decode()
