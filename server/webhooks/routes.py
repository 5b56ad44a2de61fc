"""Webhook subscriptions (admins), their health, delivery log and dead letters (admins and supervisors)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Controller, Request, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from server.auth.principal import requires
from server.deps import Caller, Db
from server.webhooks import store
from server.webhooks.views import (
    CreatedSubscription,
    DeadLetterView,
    DeliveryView,
    NewSubscription,
    ReplayQueued,
    SubscriptionChange,
    SubscriptionView,
)

ADMINS = requires()  # admin only
WATCHERS = requires("supervisor")
DEAD_STATES = {"dead": ["dead"], "queued": ["queued"], "delivered": ["delivered"], "open": ["dead", "queued"]}


class WebhookController(Controller):
    path = "/api/webhooks"
    tags = ["webhooks"]

    @post("/", operation_id="createWebhook", guards=[ADMINS], status_code=201)
    async def create(
        self, data: JSONBody[NewSubscription], db: Db, principal: Caller, request: Request[Any, Any, Any]
    ) -> CreatedSubscription:
        """Subscribe a receiver to one warehouse's events (all types when ``types`` is empty).

        The answer carries the signing ``secret`` this once only; keep it with the receiver. Deliveries
        start after ``start_after`` (default: the stream's current head).
        Problems: ``webhook.invalid_url``, ``webhook.invalid_type``, ``webhook.invalid_description``,
        ``webhook.unknown_warehouse``, ``webhook.invalid_start``, ``webhook.invalid_attempts``,
        ``webhook.invalid_timeout`` (422).
        """
        settings = request.app.state.settings
        view, secret = await store.create_subscription(
            db,
            data,
            by=principal.username,
            max_attempts=settings.webhook_max_attempts,
            timeout_s=settings.webhook_timeout_s,
        )
        return CreatedSubscription(view, secret)

    @get("/", operation_id="listWebhooks", guards=[WATCHERS])
    async def list_all(
        self, db: Db, principal: Caller, warehouse: FromQuery[str | None] = None
    ) -> list[SubscriptionView]:
        """Subscriptions with their health (lag, failures, dead letters) in the caller's warehouses.

        Problems: ``auth.wrong_warehouse`` (403) for a warehouse the caller does not work in.
        """
        return await store.list_subscriptions(db, principal, warehouse=warehouse)

    @get("/{subscription_id:int}", operation_id="getWebhook", guards=[WATCHERS])
    async def get_one(self, subscription_id: FromPath[int], db: Db, principal: Caller) -> SubscriptionView:
        """One subscription and its health. Problems: ``webhook.not_found`` (404), ``auth.wrong_warehouse`` (403)."""
        return await store.get_subscription(db, subscription_id, principal)

    @patch("/{subscription_id:int}", operation_id="updateWebhook", guards=[ADMINS])
    async def update(
        self, subscription_id: FromPath[int], data: JSONBody[SubscriptionChange], db: Db
    ) -> SubscriptionView:
        """Change the url, types, description, or pause (``active: false``) and resume a subscription.

        A paused subscription keeps its cursor and resumes where it stopped.
        Problems: ``webhook.not_found`` (404), ``webhook.invalid_url``, ``webhook.invalid_type``,
        ``webhook.invalid_description``, ``webhook.invalid_attempts``, ``webhook.invalid_timeout`` (422).
        """
        return await store.change_subscription(db, subscription_id, data)

    @delete("/{subscription_id:int}", operation_id="deleteWebhook", guards=[ADMINS])
    async def remove(self, subscription_id: FromPath[int], db: Db) -> None:
        """Delete a subscription with its delivery log and dead letters. Problems: ``webhook.not_found`` (404)."""
        await store.delete_subscription(db, subscription_id)

    @get("/{subscription_id:int}/deliveries", operation_id="listWebhookDeliveries", guards=[WATCHERS])
    async def deliveries(
        self,
        subscription_id: FromPath[int],
        db: Db,
        principal: Caller,
        before: Annotated[int | None, QueryParameter(ge=1)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    ) -> list[DeliveryView]:
        """The delivery log, newest first: outcome, response code, latency and attempt number of every try.

        Page with ``before`` = the smallest id seen. Problems: ``webhook.not_found`` (404).
        """
        await store.get_subscription(db, subscription_id, principal)
        return await store.list_deliveries(db, subscription_id, before=before, limit=limit)

    @get("/{subscription_id:int}/dead-letters", operation_id="listWebhookDeadLetters", guards=[WATCHERS])
    async def dead_letters(
        self,
        subscription_id: FromPath[int],
        db: Db,
        principal: Caller,
        wanted: Annotated[Literal["open", "dead", "queued", "delivered"], QueryParameter(name="state")] = "open",
    ) -> list[DeadLetterView]:
        """Events that failed every attempt, in sequence order (``open`` = dead or queued for replay).

        Problems: ``webhook.not_found`` (404).
        """
        await store.get_subscription(db, subscription_id, principal)
        return await store.list_dead_letters(db, subscription_id, states=DEAD_STATES[wanted])

    @post(
        "/{subscription_id:int}/dead-letters/{dead_letter_id:int}/replay",
        operation_id="replayWebhookDeadLetter",
        guards=[WATCHERS],
        status_code=202,
    )
    async def replay_one(
        self, subscription_id: FromPath[int], dead_letter_id: FromPath[int], db: Db, principal: Caller
    ) -> ReplayQueued:
        """Queue one dead letter for redelivery (before the subscription's next new event).

        Problems: ``webhook.not_found``, ``webhook.dead_letter_not_found`` (404),
        ``webhook.dead_letter_not_dead`` (409: already queued or delivered).
        """
        await store.get_subscription(db, subscription_id, principal)
        queued = await store.queue_replay(db, subscription_id, dead_letter_id=dead_letter_id, by=principal.username)
        return ReplayQueued(queued)

    @post(
        "/{subscription_id:int}/dead-letters/replay",
        operation_id="replayWebhookDeadLetters",
        guards=[WATCHERS],
        status_code=202,
    )
    async def replay_all(self, subscription_id: FromPath[int], db: Db, principal: Caller) -> ReplayQueued:
        """Queue every dead letter of the subscription for redelivery, in sequence order.

        Problems: ``webhook.not_found`` (404).
        """
        await store.get_subscription(db, subscription_id, principal)
        return ReplayQueued(await store.queue_replay(db, subscription_id, dead_letter_id=None, by=principal.username))
