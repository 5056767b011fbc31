"""The researcher's analysis over real judgements: board, agreement, outliers, spread, CSV,
and delete-my-data."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from annotators.services.profile import annotator_data_delete
from studies.analysis import study_analysis
from studies.models import Judgement, StudyCandidate, StudySkip
from studies.services.assignment import slot_claim
from studies.services.judgement import judgement_submit, slot_skip
from tests.factories import annotator_create
from tests.studies.factories import study_ready

pytestmark = pytest.mark.django_db


def test_the_board_ranks_the_preferred_model_first_and_flags_the_contrarian() -> None:
    study = study_ready(items=6, k=3, overlap=4, vote_format="rank")
    favourite = StudyCandidate.objects.filter(item__study=study, position=2).first()
    assert favourite is not None
    people = [annotator_create() for _ in range(4)]
    for person_index, person in enumerate(people):
        while (slot := slot_claim(study=study, annotator=person)) is not None:
            ranking = [2, 1, 0] if person_index < 3 else [0, 1, 2]
            judgement_submit(slot_id=slot.pk, annotator=person, ranking=ranking)
    analysis = study_analysis(study=study)
    assert analysis["judgements"] == 24
    assert analysis["method"] == "plackett_luce"
    assert analysis["board"][0]["model"] == favourite.contender.slug
    assert analysis["pairwise_check"][0]["model"] == favourite.contender.slug
    # Every item: best = [2, 2, 2, 0]. Coincidences over 6 items: o_22 = 12, o_20 = o_02 = 6,
    # n_2 = 18, n_0 = 6, n = 24: alpha = 1 - 23 * 12 / (2 * 18 * 6) = -5/18. The same split on
    # every item is systematic disagreement, which alpha scores below zero.
    assert analysis["alpha"] == pytest.approx(-5 / 18)
    # Ranks per answer on each item: [3, 3, 3, 1], [2, 2, 2, 2], [1, 1, 1, 3]. Over 6 items
    # o_13 = o_31 = 12, n_1 = n_2 = n_3 = 24, n = 72; ordinal d_13 = (72 - 24)^2 = 2304,
    # d_12 = d_23 = 24^2: alpha = 1 - 71 * 24 * 2304 / (576 * (4 * 576 + 2 * 2304)) = 1/72.
    # The positions mostly agree (unlike the best answer), so it is barely above zero.
    assert analysis["rank_alpha"] == pytest.approx(1 / 72)
    flagged = [a for a in analysis["annotators"] if a["outlier"]]
    assert [a["annotator"] for a in flagged] == [str(people[3].pk)[:8]]
    assert all(row["best"]["2"] == 3 and row["best"]["0"] == 1
               for row in analysis["distribution"])
    admin = Client()
    admin.force_login(User.objects.create_superuser("root", "root@example.org", "x" * 16))
    csv_text = admin.get(f"/api/studies/{study.slug}/board.csv").content.decode()
    assert csv_text.splitlines()[0] == "aspect,rank,model,rating,lower,upper,votes"
    assert favourite.contender.slug in csv_text.splitlines()[1]
    page = admin.get(f"/s/{study.slug}/results").content.decode()
    assert "full rankings, ordinal" in page
    assert "Krippendorff" in page and favourite.contender.slug in page and "outlier" in page


def test_deleted_data_leaves_the_analysis_and_its_words_are_scrubbed() -> None:
    study = study_ready(items=2, k=2, overlap=2)
    alice, bob = annotator_create(), annotator_create()
    first = slot_claim(study=study, annotator=alice)
    assert first is not None
    slot_skip(slot_id=first.pk, annotator=alice, reason="my own words")
    for person in (alice, bob):
        slot = slot_claim(study=study, annotator=person)
        assert slot is not None
        judgement_submit(slot_id=slot.pk, annotator=person, ranking=[0], explanation="mine")
    annotator_data_delete(annotator=alice)
    assert Judgement.objects.get(annotator=alice).explanation == ""
    assert StudySkip.objects.get(annotator=alice).reason == ""
    assert study_analysis(study=study)["judgements"] == 1


def test_a_best_of_k_study_is_ranked_by_top_one_plackett_luce() -> None:
    study = study_ready(items=6, k=3, overlap=4, vote_format="best")
    favourite = StudyCandidate.objects.filter(item__study=study, position=2).first()
    assert favourite is not None
    for person_index in range(4):
        person = annotator_create()
        while (slot := slot_claim(study=study, annotator=person)) is not None:
            judgement_submit(slot_id=slot.pk, annotator=person,
                             ranking=[2] if person_index < 3 else [0])
    analysis = study_analysis(study=study)
    assert analysis["method"] == "plackett_luce_top1" and "unordered" in analysis["note"]
    board = {row["model"]: row for row in analysis["board"]}
    assert analysis["board"][0]["model"] == favourite.contender.slug
    never = StudyCandidate.objects.get(item__study=study, item__position=0, position=1)
    chosen_once = StudyCandidate.objects.get(item__study=study, item__position=0, position=0)
    # Never chosen is not "tied with" the one chosen sometimes: the choices order them.
    assert board[chosen_once.contender.slug]["rating"] > board[never.contender.slug]["rating"]
