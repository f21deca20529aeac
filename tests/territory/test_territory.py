"""The official tree, the old→new table, learning cities derived through it, search and flags."""

from __future__ import annotations

import pytest

from learningcity.territory.codes import official_code
from learningcity.territory.models import Era, LearningCity, LearningCityUnit, Level, Unit, UnitConversion
from learningcity.territory.selectors import unit_restate_current, unit_subtree, units_flags, units_search
from learningcity.territory.services import hamlet_create, learning_city_derive_current_units
from learningcity.text import fold

pytestmark = pytest.mark.django_db


def count(era: str, level: str) -> int:
    return Unit.objects.filter(era=era, level=level).count()


def derived_units(slug: str) -> dict[str, bool]:
    """Today's commune codes of a learning city, each with whether only part of it belongs to the city."""
    rows = LearningCityUnit.objects.filter(city__slug=slug, basis=LearningCityUnit.Basis.DERIVED)
    return {row.unit.code: row.partial for row in rows.select_related("unit")}


def test_it_holds_the_official_units_in_force_since_the_reform() -> None:
    assert count(Era.CURRENT, Level.PROVINCE) == 34
    assert count(Era.CURRENT, Level.COMMUNE) == 3321
    assert not Unit.objects.filter(era=Era.CURRENT, level=Level.DISTRICT).exists()


def test_it_keeps_the_units_before_the_reform_with_their_validity() -> None:
    assert count(Era.LEGACY, Level.PROVINCE) == 63
    assert count(Era.LEGACY, Level.DISTRICT) == 696
    # 10,051 from the legacy list plus the few only the conversion table names (SOURCE.md).
    assert count(Era.LEGACY, Level.COMMUNE) >= 10051
    assert (
        Unit.objects.filter(era=Era.LEGACY, flags__name_unknown=True).count()
        == count(Era.LEGACY, Level.COMMUNE) - 10051
    )
    assert not Unit.objects.filter(era=Era.LEGACY, valid_until__isnull=True).exists()
    assert (
        str(Unit.objects.filter(era=Era.CURRENT).values_list("valid_from", flat=True).first()) == "2025-07-01"
    )


def test_it_holds_the_whole_old_to_new_table() -> None:
    assert UnitConversion.objects.count() == 10565
    assert not UnitConversion.objects.exclude(old_unit__era=Era.LEGACY).exists()
    assert not UnitConversion.objects.exclude(
        new_unit__era=Era.CURRENT, new_unit__level=Level.COMMUNE
    ).exists()


def test_son_la_city_is_exactly_its_four_wards_today() -> None:
    assert derived_units("son-la") == {"3646": False, "3664": False, "3670": False, "3679": False}


def test_sa_dec_derives_its_ward_in_full_and_tan_duong_in_part() -> None:
    assert derived_units("sa-dec") == {"29905": False, "30214": True}
    names = set(
        LearningCityUnit.objects.filter(city__slug="sa-dec", basis="derived").values_list(
            "unit__name", flat=True
        )
    )
    assert names == {"Phường Sa Đéc", "Xã Tân Dương"}


def test_cao_lanh_derives_three_units_with_my_ngai_and_my_tra_in_part() -> None:
    derived = derived_units("cao-lanh")
    assert len(derived) == 3
    partial = set(
        LearningCityUnit.objects.filter(city__slug="cao-lanh", basis="derived", partial=True).values_list(
            "unit__name", flat=True
        )
    )
    assert partial == {"Phường Mỹ Ngãi", "Phường Mỹ Trà"}


def test_a_city_that_joined_on_todays_units_derives_nothing() -> None:
    ha_noi = LearningCity.objects.get(slug="ha-noi")
    assert learning_city_derive_current_units(ha_noi) == []
    assert ha_noi.memberships.get().unit.era == Era.CURRENT


def test_deriving_again_gives_the_same_units() -> None:
    before = derived_units("son-la")
    learning_city_derive_current_units(LearningCity.objects.get(slug="son-la"))
    assert derived_units("son-la") == before


def test_a_split_old_commune_restates_to_several_new_ones_each_in_part() -> None:
    hong_ha = Unit.objects.get(era=Era.LEGACY, level=Level.COMMUNE, code="9796")  # Xã Hồng Hà, Hà Nội
    restated = unit_restate_current(hong_ha)
    assert sorted(unit.code for unit, _partial in restated) == ["8980", "9022", "9787", "9817"]
    assert all(partial for _unit, partial in restated)
    assert all(unit.era == Era.CURRENT for unit, _partial in restated)


def test_a_whole_old_commune_restates_to_one_new_one() -> None:
    old = Unit.objects.get(era=Era.LEGACY, level=Level.COMMUNE, code="3673")
    assert [(unit.code, partial) for unit, partial in unit_restate_current(old)] == [("3679", False)]


def test_a_current_unit_or_hamlet_restates_to_itself() -> None:
    ward = Unit.objects.get(era=Era.CURRENT, level=Level.COMMUNE, code="3646")
    hamlet = hamlet_create(commune=ward, name="Bản Cọ")
    assert unit_restate_current(ward) == [(ward, False)]
    assert unit_restate_current(hamlet) == [(hamlet, False)]


def test_an_old_district_does_not_restate_as_a_whole() -> None:
    with pytest.raises(ValueError, match="communes"):
        unit_restate_current(Unit.objects.get(era=Era.LEGACY, level=Level.DISTRICT, code="116"))


def test_search_folds_diacritics() -> None:
    assert [u.name for u in units_search("chieng coi")] == ["Phường Chiềng Cơi"]
    assert [u.name for u in units_search("CHIỀNG CƠI")] == ["Phường Chiềng Cơi"]
    found = [u.name for u in units_search("dong", limit=5000)]
    assert "Xã Đồng Văn" in found  # đ has no decomposition: folding maps it to d
    assert all("dong" in fold(name) for name in found)


def test_search_keeps_to_the_era_asked() -> None:
    assert [u.code for u in units_search("chieng coi", era=Era.LEGACY)] == ["3670"]


def test_a_flag_on_a_commune_covers_its_hamlets() -> None:
    ward = Unit.objects.get(era=Era.CURRENT, level=Level.COMMUNE, code="3664")
    hamlet = hamlet_create(commune=ward, name="Bản Hìn", code="ban-hin")
    other = hamlet_create(
        commune=Unit.objects.get(era=Era.CURRENT, level=Level.COMMUNE, code="3679"), name="Tổ 9"
    )
    Unit.objects.filter(pk=ward.pk).update(flags={"disadvantaged_area": True})
    flags = units_flags([hamlet, ward, other])
    assert flags == {
        hamlet.pk: {"disadvantaged_area": True},
        ward.pk: {"disadvantaged_area": True},
        other.pk: {},
    }


def test_a_hamlet_sits_in_the_subtree_of_its_commune_and_province() -> None:
    ward = Unit.objects.get(era=Era.CURRENT, level=Level.COMMUNE, code="3670")
    hamlet = hamlet_create(commune=ward, name="  Tổ   dân phố 3 ", division_type="tổ dân phố")
    assert hamlet.name == "Tổ   dân phố 3" and hamlet.code == "to-dan-pho-3"
    assert hamlet.path.startswith(ward.path) and hamlet.parent == ward
    assert unit_subtree(ward.parent).filter(pk=hamlet.pk).exists()


def test_hamlets_hang_only_below_todays_communes() -> None:
    with pytest.raises(ValueError):
        hamlet_create(
            commune=Unit.objects.get(era=Era.LEGACY, level=Level.COMMUNE, code="3673"), name="Bản A"
        )
    with pytest.raises(ValueError):
        hamlet_create(
            commune=Unit.objects.get(era=Era.CURRENT, level=Level.PROVINCE, code="14"), name="Bản B"
        )


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("03646", "3646"),
        (" 3646 ", "3646"),
        ("000", "0"),
        ("14", "14"),
        ("3646a", None),
        ("", None),
        ("-14", None),
        ("١٤", None),  # digits, but not the ASCII ones the official lists use
    ],
)
def test_an_official_code_is_compared_without_its_leading_zeros(written: str, code: str | None) -> None:
    assert official_code(written) == code
