"""The demo's data as rows: two warehouses' locations, ~500 items with their units and GTINs, a user
per role. Deterministic for a given random generator; server/seed.py inserts them."""

from __future__ import annotations

import random
from typing import Any

from scanners.gs1 import with_check_digit
from server.routes.people import NewUser

ITEM_COUNT = 500
WAREHOUSES = (("WH1", "Rotterdam DC", "Europe/Amsterdam"), ("WH2", "Antwerp DC", "Europe/Brussels"))

DEMO_USERS = (
    NewUser("admin", "Ada Admin", ["admin"], ["WH1", "WH2"], password="floorsync-admin"),
    NewUser(
        "super1",
        "Sam Supervisor",
        ["supervisor"],
        ["WH1", "WH2"],
        password="floorsync-super",
        badge="9001",
        pin="9001",
    ),
    NewUser("picker1", "Pia Picker", ["picker"], ["WH1"], password="floorsync-picker", badge="1001", pin="1234"),
    NewUser("picker2", "Piet Picker", ["picker"], ["WH1"], password="floorsync-picker", badge="1002", pin="2345"),
    NewUser("picker3", "Paula Picker", ["picker"], ["WH2"], password="floorsync-picker", badge="2001", pin="1234"),
    NewUser(
        "receiver1",
        "Rick Receiver",
        ["receiver"],
        ["WH1"],
        password="floorsync-receiver",
        badge="1101",
        pin="1111",
    ),
    NewUser(
        "receiver2",
        "Rita Receiver",
        ["receiver"],
        ["WH2"],
        password="floorsync-receiver",
        badge="2101",
        pin="1111",
    ),
    NewUser("rep1", "Ravi Rep", ["sales_rep"], ["WH1", "WH2"], password="floorsync-rep"),
)


def location_rows(warehouse: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    seq = 0

    def add(code: str, zone: str, kind: str, *, aisle: str = "", x: int = 0, y: int = 0) -> None:
        nonlocal seq
        seq += 10
        rows.append(
            dict(
                warehouse=warehouse,
                code=f"{warehouse}-{code}",
                zone=zone,
                aisle=aisle,
                kind=kind,
                pick_sequence=seq,
                x=x,
                y=y,
            )
        )

    for n in range(1, 5):
        add(f"DOCK-{n:02d}", "DOCK", "dock", x=0, y=n * 4)
    for zone, aisles, levels, kind in (
        ("A", 6, (1,), "pick_face"),
        ("R", 6, (2, 3, 4), "storage"),
        ("F", 2, (1,), "pick_face"),
    ):
        for a in range(1, aisles + 1):
            # serpentine: odd aisles walked up, even aisles walked down, as a picker would
            bays = range(1, 11) if a % 2 else range(10, 0, -1)
            for bay in bays:
                for level in levels:
                    x = (a + (10 if zone == "R" else 0) + (20 if zone == "F" else 0)) * 6
                    add(f"{zone}{a:02d}-{bay:02d}-{level}", zone, kind, aisle=f"{zone}{a:02d}", x=x, y=bay * 2)
    for n in range(1, 3):
        add(f"QA-{n:02d}", "QA", "quarantine", x=2, y=40 + n)
    for n in range(1, 5):
        add(f"STG-{n:02d}", "STG", "staging", x=4, y=44 + n)
    for n in range(1, 5):
        add(f"SHIP-{n:02d}", "SHIP", "shipping", x=6, y=48 + n)
    return rows


def item_rows(rng: random.Random) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    items, uoms = [], []
    words = ("Organic", "Whole", "Fresh", "Frozen", "Premium", "Classic", "Light", "Family")
    nouns = (
        "Milk",
        "Yoghurt",
        "Cheese",
        "Peas",
        "Coffee",
        "Tea",
        "Pasta",
        "Rice",
        "Soap",
        "Juice",
        "Butter",
        "Fries",
        "Cookies",
        "Tomatoes",
        "Olive Oil",
        "Detergent",
    )
    for n in range(1, ITEM_COUNT + 1):
        noun = nouns[n % len(nouns)]
        item_class = (
            "frozen"
            if noun in ("Peas", "Fries")
            else "chilled"
            if noun in ("Milk", "Yoghurt", "Cheese", "Butter", "Juice")
            else "ambient"
        )
        lot_tracked = item_class != "ambient" or n % 7 == 0
        sku = f"SKU-{10000 + n}"
        body = f"871234{n:06d}"
        each = with_check_digit(body)
        case_body = "1" + body
        case = with_check_digit(case_body)
        neighbour = f"SKU-{10000 + n + 1}" if n % 10 == 0 and n < ITEM_COUNT else None
        items.append(
            dict(
                sku=sku,
                description=f"{words[n % len(words)]} {noun} {100 + (n * 37) % 900}g",
                base_uom="EA",
                item_class=item_class,
                lot_tracked=lot_tracked,
                shelf_life_days=rng.choice((21, 45, 90, 180, 365)) if lot_tracked else None,
                substitutes=[neighbour] if neighbour else [],
                standard_cost_minor=rng.randrange(40, 4000),
                currency="EUR",
                # the usual Pareto split for cycle counting: a fifth A, three tenths B, the rest C
                abc_class="A" if n % 10 < 2 else "B" if n % 10 < 5 else "C",
            )
        )
        uoms.append(dict(sku=sku, uom="EA", factor=1, gtin=each))
        uoms.append(dict(sku=sku, uom="CS", factor=rng.choice((6, 12, 24)), gtin=case))
    return items, uoms
