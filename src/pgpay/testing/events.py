"""Realistic Stripe-shaped objects and webhook events for tests.

`StripeFactory` builds the objects Stripe sends in webhook payloads (customers, products, prices,
Checkout Sessions, PaymentIntents, charges, refunds, disputes, subscriptions, invoices) and wraps
them into events exactly as Stripe delivers them. Everything is deterministic for a given seed: ids
come from a seeded generator and time from an internal clock that only moves forward.

Two API shapes are supported, chosen by ``api_version``:

* before ``2025-03-31`` (e.g. ``2024-06-20``): a subscription carries ``current_period_start/end``;
  an invoice carries top-level ``subscription``, ``payment_intent``, ``charge`` and ``paid``; a
  PaymentIntent and a charge carry ``invoice``; invoice lines carry ``price``/``plan``/``type``;
* ``2025-03-31.basil`` and later: period dates live on each subscription item; an invoice names
  its subscription under ``parent.subscription_details`` and its payments under ``payments``;
  invoice lines carry ``pricing.price_details`` and ``parent.subscription_item_details``.

Fields that Stripe only returns on request (``expand[]``/includable) are left out unless asked
for, as in a real webhook: a Checkout Session's ``line_items`` and a charge's ``refunds`` are never
in event payloads. Invoice ``payments`` is includable too; it is emitted by default because pgpay's
ingestor is specified to read it, and `StripeFactory.include_invoice_payments` turns it off.

The scenario helpers return lists of events in the order Stripe creates them (``created`` never
decreases; several events may share a second). Stripe does not guarantee delivery order, so tests
should also shuffle and duplicate these lists.
"""

from __future__ import annotations

import calendar
import copy
import hashlib
import random
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

__all__ = [
    "JSON",
    "NEW_SHAPE_VERSION",
    "LineSpec",
    "StripeFactory",
    "add_interval",
    "diff_attributes",
]

JSON = dict[str, Any]
"""A Stripe object or event, as decoded from JSON."""

LineSpec = tuple[Mapping[str, Any], int]
"""A (price object, quantity) pair."""

NEW_SHAPE_VERSION = "2025-03-31"
"""First API version with item-level periods, invoice ``parent`` and invoice ``payments``."""

CheckoutMode = Literal["payment", "subscription", "setup"]
LifecycleEnd = Literal["canceled", "active", "past_due_then_canceled"]
Outcome = Literal["succeeded", "failed"]
DisputeOutcome = Literal["won", "lost"]

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_DAY = 86_400
_HOUR = 3_600
_DISPUTE_FEE = 1_500
_SITE = "https://example.com"

# Stripe object type -> attribute of StripeFactory holding the latest state of such objects.
_STORES: dict[str, str] = {
    "customer": "customers",
    "product": "products",
    "price": "prices",
    "checkout.session": "checkout_sessions",
    "payment_intent": "payment_intents",
    "charge": "charges",
    "refund": "refunds",
    "dispute": "disputes",
    "subscription": "subscriptions",
    "invoice": "invoices",
}

_EVIDENCE_FIELDS = (
    "access_activity_log",
    "billing_address",
    "cancellation_policy",
    "cancellation_policy_disclosure",
    "cancellation_rebuttal",
    "customer_communication",
    "customer_email_address",
    "customer_name",
    "customer_purchase_ip",
    "customer_signature",
    "duplicate_charge_documentation",
    "duplicate_charge_explanation",
    "duplicate_charge_id",
    "product_description",
    "receipt",
    "refund_policy",
    "refund_policy_disclosure",
    "refund_refusal_explanation",
    "service_date",
    "service_documentation",
    "shipping_address",
    "shipping_carrier",
    "shipping_date",
    "shipping_documentation",
    "shipping_tracking_number",
    "uncategorized_file",
    "uncategorized_text",
)


def add_interval(ts: int, interval: str, count: int = 1) -> int:
    """Return `ts` moved forward by `count` billing intervals (calendar months/years, UTC).

    A month step keeps the day of month, clamped to the month's length (Jan 31 + 1 month is the
    last day of February), as Stripe does for a billing cycle anchored on `ts`.
    """
    if interval == "day":
        return ts + count * _DAY
    if interval == "week":
        return ts + count * 7 * _DAY
    if interval not in ("month", "year"):
        raise ValueError(f"unknown recurring interval {interval!r}: use day, week, month or year")
    months = count if interval == "month" else 12 * count
    start = datetime.fromtimestamp(ts, tz=UTC)
    years_ahead, month_index = divmod(start.month - 1 + months, 12)
    year = start.year + years_ahead
    month = month_index + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return int(start.replace(year=year, month=month, day=day).timestamp())


def diff_attributes(old: Mapping[str, Any], new: Mapping[str, Any]) -> JSON:
    """Stripe-style ``previous_attributes``: the old values of everything that changed.

    Nested hashes are compared key by key and report only their changed keys (as Stripe does
    for ``metadata`` or ``items``); lists and scalars are reported whole. A key that did not
    exist before is reported as ``None``.
    """
    previous: JSON = {}
    for key, new_value in new.items():
        if key not in old:
            previous[key] = None
            continue
        old_value = old[key]
        if old_value == new_value:
            continue
        if isinstance(old_value, Mapping) and isinstance(new_value, Mapping):
            previous[key] = diff_attributes(old_value, new_value)
        else:
            previous[key] = copy.deepcopy(old_value)
    for key, old_value in old.items():
        if key not in new:
            previous[key] = copy.deepcopy(old_value)
    return previous


def _stripe_order(value: Any) -> Any:
    """Order keys as Stripe does: ``id`` and ``object`` first, the rest alphabetically."""
    if isinstance(value, dict):
        head = [k for k in ("id", "object") if k in value]
        tail = sorted(k for k in value if k not in ("id", "object"))
        return {k: _stripe_order(value[k]) for k in head + tail}
    if isinstance(value, list):
        return [_stripe_order(v) for v in value]
    return value


def _list_object(data: list[JSON], url: str) -> JSON:
    return {"object": "list", "data": data, "has_more": False, "total_count": len(data), "url": url}


def _metadata(metadata: Mapping[str, str] | None) -> dict[str, str]:
    return {str(k): str(v) for k, v in (metadata or {}).items()}


class StripeFactory:
    """Deterministic builder of Stripe objects, events and event sequences.

    Every builder stamps ``created`` from the clock `now` (advance it with `tick`), registers the
    object's latest state in the matching store (`customers`, `products`, `prices`,
    `checkout_sessions`, `payment_intents`, `charges`, `refunds`, `disputes`, `subscriptions`,
    `invoices`: id -> object) and returns it. Builders accept keyword-only ``id`` and ``created``
    to rebuild an existing object in a new state. Scenario helpers read and update these stores,
    so they compose: a refund after a purchase reuses the purchase's charge and PaymentIntent.

    Use distinct seeds for factories whose events end up in the same database: two factories with
    the same seed hand out the same ids.
    """

    def __init__(
        self,
        livemode: bool = False,
        api_version: str = "2025-03-31.basil",
        start: int = 1_760_000_000,
        seed: int = 0,
    ) -> None:
        self.livemode = livemode
        self.api_version = api_version
        self.now = start
        self.seed = seed
        self.include_invoice_payments = True
        """Emit ``invoice.payments`` (new shape). Stripe only includes it when expanded."""
        # Deterministic test data, not secrets: a seeded PRNG is the point.
        self._rng = random.Random(seed)  # noqa: S311
        self._issued: set[str] = set()
        self._account = "".join(self._rng.choice(_ALPHABET) for _ in range(10))
        self.customers: dict[str, JSON] = {}
        self.products: dict[str, JSON] = {}
        self.prices: dict[str, JSON] = {}
        self.checkout_sessions: dict[str, JSON] = {}
        self.payment_intents: dict[str, JSON] = {}
        self.charges: dict[str, JSON] = {}
        self.refunds: dict[str, JSON] = {}
        self.disputes: dict[str, JSON] = {}
        self.subscriptions: dict[str, JSON] = {}
        self.invoices: dict[str, JSON] = {}
        self.checkout_line_items: dict[str, JSON] = {}
        """Checkout Session id -> its ``line_items`` list (only returned by Stripe on expand)."""
        self._payment_methods: dict[str, str] = {}
        self._invoice_payment_ids: dict[str, str] = {}
        self._line_ids: dict[str, list[str]] = {}
        self._invoice_numbers: dict[str, str] = {}
        self._invoice_pis: dict[str, str] = {}

    # ----------------------------------------------------------------------------- basics

    @property
    def is_new_shape(self) -> bool:
        """True when `api_version` is 2025-03-31 (basil) or later."""
        return self.api_version[:10] >= NEW_SHAPE_VERSION

    def tick(self, seconds: int = 1) -> int:
        """Advance the clock by `seconds` (never backwards) and return the new `now`."""
        if seconds < 0:
            raise ValueError("the clock never goes backwards: tick() needs seconds >= 0")
        self.now += seconds
        return self.now

    def advance_to(self, ts: int) -> int:
        """Move the clock forward to `ts` (no-op when `ts` is in the past) and return `now`."""
        self.now = max(self.now, ts)
        return self.now

    def new_id(self, prefix: str, length: int | None = None) -> str:
        """Return a fresh, unique, seed-deterministic id such as ``cus_Q2m…`` or ``pi_3Pq…``.

        Long ids mimic Stripe's layout: a version digit, a clock-derived part, the (seeded)
        account tag and random characters.
        """
        if length is None:
            length = 14 if prefix in ("cus", "prod", "si", "li", "acct") else 24
        while True:
            if length >= 24:
                head = "3" if prefix in ("pi", "ch", "py") else "1"
                clock = self._base62(self.now, 5)
                rand_len = length - 16
                tail = "".join(self._rng.choice(_ALPHABET) for _ in range(rand_len))
                body = head + clock + self._account + tail
            else:
                body = "".join(self._rng.choice(_ALPHABET) for _ in range(length))
            new = f"{prefix}_{body}"
            if new not in self._issued:
                self._issued.add(new)
                return new

    def new_uuid(self) -> str:
        """A seed-deterministic random UUID string (as pgpay's local session ids are)."""
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def latest(self, object_type: str) -> JSON:
        """The most recently built object of a Stripe type (``"charge"``, ``"subscription"``…)."""
        store = self._store_for(object_type)
        if not store:
            raise LookupError(f"no {object_type} has been built yet")
        return store[next(reversed(store))]

    def update(self, obj: Mapping[str, Any], **changes: Any) -> tuple[JSON, JSON]:
        """Copy `obj` with top-level `changes` applied, register it, and return it together
        with the Stripe-style ``previous_attributes`` for a ``*.updated`` event."""
        new = copy.deepcopy(dict(obj))
        new.update(copy.deepcopy(changes))
        new = self._register(new)
        return new, diff_attributes(obj, new)

    def event(
        self,
        type: str,
        obj: Mapping[str, Any],
        previous_attributes: Mapping[str, Any] | None = None,
        created: int | None = None,
    ) -> JSON:
        """Wrap a deep copy of `obj` in an event as Stripe delivers it to a webhook endpoint."""
        data: JSON = {"object": copy.deepcopy(dict(obj))}
        if previous_attributes is not None:
            data["previous_attributes"] = copy.deepcopy(dict(previous_attributes))
        return {
            "id": self.new_id("evt"),
            "object": "event",
            "api_version": self.api_version,
            "created": self.now if created is None else created,
            "data": data,
            "livemode": self.livemode,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": type,
        }

    def subject_metadata(
        self,
        subject_type: str | None,
        subject_id: str | None,
        checkout_session_id: str | None = None,
    ) -> dict[str, str]:
        """The metadata pgpay's checkout stamps on a session, its subscription or PaymentIntent.

        Without a subject (anonymous one-time checkout) only the local session id is stamped.
        """
        meta: dict[str, str] = {}
        if subject_type is not None and subject_id is not None:
            meta["pgpay_subject_type"] = subject_type
            meta["pgpay_subject_id"] = subject_id
        meta["pgpay_checkout_session_id"] = checkout_session_id or self.new_uuid()
        return meta

    # ----------------------------------------------------------------------------- catalog

    def customer(
        self,
        email: str | None = None,
        metadata: Mapping[str, str] | None = None,
        name: str | None = None,
        *,
        id: str | None = None,
        created: int | None = None,
    ) -> JSON:
        """A ``customer`` object."""
        cus_id = id or self.new_id("cus")
        prefix = self._derived(f"prefix:{cus_id}", 8).upper()
        return self._register(
            {
                "id": cus_id,
                "object": "customer",
                "address": None,
                "balance": 0,
                "created": self.now if created is None else created,
                "currency": None,
                "default_source": None,
                "delinquent": False,
                "description": None,
                "discount": None,
                "email": email,
                "invoice_prefix": prefix,
                "invoice_settings": {
                    "custom_fields": None,
                    "default_payment_method": None,
                    "footer": None,
                    "rendering_options": None,
                },
                "livemode": self.livemode,
                "metadata": _metadata(metadata),
                "name": name,
                "next_invoice_sequence": 1,
                "phone": None,
                "preferred_locales": [],
                "shipping": None,
                "tax_exempt": "none",
                "test_clock": None,
            }
        )

    def product(
        self,
        name: str,
        metadata: Mapping[str, str] | None = None,
        active: bool = True,
        *,
        id: str | None = None,
        created: int | None = None,
    ) -> JSON:
        """A ``product`` object."""
        ts = self.now if created is None else created
        return self._register(
            {
                "id": id or self.new_id("prod"),
                "object": "product",
                "active": active,
                "created": ts,
                "default_price": None,
                "description": None,
                "images": [],
                "livemode": self.livemode,
                "marketing_features": [],
                "metadata": _metadata(metadata),
                "name": name,
                "package_dimensions": None,
                "shippable": None,
                "statement_descriptor": None,
                "tax_code": None,
                "type": "service",
                "unit_label": None,
                "updated": self.now,
                "url": None,
            }
        )

    def price(
        self,
        product_id: str,
        unit_amount: int,
        currency: str = "usd",
        recurring_interval: str | None = None,
        metadata: Mapping[str, str] | None = None,
        active: bool = True,
        *,
        interval_count: int = 1,
        nickname: str | None = None,
        lookup_key: str | None = None,
        id: str | None = None,
        created: int | None = None,
    ) -> JSON:
        """A ``price`` object; one-time unless `recurring_interval` (day/week/month/year)."""
        recurring: JSON | None = None
        if recurring_interval is not None:
            add_interval(0, recurring_interval)  # validates the interval name
            recurring = {
                "interval": recurring_interval,
                "interval_count": interval_count,
                "meter": None,
                "trial_period_days": None,
                "usage_type": "licensed",
            }
            if not self.is_new_shape:
                recurring["aggregate_usage"] = None
        return self._register(
            {
                "id": id or self.new_id("price"),
                "object": "price",
                "active": active,
                "billing_scheme": "per_unit",
                "created": self.now if created is None else created,
                "currency": currency,
                "custom_unit_amount": None,
                "livemode": self.livemode,
                "lookup_key": lookup_key,
                "metadata": _metadata(metadata),
                "nickname": nickname,
                "product": product_id,
                "recurring": recurring,
                "tax_behavior": "unspecified",
                "tiers_mode": None,
                "transform_quantity": None,
                "type": "one_time" if recurring is None else "recurring",
                "unit_amount": unit_amount,
                "unit_amount_decimal": str(unit_amount),
            }
        )

    # ----------------------------------------------------------------------------- checkout

    def checkout_session(
        self,
        mode: CheckoutMode,
        customer: str | None = None,
        line_items: Sequence[LineSpec] = (),
        amount_total: int | None = None,
        currency: str | None = None,
        payment_status: Literal["paid", "unpaid", "no_payment_required"] = "unpaid",
        status: Literal["open", "complete", "expired"] = "open",
        payment_intent: str | None = None,
        subscription: str | None = None,
        metadata: Mapping[str, str] | None = None,
        client_reference_id: str | None = None,
        customer_email: str | None = None,
        *,
        invoice: str | None = None,
        include_line_items: bool = False,
        id: str | None = None,
        created: int | None = None,
    ) -> JSON:
        """A ``checkout.session`` object.

        `line_items` are (price, quantity) pairs. Stripe leaves ``line_items`` out of webhook
        payloads; they are kept in `checkout_line_items` and only emitted when
        `include_line_items` is set (the shape of an expanded API response).
        """
        prefix = "cs_live" if self.livemode else "cs_test"
        cs_id = id or self.new_id(prefix, 58)
        ts = self.now if created is None else created
        subtotal = sum(int(p["unit_amount"]) * q for p, q in line_items)
        total = subtotal if amount_total is None else amount_total
        cur = currency or (str(line_items[0][0]["currency"]) if line_items else "usd")
        email = customer_email
        if email is None and customer is not None and customer in self.customers:
            email = self.customers[customer].get("email")
        items = self._checkout_items(cs_id, line_items, cur)
        customer_details: JSON | None = None
        if status == "complete":
            customer_details = {
                "address": {
                    "city": None,
                    "country": "US",
                    "line1": None,
                    "line2": None,
                    "postal_code": "94103",
                    "state": None,
                },
                "email": email or "buyer@example.com",
                "name": "Jenny Rosen",
                "phone": None,
                "tax_exempt": "none",
                "tax_ids": [],
            }
        elif email is not None:
            customer_details = {
                "address": None,
                "email": email,
                "name": None,
                "phone": None,
                "tax_exempt": "none",
                "tax_ids": None,
            }
        session: JSON = {
            "id": cs_id,
            "object": "checkout.session",
            "adaptive_pricing": {"enabled": False},
            "after_expiration": None,
            "allow_promotion_codes": None,
            "amount_subtotal": subtotal if amount_total is None else total,
            "amount_total": total,
            "automatic_tax": {"enabled": False, "liability": None, "status": None},
            "billing_address_collection": None,
            "cancel_url": f"{_SITE}/cancel",
            "client_reference_id": client_reference_id,
            "client_secret": None,
            "consent": None,
            "consent_collection": None,
            "created": ts,
            "currency": cur,
            "currency_conversion": None,
            "custom_fields": [],
            "custom_text": {
                "after_submit": None,
                "shipping_address": None,
                "submit": None,
                "terms_of_service_acceptance": None,
            },
            "customer": customer,
            "customer_creation": "if_required" if mode == "payment" else None,
            "customer_details": customer_details,
            "customer_email": customer_email,
            "discounts": [],
            "expires_at": ts + _DAY,
            "invoice": invoice,
            "invoice_creation": (
                {
                    "enabled": False,
                    "invoice_data": {
                        "account_tax_ids": None,
                        "custom_fields": None,
                        "description": None,
                        "footer": None,
                        "issuer": None,
                        "metadata": {},
                        "rendering_options": None,
                    },
                }
                if mode == "payment"
                else None
            ),
            "livemode": self.livemode,
            "locale": None,
            "metadata": _metadata(metadata),
            "mode": mode,
            "payment_intent": payment_intent,
            "payment_link": None,
            "payment_method_collection": "if_required" if mode == "payment" else "always",
            "payment_method_configuration_details": None,
            "payment_method_options": {"card": {"request_three_d_secure": "automatic"}},
            "payment_method_types": ["card"],
            "payment_status": payment_status,
            "phone_number_collection": {"enabled": False},
            "recovered_from": None,
            "saved_payment_method_options": None,
            "setup_intent": None,
            "shipping_address_collection": None,
            "shipping_cost": None,
            "shipping_options": [],
            "status": status,
            "submit_type": None,
            "subscription": subscription,
            "success_url": f"{_SITE}/success?session_id={{CHECKOUT_SESSION_ID}}",
            "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
            "ui_mode": "hosted",
            "url": f"https://checkout.stripe.com/c/pay/{cs_id}" if status == "open" else None,
            "wallet_options": None,
        }
        if self.is_new_shape:
            session["collected_information"] = {"shipping_details": None}
        else:
            session["shipping_details"] = None
        if include_line_items:
            session["line_items"] = copy.deepcopy(items)
        return self._register(session)

    # ----------------------------------------------------------------------------- payments

    def payment_intent(
        self,
        amount: int,
        currency: str = "usd",
        customer: str | None = None,
        status: str = "succeeded",
        metadata: Mapping[str, str] | None = None,
        invoice: str | None = None,
        latest_charge: str | None = None,
        *,
        description: str | None = None,
        payment_method_type: str = "card",
        last_payment_error: Mapping[str, Any] | None = None,
        id: str | None = None,
        created: int | None = None,
    ) -> JSON:
        """A ``payment_intent`` object. `invoice` is only emitted in the old shape (Stripe
        removed ``PaymentIntent.invoice`` in 2025-03-31)."""
        pi_id = id or self.new_id("pi")
        pm_id = self._payment_method(pi_id)
        pi: JSON = {
            "id": pi_id,
            "object": "payment_intent",
            "amount": amount,
            "amount_capturable": 0,
            "amount_details": {"tip": {}},
            "amount_received": amount if status == "succeeded" else 0,
            "application": None,
            "application_fee_amount": None,
            "automatic_payment_methods": None,
            "canceled_at": None,
            "cancellation_reason": None,
            "capture_method": (
                "automatic_async" if self.api_version[:10] >= "2024-04-10" else "automatic"
            ),
            "client_secret": f"{pi_id}_secret_{self._derived(pi_id, 25)}",
            "confirmation_method": "automatic",
            "created": self.now if created is None else created,
            "currency": currency,
            "customer": customer,
            "description": description,
            "last_payment_error": dict(last_payment_error) if last_payment_error else None,
            "latest_charge": latest_charge,
            "livemode": self.livemode,
            "metadata": _metadata(metadata),
            "next_action": None,
            "on_behalf_of": None,
            "payment_method": None if status == "requires_payment_method" else pm_id,
            "payment_method_configuration_details": None,
            "payment_method_options": self._payment_method_options(payment_method_type),
            "payment_method_types": [payment_method_type],
            "processing": None,
            "receipt_email": None,
            "review": None,
            "setup_future_usage": None,
            "shipping": None,
            "source": None,
            "statement_descriptor": None,
            "statement_descriptor_suffix": None,
            "status": status,
            "transfer_data": None,
            "transfer_group": None,
        }
        if not self.is_new_shape:
            pi["invoice"] = invoice
        return self._register(pi)

    def charge(
        self,
        payment_intent: str | None,
        amount: int,
        amount_refunded: int = 0,
        refunded: bool = False,
        status: Literal["succeeded", "pending", "failed"] = "succeeded",
        customer: str | None = None,
        metadata: Mapping[str, str] | None = None,
        disputed: bool = False,
        *,
        currency: str | None = None,
        invoice: str | None = None,
        description: str | None = None,
        payment_method_type: str | None = None,
        id: str | None = None,
        created: int | None = None,
    ) -> JSON:
        """A ``charge`` object. Currency, customer, metadata and payment method default to the
        PaymentIntent's when it was built by this factory. `invoice` is old-shape only."""
        pi = self.payment_intents.get(payment_intent or "")
        ch_id = id or self.new_id("ch")
        cur = currency or (str(pi["currency"]) if pi else "usd")
        cust = customer if customer is not None else (pi["customer"] if pi else None)
        meta = metadata if metadata is not None else (pi["metadata"] if pi else None)
        desc = description if description is not None else (pi["description"] if pi else None)
        pm_type = payment_method_type or (str(pi["payment_method_types"][0]) if pi else "card")
        pm_id = self._payment_method(payment_intent or ch_id)
        succeeded = status == "succeeded"
        failed = status == "failed"
        outcome: JSON
        if failed:
            outcome = {
                "network_advice_code": None,
                "network_decline_code": None,
                "network_status": "declined_by_network",
                "reason": "generic_decline",
                "risk_level": "normal",
                "risk_score": 41,
                "seller_message": "The bank did not return any further details with this decline.",
                "type": "issuer_declined",
            }
        else:
            outcome = {
                "network_advice_code": None,
                "network_decline_code": None,
                "network_status": "approved_by_network",
                "reason": None,
                "risk_level": "normal",
                "risk_score": 32,
                "seller_message": "Payment complete.",
                "type": "authorized",
            }
        ch: JSON = {
            "id": ch_id,
            "object": "charge",
            "amount": amount,
            "amount_captured": 0 if failed else amount,
            "amount_refunded": amount_refunded,
            "application": None,
            "application_fee": None,
            "application_fee_amount": None,
            "balance_transaction": f"txn_{self._derived(ch_id, 24)}" if succeeded else None,
            "billing_details": {
                "address": {
                    "city": None,
                    "country": "US",
                    "line1": None,
                    "line2": None,
                    "postal_code": "94103",
                    "state": None,
                },
                "email": None,
                "name": "Jenny Rosen",
                "phone": None,
                "tax_id": None,
            },
            "calculated_statement_descriptor": "PGPAY",
            "captured": not failed,
            "created": self.now if created is None else created,
            "currency": cur,
            "customer": cust,
            "description": desc,
            "destination": None,
            "dispute": None,
            "disputed": disputed,
            "failure_balance_transaction": None,
            "failure_code": "card_declined" if failed else None,
            "failure_message": "Your card was declined." if failed else None,
            "fraud_details": {},
            "livemode": self.livemode,
            "metadata": _metadata(meta),
            "on_behalf_of": None,
            "order": None,
            "outcome": outcome,
            "paid": succeeded,
            "payment_intent": payment_intent,
            "payment_method": pm_id,
            "payment_method_details": self._payment_method_details(pm_type),
            "radar_options": {},
            "receipt_email": None,
            "receipt_number": None,
            "receipt_url": (
                f"https://pay.stripe.com/receipts/payment/{self._derived(f'rcpt:{ch_id}', 40)}"
                if succeeded
                else None
            ),
            "refunded": refunded,
            "review": None,
            "shipping": None,
            "source": None,
            "source_transfer": None,
            "statement_descriptor": None,
            "statement_descriptor_suffix": None,
            "status": status,
            "transfer_data": None,
            "transfer_group": None,
        }
        if not self.is_new_shape:
            ch["invoice"] = invoice
        return self._register(ch)

    def refund(
        self,
        charge: str,
        payment_intent: str | None,
        amount: int,
        status: Literal["pending", "requires_action", "succeeded", "failed", "canceled"] = (
            "succeeded"
        ),
        *,
        reason: str | None = "requested_by_customer",
        currency: str | None = None,
        metadata: Mapping[str, str] | None = None,
        reference_available: bool = True,
        id: str | None = None,
        created: int | None = None,
    ) -> JSON:
        """A ``refund`` object. Stripe's refund has no ``livemode`` field, so neither does this."""
        ch = self.charges.get(charge)
        cur = currency or (str(ch["currency"]) if ch else "usd")
        re_id = id or self.new_id("re")
        reference = str(int.from_bytes(hashlib.sha256(re_id.encode()).digest()[:8], "big"))
        return self._register(
            {
                "id": re_id,
                "object": "refund",
                "amount": amount,
                "balance_transaction": f"txn_{self._derived(re_id, 24)}",
                "charge": charge,
                "created": self.now if created is None else created,
                "currency": cur,
                "destination_details": {
                    "card": {
                        "reference": reference[:12] if reference_available else None,
                        "reference_status": "available" if reference_available else "pending",
                        "reference_type": "acquirer_reference_number",
                        "type": "refund",
                    },
                    "type": "card",
                },
                "failure_reason": "expired_or_canceled_card" if status == "failed" else None,
                "metadata": _metadata(metadata),
                "payment_intent": payment_intent,
                "reason": reason,
                "receipt_number": None,
                "source_transfer_reversal": None,
                "status": status,
                "transfer_reversal": None,
            }
        )

    def dispute(
        self,
        charge: str,
        payment_intent: str | None,
        amount: int,
        status: Literal[
            "warning_needs_response",
            "warning_under_review",
            "warning_closed",
            "needs_response",
            "under_review",
            "won",
            "lost",
        ] = "needs_response",
        *,
        reason: str = "fraudulent",
        currency: str | None = None,
        metadata: Mapping[str, str] | None = None,
        balance_transactions: Sequence[Mapping[str, Any]] = (),
        has_evidence: bool = False,
        id: str | None = None,
        created: int | None = None,
    ) -> JSON:
        """A ``dispute`` object (chargeback statuses, or ``warning_*`` for an inquiry)."""
        ch = self.charges.get(charge)
        cur = currency or (str(ch["currency"]) if ch else "usd")
        ts = self.now if created is None else created
        evidence: JSON = dict.fromkeys(_EVIDENCE_FIELDS)
        evidence["enhanced_evidence"] = {}
        if has_evidence:
            evidence["product_description"] = "Digital subscription, delivered instantly."
            evidence["uncategorized_text"] = "Customer used the service after purchase."
        return self._register(
            {
                "id": id or self.new_id("dp"),
                "object": "dispute",
                "amount": amount,
                "balance_transactions": [dict(bt) for bt in balance_transactions],
                "charge": charge,
                "created": ts,
                "currency": cur,
                "enhanced_eligibility_types": [],
                "evidence": evidence,
                "evidence_details": {
                    "due_by": ts + 8 * _DAY,
                    "enhanced_eligibility": {},
                    "has_evidence": has_evidence,
                    "past_due": False,
                    "submission_count": 1 if has_evidence else 0,
                },
                "is_charge_refundable": status.startswith("warning_"),
                "livemode": self.livemode,
                "metadata": _metadata(metadata),
                "payment_intent": payment_intent,
                "payment_method_details": {
                    "card": {
                        "brand": "visa",
                        "case_type": "inquiry" if status.startswith("warning_") else "chargeback",
                        "network_reason_code": "10.4",
                    },
                    "type": "card",
                },
                "reason": reason,
                "status": status,
            }
        )

    # ----------------------------------------------------------------------------- billing

    def subscription(
        self,
        customer: str,
        items: Sequence[LineSpec],
        status: str = "active",
        metadata: Mapping[str, str] | None = None,
        trial_end: int | None = None,
        cancel_at_period_end: bool = False,
        period_start: int | None = None,
        period_end: int | None = None,
        canceled_at: int | None = None,
        ended_at: int | None = None,
        *,
        trial_start: int | None = None,
        cancel_at: int | None = None,
        latest_invoice: str | None = None,
        cancellation_reason: str | None = None,
        id: str | None = None,
        created: int | None = None,
    ) -> JSON:
        """A ``subscription`` object with one item per (recurring price, quantity).

        The current period defaults to [now, now + the first price's interval] (or
        [now, trial_end] while trialing). Old shape: the period sits on the subscription (plus the
        legacy ``plan``/``quantity`` when there is one item). New shape: on every item.
        """
        if not items:
            raise ValueError("a subscription needs at least one (price, quantity) item")
        sub_id = id or self.new_id("sub")
        ts = self.now if created is None else created
        start = ts if period_start is None else period_start
        first_recurring = items[0][0].get("recurring") or {}
        interval = str(first_recurring.get("interval") or "month")
        count = int(first_recurring.get("interval_count") or 1)
        if period_end is not None:
            end = period_end
        elif status == "trialing" and trial_end is not None:
            end = trial_end
        else:
            end = add_interval(start, interval, count)
        if trial_end is not None and trial_start is None:
            trial_start = ts
        previous = self.subscriptions.get(sub_id)
        old_item_ids = [it["id"] for it in previous["items"]["data"]] if previous else []
        sub_items: list[JSON] = []
        for index, (price, quantity) in enumerate(items):
            si_id = old_item_ids[index] if index < len(old_item_ids) else self.new_id("si")
            sub_items.append(
                self._subscription_item(si_id, sub_id, price, quantity, ts, start, end)
            )
        currency = str(items[0][0].get("currency") or "usd")
        sub: JSON = {
            "id": sub_id,
            "object": "subscription",
            "application": None,
            "application_fee_percent": None,
            "automatic_tax": {"disabled_reason": None, "enabled": False, "liability": None},
            "billing_cycle_anchor": trial_end if trial_end is not None else start,
            "billing_cycle_anchor_config": None,
            "billing_thresholds": None,
            "cancel_at": cancel_at,
            "cancel_at_period_end": cancel_at_period_end,
            "canceled_at": canceled_at,
            "cancellation_details": {
                "comment": None,
                "feedback": None,
                "reason": cancellation_reason,
            },
            "collection_method": "charge_automatically",
            "created": ts,
            "currency": currency,
            "customer": customer,
            "days_until_due": None,
            "default_payment_method": self._payment_method(sub_id),
            "default_source": None,
            "default_tax_rates": [],
            "description": None,
            "discounts": [],
            "ended_at": ended_at,
            "invoice_settings": {"account_tax_ids": None, "issuer": {"type": "self"}},
            "items": _list_object(sub_items, f"/v1/subscription_items?subscription={sub_id}"),
            "latest_invoice": latest_invoice,
            "livemode": self.livemode,
            "metadata": _metadata(metadata),
            "next_pending_invoice_item_invoice": None,
            "on_behalf_of": None,
            "pause_collection": None,
            "payment_settings": {
                "payment_method_options": None,
                "payment_method_types": None,
                "save_default_payment_method": "off",
            },
            "pending_invoice_item_interval": None,
            "pending_setup_intent": None,
            "pending_update": None,
            "schedule": None,
            "start_date": ts,
            "status": status,
            "test_clock": None,
            "transfer_data": None,
            "trial_end": trial_end,
            "trial_settings": {"end_behavior": {"missing_payment_method": "create_invoice"}},
            "trial_start": trial_start,
        }
        if not self.is_new_shape:
            sub["current_period_start"] = start
            sub["current_period_end"] = end
            if len(sub_items) == 1:
                sub["plan"] = copy.deepcopy(sub_items[0]["plan"])
                sub["quantity"] = sub_items[0]["quantity"]
        return self._register(sub)

    def invoice(
        self,
        customer: str,
        subscription_id: str | None = None,
        subscription_metadata: Mapping[str, str] | None = None,
        lines: Sequence[LineSpec] = (),
        amount_due: int | None = None,
        amount_paid: int | None = None,
        status: Literal["draft", "open", "paid", "void", "uncollectible"] = "paid",
        payment_intent: str | None = None,
        billing_reason: str = "subscription_cycle",
        period_start: int | None = None,
        period_end: int | None = None,
        *,
        currency: str | None = None,
        attempt_count: int | None = None,
        next_payment_attempt: int | None = None,
        finalized_at: int | None = None,
        paid_at: int | None = None,
        id: str | None = None,
        created: int | None = None,
    ) -> JSON:
        """An ``invoice`` object for a subscription (or a standalone invoice without one).

        `lines` are (price, quantity) pairs billed for [period_start, period_end] (default: the
        subscription's current period, else now). The invoice's own ``period_start/end`` follow
        Stripe: both equal ``created`` for ``subscription_create``, otherwise the period that just
        ended. `subscription_metadata` defaults to the subscription's metadata.
        """
        in_id = id or self.new_id("in")
        ts = self.now if created is None else created
        sub = self.subscriptions.get(subscription_id or "")
        if period_start is None or period_end is None:
            sub_start, sub_end = self._current_period(sub) if sub else (ts, ts)
            period_start = sub_start if period_start is None else period_start
            period_end = sub_end if period_end is None else period_end
        if subscription_metadata is None and sub is not None:
            subscription_metadata = sub["metadata"]
        cur = currency or (str(lines[0][0]["currency"]) if lines else "usd")
        sub_items = {it["price"]["id"]: it["id"] for it in (sub["items"]["data"] if sub else [])}
        total = sum(int(p["unit_amount"]) * q for p, q in lines)
        due = total if amount_due is None else amount_due
        paid_amount = amount_paid if amount_paid is not None else (due if status == "paid" else 0)
        finalized = status != "draft"
        fin_at = (finalized_at if finalized_at is not None else ts) if finalized else None
        paid_ts = (paid_at if paid_at is not None else self.now) if status == "paid" else None
        if attempt_count is None:
            attempt_count = 1 if status == "paid" and due > 0 else 0
        line_ids = self._line_ids.setdefault(in_id, [])
        while len(line_ids) < len(lines):
            line_ids.append(self.new_id("il"))
        line_objs = [
            self._invoice_line(
                line_ids[i],
                in_id,
                price,
                quantity,
                subscription_id,
                sub_items.get(str(price["id"])),
                subscription_metadata,
                period_start,
                period_end,
            )
            for i, (price, quantity) in enumerate(lines)
        ]
        if billing_reason == "subscription_create":
            inv_period = (ts, ts)
        else:
            inv_period = (max(0, ts - (period_end - period_start)), ts)
        email = self.customers.get(customer, {}).get("email")
        number = None
        if finalized:
            number = self._invoice_numbers.get(in_id)
            if number is None:
                cus = self.customers.get(customer)
                prefix = cus["invoice_prefix"] if cus else "A1B2C3D4"
                number = f"{prefix}-{len(self._invoice_numbers) + 1:04d}"
                self._invoice_numbers[in_id] = number
        hosted = f"https://invoice.stripe.com/i/acct_{self._account}/{in_id}" if finalized else None
        inv: JSON = {
            "id": in_id,
            "object": "invoice",
            "account_country": "US",
            "account_name": "pgpay test account",
            "account_tax_ids": None,
            "amount_due": due,
            "amount_paid": paid_amount,
            "amount_remaining": max(0, due - paid_amount),
            "amount_shipping": 0,
            "application": None,
            "attempt_count": attempt_count,
            "attempted": attempt_count > 0 or status == "paid",
            "auto_advance": status in ("draft", "open"),
            "automatic_tax": {
                "disabled_reason": None,
                "enabled": False,
                "liability": None,
                "provider": None,
                "status": None,
            },
            "automatically_finalizes_at": ts + _HOUR if status == "draft" else None,
            "billing_reason": billing_reason,
            "collection_method": "charge_automatically",
            "created": ts,
            "currency": cur,
            "custom_fields": None,
            "customer": customer,
            "customer_address": None,
            "customer_email": email,
            "customer_name": None,
            "customer_phone": None,
            "customer_shipping": None,
            "customer_tax_exempt": "none",
            "customer_tax_ids": [],
            "default_payment_method": None,
            "default_source": None,
            "default_tax_rates": [],
            "description": None,
            "discounts": [],
            "due_date": None,
            "effective_at": fin_at,
            "ending_balance": 0 if finalized else None,
            "footer": None,
            "from_invoice": None,
            "hosted_invoice_url": hosted,
            "invoice_pdf": f"{hosted}/pdf" if hosted else None,
            "issuer": {"type": "self"},
            "last_finalization_error": None,
            "latest_revision": None,
            "lines": _list_object(line_objs, f"/v1/invoices/{in_id}/lines"),
            "livemode": self.livemode,
            "metadata": {},
            "next_payment_attempt": next_payment_attempt,
            "number": number,
            "on_behalf_of": None,
            "payment_settings": {
                "default_mandate": None,
                "payment_method_options": None,
                "payment_method_types": None,
            },
            "period_end": inv_period[1],
            "period_start": inv_period[0],
            "post_payment_credit_notes_amount": 0,
            "pre_payment_credit_notes_amount": 0,
            "receipt_number": None,
            "rendering": None,
            "shipping_cost": None,
            "shipping_details": None,
            "starting_balance": 0,
            "statement_descriptor": None,
            "status": status,
            "status_transitions": {
                "finalized_at": fin_at,
                "marked_uncollectible_at": self.now if status == "uncollectible" else None,
                "paid_at": paid_ts,
                "voided_at": self.now if status == "void" else None,
            },
            "subtotal": total,
            "subtotal_excluding_tax": total,
            "test_clock": None,
            "total": total,
            "total_discount_amounts": [],
            "total_excluding_tax": total,
            "webhooks_delivered_at": ts if status == "draft" else None,
        }
        if payment_intent is not None:
            self._invoice_pis[in_id] = payment_intent
        sub_meta = _metadata(subscription_metadata) if subscription_id else None
        if self.is_new_shape:
            inv["amount_overpaid"] = 0
            inv["total_pretax_credit_amounts"] = []
            inv["total_taxes"] = []
            inv["parent"] = (
                {
                    "quote_details": None,
                    "subscription_details": {
                        "metadata": sub_meta,
                        "subscription": subscription_id,
                    },
                    "type": "subscription_details",
                }
                if subscription_id
                else None
            )
            if self.include_invoice_payments:
                inv["payments"] = self._invoice_payments(
                    in_id, payment_intent, status, due, paid_amount, cur, paid_ts
                )
        else:
            pi = self.payment_intents.get(payment_intent or "")
            inv["application_fee_amount"] = None
            inv["charge"] = pi["latest_charge"] if pi else None
            inv["paid"] = status == "paid"
            inv["paid_out_of_band"] = False
            inv["payment_intent"] = payment_intent
            inv["quote"] = None
            inv["subscription"] = subscription_id
            inv["subscription_details"] = {"metadata": sub_meta} if subscription_id else None
            inv["total_tax_amounts"] = []
            inv["transfer_data"] = None
        return self._register(inv)

    # ----------------------------------------------------------------------------- scenarios

    def one_time_purchase(
        self,
        subject_type: str | None,
        subject_id: str | None,
        price: Mapping[str, Any],
        quantity: int = 1,
        async_payment: bool = False,
        async_outcome: Outcome = "succeeded",
        *,
        customer: str | None = None,
        customer_email: str | None = None,
        extra_metadata: Mapping[str, str] | None = None,
    ) -> list[JSON]:
        """Checkout in ``payment`` mode for (price x quantity), as Stripe reports it.

        Card (default): [customer.created when a new customer is made for a subject],
        payment_intent.created, charge.succeeded, payment_intent.succeeded,
        checkout.session.completed (payment_status ``paid``).

        `async_payment` (a bank debit): payment_intent.created, payment_intent.processing,
        charge.pending, checkout.session.completed (``unpaid``), then three days later either
        charge.succeeded, payment_intent.succeeded, checkout.session.async_payment_succeeded, or
        charge.failed, payment_intent.payment_failed, checkout.session.async_payment_failed.

        A subject (type and id) is stamped into the session and PaymentIntent metadata and the
        ``client_reference_id``; without one the checkout is anonymous and has no customer.
        """
        events: list[JSON] = []
        amount = int(price["unit_amount"]) * quantity
        currency = str(price["currency"])
        has_subject = subject_type is not None and subject_id is not None
        if customer is None and has_subject:
            cus = self.customer(email=customer_email or f"{subject_id}@example.com")
            customer = cus["id"]
            events.append(self.event("customer.created", cus))
        meta = self.subject_metadata(subject_type, subject_id)
        meta.update(_metadata(extra_metadata))
        client_ref = f"{subject_type}:{subject_id}" if has_subject else None
        session = self.checkout_session(
            "payment",
            customer=customer,
            line_items=[(price, quantity)],
            metadata=meta,
            client_reference_id=client_ref,
            customer_email=customer_email if customer is None else None,
        )
        self.tick(45)  # the buyer fills in the payment form
        pm_type = "us_bank_account" if async_payment else "card"
        pi = self.payment_intent(
            amount,
            currency,
            customer=customer,
            status="requires_payment_method",
            metadata=meta,
            payment_method_type=pm_type,
        )
        events.append(self.event("payment_intent.created", pi))
        self.tick(2)
        if not async_payment:
            events += self._settle_payment(pi, "succeeded")
            session = self._complete_session(session, pi["id"], "paid")
            events.append(self.event("checkout.session.completed", session))
            return events
        ch = self.charge(pi["id"], amount, status="pending")
        pi = self.payment_intent(
            amount,
            currency,
            customer=customer,
            status="processing",
            metadata=meta,
            latest_charge=ch["id"],
            payment_method_type=pm_type,
            id=pi["id"],
            created=pi["created"],
        )
        events.append(self.event("payment_intent.processing", pi))
        events.append(self.event("charge.pending", ch))
        session = self._complete_session(session, pi["id"], "unpaid")
        events.append(self.event("checkout.session.completed", session))
        self.tick(3 * _DAY)  # bank debits settle after a few business days
        ch = self.charge(
            pi["id"],
            amount,
            status="succeeded" if async_outcome == "succeeded" else "failed",
            id=ch["id"],
            created=ch["created"],
        )
        if async_outcome == "succeeded":
            events.append(self.event("charge.succeeded", ch))
            pi = self._set(pi, status="succeeded", amount_received=amount)
            events.append(self.event("payment_intent.succeeded", pi))
            session = self._set(session, payment_status="paid")
            events.append(self.event("checkout.session.async_payment_succeeded", session))
        else:
            events.append(self.event("charge.failed", ch))
            pi = self._set(
                pi,
                status="requires_payment_method",
                payment_method=None,
                last_payment_error=self._payment_error(ch, "payment_method_provider_decline"),
            )
            events.append(self.event("payment_intent.payment_failed", pi))
            events.append(self.event("checkout.session.async_payment_failed", session))
        return events

    def expired_checkout(
        self,
        subject_type: str | None,
        subject_id: str | None,
        price: Mapping[str, Any],
        quantity: int = 1,
        *,
        customer: str | None = None,
    ) -> list[JSON]:
        """A session that was opened and never paid: checkout.session.expired 24 hours later."""
        mode: CheckoutMode = "subscription" if price.get("recurring") else "payment"
        has_subject = subject_type is not None and subject_id is not None
        session = self.checkout_session(
            mode,
            customer=customer,
            line_items=[(price, quantity)],
            metadata=self.subject_metadata(subject_type, subject_id),
            client_reference_id=f"{subject_type}:{subject_id}" if has_subject else None,
        )
        self.advance_to(session["expires_at"])
        session = self._set(session, status="expired", url=None)
        return [self.event("checkout.session.expired", session)]

    def refund_events(
        self,
        charge: str | None = None,
        amount: int | None = None,
        *,
        reason: str | None = "requested_by_customer",
        pending: bool = False,
    ) -> list[JSON]:
        """Refund `amount` (default: everything not yet refunded) of `charge` (default: the
        latest charge built). Partial refunds leave ``refunded`` false; the last one sets it.

        Events: charge.refunded (``amount_refunded`` is the running total) and refund.created in
        the same second, then charge.refund.updated and refund.updated once the card network
        reference is available (and, with `pending`, the refund moves pending -> succeeded).
        """
        ch = self.charges[charge] if charge else self.latest("charge")
        if ch["status"] != "succeeded":
            raise ValueError(f"charge {ch['id']} is {ch['status']}; only a succeeded one refunds")
        remaining = int(ch["amount"]) - int(ch["amount_refunded"])
        amount = remaining if amount is None else amount
        if not 0 < amount <= remaining:
            raise ValueError(f"refund amount must be in 1..{remaining} for charge {ch['id']}")
        self.tick(1)
        refund = self.refund(
            ch["id"],
            ch["payment_intent"],
            amount,
            "pending" if pending else "succeeded",
            reason=reason,
            reference_available=False,
        )
        total_refunded = int(ch["amount_refunded"]) + amount
        ch = self._set(
            ch, amount_refunded=total_refunded, refunded=total_refunded == int(ch["amount"])
        )
        events = [self.event("charge.refunded", ch), self.event("refund.created", refund)]
        self.tick(2)
        updated = self.refund(
            ch["id"],
            ch["payment_intent"],
            amount,
            "succeeded",
            reason=reason,
            reference_available=True,
            id=refund["id"],
            created=refund["created"],
        )
        previous = diff_attributes(refund, updated)
        events.append(self.event("charge.refund.updated", updated, previous))
        events.append(self.event("refund.updated", updated, previous))
        return events

    def dispute_events(
        self,
        charge: str | None = None,
        outcome: DisputeOutcome = "lost",
        amount: int | None = None,
        *,
        reason: str = "fraudulent",
    ) -> list[JSON]:
        """A chargeback on `charge` (default: the latest charge built) through to its outcome.

        Events: charge.dispute.created (needs_response) and charge.dispute.funds_withdrawn in the
        same second; charge.dispute.updated two days later when evidence is submitted
        (under_review); charge.dispute.closed about two months later (won/lost) and, when won,
        charge.dispute.funds_reinstated in the same second.
        """
        if outcome not in ("won", "lost"):
            raise ValueError("dispute outcome must be 'won' or 'lost'")
        ch = self.charges[charge] if charge else self.latest("charge")
        amount = int(ch["amount"]) - int(ch["amount_refunded"]) if amount is None else amount
        self.tick(1)
        dp = self.dispute(ch["id"], ch["payment_intent"], amount, "needs_response", reason=reason)
        self._set(ch, disputed=True)
        events = [self.event("charge.dispute.created", dp)]
        cur = str(dp["currency"])
        withdrawal = self._balance_transaction(-amount, _DISPUTE_FEE, cur, dp["id"], "Chargeback")
        dp = self._set(dp, balance_transactions=[withdrawal])
        events.append(self.event("charge.dispute.funds_withdrawn", dp))
        self.tick(2 * _DAY)
        before = dp
        dp = self.dispute(
            ch["id"],
            ch["payment_intent"],
            amount,
            "under_review",
            reason=reason,
            balance_transactions=[withdrawal],
            has_evidence=True,
            id=dp["id"],
            created=dp["created"],
        )
        events.append(self.event("charge.dispute.updated", dp, diff_attributes(before, dp)))
        self.tick(60 * _DAY)
        dp = self._set(dp, status=outcome)
        events.append(self.event("charge.dispute.closed", dp))
        if outcome == "won":
            reinstated = self._balance_transaction(amount, 0, cur, dp["id"], "Chargeback reversal")
            dp = self._set(dp, balance_transactions=[withdrawal, reinstated])
            events.append(self.event("charge.dispute.funds_reinstated", dp))
        return events

    def subscription_lifecycle(
        self,
        subject_type: str,
        subject_id: str,
        price: Mapping[str, Any],
        quantity: int = 1,
        trial_days: int = 0,
        renewals: int = 1,
        end: LifecycleEnd = "canceled",
        *,
        customer: str | None = None,
        customer_email: str | None = None,
        extra_metadata: Mapping[str, str] | None = None,
    ) -> list[JSON]:
        """A subscription bought through Checkout, renewed, and ended, as Stripe reports it.

        Start: customer.created (unless `customer` is given), customer.subscription.created
        (``incomplete``, or ``trialing`` with a trial), invoice.created, invoice.finalized, then
        for a paid first invoice charge.succeeded, payment_intent.succeeded, invoice.paid,
        invoice.payment_succeeded, customer.subscription.updated (incomplete -> active); a trial
        gets a $0 invoice (invoice.paid, invoice.payment_succeeded, no payment) instead; last
        checkout.session.completed (``paid``, or ``no_payment_required`` for a trial).

        With a trial: customer.subscription.trial_will_end three days before it ends. Each of the
        `renewals` period rollovers (the trial's end counts as one): customer.subscription.updated
        (new period, status trialing -> active at a trial's end), invoice.created, and an hour
        later invoice.finalized, charge.succeeded, payment_intent.succeeded, invoice.paid,
        invoice.payment_succeeded.

        `end`: ``active`` stops there; ``canceled`` asks to cancel at period end two days into
        the last period (customer.subscription.updated) and sends customer.subscription.deleted
        at its end; ``past_due_then_canceled`` fails the next renewal (charge.failed,
        payment_intent.payment_failed, invoice.payment_failed, customer.subscription.updated
        active -> past_due), fails the retry three days later, then customer.subscription.deleted.
        """
        if end not in ("canceled", "active", "past_due_then_canceled"):
            raise ValueError("end must be 'canceled', 'active' or 'past_due_then_canceled'")
        recurring = price.get("recurring")
        if not recurring:
            raise ValueError(f"price {price.get('id')} is not recurring")
        events: list[JSON] = []
        if customer is None:
            cus = self.customer(email=customer_email or f"{subject_id}@example.com")
            customer = cus["id"]
            events.append(self.event("customer.created", cus))
        meta = self.subject_metadata(subject_type, subject_id)
        meta.update(_metadata(extra_metadata))
        session = self.checkout_session(
            "subscription",
            customer=customer,
            line_items=[(price, quantity)],
            metadata=meta,
            client_reference_id=f"{subject_type}:{subject_id}",
        )
        self.tick(40)
        amount = int(price["unit_amount"]) * quantity
        trial_end = self.now + trial_days * _DAY if trial_days > 0 else None
        first_invoice = self.new_id("in")
        sub = self.subscription(
            customer,
            [(price, quantity)],
            status="trialing" if trial_end else "incomplete",
            metadata=meta,
            trial_end=trial_end,
            latest_invoice=first_invoice,
        )
        events.append(self.event("customer.subscription.created", sub))
        first_amount = 0 if trial_end else amount
        inv = self.invoice(
            customer,
            sub["id"],
            lines=[(price, quantity)],
            amount_due=first_amount,
            status="draft",
            billing_reason="subscription_create",
            id=first_invoice,
        )
        events.append(self.event("invoice.created", inv))
        events += self._collect_invoice(inv, [(price, quantity)], succeed=True)
        inv = self.invoices[inv["id"]]
        if not trial_end:
            before = sub
            sub = self._set(sub, status="active")
            events.append(
                self.event("customer.subscription.updated", sub, diff_attributes(before, sub))
            )
        session = self._complete_session(
            session,
            None,
            "no_payment_required" if trial_end else "paid",
            subscription=sub["id"],
            invoice=inv["id"],
            amount_total=first_amount,
        )
        events.append(self.event("checkout.session.completed", session))

        reaches_trial_end = renewals > 0 or end == "past_due_then_canceled"
        if trial_end and reaches_trial_end and trial_end - 3 * _DAY > self.now:
            self.advance_to(trial_end - 3 * _DAY)
            events.append(
                self.event("customer.subscription.trial_will_end", self.subscriptions[sub["id"]])
            )
        for _ in range(renewals):
            events += self._renew(sub["id"], succeed=True)
        sub = self.subscriptions[sub["id"]]
        if end == "canceled":
            _, period_end = self._current_period(sub)
            self.advance_to(min(period_end - 1, self.now + 2 * _DAY))
            before = sub
            sub = self._set(
                sub,
                cancel_at_period_end=True,
                cancel_at=period_end,
                canceled_at=self.now,
                cancellation_details={
                    "comment": None,
                    "feedback": None,
                    "reason": "cancellation_requested",
                },
            )
            events.append(
                self.event("customer.subscription.updated", sub, diff_attributes(before, sub))
            )
            self.advance_to(period_end)
            sub = self._set(sub, status="canceled", ended_at=self.now)
            events.append(self.event("customer.subscription.deleted", sub))
        elif end == "past_due_then_canceled":
            events += self._renew(sub["id"], succeed=False)
            inv = self.invoices[self.subscriptions[sub["id"]]["latest_invoice"]]
            self.tick(3 * _DAY)
            events += self._retry_failed_invoice(inv)
            sub = self.subscriptions[sub["id"]]
            sub = self._set(
                sub,
                status="canceled",
                canceled_at=self.now,
                ended_at=self.now,
                cancellation_details={
                    "comment": None,
                    "feedback": None,
                    "reason": "payment_failed",
                },
            )
            events.append(self.event("customer.subscription.deleted", sub))
        return events

    def plan_change(
        self,
        subscription: str | Mapping[str, Any],
        new_price: Mapping[str, Any],
        *,
        item_id: str | None = None,
    ) -> list[JSON]:
        """Switch one item (default: the first) of a subscription to `new_price`, keeping its
        quantity and item id: one customer.subscription.updated with ``previous_attributes``."""
        sub = self._subscription_state(subscription)
        return self._change_item(sub, item_id, price=new_price)

    def seat_change(
        self,
        subscription: str | Mapping[str, Any],
        quantity: int,
        *,
        item_id: str | None = None,
    ) -> list[JSON]:
        """Set the quantity of one item (default: the first) of a subscription: one
        customer.subscription.updated with ``previous_attributes``."""
        if quantity < 1:
            raise ValueError("a subscription item needs quantity >= 1")
        sub = self._subscription_state(subscription)
        return self._change_item(sub, item_id, quantity=quantity)

    # ----------------------------------------------------------------------------- internals

    def _store_for(self, object_type: str) -> dict[str, JSON]:
        try:
            store: dict[str, JSON] = getattr(self, _STORES[object_type])
        except KeyError:
            raise ValueError(f"the factory does not keep {object_type!r} objects") from None
        return store

    def _register(self, obj: JSON) -> JSON:
        ordered: JSON = _stripe_order(obj)
        object_type = str(ordered.get("object"))
        if object_type in _STORES:
            self._store_for(object_type)[str(ordered["id"])] = ordered
        return ordered

    def _set(self, obj: Mapping[str, Any], **changes: Any) -> JSON:
        new, _ = self.update(obj, **changes)
        return new

    @staticmethod
    def _base62(number: int, width: int) -> str:
        chars = []
        for _ in range(width):
            number, rem = divmod(number, 62)
            chars.append(_ALPHABET[rem])
        return "".join(reversed(chars))

    def _derived(self, key: str, length: int) -> str:
        """`length` base62 characters derived from `key` and the seed, consuming no randomness,
        so rebuilding an object in a new state keeps its secondary ids stable."""
        out = ""
        counter = 0
        while len(out) < length:
            digest = hashlib.sha256(f"{self.seed}:{key}:{counter}".encode()).digest()
            out += self._base62(int.from_bytes(digest, "big"), 40)
            counter += 1
        return out[:length]

    def _payment_method(self, owner: str) -> str:
        if owner not in self._payment_methods:
            self._payment_methods[owner] = self.new_id("pm")
        return self._payment_methods[owner]

    @staticmethod
    def _payment_method_options(pm_type: str) -> JSON:
        if pm_type == "card":
            return {
                "card": {
                    "installments": None,
                    "mandate_options": None,
                    "network": None,
                    "request_three_d_secure": "automatic",
                }
            }
        return {pm_type: {"verification_method": "automatic"}}

    def _payment_method_details(self, pm_type: str) -> JSON:
        if pm_type == "card":
            details: JSON = {
                "amount_authorized": None,
                "brand": "visa",
                "checks": {
                    "address_line1_check": None,
                    "address_postal_code_check": "pass",
                    "cvc_check": "pass",
                },
                "country": "US",
                "exp_month": 12,
                "exp_year": 2034,
                "fingerprint": self._derived("card", 16),
                "funding": "credit",
                "installments": None,
                "last4": "4242",
                "mandate": None,
                "network": "visa",
                "three_d_secure": None,
                "wallet": None,
            }
        else:
            details = {
                "account_holder_type": "individual",
                "account_type": "checking",
                "bank_name": "STRIPE TEST BANK",
                "fingerprint": self._derived("bank", 16),
                "last4": "6789",
                "routing_number": "110000000",
            }
        return {pm_type: details, "type": pm_type}

    @staticmethod
    def _payment_error(ch: Mapping[str, Any], decline_code: str) -> JSON:
        return {
            "charge": ch["id"],
            "code": "card_declined",
            "decline_code": decline_code,
            "doc_url": "https://stripe.com/docs/error-codes/card-declined",
            "message": "Your card was declined.",
            "payment_method": {"id": ch["payment_method"], "object": "payment_method"},
            "type": "card_error",
        }

    def _plan(self, price: Mapping[str, Any]) -> JSON:
        recurring = price.get("recurring") or {}
        plan: JSON = {
            "id": price["id"],
            "object": "plan",
            "active": price.get("active", True),
            "amount": price["unit_amount"],
            "amount_decimal": str(price["unit_amount"]),
            "billing_scheme": "per_unit",
            "created": price.get("created", self.now),
            "currency": price["currency"],
            "interval": recurring.get("interval", "month"),
            "interval_count": recurring.get("interval_count", 1),
            "livemode": self.livemode,
            "metadata": dict(price.get("metadata") or {}),
            "meter": None,
            "nickname": price.get("nickname"),
            "product": price["product"],
            "tiers_mode": None,
            "transform_usage": None,
            "trial_period_days": None,
            "usage_type": "licensed",
        }
        if not self.is_new_shape:
            plan["aggregate_usage"] = None
        return plan

    def _subscription_item(
        self,
        si_id: str,
        sub_id: str,
        price: Mapping[str, Any],
        quantity: int,
        created: int,
        period_start: int,
        period_end: int,
    ) -> JSON:
        item: JSON = {
            "id": si_id,
            "object": "subscription_item",
            "billing_thresholds": None,
            "created": created,
            "discounts": [],
            "metadata": {},
            "plan": self._plan(price),
            "price": copy.deepcopy(dict(price)),
            "quantity": quantity,
            "subscription": sub_id,
            "tax_rates": [],
        }
        if self.is_new_shape:
            item["current_period_start"] = period_start
            item["current_period_end"] = period_end
        return item

    def _current_period(self, sub: Mapping[str, Any]) -> tuple[int, int]:
        if self.is_new_shape:
            item = sub["items"]["data"][0]
            return int(item["current_period_start"]), int(item["current_period_end"])
        return int(sub["current_period_start"]), int(sub["current_period_end"])

    def _with_period(self, sub: Mapping[str, Any], start: int, end: int) -> JSON:
        """A copy of `sub` whose current period is [start, end], in the factory's shape."""
        new = copy.deepcopy(dict(sub))
        if self.is_new_shape:
            for item in new["items"]["data"]:
                item["current_period_start"] = start
                item["current_period_end"] = end
        else:
            new["current_period_start"] = start
            new["current_period_end"] = end
        return new

    def _subscription_state(self, subscription: str | Mapping[str, Any]) -> JSON:
        sub_id = subscription if isinstance(subscription, str) else str(subscription["id"])
        if sub_id not in self.subscriptions:
            raise LookupError(f"subscription {sub_id} was not built by this factory")
        return self.subscriptions[sub_id]

    def _change_item(
        self,
        sub: JSON,
        item_id: str | None,
        *,
        price: Mapping[str, Any] | None = None,
        quantity: int | None = None,
    ) -> list[JSON]:
        self.tick(1)
        new = copy.deepcopy(sub)
        items = new["items"]["data"]
        index = 0
        if item_id is not None:
            matches = [i for i, it in enumerate(items) if it["id"] == item_id]
            if not matches:
                raise LookupError(f"subscription {sub['id']} has no item {item_id}")
            index = matches[0]
        item = items[index]
        if price is not None:
            item["price"] = copy.deepcopy(dict(price))
            item["plan"] = self._plan(price)
        if quantity is not None:
            item["quantity"] = quantity
        if not self.is_new_shape and len(items) == 1:
            new["plan"] = copy.deepcopy(item["plan"])
            new["quantity"] = item["quantity"]
        new = self._register(new)
        return [self.event("customer.subscription.updated", new, diff_attributes(sub, new))]

    def _checkout_items(self, cs_id: str, line_items: Sequence[LineSpec], currency: str) -> JSON:
        existing = self.checkout_line_items.get(cs_id)
        wanted = [(str(p["id"]), q) for p, q in line_items]
        if existing is not None and (
            not line_items
            or wanted == [(str(it["price"]["id"]), it["quantity"]) for it in existing["data"]]
        ):
            return existing
        data: list[JSON] = []
        for price, quantity in line_items:
            product = self.products.get(str(price["product"]))
            amount = int(price["unit_amount"]) * quantity
            data.append(
                {
                    "id": self.new_id("li"),
                    "object": "item",
                    "amount_discount": 0,
                    "amount_subtotal": amount,
                    "amount_tax": 0,
                    "amount_total": amount,
                    "currency": currency,
                    "description": product["name"] if product else None,
                    "price": copy.deepcopy(dict(price)),
                    "quantity": quantity,
                }
            )
        items = _stripe_order(_list_object(data, f"/v1/checkout/sessions/{cs_id}/line_items"))
        self.checkout_line_items[cs_id] = items
        return dict(items)

    def _complete_session(
        self,
        session: Mapping[str, Any],
        payment_intent: str | None,
        payment_status: Literal["paid", "unpaid", "no_payment_required"],
        *,
        subscription: str | None = None,
        invoice: str | None = None,
        amount_total: int | None = None,
    ) -> JSON:
        items = self.checkout_line_items.get(str(session["id"]), {}).get("data", [])
        return self.checkout_session(
            session["mode"],
            customer=session["customer"],
            line_items=[(it["price"], int(it["quantity"])) for it in items],
            amount_total=session["amount_total"] if amount_total is None else amount_total,
            currency=session["currency"],
            payment_status=payment_status,
            status="complete",
            payment_intent=payment_intent,
            subscription=subscription,
            metadata=session["metadata"],
            client_reference_id=session["client_reference_id"],
            customer_email=session["customer_email"],
            invoice=invoice,
            id=str(session["id"]),
            created=int(session["created"]),
        )

    def _settle_payment(self, pi: JSON, outcome: Outcome) -> list[JSON]:
        """Charge a PaymentIntent once: charge.succeeded + payment_intent.succeeded, or
        charge.failed + payment_intent.payment_failed."""
        amount = int(pi["amount"])
        if outcome == "succeeded":
            ch = self.charge(pi["id"], amount)
            pi = self._set(
                pi,
                status="succeeded",
                amount_received=amount,
                latest_charge=ch["id"],
                payment_method=ch["payment_method"],
                last_payment_error=None,
            )
            return [self.event("charge.succeeded", ch), self.event("payment_intent.succeeded", pi)]
        ch = self.charge(pi["id"], amount, status="failed")
        pi = self._set(
            pi,
            status="requires_payment_method",
            latest_charge=ch["id"],
            payment_method=None,
            last_payment_error=self._payment_error(ch, "insufficient_funds"),
        )
        return [self.event("charge.failed", ch), self.event("payment_intent.payment_failed", pi)]

    def _collect_invoice(
        self, inv: JSON, lines: Sequence[LineSpec], *, succeed: bool
    ) -> list[JSON]:
        """Finalize a draft invoice and attempt payment (first attempt)."""
        events: list[JSON] = []
        due = int(inv["amount_due"])
        pi: JSON | None = None
        if due > 0:
            description = (
                "Subscription creation"
                if inv["billing_reason"] == "subscription_create"
                else "Subscription update"
            )
            pi = self.payment_intent(
                due,
                str(inv["currency"]),
                customer=str(inv["customer"]),
                status="requires_confirmation",
                invoice=str(inv["id"]),
                description=description,
            )
        common = self._invoice_args(inv, lines)
        inv = self.invoice(
            **common,
            status="open",
            payment_intent=pi["id"] if pi else None,
            attempt_count=0,
        )
        events.append(self.event("invoice.finalized", inv))
        if pi is None:
            inv = self.invoice(**common, status="paid", paid_at=self.now)
            events.append(self.event("invoice.paid", inv))
            events.append(self.event("invoice.payment_succeeded", inv))
            return events
        if succeed:
            events += self._settle_payment(pi, "succeeded")
            inv = self.invoice(**common, status="paid", payment_intent=pi["id"], paid_at=self.now)
            events.append(self.event("invoice.paid", inv))
            events.append(self.event("invoice.payment_succeeded", inv))
            return events
        events += self._settle_payment(pi, "failed")
        inv = self.invoice(
            **common,
            status="open",
            payment_intent=pi["id"],
            attempt_count=1,
            next_payment_attempt=self.now + 3 * _DAY,
        )
        events.append(self.event("invoice.payment_failed", inv))
        return events

    def _retry_failed_invoice(self, inv: JSON) -> list[JSON]:
        """The last automatic retry of an open invoice fails too."""
        pi_id = self._invoice_payment_intent(inv)
        pi = self.payment_intents[pi_id]
        sub = self.subscriptions.get(self._invoice_subscription(inv) or "")
        lines = self._invoice_lines(inv, sub)
        events = self._settle_payment(pi, "failed")
        inv = self.invoice(
            **self._invoice_args(inv, lines),
            status="open",
            payment_intent=pi_id,
            attempt_count=int(inv["attempt_count"]) + 1,
            next_payment_attempt=None,
        )
        events.append(self.event("invoice.payment_failed", inv))
        return events

    def _renew(self, sub_id: str, *, succeed: bool) -> list[JSON]:
        """Roll a subscription into its next period and bill it."""
        events: list[JSON] = []
        sub = self.subscriptions[sub_id]
        _, period_end = self._current_period(sub)
        self.advance_to(period_end)
        first = sub["items"]["data"][0]["price"]
        recurring = first.get("recurring") or {}
        next_end = add_interval(
            period_end,
            str(recurring.get("interval", "month")),
            int(recurring.get("interval_count", 1)),
        )
        lines: list[LineSpec] = [(it["price"], int(it["quantity"])) for it in sub["items"]["data"]]
        inv_id = self.new_id("in")
        rolled = self._with_period(sub, period_end, next_end)
        rolled["latest_invoice"] = inv_id
        if rolled["status"] == "trialing":
            rolled["status"] = "active"
        rolled = self._register(rolled)
        events.append(
            self.event("customer.subscription.updated", rolled, diff_attributes(sub, rolled))
        )
        inv = self.invoice(
            str(sub["customer"]),
            sub_id,
            lines=lines,
            status="draft",
            billing_reason="subscription_cycle",
            period_start=period_end,
            period_end=next_end,
            id=inv_id,
        )
        events.append(self.event("invoice.created", inv))
        self.tick(_HOUR)
        events += self._collect_invoice(inv, lines, succeed=succeed)
        if not succeed:
            before = self.subscriptions[sub_id]
            after = self._set(before, status="past_due")
            events.append(
                self.event("customer.subscription.updated", after, diff_attributes(before, after))
            )
        return events

    def _invoice_subscription(self, inv: Mapping[str, Any]) -> str | None:
        if self.is_new_shape:
            parent = inv.get("parent") or {}
            details = parent.get("subscription_details") or {}
            sub = details.get("subscription")
        else:
            sub = inv.get("subscription")
        return str(sub) if sub else None

    def _invoice_payment_intent(self, inv: Mapping[str, Any]) -> str:
        try:
            return self._invoice_pis[str(inv["id"])]
        except KeyError:
            raise LookupError(f"invoice {inv['id']} has no payment intent") from None

    def _invoice_lines(
        self, inv: Mapping[str, Any], sub: Mapping[str, Any] | None
    ) -> list[LineSpec]:
        specs: list[LineSpec] = []
        for line in inv["lines"]["data"]:
            if self.is_new_shape:
                price_id = str(line["pricing"]["price_details"]["price"])
            else:
                price_id = str(line["price"]["id"])
            price = self.prices.get(price_id)
            if price is None and sub is not None:
                price = next(
                    (it["price"] for it in sub["items"]["data"] if it["price"]["id"] == price_id),
                    None,
                )
            if price is None:
                raise LookupError(f"price {price_id} was not built by this factory")
            specs.append((price, int(line["quantity"])))
        return specs

    def _invoice_args(self, inv: Mapping[str, Any], lines: Sequence[LineSpec]) -> JSON:
        line0 = inv["lines"]["data"][0] if inv["lines"]["data"] else None
        return {
            "customer": str(inv["customer"]),
            "subscription_id": self._invoice_subscription(inv),
            "lines": list(lines),
            "amount_due": int(inv["amount_due"]),
            "billing_reason": str(inv["billing_reason"]),
            "period_start": int(line0["period"]["start"]) if line0 else None,
            "period_end": int(line0["period"]["end"]) if line0 else None,
            "currency": str(inv["currency"]),
            "id": str(inv["id"]),
            "created": int(inv["created"]),
            "finalized_at": inv["status_transitions"]["finalized_at"] or self.now,
        }

    def _invoice_line(
        self,
        il_id: str,
        in_id: str,
        price: Mapping[str, Any],
        quantity: int,
        subscription_id: str | None,
        subscription_item: str | None,
        subscription_metadata: Mapping[str, str] | None,
        period_start: int,
        period_end: int,
    ) -> JSON:
        amount = int(price["unit_amount"]) * quantity
        product = self.products.get(str(price["product"]))
        name = product["name"] if product else "Subscription"
        recurring = price.get("recurring") or {}
        interval = recurring.get("interval", "month")
        description = (
            f"{quantity} \u00d7 {name} (at ${int(price['unit_amount']) / 100:.2f} / {interval})"
        )
        line: JSON = {
            "id": il_id,
            "object": "line_item",
            "amount": amount,
            "currency": price["currency"],
            "description": description,
            "discount_amounts": [],
            "discountable": True,
            "discounts": [],
            "invoice": in_id,
            "livemode": self.livemode,
            "metadata": _metadata(subscription_metadata),
            "period": {"end": period_end, "start": period_start},
            "quantity": quantity,
        }
        if self.is_new_shape:
            line["parent"] = {
                "invoice_item_details": None,
                "subscription_item_details": {
                    "invoice_item": None,
                    "proration": False,
                    "proration_details": {"credited_items": None},
                    "subscription": subscription_id,
                    "subscription_item": subscription_item,
                },
                "type": "subscription_item_details",
            }
            line["pretax_credit_amounts"] = []
            line["pricing"] = {
                "price_details": {"price": price["id"], "product": price["product"]},
                "type": "price_details",
                "unit_amount_decimal": str(price["unit_amount"]),
            }
            line["taxes"] = []
        else:
            line["amount_excluding_tax"] = amount
            line["invoice_item"] = None
            line["plan"] = self._plan(price)
            line["price"] = copy.deepcopy(dict(price))
            line["proration"] = False
            line["proration_details"] = {"credited_items": None}
            line["subscription"] = subscription_id
            line["subscription_item"] = subscription_item
            line["tax_amounts"] = []
            line["tax_rates"] = []
            line["type"] = "subscription"
            line["unit_amount_excluding_tax"] = str(price["unit_amount"])
        return line

    def _invoice_payments(
        self,
        in_id: str,
        payment_intent: str | None,
        status: str,
        due: int,
        paid_amount: int,
        currency: str,
        paid_at: int | None,
    ) -> JSON:
        data: list[JSON] = []
        if payment_intent is not None:
            inpay_id = self._invoice_payment_ids.get(in_id)
            if inpay_id is None:
                inpay_id = self._invoice_payment_ids[in_id] = self.new_id("inpay")
            pay_status = {"paid": "paid", "void": "canceled"}.get(status, "open")
            data.append(
                {
                    "id": inpay_id,
                    "object": "invoice_payment",
                    "amount_paid": paid_amount if pay_status == "paid" else None,
                    "amount_requested": due,
                    "created": self.payment_intents.get(payment_intent, {}).get(
                        "created", self.now
                    ),
                    "currency": currency,
                    "invoice": in_id,
                    "is_default": True,
                    "livemode": self.livemode,
                    "payment": {"payment_intent": payment_intent, "type": "payment_intent"},
                    "status": pay_status,
                    "status_transitions": {
                        "canceled_at": self.now if pay_status == "canceled" else None,
                        "paid_at": paid_at if pay_status == "paid" else None,
                    },
                }
            )
        return _list_object(data, f"/v1/invoice_payments?invoice={in_id}")

    def _balance_transaction(
        self, amount: int, fee: int, currency: str, source: str, description: str
    ) -> JSON:
        return {
            "id": self.new_id("txn"),
            "object": "balance_transaction",
            "amount": amount,
            "available_on": self.now + 2 * _DAY,
            "created": self.now,
            "currency": currency,
            "description": description,
            "exchange_rate": None,
            "fee": fee,
            "fee_details": (
                [
                    {
                        "amount": fee,
                        "application": None,
                        "currency": currency,
                        "description": "Dispute fee",
                        "type": "stripe_fee",
                    }
                ]
                if fee
                else []
            ),
            "net": amount - fee,
            "reporting_category": "dispute" if amount < 0 else "dispute_reversal",
            "source": source,
            "status": "pending",
            "type": "adjustment",
        }
