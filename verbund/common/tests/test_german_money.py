"""German numbers as typed and as shown, money to the cent, and largest-remainder rounding."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from verbund.common import german, money


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6.500,00", "6500.00"),
        ("6500,00", "6500.00"),
        ("1.250", "1250"),
        ("1.250.000", "1250000"),
        ("1234.5", "1234.5"),
        ("6 500 €", "6500"),
        ("6\u00a0500,5 EUR", "6500.5"),
        ("0,95", "0.95"),
        ("-12,5", "-12.5"),
        ("12,5 %", "12.5"),
        (",5", ".5"),
    ],
)
def test_normalize_number_reads_german_input(text: str, expected: str) -> None:
    assert german.normalize_number(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "1,2,3", "12.34.5", "1.25,0.0", "1.2345,00", "--5"])
def test_normalize_number_refuses_what_is_no_number_and_names_it(text: str) -> None:
    with pytest.raises(german.GermanNumberError) as info:
        german.normalize_number(text)
    assert text in str(info.value) or not text


def test_formatting_is_german() -> None:
    assert german.format_number(Decimal("1234567.891"), 2) == "1.234.567,89"
    assert german.format_number(1234) == "1.234"
    assert german.format_number(Decimal("12.50"), None) == "12,5"
    assert german.format_number(Decimal("50.00"), None) == "50"
    assert german.format_money(Decimal("1234.5")) == "1.234,50 EUR"
    assert german.format_money(None) == "–"
    assert german.format_percent(Decimal("12.5")) == "12,5 %"
    assert german.format_date(dt.date(2026, 12, 3)) == "03.12.2026"
    assert german.format_date("2026-01-31") == "31.01.2026"
    assert german.format_datetime(dt.datetime(2026, 12, 3, 14, 5, tzinfo=dt.UTC)) == "03.12.2026, 14:05 Uhr"
    assert german.join_words(["A", "B", "C"]) == "A, B und C"


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
def test_format_then_parse_round_trips(value: Decimal) -> None:
    assert german.parse_decimal(german.format_number(value, 2)) == value


def test_cents_and_to_cents() -> None:
    assert money.cents("1.005") == Decimal("1.01")
    assert money.to_cents("12.34") == 1234
    assert money.cents_to_decimal(1234) == Decimal("12.34")
    with pytest.raises(money.MoneyError, match="zwei Nachkommastellen"):
        money.to_cents("1.001")
    with pytest.raises(money.MoneyError, match="Kein gültiger Betrag"):
        money.to_cents("zwölf")


@given(
    st.integers(min_value=0, max_value=10**12),
    st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=30),
)
def test_largest_remainder_adds_up_and_stays_within_a_cent(total: int, weights: list[int]) -> None:
    if sum(weights) == 0:
        if total:
            with pytest.raises(money.MoneyError):
                money.largest_remainder(total, weights)
        return
    shares = [int(s) for s in money.largest_remainder(total, weights)]
    assert sum(shares) == total
    for share, weight in zip(shares, weights, strict=True):
        exact = Decimal(total) * weight / sum(weights)
        assert abs(share - exact) < 1


def test_largest_remainder_breaks_ties_by_position() -> None:
    assert [int(s) for s in money.largest_remainder(100, [1, 1, 1])] == [34, 33, 33]
    assert money.split_evenly(Decimal("100.00"), 3) == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
