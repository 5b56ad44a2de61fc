"""PostgreSQL gone (a PostgreSQL of the test's own, stopped mid-test): every request that needs it is a
503 ``db.unavailable`` problem with Retry-After, never a 500, and /readyz names the backend without
leaking exception text."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from server.db import make_engine
from server.migrate import upgrade
from server.settings import Settings
from tests.conftest import app_with, auth_headers, new_key
from tests.processes import private_postgres

Client = AsyncTestClient[Litestar]
LEAKS = ("Error", "refused", "errno", "Errno", "socket", "/tmp", "asyncpg", "sqlalchemy", "5432")


async def test_a_stopped_postgresql_is_a_503_db_unavailable_problem_and_readyz_names_it(
    seeded: Settings, client: Client
) -> None:
    # a token signed with the same key (the private app shares it); its session check needs the database
    headers = await auth_headers(client, "super1")
    with private_postgres() as (database_url, stop_postgres):
        engine = make_engine(database_url, pool_size=1)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()
        async with AsyncTestClient(app_with(seeded, database_url=database_url)) as private:
            login = {"username": "nobody", "password": "not-a-password"}
            before = await private.post("/api/auth/login", json=login)
            assert before.status_code == 401, before.text  # the database answered: nobody is nobody
            assert (await private.get("/readyz")).status_code == 200

            stop_postgres()

            for attempt in range(2):  # the pooled connection found dead, then no connection at all
                down = await private.post("/api/auth/login", json=login)
                assert down.status_code == 503, (attempt, down.text)
                assert down.headers["content-type"].startswith("application/problem+json")
                assert down.json()["code"] == "db.unavailable"
                assert int(down.headers["retry-after"]) > 0
            for method, path in (("GET", "/api/warehouses"), ("POST", "/api/warehouses/WH1/locations")):
                answer = await private.request(
                    method,
                    path,
                    headers=headers | {"Idempotency-Key": new_key()},
                    json={"code": "DOWN-1", "zone": "D", "kind": "storage"} if method == "POST" else None,
                )
                assert answer.status_code == 503, (path, answer.text)
                assert answer.json()["code"] == "db.unavailable"
                assert answer.headers["retry-after"] == down.headers["retry-after"]

            ready = await private.get("/readyz")
            assert ready.status_code == 503
            body = ready.json()
            assert body["code"] == "service.unavailable"
            assert body["checks"] == {"postgres": "down", "redis": "ok"}
            assert "postgres" in body["detail"] and "redis" not in body["detail"]
            assert int(ready.headers["retry-after"]) > 0
            assert not [leak for leak in LEAKS if leak in ready.text], ready.text
            assert (await private.get("/healthz")).status_code == 200
