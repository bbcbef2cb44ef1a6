--
-- PostgreSQL database dump
--



SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: payments; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA payments;


--
-- Name: SCHEMA payments; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON SCHEMA payments IS 'pgpay: operational mirror of Stripe state, fed only by verified webhook events and Stripe API sync.';


--
-- Name: pgpay_migrations; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA pgpay_migrations;


--
-- Name: stripe_environment; Type: DOMAIN; Schema: payments; Owner: -
--

CREATE DOMAIN payments.stripe_environment AS text
	CONSTRAINT stripe_environment_check CHECK ((VALUE = ANY (ARRAY['test'::text, 'live'::text])));


--
-- Name: subject_id; Type: DOMAIN; Schema: payments; Owner: -
--

CREATE DOMAIN payments.subject_id AS text
	CONSTRAINT subject_id_check CHECK ((VALUE ~ '^[A-Za-z0-9][A-Za-z0-9_.:@|-]{0,254}$'::text));


--
-- Name: tg_any__set_updated_at(); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.tg_any__set_updated_at() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
BEGIN
    IF NEW IS DISTINCT FROM OLD THEN
        NEW.updated_at := pg_catalog.now();
    ELSE
        NEW.updated_at := OLD.updated_at;
    END IF;
    RETURN NEW;
END
$$;


--
-- Name: FUNCTION tg_any__set_updated_at(); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.tg_any__set_updated_at() IS 'Trigger function: sets updated_at to now() when a row really changes.';


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: checkout_sessions; Type: TABLE; Schema: payments; Owner: -
--

CREATE TABLE payments.checkout_sessions (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    environment payments.stripe_environment NOT NULL,
    stripe_checkout_session_id text,
    mode text NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    payment_status text,
    subject_type text,
    subject_id payments.subject_id,
    created_by text,
    customer_email text,
    stripe_customer_id text,
    stripe_payment_intent_id text,
    stripe_subscription_id text,
    order_id uuid,
    line_items jsonb DEFAULT '[]'::jsonb NOT NULL,
    success_url text,
    cancel_url text,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    idempotency_key text,
    request_hash text,
    url text,
    amount_total bigint,
    currency text,
    last_error text,
    expires_at timestamp with time zone,
    completed_at timestamp with time zone,
    last_event_at timestamp with time zone,
    raw jsonb,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT checkout_sessions_currency_check CHECK ((currency ~ '^[a-z]{3}$'::text)),
    CONSTRAINT checkout_sessions_idempotency_key_check CHECK (((char_length(idempotency_key) >= 1) AND (char_length(idempotency_key) <= 200))),
    CONSTRAINT checkout_sessions_mode_check CHECK ((mode = ANY (ARRAY['payment'::text, 'subscription'::text, 'setup'::text]))),
    CONSTRAINT checkout_sessions_payment_status_check CHECK ((payment_status = ANY (ARRAY['paid'::text, 'unpaid'::text, 'no_payment_required'::text]))),
    CONSTRAINT checkout_sessions_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'open'::text, 'complete'::text, 'expired'::text, 'failed'::text]))),
    CONSTRAINT checkout_sessions_stripe_checkout_session_id_check CHECK ((stripe_checkout_session_id ~ '^cs_[A-Za-z0-9_]+$'::text)),
    CONSTRAINT checkout_sessions_subject_complete CHECK (((subject_type IS NULL) = (subject_id IS NULL)))
);

ALTER TABLE ONLY payments.checkout_sessions FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE checkout_sessions; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON TABLE payments.checkout_sessions IS 'Checkout sessions created through pgpay (inserted under the caller''s RLS context) or seen in webhooks.';


--
-- Name: COLUMN checkout_sessions.request_hash; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON COLUMN payments.checkout_sessions.request_hash IS 'Hash of the normalised request: a retry with the same idempotency key must match it.';


--
-- Name: connections; Type: TABLE; Schema: payments; Owner: -
--

CREATE TABLE payments.connections (
    environment payments.stripe_environment NOT NULL,
    stripe_account_id text,
    key_fingerprint text,
    key_kind text,
    key_checked_at timestamp with time zone,
    webhook_endpoint_id text,
    webhook_url text,
    webhook_api_version text,
    webhook_secret_fingerprint text,
    last_sync_at timestamp with time zone,
    last_backfill_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT connections_key_fingerprint_check CHECK ((key_fingerprint ~ '^[0-9a-f]{8,64}$'::text)),
    CONSTRAINT connections_key_kind_check CHECK ((key_kind = ANY (ARRAY['secret'::text, 'restricted'::text])))
);

ALTER TABLE ONLY payments.connections FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE connections; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON TABLE payments.connections IS 'Per environment: Stripe account, API key fingerprint (never the key), managed webhook endpoint, last sync.';


--
-- Name: COLUMN connections.key_fingerprint; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON COLUMN payments.connections.key_fingerprint IS 'First hex digits of the SHA-256 of the API key: tells keys apart without revealing them.';


--
-- Name: customer_portal_sessions; Type: TABLE; Schema: payments; Owner: -
--

CREATE TABLE payments.customer_portal_sessions (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    environment payments.stripe_environment NOT NULL,
    subject_type text NOT NULL,
    subject_id payments.subject_id NOT NULL,
    created_by text,
    stripe_customer_id text,
    stripe_portal_session_id text,
    return_url text,
    status text DEFAULT 'pending'::text NOT NULL,
    url text,
    last_error text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT customer_portal_sessions_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'created'::text, 'failed'::text])))
);

ALTER TABLE ONLY payments.customer_portal_sessions FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE customer_portal_sessions; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON TABLE payments.customer_portal_sessions IS 'Billing Portal sessions requested through pgpay, with the subject they were opened for.';


--
-- Name: customers; Type: TABLE; Schema: payments; Owner: -
--

CREATE TABLE payments.customers (
    environment payments.stripe_environment NOT NULL,
    stripe_customer_id text NOT NULL,
    email text,
    name text,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    deleted boolean DEFAULT false NOT NULL,
    stripe_created timestamp with time zone,
    last_event_at timestamp with time zone,
    raw jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT customers_stripe_customer_id_check CHECK ((stripe_customer_id ~ '^cus_[A-Za-z0-9_]+$'::text))
);

ALTER TABLE ONLY payments.customers FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE customers; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON TABLE payments.customers IS 'Mirror of Stripe customers.';


--
-- Name: payment_history; Type: TABLE; Schema: payments; Owner: -
--

CREATE TABLE payments.payment_history (
    id bigint NOT NULL,
    environment payments.stripe_environment NOT NULL,
    type text NOT NULL,
    status text NOT NULL,
    subject_type text,
    subject_id payments.subject_id,
    stripe_customer_id text,
    stripe_checkout_session_id text,
    stripe_payment_intent_id text,
    stripe_charge_id text,
    stripe_invoice_id text,
    stripe_subscription_id text,
    stripe_refund_id text,
    stripe_dispute_id text,
    amount bigint DEFAULT 0 NOT NULL,
    amount_refunded bigint DEFAULT 0 NOT NULL,
    currency text,
    description text,
    failure_message text,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    stripe_created timestamp with time zone,
    last_event_at timestamp with time zone,
    raw jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT payment_history_amount_refunded_check CHECK ((amount_refunded >= 0)),
    CONSTRAINT payment_history_currency_check CHECK ((currency ~ '^[a-z]{3}$'::text)),
    CONSTRAINT payment_history_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'requires_action'::text, 'succeeded'::text, 'failed'::text, 'canceled'::text, 'refunded'::text, 'partially_refunded'::text, 'disputed'::text, 'won'::text, 'lost'::text, 'void'::text, 'uncollectible'::text]))),
    CONSTRAINT payment_history_subject_complete CHECK (((subject_type IS NULL) = (subject_id IS NULL))),
    CONSTRAINT payment_history_type_check CHECK ((type = ANY (ARRAY['one_time_payment'::text, 'subscription_invoice'::text, 'refund'::text, 'dispute'::text])))
);

ALTER TABLE ONLY payments.payment_history FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE payment_history; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON TABLE payments.payment_history IS 'One row per payment object: one-time payment (payment intent), subscription invoice, refund or dispute.';


--
-- Name: COLUMN payment_history.amount; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON COLUMN payments.payment_history.amount IS 'Amount in minor units of currency (cents).';


--
-- Name: payment_history_id_seq; Type: SEQUENCE; Schema: payments; Owner: -
--

ALTER TABLE payments.payment_history ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME payments.payment_history_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: prices; Type: TABLE; Schema: payments; Owner: -
--

CREATE TABLE payments.prices (
    environment payments.stripe_environment NOT NULL,
    stripe_price_id text NOT NULL,
    stripe_product_id text,
    active boolean DEFAULT true NOT NULL,
    deleted boolean DEFAULT false NOT NULL,
    currency text,
    unit_amount bigint,
    type text,
    recurring_interval text,
    recurring_interval_count integer,
    lookup_key text,
    nickname text,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    stripe_created timestamp with time zone,
    last_event_at timestamp with time zone,
    raw jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT prices_currency_check CHECK ((currency ~ '^[a-z]{3}$'::text)),
    CONSTRAINT prices_recurring_interval_check CHECK ((recurring_interval = ANY (ARRAY['day'::text, 'week'::text, 'month'::text, 'year'::text]))),
    CONSTRAINT prices_type_check CHECK ((type = ANY (ARRAY['one_time'::text, 'recurring'::text])))
);

ALTER TABLE ONLY payments.prices FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE prices; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON TABLE payments.prices IS 'Mirror of Stripe prices (catalog).';


--
-- Name: products; Type: TABLE; Schema: payments; Owner: -
--

CREATE TABLE payments.products (
    environment payments.stripe_environment NOT NULL,
    stripe_product_id text NOT NULL,
    name text,
    description text,
    active boolean DEFAULT true NOT NULL,
    deleted boolean DEFAULT false NOT NULL,
    default_price text,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    stripe_created timestamp with time zone,
    last_event_at timestamp with time zone,
    raw jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE ONLY payments.products FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE products; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON TABLE payments.products IS 'Mirror of Stripe products (catalog).';


--
-- Name: stripe_customer_mappings; Type: TABLE; Schema: payments; Owner: -
--

CREATE TABLE payments.stripe_customer_mappings (
    id bigint NOT NULL,
    environment payments.stripe_environment NOT NULL,
    subject_type text NOT NULL,
    subject_id payments.subject_id NOT NULL,
    stripe_customer_id text NOT NULL,
    source text DEFAULT 'checkout'::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT stripe_customer_mappings_source_check CHECK ((source = ANY (ARRAY['checkout'::text, 'metadata'::text, 'runtime'::text, 'sync'::text, 'manual'::text]))),
    CONSTRAINT stripe_customer_mappings_stripe_customer_id_check CHECK ((stripe_customer_id ~ '^cus_[A-Za-z0-9_]+$'::text))
);

ALTER TABLE ONLY payments.stripe_customer_mappings FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE stripe_customer_mappings; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON TABLE payments.stripe_customer_mappings IS 'Which Stripe customer bills which subject. One customer per subject and one subject per customer; never moved.';


--
-- Name: stripe_customer_mappings_id_seq; Type: SEQUENCE; Schema: payments; Owner: -
--

ALTER TABLE payments.stripe_customer_mappings ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME payments.stripe_customer_mappings_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: subject_types; Type: TABLE; Schema: payments; Owner: -
--

CREATE TABLE payments.subject_types (
    subject_type text NOT NULL,
    is_group boolean NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT subject_types_subject_type_check CHECK ((subject_type ~ '^[a-z][a-z0-9_]{0,39}$'::text)),
    CONSTRAINT subject_types_user_is_not_a_group CHECK (((subject_type <> 'user'::text) OR (NOT is_group)))
);

ALTER TABLE ONLY payments.subject_types FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE subject_types; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON TABLE payments.subject_types IS 'Known billing subject types: user plus group types. Insert a row to allow a new group type.';


--
-- Name: subscription_items; Type: TABLE; Schema: payments; Owner: -
--

CREATE TABLE payments.subscription_items (
    environment payments.stripe_environment NOT NULL,
    stripe_subscription_item_id text NOT NULL,
    stripe_subscription_id text NOT NULL,
    stripe_price_id text,
    stripe_product_id text,
    quantity integer,
    current_period_start timestamp with time zone,
    current_period_end timestamp with time zone,
    deleted boolean DEFAULT false NOT NULL,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    raw jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE ONLY payments.subscription_items FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE subscription_items; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON TABLE payments.subscription_items IS 'Mirror of Stripe subscription items (price, quantity).';


--
-- Name: subscriptions; Type: TABLE; Schema: payments; Owner: -
--

CREATE TABLE payments.subscriptions (
    environment payments.stripe_environment NOT NULL,
    stripe_subscription_id text NOT NULL,
    stripe_customer_id text,
    subject_type text,
    subject_id payments.subject_id,
    status text NOT NULL,
    stripe_price_id text,
    stripe_product_id text,
    quantity integer,
    cancel_at_period_end boolean DEFAULT false NOT NULL,
    cancel_at timestamp with time zone,
    canceled_at timestamp with time zone,
    ended_at timestamp with time zone,
    current_period_start timestamp with time zone,
    current_period_end timestamp with time zone,
    trial_start timestamp with time zone,
    trial_end timestamp with time zone,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    stripe_created timestamp with time zone,
    last_event_at timestamp with time zone,
    raw jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT subscriptions_status_check CHECK ((status = ANY (ARRAY['incomplete'::text, 'incomplete_expired'::text, 'trialing'::text, 'active'::text, 'past_due'::text, 'canceled'::text, 'unpaid'::text, 'paused'::text]))),
    CONSTRAINT subscriptions_stripe_subscription_id_check CHECK ((stripe_subscription_id ~ '^sub_[A-Za-z0-9_]+$'::text)),
    CONSTRAINT subscriptions_subject_complete CHECK (((subject_type IS NULL) = (subject_id IS NULL)))
);

ALTER TABLE ONLY payments.subscriptions FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE subscriptions; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON TABLE payments.subscriptions IS 'Mirror of Stripe subscriptions with their subject; period dates from the subscription or its items.';


--
-- Name: webhook_events; Type: TABLE; Schema: payments; Owner: -
--

CREATE TABLE payments.webhook_events (
    id bigint NOT NULL,
    environment payments.stripe_environment NOT NULL,
    stripe_event_id text NOT NULL,
    type text NOT NULL,
    api_version text,
    livemode boolean NOT NULL,
    object_type text,
    object_id text,
    stripe_created timestamp with time zone NOT NULL,
    status text DEFAULT 'received'::text NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    last_error text,
    source text DEFAULT 'webhook'::text NOT NULL,
    payload jsonb NOT NULL,
    received_at timestamp with time zone DEFAULT now() NOT NULL,
    processed_at timestamp with time zone,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT webhook_events_attempts_check CHECK ((attempts >= 0)),
    CONSTRAINT webhook_events_source_check CHECK ((source = ANY (ARRAY['webhook'::text, 'cli'::text, 'backfill'::text, 'sync'::text, 'replay'::text]))),
    CONSTRAINT webhook_events_status_check CHECK ((status = ANY (ARRAY['received'::text, 'processed'::text, 'ignored'::text, 'failed'::text]))),
    CONSTRAINT webhook_events_stripe_event_id_check CHECK ((stripe_event_id ~ '^evt_[A-Za-z0-9_]+$'::text))
);

ALTER TABLE ONLY payments.webhook_events FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE webhook_events; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON TABLE payments.webhook_events IS 'Ledger of every Stripe event received, one row per (environment, event id): status, attempts, payload.';


--
-- Name: COLUMN webhook_events.stripe_created; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON COLUMN payments.webhook_events.stripe_created IS 'The event''s created time as sent by Stripe.';


--
-- Name: COLUMN webhook_events.status; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON COLUMN payments.webhook_events.status IS 'received while in flight; processed, ignored (type pgpay does not handle) or failed (see last_error).';


--
-- Name: webhook_events_id_seq; Type: SEQUENCE; Schema: payments; Owner: -
--

ALTER TABLE payments.webhook_events ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME payments.webhook_events_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: _yoyo_log; Type: TABLE; Schema: pgpay_migrations; Owner: -
--

CREATE TABLE pgpay_migrations._yoyo_log (
    id character varying(36) NOT NULL,
    migration_hash character varying(64),
    migration_id character varying(255),
    operation character varying(10),
    username character varying(255),
    hostname character varying(255),
    comment character varying(255),
    created_at_utc timestamp without time zone
);


--
-- Name: _yoyo_migration; Type: TABLE; Schema: pgpay_migrations; Owner: -
--

CREATE TABLE pgpay_migrations._yoyo_migration (
    migration_hash character varying(64) NOT NULL,
    migration_id character varying(255),
    applied_at_utc timestamp without time zone
);


--
-- Name: _yoyo_version; Type: TABLE; Schema: pgpay_migrations; Owner: -
--

CREATE TABLE pgpay_migrations._yoyo_version (
    version integer NOT NULL,
    installed_at_utc timestamp without time zone
);


--
-- Name: yoyo_lock; Type: TABLE; Schema: pgpay_migrations; Owner: -
--

CREATE TABLE pgpay_migrations.yoyo_lock (
    locked integer DEFAULT 1 NOT NULL,
    ctime timestamp without time zone,
    pid integer NOT NULL
);


--
-- Name: credit_ledger; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.credit_ledger (
    id bigint NOT NULL,
    environment payments.stripe_environment NOT NULL,
    subject_type text NOT NULL,
    subject_id payments.subject_id NOT NULL,
    amount bigint NOT NULL,
    kind text NOT NULL,
    source_key text NOT NULL,
    reason text,
    payment_history_id bigint,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT credit_ledger_amount_check CHECK ((amount <> 0)),
    CONSTRAINT credit_ledger_kind_check CHECK ((kind = ANY (ARRAY['grant'::text, 'reversal'::text, 'restore'::text, 'spend'::text, 'adjustment'::text]))),
    CONSTRAINT credit_ledger_source_key_check CHECK (((char_length(source_key) >= 1) AND (char_length(source_key) <= 300)))
);

ALTER TABLE ONLY public.credit_ledger FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE credit_ledger; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.credit_ledger IS 'Append-only credit ledger per subject: grants, reversals, restores and spends, each with a unique source key.';


--
-- Name: credit_ledger_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.credit_ledger ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.credit_ledger_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: orders; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.orders (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    environment payments.stripe_environment NOT NULL,
    subject_type text,
    subject_id payments.subject_id,
    created_by text,
    status text DEFAULT 'pending'::text NOT NULL,
    amount bigint,
    currency text,
    amount_refunded bigint DEFAULT 0 NOT NULL,
    description text,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    stripe_checkout_session_id text,
    stripe_payment_intent_id text,
    paid_at timestamp with time zone,
    failed_at timestamp with time zone,
    refunded_at timestamp with time zone,
    disputed_at timestamp with time zone,
    fulfilled_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT orders_amount_check CHECK ((amount >= 0)),
    CONSTRAINT orders_amount_refunded_check CHECK ((amount_refunded >= 0)),
    CONSTRAINT orders_currency_check CHECK ((currency ~ '^[a-z]{3}$'::text)),
    CONSTRAINT orders_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'paid'::text, 'failed'::text, 'refunded'::text, 'disputed'::text, 'fulfilled'::text, 'canceled'::text]))),
    CONSTRAINT orders_subject_complete CHECK (((subject_type IS NULL) = (subject_id IS NULL)))
);

ALTER TABLE ONLY public.orders FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE orders; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.orders IS 'App orders: pending until their one-time payment succeeds (verified webhook), then paid; the app sets fulfilled.';


--
-- Name: team_billing_status; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.team_billing_status (
    environment payments.stripe_environment NOT NULL,
    subject_type text NOT NULL,
    subject_id payments.subject_id NOT NULL,
    stripe_customer_id text,
    stripe_subscription_id text,
    stripe_product_id text,
    stripe_price_id text,
    plan text,
    status text,
    seats integer,
    current_period_end timestamp with time zone,
    cancel_at_period_end boolean DEFAULT false NOT NULL,
    trial_end timestamp with time zone,
    has_access boolean DEFAULT false NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT team_billing_status_seats_check CHECK ((seats >= 0)),
    CONSTRAINT team_billing_status_subject_is_group CHECK ((subject_type <> 'user'::text))
);

ALTER TABLE ONLY public.team_billing_status FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE team_billing_status; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.team_billing_status IS 'One row per group subject (team, organization, ...): plan, status, seats, period end and has_access.';


--
-- Name: user_entitlements; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.user_entitlements (
    id bigint NOT NULL,
    environment payments.stripe_environment NOT NULL,
    user_id payments.subject_id NOT NULL,
    entitlement_key text NOT NULL,
    source_type text NOT NULL,
    source_id text NOT NULL,
    stripe_product_id text,
    active boolean DEFAULT true NOT NULL,
    valid_from timestamp with time zone,
    valid_until timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT user_entitlements_entitlement_key_check CHECK ((entitlement_key ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$'::text)),
    CONSTRAINT user_entitlements_source_type_check CHECK ((source_type = ANY (ARRAY['subscription'::text, 'one_time_payment'::text])))
);

ALTER TABLE ONLY public.user_entitlements FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE user_entitlements; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.user_entitlements IS 'What each user subject may use, derived from subscriptions and one-time purchases.';


--
-- Name: user_entitlements_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.user_entitlements ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.user_entitlements_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: checkout_sessions checkout_sessions_pkey; Type: CONSTRAINT; Schema: payments; Owner: -
--

ALTER TABLE ONLY payments.checkout_sessions
    ADD CONSTRAINT checkout_sessions_pkey PRIMARY KEY (id);


--
-- Name: checkout_sessions checkout_sessions_stripe_key; Type: CONSTRAINT; Schema: payments; Owner: -
--

ALTER TABLE ONLY payments.checkout_sessions
    ADD CONSTRAINT checkout_sessions_stripe_key UNIQUE (environment, stripe_checkout_session_id);


--
-- Name: connections connections_pkey; Type: CONSTRAINT; Schema: payments; Owner: -
--

ALTER TABLE ONLY payments.connections
    ADD CONSTRAINT connections_pkey PRIMARY KEY (environment);


--
-- Name: customer_portal_sessions customer_portal_sessions_pkey; Type: CONSTRAINT; Schema: payments; Owner: -
--

ALTER TABLE ONLY payments.customer_portal_sessions
    ADD CONSTRAINT customer_portal_sessions_pkey PRIMARY KEY (id);


--
-- Name: customers customers_pkey; Type: CONSTRAINT; Schema: payments; Owner: -
--

ALTER TABLE ONLY payments.customers
    ADD CONSTRAINT customers_pkey PRIMARY KEY (environment, stripe_customer_id);


--
-- Name: payment_history payment_history_pkey; Type: CONSTRAINT; Schema: payments; Owner: -
--

ALTER TABLE ONLY payments.payment_history
    ADD CONSTRAINT payment_history_pkey PRIMARY KEY (id);


--
-- Name: prices prices_pkey; Type: CONSTRAINT; Schema: payments; Owner: -
--

ALTER TABLE ONLY payments.prices
    ADD CONSTRAINT prices_pkey PRIMARY KEY (environment, stripe_price_id);


--
-- Name: products products_pkey; Type: CONSTRAINT; Schema: payments; Owner: -
--

ALTER TABLE ONLY payments.products
    ADD CONSTRAINT products_pkey PRIMARY KEY (environment, stripe_product_id);


--
-- Name: stripe_customer_mappings stripe_customer_mappings_customer_key; Type: CONSTRAINT; Schema: payments; Owner: -
--

ALTER TABLE ONLY payments.stripe_customer_mappings
    ADD CONSTRAINT stripe_customer_mappings_customer_key UNIQUE (environment, stripe_customer_id);


--
-- Name: stripe_customer_mappings stripe_customer_mappings_pkey; Type: CONSTRAINT; Schema: payments; Owner: -
--

ALTER TABLE ONLY payments.stripe_customer_mappings
    ADD CONSTRAINT stripe_customer_mappings_pkey PRIMARY KEY (id);


--
-- Name: stripe_customer_mappings stripe_customer_mappings_subject_key; Type: CONSTRAINT; Schema: payments; Owner: -
--

ALTER TABLE ONLY payments.stripe_customer_mappings
    ADD CONSTRAINT stripe_customer_mappings_subject_key UNIQUE (environment, subject_type, subject_id);


--
-- Name: subject_types subject_types_pkey; Type: CONSTRAINT; Schema: payments; Owner: -
--

ALTER TABLE ONLY payments.subject_types
    ADD CONSTRAINT subject_types_pkey PRIMARY KEY (subject_type);


--
-- Name: subscription_items subscription_items_pkey; Type: CONSTRAINT; Schema: payments; Owner: -
--

ALTER TABLE ONLY payments.subscription_items
    ADD CONSTRAINT subscription_items_pkey PRIMARY KEY (environment, stripe_subscription_item_id);


--
-- Name: subscriptions subscriptions_pkey; Type: CONSTRAINT; Schema: payments; Owner: -
--

ALTER TABLE ONLY payments.subscriptions
    ADD CONSTRAINT subscriptions_pkey PRIMARY KEY (environment, stripe_subscription_id);


--
-- Name: webhook_events webhook_events_environment_event_key; Type: CONSTRAINT; Schema: payments; Owner: -
--

ALTER TABLE ONLY payments.webhook_events
    ADD CONSTRAINT webhook_events_environment_event_key UNIQUE (environment, stripe_event_id);


--
-- Name: webhook_events webhook_events_pkey; Type: CONSTRAINT; Schema: payments; Owner: -
--

ALTER TABLE ONLY payments.webhook_events
    ADD CONSTRAINT webhook_events_pkey PRIMARY KEY (id);


--
-- Name: _yoyo_log _yoyo_log_pkey; Type: CONSTRAINT; Schema: pgpay_migrations; Owner: -
--

ALTER TABLE ONLY pgpay_migrations._yoyo_log
    ADD CONSTRAINT _yoyo_log_pkey PRIMARY KEY (id);


--
-- Name: _yoyo_migration _yoyo_migration_pkey; Type: CONSTRAINT; Schema: pgpay_migrations; Owner: -
--

ALTER TABLE ONLY pgpay_migrations._yoyo_migration
    ADD CONSTRAINT _yoyo_migration_pkey PRIMARY KEY (migration_hash);


--
-- Name: _yoyo_version _yoyo_version_pkey; Type: CONSTRAINT; Schema: pgpay_migrations; Owner: -
--

ALTER TABLE ONLY pgpay_migrations._yoyo_version
    ADD CONSTRAINT _yoyo_version_pkey PRIMARY KEY (version);


--
-- Name: yoyo_lock yoyo_lock_pkey; Type: CONSTRAINT; Schema: pgpay_migrations; Owner: -
--

ALTER TABLE ONLY pgpay_migrations.yoyo_lock
    ADD CONSTRAINT yoyo_lock_pkey PRIMARY KEY (locked);


--
-- Name: credit_ledger credit_ledger_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.credit_ledger
    ADD CONSTRAINT credit_ledger_pkey PRIMARY KEY (id);


--
-- Name: credit_ledger credit_ledger_source_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.credit_ledger
    ADD CONSTRAINT credit_ledger_source_key UNIQUE (environment, source_key);


--
-- Name: orders orders_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.orders
    ADD CONSTRAINT orders_pkey PRIMARY KEY (id);


--
-- Name: team_billing_status team_billing_status_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.team_billing_status
    ADD CONSTRAINT team_billing_status_pkey PRIMARY KEY (environment, subject_type, subject_id);


--
-- Name: user_entitlements user_entitlements_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.user_entitlements
    ADD CONSTRAINT user_entitlements_pkey PRIMARY KEY (id);


--
-- Name: user_entitlements user_entitlements_source_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.user_entitlements
    ADD CONSTRAINT user_entitlements_source_key UNIQUE (environment, user_id, entitlement_key, source_type, source_id);


--
-- Name: checkout_sessions_idempotency_key; Type: INDEX; Schema: payments; Owner: -
--

CREATE UNIQUE INDEX checkout_sessions_idempotency_key ON payments.checkout_sessions USING btree (environment, COALESCE(created_by, ''::text), idempotency_key) WHERE (idempotency_key IS NOT NULL);


--
-- Name: checkout_sessions_payment_intent_idx; Type: INDEX; Schema: payments; Owner: -
--

CREATE INDEX checkout_sessions_payment_intent_idx ON payments.checkout_sessions USING btree (environment, stripe_payment_intent_id) WHERE (stripe_payment_intent_id IS NOT NULL);


--
-- Name: checkout_sessions_subject_idx; Type: INDEX; Schema: payments; Owner: -
--

CREATE INDEX checkout_sessions_subject_idx ON payments.checkout_sessions USING btree (environment, subject_type, subject_id);


--
-- Name: customer_portal_sessions_subject_idx; Type: INDEX; Schema: payments; Owner: -
--

CREATE INDEX customer_portal_sessions_subject_idx ON payments.customer_portal_sessions USING btree (environment, subject_type, subject_id);


--
-- Name: payment_history_charge_idx; Type: INDEX; Schema: payments; Owner: -
--

CREATE INDEX payment_history_charge_idx ON payments.payment_history USING btree (environment, stripe_charge_id);


--
-- Name: payment_history_checkout_idx; Type: INDEX; Schema: payments; Owner: -
--

CREATE INDEX payment_history_checkout_idx ON payments.payment_history USING btree (environment, stripe_checkout_session_id);


--
-- Name: payment_history_dispute_key; Type: INDEX; Schema: payments; Owner: -
--

CREATE UNIQUE INDEX payment_history_dispute_key ON payments.payment_history USING btree (environment, stripe_dispute_id) WHERE (type = 'dispute'::text);


--
-- Name: payment_history_one_time_payment_key; Type: INDEX; Schema: payments; Owner: -
--

CREATE UNIQUE INDEX payment_history_one_time_payment_key ON payments.payment_history USING btree (environment, stripe_payment_intent_id) WHERE (type = 'one_time_payment'::text);


--
-- Name: payment_history_refund_key; Type: INDEX; Schema: payments; Owner: -
--

CREATE UNIQUE INDEX payment_history_refund_key ON payments.payment_history USING btree (environment, stripe_refund_id) WHERE (type = 'refund'::text);


--
-- Name: payment_history_subject_idx; Type: INDEX; Schema: payments; Owner: -
--

CREATE INDEX payment_history_subject_idx ON payments.payment_history USING btree (environment, subject_type, subject_id);


--
-- Name: payment_history_subscription_invoice_key; Type: INDEX; Schema: payments; Owner: -
--

CREATE UNIQUE INDEX payment_history_subscription_invoice_key ON payments.payment_history USING btree (environment, stripe_invoice_id) WHERE (type = 'subscription_invoice'::text);


--
-- Name: prices_product_idx; Type: INDEX; Schema: payments; Owner: -
--

CREATE INDEX prices_product_idx ON payments.prices USING btree (environment, stripe_product_id);


--
-- Name: subscription_items_subscription_idx; Type: INDEX; Schema: payments; Owner: -
--

CREATE INDEX subscription_items_subscription_idx ON payments.subscription_items USING btree (environment, stripe_subscription_id);


--
-- Name: subscriptions_customer_idx; Type: INDEX; Schema: payments; Owner: -
--

CREATE INDEX subscriptions_customer_idx ON payments.subscriptions USING btree (environment, stripe_customer_id);


--
-- Name: subscriptions_subject_idx; Type: INDEX; Schema: payments; Owner: -
--

CREATE INDEX subscriptions_subject_idx ON payments.subscriptions USING btree (environment, subject_type, subject_id);


--
-- Name: webhook_events_failed_idx; Type: INDEX; Schema: payments; Owner: -
--

CREATE INDEX webhook_events_failed_idx ON payments.webhook_events USING btree (environment, received_at) WHERE (status = 'failed'::text);


--
-- Name: webhook_events_object_idx; Type: INDEX; Schema: payments; Owner: -
--

CREATE INDEX webhook_events_object_idx ON payments.webhook_events USING btree (environment, object_id);


--
-- Name: webhook_events_unprocessed_idx; Type: INDEX; Schema: payments; Owner: -
--

CREATE INDEX webhook_events_unprocessed_idx ON payments.webhook_events USING btree (received_at) WHERE (status = ANY (ARRAY['received'::text, 'failed'::text]));


--
-- Name: credit_ledger_subject_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX credit_ledger_subject_idx ON public.credit_ledger USING btree (environment, subject_type, subject_id);


--
-- Name: orders_checkout_session_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX orders_checkout_session_key ON public.orders USING btree (environment, stripe_checkout_session_id) WHERE (stripe_checkout_session_id IS NOT NULL);


--
-- Name: orders_payment_intent_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX orders_payment_intent_idx ON public.orders USING btree (environment, stripe_payment_intent_id) WHERE (stripe_payment_intent_id IS NOT NULL);


--
-- Name: orders_subject_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX orders_subject_idx ON public.orders USING btree (environment, subject_type, subject_id);


--
-- Name: user_entitlements_user_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX user_entitlements_user_idx ON public.user_entitlements USING btree (environment, user_id);


--
-- Name: checkout_sessions _100_set_updated_at; Type: TRIGGER; Schema: payments; Owner: -
--

CREATE TRIGGER _100_set_updated_at BEFORE UPDATE ON payments.checkout_sessions FOR EACH ROW EXECUTE FUNCTION payments.tg_any__set_updated_at();


--
-- Name: connections _100_set_updated_at; Type: TRIGGER; Schema: payments; Owner: -
--

CREATE TRIGGER _100_set_updated_at BEFORE UPDATE ON payments.connections FOR EACH ROW EXECUTE FUNCTION payments.tg_any__set_updated_at();


--
-- Name: customer_portal_sessions _100_set_updated_at; Type: TRIGGER; Schema: payments; Owner: -
--

CREATE TRIGGER _100_set_updated_at BEFORE UPDATE ON payments.customer_portal_sessions FOR EACH ROW EXECUTE FUNCTION payments.tg_any__set_updated_at();


--
-- Name: customers _100_set_updated_at; Type: TRIGGER; Schema: payments; Owner: -
--

CREATE TRIGGER _100_set_updated_at BEFORE UPDATE ON payments.customers FOR EACH ROW EXECUTE FUNCTION payments.tg_any__set_updated_at();


--
-- Name: payment_history _100_set_updated_at; Type: TRIGGER; Schema: payments; Owner: -
--

CREATE TRIGGER _100_set_updated_at BEFORE UPDATE ON payments.payment_history FOR EACH ROW EXECUTE FUNCTION payments.tg_any__set_updated_at();


--
-- Name: prices _100_set_updated_at; Type: TRIGGER; Schema: payments; Owner: -
--

CREATE TRIGGER _100_set_updated_at BEFORE UPDATE ON payments.prices FOR EACH ROW EXECUTE FUNCTION payments.tg_any__set_updated_at();


--
-- Name: products _100_set_updated_at; Type: TRIGGER; Schema: payments; Owner: -
--

CREATE TRIGGER _100_set_updated_at BEFORE UPDATE ON payments.products FOR EACH ROW EXECUTE FUNCTION payments.tg_any__set_updated_at();


--
-- Name: stripe_customer_mappings _100_set_updated_at; Type: TRIGGER; Schema: payments; Owner: -
--

CREATE TRIGGER _100_set_updated_at BEFORE UPDATE ON payments.stripe_customer_mappings FOR EACH ROW EXECUTE FUNCTION payments.tg_any__set_updated_at();


--
-- Name: subscription_items _100_set_updated_at; Type: TRIGGER; Schema: payments; Owner: -
--

CREATE TRIGGER _100_set_updated_at BEFORE UPDATE ON payments.subscription_items FOR EACH ROW EXECUTE FUNCTION payments.tg_any__set_updated_at();


--
-- Name: subscriptions _100_set_updated_at; Type: TRIGGER; Schema: payments; Owner: -
--

CREATE TRIGGER _100_set_updated_at BEFORE UPDATE ON payments.subscriptions FOR EACH ROW EXECUTE FUNCTION payments.tg_any__set_updated_at();


--
-- Name: webhook_events _100_set_updated_at; Type: TRIGGER; Schema: payments; Owner: -
--

CREATE TRIGGER _100_set_updated_at BEFORE UPDATE ON payments.webhook_events FOR EACH ROW EXECUTE FUNCTION payments.tg_any__set_updated_at();


--
-- Name: orders _100_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER _100_set_updated_at BEFORE UPDATE ON public.orders FOR EACH ROW EXECUTE FUNCTION payments.tg_any__set_updated_at();


--
-- Name: team_billing_status _100_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER _100_set_updated_at BEFORE UPDATE ON public.team_billing_status FOR EACH ROW EXECUTE FUNCTION payments.tg_any__set_updated_at();


--
-- Name: user_entitlements _100_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER _100_set_updated_at BEFORE UPDATE ON public.user_entitlements FOR EACH ROW EXECUTE FUNCTION payments.tg_any__set_updated_at();


--
-- Name: checkout_sessions checkout_sessions_subject_type_fkey; Type: FK CONSTRAINT; Schema: payments; Owner: -
--

ALTER TABLE ONLY payments.checkout_sessions
    ADD CONSTRAINT checkout_sessions_subject_type_fkey FOREIGN KEY (subject_type) REFERENCES payments.subject_types(subject_type);


--
-- Name: customer_portal_sessions customer_portal_sessions_subject_type_fkey; Type: FK CONSTRAINT; Schema: payments; Owner: -
--

ALTER TABLE ONLY payments.customer_portal_sessions
    ADD CONSTRAINT customer_portal_sessions_subject_type_fkey FOREIGN KEY (subject_type) REFERENCES payments.subject_types(subject_type);


--
-- Name: payment_history payment_history_subject_type_fkey; Type: FK CONSTRAINT; Schema: payments; Owner: -
--

ALTER TABLE ONLY payments.payment_history
    ADD CONSTRAINT payment_history_subject_type_fkey FOREIGN KEY (subject_type) REFERENCES payments.subject_types(subject_type);


--
-- Name: stripe_customer_mappings stripe_customer_mappings_subject_type_fkey; Type: FK CONSTRAINT; Schema: payments; Owner: -
--

ALTER TABLE ONLY payments.stripe_customer_mappings
    ADD CONSTRAINT stripe_customer_mappings_subject_type_fkey FOREIGN KEY (subject_type) REFERENCES payments.subject_types(subject_type);


--
-- Name: subscriptions subscriptions_subject_type_fkey; Type: FK CONSTRAINT; Schema: payments; Owner: -
--

ALTER TABLE ONLY payments.subscriptions
    ADD CONSTRAINT subscriptions_subject_type_fkey FOREIGN KEY (subject_type) REFERENCES payments.subject_types(subject_type);


--
-- Name: credit_ledger credit_ledger_subject_type_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.credit_ledger
    ADD CONSTRAINT credit_ledger_subject_type_fkey FOREIGN KEY (subject_type) REFERENCES payments.subject_types(subject_type);


--
-- Name: orders orders_subject_type_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.orders
    ADD CONSTRAINT orders_subject_type_fkey FOREIGN KEY (subject_type) REFERENCES payments.subject_types(subject_type);


--
-- Name: team_billing_status team_billing_status_subject_type_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.team_billing_status
    ADD CONSTRAINT team_billing_status_subject_type_fkey FOREIGN KEY (subject_type) REFERENCES payments.subject_types(subject_type);


--
-- Name: checkout_sessions; Type: ROW SECURITY; Schema: payments; Owner: -
--

ALTER TABLE payments.checkout_sessions ENABLE ROW LEVEL SECURITY;

--
-- Name: connections; Type: ROW SECURITY; Schema: payments; Owner: -
--

ALTER TABLE payments.connections ENABLE ROW LEVEL SECURITY;

--
-- Name: customer_portal_sessions; Type: ROW SECURITY; Schema: payments; Owner: -
--

ALTER TABLE payments.customer_portal_sessions ENABLE ROW LEVEL SECURITY;

--
-- Name: customers; Type: ROW SECURITY; Schema: payments; Owner: -
--

ALTER TABLE payments.customers ENABLE ROW LEVEL SECURITY;

--
-- Name: payment_history; Type: ROW SECURITY; Schema: payments; Owner: -
--

ALTER TABLE payments.payment_history ENABLE ROW LEVEL SECURITY;

--
-- Name: prices; Type: ROW SECURITY; Schema: payments; Owner: -
--

ALTER TABLE payments.prices ENABLE ROW LEVEL SECURITY;

--
-- Name: products; Type: ROW SECURITY; Schema: payments; Owner: -
--

ALTER TABLE payments.products ENABLE ROW LEVEL SECURITY;

--
-- Name: stripe_customer_mappings; Type: ROW SECURITY; Schema: payments; Owner: -
--

ALTER TABLE payments.stripe_customer_mappings ENABLE ROW LEVEL SECURITY;

--
-- Name: subject_types; Type: ROW SECURITY; Schema: payments; Owner: -
--

ALTER TABLE payments.subject_types ENABLE ROW LEVEL SECURITY;

--
-- Name: subscription_items; Type: ROW SECURITY; Schema: payments; Owner: -
--

ALTER TABLE payments.subscription_items ENABLE ROW LEVEL SECURITY;

--
-- Name: subscriptions; Type: ROW SECURITY; Schema: payments; Owner: -
--

ALTER TABLE payments.subscriptions ENABLE ROW LEVEL SECURITY;

--
-- Name: webhook_events; Type: ROW SECURITY; Schema: payments; Owner: -
--

ALTER TABLE payments.webhook_events ENABLE ROW LEVEL SECURITY;

--
-- Name: credit_ledger; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.credit_ledger ENABLE ROW LEVEL SECURITY;

--
-- Name: orders; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.orders ENABLE ROW LEVEL SECURITY;

--
-- Name: team_billing_status; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.team_billing_status ENABLE ROW LEVEL SECURITY;

--
-- Name: user_entitlements; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.user_entitlements ENABLE ROW LEVEL SECURITY;

--
-- Name: SCHEMA payments; Type: ACL; Schema: -; Owner: -
--

GRANT USAGE ON SCHEMA payments TO anon;
GRANT USAGE ON SCHEMA payments TO authenticated;


--
-- Name: FUNCTION tg_any__set_updated_at(); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.tg_any__set_updated_at() FROM PUBLIC;


--
-- PostgreSQL database dump complete
--
