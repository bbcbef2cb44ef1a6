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
-- Name: delivery_attempts; Type: DOMAIN; Schema: payments; Owner: -
--

CREATE DOMAIN payments.delivery_attempts AS integer
	CONSTRAINT webhook_events_attempts_check CHECK ((VALUE >= 0));


--
-- Name: DOMAIN delivery_attempts; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON DOMAIN payments.delivery_attempts IS 'How many times an event was ingested, 0 or more: payments.webhook_events.attempts.';


--
-- Name: payment_history_amount_refunded; Type: DOMAIN; Schema: payments; Owner: -
--

CREATE DOMAIN payments.payment_history_amount_refunded AS bigint
	CONSTRAINT payment_history_amount_refunded_check CHECK ((VALUE >= 0));


--
-- Name: DOMAIN payment_history_amount_refunded; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON DOMAIN payments.payment_history_amount_refunded IS 'Refunded amount in the smallest currency unit, 0 or more: payments.payment_history.amount_refunded.';


--
-- Name: payment_history_currency; Type: DOMAIN; Schema: payments; Owner: -
--

CREATE DOMAIN payments.payment_history_currency AS text
	CONSTRAINT payment_history_currency_check CHECK ((VALUE ~ '^[a-z]{3}$'::text));


--
-- Name: DOMAIN payment_history_currency; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON DOMAIN payments.payment_history_currency IS 'A lower-case ISO currency code: payments.payment_history.currency.';


--
-- Name: payment_history_status; Type: DOMAIN; Schema: payments; Owner: -
--

CREATE DOMAIN payments.payment_history_status AS text
	CONSTRAINT payment_history_status_check CHECK ((VALUE = ANY ('{pending,requires_action,succeeded,failed,canceled,refunded,partially_refunded,disputed,won,lost,void,uncollectible}'::text[])));


--
-- Name: DOMAIN payment_history_status; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON DOMAIN payments.payment_history_status IS 'A payment''s status, from pending to uncollectible: payments.payment_history.status.';


--
-- Name: stripe_environment; Type: DOMAIN; Schema: payments; Owner: -
--

CREATE DOMAIN payments.stripe_environment AS text
	CONSTRAINT stripe_environment_check CHECK ((VALUE = ANY (ARRAY['test'::text, 'live'::text])));


--
-- Name: stripe_event_id; Type: DOMAIN; Schema: payments; Owner: -
--

CREATE DOMAIN payments.stripe_event_id AS text
	CONSTRAINT webhook_events_stripe_event_id_check CHECK ((VALUE ~ '^evt_[A-Za-z0-9_]+$'::text));


--
-- Name: DOMAIN stripe_event_id; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON DOMAIN payments.stripe_event_id IS 'A Stripe event id (evt_...): payments.webhook_events.stripe_event_id.';


--
-- Name: stripe_subscription_id; Type: DOMAIN; Schema: payments; Owner: -
--

CREATE DOMAIN payments.stripe_subscription_id AS text
	CONSTRAINT subscriptions_stripe_subscription_id_check CHECK ((VALUE ~ '^sub_[A-Za-z0-9_]+$'::text));


--
-- Name: DOMAIN stripe_subscription_id; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON DOMAIN payments.stripe_subscription_id IS 'A Stripe subscription id (sub_...): payments.subscriptions.stripe_subscription_id.';


--
-- Name: subject_id; Type: DOMAIN; Schema: payments; Owner: -
--

CREATE DOMAIN payments.subject_id AS text
	CONSTRAINT "subject_id must be 1-255 of [A-Za-z0-9_.:@|-], alnum first" CHECK (((char_length(VALUE) <= 255) AND (VALUE ~ '^[A-Za-z0-9][A-Za-z0-9_.:@|-]*$'::text)));


--
-- Name: subscription_status; Type: DOMAIN; Schema: payments; Owner: -
--

CREATE DOMAIN payments.subscription_status AS text
	CONSTRAINT subscriptions_status_check CHECK ((VALUE = ANY ('{incomplete,incomplete_expired,trialing,active,past_due,canceled,unpaid,paused}'::text[])));


--
-- Name: DOMAIN subscription_status; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON DOMAIN payments.subscription_status IS 'A Stripe subscription status: payments.subscriptions.status.';


--
-- Name: webhook_event_source; Type: DOMAIN; Schema: payments; Owner: -
--

CREATE DOMAIN payments.webhook_event_source AS text
	CONSTRAINT webhook_events_source_check CHECK ((VALUE = ANY ('{webhook,cli,backfill,sync,replay}'::text[])));


--
-- Name: DOMAIN webhook_event_source; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON DOMAIN payments.webhook_event_source IS 'Where an event came from (webhook, cli, backfill, sync, replay): payments.webhook_events.source.';


--
-- Name: webhook_event_status; Type: DOMAIN; Schema: payments; Owner: -
--

CREATE DOMAIN payments.webhook_event_status AS text
	CONSTRAINT webhook_events_status_check CHECK ((VALUE = ANY ('{received,processed,ignored,failed}'::text[])));


--
-- Name: DOMAIN webhook_event_status; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON DOMAIN payments.webhook_event_status IS 'received, processed, ignored or failed: payments.webhook_events.status.';


--
-- Name: apply_charge(text, jsonb, timestamp with time zone, text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.apply_charge(p_environment text, p_charge jsonb, p_event_at timestamp with time zone, p_event_type text) RETURNS void
    LANGUAGE plpgsql
    AS $$ body sha256:6b1c13a4ff48e654 $$;


--
-- Name: FUNCTION apply_charge(p_environment text, p_charge jsonb, p_event_at timestamp with time zone, p_event_type text); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.apply_charge(p_environment text, p_charge jsonb, p_event_at timestamp with time zone, p_event_type text) IS 'Applies a charge to its payment row (one-time or invoice): success, failure, refunded amount.';


--
-- Name: apply_checkout_session(text, jsonb, timestamp with time zone, text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.apply_checkout_session(p_environment text, p_session jsonb, p_event_at timestamp with time zone, p_event_type text) RETURNS void
    LANGUAGE plpgsql
    AS $_$ body sha256:96b62f40a03bece8 $_$;


--
-- Name: FUNCTION apply_checkout_session(p_environment text, p_session jsonb, p_event_at timestamp with time zone, p_event_type text); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.apply_checkout_session(p_environment text, p_session jsonb, p_event_at timestamp with time zone, p_event_type text) IS 'Mirrors a Checkout Session; on completion maps its customer to the subject and, in payment mode,
records the one-time payment (pending while an asynchronous method is unpaid).';


--
-- Name: apply_customer(text, jsonb, timestamp with time zone, boolean); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.apply_customer(p_environment text, p_customer jsonb, p_event_at timestamp with time zone, p_deleted boolean) RETURNS void
    LANGUAGE plpgsql
    AS $$ body sha256:a379255f3773edc9 $$;


--
-- Name: FUNCTION apply_customer(p_environment text, p_customer jsonb, p_event_at timestamp with time zone, p_deleted boolean); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.apply_customer(p_environment text, p_customer jsonb, p_event_at timestamp with time zone, p_deleted boolean) IS 'Upserts a Stripe customer snapshot unless a newer one (or the deletion) is already stored.';


--
-- Name: apply_dispute(text, jsonb, timestamp with time zone, text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.apply_dispute(p_environment text, p_dispute jsonb, p_event_at timestamp with time zone, p_event_type text) RETURNS void
    LANGUAGE plpgsql
    AS $$ body sha256:34afbae3df410d3e $$;


--
-- Name: FUNCTION apply_dispute(p_environment text, p_dispute jsonb, p_event_at timestamp with time zone, p_event_type text); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.apply_dispute(p_environment text, p_dispute jsonb, p_event_at timestamp with time zone, p_event_type text) IS 'Records a dispute row: disputed while open, then won or lost (final).';


--
-- Name: apply_invoice(text, jsonb, timestamp with time zone, text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.apply_invoice(p_environment text, p_invoice jsonb, p_event_at timestamp with time zone, p_event_type text) RETURNS void
    LANGUAGE plpgsql
    AS $$ body sha256:aaaafd75a5725fc7 $$;


--
-- Name: FUNCTION apply_invoice(p_environment text, p_invoice jsonb, p_event_at timestamp with time zone, p_event_type text); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.apply_invoice(p_environment text, p_invoice jsonb, p_event_at timestamp with time zone, p_event_type text) IS 'Records a subscription invoice payment (either API shape: subscription under parent.subscription_details,
payment intent under payments); invoices without a subscription are not billing pgpay tracks.';


--
-- Name: apply_invoice_payment(text, jsonb, timestamp with time zone); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.apply_invoice_payment(p_environment text, p_invoice_payment jsonb, p_event_at timestamp with time zone) RETURNS void
    LANGUAGE plpgsql
    AS $$ body sha256:919b5b1c85148d4e $$;


--
-- Name: FUNCTION apply_invoice_payment(p_environment text, p_invoice_payment jsonb, p_event_at timestamp with time zone); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.apply_invoice_payment(p_environment text, p_invoice_payment jsonb, p_event_at timestamp with time zone) IS 'Links an invoice to the payment intent that paid it (invoice_payment.paid, API 2025-03-31 and later,
where webhooks carry invoices without their payments).';


--
-- Name: apply_payment_intent(text, jsonb, timestamp with time zone, text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.apply_payment_intent(p_environment text, p_intent jsonb, p_event_at timestamp with time zone, p_event_type text) RETURNS void
    LANGUAGE plpgsql
    AS $$ body sha256:ce553d77212c54bb $$;


--
-- Name: FUNCTION apply_payment_intent(p_environment text, p_intent jsonb, p_event_at timestamp with time zone, p_event_type text); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.apply_payment_intent(p_environment text, p_intent jsonb, p_event_at timestamp with time zone, p_event_type text) IS 'Records a one-time payment from a PaymentIntent event (invoice payments are left to the invoice).';


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: payment_history; Type: TABLE; Schema: payments; Owner: -
--

CREATE TABLE payments.payment_history (
    id bigint NOT NULL,
    environment payments.stripe_environment NOT NULL,
    type text NOT NULL,
    status payments.payment_history_status NOT NULL,
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
    amount_refunded payments.payment_history_amount_refunded DEFAULT 0 NOT NULL,
    currency payments.payment_history_currency,
    description text,
    failure_message text,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    stripe_created timestamp with time zone,
    last_event_at timestamp with time zone,
    raw jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT payment_history_subject_complete CHECK (((subject_type IS NULL) = (subject_id IS NULL))),
    CONSTRAINT payment_history_type_check CHECK ((type = ANY ('{one_time_payment,subscription_invoice,refund,dispute}'::text[])))
)
WITH (fillfactor='70');
ALTER TABLE ONLY payments.payment_history ALTER COLUMN raw SET COMPRESSION lz4;

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
-- Name: apply_payment_to_order(uuid, payments.payment_history); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.apply_payment_to_order(p_order_id uuid, p_payment payments.payment_history) RETURNS void
    LANGUAGE plpgsql
    AS $$ body sha256:7f704e1f076431f4 $$;


--
-- Name: FUNCTION apply_payment_to_order(p_order_id uuid, p_payment payments.payment_history); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.apply_payment_to_order(p_order_id uuid, p_payment payments.payment_history) IS 'Sets an order from its payment: status (the app''s fulfilled is kept), amounts, links, timestamps.
An order with an amount or currency is not paid by a smaller payment or one in another currency.';


--
-- Name: apply_price(text, jsonb, timestamp with time zone, boolean); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.apply_price(p_environment text, p_price jsonb, p_event_at timestamp with time zone, p_deleted boolean) RETURNS void
    LANGUAGE plpgsql
    AS $$ body sha256:83e75e5d736d1d3f $$;


--
-- Name: FUNCTION apply_price(p_environment text, p_price jsonb, p_event_at timestamp with time zone, p_deleted boolean); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.apply_price(p_environment text, p_price jsonb, p_event_at timestamp with time zone, p_deleted boolean) IS 'Upserts a Stripe price snapshot unless a newer one (or the deletion) is already stored.';


--
-- Name: apply_product(text, jsonb, timestamp with time zone, boolean); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.apply_product(p_environment text, p_product jsonb, p_event_at timestamp with time zone, p_deleted boolean) RETURNS void
    LANGUAGE plpgsql
    AS $$ body sha256:ce50eb3f11c07180 $$;


--
-- Name: FUNCTION apply_product(p_environment text, p_product jsonb, p_event_at timestamp with time zone, p_deleted boolean); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.apply_product(p_environment text, p_product jsonb, p_event_at timestamp with time zone, p_deleted boolean) IS 'Upserts a Stripe product snapshot unless a newer one (or the deletion) is already stored.';


--
-- Name: apply_refund(text, jsonb, timestamp with time zone); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.apply_refund(p_environment text, p_refund jsonb, p_event_at timestamp with time zone) RETURNS void
    LANGUAGE plpgsql
    AS $$ body sha256:26509fa2723581a1 $$;


--
-- Name: FUNCTION apply_refund(p_environment text, p_refund jsonb, p_event_at timestamp with time zone); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.apply_refund(p_environment text, p_refund jsonb, p_event_at timestamp with time zone) IS 'Records a refund row; its payment''s refunded amount is re-derived from the live (not failed or
canceled) refunds.';


--
-- Name: apply_subscription(text, jsonb, timestamp with time zone); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.apply_subscription(p_environment text, p_subscription jsonb, p_event_at timestamp with time zone) RETURNS void
    LANGUAGE plpgsql
    AS $$ body sha256:1a830bead9cdb12c $$;


--
-- Name: FUNCTION apply_subscription(p_environment text, p_subscription jsonb, p_event_at timestamp with time zone); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.apply_subscription(p_environment text, p_subscription jsonb, p_event_at timestamp with time zone) IS 'Upserts a Stripe subscription snapshot and its items (either API shape). The newest snapshot wins by
event time, then period end, then status rank; a canceled or incomplete_expired subscription is final.';


--
-- Name: array_size(jsonb); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.array_size(p_value jsonb) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ body sha256:b3ad678c140e09bf $$;


--
-- Name: FUNCTION array_size(p_value jsonb); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.array_size(p_value jsonb) IS 'The length of a JSON array; 0 for anything else (lets callers skip a query over an empty list).';


--
-- Name: can_act_for_subject(text, text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.can_act_for_subject(p_subject_type text, p_subject_id text) RETURNS boolean
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog'
    AS $$ body sha256:f198814d462a4808 $$;


--
-- Name: FUNCTION can_act_for_subject(p_subject_type text, p_subject_id text); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.can_act_for_subject(p_subject_type text, p_subject_id text) IS 'May the caller buy for and manage billing of this subject? A user subject: only that user. A group
subject: its billing admins (payments.is_billing_admin). Anonymous callers and unknown types: never.';


--
-- Name: can_read_subject(text, text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.can_read_subject(p_subject_type text, p_subject_id text) RETURNS boolean
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog'
    AS $$ body sha256:da9db29d942fdcf9 $$;


--
-- Name: FUNCTION can_read_subject(p_subject_type text, p_subject_id text); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.can_read_subject(p_subject_type text, p_subject_id text) IS 'May the caller see this subject''s orders, credits, entitlements and billing status? A user subject:
only that user. A group subject: any member (member, admin or owner). Anonymous callers: never.';


--
-- Name: can_spend_for_subject(text, text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.can_spend_for_subject(p_subject_type text, p_subject_id text) RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog'
    AS $$ body sha256:35bee43d6bbc14e7 $$;


--
-- Name: FUNCTION can_spend_for_subject(p_subject_type text, p_subject_id text); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.can_spend_for_subject(p_subject_type text, p_subject_id text) IS 'May the caller spend this subject''s credits (checked by payments.spend_credits)? A user subject: only
that user. A group subject: every member, not only billing admins - credits are bought by admins for the
whole group to use. Anonymous callers: never.';


--
-- Name: check_credit_arguments(text, text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.check_credit_arguments(p_environment text, p_subject_type text) RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog'
    AS $$ body sha256:17b566c5d827e329 $$;


--
-- Name: FUNCTION check_credit_arguments(p_environment text, p_subject_type text); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.check_credit_arguments(p_environment text, p_subject_type text) IS 'Raises invalid_parameter_value for an environment other than test or live, or a subject type not in
payments.subject_types (what spend_credits and credit_balance are asked about).';


--
-- Name: credit_balance(text, text, text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.credit_balance(p_environment text, p_subject_type text, p_subject_id text) RETURNS bigint
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$ body sha256:19c1d2d504d71c80 $$;


--
-- Name: FUNCTION credit_balance(p_environment text, p_subject_type text, p_subject_id text); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.credit_balance(p_environment text, p_subject_type text, p_subject_id text) IS 'A subject''s credit balance (the sum of its ledger), read from its running total: one row and one
permission check however many entries the subject has, where public.credit_balances checks every
entry of a group. End users may read the subjects the credit_ledger policy shows them (their own; any
group they are a member of), others raise insufficient_privilege; server roles
(payments.is_trusted_caller) read any subject.';


--
-- Name: current_claims(); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.current_claims() RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog'
    AS $$ body sha256:96a96dc55c69857b $$;


--
-- Name: FUNCTION current_claims(); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.current_claims() IS 'The caller''s JWT claims from the request.jwt.claims setting as a JSON object; {} when the setting is
missing, empty, not JSON or not an object. Never raises.';


--
-- Name: current_membership_role(text, text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.current_membership_role(p_subject_type text, p_subject_id text) RETURNS text
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$ body sha256:e427fbd6dc92f975 $$;


--
-- Name: FUNCTION current_membership_role(p_subject_type text, p_subject_id text); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.current_membership_role(p_subject_type text, p_subject_id text) IS 'The calling user''s role (owner, admin, member) in a group subject according to payments.memberships,
or NULL. Only ever about the caller. Runs as pgpay_writer, which may read payments.memberships.';


--
-- Name: current_role(); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments."current_role"() RETURNS text
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog'
    AS $$ body sha256:9b8958954579e82b $$;


--
-- Name: FUNCTION "current_role"(); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments."current_role"() IS 'The role claim of the caller (e.g. authenticated), or anon when there is no usable role claim.
Call it qualified: payments.current_role() (a bare current_role is SQL''s own keyword).';


--
-- Name: current_user_id(); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.current_user_id() RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog'
    AS $$ body sha256:db15890214ed54f4 $$;


--
-- Name: FUNCTION current_user_id(); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.current_user_id() IS 'The calling user''s id (the sub claim) as text, or NULL for an anonymous caller: no claims, no role
claim or role anon, no sub, a sub that is not a JSON string or not a valid payments.subject_id.';


--
-- Name: current_user_uuid(); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.current_user_uuid() RETURNS uuid
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog'
    AS $_$ body sha256:e90ad158c522de34 $_$;


--
-- Name: FUNCTION current_user_uuid(); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.current_user_uuid() IS 'payments.current_user_id() as a uuid, or NULL when the caller is anonymous or the id is not a uuid.
For apps whose user ids are uuids: compare with this instead of casting, so a non-uuid sub denies
instead of raising.';


--
-- Name: ensure_customer_mapping(text, text, text, text, text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.ensure_customer_mapping(p_environment text, p_subject_type text, p_subject_id text, p_customer_id text, p_source text) RETURNS void
    LANGUAGE plpgsql
    AS $_$ body sha256:edf77edc7a5522cc $_$;


--
-- Name: FUNCTION ensure_customer_mapping(p_environment text, p_subject_type text, p_subject_id text, p_customer_id text, p_source text); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.ensure_customer_mapping(p_environment text, p_subject_type text, p_subject_id text, p_customer_id text, p_source text) IS 'Records which customer bills a subject, unless either is already mapped (a mapping never moves),
and back-fills the subject onto subscriptions and payments that arrived first.';


--
-- Name: event_lock_keys(jsonb); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.event_lock_keys(p_event jsonb) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    AS $$ body sha256:657d8c595889efea $$;


--
-- Name: handled_event_types(); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.handled_event_types() RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ body sha256:714406df1b7587c8 $$;


--
-- Name: FUNCTION handled_event_types(); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.handled_event_types() IS 'The Stripe event types pgpay projects; any other type is stored as ignored and answered 2xx.
The managed webhook endpoint subscribes to exactly these.';


--
-- Name: ingest_stripe_event(text, jsonb, text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.ingest_stripe_event(environment text, event jsonb, source text DEFAULT 'webhook'::text) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$ body sha256:90da4ac837195271 $_$;


--
-- Name: FUNCTION ingest_stripe_event(environment text, event jsonb, source text); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.ingest_stripe_event(environment text, event jsonb, source text) IS 'Ingests one Stripe event, exactly once: records it in payments.webhook_events (deduplicated on
environment + event id), takes a per-object lock and projects it into the payments mirror (and,
through triggers, the public fulfilment tables) in the caller''s transaction. Returns processed,
duplicate (already processed or ignored: nothing changes), ignored (a type pgpay does not handle)
or failed (projection raised: the changes are rolled back, the event is kept as failed with its
error, and calling again retries it). Raises invalid_parameter_value, storing nothing, for an unknown
environment, a body that is not an event, or livemode not matching the environment.';


--
-- Name: invoice_intent_payment(jsonb); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.invoice_intent_payment(p_invoice jsonb) RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    AS $$ body sha256:2f781f7e7337f371 $$;


--
-- Name: FUNCTION invoice_intent_payment(p_invoice jsonb); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.invoice_intent_payment(p_invoice jsonb) IS 'The invoice payment (API 2025-03-31 and later: invoice.payments) made by a payment intent: the paid
one first, then the default one; NULL when the invoice lists none.';


--
-- Name: invoice_metadata(jsonb); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.invoice_metadata(p_invoice jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ body sha256:28191e84bb0bf78f $$;


--
-- Name: FUNCTION invoice_metadata(p_invoice jsonb); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.invoice_metadata(p_invoice jsonb) IS 'An invoice''s metadata as a payment''s: its subscription''s (API 2025-03-31: under
parent.subscription_details; before: subscription_details), overlaid with the invoice''s own.';


--
-- Name: invoice_payment_for_intent(text, text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.invoice_payment_for_intent(p_environment text, p_payment_intent text) RETURNS payments.payment_history
    LANGUAGE plpgsql STABLE
    AS $$ body sha256:6b9f6247c7923788 $$;


--
-- Name: is_billing_admin(text, text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.is_billing_admin(p_subject_type text, p_subject_id text) RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog'
    AS $$ body sha256:9531c1c6a3113704 $$;


--
-- Name: FUNCTION is_billing_admin(p_subject_type text, p_subject_id text); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.is_billing_admin(p_subject_type text, p_subject_id text) IS 'May the caller buy and manage billing for this group subject (owner or admin)? pgpay''s default reads
payments.memberships; an app may redefine it to read its own tables (see README).';


--
-- Name: is_group_subject_type(text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.is_group_subject_type(p_subject_type text) RETURNS boolean
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog'
    AS $$ body sha256:32a5de76e8a92cc5 $$;


--
-- Name: FUNCTION is_group_subject_type(p_subject_type text); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.is_group_subject_type(p_subject_type text) IS 'True when the subject type is a known group type in payments.subject_types (team, organization, ...).';


--
-- Name: is_member(text, text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.is_member(p_subject_type text, p_subject_id text) RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog'
    AS $$ body sha256:1aa69e77c7f3b09c $$;


--
-- Name: FUNCTION is_member(p_subject_type text, p_subject_id text); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.is_member(p_subject_type text, p_subject_id text) IS 'Is the caller a member (any role) of this group subject? pgpay''s default reads payments.memberships;
an app may redefine it to read its own tables (see README, "Subjects and row-level security").';


--
-- Name: is_newer(timestamp with time zone, integer, jsonb, timestamp with time zone, integer, jsonb); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.is_newer(p_new_at timestamp with time zone, p_new_rank integer, p_new_raw jsonb, p_old_at timestamp with time zone, p_old_rank integer, p_old_raw jsonb) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ body sha256:50dc9d69fb4d3be3 $$;


--
-- Name: FUNCTION is_newer(p_new_at timestamp with time zone, p_new_rank integer, p_new_raw jsonb, p_old_at timestamp with time zone, p_old_rank integer, p_old_raw jsonb); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.is_newer(p_new_at timestamp with time zone, p_new_rank integer, p_new_raw jsonb, p_old_at timestamp with time zone, p_old_rank integer, p_old_raw jsonb) IS 'Total order on object snapshots: event time, then state rank, then jsonb ordering of the content.
Keeping the maximum makes the final state independent of delivery order and duplicates.';


--
-- Name: is_subject_id(text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.is_subject_id(p_value text) RETURNS boolean
    LANGUAGE sql IMMUTABLE
    AS $_$ body sha256:e71f6f9dff13d1dd $_$;


--
-- Name: FUNCTION is_subject_id(p_value text); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.is_subject_id(p_value text) IS 'Whether a text is a valid payments.subject_id (the domain''s rule: 1-255 of [A-Za-z0-9_.:@|-], alnum
first), for values that must be refused quietly instead of raising at the cast. Inlined by the planner.';


--
-- Name: is_terminal_subscription_status(text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.is_terminal_subscription_status(p_status text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ body sha256:d7cdca8f1953ece4 $$;


--
-- Name: FUNCTION is_terminal_subscription_status(p_status text); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.is_terminal_subscription_status(p_status text) IS 'Canceled and incomplete_expired subscriptions are final in Stripe: no older event revives them.';


--
-- Name: is_trusted_caller(); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.is_trusted_caller() RETURNS boolean
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog'
    AS $$ body sha256:fdb855fdd11cd084 $$;


--
-- Name: FUNCTION is_trusted_caller(); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.is_trusted_caller() IS 'Is the caller a server role that may act for any subject? The caller is the SET ROLE role, else the
login role. A role that is or inherits anon or authenticated is an end user (it acts only for the
subjects its JWT claims allow) unless it is a superuser, has BYPASSRLS or is a member of pgpay_writer
(the role that ran pgpay migrate is one); any other role is a server role.';


--
-- Name: mapping_source_rank(text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.mapping_source_rank(p_source text) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ body sha256:8c50a589fead2d56 $$;


--
-- Name: merge_payment_status(text, text, text, bigint, bigint); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.merge_payment_status(p_type text, p_old text, p_new text, p_amount bigint, p_amount_refunded bigint) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    AS $$ body sha256:58ac2d569a36339b $$;


--
-- Name: FUNCTION merge_payment_status(p_type text, p_old text, p_new text, p_amount bigint, p_amount_refunded bigint); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.merge_payment_status(p_type text, p_old text, p_new text, p_amount bigint, p_amount_refunded bigint) IS 'The status a payment_history row moves to: the higher-ranked of old and new, with succeeded payments
becoming partially_refunded or refunded from the refunded amount.';


--
-- Name: order_status_for_payment(payments.payment_history); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.order_status_for_payment(p_payment payments.payment_history) RETURNS text
    LANGUAGE plpgsql STABLE
    AS $$ body sha256:9413849c8e4a611e $$;


--
-- Name: FUNCTION order_status_for_payment(p_payment payments.payment_history); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.order_status_for_payment(p_payment payments.payment_history) IS 'The order status a one-time payment implies: paid only when it succeeded; refunded on a full refund;
disputed while a dispute is open or lost; failed; else pending.';


--
-- Name: parent_payment(text, text, text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.parent_payment(p_environment text, p_payment_intent text, p_charge text) RETURNS payments.payment_history
    LANGUAGE plpgsql STABLE
    AS $$ body sha256:4dc186d6f0ea71bc $$;


--
-- Name: payment_credits(text, jsonb); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.payment_credits(p_environment text, p_lines jsonb) RETURNS bigint
    LANGUAGE plpgsql STABLE
    AS $$ body sha256:762fdd6a8e817b7e $$;


--
-- Name: FUNCTION payment_credits(p_environment text, p_lines jsonb); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.payment_credits(p_environment text, p_lines jsonb) IS 'Credits that lines [{"price", "quantity"}] grant: each price''s credits times its quantity.';


--
-- Name: payment_lines(payments.payment_history); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.payment_lines(p_payment payments.payment_history) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    AS $$ body sha256:715d489bcf508ec0 $$;


--
-- Name: FUNCTION payment_lines(p_payment payments.payment_history); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.payment_lines(p_payment payments.payment_history) IS 'What a payment bought, as [{"price", "quantity"}]: the invoice''s subscription lines, or the checkout
line items pgpay stored (or that the payload carried).';


--
-- Name: payment_snapshot(text, text, jsonb); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.payment_snapshot(p_type text, p_object_type text, p_object jsonb) RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    AS $$ body sha256:0f0e9cd44ac026a8 $$;


--
-- Name: FUNCTION payment_snapshot(p_type text, p_object_type text, p_object jsonb); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.payment_snapshot(p_type text, p_object_type text, p_object jsonb) IS 'What payment_history.raw keeps of an object: the row''s own object whole, the fields pgpay reads of a
related charge or checkout session (the full objects are in webhook_events.payload).';


--
-- Name: payment_status_rank(text, text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.payment_status_rank(p_type text, p_status text) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ body sha256:4db0644074850fe8 $$;


--
-- Name: FUNCTION payment_status_rank(p_type text, p_status text); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.payment_status_rank(p_type text, p_status text) IS 'Forward order of payment_history statuses per type: a status never moves to a lower rank.';


--
-- Name: positive_bigint(text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.positive_bigint(p_value text) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $_$ body sha256:63f98d6bc7432f37 $_$;


--
-- Name: post_credit_entry(payments.payment_history, bigint, text, text, text, text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.post_credit_entry(p_payment payments.payment_history, p_amount bigint, p_kind text, p_source_key text, p_reason text, p_cause text) RETURNS void
    LANGUAGE plpgsql
    AS $$ body sha256:8b7b5fa192dac58b $$;


--
-- Name: price_credits(text, text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.price_credits(p_environment text, p_price_id text) RETURNS bigint
    LANGUAGE plpgsql STABLE
    AS $$ body sha256:6fb60a3315ddf1e6 $$;


--
-- Name: FUNCTION price_credits(p_environment text, p_price_id text); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.price_credits(p_environment text, p_price_id text) IS 'Credits one unit of a price grants: price metadata credits, else its product''s metadata credits, else 0.';


--
-- Name: price_product(text, text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.price_product(p_environment text, p_price_id text) RETURNS text
    LANGUAGE plpgsql STABLE
    AS $$ body sha256:4de9c0c305c23dbe $$;


--
-- Name: product_entitlement_keys(text, text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.product_entitlement_keys(p_environment text, p_product_id text) RETURNS SETOF text
    LANGUAGE sql STABLE
    AS $_$ body sha256:a6c5e5df7ec3fb9b $_$;


--
-- Name: FUNCTION product_entitlement_keys(p_environment text, p_product_id text); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.product_entitlement_keys(p_environment text, p_product_id text) IS 'The entitlement keys a product grants (its metadata entitlements, comma-separated; malformed keys skipped).';


--
-- Name: project_payment(payments.payment_history); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.project_payment(p_payment payments.payment_history) RETURNS void
    LANGUAGE plpgsql
    AS $$ body sha256:3c8a050b72ae07c7 $$;


--
-- Name: FUNCTION project_payment(p_payment payments.payment_history); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.project_payment(p_payment payments.payment_history) IS 'Projects one payment into orders, the credit ledger and user entitlements (each step idempotent).';


--
-- Name: project_payment_to_orders(payments.payment_history); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.project_payment_to_orders(p_payment payments.payment_history) RETURNS void
    LANGUAGE plpgsql
    AS $$ body sha256:46b3f76dac92c186 $$;


--
-- Name: FUNCTION project_payment_to_orders(p_payment payments.payment_history); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.project_payment_to_orders(p_payment payments.payment_history) IS 'Updates the orders a one-time payment pays for: matched by checkout-session metadata order_id, the
checkout session or payment intent stored on the order, or the pgpay checkout row''s order_id.';


--
-- Name: project_stripe_event(text, jsonb); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.project_stripe_event(p_environment text, p_event jsonb) RETURNS void
    LANGUAGE plpgsql
    AS $$ body sha256:80649cd4a14a9622 $$;


--
-- Name: FUNCTION project_stripe_event(p_environment text, p_event jsonb); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.project_stripe_event(p_environment text, p_event jsonb) IS 'Applies one handled event to the payments mirror (AFTER triggers then project into public tables).';


--
-- Name: refresh_order(uuid); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.refresh_order(p_order_id uuid) RETURNS void
    LANGUAGE plpgsql
    AS $$ body sha256:a9e4d1feb6d5ae7d $$;


--
-- Name: FUNCTION refresh_order(p_order_id uuid); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.refresh_order(p_order_id uuid) IS 'Re-derives an order''s status from the payment already recorded for it (an order linked after the
payment arrived catches up).';


--
-- Name: refresh_payment_entitlements(payments.payment_history); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.refresh_payment_entitlements(p_payment payments.payment_history) RETURNS void
    LANGUAGE plpgsql
    AS $$ body sha256:103385ed2919320d $$;


--
-- Name: FUNCTION refresh_payment_entitlements(p_payment payments.payment_history); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.refresh_payment_entitlements(p_payment payments.payment_history) IS 'Sets the entitlements a user''s one-time purchase grants: active unless fully refunded or the dispute
was lost; no expiry.';


--
-- Name: refresh_subscription_entitlements(text, text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.refresh_subscription_entitlements(p_environment text, p_subscription_id text) RETURNS void
    LANGUAGE plpgsql
    AS $$ body sha256:60d7d3817a6d81b8 $$;


--
-- Name: FUNCTION refresh_subscription_entitlements(p_environment text, p_subscription_id text); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.refresh_subscription_entitlements(p_environment text, p_subscription_id text) IS 'Sets the entitlements a user''s subscription grants from its current items: active while the access
rule holds, valid until the period end plus entitlement_grace_period (past_due: until the past-due grace
ends); swapped keys are revoked. Check valid_until > now() too: no event arrives when a grace ends.';


--
-- Name: refresh_team_billing_status(text, text, text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.refresh_team_billing_status(p_environment text, p_subject_type text, p_subject_id text) RETURNS void
    LANGUAGE plpgsql
    AS $$ body sha256:e5711cb6c494ae1b $$;


--
-- Name: FUNCTION refresh_team_billing_status(p_environment text, p_subject_type text, p_subject_id text); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.refresh_team_billing_status(p_environment text, p_subject_type text, p_subject_id text) IS 'Recomputes a group subject''s team_billing_status row from all its subscriptions: access-granting
first, then by status, latest period end, seats.';


--
-- Name: reproject_catalog_item(text, text, text, boolean); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.reproject_catalog_item(p_environment text, p_price_id text, p_product_id text, p_credits boolean) RETURNS void
    LANGUAGE plpgsql
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$ body sha256:b17f172cb8dcb876 $$;


--
-- Name: FUNCTION reproject_catalog_item(p_environment text, p_price_id text, p_product_id text, p_credits boolean); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.reproject_catalog_item(p_environment text, p_price_id text, p_product_id text, p_credits boolean) IS 'Re-projects what depends on a price or product that arrived after the payments that used it (credits
included), or whose entitlements changed (entitlements only: credits follow the catalog at payment time).';


--
-- Name: resolve_subject(text, jsonb, text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.resolve_subject(p_environment text, p_metadata jsonb, p_customer_id text, OUT subject_type text, OUT subject_id text) RETURNS record
    LANGUAGE plpgsql STABLE
    AS $$ body sha256:2c8d1271c5bf7fa6 $$;


--
-- Name: FUNCTION resolve_subject(p_environment text, p_metadata jsonb, p_customer_id text, OUT subject_type text, OUT subject_id text); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.resolve_subject(p_environment text, p_metadata jsonb, p_customer_id text, OUT subject_type text, OUT subject_id text) IS 'Who an object bills: the subject in its metadata first, the customer mapping second.';


--
-- Name: set_entitlements(text, text, text, text, jsonb, boolean, timestamp with time zone, timestamp with time zone); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.set_entitlements(p_environment text, p_user_id text, p_source_type text, p_source_id text, p_grants jsonb, p_active boolean, p_valid_from timestamp with time zone, p_valid_until timestamp with time zone) RETURNS void
    LANGUAGE plpgsql
    AS $$ body sha256:b9ca16efaa897e8c $$;


--
-- Name: setting_interval(text, interval); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.setting_interval(p_key text, p_default interval) RETURNS interval
    LANGUAGE plpgsql STABLE
    AS $$ body sha256:ec3247669ab075b1 $$;


--
-- Name: FUNCTION setting_interval(p_key text, p_default interval); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.setting_interval(p_key text, p_default interval) IS 'An interval setting from payments.settings (e.g. past_due_grace_period), or the default.';


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
    CONSTRAINT credit_ledger_kind_check CHECK ((kind = ANY ('{grant,reversal,restore,spend,adjustment}'::text[]))),
    CONSTRAINT credit_ledger_source_key_check CHECK (((char_length(source_key) >= 1) AND (char_length(source_key) <= 300)))
);

ALTER TABLE ONLY public.credit_ledger FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE credit_ledger; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.credit_ledger IS 'Append-only credit ledger per subject: grants, reversals, restores and spends, each with a unique source key.';


--
-- Name: spend_credits(text, text, text, bigint, text, text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.spend_credits(p_environment text, p_subject_type text, p_subject_id text, p_amount bigint, p_reason text, p_idempotency_key text) RETURNS public.credit_ledger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$ body sha256:4b91f72230ff168b $$;


--
-- Name: FUNCTION spend_credits(p_environment text, p_subject_type text, p_subject_id text, p_amount bigint, p_reason text, p_idempotency_key text); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.spend_credits(p_environment text, p_subject_type text, p_subject_id text, p_amount bigint, p_reason text, p_idempotency_key text) IS 'Spends credits for a subject, never overdrawing: spends of one subject are serialised on its running
total (payments.credit_totals, locked) and the balance is checked inside that lock (insufficient credits raise check_violation and spend nothing).
Idempotent per key: the same key returns the first spend; the same key with another amount raises.
End users may spend only for subjects payments.can_spend_for_subject allows; server roles
(payments.is_trusted_caller) for any subject.';


--
-- Name: stripe_id(jsonb); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.stripe_id(p_value jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ body sha256:8bd9bc609e0c419b $$;


--
-- Name: FUNCTION stripe_id(p_value jsonb); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.stripe_id(p_value jsonb) IS 'The id of a Stripe expandable field: the string itself, or the id of an expanded object.';


--
-- Name: subject_from_metadata(jsonb); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.subject_from_metadata(p_metadata jsonb, OUT subject_type text, OUT subject_id text) RETURNS record
    LANGUAGE plpgsql STABLE
    AS $$ body sha256:fd6c5b843dadbc71 $$;


--
-- Name: FUNCTION subject_from_metadata(p_metadata jsonb, OUT subject_type text, OUT subject_id text); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.subject_from_metadata(p_metadata jsonb, OUT subject_type text, OUT subject_id text) IS 'The billing subject stamped by pgpay checkout (pgpay_subject_type / pgpay_subject_id), if valid.';


--
-- Name: subscription_grants_access(text, boolean, timestamp with time zone, timestamp with time zone, timestamp with time zone); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.subscription_grants_access(p_status text, p_cancel_at_period_end boolean, p_current_period_start timestamp with time zone, p_current_period_end timestamp with time zone, p_at timestamp with time zone DEFAULT now()) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$ body sha256:fc44ab27c17de2db $$;


--
-- Name: FUNCTION subscription_grants_access(p_status text, p_cancel_at_period_end boolean, p_current_period_start timestamp with time zone, p_current_period_end timestamp with time zone, p_at timestamp with time zone); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.subscription_grants_access(p_status text, p_cancel_at_period_end boolean, p_current_period_start timestamp with time zone, p_current_period_end timestamp with time zone, p_at timestamp with time zone) IS 'The access rule. active and trialing grant access (with cancel_at_period_end: until the period ends);
past_due grants access for payments.settings past_due_grace_period (default 3 days) from the start of the
unpaid period; canceled, unpaid, incomplete, incomplete_expired and paused do not.';


--
-- Name: subscription_status_rank(text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.subscription_status_rank(p_status text) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ body sha256:fcbe6c812ba52573 $$;


--
-- Name: sync_payment_credits(payments.payment_history); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.sync_payment_credits(p_payment payments.payment_history) RETURNS void
    LANGUAGE plpgsql
    AS $_$ body sha256:727cf08bac85a2e7 $_$;


--
-- Name: FUNCTION sync_payment_credits(p_payment payments.payment_history); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.sync_payment_credits(p_payment payments.payment_history) IS 'Brings the credit ledger in line with a payment: one grant when paid, refund reversals up to the
refunded share, a hold per dispute and a restore when won. Idempotent: every entry has a source key.';


--
-- Name: tg_any__set_updated_at(); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.tg_any__set_updated_at() RETURNS trigger
    LANGUAGE plpgsql
    AS $$ body sha256:4a926fea3ba5c63a $$;


--
-- Name: FUNCTION tg_any__set_updated_at(); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.tg_any__set_updated_at() IS 'Trigger function: sets updated_at to now() when a row really changes.';


--
-- Name: tg_catalog__reproject(); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.tg_catalog__reproject() RETURNS trigger
    LANGUAGE plpgsql
    AS $$ body sha256:a21e5c2533c6c7f5 $$;


--
-- Name: FUNCTION tg_catalog__reproject(); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.tg_catalog__reproject() IS 'A price or product seen for the first time, a price moved to another product or renamed (lookup key,
nickname), or a product whose entitlements or name changed re-projects the subscriptions and one-time
purchases that use it.';


--
-- Name: tg_checkout_sessions__reproject_payment(); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.tg_checkout_sessions__reproject_payment() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$ body sha256:347d0910a14c1ebb $$;


--
-- Name: FUNCTION tg_checkout_sessions__reproject_payment(); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.tg_checkout_sessions__reproject_payment() IS 'Re-projects a checkout session''s payment when pgpay stores its line items, order or Stripe id late.';


--
-- Name: tg_credit_ledger__append_only(); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.tg_credit_ledger__append_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$ body sha256:905a64de1a7729a1 $$;


--
-- Name: tg_credit_ledger__total(); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.tg_credit_ledger__total() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$ body sha256:145bb0eb3829777d $$;


--
-- Name: FUNCTION tg_credit_ledger__total(); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.tg_credit_ledger__total() IS 'Trigger function: adds a statement''s new ledger entries to their subjects'' payments.credit_totals
rows.';


--
-- Name: tg_credit_ledger__truncate_totals(); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.tg_credit_ledger__truncate_totals() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$ body sha256:63a05750928eb263 $$;


--
-- Name: FUNCTION tg_credit_ledger__truncate_totals(); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.tg_credit_ledger__truncate_totals() IS 'Trigger function: an emptied ledger empties the running totals with it.';


--
-- Name: tg_orders__catch_up(); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.tg_orders__catch_up() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$ body sha256:6fc7e82fd9543b94 $$;


--
-- Name: tg_payment_history__project_fulfilment(); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.tg_payment_history__project_fulfilment() RETURNS trigger
    LANGUAGE plpgsql
    AS $$ body sha256:a8272cc373032602 $$;


--
-- Name: FUNCTION tg_payment_history__project_fulfilment(); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.tg_payment_history__project_fulfilment() IS 'Projects a payment (or a dispute on it) into orders, the credit ledger and user entitlements, when it
is new or changed in what fulfilment depends on.';


--
-- Name: tg_subscriptions__project_fulfilment(); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.tg_subscriptions__project_fulfilment() RETURNS trigger
    LANGUAGE plpgsql
    AS $$ body sha256:a0608fd06b3f2b1b $$;


--
-- Name: FUNCTION tg_subscriptions__project_fulfilment(); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.tg_subscriptions__project_fulfilment() IS 'Projects a subscription into user_entitlements (user subjects) or team_billing_status (groups), when
it is new or changed in what fulfilment depends on.';


--
-- Name: to_timestamptz(jsonb); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.to_timestamptz(p_epoch jsonb) RETURNS timestamp with time zone
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ body sha256:adf9c3777e907d34 $$;


--
-- Name: FUNCTION to_timestamptz(p_epoch jsonb); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.to_timestamptz(p_epoch jsonb) IS 'A Stripe Unix timestamp (JSON number) as timestamptz; NULL for null or missing.';


--
-- Name: try_uuid(text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.try_uuid(p_value text) RETURNS uuid
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $_$ body sha256:9a57c7bcb7339d23 $_$;


--
-- Name: FUNCTION try_uuid(p_value text); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.try_uuid(p_value text) IS 'The text as a uuid, or NULL when it is not one (never raises).';


--
-- Name: upsert_child_payment(text, text, jsonb, text, timestamp with time zone, text, text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.upsert_child_payment(p_environment text, p_type text, p_object jsonb, p_status text, p_event_at timestamp with time zone, p_description text DEFAULT NULL::text, p_failure_message text DEFAULT NULL::text) RETURNS payments.payment_history
    LANGUAGE plpgsql
    AS $$ body sha256:d21d0b141ed53fa4 $$;


--
-- Name: FUNCTION upsert_child_payment(p_environment text, p_type text, p_object jsonb, p_status text, p_event_at timestamp with time zone, p_description text, p_failure_message text); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.upsert_child_payment(p_environment text, p_type text, p_object jsonb, p_status text, p_event_at timestamp with time zone, p_description text, p_failure_message text) IS 'Records a refund or dispute row with the links and subject of the payment it belongs to (found by
its payment intent or charge); returns that payment (all NULL when it has not arrived yet).';


--
-- Name: upsert_payment_history(text, text, text, text, timestamp with time zone, text, jsonb, text, text, text, text, text, text, bigint, bigint, text, text, text, jsonb, text, text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.upsert_payment_history(p_environment text, p_type text, p_key text, p_status text, p_event_at timestamp with time zone, p_object_type text, p_object jsonb, p_payment_intent text DEFAULT NULL::text, p_charge text DEFAULT NULL::text, p_invoice text DEFAULT NULL::text, p_subscription text DEFAULT NULL::text, p_checkout_session text DEFAULT NULL::text, p_customer text DEFAULT NULL::text, p_amount bigint DEFAULT NULL::bigint, p_amount_refunded bigint DEFAULT NULL::bigint, p_currency text DEFAULT NULL::text, p_description text DEFAULT NULL::text, p_failure_message text DEFAULT NULL::text, p_metadata jsonb DEFAULT '{}'::jsonb, p_subject_type text DEFAULT NULL::text, p_subject_id text DEFAULT NULL::text) RETURNS bigint
    LANGUAGE plpgsql
    AS $$ body sha256:00318ae79c006eb6 $$;


--
-- Name: FUNCTION upsert_payment_history(p_environment text, p_type text, p_key text, p_status text, p_event_at timestamp with time zone, p_object_type text, p_object jsonb, p_payment_intent text, p_charge text, p_invoice text, p_subscription text, p_checkout_session text, p_customer text, p_amount bigint, p_amount_refunded bigint, p_currency text, p_description text, p_failure_message text, p_metadata jsonb, p_subject_type text, p_subject_id text); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.upsert_payment_history(p_environment text, p_type text, p_key text, p_status text, p_event_at timestamp with time zone, p_object_type text, p_object jsonb, p_payment_intent text, p_charge text, p_invoice text, p_subscription text, p_checkout_session text, p_customer text, p_amount bigint, p_amount_refunded bigint, p_currency text, p_description text, p_failure_message text, p_metadata jsonb, p_subject_type text, p_subject_id text) IS 'Creates or merges the payment_history row of one payment object. Commutative: whatever order the
events come in, the row ends the same. Status by forward rank; the charge and the failure message from
the newest snapshot that names them; the refunded amount from the live refund rows or the newest charge
snapshot (p_amount_refunded is not used: it is derived); metadata from the newest snapshot of each object
type (p_metadata goes with p_object), merged checkout session, charge, payment intent, invoice, refund,
dispute, so a late older snapshot cannot overwrite a newer key; ids and the subject are filled once.
A subscription invoice given its payment intent also takes over the one_time_payment row recorded
for that intent before it was known to pay an invoice (its charge snapshot, status and failure), and
removes it.';


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
    stripe_attempt integer DEFAULT 0 NOT NULL,
    CONSTRAINT checkout_sessions_currency_check CHECK ((currency ~ '^[a-z]{3}$'::text)),
    CONSTRAINT checkout_sessions_idempotency_key_check CHECK (((char_length(idempotency_key) >= 1) AND (char_length(idempotency_key) <= 200))),
    CONSTRAINT checkout_sessions_mode_check CHECK ((mode = ANY ('{payment,subscription,setup}'::text[]))),
    CONSTRAINT checkout_sessions_payment_status_check CHECK ((payment_status = ANY ('{paid,unpaid,no_payment_required}'::text[]))),
    CONSTRAINT checkout_sessions_status_check CHECK ((status = ANY ('{pending,open,complete,expired,failed}'::text[]))),
    CONSTRAINT checkout_sessions_stripe_checkout_session_id_check CHECK ((stripe_checkout_session_id ~ '^cs_[A-Za-z0-9_]+$'::text)),
    CONSTRAINT checkout_sessions_subject_complete CHECK (((subject_type IS NULL) = (subject_id IS NULL)))
)
WITH (fillfactor='80');
ALTER TABLE ONLY payments.checkout_sessions ALTER COLUMN raw SET COMPRESSION lz4;

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
-- Name: COLUMN checkout_sessions.stripe_attempt; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON COLUMN payments.checkout_sessions.stripe_attempt IS 'Attempts Stripe answered with an error it keeps under the idempotency key; part of the next key.';


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
-- Name: credit_totals; Type: TABLE; Schema: payments; Owner: -
--

CREATE TABLE payments.credit_totals (
    environment payments.stripe_environment NOT NULL,
    subject_type text NOT NULL,
    subject_id payments.subject_id NOT NULL,
    balance bigint NOT NULL
);

ALTER TABLE ONLY payments.credit_totals FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE credit_totals; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON TABLE payments.credit_totals IS 'The sum of public.credit_ledger per subject, kept by a trigger on every ledger entry; read by
payments.spend_credits. A subject without a row has had no entry since the table exists.';


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
)
WITH (fillfactor='80');
ALTER TABLE ONLY payments.customers ALTER COLUMN raw SET COMPRESSION lz4;

ALTER TABLE ONLY payments.customers FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE customers; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON TABLE payments.customers IS 'Mirror of Stripe customers.';


--
-- Name: memberships; Type: TABLE; Schema: payments; Owner: -
--

CREATE TABLE payments.memberships (
    id bigint NOT NULL,
    subject_type text NOT NULL,
    subject_is_group boolean DEFAULT true NOT NULL,
    subject_id payments.subject_id NOT NULL,
    user_id payments.subject_id NOT NULL,
    role text DEFAULT 'member'::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT memberships_role_is_owner_admin_or_member CHECK ((role = ANY (ARRAY['owner'::text, 'admin'::text, 'member'::text]))),
    CONSTRAINT memberships_subject_must_be_a_group CHECK (subject_is_group)
);

ALTER TABLE ONLY payments.memberships FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE memberships; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON TABLE payments.memberships IS 'Who belongs to which group subject (team, organization, ...) and as what: owner, admin or member.
Read by payments.is_member / payments.is_billing_admin unless an app redefines them.';


--
-- Name: COLUMN memberships.subject_is_group; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON COLUMN payments.memberships.subject_is_group IS 'Always true: with subject_type it references payments.subject_types, so only group types are accepted.';


--
-- Name: COLUMN memberships.role; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON COLUMN payments.memberships.role IS 'owner and admin are billing admins (may buy and manage billing); member may read and spend credits.';


--
-- Name: memberships_id_seq; Type: SEQUENCE; Schema: payments; Owner: -
--

ALTER TABLE payments.memberships ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME payments.memberships_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


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
    CONSTRAINT prices_recurring_interval_check CHECK ((recurring_interval = ANY ('{day,week,month,year}'::text[]))),
    CONSTRAINT prices_type_check CHECK ((type = ANY ('{one_time,recurring}'::text[])))
);
ALTER TABLE ONLY payments.prices ALTER COLUMN raw SET COMPRESSION lz4;

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
ALTER TABLE ONLY payments.products ALTER COLUMN raw SET COMPRESSION lz4;

ALTER TABLE ONLY payments.products FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE products; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON TABLE payments.products IS 'Mirror of Stripe products (catalog).';


--
-- Name: settings; Type: TABLE; Schema: payments; Owner: -
--

CREATE TABLE payments.settings (
    key text NOT NULL,
    value jsonb NOT NULL,
    description text,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT settings_key_check CHECK ((key ~ '^[a-z][a-z0-9_]{0,62}$'::text))
);

ALTER TABLE ONLY payments.settings FORCE ROW LEVEL SECURITY;


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
    CONSTRAINT stripe_customer_mappings_source_check CHECK ((source = ANY ('{checkout,metadata,runtime,sync,manual}'::text[]))),
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
)
WITH (fillfactor='80');
ALTER TABLE ONLY payments.subscription_items ALTER COLUMN raw SET COMPRESSION lz4;

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
    stripe_subscription_id payments.stripe_subscription_id NOT NULL,
    stripe_customer_id text,
    subject_type text,
    subject_id payments.subject_id,
    status payments.subscription_status NOT NULL,
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
    CONSTRAINT subscriptions_subject_complete CHECK (((subject_type IS NULL) = (subject_id IS NULL)))
)
WITH (fillfactor='70');
ALTER TABLE ONLY payments.subscriptions ALTER COLUMN raw SET COMPRESSION lz4;

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
    stripe_event_id payments.stripe_event_id NOT NULL,
    type text NOT NULL,
    api_version text,
    livemode boolean NOT NULL,
    object_type text,
    object_id text,
    stripe_created timestamp with time zone NOT NULL,
    status payments.webhook_event_status DEFAULT 'received'::text NOT NULL,
    attempts payments.delivery_attempts DEFAULT 0 NOT NULL,
    last_error text,
    source payments.webhook_event_source DEFAULT 'webhook'::text NOT NULL,
    payload jsonb NOT NULL,
    received_at timestamp with time zone DEFAULT now() NOT NULL,
    processed_at timestamp with time zone,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);
ALTER TABLE ONLY payments.webhook_events ALTER COLUMN payload SET COMPRESSION lz4;

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
-- Name: credit_balances; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public.credit_balances WITH (security_invoker='true') AS
 SELECT l.environment,
    l.subject_type,
    l.subject_id,
    (sum(l.amount))::bigint AS balance,
    (COALESCE(sum(l.amount) FILTER (WHERE ((l.kind = ANY (ARRAY['grant'::text, 'restore'::text, 'adjustment'::text])) AND (l.amount > 0))), (0)::numeric))::bigint AS credited,
    (COALESCE((- sum(l.amount) FILTER (WHERE (l.kind = 'spend'::text))), (0)::numeric))::bigint AS spent,
    (COALESCE((- sum(l.amount) FILTER (WHERE (l.kind = 'reversal'::text))), (0)::numeric))::bigint AS reversed,
    max(l.created_at) AS last_entry_at
   FROM public.credit_ledger l
  GROUP BY l.environment, l.subject_type, l.subject_id;


--
-- Name: VIEW credit_balances; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON VIEW public.credit_balances IS 'Credit balance per subject and environment (sum of the ledger). Row-level security of credit_ledger applies.';


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
    CONSTRAINT orders_status_check CHECK ((status = ANY ('{pending,paid,failed,refunded,disputed,fulfilled,canceled}'::text[]))),
    CONSTRAINT orders_subject_complete CHECK (((subject_type IS NULL) = (subject_id IS NULL)))
)
WITH (fillfactor='80');

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
    access_until timestamp with time zone,
    CONSTRAINT team_billing_status_seats_check CHECK ((seats >= 0)),
    CONSTRAINT team_billing_status_subject_is_group CHECK ((subject_type <> 'user'::text))
)
WITH (fillfactor='80');

ALTER TABLE ONLY public.team_billing_status FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE team_billing_status; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.team_billing_status IS 'One row per group subject (team, organization, ...): plan, status, seats, period end and has_access.';


--
-- Name: COLUMN team_billing_status.has_access; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.team_billing_status.has_access IS 'The access rule as of the last event about the group. Grant access when has_access and access_until is
NULL or still ahead: no event arrives when a past-due grace or a canceled period runs out.';


--
-- Name: COLUMN team_billing_status.access_until; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.team_billing_status.access_until IS 'When access ends unless another event arrives (end of the past-due grace, or the period end of a
subscription set to cancel); NULL while access is open-ended or already over.';


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
    CONSTRAINT user_entitlements_entitlement_key_check CHECK (((char_length(entitlement_key) <= 100) AND (entitlement_key ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]*$'::text))),
    CONSTRAINT user_entitlements_source_type_check CHECK ((source_type = ANY ('{subscription,one_time_payment}'::text[])))
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
-- Name: credit_totals credit_totals_pkey; Type: CONSTRAINT; Schema: payments; Owner: -
--

ALTER TABLE ONLY payments.credit_totals
    ADD CONSTRAINT credit_totals_pkey PRIMARY KEY (environment, subject_type, subject_id);


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
-- Name: memberships memberships_pkey; Type: CONSTRAINT; Schema: payments; Owner: -
--

ALTER TABLE ONLY payments.memberships
    ADD CONSTRAINT memberships_pkey PRIMARY KEY (id);


--
-- Name: memberships memberships_subject_user_key; Type: CONSTRAINT; Schema: payments; Owner: -
--

ALTER TABLE ONLY payments.memberships
    ADD CONSTRAINT memberships_subject_user_key UNIQUE (subject_type, subject_id, user_id);


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
-- Name: settings settings_pkey; Type: CONSTRAINT; Schema: payments; Owner: -
--

ALTER TABLE ONLY payments.settings
    ADD CONSTRAINT settings_pkey PRIMARY KEY (key);


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
-- Name: subject_types subject_types_type_group_key; Type: CONSTRAINT; Schema: payments; Owner: -
--

ALTER TABLE ONLY payments.subject_types
    ADD CONSTRAINT subject_types_type_group_key UNIQUE (subject_type, is_group);


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
-- Name: checkout_sessions_line_items_idx; Type: INDEX; Schema: payments; Owner: -
--

CREATE INDEX checkout_sessions_line_items_idx ON payments.checkout_sessions USING gin (line_items jsonb_path_ops) WHERE (line_items <> '[]'::jsonb);


--
-- Name: checkout_sessions_order_idx; Type: INDEX; Schema: payments; Owner: -
--

CREATE INDEX checkout_sessions_order_idx ON payments.checkout_sessions USING btree (order_id) WHERE (order_id IS NOT NULL);


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
-- Name: memberships_user_idx; Type: INDEX; Schema: payments; Owner: -
--

CREATE INDEX memberships_user_idx ON payments.memberships USING btree (user_id);


--
-- Name: payment_history_charge_idx; Type: INDEX; Schema: payments; Owner: -
--

CREATE INDEX payment_history_charge_idx ON payments.payment_history USING btree (environment, stripe_charge_id);


--
-- Name: payment_history_checkout_idx; Type: INDEX; Schema: payments; Owner: -
--

CREATE INDEX payment_history_checkout_idx ON payments.payment_history USING btree (environment, stripe_checkout_session_id);


--
-- Name: payment_history_children_charge_idx; Type: INDEX; Schema: payments; Owner: -
--

CREATE INDEX payment_history_children_charge_idx ON payments.payment_history USING btree (environment, stripe_charge_id) WHERE (type = ANY (ARRAY['refund'::text, 'dispute'::text]));


--
-- Name: payment_history_children_intent_idx; Type: INDEX; Schema: payments; Owner: -
--

CREATE INDEX payment_history_children_intent_idx ON payments.payment_history USING btree (environment, stripe_payment_intent_id) WHERE (type = ANY (ARRAY['refund'::text, 'dispute'::text]));


--
-- Name: payment_history_dispute_key; Type: INDEX; Schema: payments; Owner: -
--

CREATE UNIQUE INDEX payment_history_dispute_key ON payments.payment_history USING btree (environment, stripe_dispute_id) WHERE (type = 'dispute'::text);


--
-- Name: payment_history_invoice_intent_idx; Type: INDEX; Schema: payments; Owner: -
--

CREATE INDEX payment_history_invoice_intent_idx ON payments.payment_history USING btree (environment, stripe_payment_intent_id) WHERE (type = 'subscription_invoice'::text);


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
-- Name: payment_history_subscription_idx; Type: INDEX; Schema: payments; Owner: -
--

CREATE INDEX payment_history_subscription_idx ON payments.payment_history USING btree (environment, stripe_subscription_id) WHERE (stripe_subscription_id IS NOT NULL);


--
-- Name: payment_history_subscription_invoice_key; Type: INDEX; Schema: payments; Owner: -
--

CREATE UNIQUE INDEX payment_history_subscription_invoice_key ON payments.payment_history USING btree (environment, stripe_invoice_id) WHERE (type = 'subscription_invoice'::text);


--
-- Name: payment_history_unassigned_customer_idx; Type: INDEX; Schema: payments; Owner: -
--

CREATE INDEX payment_history_unassigned_customer_idx ON payments.payment_history USING btree (environment, stripe_customer_id) WHERE ((subject_type IS NULL) AND (stripe_customer_id IS NOT NULL));


--
-- Name: prices_product_idx; Type: INDEX; Schema: payments; Owner: -
--

CREATE INDEX prices_product_idx ON payments.prices USING btree (environment, stripe_product_id);


--
-- Name: subscription_items_price_idx; Type: INDEX; Schema: payments; Owner: -
--

CREATE INDEX subscription_items_price_idx ON payments.subscription_items USING btree (environment, stripe_price_id);


--
-- Name: subscription_items_product_idx; Type: INDEX; Schema: payments; Owner: -
--

CREATE INDEX subscription_items_product_idx ON payments.subscription_items USING btree (environment, stripe_product_id);


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

CREATE INDEX webhook_events_failed_idx ON payments.webhook_events USING btree (environment, received_at) WHERE ((status)::text = 'failed'::text);


--
-- Name: webhook_events_invoice_payment_idx; Type: INDEX; Schema: payments; Owner: -
--

CREATE INDEX webhook_events_invoice_payment_idx ON payments.webhook_events USING btree (environment, ((((payload -> 'data'::text) -> 'object'::text) ->> 'invoice'::text))) WHERE (type ~~ 'invoice_payment.%'::text);


--
-- Name: webhook_events_unprocessed_idx; Type: INDEX; Schema: payments; Owner: -
--

CREATE INDEX webhook_events_unprocessed_idx ON payments.webhook_events USING btree (received_at) WHERE ((status)::text = ANY (ARRAY['received'::text, 'failed'::text]));


--
-- Name: credit_ledger_payment_history_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX credit_ledger_payment_history_idx ON public.credit_ledger USING btree (payment_history_id) WHERE (payment_history_id IS NOT NULL);


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
-- Name: user_entitlements_source_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX user_entitlements_source_idx ON public.user_entitlements USING btree (environment, source_type, source_id);


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
-- Name: payment_history _200_project_fulfilment; Type: TRIGGER; Schema: payments; Owner: -
--

CREATE TRIGGER _200_project_fulfilment AFTER INSERT ON payments.payment_history FOR EACH ROW EXECUTE FUNCTION payments.tg_payment_history__project_fulfilment();


--
-- Name: subscriptions _200_project_fulfilment; Type: TRIGGER; Schema: payments; Owner: -
--

CREATE TRIGGER _200_project_fulfilment AFTER INSERT ON payments.subscriptions FOR EACH ROW EXECUTE FUNCTION payments.tg_subscriptions__project_fulfilment();


--
-- Name: prices _200_reproject_on_arrival; Type: TRIGGER; Schema: payments; Owner: -
--

CREATE TRIGGER _200_reproject_on_arrival AFTER INSERT ON payments.prices FOR EACH ROW EXECUTE FUNCTION payments.tg_catalog__reproject();


--
-- Name: products _200_reproject_on_arrival; Type: TRIGGER; Schema: payments; Owner: -
--

CREATE TRIGGER _200_reproject_on_arrival AFTER INSERT ON payments.products FOR EACH ROW EXECUTE FUNCTION payments.tg_catalog__reproject();


--
-- Name: checkout_sessions _200_reproject_payment; Type: TRIGGER; Schema: payments; Owner: -
--

CREATE TRIGGER _200_reproject_payment AFTER INSERT OR UPDATE OF line_items, order_id, stripe_checkout_session_id ON payments.checkout_sessions FOR EACH ROW WHEN (((new.order_id IS NOT NULL) OR (new.line_items <> '[]'::jsonb))) EXECUTE FUNCTION payments.tg_checkout_sessions__reproject_payment();


--
-- Name: payment_history _201_project_fulfilment_on_change; Type: TRIGGER; Schema: payments; Owner: -
--

CREATE TRIGGER _201_project_fulfilment_on_change AFTER UPDATE ON payments.payment_history FOR EACH ROW EXECUTE FUNCTION payments.tg_payment_history__project_fulfilment();


--
-- Name: subscriptions _201_project_fulfilment_on_change; Type: TRIGGER; Schema: payments; Owner: -
--

CREATE TRIGGER _201_project_fulfilment_on_change AFTER UPDATE ON payments.subscriptions FOR EACH ROW EXECUTE FUNCTION payments.tg_subscriptions__project_fulfilment();


--
-- Name: prices _201_reproject_on_change; Type: TRIGGER; Schema: payments; Owner: -
--

CREATE TRIGGER _201_reproject_on_change AFTER UPDATE ON payments.prices FOR EACH ROW WHEN ((((old.stripe_product_id IS DISTINCT FROM new.stripe_product_id) OR (old.lookup_key IS DISTINCT FROM new.lookup_key)) OR (old.nickname IS DISTINCT FROM new.nickname))) EXECUTE FUNCTION payments.tg_catalog__reproject();


--
-- Name: products _201_reproject_on_change; Type: TRIGGER; Schema: payments; Owner: -
--

CREATE TRIGGER _201_reproject_on_change AFTER UPDATE ON payments.products FOR EACH ROW WHEN ((((old.metadata -> 'entitlements'::text) IS DISTINCT FROM (new.metadata -> 'entitlements'::text)) OR (old.name IS DISTINCT FROM new.name))) EXECUTE FUNCTION payments.tg_catalog__reproject();


--
-- Name: credit_ledger _100_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER _100_append_only BEFORE DELETE OR UPDATE ON public.credit_ledger FOR EACH ROW EXECUTE FUNCTION payments.tg_credit_ledger__append_only();


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
-- Name: orders _200_catch_up_with_payment; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER _200_catch_up_with_payment AFTER INSERT OR UPDATE OF stripe_checkout_session_id, stripe_payment_intent_id ON public.orders FOR EACH ROW WHEN ((pg_trigger_depth() = 0)) EXECUTE FUNCTION payments.tg_orders__catch_up();


--
-- Name: credit_ledger _200_total; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER _200_total AFTER INSERT ON public.credit_ledger REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION payments.tg_credit_ledger__total();


--
-- Name: credit_ledger _200_truncate_totals; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER _200_truncate_totals AFTER TRUNCATE ON public.credit_ledger FOR EACH STATEMENT EXECUTE FUNCTION payments.tg_credit_ledger__truncate_totals();


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
-- Name: memberships memberships_subject_type_must_be_a_known_group_type; Type: FK CONSTRAINT; Schema: payments; Owner: -
--

ALTER TABLE ONLY payments.memberships
    ADD CONSTRAINT memberships_subject_type_must_be_a_known_group_type FOREIGN KEY (subject_type, subject_is_group) REFERENCES payments.subject_types(subject_type, is_group);


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
-- Name: checkout_sessions checkout_sessions__all__writer; Type: POLICY; Schema: payments; Owner: -
--

CREATE POLICY checkout_sessions__all__writer ON payments.checkout_sessions TO pgpay_writer USING (true) WITH CHECK (true);


--
-- Name: POLICY checkout_sessions__all__writer ON checkout_sessions; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON POLICY checkout_sessions__all__writer ON payments.checkout_sessions IS 'The pgpay writer (the ingest function, and the role that migrates pgpay) may use every row, within the commands granted to pgpay_writer.';


--
-- Name: checkout_sessions checkout_sessions__insert__anon; Type: POLICY; Schema: payments; Owner: -
--

CREATE POLICY checkout_sessions__insert__anon ON payments.checkout_sessions FOR INSERT TO anon WITH CHECK (((mode = 'payment'::text) AND (subject_type IS NULL) AND (subject_id IS NULL) AND (created_by IS NULL)));


--
-- Name: POLICY checkout_sessions__insert__anon ON checkout_sessions; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON POLICY checkout_sessions__insert__anon ON payments.checkout_sessions IS 'An anonymous caller may only create a one-time (payment mode) checkout without a subject.';


--
-- Name: checkout_sessions checkout_sessions__insert__authenticated; Type: POLICY; Schema: payments; Owner: -
--

CREATE POLICY checkout_sessions__insert__authenticated ON payments.checkout_sessions FOR INSERT TO authenticated WITH CHECK (((NOT (created_by IS DISTINCT FROM ( SELECT payments.current_user_id() AS current_user_id))) AND
CASE
    WHEN ((subject_type IS NULL) AND (subject_id IS NULL)) THEN (mode = 'payment'::text)
    ELSE payments.can_act_for_subject(subject_type, (subject_id)::text)
END));


--
-- Name: POLICY checkout_sessions__insert__authenticated ON checkout_sessions; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON POLICY checkout_sessions__insert__authenticated ON payments.checkout_sessions IS 'A signed-in caller may create, as itself, a one-time checkout without a subject, or any checkout for a
subject it may act for: itself as a user subject, or a group it is a billing admin (owner, admin) of.
Subscription and setup checkouts always need a subject.';


--
-- Name: checkout_sessions checkout_sessions__select__creator; Type: POLICY; Schema: payments; Owner: -
--

CREATE POLICY checkout_sessions__select__creator ON payments.checkout_sessions FOR SELECT TO authenticated USING ((created_by = ( SELECT payments.current_user_id() AS current_user_id)));


--
-- Name: POLICY checkout_sessions__select__creator ON checkout_sessions; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON POLICY checkout_sessions__select__creator ON payments.checkout_sessions IS 'A signed-in caller may read the checkout sessions it created (to retry idempotently), nobody else''s.';


--
-- Name: connections; Type: ROW SECURITY; Schema: payments; Owner: -
--

ALTER TABLE payments.connections ENABLE ROW LEVEL SECURITY;

--
-- Name: connections connections__all__writer; Type: POLICY; Schema: payments; Owner: -
--

CREATE POLICY connections__all__writer ON payments.connections TO pgpay_writer USING (true) WITH CHECK (true);


--
-- Name: POLICY connections__all__writer ON connections; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON POLICY connections__all__writer ON payments.connections IS 'The pgpay writer (the ingest function, and the role that migrates pgpay) may use every row, within the commands granted to pgpay_writer.';


--
-- Name: credit_totals; Type: ROW SECURITY; Schema: payments; Owner: -
--

ALTER TABLE payments.credit_totals ENABLE ROW LEVEL SECURITY;

--
-- Name: credit_totals credit_totals__all__writer; Type: POLICY; Schema: payments; Owner: -
--

CREATE POLICY credit_totals__all__writer ON payments.credit_totals TO pgpay_writer USING (true) WITH CHECK (true);


--
-- Name: POLICY credit_totals__all__writer ON credit_totals; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON POLICY credit_totals__all__writer ON payments.credit_totals IS 'The pgpay writer (the ingest function, and the role that migrates pgpay) may use every row, within the commands granted to pgpay_writer.';


--
-- Name: customer_portal_sessions; Type: ROW SECURITY; Schema: payments; Owner: -
--

ALTER TABLE payments.customer_portal_sessions ENABLE ROW LEVEL SECURITY;

--
-- Name: customer_portal_sessions customer_portal_sessions__all__writer; Type: POLICY; Schema: payments; Owner: -
--

CREATE POLICY customer_portal_sessions__all__writer ON payments.customer_portal_sessions TO pgpay_writer USING (true) WITH CHECK (true);


--
-- Name: POLICY customer_portal_sessions__all__writer ON customer_portal_sessions; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON POLICY customer_portal_sessions__all__writer ON payments.customer_portal_sessions IS 'The pgpay writer (the ingest function, and the role that migrates pgpay) may use every row, within the commands granted to pgpay_writer.';


--
-- Name: customer_portal_sessions customer_portal_sessions__insert__authenticated; Type: POLICY; Schema: payments; Owner: -
--

CREATE POLICY customer_portal_sessions__insert__authenticated ON payments.customer_portal_sessions FOR INSERT TO authenticated WITH CHECK (((created_by = ( SELECT payments.current_user_id() AS current_user_id)) AND payments.can_act_for_subject(subject_type, (subject_id)::text)));


--
-- Name: POLICY customer_portal_sessions__insert__authenticated ON customer_portal_sessions; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON POLICY customer_portal_sessions__insert__authenticated ON payments.customer_portal_sessions IS 'A signed-in caller may open a billing portal session, as itself, for itself or for a group it is a
billing admin of. Anonymous callers never may.';


--
-- Name: customer_portal_sessions customer_portal_sessions__select__creator; Type: POLICY; Schema: payments; Owner: -
--

CREATE POLICY customer_portal_sessions__select__creator ON payments.customer_portal_sessions FOR SELECT TO authenticated USING ((created_by = ( SELECT payments.current_user_id() AS current_user_id)));


--
-- Name: POLICY customer_portal_sessions__select__creator ON customer_portal_sessions; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON POLICY customer_portal_sessions__select__creator ON payments.customer_portal_sessions IS 'A signed-in caller may read the billing portal sessions it opened, nobody else''s.';


--
-- Name: customers; Type: ROW SECURITY; Schema: payments; Owner: -
--

ALTER TABLE payments.customers ENABLE ROW LEVEL SECURITY;

--
-- Name: customers customers__all__writer; Type: POLICY; Schema: payments; Owner: -
--

CREATE POLICY customers__all__writer ON payments.customers TO pgpay_writer USING (true) WITH CHECK (true);


--
-- Name: POLICY customers__all__writer ON customers; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON POLICY customers__all__writer ON payments.customers IS 'The pgpay writer (the ingest function, and the role that migrates pgpay) may use every row, within the commands granted to pgpay_writer.';


--
-- Name: memberships; Type: ROW SECURITY; Schema: payments; Owner: -
--

ALTER TABLE payments.memberships ENABLE ROW LEVEL SECURITY;

--
-- Name: memberships memberships__all__writer; Type: POLICY; Schema: payments; Owner: -
--

CREATE POLICY memberships__all__writer ON payments.memberships TO pgpay_writer USING (true) WITH CHECK (true);


--
-- Name: POLICY memberships__all__writer ON memberships; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON POLICY memberships__all__writer ON payments.memberships IS 'The pgpay writer (the ingest function, and the role that migrates pgpay) may use every row, within the commands granted to pgpay_writer.';


--
-- Name: memberships memberships__select__self; Type: POLICY; Schema: payments; Owner: -
--

CREATE POLICY memberships__select__self ON payments.memberships FOR SELECT TO authenticated USING (((user_id)::text = ( SELECT payments.current_user_id() AS current_user_id)));


--
-- Name: POLICY memberships__select__self ON memberships; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON POLICY memberships__select__self ON payments.memberships IS 'A signed-in caller may read its own memberships (which groups it belongs to, and as what), nobody else''s.';


--
-- Name: payment_history; Type: ROW SECURITY; Schema: payments; Owner: -
--

ALTER TABLE payments.payment_history ENABLE ROW LEVEL SECURITY;

--
-- Name: payment_history payment_history__all__writer; Type: POLICY; Schema: payments; Owner: -
--

CREATE POLICY payment_history__all__writer ON payments.payment_history TO pgpay_writer USING (true) WITH CHECK (true);


--
-- Name: POLICY payment_history__all__writer ON payment_history; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON POLICY payment_history__all__writer ON payments.payment_history IS 'The pgpay writer (the ingest function, and the role that migrates pgpay) may use every row, within the commands granted to pgpay_writer.';


--
-- Name: prices; Type: ROW SECURITY; Schema: payments; Owner: -
--

ALTER TABLE payments.prices ENABLE ROW LEVEL SECURITY;

--
-- Name: prices prices__all__writer; Type: POLICY; Schema: payments; Owner: -
--

CREATE POLICY prices__all__writer ON payments.prices TO pgpay_writer USING (true) WITH CHECK (true);


--
-- Name: POLICY prices__all__writer ON prices; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON POLICY prices__all__writer ON payments.prices IS 'The pgpay writer (the ingest function, and the role that migrates pgpay) may use every row, within the commands granted to pgpay_writer.';


--
-- Name: prices prices__select__everyone; Type: POLICY; Schema: payments; Owner: -
--

CREATE POLICY prices__select__everyone ON payments.prices FOR SELECT TO anon, authenticated USING ((active AND (NOT deleted)));


--
-- Name: POLICY prices__select__everyone ON prices; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON POLICY prices__select__everyone ON payments.prices IS 'Anyone, signed in or not, may read active prices (the catalog); archived and deleted ones stay hidden.';


--
-- Name: products; Type: ROW SECURITY; Schema: payments; Owner: -
--

ALTER TABLE payments.products ENABLE ROW LEVEL SECURITY;

--
-- Name: products products__all__writer; Type: POLICY; Schema: payments; Owner: -
--

CREATE POLICY products__all__writer ON payments.products TO pgpay_writer USING (true) WITH CHECK (true);


--
-- Name: POLICY products__all__writer ON products; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON POLICY products__all__writer ON payments.products IS 'The pgpay writer (the ingest function, and the role that migrates pgpay) may use every row, within the commands granted to pgpay_writer.';


--
-- Name: products products__select__everyone; Type: POLICY; Schema: payments; Owner: -
--

CREATE POLICY products__select__everyone ON payments.products FOR SELECT TO anon, authenticated USING ((active AND (NOT deleted)));


--
-- Name: POLICY products__select__everyone ON products; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON POLICY products__select__everyone ON payments.products IS 'Anyone, signed in or not, may read active products (the catalog); archived and deleted ones stay hidden.';


--
-- Name: settings; Type: ROW SECURITY; Schema: payments; Owner: -
--

ALTER TABLE payments.settings ENABLE ROW LEVEL SECURITY;

--
-- Name: settings settings__all__writer; Type: POLICY; Schema: payments; Owner: -
--

CREATE POLICY settings__all__writer ON payments.settings TO pgpay_writer USING (true) WITH CHECK (true);


--
-- Name: POLICY settings__all__writer ON settings; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON POLICY settings__all__writer ON payments.settings IS 'The pgpay writer (the ingest function, and the role that migrates pgpay) may use every row, within the commands granted to pgpay_writer.';


--
-- Name: stripe_customer_mappings; Type: ROW SECURITY; Schema: payments; Owner: -
--

ALTER TABLE payments.stripe_customer_mappings ENABLE ROW LEVEL SECURITY;

--
-- Name: stripe_customer_mappings stripe_customer_mappings__all__writer; Type: POLICY; Schema: payments; Owner: -
--

CREATE POLICY stripe_customer_mappings__all__writer ON payments.stripe_customer_mappings TO pgpay_writer USING (true) WITH CHECK (true);


--
-- Name: POLICY stripe_customer_mappings__all__writer ON stripe_customer_mappings; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON POLICY stripe_customer_mappings__all__writer ON payments.stripe_customer_mappings IS 'The pgpay writer (the ingest function, and the role that migrates pgpay) may use every row, within the commands granted to pgpay_writer.';


--
-- Name: subject_types; Type: ROW SECURITY; Schema: payments; Owner: -
--

ALTER TABLE payments.subject_types ENABLE ROW LEVEL SECURITY;

--
-- Name: subject_types subject_types__all__writer; Type: POLICY; Schema: payments; Owner: -
--

CREATE POLICY subject_types__all__writer ON payments.subject_types TO pgpay_writer USING (true) WITH CHECK (true);


--
-- Name: POLICY subject_types__all__writer ON subject_types; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON POLICY subject_types__all__writer ON payments.subject_types IS 'The pgpay writer (the ingest function, and the role that migrates pgpay) may use every row, within the commands granted to pgpay_writer.';


--
-- Name: subject_types subject_types__select__everyone; Type: POLICY; Schema: payments; Owner: -
--

CREATE POLICY subject_types__select__everyone ON payments.subject_types FOR SELECT TO anon, authenticated USING (true);


--
-- Name: POLICY subject_types__select__everyone ON subject_types; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON POLICY subject_types__select__everyone ON payments.subject_types IS 'Anyone may read which billing subject types exist (user, team, organization, ...).';


--
-- Name: subscription_items; Type: ROW SECURITY; Schema: payments; Owner: -
--

ALTER TABLE payments.subscription_items ENABLE ROW LEVEL SECURITY;

--
-- Name: subscription_items subscription_items__all__writer; Type: POLICY; Schema: payments; Owner: -
--

CREATE POLICY subscription_items__all__writer ON payments.subscription_items TO pgpay_writer USING (true) WITH CHECK (true);


--
-- Name: POLICY subscription_items__all__writer ON subscription_items; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON POLICY subscription_items__all__writer ON payments.subscription_items IS 'The pgpay writer (the ingest function, and the role that migrates pgpay) may use every row, within the commands granted to pgpay_writer.';


--
-- Name: subscriptions; Type: ROW SECURITY; Schema: payments; Owner: -
--

ALTER TABLE payments.subscriptions ENABLE ROW LEVEL SECURITY;

--
-- Name: subscriptions subscriptions__all__writer; Type: POLICY; Schema: payments; Owner: -
--

CREATE POLICY subscriptions__all__writer ON payments.subscriptions TO pgpay_writer USING (true) WITH CHECK (true);


--
-- Name: POLICY subscriptions__all__writer ON subscriptions; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON POLICY subscriptions__all__writer ON payments.subscriptions IS 'The pgpay writer (the ingest function, and the role that migrates pgpay) may use every row, within the commands granted to pgpay_writer.';


--
-- Name: webhook_events; Type: ROW SECURITY; Schema: payments; Owner: -
--

ALTER TABLE payments.webhook_events ENABLE ROW LEVEL SECURITY;

--
-- Name: webhook_events webhook_events__all__writer; Type: POLICY; Schema: payments; Owner: -
--

CREATE POLICY webhook_events__all__writer ON payments.webhook_events TO pgpay_writer USING (true) WITH CHECK (true);


--
-- Name: POLICY webhook_events__all__writer ON webhook_events; Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON POLICY webhook_events__all__writer ON payments.webhook_events IS 'The pgpay writer (the ingest function, and the role that migrates pgpay) may use every row, within the commands granted to pgpay_writer.';


--
-- Name: credit_ledger; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.credit_ledger ENABLE ROW LEVEL SECURITY;

--
-- Name: credit_ledger credit_ledger__all__writer; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY credit_ledger__all__writer ON public.credit_ledger TO pgpay_writer USING (true) WITH CHECK (true);


--
-- Name: POLICY credit_ledger__all__writer ON credit_ledger; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON POLICY credit_ledger__all__writer ON public.credit_ledger IS 'The pgpay writer (the ingest function, and the role that migrates pgpay) may use every row, within the commands granted to pgpay_writer.';


--
-- Name: credit_ledger credit_ledger__select__subject; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY credit_ledger__select__subject ON public.credit_ledger FOR SELECT TO authenticated USING (
CASE
    WHEN (subject_type = 'user'::text) THEN ((subject_id)::text = ( SELECT payments.current_user_id() AS current_user_id))
    ELSE payments.can_read_subject(subject_type, (subject_id)::text)
END);


--
-- Name: POLICY credit_ledger__select__subject ON credit_ledger; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON POLICY credit_ledger__select__subject ON public.credit_ledger IS 'A signed-in caller may read its own credit entries and those of groups it is a member of. Spending goes
through payments.spend_credits only.';


--
-- Name: orders; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.orders ENABLE ROW LEVEL SECURITY;

--
-- Name: orders orders__all__writer; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY orders__all__writer ON public.orders TO pgpay_writer USING (true) WITH CHECK (true);


--
-- Name: POLICY orders__all__writer ON orders; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON POLICY orders__all__writer ON public.orders IS 'The pgpay writer (the ingest function, and the role that migrates pgpay) may use every row, within the commands granted to pgpay_writer.';


--
-- Name: orders orders__select__subject; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY orders__select__subject ON public.orders FOR SELECT TO authenticated USING (
CASE
    WHEN (subject_type = 'user'::text) THEN ((subject_id)::text = ( SELECT payments.current_user_id() AS current_user_id))
    WHEN (subject_type IS NULL) THEN (created_by = ( SELECT payments.current_user_id() AS current_user_id))
    ELSE payments.can_read_subject(subject_type, (subject_id)::text)
END);


--
-- Name: POLICY orders__select__subject ON orders; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON POLICY orders__select__subject ON public.orders IS 'A signed-in caller may read its own orders and the orders of groups it is a member of (and orders without
a subject that it created).';


--
-- Name: team_billing_status; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.team_billing_status ENABLE ROW LEVEL SECURITY;

--
-- Name: team_billing_status team_billing_status__all__writer; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY team_billing_status__all__writer ON public.team_billing_status TO pgpay_writer USING (true) WITH CHECK (true);


--
-- Name: POLICY team_billing_status__all__writer ON team_billing_status; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON POLICY team_billing_status__all__writer ON public.team_billing_status IS 'The pgpay writer (the ingest function, and the role that migrates pgpay) may use every row, within the commands granted to pgpay_writer.';


--
-- Name: team_billing_status team_billing_status__select__member; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY team_billing_status__select__member ON public.team_billing_status FOR SELECT TO authenticated USING (payments.can_read_subject(subject_type, (subject_id)::text));


--
-- Name: POLICY team_billing_status__select__member ON team_billing_status; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON POLICY team_billing_status__select__member ON public.team_billing_status IS 'A signed-in caller may read the billing status of groups it is a member of.';


--
-- Name: user_entitlements; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.user_entitlements ENABLE ROW LEVEL SECURITY;

--
-- Name: user_entitlements user_entitlements__all__writer; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY user_entitlements__all__writer ON public.user_entitlements TO pgpay_writer USING (true) WITH CHECK (true);


--
-- Name: POLICY user_entitlements__all__writer ON user_entitlements; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON POLICY user_entitlements__all__writer ON public.user_entitlements IS 'The pgpay writer (the ingest function, and the role that migrates pgpay) may use every row, within the commands granted to pgpay_writer.';


--
-- Name: user_entitlements user_entitlements__select__self; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY user_entitlements__select__self ON public.user_entitlements FOR SELECT TO authenticated USING (((user_id)::text = ( SELECT payments.current_user_id() AS current_user_id)));


--
-- Name: POLICY user_entitlements__select__self ON user_entitlements; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON POLICY user_entitlements__select__self ON public.user_entitlements IS 'A signed-in caller may read its own entitlements, nobody else''s.';


--
-- Name: SCHEMA payments; Type: ACL; Schema: -; Owner: -
--

GRANT USAGE ON SCHEMA payments TO anon;
GRANT USAGE ON SCHEMA payments TO authenticated;
GRANT USAGE ON SCHEMA payments TO pgpay_writer;


--
-- Name: FUNCTION apply_charge(p_environment text, p_charge jsonb, p_event_at timestamp with time zone, p_event_type text); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.apply_charge(p_environment text, p_charge jsonb, p_event_at timestamp with time zone, p_event_type text) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.apply_charge(p_environment text, p_charge jsonb, p_event_at timestamp with time zone, p_event_type text) TO pgpay_writer;


--
-- Name: FUNCTION apply_checkout_session(p_environment text, p_session jsonb, p_event_at timestamp with time zone, p_event_type text); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.apply_checkout_session(p_environment text, p_session jsonb, p_event_at timestamp with time zone, p_event_type text) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.apply_checkout_session(p_environment text, p_session jsonb, p_event_at timestamp with time zone, p_event_type text) TO pgpay_writer;


--
-- Name: FUNCTION apply_customer(p_environment text, p_customer jsonb, p_event_at timestamp with time zone, p_deleted boolean); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.apply_customer(p_environment text, p_customer jsonb, p_event_at timestamp with time zone, p_deleted boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.apply_customer(p_environment text, p_customer jsonb, p_event_at timestamp with time zone, p_deleted boolean) TO pgpay_writer;


--
-- Name: FUNCTION apply_dispute(p_environment text, p_dispute jsonb, p_event_at timestamp with time zone, p_event_type text); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.apply_dispute(p_environment text, p_dispute jsonb, p_event_at timestamp with time zone, p_event_type text) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.apply_dispute(p_environment text, p_dispute jsonb, p_event_at timestamp with time zone, p_event_type text) TO pgpay_writer;


--
-- Name: FUNCTION apply_invoice(p_environment text, p_invoice jsonb, p_event_at timestamp with time zone, p_event_type text); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.apply_invoice(p_environment text, p_invoice jsonb, p_event_at timestamp with time zone, p_event_type text) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.apply_invoice(p_environment text, p_invoice jsonb, p_event_at timestamp with time zone, p_event_type text) TO pgpay_writer;


--
-- Name: FUNCTION apply_invoice_payment(p_environment text, p_invoice_payment jsonb, p_event_at timestamp with time zone); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.apply_invoice_payment(p_environment text, p_invoice_payment jsonb, p_event_at timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.apply_invoice_payment(p_environment text, p_invoice_payment jsonb, p_event_at timestamp with time zone) TO pgpay_writer;


--
-- Name: FUNCTION apply_payment_intent(p_environment text, p_intent jsonb, p_event_at timestamp with time zone, p_event_type text); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.apply_payment_intent(p_environment text, p_intent jsonb, p_event_at timestamp with time zone, p_event_type text) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.apply_payment_intent(p_environment text, p_intent jsonb, p_event_at timestamp with time zone, p_event_type text) TO pgpay_writer;


--
-- Name: TABLE payment_history; Type: ACL; Schema: payments; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE payments.payment_history TO pgpay_writer;


--
-- Name: FUNCTION apply_payment_to_order(p_order_id uuid, p_payment payments.payment_history); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.apply_payment_to_order(p_order_id uuid, p_payment payments.payment_history) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.apply_payment_to_order(p_order_id uuid, p_payment payments.payment_history) TO pgpay_writer;


--
-- Name: FUNCTION apply_price(p_environment text, p_price jsonb, p_event_at timestamp with time zone, p_deleted boolean); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.apply_price(p_environment text, p_price jsonb, p_event_at timestamp with time zone, p_deleted boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.apply_price(p_environment text, p_price jsonb, p_event_at timestamp with time zone, p_deleted boolean) TO pgpay_writer;


--
-- Name: FUNCTION apply_product(p_environment text, p_product jsonb, p_event_at timestamp with time zone, p_deleted boolean); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.apply_product(p_environment text, p_product jsonb, p_event_at timestamp with time zone, p_deleted boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.apply_product(p_environment text, p_product jsonb, p_event_at timestamp with time zone, p_deleted boolean) TO pgpay_writer;


--
-- Name: FUNCTION apply_refund(p_environment text, p_refund jsonb, p_event_at timestamp with time zone); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.apply_refund(p_environment text, p_refund jsonb, p_event_at timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.apply_refund(p_environment text, p_refund jsonb, p_event_at timestamp with time zone) TO pgpay_writer;


--
-- Name: FUNCTION apply_subscription(p_environment text, p_subscription jsonb, p_event_at timestamp with time zone); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.apply_subscription(p_environment text, p_subscription jsonb, p_event_at timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.apply_subscription(p_environment text, p_subscription jsonb, p_event_at timestamp with time zone) TO pgpay_writer;


--
-- Name: FUNCTION array_size(p_value jsonb); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.array_size(p_value jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.array_size(p_value jsonb) TO pgpay_writer;


--
-- Name: FUNCTION can_act_for_subject(p_subject_type text, p_subject_id text); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.can_act_for_subject(p_subject_type text, p_subject_id text) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.can_act_for_subject(p_subject_type text, p_subject_id text) TO pgpay_writer;
GRANT ALL ON FUNCTION payments.can_act_for_subject(p_subject_type text, p_subject_id text) TO anon;
GRANT ALL ON FUNCTION payments.can_act_for_subject(p_subject_type text, p_subject_id text) TO authenticated;


--
-- Name: FUNCTION can_read_subject(p_subject_type text, p_subject_id text); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.can_read_subject(p_subject_type text, p_subject_id text) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.can_read_subject(p_subject_type text, p_subject_id text) TO pgpay_writer;
GRANT ALL ON FUNCTION payments.can_read_subject(p_subject_type text, p_subject_id text) TO anon;
GRANT ALL ON FUNCTION payments.can_read_subject(p_subject_type text, p_subject_id text) TO authenticated;


--
-- Name: FUNCTION can_spend_for_subject(p_subject_type text, p_subject_id text); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.can_spend_for_subject(p_subject_type text, p_subject_id text) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.can_spend_for_subject(p_subject_type text, p_subject_id text) TO pgpay_writer;
GRANT ALL ON FUNCTION payments.can_spend_for_subject(p_subject_type text, p_subject_id text) TO anon;
GRANT ALL ON FUNCTION payments.can_spend_for_subject(p_subject_type text, p_subject_id text) TO authenticated;


--
-- Name: FUNCTION check_credit_arguments(p_environment text, p_subject_type text); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.check_credit_arguments(p_environment text, p_subject_type text) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.check_credit_arguments(p_environment text, p_subject_type text) TO pgpay_writer;


--
-- Name: FUNCTION credit_balance(p_environment text, p_subject_type text, p_subject_id text); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.credit_balance(p_environment text, p_subject_type text, p_subject_id text) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.credit_balance(p_environment text, p_subject_type text, p_subject_id text) TO pgpay_writer;
GRANT ALL ON FUNCTION payments.credit_balance(p_environment text, p_subject_type text, p_subject_id text) TO authenticated;


--
-- Name: FUNCTION current_claims(); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.current_claims() FROM PUBLIC;
GRANT ALL ON FUNCTION payments.current_claims() TO pgpay_writer;
GRANT ALL ON FUNCTION payments.current_claims() TO anon;
GRANT ALL ON FUNCTION payments.current_claims() TO authenticated;


--
-- Name: FUNCTION current_membership_role(p_subject_type text, p_subject_id text); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.current_membership_role(p_subject_type text, p_subject_id text) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.current_membership_role(p_subject_type text, p_subject_id text) TO anon;
GRANT ALL ON FUNCTION payments.current_membership_role(p_subject_type text, p_subject_id text) TO authenticated;


--
-- Name: FUNCTION "current_role"(); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments."current_role"() FROM PUBLIC;
GRANT ALL ON FUNCTION payments."current_role"() TO pgpay_writer;
GRANT ALL ON FUNCTION payments."current_role"() TO anon;
GRANT ALL ON FUNCTION payments."current_role"() TO authenticated;


--
-- Name: FUNCTION current_user_id(); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.current_user_id() FROM PUBLIC;
GRANT ALL ON FUNCTION payments.current_user_id() TO pgpay_writer;
GRANT ALL ON FUNCTION payments.current_user_id() TO anon;
GRANT ALL ON FUNCTION payments.current_user_id() TO authenticated;


--
-- Name: FUNCTION current_user_uuid(); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.current_user_uuid() FROM PUBLIC;
GRANT ALL ON FUNCTION payments.current_user_uuid() TO pgpay_writer;
GRANT ALL ON FUNCTION payments.current_user_uuid() TO anon;
GRANT ALL ON FUNCTION payments.current_user_uuid() TO authenticated;


--
-- Name: FUNCTION ensure_customer_mapping(p_environment text, p_subject_type text, p_subject_id text, p_customer_id text, p_source text); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.ensure_customer_mapping(p_environment text, p_subject_type text, p_subject_id text, p_customer_id text, p_source text) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.ensure_customer_mapping(p_environment text, p_subject_type text, p_subject_id text, p_customer_id text, p_source text) TO pgpay_writer;


--
-- Name: FUNCTION event_lock_keys(p_event jsonb); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.event_lock_keys(p_event jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.event_lock_keys(p_event jsonb) TO pgpay_writer;


--
-- Name: FUNCTION handled_event_types(); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.handled_event_types() FROM PUBLIC;
GRANT ALL ON FUNCTION payments.handled_event_types() TO pgpay_writer;


--
-- Name: FUNCTION ingest_stripe_event(environment text, event jsonb, source text); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.ingest_stripe_event(environment text, event jsonb, source text) FROM PUBLIC;


--
-- Name: FUNCTION invoice_intent_payment(p_invoice jsonb); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.invoice_intent_payment(p_invoice jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.invoice_intent_payment(p_invoice jsonb) TO pgpay_writer;


--
-- Name: FUNCTION invoice_metadata(p_invoice jsonb); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.invoice_metadata(p_invoice jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.invoice_metadata(p_invoice jsonb) TO pgpay_writer;


--
-- Name: FUNCTION invoice_payment_for_intent(p_environment text, p_payment_intent text); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.invoice_payment_for_intent(p_environment text, p_payment_intent text) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.invoice_payment_for_intent(p_environment text, p_payment_intent text) TO pgpay_writer;


--
-- Name: FUNCTION is_billing_admin(p_subject_type text, p_subject_id text); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.is_billing_admin(p_subject_type text, p_subject_id text) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.is_billing_admin(p_subject_type text, p_subject_id text) TO pgpay_writer;
GRANT ALL ON FUNCTION payments.is_billing_admin(p_subject_type text, p_subject_id text) TO anon;
GRANT ALL ON FUNCTION payments.is_billing_admin(p_subject_type text, p_subject_id text) TO authenticated;


--
-- Name: FUNCTION is_group_subject_type(p_subject_type text); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.is_group_subject_type(p_subject_type text) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.is_group_subject_type(p_subject_type text) TO pgpay_writer;
GRANT ALL ON FUNCTION payments.is_group_subject_type(p_subject_type text) TO anon;
GRANT ALL ON FUNCTION payments.is_group_subject_type(p_subject_type text) TO authenticated;


--
-- Name: FUNCTION is_member(p_subject_type text, p_subject_id text); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.is_member(p_subject_type text, p_subject_id text) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.is_member(p_subject_type text, p_subject_id text) TO pgpay_writer;
GRANT ALL ON FUNCTION payments.is_member(p_subject_type text, p_subject_id text) TO anon;
GRANT ALL ON FUNCTION payments.is_member(p_subject_type text, p_subject_id text) TO authenticated;


--
-- Name: FUNCTION is_newer(p_new_at timestamp with time zone, p_new_rank integer, p_new_raw jsonb, p_old_at timestamp with time zone, p_old_rank integer, p_old_raw jsonb); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.is_newer(p_new_at timestamp with time zone, p_new_rank integer, p_new_raw jsonb, p_old_at timestamp with time zone, p_old_rank integer, p_old_raw jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.is_newer(p_new_at timestamp with time zone, p_new_rank integer, p_new_raw jsonb, p_old_at timestamp with time zone, p_old_rank integer, p_old_raw jsonb) TO pgpay_writer;


--
-- Name: FUNCTION is_subject_id(p_value text); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.is_subject_id(p_value text) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.is_subject_id(p_value text) TO pgpay_writer;
GRANT ALL ON FUNCTION payments.is_subject_id(p_value text) TO anon;
GRANT ALL ON FUNCTION payments.is_subject_id(p_value text) TO authenticated;


--
-- Name: FUNCTION is_terminal_subscription_status(p_status text); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.is_terminal_subscription_status(p_status text) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.is_terminal_subscription_status(p_status text) TO pgpay_writer;


--
-- Name: FUNCTION is_trusted_caller(); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.is_trusted_caller() FROM PUBLIC;
GRANT ALL ON FUNCTION payments.is_trusted_caller() TO pgpay_writer;


--
-- Name: FUNCTION mapping_source_rank(p_source text); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.mapping_source_rank(p_source text) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.mapping_source_rank(p_source text) TO pgpay_writer;


--
-- Name: FUNCTION merge_payment_status(p_type text, p_old text, p_new text, p_amount bigint, p_amount_refunded bigint); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.merge_payment_status(p_type text, p_old text, p_new text, p_amount bigint, p_amount_refunded bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.merge_payment_status(p_type text, p_old text, p_new text, p_amount bigint, p_amount_refunded bigint) TO pgpay_writer;


--
-- Name: FUNCTION order_status_for_payment(p_payment payments.payment_history); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.order_status_for_payment(p_payment payments.payment_history) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.order_status_for_payment(p_payment payments.payment_history) TO pgpay_writer;


--
-- Name: FUNCTION parent_payment(p_environment text, p_payment_intent text, p_charge text); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.parent_payment(p_environment text, p_payment_intent text, p_charge text) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.parent_payment(p_environment text, p_payment_intent text, p_charge text) TO pgpay_writer;


--
-- Name: FUNCTION payment_credits(p_environment text, p_lines jsonb); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.payment_credits(p_environment text, p_lines jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.payment_credits(p_environment text, p_lines jsonb) TO pgpay_writer;


--
-- Name: FUNCTION payment_lines(p_payment payments.payment_history); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.payment_lines(p_payment payments.payment_history) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.payment_lines(p_payment payments.payment_history) TO pgpay_writer;


--
-- Name: FUNCTION payment_snapshot(p_type text, p_object_type text, p_object jsonb); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.payment_snapshot(p_type text, p_object_type text, p_object jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.payment_snapshot(p_type text, p_object_type text, p_object jsonb) TO pgpay_writer;


--
-- Name: FUNCTION payment_status_rank(p_type text, p_status text); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.payment_status_rank(p_type text, p_status text) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.payment_status_rank(p_type text, p_status text) TO pgpay_writer;


--
-- Name: FUNCTION positive_bigint(p_value text); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.positive_bigint(p_value text) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.positive_bigint(p_value text) TO pgpay_writer;


--
-- Name: FUNCTION post_credit_entry(p_payment payments.payment_history, p_amount bigint, p_kind text, p_source_key text, p_reason text, p_cause text); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.post_credit_entry(p_payment payments.payment_history, p_amount bigint, p_kind text, p_source_key text, p_reason text, p_cause text) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.post_credit_entry(p_payment payments.payment_history, p_amount bigint, p_kind text, p_source_key text, p_reason text, p_cause text) TO pgpay_writer;


--
-- Name: FUNCTION price_credits(p_environment text, p_price_id text); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.price_credits(p_environment text, p_price_id text) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.price_credits(p_environment text, p_price_id text) TO pgpay_writer;


--
-- Name: FUNCTION price_product(p_environment text, p_price_id text); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.price_product(p_environment text, p_price_id text) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.price_product(p_environment text, p_price_id text) TO pgpay_writer;


--
-- Name: FUNCTION product_entitlement_keys(p_environment text, p_product_id text); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.product_entitlement_keys(p_environment text, p_product_id text) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.product_entitlement_keys(p_environment text, p_product_id text) TO pgpay_writer;


--
-- Name: FUNCTION project_payment(p_payment payments.payment_history); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.project_payment(p_payment payments.payment_history) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.project_payment(p_payment payments.payment_history) TO pgpay_writer;


--
-- Name: FUNCTION project_payment_to_orders(p_payment payments.payment_history); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.project_payment_to_orders(p_payment payments.payment_history) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.project_payment_to_orders(p_payment payments.payment_history) TO pgpay_writer;


--
-- Name: FUNCTION project_stripe_event(p_environment text, p_event jsonb); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.project_stripe_event(p_environment text, p_event jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.project_stripe_event(p_environment text, p_event jsonb) TO pgpay_writer;


--
-- Name: FUNCTION refresh_order(p_order_id uuid); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.refresh_order(p_order_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.refresh_order(p_order_id uuid) TO pgpay_writer;


--
-- Name: FUNCTION refresh_payment_entitlements(p_payment payments.payment_history); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.refresh_payment_entitlements(p_payment payments.payment_history) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.refresh_payment_entitlements(p_payment payments.payment_history) TO pgpay_writer;


--
-- Name: FUNCTION refresh_subscription_entitlements(p_environment text, p_subscription_id text); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.refresh_subscription_entitlements(p_environment text, p_subscription_id text) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.refresh_subscription_entitlements(p_environment text, p_subscription_id text) TO pgpay_writer;


--
-- Name: FUNCTION refresh_team_billing_status(p_environment text, p_subject_type text, p_subject_id text); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.refresh_team_billing_status(p_environment text, p_subject_type text, p_subject_id text) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.refresh_team_billing_status(p_environment text, p_subject_type text, p_subject_id text) TO pgpay_writer;


--
-- Name: FUNCTION reproject_catalog_item(p_environment text, p_price_id text, p_product_id text, p_credits boolean); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.reproject_catalog_item(p_environment text, p_price_id text, p_product_id text, p_credits boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.reproject_catalog_item(p_environment text, p_price_id text, p_product_id text, p_credits boolean) TO pgpay_writer;


--
-- Name: FUNCTION resolve_subject(p_environment text, p_metadata jsonb, p_customer_id text, OUT subject_type text, OUT subject_id text); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.resolve_subject(p_environment text, p_metadata jsonb, p_customer_id text, OUT subject_type text, OUT subject_id text) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.resolve_subject(p_environment text, p_metadata jsonb, p_customer_id text, OUT subject_type text, OUT subject_id text) TO pgpay_writer;


--
-- Name: FUNCTION set_entitlements(p_environment text, p_user_id text, p_source_type text, p_source_id text, p_grants jsonb, p_active boolean, p_valid_from timestamp with time zone, p_valid_until timestamp with time zone); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.set_entitlements(p_environment text, p_user_id text, p_source_type text, p_source_id text, p_grants jsonb, p_active boolean, p_valid_from timestamp with time zone, p_valid_until timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.set_entitlements(p_environment text, p_user_id text, p_source_type text, p_source_id text, p_grants jsonb, p_active boolean, p_valid_from timestamp with time zone, p_valid_until timestamp with time zone) TO pgpay_writer;


--
-- Name: FUNCTION setting_interval(p_key text, p_default interval); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.setting_interval(p_key text, p_default interval) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.setting_interval(p_key text, p_default interval) TO pgpay_writer;


--
-- Name: TABLE credit_ledger; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT ON TABLE public.credit_ledger TO pgpay_writer;
GRANT SELECT ON TABLE public.credit_ledger TO authenticated;


--
-- Name: FUNCTION spend_credits(p_environment text, p_subject_type text, p_subject_id text, p_amount bigint, p_reason text, p_idempotency_key text); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.spend_credits(p_environment text, p_subject_type text, p_subject_id text, p_amount bigint, p_reason text, p_idempotency_key text) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.spend_credits(p_environment text, p_subject_type text, p_subject_id text, p_amount bigint, p_reason text, p_idempotency_key text) TO pgpay_writer;
GRANT ALL ON FUNCTION payments.spend_credits(p_environment text, p_subject_type text, p_subject_id text, p_amount bigint, p_reason text, p_idempotency_key text) TO authenticated;


--
-- Name: FUNCTION stripe_id(p_value jsonb); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.stripe_id(p_value jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.stripe_id(p_value jsonb) TO pgpay_writer;


--
-- Name: FUNCTION subject_from_metadata(p_metadata jsonb, OUT subject_type text, OUT subject_id text); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.subject_from_metadata(p_metadata jsonb, OUT subject_type text, OUT subject_id text) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.subject_from_metadata(p_metadata jsonb, OUT subject_type text, OUT subject_id text) TO pgpay_writer;


--
-- Name: FUNCTION subscription_grants_access(p_status text, p_cancel_at_period_end boolean, p_current_period_start timestamp with time zone, p_current_period_end timestamp with time zone, p_at timestamp with time zone); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.subscription_grants_access(p_status text, p_cancel_at_period_end boolean, p_current_period_start timestamp with time zone, p_current_period_end timestamp with time zone, p_at timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.subscription_grants_access(p_status text, p_cancel_at_period_end boolean, p_current_period_start timestamp with time zone, p_current_period_end timestamp with time zone, p_at timestamp with time zone) TO pgpay_writer;


--
-- Name: FUNCTION subscription_status_rank(p_status text); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.subscription_status_rank(p_status text) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.subscription_status_rank(p_status text) TO pgpay_writer;


--
-- Name: FUNCTION sync_payment_credits(p_payment payments.payment_history); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.sync_payment_credits(p_payment payments.payment_history) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.sync_payment_credits(p_payment payments.payment_history) TO pgpay_writer;


--
-- Name: FUNCTION tg_any__set_updated_at(); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.tg_any__set_updated_at() FROM PUBLIC;
GRANT ALL ON FUNCTION payments.tg_any__set_updated_at() TO pgpay_writer;


--
-- Name: FUNCTION tg_catalog__reproject(); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.tg_catalog__reproject() FROM PUBLIC;
GRANT ALL ON FUNCTION payments.tg_catalog__reproject() TO pgpay_writer;


--
-- Name: FUNCTION tg_checkout_sessions__reproject_payment(); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.tg_checkout_sessions__reproject_payment() FROM PUBLIC;
GRANT ALL ON FUNCTION payments.tg_checkout_sessions__reproject_payment() TO pgpay_writer;


--
-- Name: FUNCTION tg_credit_ledger__append_only(); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.tg_credit_ledger__append_only() FROM PUBLIC;
GRANT ALL ON FUNCTION payments.tg_credit_ledger__append_only() TO pgpay_writer;


--
-- Name: FUNCTION tg_credit_ledger__total(); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.tg_credit_ledger__total() FROM PUBLIC;
GRANT ALL ON FUNCTION payments.tg_credit_ledger__total() TO pgpay_writer;


--
-- Name: FUNCTION tg_credit_ledger__truncate_totals(); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.tg_credit_ledger__truncate_totals() FROM PUBLIC;
GRANT ALL ON FUNCTION payments.tg_credit_ledger__truncate_totals() TO pgpay_writer;


--
-- Name: FUNCTION tg_orders__catch_up(); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.tg_orders__catch_up() FROM PUBLIC;
GRANT ALL ON FUNCTION payments.tg_orders__catch_up() TO pgpay_writer;


--
-- Name: FUNCTION tg_payment_history__project_fulfilment(); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.tg_payment_history__project_fulfilment() FROM PUBLIC;
GRANT ALL ON FUNCTION payments.tg_payment_history__project_fulfilment() TO pgpay_writer;


--
-- Name: FUNCTION tg_subscriptions__project_fulfilment(); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.tg_subscriptions__project_fulfilment() FROM PUBLIC;
GRANT ALL ON FUNCTION payments.tg_subscriptions__project_fulfilment() TO pgpay_writer;


--
-- Name: FUNCTION to_timestamptz(p_epoch jsonb); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.to_timestamptz(p_epoch jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.to_timestamptz(p_epoch jsonb) TO pgpay_writer;


--
-- Name: FUNCTION try_uuid(p_value text); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.try_uuid(p_value text) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.try_uuid(p_value text) TO pgpay_writer;


--
-- Name: FUNCTION upsert_child_payment(p_environment text, p_type text, p_object jsonb, p_status text, p_event_at timestamp with time zone, p_description text, p_failure_message text); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.upsert_child_payment(p_environment text, p_type text, p_object jsonb, p_status text, p_event_at timestamp with time zone, p_description text, p_failure_message text) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.upsert_child_payment(p_environment text, p_type text, p_object jsonb, p_status text, p_event_at timestamp with time zone, p_description text, p_failure_message text) TO pgpay_writer;


--
-- Name: FUNCTION upsert_payment_history(p_environment text, p_type text, p_key text, p_status text, p_event_at timestamp with time zone, p_object_type text, p_object jsonb, p_payment_intent text, p_charge text, p_invoice text, p_subscription text, p_checkout_session text, p_customer text, p_amount bigint, p_amount_refunded bigint, p_currency text, p_description text, p_failure_message text, p_metadata jsonb, p_subject_type text, p_subject_id text); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.upsert_payment_history(p_environment text, p_type text, p_key text, p_status text, p_event_at timestamp with time zone, p_object_type text, p_object jsonb, p_payment_intent text, p_charge text, p_invoice text, p_subscription text, p_checkout_session text, p_customer text, p_amount bigint, p_amount_refunded bigint, p_currency text, p_description text, p_failure_message text, p_metadata jsonb, p_subject_type text, p_subject_id text) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.upsert_payment_history(p_environment text, p_type text, p_key text, p_status text, p_event_at timestamp with time zone, p_object_type text, p_object jsonb, p_payment_intent text, p_charge text, p_invoice text, p_subscription text, p_checkout_session text, p_customer text, p_amount bigint, p_amount_refunded bigint, p_currency text, p_description text, p_failure_message text, p_metadata jsonb, p_subject_type text, p_subject_id text) TO pgpay_writer;


--
-- Name: TABLE checkout_sessions; Type: ACL; Schema: payments; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE payments.checkout_sessions TO pgpay_writer;
GRANT SELECT ON TABLE payments.checkout_sessions TO authenticated;


--
-- Name: COLUMN checkout_sessions.id; Type: ACL; Schema: payments; Owner: -
--

GRANT INSERT(id) ON TABLE payments.checkout_sessions TO anon;
GRANT INSERT(id) ON TABLE payments.checkout_sessions TO authenticated;


--
-- Name: COLUMN checkout_sessions.environment; Type: ACL; Schema: payments; Owner: -
--

GRANT INSERT(environment) ON TABLE payments.checkout_sessions TO anon;
GRANT INSERT(environment) ON TABLE payments.checkout_sessions TO authenticated;


--
-- Name: COLUMN checkout_sessions.mode; Type: ACL; Schema: payments; Owner: -
--

GRANT INSERT(mode) ON TABLE payments.checkout_sessions TO anon;
GRANT INSERT(mode) ON TABLE payments.checkout_sessions TO authenticated;


--
-- Name: COLUMN checkout_sessions.subject_type; Type: ACL; Schema: payments; Owner: -
--

GRANT INSERT(subject_type) ON TABLE payments.checkout_sessions TO authenticated;


--
-- Name: COLUMN checkout_sessions.subject_id; Type: ACL; Schema: payments; Owner: -
--

GRANT INSERT(subject_id) ON TABLE payments.checkout_sessions TO authenticated;


--
-- Name: COLUMN checkout_sessions.created_by; Type: ACL; Schema: payments; Owner: -
--

GRANT INSERT(created_by) ON TABLE payments.checkout_sessions TO authenticated;


--
-- Name: COLUMN checkout_sessions.customer_email; Type: ACL; Schema: payments; Owner: -
--

GRANT INSERT(customer_email) ON TABLE payments.checkout_sessions TO anon;
GRANT INSERT(customer_email) ON TABLE payments.checkout_sessions TO authenticated;


--
-- Name: COLUMN checkout_sessions.order_id; Type: ACL; Schema: payments; Owner: -
--

GRANT INSERT(order_id) ON TABLE payments.checkout_sessions TO anon;
GRANT INSERT(order_id) ON TABLE payments.checkout_sessions TO authenticated;


--
-- Name: COLUMN checkout_sessions.line_items; Type: ACL; Schema: payments; Owner: -
--

GRANT INSERT(line_items) ON TABLE payments.checkout_sessions TO anon;
GRANT INSERT(line_items) ON TABLE payments.checkout_sessions TO authenticated;


--
-- Name: COLUMN checkout_sessions.success_url; Type: ACL; Schema: payments; Owner: -
--

GRANT INSERT(success_url) ON TABLE payments.checkout_sessions TO anon;
GRANT INSERT(success_url) ON TABLE payments.checkout_sessions TO authenticated;


--
-- Name: COLUMN checkout_sessions.cancel_url; Type: ACL; Schema: payments; Owner: -
--

GRANT INSERT(cancel_url) ON TABLE payments.checkout_sessions TO anon;
GRANT INSERT(cancel_url) ON TABLE payments.checkout_sessions TO authenticated;


--
-- Name: COLUMN checkout_sessions.metadata; Type: ACL; Schema: payments; Owner: -
--

GRANT INSERT(metadata) ON TABLE payments.checkout_sessions TO anon;
GRANT INSERT(metadata) ON TABLE payments.checkout_sessions TO authenticated;


--
-- Name: COLUMN checkout_sessions.idempotency_key; Type: ACL; Schema: payments; Owner: -
--

GRANT INSERT(idempotency_key) ON TABLE payments.checkout_sessions TO anon;
GRANT INSERT(idempotency_key) ON TABLE payments.checkout_sessions TO authenticated;


--
-- Name: COLUMN checkout_sessions.request_hash; Type: ACL; Schema: payments; Owner: -
--

GRANT INSERT(request_hash) ON TABLE payments.checkout_sessions TO anon;
GRANT INSERT(request_hash) ON TABLE payments.checkout_sessions TO authenticated;


--
-- Name: TABLE connections; Type: ACL; Schema: payments; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE payments.connections TO pgpay_writer;


--
-- Name: TABLE credit_totals; Type: ACL; Schema: payments; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE payments.credit_totals TO pgpay_writer;


--
-- Name: TABLE customer_portal_sessions; Type: ACL; Schema: payments; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE payments.customer_portal_sessions TO pgpay_writer;
GRANT SELECT ON TABLE payments.customer_portal_sessions TO authenticated;


--
-- Name: COLUMN customer_portal_sessions.id; Type: ACL; Schema: payments; Owner: -
--

GRANT INSERT(id) ON TABLE payments.customer_portal_sessions TO authenticated;


--
-- Name: COLUMN customer_portal_sessions.environment; Type: ACL; Schema: payments; Owner: -
--

GRANT INSERT(environment) ON TABLE payments.customer_portal_sessions TO authenticated;


--
-- Name: COLUMN customer_portal_sessions.subject_type; Type: ACL; Schema: payments; Owner: -
--

GRANT INSERT(subject_type) ON TABLE payments.customer_portal_sessions TO authenticated;


--
-- Name: COLUMN customer_portal_sessions.subject_id; Type: ACL; Schema: payments; Owner: -
--

GRANT INSERT(subject_id) ON TABLE payments.customer_portal_sessions TO authenticated;


--
-- Name: COLUMN customer_portal_sessions.created_by; Type: ACL; Schema: payments; Owner: -
--

GRANT INSERT(created_by) ON TABLE payments.customer_portal_sessions TO authenticated;


--
-- Name: COLUMN customer_portal_sessions.return_url; Type: ACL; Schema: payments; Owner: -
--

GRANT INSERT(return_url) ON TABLE payments.customer_portal_sessions TO authenticated;


--
-- Name: TABLE customers; Type: ACL; Schema: payments; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE payments.customers TO pgpay_writer;


--
-- Name: TABLE memberships; Type: ACL; Schema: payments; Owner: -
--

GRANT SELECT ON TABLE payments.memberships TO pgpay_writer;
GRANT SELECT ON TABLE payments.memberships TO authenticated;


--
-- Name: TABLE prices; Type: ACL; Schema: payments; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE payments.prices TO pgpay_writer;
GRANT SELECT ON TABLE payments.prices TO anon;
GRANT SELECT ON TABLE payments.prices TO authenticated;


--
-- Name: TABLE products; Type: ACL; Schema: payments; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE payments.products TO pgpay_writer;
GRANT SELECT ON TABLE payments.products TO anon;
GRANT SELECT ON TABLE payments.products TO authenticated;


--
-- Name: TABLE settings; Type: ACL; Schema: payments; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE payments.settings TO pgpay_writer;


--
-- Name: TABLE stripe_customer_mappings; Type: ACL; Schema: payments; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE payments.stripe_customer_mappings TO pgpay_writer;


--
-- Name: TABLE subject_types; Type: ACL; Schema: payments; Owner: -
--

GRANT SELECT ON TABLE payments.subject_types TO pgpay_writer;
GRANT SELECT ON TABLE payments.subject_types TO anon;
GRANT SELECT ON TABLE payments.subject_types TO authenticated;


--
-- Name: TABLE subscription_items; Type: ACL; Schema: payments; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE payments.subscription_items TO pgpay_writer;


--
-- Name: TABLE subscriptions; Type: ACL; Schema: payments; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE payments.subscriptions TO pgpay_writer;


--
-- Name: TABLE webhook_events; Type: ACL; Schema: payments; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE payments.webhook_events TO pgpay_writer;


--
-- Name: TABLE credit_balances; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.credit_balances TO authenticated;


--
-- Name: TABLE orders; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.orders TO pgpay_writer;
GRANT SELECT ON TABLE public.orders TO authenticated;


--
-- Name: TABLE team_billing_status; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.team_billing_status TO pgpay_writer;
GRANT SELECT ON TABLE public.team_billing_status TO authenticated;


--
-- Name: TABLE user_entitlements; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.user_entitlements TO pgpay_writer;
GRANT SELECT ON TABLE public.user_entitlements TO authenticated;


--
-- PostgreSQL database dump complete
--
