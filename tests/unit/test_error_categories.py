"""Domain errors carry a category, and one table turns each category into an HTTP status."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from domain.errors import CATEGORIES, Broken, Category, Conflict, DomainError, Forbidden, Invalid, NotFound, Rejected
from domain.items import Item, UnitOfMeasure, require_quantity
from domain.stock import Balance, Origin, StockKey, allocate, apply, check_ledger
from server import problem_scan
from server.problems import CATEGORY_STATUS, domain_status

ROOT = Path(__file__).resolve().parents[2]


def test_every_category_answers_with_its_one_status() -> None:
    assert CATEGORY_STATUS == {
        Category.NOT_FOUND: 404,
        Category.CONFLICT: 409,
        Category.REJECTED: 422,
        Category.INVALID: 422,
        Category.FORBIDDEN: 403,
        Category.BROKEN: 500,
    }
    assert {cls.category for cls in CATEGORIES} == set(Category)


@pytest.mark.parametrize(
    ("error", "status"),
    [(NotFound, 404), (Conflict, 409), (Rejected, 422), (Invalid, 422), (Forbidden, 403), (Broken, 500)],
)
def test_a_domain_error_answers_with_its_category_status(error: type[DomainError], status: int) -> None:
    raised = error("thing.refused", "No.", thing=1)
    assert domain_status(raised) == status
    assert (raised.code, raised.message, raised.details) == ("thing.refused", "No.", {"thing": 1})


def test_a_bare_domain_error_cannot_be_raised_without_a_category() -> None:
    with pytest.raises(TypeError):
        DomainError("thing.refused", "No.")


def test_taking_more_stock_than_is_free_is_a_conflict() -> None:
    key = StockKey("A-01", "SKU-1")
    with pytest.raises(Conflict) as err:
        apply(Balance(on_hand=1, version=1), allocate(key, 2, origin=Origin("SO-1", "ann")))
    assert err.value.code == "stock.insufficient"


def test_a_balance_that_disagrees_with_its_ledger_is_broken() -> None:
    with pytest.raises(Broken) as err:
        check_ledger(StockKey("A-01", "SKU-1"), Balance(on_hand=5, version=1), [])
    assert err.value.code == "stock.ledger_mismatch"


def test_an_unknown_unit_is_rejected_and_a_zero_quantity_is_invalid() -> None:
    water = Item("WATER-500", uoms=(UnitOfMeasure("CS", 12),))
    with pytest.raises(Rejected) as unknown:
        water.to_base(1, "BOX")
    with pytest.raises(Invalid) as zero:
        require_quantity(0, what="Quantity")
    assert (unknown.value.code, zero.value.code) == ("uom.unknown", "quantity.not_positive")


def test_no_error_is_raised_with_an_http_status() -> None:
    classes = {cls.__name__ for cls in CATEGORIES}
    for path in (path for package in ("domain", "scanners", "server") for path in (ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for call in ast.walk(tree):
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in classes:
                assert "status" not in {k.arg for k in call.keywords}, f"{path}:{call.lineno}"
            if path.is_relative_to(ROOT / "domain") and isinstance(call, ast.Name):
                assert call.id != "Problem", f"{path}:{call.lineno}"


def test_the_code_catalogue_takes_each_status_from_the_category_table() -> None:
    statuses, _ = problem_scan.scan()
    assert statuses["order.line_not_found"] == 404
    assert statuses["count.approval_required"] == 403
    assert statuses["stock.ledger_mismatch"] == 500
    assert statuses["location.exists"] == 409
    assert statuses["import.unsupported_media_type"] == 415
