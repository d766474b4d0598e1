"""The allocation engine without a database: the real keys of DOMAIN.md §5 (LK Traunstein's
50 % Grundbetrag + 50 % inhabitants, LK Rosenheim's 30 % fixed share with a mixed rest), the
largest-remainder rounding and its tie-break by member key, pro rata temporis for members joining or
leaving during the year, charges (price per unit), the plugin registry and the validation of key
configurations."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from verbund.shared_services import allocation
from verbund.shared_services.allocation import (
    EQUAL,
    AllocationError,
    KeyConfigError,
    Member,
    allocate,
    fixed_share,
    largest_remainder,
    mix,
    parse_key,
    period_days,
)

# The 35 Gemeinden of the Landkreis Traunstein with their population (Destatis GV100AD of 30.11.2025,
# population of 31.12.2024), standing in for the figures of 30 June of the previous year.
TRAUNSTEIN = [
    ("09189111", "Altenmarkt a.d.Alz", 4141), ("09189113", "Bergen", 4592), ("09189114", "Chieming", 4778),
    ("09189115", "Engelsberg", 2485), ("09189118", "Fridolfing", 4337), ("09189119", "Grabenstätt", 4324),
    ("09189120", "Grassau", 6910), ("09189124", "Inzell", 4704), ("09189126", "Kienberg", 1373),
    ("09189127", "Kirchanschöring", 3338), ("09189129", "Marquartstein", 3030), ("09189130", "Nußdorf", 2340),
    ("09189133", "Obing", 4441), ("09189134", "Palling", 3555), ("09189135", "Petting", 2250),
    ("09189137", "Pittenhart", 1899), ("09189139", "Reit im Winkl", 2161), ("09189140", "Ruhpolding", 6772),
    ("09189141", "Schleching", 1743), ("09189142", "Schnaitsee", 3679), ("09189143", "Seeon-Seebruck", 4490),
    ("09189145", "Siegsdorf", 8314), ("09189146", "Staudach-Egerndach", 1117), ("09189148", "Surberg", 3265),
    ("09189149", "Tacherting", 5643), ("09189150", "Taching a.See", 2087), ("09189152", "Tittmoning", 5826),
    ("09189154", "Traunreut", 20379), ("09189155", "Traunstein", 20877), ("09189157", "Trostberg", 11337),
    ("09189159", "Übersee", 5013), ("09189160", "Unterwössen", 3633), ("09189161", "Vachendorf", 1755),
    ("09189162", "Waging a.See", 7007), ("09189165", "Wonneberg", 1549),
]  # fmt: skip
TRAUNSTEIN_KEY = mix(("50", EQUAL), ("50", {"type": "population", "reference": "30.06. des Vorjahres"}))

# LK Rosenheim (fixed 30 %) and eight of its largest Gemeinden (same source).
ROSENHEIM_LK = ("09187", "Landkreis Rosenheim", 260_983)
ROSENHEIM = [
    ("09187117", "Bad Aibling", 18497), ("09187122", "Bruckmühl", 16735),
    ("09187130", "Feldkirchen-Westerham", 10742), ("09187150", "Kolbermoor", 19094),
    ("09187162", "Prien a.Chiemsee", 10915), ("09187165", "Raubling", 11161),
    ("09187177", "Stephanskirchen", 10558), ("09187182", "Wasserburg a.Inn", 12375),
]  # fmt: skip
ROSENHEIM_KEY = fixed_share({"09187": "30"}, mix(("50", EQUAL), ("50", {"type": "population"})))


def members(rows, **extra):
    return [Member(key=k, name=n, population=p, **extra) for k, n, p in rows]


def exact_cents(total_eur: int | str, weight: int, weight_sum: int) -> Fraction:
    return Fraction(Decimal(str(total_eur)) * 100) * weight / weight_sum


# --- the real keys ----------------------------------------------------------------------------------


def test_traunstein_key_splits_105800_half_equal_half_by_inhabitants():
    result = allocate(TRAUNSTEIN_KEY, Decimal("105800"), members(TRAUNSTEIN))

    assert result.total == Decimal("105800.00")
    assert sum(result.shares.values()) == Decimal("105800.00")
    population = sum(p for _, _, p in TRAUNSTEIN)
    assert population == 175_144
    for key, _name, inhabitants in TRAUNSTEIN:
        exact = exact_cents(52900, 1, 35) + exact_cents(52900, inhabitants, population)
        assert abs(Fraction(int(result.share(key) * 100)) - exact) < 2  # one cent per component at most
    # Stadt Traunstein: 52,900 / 35 = 1,511.43 (rounded up: see the tie-break below) and
    # 52,900 × 20,877 / 175,144 = 6,305.6297… → 6,305.63
    assert result.share("09189155") == Decimal("7817.06")
    assert [(c.label, c.amount) for c in result.breakdown("09189155")] == [
        ("50 % Grundbetrag", Decimal("1511.43")),
        ("50 % Einwohner", Decimal("6305.63")),
    ]
    assert result.description == (
        "50 % Grundbetrag zu gleichen Teilen + 50 % nach Einwohnern (Stichtag: 30.06. des Vorjahres)"
    )


def test_traunstein_grundbetrag_ties_go_to_the_smaller_keys():
    """5,290,000 cents / 35 = 151,142 rest 30: the 30 smallest keys get the extra cent, the 5 largest not."""
    result = allocate(TRAUNSTEIN_KEY, Decimal("105800"), members(TRAUNSTEIN))
    grund = {key: result.breakdown(key)[0].amount for key, _, _ in TRAUNSTEIN}
    keys = sorted(grund)

    assert [grund[k] for k in keys[:30]] == [Decimal("1511.43")] * 30
    assert [grund[k] for k in keys[30:]] == [Decimal("1511.42")] * 5
    assert sum(grund.values()) == Decimal("52900.00")


def test_rosenheim_key_landkreis_pays_30_percent_rest_half_equal_half_inhabitants():
    rows = [ROSENHEIM_LK, *ROSENHEIM]
    result = allocate(ROSENHEIM_KEY, Decimal("120000"), members(rows), names={"09187": "Landkreis Rosenheim"})

    assert result.share("09187") == Decimal("36000.00")
    assert sum(result.shares.values()) == Decimal("120000.00")
    rest_population = sum(p for _, _, p in ROSENHEIM)
    # The Landkreis's own population plays no part in the rest.
    for key, _name, inhabitants in ROSENHEIM:
        exact = exact_cents(42000, 1, 8) + exact_cents(42000, inhabitants, rest_population)
        assert abs(Fraction(int(result.share(key) * 100)) - exact) < 2
    # Kolbermoor: 42,000 / 8 = 5,250.00 and 42,000 × 19,094 / 110,077 = 7,285.336…
    assert [(c.label, c.amount) for c in result.breakdown("09187150")] == [
        ("Rest (70 %): 50 % Grundbetrag", Decimal("5250.00")),
        ("Rest (70 %): 50 % Einwohner", Decimal("7285.34")),
    ]
    assert result.description == (
        "Landkreis Rosenheim trägt fest 30 %; der Rest (70 %): 50 % Grundbetrag zu gleichen Teilen "
        "+ 50 % nach Einwohnern"
    )


def test_price_per_inhabitant_and_per_hour_are_charges_whose_sum_is_the_total():
    standesamt = allocate(
        {"type": "price_per_unit", "price": "1.90", "unit": "population"},
        None,
        [Member("a", population=12_345), Member("b", population=7_001)],
    )
    assert standesamt.shares == {"a": Decimal("23455.50"), "b": Decimal("13301.90")}
    assert standesamt.total == Decimal("36757.40")
    assert standesamt.is_charge
    assert standesamt.description == "1,90 EUR je Einwohner"

    enforcement = allocate(
        {"type": "price_per_unit", "price": "175", "unit": "volume", "unit_label": "Stunde"},
        None,
        [Member("a", volume=Decimal("312.5")), Member("b", volume=Decimal("80.25"))],
    )
    assert enforcement.shares == {"a": Decimal("54687.50"), "b": Decimal("14043.75")}
    assert enforcement.description == "175,00 EUR je Stunde"


def test_charge_rounds_half_up_per_member():
    # 0.015 EUR × 1 inhabitant = 1.5 cents → 2 cents; × 3 = 4.5 → 5 cents
    result = allocate(
        {"type": "price_per_unit", "price": "0.015", "unit": "population"},
        None,
        [Member("a", population=1), Member("b", population=3)],
    )
    assert result.shares == {"a": Decimal("0.02"), "b": Decimal("0.05")}


# --- rounding ---------------------------------------------------------------------------------------


def test_largest_remainder_gives_missing_cents_to_largest_remainders_then_smallest_position():
    # 100 cents by 1:1:1 → 33.33… each, one cent missing → the first position
    assert largest_remainder(100, np.array([1, 1, 1])).tolist() == [34, 33, 33]
    # 10 cents by 3:3:4 → 3, 3, 4 exactly
    assert largest_remainder(10, np.array([3, 3, 4])).tolist() == [3, 3, 4]
    # 10 cents by 1:2 → 3.33, 6.67 → the larger remainder (0.67) wins over position
    assert largest_remainder(10, np.array([1, 2])).tolist() == [3, 7]
    # zero weight never receives a cent
    assert largest_remainder(5, np.array([0, 1, 1])).tolist() == [0, 3, 2]


def test_largest_remainder_beyond_int64_uses_exact_integers():
    huge = 10**16  # cents × weight overflows int64
    weights = np.array([10**6, 10**6, 10**6 + 1])
    cents = largest_remainder(huge, weights)
    assert int(cents.sum()) == huge
    assert cents.tolist() == [3333332222222593, 3333332222222592, 3333335555554815]


def test_shares_do_not_depend_on_the_order_of_members():
    rows = members(TRAUNSTEIN)
    forward = allocate(TRAUNSTEIN_KEY, Decimal("105800"), rows)
    backward = allocate(TRAUNSTEIN_KEY, Decimal("105800"), list(reversed(rows)))
    assert forward.shares == backward.shares


def test_equal_key_of_one_cent_among_three():
    result = allocate(EQUAL, Decimal("0.01"), [Member("c"), Member("a"), Member("b")])
    assert result.shares == {"a": Decimal("0.01"), "b": Decimal("0.00"), "c": Decimal("0.00")}


# --- pro rata temporis ------------------------------------------------------------------------------


def test_period_days_counts_the_union_of_periods_within_the_year():
    assert period_days(2025, [(dt.date(2020, 1, 1), None)]) == 365
    assert period_days(2024, [(dt.date(2020, 1, 1), None)]) == 366
    assert period_days(2025, [(dt.date(2025, 7, 1), None)]) == 184
    assert period_days(2025, [(dt.date(2024, 3, 1), dt.date(2025, 3, 31))]) == 90
    # left at the end of March, re-joined in October; overlapping periods count once
    assert (
        period_days(2025, [(dt.date(2024, 1, 1), dt.date(2025, 3, 31)), (dt.date(2025, 10, 1), None)]) == 182
    )
    assert (
        period_days(2025, [(dt.date(2025, 1, 1), dt.date(2025, 6, 30)), (dt.date(2025, 6, 1), None)]) == 365
    )
    assert period_days(2025, [(dt.date(2026, 1, 1), None)]) == 0


def test_member_joining_mid_year_pays_pro_rata_and_the_others_carry_the_rest():
    """A member from 1 July (184 of 365 days) pays 184/365 of a full member's equal share."""
    full = [Member("a"), Member("b")]
    late = Member("c", days=184)
    result = allocate(EQUAL, Decimal("9140"), [*full, late])
    # weights 365 : 365 : 184 → 9,140 × 184 / 914 = 1,840.00
    assert result.share("c") == Decimal("1840.00")
    assert result.share("a") == result.share("b") == Decimal("3650.00")
    assert sum(result.shares.values()) == Decimal("9140.00")


def test_population_weights_are_scaled_by_days_but_volumes_are_not():
    rows = [
        Member("a", population=1000, volume=Decimal(10), days=365),
        Member("b", population=1000, volume=Decimal(10), days=73),
    ]
    by_population = allocate({"type": "population"}, Decimal("600"), rows)
    assert by_population.shares == {"a": Decimal("500.00"), "b": Decimal("100.00")}
    by_volume = allocate({"type": "volume"}, Decimal("600"), rows)
    assert by_volume.shares == {"a": Decimal("300.00"), "b": Decimal("300.00")}


def test_fixed_share_of_a_member_leaving_mid_year_is_pro_rata_and_the_rest_grows():
    rows = [Member("lk", days=73), Member("x"), Member("y")]  # the Landkreis for 73 of 365 days (1/5)
    result = allocate(fixed_share({"lk": "30"}, EQUAL), Decimal("1000"), rows)
    assert result.share("lk") == Decimal("60.00")  # 30 % × 1/5
    assert result.share("x") == result.share("y") == Decimal("470.00")


def test_fixed_share_member_absent_in_the_year_is_noted_and_its_share_goes_to_the_rest():
    result = allocate(fixed_share({"lk": "30"}, EQUAL), Decimal("1000"), [Member("x"), Member("y")])
    assert result.shares == {"x": Decimal("500.00"), "y": Decimal("500.00")}
    assert "lk ist in diesem Jahr nicht beteiligt" in result.notes[0]


def test_fully_fixed_key_redistributes_a_missing_part_among_the_fixed_members():
    key = fixed_share({"a": "60", "b": "40"}, None)
    assert allocate(key, Decimal("100"), [Member("a"), Member("b")]).shares == {
        "a": Decimal("60.00"),
        "b": Decimal("40.00"),
    }
    half = allocate(key, Decimal("100"), [Member("a", days=0), Member("b")])
    assert half.shares == {"a": Decimal("0.00"), "b": Decimal("100.00")}


def test_price_per_inhabitant_is_pro_rata_and_not_redistributed():
    result = allocate(
        {"type": "price_per_unit", "price": "1.90", "unit": "population"},
        None,
        [Member("a", population=3650, days=365), Member("b", population=3650, days=73)],
    )
    assert result.shares == {"a": Decimal("6935.00"), "b": Decimal("1387.00")}


# --- errors and configurations ----------------------------------------------------------------------


def test_missing_figures_name_the_members():
    with pytest.raises(AllocationError, match="Es fehlt die Einwohnerzahl für: Beta"):
        allocate(
            {"type": "population"}, Decimal("10"), [Member("a", "Alpha", population=5), Member("b", "Beta")]
        )


def test_all_zero_volumes_cannot_carry_a_cost():
    with pytest.raises(AllocationError, match="Summe der Werte ist 0"):
        allocate(
            {"type": "volume"},
            Decimal("10"),
            [Member("a", volume=Decimal(0)), Member("b", volume=Decimal(0))],
        )


def test_negative_total_duplicate_members_and_bad_days_are_refused():
    with pytest.raises(AllocationError, match="nicht negativ"):
        allocate(EQUAL, Decimal("-1"), [Member("a")])
    with pytest.raises(AllocationError, match="mehrfach"):
        allocate(EQUAL, Decimal("1"), [Member("a"), Member("a")])
    with pytest.raises(AllocationError, match="Beteiligungstage"):
        allocate(EQUAL, Decimal("1"), [Member("a", days=400)])
    with pytest.raises(AllocationError, match="zwei Nachkommastellen"):
        allocate(EQUAL, Decimal("1.001"), [Member("a")])


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"type": "nope"}, "Unbekannter Schlüsseltyp"),
        ("equal", "Ein Schlüssel ist ein Objekt"),
        ({"type": "equal", "extra": 1}, "Unbekannte Angabe"),
        (mix(("50", EQUAL), ("40", {"type": "population"})), "ergeben 90 %, nicht 100 %"),
        (mix(("100", EQUAL)), "mindestens zwei Teile"),
        (mix(("50", EQUAL), ("50", {"type": "price_per_unit", "price": "1"})), "nicht Teil einer Mischung"),
        (fixed_share({"a": "70", "b": "40"}, EQUAL), "mehr als 100 %"),
        (fixed_share({"a": "30"}, None), "Für den Rest ist ein Schlüssel"),
        (mix(("abc", EQUAL), ("50", EQUAL)), "keine gültige Zahl"),
        (mix(("50.001", EQUAL), ("49.999", EQUAL)), "2 Nachkommastellen"),
        ({"type": "price_per_unit", "price": "-1"}, "nicht negativ"),
        ({"type": "price_per_unit", "price": "1", "unit": "hours"}, "Einheit muss"),
    ],
)  # fmt: skip
def test_invalid_configurations_are_explained_in_german(config, message):
    with pytest.raises(KeyConfigError, match=message):
        parse_key(config)


def test_config_error_names_the_place_in_the_json():
    config = fixed_share(
        {"a": "30"}, {"type": "mix", "parts": [{"weight": "50", "key": EQUAL}, {"weight": "x", "key": EQUAL}]}
    )
    with pytest.raises(KeyConfigError) as caught:
        parse_key(config)
    assert caught.value.path == "rest.parts[1].weight"


def test_configurations_are_normalised():
    assert parse_key(mix((50, EQUAL), ("50,0", {"type": "population"}))).to_config() == {
        "type": "mix",
        "parts": [
            {"weight": "50.00", "key": {"type": "equal"}},
            {"weight": "50.00", "key": {"type": "population"}},
        ],
    }
    assert parse_key({"type": "price_per_unit", "price": "0.0125"}).to_config()["price"] == "0.0125"


def test_a_new_key_is_a_registered_class():
    @allocation.register_key
    class InverseDaysKey(allocation.WeightKey):
        """Test key: weight 1 for every member (like equal, but without the pro-rata factor)."""

        type = "test_flat"
        label = "Test"
        basis_label = "eins"

        @classmethod
        def from_config(cls, config, path):
            return cls()

        def to_config(self):
            return {"type": self.type}

        def describe(self, names=None):
            return "flach"

        def basis(self, table):
            return np.ones(len(table), dtype=np.int64)

        def weights(self, table):
            return self.basis(table)

    try:
        assert "test_flat" in {k["type"] for k in allocation.key_types()}
        result = allocate(
            mix(("50", {"type": "test_flat"}), ("50", EQUAL)),
            Decimal("10"),
            [Member("a"), Member("b", days=0)],
        )
        assert result.shares == {"a": Decimal("7.50"), "b": Decimal("2.50")}
    finally:
        del allocation.KEY_TYPES["test_flat"]


def test_the_engines_import_no_django():
    """The allocation package and costing.py are pure: testable and benchmarkable without Django.
    Of Verbund they import only the pure helpers verbund.common.money, verbund.common.german and
    verbund.common.i18n (gettext without Django)."""
    import ast
    import subprocess
    import sys
    from pathlib import Path

    import verbund.shared_services as part

    root = Path(part.__file__).parent
    allowed = {"verbund.common.money", "verbund.common.german", "verbund.common.i18n", "verbund.common"}
    for path in [*sorted((root / "allocation").glob("*.py")), root / "costing.py"]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and not n.level}
        modules |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert not any(m.split(".")[0] == "django" for m in modules), (path.name, modules)
        assert all(m in allowed for m in modules if m.startswith("verbund")), (path.name, modules)
    check = (
        "import sys; import verbund.shared_services.allocation, verbund.shared_services.costing; "
        "assert not [m for m in sys.modules if m.split('.')[0] == 'django'], 'django imported'"
    )
    subprocess.run([sys.executable, "-c", check], check=True, cwd=root.parent.parent)
