"""Floorsync under a mixed floor: pickers, receivers, sales reps and supervisors, over HTTP and WebSockets.

    locust -f load_tests/locustfile.py --headless -u 24 -r 4 -t 120s --host http://127.0.0.1:8000

Headless runs are bounded by ``-t``; ``FLOORSYNC_LOAD_SEED`` (default 7) fixes every user's choices
(each user draws from its own ``random.Random(seed, user number)``). Pickers and receivers get
accounts of their own (created with the demo admin), so each holds its own tasks; sales reps use
``rep1``, who owns the demo customers; supervisors use ``super1``. Any unexpected status is a
failure in locust's statistics, and locust exits non-zero when there was one.
"""

from __future__ import annotations

import itertools
import os
import random
import secrets
import time
import uuid
from typing import Any

from locust import HttpUser, between, events, task
from locust.env import Environment

from load_tests.locust_ws import LiveTopic
from load_tests.scan_steps import gs1_check_digit, putaway_scan, scan_for

SEED = int(os.environ.get("FLOORSYNC_LOAD_SEED", "7"))
WH = "WH1"
PASSWORD = "load-test-password"
RELOGIN_S = 600  # access tokens live 15 minutes; a soak outlives them
random.seed(SEED)
_numbers = itertools.count(1)
_gtins: dict[str, str] = {}  # sku -> each-unit GTIN, learnt from the catalog
_admin: dict[str, str] = {}


@events.test_start.add_listener
def _remember_admin(environment: Environment, **_: Any) -> None:
    """One admin login for the whole run: it creates the pickers' and receivers' accounts."""
    import requests

    answer = requests.post(
        f"{environment.host}/api/auth/login", json={"username": "admin", "password": "floorsync-admin"}, timeout=30
    )
    answer.raise_for_status()
    _admin["Authorization"] = f"Bearer {answer.json()['access_token']}"


class FloorUser(HttpUser):
    """Logs in (creating its account when it has a role of its own) and keeps its token fresh."""

    abstract = True
    role = ""
    username = ""
    password = PASSWORD

    def on_start(self) -> None:
        self.number = next(_numbers)
        self.rng = random.Random(SEED * 1000 + self.number)
        if self.role:
            self.username = f"load{self.role.replace('_', '')}{self.number:04d}"
            body = {"username": self.username, "display_name": self.username, "roles": [self.role],
                    "warehouses": [WH], "password": self.password}
            with self.client.post("/api/admin/users", json=body, headers=_admin, name="create account",
                                  catch_response=True) as answer:
                if answer.status_code not in (201, 409):
                    answer.failure(f"{answer.status_code} {answer.text[:200]}")
        self.login()

    def login(self) -> None:
        answer = self.client.post("/api/auth/login", json={"username": self.username, "password": self.password})
        answer.raise_for_status()
        self.client.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
        self.logged_in_at = time.monotonic()

    def fresh(self) -> None:
        if time.monotonic() - self.logged_in_at > RELOGIN_S:
            self.login()

    def post(
        self, path: str, body: Any, *, name: str, expect: tuple[int, ...] = (200, 201), refusals: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """A command with its own Idempotency-Key; an unexpected status is a failure. ``refusals`` are
        problem codes the floor can meet in a long run (a full warehouse), answered and not failures."""
        headers = {"Idempotency-Key": str(uuid.uuid4())}
        with self.client.post(path, json=body, headers=headers, name=name, catch_response=True) as answer:
            if answer.status_code == 409 and refusals and answer.json().get("code") in refusals:
                answer.success()
                return {}
            if answer.status_code not in expect:
                answer.failure(f"{answer.status_code} {answer.text[:300]}")
                return {}
            return dict(answer.json())

    def gtin(self, sku: str) -> str:
        if sku not in _gtins:
            page = self.client.get(f"/api/warehouses/{WH}/catalog", params={"q": sku, "limit": 5}, name="catalog")
            for item in page.json()["items"]:
                if item["gtins"]:
                    _gtins[item["sku"]] = item["gtins"][0]
        return _gtins[sku]


class Picker(FloorUser):
    """Claims a trip, then scans each task: bin, item (with lot), quantity, tote."""

    weight = 6
    role = "picker"
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        super().on_start()
        self.trip: list[dict[str, Any]] = []
        self.prompt: dict[str, Any] | None = None

    @task
    def pick(self) -> None:
        self.fresh()
        if not self.trip:
            answer = self.post(f"/api/warehouses/{WH}/tasks/next", {"kinds": ["pick"]}, name="claim pick trip")
            self.trip, self.prompt = answer.get("trip") or [], answer.get("prompt")
            if not self.trip:
                return
        task_id, prompt = self.trip[0]["id"], self.prompt or {"step": "location", "location": self.trip[0]["location"]}
        while prompt["step"] != "done":
            if prompt["step"] == "item":
                self.gtin(prompt["sku"])
            answer = self.post(f"/api/warehouses/{WH}/tasks/{task_id}/scans", scan_for(prompt, _gtins),
                               name=f"pick scan: {prompt['step']}")
            if not answer:
                self.trip = []  # claim again: the server says what we hold
                return
            prompt = answer["prompt"]
        self.trip.pop(0)
        self.prompt = None


class Receiver(FloorUser):
    """Receives a pallet announced by an ASN (the ERP's PO and ASN come first), closes, puts it away."""

    weight = 2
    role = "receiver"
    wait_time = between(2.0, 5.0)

    def on_start(self) -> None:
        super().on_start()
        page = self.client.get(f"/api/warehouses/{WH}/catalog", params={"limit": 100}, name="catalog").json()
        self.skus = [i["sku"] for i in page["items"] if not i["lot_tracked"] and i["gtins"]]
        _gtins.update({i["sku"]: i["gtins"][0] for i in page["items"] if i["gtins"]})
        self.erp: dict[str, str] = {}
        self.erp_since = 0.0

    def erp_headers(self) -> dict[str, str]:
        """The ERP integration's part (purchase orders, ASNs) is a supervisor's; its token is kept fresh too."""
        if time.monotonic() - self.erp_since > RELOGIN_S:
            body = {"username": "super1", "password": "floorsync-super"}
            answer = self.client.post("/api/auth/login", json=body, name="ERP login")
            self.erp = {"Authorization": f"Bearer {answer.json()['access_token']}"}
            self.erp_since = time.monotonic()
        return {"Idempotency-Key": str(uuid.uuid4()), **self.erp}

    @task
    def receive(self) -> None:
        self.fresh()
        sku, qty = self.rng.choice(self.skus), self.rng.randint(5, 40)
        po, asn = f"PO-L{SEED}-{secrets.token_hex(4)}", f"ASN-L{SEED}-{secrets.token_hex(4)}"
        sscc_body = "0" + "0614141" + f"{self.rng.randrange(10**9):09d}"
        sscc = sscc_body + gs1_check_digit(sscc_body)
        self.client.post("/api/purchase-orders", headers=self.erp_headers(), name="ERP purchase order", json={
            "number": po, "supplier": "Load Supplies", "warehouse": WH, "expected_date": "2027-01-15",
            "lines": [{"sku": sku, "qty": qty, "unit_cost": 150}]})
        self.client.post("/api/asns", headers=self.erp_headers(), name="ERP ASN", json={
            "number": asn, "purchase_order": po,
            "pallets": [{"sscc": sscc, "lines": [{"po_line": 1, "sku": sku, "qty": qty}]}]})
        dock = f"{WH}-DOCK-0{self.rng.randint(1, 4)}"
        receipt = self.post(f"/api/warehouses/{WH}/receipts", {"scan": sscc, "dock": dock}, name="start receipt")
        if not receipt:
            return
        base = f"/api/warehouses/{WH}/receipts/{receipt['id']}"
        self.post(f"{base}/lines", {"pallet": f"(00){sscc}"}, name="receive pallet")
        # the floor receives faster than it ships: after some minutes every empty bin is taken, and
        # closing says so (409 putaway.no_location); the receipt stays open, as on a full dock
        self.post(f"{base}/close", {}, name="close receipt", refusals=("putaway.no_location",))
        self.put_away()

    def put_away(self) -> None:
        answer = self.post(f"/api/warehouses/{WH}/tasks/next", {"kinds": ["putaway"]}, name="claim putaway")
        for n, task_view in enumerate(answer.get("trip") or []):
            prompt = answer["prompt"] if n == 0 else {"step": "location", "location": task_view["location"]}
            while prompt["step"] != "done":
                if prompt["step"] == "item":
                    self.gtin(prompt["sku"])
                scanned = self.post(f"/api/warehouses/{WH}/tasks/{task_view['id']}/scans",
                                    putaway_scan(prompt, _gtins), name=f"putaway scan: {prompt['step']}")
                if not scanned:
                    return
                prompt = scanned["prompt"]


class SalesRep(FloorUser):
    """Reads ATP and the catalogue, follows ATP of its items live, and now and then places an order."""

    weight = 4
    wait_time = between(0.5, 2.0)
    username, password = "rep1", "floorsync-rep"

    def on_start(self) -> None:
        super().on_start()
        self.skus = [f"SKU-{10000 + n}" for n in self.rng.sample(range(1, 401), 20)]
        snapshot = self.client.get(f"/api/warehouses/{WH}/atp/{self.skus[0]}", name="atp").json()
        self.live = LiveTopic(self, f"atp:{WH}", skus=self.skus)
        self.live.start(snapshot["as_of"])

    def on_stop(self) -> None:
        self.live.stop()

    @task(10)
    def atp(self) -> None:
        self.fresh()
        self.client.get(f"/api/warehouses/{WH}/atp/{self.rng.choice(self.skus)}", name="atp")

    @task(3)
    def catalog(self) -> None:
        self.client.get(f"/api/warehouses/{WH}/catalog", params={"q": "SKU-10" + str(self.rng.randint(0, 4))},
                        name="catalog")

    @task(2)
    def order(self) -> None:
        customer = self.rng.choice([n for n in range(1, 41) if n % 4])  # the WH1 customers of the demo
        lines = [{"sku": s, "qty": self.rng.randint(1, 3)} for s in self.rng.sample(self.skus, self.rng.randint(1, 3))]
        self.post("/api/orders", {"customer": f"CUST-{customer:03d}", "warehouse": WH, "lines": lines},
                  name="place order", expect=(201,))


class Supervisor(FloorUser):
    """Follows the task board live from its snapshot, rereads the snapshot and KPIs, releases small waves."""

    weight = 1
    wait_time = between(1.0, 3.0)
    username, password = "super1", "floorsync-super"

    def on_start(self) -> None:
        super().on_start()
        self.live = LiveTopic(self, f"board:{WH}")
        self.live.start(self.snapshot())

    def on_stop(self) -> None:
        self.live.stop()

    def snapshot(self) -> dict[str, Any] | None:
        """The board snapshot's ``as_of`` (the board endpoint where the server has one, else the position)."""
        with self.client.get(f"/api/warehouses/{WH}/board", name="board snapshot", catch_response=True) as answer:
            if answer.status_code == 200:
                return dict(answer.json().get("as_of") or {}) or None
            if answer.status_code == 404 and answer.json().get("code") == "request.not_found":
                answer.success()  # a server without the board endpoint: its position is the snapshot
                return dict(self.client.get(f"/api/realtime/warehouses/{WH}/position", name="position").json())
            answer.failure(f"{answer.status_code} {answer.text[:200]}")
            return None

    @task(5)
    def board(self) -> None:
        self.fresh()
        self.snapshot()
        self.client.get(f"/api/realtime/warehouses/{WH}/presence", name="presence")

    @task(2)
    def release(self) -> None:
        body = {"max_orders": 5, "max_orders_per_cluster": 2}
        with self.client.post(f"/api/warehouses/{WH}/waves", json=body, name="release wave",
                              headers={"Idempotency-Key": str(uuid.uuid4())}, catch_response=True) as answer:
            if answer.status_code == 409 and answer.json().get("code") == "wave.no_orders":
                answer.success()  # nothing allocated to release right now
            elif answer.status_code != 201:
                answer.failure(f"{answer.status_code} {answer.text[:200]}")
