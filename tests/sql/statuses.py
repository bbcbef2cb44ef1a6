"""The statuses payments.payment_history and payments.subscriptions allow, for the SQL tests."""

PAYMENT_STATUSES = [
    "pending",
    "requires_action",
    "succeeded",
    "failed",
    "canceled",
    "refunded",
    "partially_refunded",
    "disputed",
    "won",
    "lost",
    "void",
    "uncollectible",
]
SUBSCRIPTION_STATUSES = [
    "incomplete",
    "incomplete_expired",
    "trialing",
    "active",
    "past_due",
    "canceled",
    "unpaid",
    "paused",
]
