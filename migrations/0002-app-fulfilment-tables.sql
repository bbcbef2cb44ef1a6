-- Creates the app-owned fulfilment tables in public: orders, credit_ledger, user_entitlements, team_billing_status.
-- New tables only: no lock or rewrite risk.
-- depends: 0001-payments-schema

CREATE TABLE public.orders (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    environment payments.stripe_environment NOT NULL,
    subject_type text REFERENCES payments.subject_types (subject_type),
    subject_id payments.subject_id,
    created_by text,
    status text NOT NULL DEFAULT 'pending' CHECK (
        status IN ('pending', 'paid', 'failed', 'refunded', 'disputed', 'fulfilled', 'canceled')
    ),
    amount bigint CHECK (amount >= 0),
    currency text CHECK (currency ~ '^[a-z]{3}$'),
    amount_refunded bigint NOT NULL DEFAULT 0 CHECK (amount_refunded >= 0),
    description text,
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
    stripe_checkout_session_id text,
    stripe_payment_intent_id text,
    paid_at timestamptz,
    failed_at timestamptz,
    refunded_at timestamptz,
    disputed_at timestamptz,
    fulfilled_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT orders_subject_complete CHECK ((subject_type IS NULL) = (subject_id IS NULL))
);

CREATE UNIQUE INDEX orders_checkout_session_key
ON public.orders (environment, stripe_checkout_session_id)
WHERE stripe_checkout_session_id IS NOT NULL;
CREATE INDEX orders_payment_intent_idx
ON public.orders (environment, stripe_payment_intent_id)
WHERE stripe_payment_intent_id IS NOT NULL;
CREATE INDEX orders_subject_idx ON public.orders (environment, subject_type, subject_id);

CREATE TABLE public.credit_ledger (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    environment payments.stripe_environment NOT NULL,
    subject_type text NOT NULL REFERENCES payments.subject_types (subject_type),
    subject_id payments.subject_id NOT NULL,
    amount bigint NOT NULL CHECK (amount <> 0),
    kind text NOT NULL CHECK (kind IN ('grant', 'reversal', 'restore', 'spend', 'adjustment')),
    source_key text NOT NULL CHECK (char_length(source_key) BETWEEN 1 AND 300),
    reason text,
    payment_history_id bigint,
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT credit_ledger_source_key UNIQUE (environment, source_key)
);

CREATE INDEX credit_ledger_subject_idx
ON public.credit_ledger (environment, subject_type, subject_id);

CREATE TABLE public.user_entitlements (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    environment payments.stripe_environment NOT NULL,
    user_id payments.subject_id NOT NULL,
    entitlement_key text NOT NULL CHECK (entitlement_key ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$'),
    source_type text NOT NULL CHECK (source_type IN ('subscription', 'one_time_payment')),
    source_id text NOT NULL,
    stripe_product_id text,
    active boolean NOT NULL DEFAULT TRUE,
    valid_from timestamptz,
    valid_until timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT user_entitlements_source_key
    UNIQUE (environment, user_id, entitlement_key, source_type, source_id)
);

CREATE INDEX user_entitlements_user_idx ON public.user_entitlements (environment, user_id);

CREATE TABLE public.team_billing_status (
    environment payments.stripe_environment NOT NULL,
    subject_type text NOT NULL REFERENCES payments.subject_types (subject_type),
    subject_id payments.subject_id NOT NULL,
    stripe_customer_id text,
    stripe_subscription_id text,
    stripe_product_id text,
    stripe_price_id text,
    plan text,
    status text,
    seats integer CHECK (seats >= 0),
    current_period_end timestamptz,
    cancel_at_period_end boolean NOT NULL DEFAULT FALSE,
    trial_end timestamptz,
    has_access boolean NOT NULL DEFAULT FALSE,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (environment, subject_type, subject_id),
    CONSTRAINT team_billing_status_subject_is_group CHECK (subject_type <> 'user')
);

ALTER TABLE public.orders ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.orders FORCE ROW LEVEL SECURITY;
ALTER TABLE public.credit_ledger ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.credit_ledger FORCE ROW LEVEL SECURITY;
ALTER TABLE public.user_entitlements ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.user_entitlements FORCE ROW LEVEL SECURITY;
ALTER TABLE public.team_billing_status ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.team_billing_status FORCE ROW LEVEL SECURITY;
