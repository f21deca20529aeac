"""The permission matrix: every route × every cast member, on objects in and out of their scope.

Expected codes follow one rule: no credentials → 401; a record outside the reader's scope (or nonexistent)
→ 404, so a 404 never confirms that a record exists; a record the reader sees but may not act on, or a role
that never may → 403. Subjects are person_a and their assessment (Tổ 1 of Phường Tô Hiệu, commune A), and
in the "subjects" state the household person_a heads there (with its draft assessment), a clan and an
organisation of commune A; officer_b and head_b work in commune B.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.utils import timezone

from learningcity.recognition import services
from learningcity.recognition.models import (
    Assessment,
    Clan,
    Household,
    Organisation,
    OrganisationKind,
    OrganisationMembership,
    Person,
    Status,
)
from learningcity.text import fold

from ..cast import GOOD_ANSWERS, Cast
from ..recognition.test_intake import submission_receive
from ..recognition.test_subject_assessment_pages import ALL_MET, household_assessment, households_for
from .conftest import MEMBERS, NOTES, STATES, call, client_for, draft

Path = Callable[[Cast, Any], str]
Body = Callable[[Cast, Any], Any]


@dataclass
class Route:
    method: str
    path: Path
    expected: dict[str, int]
    state: str = "none"
    body: Body | None = None
    anonymous: int = 401
    default: int = 200  # members not named in `expected`

    def status_for(self, member: str) -> int:
        if member == "anonymous":
            return self.anonymous
        return self.expected.get(member, self.default)


@dataclass
class Expect:
    """Codes for the cast: `ok` members get `ok_status`, `hidden` 404, `refused` 403."""

    ok: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()
    refused: tuple[str, ...] = ()
    ok_status: int = 200
    codes: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.codes = {
            **dict.fromkeys(self.ok, self.ok_status),
            **dict.fromkeys(self.hidden, 404),
            **dict.fromkeys(self.refused, 403),
        }
        missing = set(MEMBERS) - {"anonymous"} - set(self.codes)
        assert not missing, f"no expectation for {missing}"


OUT_OF_COMMUNE_A = ("officer_b", "head_b", "expert", "outsider")
READERS_OF_A = ("citizen_a", "head_a", "officer_a", "province")
ALL = tuple(m for m in MEMBERS if m != "anonymous")


def _campaign_body(cast: Cast, _: Any) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "name": "Gia đình học tập",
        "year": today.year,
        "territory_id": cast.son_la.pk,
        "framework_ids": [cast.framework.pk],
        "opens_on": str(today),
        "submission_deadline": str(today + dt.timedelta(days=10)),
        "review_deadline": str(today + dt.timedelta(days=20)),
    }


def _enrol_body(cast: Cast, _: Any) -> dict[str, Any]:
    return {"unit_id": cast.hamlet_a.pk, "full_name": "Cầm Văn Hùng", "consent_confirmed": True, "sex": "M"}


def _start_body(cast: Cast, _: Any) -> dict[str, Any]:
    return {
        "campaign_id": cast.campaign.pk,
        "person_id": cast.person_a.pk,
        "framework_id": cast.framework.pk,
        "group": "g1",
    }


def _on(suffix: str = "") -> Path:
    return lambda cast, assessment: f"/api/assessments/{assessment.pk}{suffix}"


def subjects(cast: Cast) -> Assessment:
    """Commune A's household (headed by person_a, with its draft), clan and organisation; B's household."""
    households = households_for(cast)
    clan = Clan.objects.create(unit=cast.commune_a, name="Dòng họ Lò", name_folded=fold("Dòng họ Lò"))
    Household.objects.filter(pk=households.household_a.pk).update(clan=clan)
    school = Organisation.objects.create(
        unit=cast.commune_a,
        name="Trường Tiểu học Tô Hiệu",
        name_folded="truong",
        kind=OrganisationKind.SCHOOL,
    )
    OrganisationMembership.objects.create(organisation=school, person=cast.person_a, position="Giáo viên")
    return household_assessment(cast, households)


def _household_start_body(cast: Cast, assessment: Assessment) -> dict[str, Any]:
    return {
        "campaign_id": cast.campaign.pk,
        "framework_version_id": assessment.framework_version_id,
        "subject_kind": "household",
        "subject_id": assessment.household_id,
    }


def _clan_path(cast: Cast, assessment: Assessment) -> str:
    return f"/api/clans/{Clan.objects.get(households__pk=assessment.household_id).pk}"


def _organisation_path(cast: Cast, assessment: Assessment) -> str:
    return f"/api/organisations/{Organisation.objects.get(members=cast.person_a).pk}"


def subjects_filled(cast: Cast) -> Assessment:
    return services.assessment_save(actor=cast.citizen_a, assessment=subjects(cast), answers=ALL_MET)


def received(cast: Cast) -> Assessment:
    """person_a's draft with a submission from citizen_a waiting in the intake."""
    assessment = draft(cast)
    submission_receive(actor=cast.citizen_a, assessment=assessment, answers=GOOD_ANSWERS, notes=NOTES)
    return assessment


STATES = {**STATES, "subjects": subjects, "subjects_filled": subjects_filled, "received": received}
EDITORS_OF_A = ("citizen_a", "head_a", "officer_a")


ROUTES: dict[str, Route] = {
    "units_list": Route("GET", lambda c, a: "/api/units?q=to hieu", {}),
    "units_get": Route("GET", lambda c, a: f"/api/units/{c.commune_a.pk}", {}),
    "units_children": Route("GET", lambda c, a: f"/api/units/{c.commune_a.pk}/children", {}),
    "frameworks_list": Route("GET", lambda c, a: "/api/frameworks", {}),
    "frameworks_get": Route("GET", lambda c, a: f"/api/frameworks/{c.framework.pk}", {}),
    "campaigns_list": Route("GET", lambda c, a: "/api/campaigns", {}),
    "campaigns_get": Route(
        "GET",
        lambda c, a: f"/api/campaigns/{c.campaign.pk}",
        Expect(ok=(*READERS_OF_A, "officer_b", "head_b"), hidden=("expert", "outsider")).codes,
    ),
    "campaigns_create": Route(
        "POST",
        lambda c, a: "/api/campaigns",
        Expect(ok=("province",), refused=tuple(m for m in ALL if m != "province"), ok_status=201).codes,
        body=_campaign_body,
    ),
    "people_list": Route("GET", lambda c, a: "/api/people", {}),
    "people_get": Route(
        "GET",
        lambda c, a: f"/api/people/{c.person_a.pk}",
        Expect(ok=READERS_OF_A, hidden=OUT_OF_COMMUNE_A).codes,
    ),
    "people_enrol": Route(
        "POST",
        lambda c, a: "/api/people",
        Expect(
            ok=("head_a", "officer_a"),
            refused=("citizen_a", "province", "officer_b", "head_b", "expert", "outsider"),
            ok_status=201,
        ).codes,
        body=_enrol_body,
    ),
    "assessments_list": Route("GET", lambda c, a: "/api/assessments", {}, state="draft"),
    "assessments_get": Route(
        "GET", _on(), Expect(ok=READERS_OF_A, hidden=OUT_OF_COMMUNE_A).codes, state="draft"
    ),
    "assessments_start": Route(
        "POST",
        lambda c, a: "/api/assessments",
        Expect(ok=("citizen_a", "head_a", "officer_a"), hidden=OUT_OF_COMMUNE_A, refused=("province",)).codes,
        body=_start_body,
    ),
    "assessments_replace": Route(
        "PUT",
        _on(),
        Expect(ok=("citizen_a", "head_a", "officer_a"), hidden=OUT_OF_COMMUNE_A, refused=("province",)).codes,
        state="draft",
        body=lambda c, a: {"answers": GOOD_ANSWERS, "notes": NOTES},
    ),
    "assessments_update": Route(
        "PATCH",
        _on(),
        Expect(ok=("citizen_a", "head_a", "officer_a"), hidden=OUT_OF_COMMUNE_A, refused=("province",)).codes,
        state="draft",
        body=lambda c, a: {"answers": {"i1_1": 7}},
    ),
    "assessments_evaluate": Route(
        "POST",
        _on("/evaluate"),
        Expect(ok=READERS_OF_A, hidden=OUT_OF_COMMUNE_A).codes,
        state="draft",
        body=lambda c, a: {"answers": GOOD_ANSWERS},
    ),
    "assessments_submit": Route(
        "POST",
        _on("/submit"),
        Expect(ok=("citizen_a", "head_a", "officer_a"), hidden=OUT_OF_COMMUNE_A, refused=("province",)).codes,
        state="filled",
    ),
    "assessments_submission": Route(
        "POST",
        _on("/submission"),
        Expect(
            ok=("citizen_a", "head_a", "officer_a"),
            hidden=OUT_OF_COMMUNE_A,
            refused=("province",),
            ok_status=202,
        ).codes,
        state="draft",
        body=lambda c, a: {"answers": GOOD_ANSWERS, "notes": NOTES},
    ),
    "assessments_submission_household": Route(
        "POST",
        _on("/submission"),
        Expect(ok=EDITORS_OF_A, hidden=OUT_OF_COMMUNE_A, refused=("province",), ok_status=202).codes,
        state="subjects",
        body=lambda c, a: {"answers": {"c1_members_learn": True, "c2_children_school": False}},
    ),
    # A batch names each refused submission in one 400 (not found and forbidden alike), keeping none.
    "submissions_create": Route(
        "POST",
        lambda c, a: "/api/submissions",
        {**dict.fromkeys(EDITORS_OF_A, 202), **dict.fromkeys((*OUT_OF_COMMUNE_A, "province"), 400)},
        state="draft",
        body=lambda c, a: {"items": [{"assessment_id": a.pk, "answers": GOOD_ANSWERS, "notes": NOTES}]},
    ),
    # Receipts are their sender's: nobody else reads one, whatever their role.
    "receipts_list": Route("GET", lambda c, a: "/api/receipts", {}),
    "receipts_get": Route(
        "GET",
        lambda c, a: f"/api/receipts/{a.receipts.get().pk}",
        Expect(ok=("citizen_a",), hidden=tuple(m for m in ALL if m != "citizen_a")).codes,
        state="received",
    ),
    "reviews_due": Route(
        "GET",
        lambda c, a: "/api/reviews/due",
        Expect(
            ok=("head_a", "officer_a", "officer_b", "head_b", "province"),
            refused=("citizen_a", "expert", "outsider"),
        ).codes,
        state="submitted",
    ),
    "decide_at_hamlet_stage": Route(
        "POST",
        _on("/decision"),
        Expect(ok=("head_a",), hidden=OUT_OF_COMMUNE_A, refused=("citizen_a", "officer_a", "province")).codes,
        state="submitted",
        body=lambda c, a: {"decision": "approve"},
    ),
    "decide_at_commune_stage": Route(
        "POST",
        _on("/decision"),
        Expect(ok=("officer_a",), hidden=OUT_OF_COMMUNE_A, refused=("citizen_a", "head_a", "province")).codes,
        state="at_commune",
        body=lambda c, a: {"decision": "return", "reason": "Thiếu minh chứng cho i2_2."},
    ),
    "assessments_certify": Route(
        "POST",
        _on("/certify"),
        Expect(ok=("officer_a", "province"), hidden=OUT_OF_COMMUNE_A, refused=("citizen_a", "head_a")).codes,
        state="approved",
    ),
    # Any officer may send a list; what is not theirs to approve comes back refused, in a 200.
    "assessments_approve_many": Route(
        "POST",
        lambda c, a: "/api/reviews/approvals",
        Expect(
            ok=("head_a", "officer_a", "officer_b", "head_b", "province"),
            refused=("citizen_a", "expert", "outsider"),
        ).codes,
        state="submitted",
        body=lambda c, a: {"assessment_ids": [a.pk]},
    ),
    "assessments_revoke": Route(
        "POST",
        _on("/revocation"),
        Expect(ok=("officer_a", "province"), hidden=OUT_OF_COMMUNE_A, refused=("citizen_a", "head_a")).codes,
        state="recognised",
        body=lambda c, a: {"reason": "Kê khai không trung thực."},
    ),
    "assessments_appeal": Route(
        "POST",
        _on("/appeal"),
        Expect(ok=("citizen_a", "head_a", "officer_a"), hidden=OUT_OF_COMMUNE_A, refused=("province",)).codes,
        state="rejected",
        body=lambda c, a: {"reason": "Tôi đã bổ sung giấy xác nhận."},
    ),
    # The level above the hamlet head who rejected it; never the one who rejected, nor the applicant.
    "appeals_decide": Route(
        "POST",
        _on("/appeal/decision"),
        Expect(ok=("officer_a", "province"), hidden=OUT_OF_COMMUNE_A, refused=("citizen_a", "head_a")).codes,
        state="appealed",
        body=lambda c, a: {"uphold": True, "reason": "Minh chứng mới hợp lệ."},
    ),
    "decisions_list": Route("GET", lambda c, a: "/api/decisions", {}, state="decided"),
    # A commune's decision names its people: its officers and the province read it, nobody else.
    "decisions_get": Route(
        "GET",
        lambda c, a: f"/api/decisions/{a.decision_item.decision_id}",
        Expect(
            ok=("officer_a", "province"), hidden=tuple(m for m in ALL if m not in ("officer_a", "province"))
        ).codes,
        state="decided",
    ),
    "decisions_issue": Route(
        "POST",
        lambda c, a: "/api/decisions",
        Expect(
            ok=("officer_a", "province"),
            hidden=("expert", "outsider"),
            refused=("citizen_a", "head_a", "officer_b", "head_b"),
            ok_status=201,
        ).codes,
        state="approved",
        body=lambda c, a: {
            "campaign_id": c.campaign.pk,
            "framework_id": c.framework.pk,
            "issuing_unit_id": c.commune_a.pk,
            "assessment_ids": [a.pk],
            "issued_on": timezone.localdate().isoformat(),
            "signer_name": "Lò Văn Pọm",
            "signer_title": "Chủ tịch UBND phường",
        },
    ),
    "households_list": Route("GET", lambda c, a: "/api/households", {}, state="subjects"),
    "households_get": Route(
        "GET",
        lambda c, a: f"/api/households/{a.household_id}",
        Expect(ok=READERS_OF_A, hidden=OUT_OF_COMMUNE_A).codes,
        state="subjects",
    ),
    "clans_list": Route("GET", lambda c, a: "/api/clans", {}, state="subjects"),
    "clans_get": Route(
        "GET",
        _clan_path,
        # a commune's clan: not a hamlet head's, and citizens read no clans
        Expect(ok=("officer_a", "province"), hidden=(*OUT_OF_COMMUNE_A, "citizen_a", "head_a")).codes,
        state="subjects",
    ),
    "organisations_list": Route("GET", lambda c, a: "/api/organisations", {}, state="subjects"),
    "organisations_get": Route(
        "GET",
        _organisation_path,
        Expect(ok=("officer_a", "province"), hidden=(*OUT_OF_COMMUNE_A, "citizen_a", "head_a")).codes,
        state="subjects",
    ),
    "assessments_start_household": Route(
        "POST",
        lambda c, a: "/api/assessments",
        Expect(ok=EDITORS_OF_A, hidden=OUT_OF_COMMUNE_A, refused=("province",)).codes,
        state="subjects",
        body=_household_start_body,
    ),
    "assessments_get_household": Route(
        "GET", _on(), Expect(ok=READERS_OF_A, hidden=OUT_OF_COMMUNE_A).codes, state="subjects"
    ),
    "assessments_replace_household": Route(
        "PUT",
        _on(),
        Expect(ok=EDITORS_OF_A, hidden=OUT_OF_COMMUNE_A, refused=("province",)).codes,
        state="subjects",
        body=lambda c, a: {"answers": {"c1_members_learn": True, "c2_children_school": False}},
    ),
    "assessments_submit_household": Route(
        "POST",
        _on("/submit"),
        Expect(ok=EDITORS_OF_A, hidden=OUT_OF_COMMUNE_A, refused=("province",)).codes,
        state="subjects_filled",
    ),
    "certificates_check": Route(
        "GET",
        lambda c, a: f"/api/certificates/{a.certificate.code}",
        {},
        state="recognised",
        anonymous=200,
    ),
}

CASES = [pytest.param(name, member, id=f"{name}-{member}") for name in ROUTES for member in MEMBERS]


@pytest.mark.parametrize(("route_name", "member"), CASES)
def test_the_permission_matrix(cast: Cast, route_name: str, member: str) -> None:
    route = ROUTES[route_name]
    assessment = STATES[route.state](cast)
    body = route.body(cast, assessment) if route.body else None
    response = call(client_for(cast, member), route.method, route.path(cast, assessment), body)
    expected = route.status_for(member)
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert response["Content-Type"] == "application/problem+json"


VISIBLE_PEOPLE = {
    "citizen_a": {"person_a"},
    "head_a": {"person_a"},
    "officer_a": {"person_a"},
    "officer_b": {"person_b"},
    "head_b": {"person_b"},
    "province": {"person_a", "person_b"},
    "expert": set(),
    "outsider": set(),
}


@pytest.mark.parametrize(("member", "names"), VISIBLE_PEOPLE.items())
def test_lists_hold_only_the_readers_scope(cast: Cast, member: str, names: set[str]) -> None:
    people = {getattr(cast, name).pk for name in names}
    client = client_for(cast, member)
    listed = {item["id"] for item in call(client, "GET", "/api/people?limit=500").json()["items"]}
    assert listed == people
    assessment_a = STATES["draft"](cast)
    assert assessment_a is not None
    listed = {item["person_id"] for item in call(client, "GET", "/api/assessments").json()["items"]}
    assert listed == people & {cast.person_a.pk}
    assert assessment_a.person_id == cast.person_a.pk


def test_an_officer_of_commune_b_changes_nothing_in_commune_a(cast: Cast) -> None:
    assessment = STATES["submitted"](cast)
    assert assessment is not None
    client = client_for(cast, "officer_b")
    before = Assessment.objects.get(pk=assessment.pk)
    for method, suffix, body in [
        ("PUT", "", {"answers": {}}),
        ("PATCH", "", {"answers": {"i1_1": 0}}),
        ("POST", "/submit", None),
        ("POST", "/decision", {"decision": "reject", "reason": "Không đạt"}),
        ("POST", "/certify", None),
    ]:
        assert call(client, method, f"/api/assessments/{assessment.pk}{suffix}", body).status_code == 404
    after = Assessment.objects.get(pk=assessment.pk)
    assert (after.status, after.review_stage, after.answers, after.updated_at) == (
        before.status,
        before.review_stage,
        before.answers,
        before.updated_at,
    )
    enrol = call(client, "POST", "/api/people", _enrol_body(cast, None))
    assert enrol.status_code == 403
    assert not Person.objects.filter(full_name="Cầm Văn Hùng").exists()
    assert before.status == Status.SUBMITTED


def test_an_officer_of_commune_a_cannot_read_commune_b(cast: Cast) -> None:
    client = client_for(cast, "officer_a")
    assert call(client, "GET", f"/api/people/{cast.person_b.pk}").status_code == 404
    nonexistent = call(client, "GET", "/api/people/999999")
    hidden = call(client, "GET", f"/api/people/{cast.person_b.pk}")
    # Out of scope and nonexistent are indistinguishable.
    assert hidden.json()["detail"] == nonexistent.json()["detail"]
