import pytest

from domain.customers import Customer, Money, PriceList, check_credit, unit_price
from domain.errors import DomainError

ACME = Customer("C1", "Acme", 1, Money(100_000, "EUR"), "PL-STD")
PRICES = PriceList("PL-STD", "EUR", prices={"WATER": 45, "COLA": 99}, customer_prices={("C1", "COLA"): 89})


def test_customer_specific_price_wins_over_list_price():
    assert unit_price(ACME, PRICES, "COLA") == Money(89, "EUR")


def test_list_price_applies_without_a_customer_price():
    assert unit_price(ACME, PRICES, "WATER") == Money(45, "EUR")


def test_missing_price_is_refused():
    with pytest.raises(DomainError) as err:
        unit_price(ACME, PRICES, "GIN")
    assert err.value.code == "price.not_found"


def test_price_from_another_customers_list_is_refused():
    with pytest.raises(DomainError) as err:
        unit_price(ACME, PriceList("PL-VIP", "EUR"), "WATER")
    assert err.value.code == "price.wrong_list"


def test_credit_is_approved_within_limit():
    decision = check_credit(ACME, open_orders=Money(60_000, "EUR"), this_order=Money(40_000, "EUR"))
    assert decision.approved and decision.code == "credit.ok"
    assert decision.exposure == Money(100_000, "EUR")
    decision.raise_if_refused()


def test_credit_is_refused_over_limit_with_a_reason():
    decision = check_credit(ACME, open_orders=Money(60_000, "EUR"), this_order=Money(40_001, "EUR"))
    assert not decision.approved
    assert decision.code == "credit.limit_exceeded"
    assert decision.reason == "Acme would be 0.01 EUR over the credit limit of 1,000.00 EUR"
    with pytest.raises(DomainError) as err:
        decision.raise_if_refused()
    assert err.value.code == "credit.limit_exceeded"


def test_credit_check_refuses_mixed_currencies():
    with pytest.raises(DomainError) as err:
        check_credit(ACME, open_orders=Money(0, "USD"), this_order=Money(1, "USD"))
    assert err.value.code == "money.currency_mismatch"


def test_money_is_whole_minor_units():
    with pytest.raises(DomainError):
        Money(1.5, "EUR")  # type: ignore[arg-type]
    assert Money(45, "EUR").times(3) == Money(135, "EUR")


def test_money_reads_in_the_currencys_units():
    assert [str(Money(22_800, "EUR")), str(Money(-5, "USD")), str(Money(2_000, "JPY")), str(Money(1_500, "KWD"))] == [
        "228.00 EUR",
        "-0.05 USD",
        "2,000 JPY",
        "1.500 KWD",
    ]
