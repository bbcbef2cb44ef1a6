-- Creates the roles, the payments schema and its Stripe mirror tables. New objects only: no lock or rewrite risk.
-- depends:

DO $roles$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'anon') THEN
        CREATE ROLE anon NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'authenticated') THEN
        CREATE ROLE authenticated NOLOGIN;
    END IF;
END
$roles$;

CREATE SCHEMA IF NOT EXISTS payments;

CREATE DOMAIN payments.stripe_environment AS text
CHECK (value IN ('test', 'live'));

CREATE DOMAIN payments.subject_id AS text
CHECK (value ~ '^[A-Za-z0-9][A-Za-z0-9_.:@|-]{0,254}$');

CREATE TABLE payments.subject_types (
    subject_type text PRIMARY KEY CHECK (subject_type ~ '^[a-z][a-z0-9_]{0,39}$'),
    is_group boolean NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT subject_types_user_is_not_a_group CHECK (subject_type <> 'user' OR NOT is_group)
);

INSERT INTO payments.subject_types (subject_type, is_group) VALUES
('user', FALSE),
('team', TRUE),
('organization', TRUE),
('workspace', TRUE),
('tenant', TRUE),
('group', TRUE);

CREATE TABLE payments.webhook_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    environment payments.stripe_environment NOT NULL,
    stripe_event_id text NOT NULL CHECK (stripe_event_id ~ '^evt_[A-Za-z0-9_]+$'),
    type text NOT NULL,
    api_version text,
    livemode boolean NOT NULL,
    object_type text,
    object_id text,
    stripe_created timestamptz NOT NULL,
    status text NOT NULL DEFAULT 'received'
    CHECK (status IN ('received', 'processed', 'ignored', 'failed')),
    attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error text,
    source text NOT NULL DEFAULT 'webhook'
    CHECK (source IN ('webhook', 'cli', 'backfill', 'sync', 'replay')),
    payload jsonb NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    processed_at timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT webhook_events_environment_event_key UNIQUE (environment, stripe_event_id)
);

CREATE INDEX webhook_events_failed_idx ON payments.webhook_events (environment, received_at)
WHERE status = 'failed';
CREATE INDEX webhook_events_unprocessed_idx ON payments.webhook_events (received_at)
WHERE status IN ('received', 'failed');
CREATE INDEX webhook_events_object_idx ON payments.webhook_events (environment, object_id);

CREATE TABLE payments.stripe_customer_mappings (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    environment payments.stripe_environment NOT NULL,
    subject_type text NOT NULL REFERENCES payments.subject_types (subject_type),
    subject_id payments.subject_id NOT NULL,
    stripe_customer_id text NOT NULL CHECK (stripe_customer_id ~ '^cus_[A-Za-z0-9_]+$'),
    source text NOT NULL DEFAULT 'checkout'
    CHECK (source IN ('checkout', 'metadata', 'runtime', 'sync', 'manual')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT stripe_customer_mappings_subject_key UNIQUE (environment, subject_type, subject_id),
    CONSTRAINT stripe_customer_mappings_customer_key UNIQUE (environment, stripe_customer_id)
);

CREATE TABLE payments.checkout_sessions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    environment payments.stripe_environment NOT NULL,
    stripe_checkout_session_id text CHECK (stripe_checkout_session_id ~ '^cs_[A-Za-z0-9_]+$'),
    mode text NOT NULL CHECK (mode IN ('payment', 'subscription', 'setup')),
    status text NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'open', 'complete', 'expired', 'failed')),
    payment_status text CHECK (payment_status IN ('paid', 'unpaid', 'no_payment_required')),
    subject_type text REFERENCES payments.subject_types (subject_type),
    subject_id payments.subject_id,
    created_by text,
    customer_email text,
    stripe_customer_id text,
    stripe_payment_intent_id text,
    stripe_subscription_id text,
    order_id uuid,
    line_items jsonb NOT NULL DEFAULT '[]'::jsonb,
    success_url text,
    cancel_url text,
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
    idempotency_key text CHECK (char_length(idempotency_key) BETWEEN 1 AND 200),
    request_hash text,
    url text,
    amount_total bigint,
    currency text CHECK (currency ~ '^[a-z]{3}$'),
    last_error text,
    expires_at timestamptz,
    completed_at timestamptz,
    last_event_at timestamptz,
    raw jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT checkout_sessions_subject_complete
    CHECK ((subject_type IS NULL) = (subject_id IS NULL)),
    CONSTRAINT checkout_sessions_stripe_key UNIQUE (environment, stripe_checkout_session_id)
);

CREATE UNIQUE INDEX checkout_sessions_idempotency_key
ON payments.checkout_sessions (environment, coalesce(created_by, ''), idempotency_key)
WHERE idempotency_key IS NOT NULL;
CREATE INDEX checkout_sessions_subject_idx
ON payments.checkout_sessions (environment, subject_type, subject_id);
CREATE INDEX checkout_sessions_payment_intent_idx
ON payments.checkout_sessions (environment, stripe_payment_intent_id)
WHERE stripe_payment_intent_id IS NOT NULL;

CREATE TABLE payments.customer_portal_sessions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    environment payments.stripe_environment NOT NULL,
    subject_type text NOT NULL REFERENCES payments.subject_types (subject_type),
    subject_id payments.subject_id NOT NULL,
    created_by text,
    stripe_customer_id text,
    stripe_portal_session_id text,
    return_url text,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'created', 'failed')),
    url text,
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX customer_portal_sessions_subject_idx
ON payments.customer_portal_sessions (environment, subject_type, subject_id);

CREATE TABLE payments.customers (
    environment payments.stripe_environment NOT NULL,
    stripe_customer_id text NOT NULL CHECK (stripe_customer_id ~ '^cus_[A-Za-z0-9_]+$'),
    email text,
    name text,
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
    deleted boolean NOT NULL DEFAULT FALSE,
    stripe_created timestamptz,
    last_event_at timestamptz,
    raw jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (environment, stripe_customer_id)
);

CREATE TABLE payments.products (
    environment payments.stripe_environment NOT NULL,
    stripe_product_id text NOT NULL,
    name text,
    description text,
    active boolean NOT NULL DEFAULT TRUE,
    deleted boolean NOT NULL DEFAULT FALSE,
    default_price text,
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
    stripe_created timestamptz,
    last_event_at timestamptz,
    raw jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (environment, stripe_product_id)
);

CREATE TABLE payments.prices (
    environment payments.stripe_environment NOT NULL,
    stripe_price_id text NOT NULL,
    stripe_product_id text,
    active boolean NOT NULL DEFAULT TRUE,
    deleted boolean NOT NULL DEFAULT FALSE,
    currency text CHECK (currency ~ '^[a-z]{3}$'),
    unit_amount bigint,
    type text CHECK (type IN ('one_time', 'recurring')),
    recurring_interval text CHECK (recurring_interval IN ('day', 'week', 'month', 'year')),
    recurring_interval_count integer,
    lookup_key text,
    nickname text,
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
    stripe_created timestamptz,
    last_event_at timestamptz,
    raw jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (environment, stripe_price_id)
);

CREATE INDEX prices_product_idx ON payments.prices (environment, stripe_product_id);

CREATE TABLE payments.subscriptions (
    environment payments.stripe_environment NOT NULL,
    stripe_subscription_id text NOT NULL CHECK (stripe_subscription_id ~ '^sub_[A-Za-z0-9_]+$'),
    stripe_customer_id text,
    subject_type text REFERENCES payments.subject_types (subject_type),
    subject_id payments.subject_id,
    status text NOT NULL CHECK (
        status IN (
            'incomplete', 'incomplete_expired', 'trialing', 'active', 'past_due', 'canceled',
            'unpaid', 'paused'
        )
    ),
    stripe_price_id text,
    stripe_product_id text,
    quantity integer,
    cancel_at_period_end boolean NOT NULL DEFAULT FALSE,
    cancel_at timestamptz,
    canceled_at timestamptz,
    ended_at timestamptz,
    current_period_start timestamptz,
    current_period_end timestamptz,
    trial_start timestamptz,
    trial_end timestamptz,
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
    stripe_created timestamptz,
    last_event_at timestamptz,
    raw jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (environment, stripe_subscription_id),
    CONSTRAINT subscriptions_subject_complete CHECK ((subject_type IS NULL) = (subject_id IS NULL))
);

CREATE INDEX subscriptions_subject_idx
ON payments.subscriptions (environment, subject_type, subject_id);
CREATE INDEX subscriptions_customer_idx
ON payments.subscriptions (environment, stripe_customer_id);

CREATE TABLE payments.subscription_items (
    environment payments.stripe_environment NOT NULL,
    stripe_subscription_item_id text NOT NULL,
    stripe_subscription_id text NOT NULL,
    stripe_price_id text,
    stripe_product_id text,
    quantity integer,
    current_period_start timestamptz,
    current_period_end timestamptz,
    deleted boolean NOT NULL DEFAULT FALSE,
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
    raw jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (environment, stripe_subscription_item_id)
);

CREATE INDEX subscription_items_subscription_idx
ON payments.subscription_items (environment, stripe_subscription_id);

CREATE TABLE payments.payment_history (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    environment payments.stripe_environment NOT NULL,
    type text NOT NULL
    CHECK (type IN ('one_time_payment', 'subscription_invoice', 'refund', 'dispute')),
    status text NOT NULL CHECK (
        status IN (
            'pending', 'requires_action', 'succeeded', 'failed', 'canceled', 'refunded',
            'partially_refunded', 'disputed', 'won', 'lost', 'void', 'uncollectible'
        )
    ),
    subject_type text REFERENCES payments.subject_types (subject_type),
    subject_id payments.subject_id,
    stripe_customer_id text,
    stripe_checkout_session_id text,
    stripe_payment_intent_id text,
    stripe_charge_id text,
    stripe_invoice_id text,
    stripe_subscription_id text,
    stripe_refund_id text,
    stripe_dispute_id text,
    amount bigint NOT NULL DEFAULT 0,
    amount_refunded bigint NOT NULL DEFAULT 0 CHECK (amount_refunded >= 0),
    currency text CHECK (currency ~ '^[a-z]{3}$'),
    description text,
    failure_message text,
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
    stripe_created timestamptz,
    last_event_at timestamptz,
    raw jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT payment_history_subject_complete
    CHECK ((subject_type IS NULL) = (subject_id IS NULL))
);

CREATE UNIQUE INDEX payment_history_one_time_payment_key
ON payments.payment_history (environment, stripe_payment_intent_id)
WHERE type = 'one_time_payment';
CREATE UNIQUE INDEX payment_history_subscription_invoice_key
ON payments.payment_history (environment, stripe_invoice_id)
WHERE type = 'subscription_invoice';
CREATE UNIQUE INDEX payment_history_refund_key
ON payments.payment_history (environment, stripe_refund_id)
WHERE type = 'refund';
CREATE UNIQUE INDEX payment_history_dispute_key
ON payments.payment_history (environment, stripe_dispute_id)
WHERE type = 'dispute';
CREATE INDEX payment_history_subject_idx
ON payments.payment_history (environment, subject_type, subject_id);
CREATE INDEX payment_history_charge_idx
ON payments.payment_history (environment, stripe_charge_id);
CREATE INDEX payment_history_checkout_idx
ON payments.payment_history (environment, stripe_checkout_session_id);

CREATE TABLE payments.connections (
    environment payments.stripe_environment PRIMARY KEY,
    stripe_account_id text,
    key_fingerprint text CHECK (key_fingerprint ~ '^[0-9a-f]{8,64}$'),
    key_kind text CHECK (key_kind IN ('secret', 'restricted')),
    key_checked_at timestamptz,
    webhook_endpoint_id text,
    webhook_url text,
    webhook_api_version text,
    webhook_secret_fingerprint text,
    last_sync_at timestamptz,
    last_backfill_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE payments.subject_types ENABLE ROW LEVEL SECURITY;
ALTER TABLE payments.subject_types FORCE ROW LEVEL SECURITY;
ALTER TABLE payments.webhook_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE payments.webhook_events FORCE ROW LEVEL SECURITY;
ALTER TABLE payments.stripe_customer_mappings ENABLE ROW LEVEL SECURITY;
ALTER TABLE payments.stripe_customer_mappings FORCE ROW LEVEL SECURITY;
ALTER TABLE payments.checkout_sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE payments.checkout_sessions FORCE ROW LEVEL SECURITY;
ALTER TABLE payments.customer_portal_sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE payments.customer_portal_sessions FORCE ROW LEVEL SECURITY;
ALTER TABLE payments.customers ENABLE ROW LEVEL SECURITY;
ALTER TABLE payments.customers FORCE ROW LEVEL SECURITY;
ALTER TABLE payments.products ENABLE ROW LEVEL SECURITY;
ALTER TABLE payments.products FORCE ROW LEVEL SECURITY;
ALTER TABLE payments.prices ENABLE ROW LEVEL SECURITY;
ALTER TABLE payments.prices FORCE ROW LEVEL SECURITY;
ALTER TABLE payments.subscriptions ENABLE ROW LEVEL SECURITY;
ALTER TABLE payments.subscriptions FORCE ROW LEVEL SECURITY;
ALTER TABLE payments.subscription_items ENABLE ROW LEVEL SECURITY;
ALTER TABLE payments.subscription_items FORCE ROW LEVEL SECURITY;
ALTER TABLE payments.payment_history ENABLE ROW LEVEL SECURITY;
ALTER TABLE payments.payment_history FORCE ROW LEVEL SECURITY;
ALTER TABLE payments.connections ENABLE ROW LEVEL SECURITY;
ALTER TABLE payments.connections FORCE ROW LEVEL SECURITY;
