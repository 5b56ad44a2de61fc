"""The app factory: wires settings, database, Redis, middleware and routes. Nothing connects at
import time; connections open lazily once the app runs."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis.asyncio as aioredis
from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.logging import LoggingConfig

from server.auth.context import AuthContext
from server.auth.passwords import HashPool
from server.auth.principal import PrincipalMiddleware, SessionCheck
from server.auth.routes import AuthController
from server.client_address import ClientAddressMiddleware, trusted_networks
from server.db import make_engine, make_sessionmaker
from server.deps import DEPENDENCIES
from server.feed.routes import list_events
from server.imports.history import HistoryController
from server.imports.routes import ImportController
from server.limits import InputLimitsMiddleware
from server.observability import RequestLogMiddleware
from server.openapi import document_contract, openapi_config
from server.problems import EXCEPTION_HANDLERS
from server.routes.badges import BadgeController
from server.routes.board import BoardController
from server.routes.counts import ApprovalController, CountController  # cycle counts and approvals
from server.routes.device_sync import DeviceSyncController
from server.routes.health import healthz, metrics, readyz
from server.routes.inventory import InventoryController
from server.routes.items import ItemController
from server.routes.ledger import LedgerController
from server.routes.people import DeviceController, UserController
from server.routes.pick_lines import PickLineController
from server.routes.pwa import PWA_HANDLERS
from server.routes.realtime import RealtimeController, realtime_socket
from server.routes.receiving import AsnController, ReceiptController
from server.routes.replenishment import ReplenishmentController  # pick-face replenishment
from server.routes.sales import CustomerController, OrderController, PlanningController
from server.routes.scans import ScanController
from server.routes.shipping import ShippingController
from server.routes.tasks import TaskController, WaveController
from server.routes.warehouses import WarehouseController
from server.security_headers import security_headers_hook
from server.settings import Settings
from server.streaming import realtime_lifespan
from server.strict_json import StrictRequest
from server.sweeper import sweeper_lifespan
from server.transactions import TransactionMiddleware
from server.webhooks.lifespan import webhooks_lifespan
from server.webhooks.routes import WebhookController

log = logging.getLogger("floorsync")


# Young-generation collections every 50,000 net allocations instead of 700, and a full one after
# 100 middle ones instead of 10: objects get time to die by reference counting before a collection
# promotes them, and full collections (which walk every socket's objects) become rare.
GC_THRESHOLDS = (50_000, 20, 100)


@asynccontextmanager
async def frozen_startup_heap(app: Litestar) -> AsyncIterator[None]:
    """Once everything has started, move the objects built so far (the app, its routes and schemas,
    SQLAlchemy's metadata: a few hundred thousand) out of the garbage collector's reach, and collect
    less often. Otherwise every full collection walks them all, a pause of about 100 ms under load,
    and with a thousand sockets open one came every minute or two even at one event per second."""
    gc.collect()
    gc.freeze()
    before = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    yield
    gc.set_threshold(*before)
    gc.unfreeze()


def create_app(settings: Settings) -> Litestar:
    """Build the app for concrete backends (``settings`` carries both URLs and a secret key)."""
    if not settings.database_url or not settings.redis_url or not settings.secret_key:
        raise ValueError("create_app needs database_url, redis_url and secret_key; the CLI fills them in")

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url or "", pool_timeout_s=settings.db_pool_timeout_s)
        sessionmaker = make_sessionmaker(engine)
        redis = aioredis.from_url(settings.redis_url or "", health_check_interval=10)
        app.state.settings = settings
        app.state.engine = engine
        app.state.sessionmaker = sessionmaker
        app.state.read_sessionmaker = make_sessionmaker(engine.execution_options(isolation_level="AUTOCOMMIT"))
        app.state.redis = redis
        app.state.trusted_proxies = trusted_networks(settings.trusted_proxies)
        app.state.session_check = SessionCheck(sessionmaker)
        app.state.auth = AuthContext(
            settings=settings, sessionmaker=sessionmaker, hashing=HashPool(settings.hash_concurrency)
        )
        try:
            yield
        finally:
            await redis.aclose()
            await engine.dispose()

    app = Litestar(
        route_handlers=[
            healthz,
            readyz,
            metrics,
            AuthController,
            UserController,
            BadgeController,
            DeviceController,
            WarehouseController,
            InventoryController,
            ItemController,
            CustomerController,
            OrderController,
            PlanningController,
            ScanController,
            AsnController,
            ReceiptController,
            TaskController,
            PickLineController,
            WaveController,
            CountController,
            ApprovalController,
            ReplenishmentController,
            ShippingController,
            LedgerController,
            BoardController,
            DeviceSyncController,
            ImportController,
            HistoryController,
            RealtimeController,
            realtime_socket,
            WebhookController,
            list_events,
            *PWA_HANDLERS,
        ],
        dependencies=DEPENDENCIES,
        middleware=[
            ClientAddressMiddleware,
            RequestLogMiddleware,
            InputLimitsMiddleware,
            PrincipalMiddleware,
            TransactionMiddleware,
        ],
        request_class=StrictRequest,
        before_send=[security_headers_hook(settings)],
        exception_handlers=EXCEPTION_HANDLERS,
        # Litestar's non-blocking queue handler, at the configured level (its default is INFO whatever
        # FLOORSYNC_LOG_LEVEL says)
        logging_config=LoggingConfig(root={"level": settings.log_level, "handlers": ["queue_listener"]}),
        lifespan=[lifespan, realtime_lifespan, sweeper_lifespan, webhooks_lifespan, frozen_startup_heap],
        openapi_config=openapi_config(version="0.1.0", env=settings.env),
        compression_config=CompressionConfig(backend="gzip", minimum_size=1024),
        debug=False,
    )
    document_contract(app)
    return app
