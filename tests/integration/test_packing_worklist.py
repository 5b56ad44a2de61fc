"""The packing bench's worklist over the API: picked orders with their totes, what is packed, and
each order's can_change / can_cancel as the rep's screen shows them."""

from __future__ import annotations

from tests.conftest import auth_headers
from tests.execution_helpers import Client, Sessions, picked_orders, post


async def test_a_picked_order_is_listed_with_its_tote_until_it_is_shipped(client: Client, db: Sessions) -> None:
    sup, picker = await auth_headers(client, "super1"), await auth_headers(client, "picker1")
    _, (wave, order) = await picked_orders(client, db, qtys=[2])
    number, tote = order["number"], wave["tasks"][0]["tote"]

    def listed(rows: list[dict[str, object]]) -> dict[str, object] | None:
        return next((r for r in rows if r["number"] == number), None)

    before = listed((await client.get("/api/warehouses/WH1/packing", headers=picker)).json())
    assert before is not None
    assert (before["totes"], before["unpacked_totes"], before["units"]) == ([tote], [tote], [])
    unit = await post(client, picker, f"/api/warehouses/WH1/orders/{number}/pack", {"totes": [tote]})
    after = listed((await client.get("/api/warehouses/WH1/packing", headers=picker)).json())
    assert after is not None
    assert (after["unpacked_totes"], after["units"]) == ([], [{"sscc": unit["sscc"], "totes": [tote]}])

    picked = (await client.get(f"/api/orders/{number}", headers=sup)).json()
    assert (picked["status"], picked["can_change"], picked["can_cancel"]) == ("picked", False, False)
    await post(client, sup, "/api/warehouses/WH1/shipments", {"orders": [number]})
    assert listed((await client.get("/api/warehouses/WH1/packing", headers=picker)).json()) is None


async def test_the_packing_worklist_is_for_the_floor_only(client: Client) -> None:
    rep = await auth_headers(client, "rep1")
    refused = await client.get("/api/warehouses/WH1/packing", headers=rep)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
