from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from studies.models import StudyItem
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


def test_a_researcher_uploads_from_the_results_page_and_sees_each_bad_line() -> None:
    study = study_ready(items=1)
    admin = Client()
    admin.force_login(User.objects.create_superuser("root2", "r2@example.org", "x" * 16))
    bad = admin.post(f"/s/{study.slug}/upload",
                     {"file": SimpleUploadedFile("p.jsonl", b'{"text": ""}\n')}, follow=True)
    assert "line 1: &quot;text&quot; is missing or empty" in bad.content.decode()
    assert StudyItem.objects.filter(study=study).count() == 1
    good = admin.post(f"/s/{study.slug}/upload",
                      {"file": SimpleUploadedFile("p.csv", b"text\nOne more\n")}, follow=True)
    assert "1 prompts imported" in good.content.decode()
    assert StudyItem.objects.filter(study=study).count() == 2
    anonymous = Client().post(f"/s/{study.slug}/upload",
                              {"file": SimpleUploadedFile("p.csv", b"text\nx\n")})
    assert anonymous.status_code == 302 and StudyItem.objects.filter(study=study).count() == 2
