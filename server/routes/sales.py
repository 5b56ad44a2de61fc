"""Customers, orders, purchase orders and allocation runs."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy import text

from domain.errors import NotFound
from realtime.positions import stream_position
from server.auth.principal import ensure_warehouse, requires
from server.auth.tokens import Principal
from server.deps import Caller, Db
from server.services import customers
from server.services.order_changes import ReallocationRun, approve_hold, cancel_order, change_line, reallocate
from server.services.order_models import (
    AllocationRun,
    CustomerPrice,
    CustomerView,
    OrderList,
    OrderView,
    PurchaseOrderCreated,
)
from server.services.order_views import load_view
from server.services.orders import ChangeLine, PlaceOrder, place_order
from server.services.purchasing import NewPurchaseOrder, create_purchase_order

SALES = requires("sales_rep", "supervisor")


async def _visible_order(db: Db, principal: Principal, number: str) -> dict[str, Any]:
    order_id = await db.scalar(text("SELECT id FROM sales_orders WHERE number = :n"), {"n": number})
    if order_id is None:
        raise NotFound("order.not_found", f"No order {number}", order=number)
    view = await load_view(db, int(order_id))
    ensure_warehouse(principal, view["warehouse"])
    if not customers.sees_all_customers(principal) and view["sales_rep_id"] != principal.user_id:
        raise NotFound("order.not_found", f"No order {number} among your accounts", order=number)
    return view


class CustomerController(Controller):
    path = "/api/customers"
    tags = ["sales"]
    guards = [SALES]

    @get("/", operation_id="listCustomers")
    async def list_customers(
        self,
        db: Db,
        principal: Caller,
        q: FromQuery[str | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    ) -> list[CustomerView]:
        """The caller's customers with priority and credit status."""
        return msgspec.convert(await customers.list_customers(db, principal, q=q, limit=limit), list[CustomerView])

    @get("/{code:str}", operation_id="getCustomer")
    async def get_customer(self, code: FromPath[str], db: Db, principal: Caller) -> CustomerView:
        """One customer with credit status."""
        return msgspec.convert(await customers.get_customer(db, principal, code), CustomerView)

    @get("/{code:str}/prices", operation_id="getCustomerPrices")
    async def prices(
        self, code: FromPath[str], db: Db, principal: Caller, sku: FromQuery[list[str]]
    ) -> list[CustomerPrice]:
        """The customer's unit prices for some SKUs."""
        return msgspec.convert(await customers.customer_prices(db, principal, code, sku), list[CustomerPrice])


class OrderController(Controller):
    path = "/api/orders"
    tags = ["sales"]

    @post("/", operation_id="placeOrder", guards=[SALES])
    async def place(self, data: JSONBody[PlaceOrder], db: Db, principal: Caller) -> OrderView:
        """Place an order: priced for the customer, credit-checked, allocated at once."""
        return msgspec.convert(await place_order(db, principal, data), OrderView)

    @get("/", operation_id="listOrders", guards=[SALES])
    async def list_orders(
        self,
        db: Db,
        principal: Caller,
        warehouse: FromQuery[str],
        customer: FromQuery[str | None] = None,
        status: FromQuery[str | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
    ) -> OrderList:
        """Orders of a warehouse (a rep's own customers only), newest first."""
        ensure_warehouse(principal, warehouse)
        as_of = await stream_position(db, warehouse)
        rep = None if customers.sees_all_customers(principal) else principal.user_id
        rows = await db.execute(
            text(
                "SELECT o.id FROM sales_orders o JOIN customers c ON c.id = o.customer_id WHERE o.warehouse = :wh"
                " AND (CAST(:rep AS bigint) IS NULL OR c.sales_rep_id = :rep)"
                " AND (CAST(:cust AS text) IS NULL OR c.code = :cust) AND (CAST(:st AS text) IS NULL OR o.status = :st)"
                " ORDER BY o.id DESC LIMIT :limit"
            ),
            {"wh": warehouse, "rep": rep, "cust": customer, "st": status, "limit": limit},
        )
        return msgspec.convert({"as_of": as_of, "orders": [await load_view(db, int(r[0])) for r in rows]}, OrderList)

    @get("/{number:str}", operation_id="getOrder", guards=[SALES])
    async def get_order(self, number: FromPath[str], db: Db, principal: Caller) -> OrderView:
        """One order with its lines, allocations and their reasons."""
        return msgspec.convert(await _visible_order(db, principal, number), OrderView)

    @post("/{number:str}/cancel", operation_id="cancelOrder", guards=[SALES], status_code=200)
    async def cancel(self, number: FromPath[str], db: Db, principal: Caller) -> OrderView:
        """Cancel an order; its stock goes back to ATP."""
        await _visible_order(db, principal, number)
        return msgspec.convert(await cancel_order(db, principal, number), OrderView)

    @post("/{number:str}/approve", operation_id="approveCreditHold", guards=[requires("supervisor")], status_code=200)
    async def approve(self, number: FromPath[str], db: Db, principal: Caller) -> OrderView:
        """Approve an order held for credit; it is allocated at once."""
        return msgspec.convert(await approve_hold(db, principal, number), OrderView)

    @patch("/{number:str}/lines/{line_no:int}", operation_id="changeOrderLine", guards=[SALES])
    async def change(
        self, number: FromPath[str], line_no: FromPath[int], data: JSONBody[ChangeLine], db: Db, principal: Caller
    ) -> OrderView:
        """Change a line's quantity (0 cancels it); its stock is released and re-allocated."""
        await _visible_order(db, principal, number)
        return msgspec.convert(await change_line(db, principal, number, line_no, data), OrderView)


class PlanningController(Controller):
    tags = ["planning"]

    @post(
        "/api/warehouses/{warehouse:str}/allocation-runs",
        operation_id="runAllocation",
        guards=[requires("supervisor")],
        status_code=200,
    )
    async def run_allocation(
        self, warehouse: FromPath[str], data: JSONBody[ReallocationRun], db: Db, principal: Caller
    ) -> AllocationRun:
        """Re-allocate open backorders, priority customers first."""
        return msgspec.convert(await reallocate(db, principal, warehouse, data), AllocationRun)

    @post("/api/purchase-orders", operation_id="createPurchaseOrder", guards=[requires("supervisor")])
    async def create_po(self, data: JSONBody[NewPurchaseOrder], db: Db, principal: Caller) -> PurchaseOrderCreated:
        """Record a purchase order (from the ERP): its open lines are inbound supply in ATP."""
        return msgspec.convert(await create_purchase_order(db, principal, data), PurchaseOrderCreated)
