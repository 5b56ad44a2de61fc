"""Outbound webhooks: subscriptions, the signed delivery worker, the delivery log and dead letters."""
