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
	CONSTRAINT "subject_id must be 1-255 of [A-Za-z0-9_.:@|-], alnum first" CHECK ((VALUE ~ '^[A-Za-z0-9][A-Za-z0-9_.:@|-]{0,254}$'::text));


--
-- Name: absorb_stray_payment(text, text, text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.absorb_stray_payment(p_environment text, p_invoice_id text, p_payment_intent text) RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_stray payments.payment_history;
BEGIN
    IF p_payment_intent IS NULL THEN
        RETURN;
    END IF;
    -- A payment intent first seen on its own (new API shape: no invoice on it) was taken for a
    -- one-time payment: fold what it learnt into the invoice row and drop it.
    DELETE FROM payments.payment_history AS h
    WHERE h.environment = p_environment AND h.type = 'one_time_payment'
        AND h.stripe_payment_intent_id = p_payment_intent AND h.stripe_checkout_session_id IS NULL
    RETURNING * INTO v_stray;
    IF v_stray.id IS NULL THEN
        RETURN;
    END IF;
    IF v_stray.raw ? 'charge' THEN
        PERFORM payments.upsert_payment_history(
            p_environment, 'subscription_invoice', p_invoice_id,
            CASE WHEN v_stray.status IN ('partially_refunded', 'refunded') THEN 'succeeded' ELSE v_stray.status END,
            pg_catalog.to_timestamp((v_stray.raw -> '_seen' ->> 'charge')::double precision),
            'charge', v_stray.raw -> 'charge', p_payment_intent => p_payment_intent
        );
    END IF;
    IF v_stray.raw ? '_failure' THEN
        PERFORM payments.upsert_payment_history(
            p_environment, 'subscription_invoice', p_invoice_id, 'failed',
            pg_catalog.to_timestamp((v_stray.raw -> '_failure' ->> 'at')::double precision), NULL, NULL,
            p_failure_message => v_stray.raw -> '_failure' ->> 'message'
        );
    END IF;
END
$$;


--
-- Name: FUNCTION absorb_stray_payment(p_environment text, p_invoice_id text, p_payment_intent text); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.absorb_stray_payment(p_environment text, p_invoice_id text, p_payment_intent text) IS 'Folds a one_time_payment row recorded for an intent that turned out to pay an invoice into the
invoice''s row (its charge snapshot, status and failure), then removes it.';


--
-- Name: apply_charge(text, jsonb, timestamp with time zone, text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.apply_charge(p_environment text, p_charge jsonb, p_event_at timestamp with time zone, p_event_type text) RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_pi text := payments.stripe_id(p_charge -> 'payment_intent');
    v_invoice text := payments.stripe_id(p_charge -> 'invoice');
    v_customer text := payments.stripe_id(p_charge -> 'customer');
    v_existing payments.payment_history;
    v_subject record;
    v_status text;
    v_type text;
    v_key text;
    v_refund jsonb;
BEGIN
    v_status := CASE
        WHEN p_event_type = 'charge.failed' OR p_charge ->> 'status' = 'failed' THEN 'failed'
        WHEN p_charge ->> 'status' = 'succeeded' OR p_event_type IN ('charge.succeeded', 'charge.refunded')
            THEN 'succeeded'
        ELSE 'pending'
    END;
    SELECT * INTO v_subject FROM payments.resolve_subject(p_environment, p_charge -> 'metadata', v_customer);
    v_existing := payments.invoice_payment_for_intent(p_environment, v_pi);
    -- An invoice's charge goes to the invoice's row, any other to its intent's one-time payment.
    IF v_invoice IS NOT NULL OR v_existing.id IS NOT NULL THEN
        v_type := 'subscription_invoice';
        v_key := coalesce(v_invoice, v_existing.stripe_invoice_id);
    ELSE
        v_type := 'one_time_payment';
        v_key := v_pi;
    END IF;
    PERFORM payments.upsert_payment_history(
        p_environment, v_type, v_key, v_status, p_event_at, 'charge', p_charge,
        p_payment_intent => v_pi, p_charge => p_charge ->> 'id', p_customer => v_customer,
        p_amount => (p_charge ->> 'amount')::bigint,
        p_currency => p_charge ->> 'currency', p_failure_message => p_charge ->> 'failure_message',
        p_metadata => CASE
            WHEN v_type = 'one_time_payment' THEN coalesce(p_charge -> 'metadata', '{}'::jsonb)
            ELSE '{}'::jsonb
        END,
        p_subject_type => v_subject.subject_type, p_subject_id => v_subject.subject_id
    );
    -- Older API versions embed the refunds in charge.refunded.
    FOR v_refund IN SELECT r FROM jsonb_array_elements(coalesce(p_charge -> 'refunds' -> 'data', '[]')) AS r LOOP
        PERFORM payments.apply_refund(p_environment, v_refund, p_event_at);
    END LOOP;
END
$$;


--
-- Name: FUNCTION apply_charge(p_environment text, p_charge jsonb, p_event_at timestamp with time zone, p_event_type text); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.apply_charge(p_environment text, p_charge jsonb, p_event_at timestamp with time zone, p_event_type text) IS 'Applies a charge to its payment row (one-time or invoice): success, failure, refunded amount.';


--
-- Name: apply_checkout_session(text, jsonb, timestamp with time zone, text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.apply_checkout_session(p_environment text, p_session jsonb, p_event_at timestamp with time zone, p_event_type text) RETURNS void
    LANGUAGE plpgsql
    AS $_$
DECLARE
    v_id text := p_session ->> 'id';
    v_local text := p_session -> 'metadata' ->> 'pgpay_checkout_session_id';
    v_customer text := payments.stripe_id(p_session -> 'customer');
    v_pi text := payments.stripe_id(p_session -> 'payment_intent');
    v_subscription text := payments.stripe_id(p_session -> 'subscription');
    v_status text := CASE p_session ->> 'status' WHEN 'complete' THEN 'complete' WHEN 'expired' THEN 'expired'
        ELSE 'open' END;
    v_payment_status text := CASE
        WHEN p_event_type = 'checkout.session.async_payment_succeeded' THEN 'paid'
        ELSE p_session ->> 'payment_status'
    END;
    v_subject record;
    v_payment text;
BEGIN
    IF p_event_type = 'checkout.session.expired' THEN
        v_status := 'expired';
    ELSIF p_event_type <> 'checkout.session.expired' AND v_status = 'open' THEN
        v_status := 'complete';
    END IF;
    SELECT * INTO v_subject FROM payments.resolve_subject(p_environment, p_session -> 'metadata', v_customer);

    -- A session pgpay created carries the local row id: attach the Stripe id if it was never stored.
    IF v_local ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
        UPDATE payments.checkout_sessions AS cs SET stripe_checkout_session_id = v_id
        WHERE cs.id = v_local::uuid AND cs.environment = p_environment
            AND cs.stripe_checkout_session_id IS NULL
            AND NOT EXISTS (
                SELECT FROM payments.checkout_sessions AS o
                WHERE o.environment = p_environment AND o.stripe_checkout_session_id = v_id
            );
    END IF;

    INSERT INTO payments.checkout_sessions AS cs (
        environment, stripe_checkout_session_id, mode, status, payment_status, subject_type,
        subject_id, customer_email, stripe_customer_id, stripe_payment_intent_id,
        stripe_subscription_id, success_url, cancel_url, metadata, amount_total, currency,
        expires_at, completed_at, last_event_at, raw
    ) VALUES (
        p_environment, v_id, coalesce(p_session ->> 'mode', 'payment'), v_status, v_payment_status,
        v_subject.subject_type, v_subject.subject_id,
        coalesce(p_session -> 'customer_details' ->> 'email', p_session ->> 'customer_email'),
        v_customer, v_pi, v_subscription, p_session ->> 'success_url', p_session ->> 'cancel_url',
        coalesce(p_session -> 'metadata', '{}'::jsonb), (p_session ->> 'amount_total')::bigint,
        lower(p_session ->> 'currency'), payments.to_timestamptz(p_session -> 'expires_at'),
        CASE WHEN v_status = 'complete' THEN p_event_at END, p_event_at, p_session
    )
    ON CONFLICT (environment, stripe_checkout_session_id) DO UPDATE SET
        status = CASE
            WHEN cs.status = 'complete' OR excluded.status = 'complete' THEN 'complete'
            WHEN cs.status = 'expired' OR excluded.status = 'expired' THEN 'expired'
            ELSE excluded.status
        END,
        payment_status = CASE
            WHEN cs.payment_status IN ('paid', 'no_payment_required') THEN cs.payment_status
            ELSE coalesce(excluded.payment_status, cs.payment_status)
        END,
        subject_type = coalesce(cs.subject_type, excluded.subject_type),
        subject_id = CASE WHEN cs.subject_type IS NULL THEN excluded.subject_id ELSE cs.subject_id END,
        customer_email = coalesce(cs.customer_email, excluded.customer_email),
        stripe_customer_id = coalesce(cs.stripe_customer_id, excluded.stripe_customer_id),
        stripe_payment_intent_id = coalesce(cs.stripe_payment_intent_id, excluded.stripe_payment_intent_id),
        stripe_subscription_id = coalesce(cs.stripe_subscription_id, excluded.stripe_subscription_id),
        amount_total = coalesce(excluded.amount_total, cs.amount_total),
        currency = coalesce(cs.currency, excluded.currency),
        expires_at = coalesce(cs.expires_at, excluded.expires_at),
        completed_at = least(cs.completed_at, excluded.completed_at),
        last_event_at = greatest(cs.last_event_at, excluded.last_event_at),
        raw = CASE
            WHEN cs.raw IS NULL OR payments.is_newer(
                excluded.last_event_at, 0, excluded.raw, cs.last_event_at, 0, cs.raw
            ) THEN excluded.raw
            ELSE cs.raw
        END;

    IF v_status = 'complete' THEN
        PERFORM payments.ensure_customer_mapping(
            p_environment, v_subject.subject_type, v_subject.subject_id, v_customer, 'checkout'
        );
    END IF;
    IF v_subscription IS NOT NULL AND v_subject.subject_type IS NOT NULL THEN
        UPDATE payments.subscriptions AS s
        SET subject_type = v_subject.subject_type, subject_id = v_subject.subject_id
        WHERE s.environment = p_environment AND s.stripe_subscription_id = v_subscription
            AND s.subject_type IS NULL;
    END IF;

    IF p_session ->> 'mode' = 'payment' AND v_pi IS NOT NULL AND v_status = 'complete' THEN
        v_payment := CASE
            WHEN p_event_type = 'checkout.session.async_payment_failed' THEN 'failed'
            WHEN v_payment_status IN ('paid', 'no_payment_required') THEN 'succeeded'
            ELSE 'pending'
        END;
        PERFORM payments.upsert_payment_history(
            p_environment, 'one_time_payment', v_pi, v_payment, p_event_at, 'checkout_session', p_session,
            p_checkout_session => v_id, p_customer => v_customer,
            p_amount => (p_session ->> 'amount_total')::bigint, p_currency => p_session ->> 'currency',
            p_metadata => coalesce(p_session -> 'metadata', '{}'::jsonb),
            p_subject_type => v_subject.subject_type, p_subject_id => v_subject.subject_id,
            p_failure_message => CASE WHEN v_payment = 'failed' THEN 'asynchronous payment failed' END
        );
    END IF;
END
$_$;


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
    AS $$
DECLARE
    v_id text := p_customer ->> 'id';
    v_subject record;
BEGIN
    INSERT INTO payments.customers AS c (
        environment, stripe_customer_id, email, name, metadata, deleted, stripe_created,
        last_event_at, raw
    ) VALUES (
        p_environment, v_id, p_customer ->> 'email', p_customer ->> 'name',
        coalesce(p_customer -> 'metadata', '{}'::jsonb),
        p_deleted OR coalesce((p_customer ->> 'deleted')::boolean, FALSE),
        payments.to_timestamptz(p_customer -> 'created'), p_event_at, p_customer
    )
    ON CONFLICT (environment, stripe_customer_id) DO UPDATE SET
        email = coalesce(excluded.email, c.email),
        name = coalesce(excluded.name, c.name),
        metadata = CASE WHEN excluded.deleted THEN c.metadata ELSE excluded.metadata END,
        deleted = excluded.deleted,
        stripe_created = coalesce(c.stripe_created, excluded.stripe_created),
        last_event_at = excluded.last_event_at,
        raw = excluded.raw
    WHERE NOT c.deleted
        AND (
            excluded.deleted
            OR payments.is_newer(excluded.last_event_at, 0, excluded.raw, c.last_event_at, 0, c.raw)
        );

    SELECT * INTO v_subject FROM payments.subject_from_metadata(coalesce(p_customer -> 'metadata', '{}'));
    PERFORM payments.ensure_customer_mapping(
        p_environment, v_subject.subject_type, v_subject.subject_id, v_id, 'metadata'
    );
END
$$;


--
-- Name: FUNCTION apply_customer(p_environment text, p_customer jsonb, p_event_at timestamp with time zone, p_deleted boolean); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.apply_customer(p_environment text, p_customer jsonb, p_event_at timestamp with time zone, p_deleted boolean) IS 'Upserts a Stripe customer snapshot unless a newer one (or the deletion) is already stored.';


--
-- Name: apply_dispute(text, jsonb, timestamp with time zone, text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.apply_dispute(p_environment text, p_dispute jsonb, p_event_at timestamp with time zone, p_event_type text) RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_pi text := payments.stripe_id(p_dispute -> 'payment_intent');
    v_charge text := payments.stripe_id(p_dispute -> 'charge');
    v_parent payments.payment_history;
    v_status text := CASE
        WHEN p_dispute ->> 'status' IN ('won', 'warning_closed') THEN 'won'
        WHEN p_dispute ->> 'status' = 'lost' THEN 'lost'
        WHEN p_event_type = 'charge.dispute.funds_reinstated' THEN 'won'
        ELSE 'disputed'
    END;
BEGIN
    v_parent := payments.parent_payment(p_environment, v_pi, v_charge);
    PERFORM payments.upsert_payment_history(
        p_environment, 'dispute', p_dispute ->> 'id', v_status, p_event_at, 'dispute', p_dispute,
        p_payment_intent => coalesce(v_pi, v_parent.stripe_payment_intent_id), p_charge => v_charge,
        p_invoice => v_parent.stripe_invoice_id, p_subscription => v_parent.stripe_subscription_id,
        p_checkout_session => v_parent.stripe_checkout_session_id,
        p_customer => v_parent.stripe_customer_id,
        p_amount => (p_dispute ->> 'amount')::bigint, p_currency => p_dispute ->> 'currency',
        p_description => p_dispute ->> 'reason',
        p_metadata => coalesce(p_dispute -> 'metadata', '{}'::jsonb),
        p_subject_type => v_parent.subject_type, p_subject_id => v_parent.subject_id
    );
END
$$;


--
-- Name: FUNCTION apply_dispute(p_environment text, p_dispute jsonb, p_event_at timestamp with time zone, p_event_type text); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.apply_dispute(p_environment text, p_dispute jsonb, p_event_at timestamp with time zone, p_event_type text) IS 'Records a dispute row: disputed while open, then won or lost (final).';


--
-- Name: apply_invoice(text, jsonb, timestamp with time zone, text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.apply_invoice(p_environment text, p_invoice jsonb, p_event_at timestamp with time zone, p_event_type text) RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_id text := p_invoice ->> 'id';
    v_customer text := payments.stripe_id(p_invoice -> 'customer');
    v_details jsonb := p_invoice -> 'parent' -> 'subscription_details';
    v_subscription text := coalesce(
        payments.stripe_id(p_invoice -> 'subscription'), payments.stripe_id(v_details -> 'subscription')
    );
    v_metadata jsonb := coalesce(v_details -> 'metadata', p_invoice -> 'subscription_details' -> 'metadata', '{}')
        || coalesce(p_invoice -> 'metadata', '{}'::jsonb);
    v_payment jsonb;
    v_pi text;
    v_charge text;
    v_subject record;
    v_event_status text;
    v_object_status text;
BEGIN
    IF v_subscription IS NULL THEN
        RETURN;
    END IF;
    SELECT p INTO v_payment
    FROM jsonb_array_elements(coalesce(p_invoice -> 'payments' -> 'data', '[]')) AS p
    WHERE p -> 'payment' ->> 'type' = 'payment_intent'
    ORDER BY p ->> 'status' = 'paid' DESC, (p ->> 'is_default')::boolean DESC NULLS LAST
    LIMIT 1;
    v_pi := coalesce(
        payments.stripe_id(p_invoice -> 'payment_intent'),
        payments.stripe_id(v_payment -> 'payment' -> 'payment_intent')
    );
    IF v_pi IS NULL THEN
        -- Webhooks do not expand invoice.payments: an invoice_payment.paid event may have said it.
        SELECT w.payload -> 'data' -> 'object' INTO v_payment
        FROM payments.webhook_events AS w
        WHERE w.environment = p_environment AND w.type LIKE 'invoice_payment.%'
            AND w.payload -> 'data' -> 'object' ->> 'invoice' = v_id
            AND w.payload -> 'data' -> 'object' -> 'payment' ->> 'type' = 'payment_intent'
        ORDER BY w.payload -> 'data' -> 'object' ->> 'status' = 'paid' DESC, w.stripe_created DESC, w.id
        LIMIT 1;
        v_pi := payments.stripe_id(v_payment -> 'payment' -> 'payment_intent');
    END IF;
    v_charge := coalesce(payments.stripe_id(p_invoice -> 'charge'), payments.stripe_id(v_payment -> 'payment' -> 'charge'));
    v_event_status := CASE p_event_type
        WHEN 'invoice.paid' THEN 'succeeded'
        WHEN 'invoice.payment_succeeded' THEN 'succeeded'
        WHEN 'invoice.payment_failed' THEN 'failed'
        WHEN 'invoice.payment_action_required' THEN 'requires_action'
        WHEN 'invoice.voided' THEN 'void'
        WHEN 'invoice.marked_uncollectible' THEN 'uncollectible'
        ELSE 'pending'
    END;
    v_object_status := CASE p_invoice ->> 'status'
        WHEN 'paid' THEN 'succeeded' WHEN 'void' THEN 'void' WHEN 'uncollectible' THEN 'uncollectible'
        ELSE 'pending'
    END;
    IF payments.payment_status_rank('subscription_invoice', v_object_status)
        > payments.payment_status_rank('subscription_invoice', v_event_status) THEN
        v_event_status := v_object_status;
    END IF;

    SELECT * INTO v_subject FROM payments.resolve_subject(p_environment, v_metadata, v_customer);
    IF v_subject.subject_type IS NULL THEN
        SELECT s.subject_type, s.subject_id::text INTO v_subject
        FROM payments.subscriptions AS s
        WHERE s.environment = p_environment AND s.stripe_subscription_id = v_subscription;
    END IF;

    PERFORM payments.upsert_payment_history(
        p_environment, 'subscription_invoice', v_id, v_event_status, p_event_at, 'invoice', p_invoice,
        p_payment_intent => v_pi, p_charge => v_charge,
        p_subscription => v_subscription, p_customer => v_customer,
        p_amount => (p_invoice ->> 'amount_due')::bigint,
        p_currency => p_invoice ->> 'currency',
        p_description => p_invoice ->> 'billing_reason',
        p_failure_message => p_invoice -> 'last_finalization_error' ->> 'message',
        p_metadata => v_metadata,
        p_subject_type => v_subject.subject_type, p_subject_id => v_subject.subject_id
    );
    PERFORM payments.absorb_stray_payment(p_environment, v_id, v_pi);
END
$$;


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
    AS $$
DECLARE
    v_invoice text := payments.stripe_id(p_invoice_payment -> 'invoice');
    v_pi text := payments.stripe_id(p_invoice_payment -> 'payment' -> 'payment_intent');
BEGIN
    IF v_pi IS NULL OR NOT EXISTS (
        SELECT FROM payments.payment_history AS h
        WHERE h.environment = p_environment AND h.type = 'subscription_invoice'
            AND h.stripe_invoice_id = v_invoice
    ) THEN
        -- The invoice is not known yet: apply_invoice finds this event in the ledger when it comes.
        RETURN;
    END IF;
    PERFORM payments.upsert_payment_history(
        p_environment, 'subscription_invoice', v_invoice, NULL, p_event_at, NULL, NULL,
        p_payment_intent => v_pi,
        p_charge => payments.stripe_id(p_invoice_payment -> 'payment' -> 'charge')
    );
    PERFORM payments.absorb_stray_payment(p_environment, v_invoice, v_pi);
END
$$;


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
    AS $$
DECLARE
    v_id text := p_intent ->> 'id';
    v_customer text := payments.stripe_id(p_intent -> 'customer');
    v_subject record;
    v_status text;
BEGIN
    -- Invoice payments belong to the invoice's row (old API: PaymentIntent.invoice; new API: the
    -- invoice lists the intent under payments, and may arrive first).
    IF payments.stripe_id(p_intent -> 'invoice') IS NOT NULL
        OR (payments.invoice_payment_for_intent(p_environment, v_id)).id IS NOT NULL THEN
        RETURN;
    END IF;
    v_status := CASE
        WHEN p_event_type = 'payment_intent.succeeded' OR p_intent ->> 'status' = 'succeeded' THEN 'succeeded'
        WHEN p_event_type = 'payment_intent.payment_failed' THEN 'failed'
        WHEN p_event_type = 'payment_intent.canceled' OR p_intent ->> 'status' = 'canceled' THEN 'canceled'
        WHEN p_intent ->> 'status' = 'requires_action' THEN 'requires_action'
        ELSE 'pending'
    END;
    SELECT * INTO v_subject FROM payments.resolve_subject(p_environment, p_intent -> 'metadata', v_customer);
    PERFORM payments.ensure_customer_mapping(
        p_environment, v_subject.subject_type, v_subject.subject_id, v_customer, 'metadata'
    );
    PERFORM payments.upsert_payment_history(
        p_environment, 'one_time_payment', v_id, v_status, p_event_at, 'payment_intent', p_intent,
        p_charge => payments.stripe_id(p_intent -> 'latest_charge'), p_customer => v_customer,
        p_amount => (p_intent ->> 'amount')::bigint, p_currency => p_intent ->> 'currency',
        p_description => p_intent ->> 'description',
        p_failure_message => p_intent -> 'last_payment_error' ->> 'message',
        p_metadata => coalesce(p_intent -> 'metadata', '{}'::jsonb),
        p_subject_type => v_subject.subject_type, p_subject_id => v_subject.subject_id
    );
END
$$;


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
    AS $$
DECLARE
    v_order public.orders;
    v_target text := payments.order_status_for_payment(p_payment);
    v_disputed_at timestamptz;
BEGIN
    SELECT * INTO v_order FROM public.orders AS o
    WHERE o.id = p_order_id AND o.environment = p_payment.environment;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    -- An order that states its price is paid only by a payment of at least that amount in that
    -- currency (a cheaper checkout must not pay for a dearer order).
    IF v_target IN ('paid', 'refunded', 'disputed')
        AND (
            (v_order.amount IS NOT NULL AND p_payment.amount < v_order.amount)
            OR (v_order.currency IS NOT NULL AND p_payment.currency IS DISTINCT FROM v_order.currency)
        ) THEN
        RETURN;
    END IF;
    SELECT min(d.stripe_created) INTO v_disputed_at FROM payments.payment_history AS d
    WHERE d.environment = p_payment.environment AND d.type = 'dispute'
        AND d.stripe_payment_intent_id = p_payment.stripe_payment_intent_id;
    UPDATE public.orders AS o SET
        status = CASE WHEN o.status = 'fulfilled' THEN o.status ELSE v_target END,
        amount = coalesce(o.amount, nullif(p_payment.amount, 0)),
        currency = coalesce(o.currency, p_payment.currency),
        amount_refunded = coalesce(p_payment.amount_refunded, 0),
        stripe_checkout_session_id = coalesce(o.stripe_checkout_session_id, p_payment.stripe_checkout_session_id),
        stripe_payment_intent_id = coalesce(o.stripe_payment_intent_id, p_payment.stripe_payment_intent_id),
        subject_type = coalesce(o.subject_type, p_payment.subject_type),
        subject_id = CASE WHEN o.subject_type IS NULL THEN p_payment.subject_id ELSE o.subject_id END,
        paid_at = CASE
            WHEN v_target IN ('paid', 'refunded', 'disputed') THEN coalesce(o.paid_at, now())
            ELSE o.paid_at
        END,
        failed_at = CASE WHEN v_target = 'failed' THEN coalesce(o.failed_at, now()) ELSE o.failed_at END,
        refunded_at = CASE
            WHEN p_payment.amount_refunded > 0 THEN coalesce(o.refunded_at, now())
            ELSE o.refunded_at
        END,
        disputed_at = coalesce(v_disputed_at, o.disputed_at)
    WHERE o.id = p_order_id;
END
$$;


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
    AS $$
BEGIN
    INSERT INTO payments.prices AS p (
        environment, stripe_price_id, stripe_product_id, active, deleted, currency, unit_amount,
        type, recurring_interval, recurring_interval_count, lookup_key, nickname, metadata,
        stripe_created, last_event_at, raw
    ) VALUES (
        p_environment, p_price ->> 'id', payments.stripe_id(p_price -> 'product'),
        coalesce((p_price ->> 'active')::boolean, TRUE) AND NOT p_deleted, p_deleted,
        lower(p_price ->> 'currency'), (p_price ->> 'unit_amount')::bigint, p_price ->> 'type',
        p_price -> 'recurring' ->> 'interval', (p_price -> 'recurring' ->> 'interval_count')::integer,
        p_price ->> 'lookup_key', p_price ->> 'nickname', coalesce(p_price -> 'metadata', '{}'::jsonb),
        payments.to_timestamptz(p_price -> 'created'), p_event_at, p_price
    )
    ON CONFLICT (environment, stripe_price_id) DO UPDATE SET
        stripe_product_id = coalesce(excluded.stripe_product_id, p.stripe_product_id),
        active = excluded.active,
        deleted = excluded.deleted,
        currency = coalesce(excluded.currency, p.currency),
        unit_amount = coalesce(excluded.unit_amount, p.unit_amount),
        type = coalesce(excluded.type, p.type),
        recurring_interval = coalesce(excluded.recurring_interval, p.recurring_interval),
        recurring_interval_count = coalesce(excluded.recurring_interval_count, p.recurring_interval_count),
        lookup_key = CASE WHEN excluded.deleted THEN p.lookup_key ELSE excluded.lookup_key END,
        nickname = CASE WHEN excluded.deleted THEN p.nickname ELSE excluded.nickname END,
        metadata = CASE WHEN excluded.deleted THEN p.metadata ELSE excluded.metadata END,
        stripe_created = coalesce(p.stripe_created, excluded.stripe_created),
        last_event_at = excluded.last_event_at,
        raw = excluded.raw
    WHERE NOT p.deleted
        AND (
            excluded.deleted
            OR payments.is_newer(excluded.last_event_at, 0, excluded.raw, p.last_event_at, 0, p.raw)
        );
END
$$;


--
-- Name: FUNCTION apply_price(p_environment text, p_price jsonb, p_event_at timestamp with time zone, p_deleted boolean); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.apply_price(p_environment text, p_price jsonb, p_event_at timestamp with time zone, p_deleted boolean) IS 'Upserts a Stripe price snapshot unless a newer one (or the deletion) is already stored.';


--
-- Name: apply_product(text, jsonb, timestamp with time zone, boolean); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.apply_product(p_environment text, p_product jsonb, p_event_at timestamp with time zone, p_deleted boolean) RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    INSERT INTO payments.products AS p (
        environment, stripe_product_id, name, description, active, deleted, default_price,
        metadata, stripe_created, last_event_at, raw
    ) VALUES (
        p_environment, p_product ->> 'id', p_product ->> 'name', p_product ->> 'description',
        coalesce((p_product ->> 'active')::boolean, TRUE) AND NOT p_deleted, p_deleted,
        payments.stripe_id(p_product -> 'default_price'),
        coalesce(p_product -> 'metadata', '{}'::jsonb),
        payments.to_timestamptz(p_product -> 'created'), p_event_at, p_product
    )
    ON CONFLICT (environment, stripe_product_id) DO UPDATE SET
        name = coalesce(excluded.name, p.name),
        description = CASE WHEN excluded.deleted THEN p.description ELSE excluded.description END,
        active = excluded.active,
        deleted = excluded.deleted,
        default_price = CASE WHEN excluded.deleted THEN p.default_price ELSE excluded.default_price END,
        metadata = CASE WHEN excluded.deleted THEN p.metadata ELSE excluded.metadata END,
        stripe_created = coalesce(p.stripe_created, excluded.stripe_created),
        last_event_at = excluded.last_event_at,
        raw = excluded.raw
    WHERE NOT p.deleted
        AND (
            excluded.deleted
            OR payments.is_newer(excluded.last_event_at, 0, excluded.raw, p.last_event_at, 0, p.raw)
        );
END
$$;


--
-- Name: FUNCTION apply_product(p_environment text, p_product jsonb, p_event_at timestamp with time zone, p_deleted boolean); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.apply_product(p_environment text, p_product jsonb, p_event_at timestamp with time zone, p_deleted boolean) IS 'Upserts a Stripe product snapshot unless a newer one (or the deletion) is already stored.';


--
-- Name: apply_refund(text, jsonb, timestamp with time zone); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.apply_refund(p_environment text, p_refund jsonb, p_event_at timestamp with time zone) RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_pi text := payments.stripe_id(p_refund -> 'payment_intent');
    v_charge text := payments.stripe_id(p_refund -> 'charge');
    v_parent payments.payment_history;
    v_status text := CASE p_refund ->> 'status'
        WHEN 'succeeded' THEN 'succeeded' WHEN 'failed' THEN 'failed' WHEN 'canceled' THEN 'canceled'
        WHEN 'requires_action' THEN 'requires_action' ELSE 'pending'
    END;
BEGIN
    v_parent := payments.parent_payment(p_environment, v_pi, v_charge);
    PERFORM payments.upsert_payment_history(
        p_environment, 'refund', p_refund ->> 'id', v_status, p_event_at, 'refund', p_refund,
        p_payment_intent => coalesce(v_pi, v_parent.stripe_payment_intent_id), p_charge => v_charge,
        p_invoice => v_parent.stripe_invoice_id, p_subscription => v_parent.stripe_subscription_id,
        p_checkout_session => v_parent.stripe_checkout_session_id,
        p_customer => v_parent.stripe_customer_id,
        p_amount => (p_refund ->> 'amount')::bigint, p_currency => p_refund ->> 'currency',
        p_failure_message => p_refund ->> 'failure_reason',
        p_metadata => coalesce(p_refund -> 'metadata', '{}'::jsonb),
        p_subject_type => v_parent.subject_type, p_subject_id => v_parent.subject_id
    );
    -- The payment re-derives its refunded amount from its live refunds (a payment that has not
    -- arrived yet does so when it does).
    IF v_parent.id IS NOT NULL THEN
        PERFORM payments.upsert_payment_history(
            p_environment, v_parent.type,
            CASE WHEN v_parent.type = 'subscription_invoice' THEN v_parent.stripe_invoice_id
                ELSE v_parent.stripe_payment_intent_id END,
            NULL, p_event_at, NULL, NULL
        );
    END IF;
END
$$;


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
    AS $$
DECLARE
    v_id text := p_subscription ->> 'id';
    v_customer text := payments.stripe_id(p_subscription -> 'customer');
    v_items jsonb := coalesce(p_subscription -> 'items' -> 'data', '[]'::jsonb);
    v_first jsonb := coalesce(p_subscription -> 'items' -> 'data' -> 0, '{}'::jsonb);
    v_subject record;
    v_period_start timestamptz;
    v_period_end timestamptz;
    v_applied integer;
BEGIN
    SELECT * INTO v_subject
    FROM payments.resolve_subject(p_environment, p_subscription -> 'metadata', v_customer);

    SELECT min(payments.to_timestamptz(i -> 'current_period_start')),
        max(payments.to_timestamptz(i -> 'current_period_end'))
    INTO v_period_start, v_period_end
    FROM jsonb_array_elements(v_items) AS i;
    v_period_start := coalesce(payments.to_timestamptz(p_subscription -> 'current_period_start'), v_period_start);
    v_period_end := coalesce(payments.to_timestamptz(p_subscription -> 'current_period_end'), v_period_end);

    INSERT INTO payments.subscriptions AS s (
        environment, stripe_subscription_id, stripe_customer_id, subject_type, subject_id, status,
        stripe_price_id, stripe_product_id, quantity, cancel_at_period_end, cancel_at, canceled_at,
        ended_at, current_period_start, current_period_end, trial_start, trial_end, metadata,
        stripe_created, last_event_at, raw
    ) VALUES (
        p_environment, v_id, v_customer, v_subject.subject_type, v_subject.subject_id,
        p_subscription ->> 'status',
        payments.stripe_id(v_first -> 'price'),
        payments.stripe_id(v_first -> 'price' -> 'product'),
        coalesce((v_first ->> 'quantity')::integer, (p_subscription ->> 'quantity')::integer),
        coalesce((p_subscription ->> 'cancel_at_period_end')::boolean, FALSE),
        payments.to_timestamptz(p_subscription -> 'cancel_at'),
        payments.to_timestamptz(p_subscription -> 'canceled_at'),
        payments.to_timestamptz(p_subscription -> 'ended_at'),
        v_period_start, v_period_end,
        payments.to_timestamptz(p_subscription -> 'trial_start'),
        payments.to_timestamptz(p_subscription -> 'trial_end'),
        coalesce(p_subscription -> 'metadata', '{}'::jsonb),
        payments.to_timestamptz(p_subscription -> 'created'), p_event_at, p_subscription
    )
    ON CONFLICT (environment, stripe_subscription_id) DO UPDATE SET
        stripe_customer_id = coalesce(s.stripe_customer_id, excluded.stripe_customer_id),
        subject_type = coalesce(s.subject_type, excluded.subject_type),
        subject_id = CASE WHEN s.subject_type IS NULL THEN excluded.subject_id ELSE s.subject_id END,
        status = excluded.status,
        stripe_price_id = excluded.stripe_price_id,
        stripe_product_id = excluded.stripe_product_id,
        quantity = excluded.quantity,
        cancel_at_period_end = excluded.cancel_at_period_end,
        cancel_at = excluded.cancel_at,
        canceled_at = excluded.canceled_at,
        ended_at = excluded.ended_at,
        current_period_start = excluded.current_period_start,
        current_period_end = excluded.current_period_end,
        trial_start = excluded.trial_start,
        trial_end = excluded.trial_end,
        metadata = excluded.metadata,
        stripe_created = coalesce(s.stripe_created, excluded.stripe_created),
        last_event_at = excluded.last_event_at,
        raw = excluded.raw
    WHERE CASE
        WHEN payments.is_terminal_subscription_status(s.status) THEN
            payments.is_terminal_subscription_status(excluded.status)
            AND payments.is_newer(
                excluded.last_event_at, 0, excluded.raw, s.last_event_at, 0, s.raw
            )
        ELSE
            payments.is_terminal_subscription_status(excluded.status)
            OR payments.is_newer(
                excluded.last_event_at,
                coalesce((extract(EPOCH FROM excluded.current_period_end)::bigint / 60)::integer, 0) * 8
                + payments.subscription_status_rank(excluded.status),
                excluded.raw,
                s.last_event_at,
                coalesce((extract(EPOCH FROM s.current_period_end)::bigint / 60)::integer, 0) * 8
                + payments.subscription_status_rank(s.status),
                s.raw
            )
    END;
    GET DIAGNOSTICS v_applied = ROW_COUNT;

    PERFORM payments.ensure_customer_mapping(
        p_environment, v_subject.subject_type, v_subject.subject_id, v_customer, 'metadata'
    );
    -- Payments that arrived before their subscription learn its subject.
    IF v_subject.subject_type IS NOT NULL THEN
        UPDATE payments.payment_history AS h
        SET subject_type = v_subject.subject_type, subject_id = v_subject.subject_id
        WHERE h.environment = p_environment AND h.stripe_subscription_id = v_id
            AND h.subject_type IS NULL;
    END IF;

    IF v_applied = 0 THEN
        RETURN;
    END IF;

    INSERT INTO payments.subscription_items AS si (
        environment, stripe_subscription_item_id, stripe_subscription_id, stripe_price_id,
        stripe_product_id, quantity, current_period_start, current_period_end, deleted, metadata, raw
    )
    SELECT p_environment, i ->> 'id', v_id, payments.stripe_id(i -> 'price'),
        payments.stripe_id(i -> 'price' -> 'product'), (i ->> 'quantity')::integer,
        coalesce(payments.to_timestamptz(i -> 'current_period_start'), v_period_start),
        coalesce(payments.to_timestamptz(i -> 'current_period_end'), v_period_end),
        FALSE, coalesce(i -> 'metadata', '{}'::jsonb), i
    FROM jsonb_array_elements(v_items) AS i
    ON CONFLICT (environment, stripe_subscription_item_id) DO UPDATE SET
        stripe_price_id = excluded.stripe_price_id,
        stripe_product_id = excluded.stripe_product_id,
        quantity = excluded.quantity,
        current_period_start = excluded.current_period_start,
        current_period_end = excluded.current_period_end,
        deleted = FALSE,
        metadata = excluded.metadata,
        raw = excluded.raw;

    -- Items no longer on the subscription (a plan swap, a removed add-on) are marked deleted.
    UPDATE payments.subscription_items AS si
    SET deleted = TRUE
    WHERE si.environment = p_environment AND si.stripe_subscription_id = v_id AND NOT si.deleted
        AND si.stripe_subscription_item_id NOT IN (
            SELECT i ->> 'id' FROM jsonb_array_elements(v_items) AS i WHERE i ->> 'id' IS NOT NULL
        );
END
$$;


--
-- Name: FUNCTION apply_subscription(p_environment text, p_subscription jsonb, p_event_at timestamp with time zone); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.apply_subscription(p_environment text, p_subscription jsonb, p_event_at timestamp with time zone) IS 'Upserts a Stripe subscription snapshot and its items (either API shape). The newest snapshot wins by
event time, then period end, then status rank; a canceled or incomplete_expired subscription is final.';


--
-- Name: can_act_for_subject(text, text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.can_act_for_subject(p_subject_type text, p_subject_id text) RETURNS boolean
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
DECLARE
    v_user text := payments.current_user_id();
BEGIN
    IF v_user IS NULL OR p_subject_type IS NULL OR p_subject_id IS NULL THEN
        RETURN FALSE;
    ELSIF p_subject_type = 'user' THEN
        RETURN p_subject_id = v_user;
    ELSIF payments.is_group_subject_type(p_subject_type) THEN
        RETURN coalesce(payments.is_billing_admin(p_subject_type, p_subject_id), FALSE);
    END IF;
    RETURN FALSE;
END
$$;


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
    AS $$
DECLARE
    v_user text := payments.current_user_id();
BEGIN
    IF v_user IS NULL OR p_subject_type IS NULL OR p_subject_id IS NULL THEN
        RETURN FALSE;
    ELSIF p_subject_type = 'user' THEN
        RETURN p_subject_id = v_user;
    ELSIF payments.is_group_subject_type(p_subject_type) THEN
        RETURN coalesce(payments.is_member(p_subject_type, p_subject_id), FALSE)
            OR coalesce(payments.is_billing_admin(p_subject_type, p_subject_id), FALSE);
    END IF;
    RETURN FALSE;
END
$$;


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
    AS $$
    SELECT payments.can_read_subject(p_subject_type, p_subject_id)
$$;


--
-- Name: FUNCTION can_spend_for_subject(p_subject_type text, p_subject_id text); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.can_spend_for_subject(p_subject_type text, p_subject_id text) IS 'May the caller spend this subject''s credits (checked by payments.spend_credits)? A user subject: only
that user. A group subject: every member, not only billing admins - credits are bought by admins for the
whole group to use. Anonymous callers: never.';


--
-- Name: current_claims(); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.current_claims() RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
DECLARE
    v_raw text := current_setting('request.jwt.claims', TRUE);
    v_claims jsonb;
BEGIN
    IF v_raw IS NULL OR btrim(v_raw) = '' THEN
        RETURN '{}'::jsonb;
    END IF;
    BEGIN
        v_claims := v_raw::jsonb;
    EXCEPTION WHEN data_exception OR program_limit_exceeded THEN
        RETURN '{}'::jsonb;
    END;
    IF jsonb_typeof(v_claims) IS DISTINCT FROM 'object' THEN
        RETURN '{}'::jsonb;
    END IF;
    RETURN v_claims;
END
$$;


--
-- Name: FUNCTION current_claims(); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.current_claims() IS 'The caller''s JWT claims from the request.jwt.claims setting as a JSON object; {} when the setting is
missing, empty, not JSON or not an object. Never raises.';


--
-- Name: current_membership_role(text, text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.current_membership_role(p_subject_type text, p_subject_id text) RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
    SELECT m.role
    FROM payments.memberships AS m
    WHERE m.subject_type = p_subject_type
        AND m.subject_id::text = p_subject_id
        AND m.user_id::text = payments.current_user_id()
$$;


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
    AS $$
    SELECT CASE
        WHEN jsonb_typeof(c.claims -> 'role') = 'string' AND c.claims ->> 'role' <> '' THEN c.claims ->> 'role'
        ELSE 'anon'
    END
    FROM (SELECT payments.current_claims() AS claims) AS c
$$;


--
-- Name: FUNCTION "current_role"(); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments."current_role"() IS 'The role claim of the caller (e.g. authenticated), or anon when there is no usable role claim.
Call it qualified: payments.current_role() (a bare current_role is SQL''s own keyword).';


--
-- Name: current_user_id(); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.current_user_id() RETURNS text
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog'
    AS $_$
    SELECT CASE
        WHEN jsonb_typeof(c.claims -> 'sub') = 'string'
            AND c.claims ->> 'sub' ~ '^[A-Za-z0-9][A-Za-z0-9_.:@|-]{0,254}$'
            AND jsonb_typeof(c.claims -> 'role') = 'string'
            AND c.claims ->> 'role' NOT IN ('', 'anon')
            THEN c.claims ->> 'sub'
    END
    FROM (SELECT payments.current_claims() AS claims) AS c
$_$;


--
-- Name: FUNCTION current_user_id(); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.current_user_id() IS 'The calling user''s id (the sub claim) as text, or NULL for an anonymous caller: no claims, no role
claim or role anon, no sub, a sub that is not a JSON string or not a valid payments.subject_id.';


--
-- Name: current_user_uuid(); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.current_user_uuid() RETURNS uuid
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog'
    AS $_$
    SELECT CASE
        WHEN u.id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN u.id::uuid
    END
    FROM (SELECT payments.current_user_id() AS id) AS u
$_$;


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
    AS $_$
DECLARE
    v_existing payments.stripe_customer_mappings;
BEGIN
    IF p_subject_type IS NULL OR p_subject_id IS NULL OR p_customer_id IS NULL
        OR p_customer_id !~ '^cus_[A-Za-z0-9_]+$' THEN
        RETURN;
    END IF;
    SELECT * INTO v_existing FROM payments.stripe_customer_mappings AS m
    WHERE m.environment = p_environment AND m.stripe_customer_id = p_customer_id;
    IF NOT FOUND THEN
        -- Either unique key conflicting means the subject or the customer is already mapped: never moved.
        INSERT INTO payments.stripe_customer_mappings
            (environment, subject_type, subject_id, stripe_customer_id, source)
        VALUES (p_environment, p_subject_type, p_subject_id, p_customer_id, p_source)
        ON CONFLICT DO NOTHING;
        IF NOT FOUND THEN
            RETURN;
        END IF;
        -- A new mapping gives a subject to rows that arrived before it.
        UPDATE payments.subscriptions AS s
        SET subject_type = p_subject_type, subject_id = p_subject_id
        WHERE s.environment = p_environment AND s.stripe_customer_id = p_customer_id
            AND s.subject_type IS NULL;
        UPDATE payments.payment_history AS h
        SET subject_type = p_subject_type, subject_id = p_subject_id
        WHERE h.environment = p_environment AND h.stripe_customer_id = p_customer_id
            AND h.subject_type IS NULL;
    ELSIF v_existing.subject_type = p_subject_type AND v_existing.subject_id = p_subject_id
        AND payments.mapping_source_rank(p_source) > payments.mapping_source_rank(v_existing.source) THEN
        -- The same pair seen again: settle its source on the strongest evidence, whatever the order.
        UPDATE payments.stripe_customer_mappings AS m SET source = p_source WHERE m.id = v_existing.id;
    END IF;
END
$_$;


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
    AS $$
DECLARE
    v_object jsonb := p_event -> 'data' -> 'object';
    v_kind text := v_object ->> 'object';
    v_intent text := payments.stripe_id(v_object -> 'payment_intent');
    v_pay jsonb;
BEGIN
    -- Events about one payment (checkout, intent, charge, refund, dispute, the invoice it pays)
    -- share the payment intent's lock; invoices also lock themselves; objects of a customer also
    -- lock the customer (a new customer mapping and a subscription arriving at the same time must
    -- see each other). Callers take the locks in array order (sorted), so they cannot deadlock.
    IF v_kind = 'payment_intent' THEN
        v_intent := v_object ->> 'id';
    ELSIF v_kind = 'invoice' AND v_intent IS NULL THEN
        SELECT pay INTO v_pay
        FROM jsonb_array_elements(coalesce(v_object -> 'payments' -> 'data', '[]')) AS pay
        WHERE pay -> 'payment' ->> 'type' = 'payment_intent'
        ORDER BY pay ->> 'status' = 'paid' DESC, (pay ->> 'is_default')::boolean DESC NULLS LAST
        LIMIT 1;
        v_intent := payments.stripe_id(v_pay -> 'payment' -> 'payment_intent');
    ELSIF v_kind = 'invoice_payment' THEN
        v_intent := payments.stripe_id(v_object -> 'payment' -> 'payment_intent');
    END IF;
    RETURN (
        SELECT array_agg(DISTINCT k ORDER BY k)
        FROM unnest(ARRAY[
            v_intent,
            CASE
                WHEN v_kind IN ('invoice', 'customer', 'subscription', 'product', 'price')
                    OR v_intent IS NULL
                    THEN coalesce(v_object ->> 'id', p_event ->> 'id')
            END,
            CASE WHEN v_kind = 'invoice_payment' THEN payments.stripe_id(v_object -> 'invoice') END,
            payments.stripe_id(v_object -> 'customer')
        ]) AS k
        WHERE k IS NOT NULL
    );
END
$$;


--
-- Name: handled_event_types(); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.handled_event_types() RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT ARRAY[
        'customer.created', 'customer.updated', 'customer.deleted',
        'product.created', 'product.updated', 'product.deleted',
        'price.created', 'price.updated', 'price.deleted',
        'checkout.session.completed', 'checkout.session.async_payment_succeeded',
        'checkout.session.async_payment_failed', 'checkout.session.expired',
        'payment_intent.succeeded', 'payment_intent.payment_failed', 'payment_intent.canceled',
        'payment_intent.processing', 'payment_intent.requires_action',
        'charge.succeeded', 'charge.failed', 'charge.refunded', 'charge.refund.updated',
        'refund.created', 'refund.updated', 'refund.failed',
        'charge.dispute.created', 'charge.dispute.updated', 'charge.dispute.closed',
        'charge.dispute.funds_withdrawn', 'charge.dispute.funds_reinstated',
        'invoice.paid', 'invoice.payment_succeeded', 'invoice.payment_failed',
        'invoice.payment_action_required', 'invoice.voided', 'invoice.marked_uncollectible',
        'invoice_payment.paid',
        'customer.subscription.created', 'customer.subscription.updated',
        'customer.subscription.deleted', 'customer.subscription.paused',
        'customer.subscription.resumed', 'customer.subscription.trial_will_end',
        'customer.subscription.pending_update_applied', 'customer.subscription.pending_update_expired'
    ]::text[]
$$;


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
    AS $_$
#variable_conflict use_column
DECLARE
    v_environment text := ingest_stripe_event.environment;
    v_source text := ingest_stripe_event.source;
    v_event jsonb := ingest_stripe_event.event;
    v_id text := v_event ->> 'id';
    v_type text := v_event ->> 'type';
    v_object jsonb := v_event -> 'data' -> 'object';
    v_handled boolean;
    v_row_id bigint;
    v_status text;
    v_retry boolean := FALSE;
    v_error text;
    v_detail text;
    v_lock text;
BEGIN
    IF v_environment IS NULL OR v_environment NOT IN ('test', 'live') THEN
        RAISE EXCEPTION 'unknown environment %: use test or live', quote_literal(v_environment)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF jsonb_typeof(v_event) IS DISTINCT FROM 'object'
        OR v_id IS NULL OR v_id !~ '^evt_[A-Za-z0-9_]+$'
        OR coalesce(v_type, '') = ''
        OR jsonb_typeof(v_event -> 'created') IS DISTINCT FROM 'number'
        OR jsonb_typeof(v_object) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'not a Stripe event: needs id (evt_...), type, created and data.object'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF jsonb_typeof(v_event -> 'livemode') = 'boolean'
        AND (v_event ->> 'livemode')::boolean <> (v_environment = 'live') THEN
        RAISE EXCEPTION 'event % has livemode=% but was sent to the % environment',
            v_id, v_event ->> 'livemode', v_environment
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    v_handled := v_type = ANY(payments.handled_event_types());
    FOREACH v_lock IN ARRAY payments.event_lock_keys(v_event) LOOP
        PERFORM pg_advisory_xact_lock(hashtextextended(v_environment || ':' || v_lock, 0));
    END LOOP;

    INSERT INTO payments.webhook_events AS w (
        environment, stripe_event_id, type, api_version, livemode, object_type, object_id,
        stripe_created, status, attempts, source, payload, processed_at
    ) VALUES (
        v_environment, v_id, v_type, v_event ->> 'api_version',
        coalesce((v_event ->> 'livemode')::boolean, v_environment = 'live'),
        v_object ->> 'object', v_object ->> 'id', payments.to_timestamptz(v_event -> 'created'),
        CASE WHEN v_handled THEN 'processed' ELSE 'ignored' END, 1,
        CASE WHEN v_source IN ('webhook', 'cli', 'backfill', 'sync', 'replay') THEN v_source ELSE 'cli' END,
        v_event, now()
    )
    ON CONFLICT (environment, stripe_event_id) DO NOTHING
    RETURNING w.id INTO v_row_id;

    IF v_row_id IS NULL THEN
        SELECT w.id, w.status INTO v_row_id, v_status
        FROM payments.webhook_events AS w
        WHERE w.environment = v_environment AND w.stripe_event_id = v_id
        FOR UPDATE;
        IF v_status IN ('processed', 'ignored') THEN
            RETURN 'duplicate';
        END IF;
        v_retry := TRUE;
    END IF;

    IF NOT v_handled THEN
        IF v_retry THEN
            UPDATE payments.webhook_events AS w
            SET status = 'ignored', attempts = w.attempts + 1, processed_at = now(), last_error = NULL
            WHERE w.id = v_row_id;
        END IF;
        RETURN 'ignored';
    END IF;

    BEGIN
        PERFORM payments.project_stripe_event(v_environment, v_event);
    EXCEPTION
        WHEN deadlock_detected OR serialization_failure OR lock_not_available
            OR query_canceled OR admin_shutdown OR crash_shutdown OR cannot_connect_now THEN
            RAISE;
        WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS v_error = MESSAGE_TEXT, v_detail = PG_EXCEPTION_CONTEXT;
            UPDATE payments.webhook_events AS w
            SET status = 'failed',
                attempts = CASE WHEN v_retry THEN w.attempts + 1 ELSE w.attempts END,
                processed_at = NULL,
                last_error = left(SQLSTATE || ': ' || v_error || E'\n' || coalesce(v_detail, ''), 4000)
            WHERE w.id = v_row_id;
            RETURN 'failed';
    END;

    IF v_retry THEN
        UPDATE payments.webhook_events AS w
        SET status = 'processed', attempts = w.attempts + 1, processed_at = now(), last_error = NULL
        WHERE w.id = v_row_id;
    END IF;
    RETURN 'processed';
END
$_$;


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
-- Name: invoice_payment_for_intent(text, text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.invoice_payment_for_intent(p_environment text, p_payment_intent text) RETURNS payments.payment_history
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_row payments.payment_history;
BEGIN
    SELECT h.* INTO v_row FROM payments.payment_history AS h
    WHERE h.environment = p_environment AND h.type = 'subscription_invoice'
        AND h.stripe_payment_intent_id = p_payment_intent
    LIMIT 1;
    RETURN v_row;
END
$$;


--
-- Name: is_billing_admin(text, text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.is_billing_admin(p_subject_type text, p_subject_id text) RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
            SELECT coalesce(
                payments.current_membership_role(p_subject_type, p_subject_id) IN ('owner', 'admin'),
                FALSE
            )
        $$;


--
-- Name: FUNCTION is_billing_admin(p_subject_type text, p_subject_id text); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.is_billing_admin(p_subject_type text, p_subject_id text) IS 'May the caller buy and manage billing for this group subject (owner or admin)? pgpay''s default reads
payments.memberships; an app may redefine it to read its own tables (see README).';


--
-- Name: is_group_subject_type(text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.is_group_subject_type(p_subject_type text) RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
    SELECT coalesce(
        (SELECT t.is_group FROM payments.subject_types AS t WHERE t.subject_type = p_subject_type),
        FALSE
    )
$$;


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
    AS $$
            SELECT payments.current_membership_role(p_subject_type, p_subject_id) IS NOT NULL
        $$;


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
    AS $$
    SELECT p_old_at IS NULL
        OR p_new_at > p_old_at
        OR (p_new_at = p_old_at AND p_new_rank > p_old_rank)
        OR (
            p_new_at = p_old_at AND p_new_rank = p_old_rank
            AND p_new_raw > p_old_raw
        )
$$;


--
-- Name: FUNCTION is_newer(p_new_at timestamp with time zone, p_new_rank integer, p_new_raw jsonb, p_old_at timestamp with time zone, p_old_rank integer, p_old_raw jsonb); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.is_newer(p_new_at timestamp with time zone, p_new_rank integer, p_new_raw jsonb, p_old_at timestamp with time zone, p_old_rank integer, p_old_raw jsonb) IS 'Total order on object snapshots: event time, then state rank, then jsonb ordering of the content.
Keeping the maximum makes the final state independent of delivery order and duplicates.';


--
-- Name: is_terminal_subscription_status(text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.is_terminal_subscription_status(p_status text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT p_status IN ('canceled', 'incomplete_expired')
$$;


--
-- Name: FUNCTION is_terminal_subscription_status(p_status text); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.is_terminal_subscription_status(p_status text) IS 'Canceled and incomplete_expired subscriptions are final in Stripe: no older event revives them.';


--
-- Name: mapping_source_rank(text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.mapping_source_rank(p_source text) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT CASE p_source
        WHEN 'manual' THEN 5 WHEN 'checkout' THEN 4 WHEN 'runtime' THEN 3 WHEN 'metadata' THEN 2
        WHEN 'sync' THEN 1 ELSE 0
    END
$$;


--
-- Name: merge_payment_status(text, text, text, bigint, bigint); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.merge_payment_status(p_type text, p_old text, p_new text, p_amount bigint, p_amount_refunded bigint) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    AS $$
DECLARE
    v_old text := p_old;
    v_new text := p_new;
    v_best text;
BEGIN
    -- Refund-derived statuses are re-derived from the refunded amount, never kept: a refund that
    -- fails takes a payment back to succeeded.
    IF v_old IN ('partially_refunded', 'refunded') THEN
        v_old := 'succeeded';
    END IF;
    IF v_new IN ('partially_refunded', 'refunded') THEN
        v_new := 'succeeded';
    END IF;
    IF v_old IS NULL
        OR payments.payment_status_rank(p_type, v_new) > payments.payment_status_rank(p_type, v_old) THEN
        v_best := v_new;
    ELSE
        v_best := v_old;
    END IF;
    IF p_type IN ('one_time_payment', 'subscription_invoice') AND v_best = 'succeeded'
        AND p_amount_refunded > 0 THEN
        RETURN CASE WHEN p_amount_refunded >= p_amount THEN 'refunded' ELSE 'partially_refunded' END;
    END IF;
    RETURN v_best;
END
$$;


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
    AS $$
BEGIN
    RETURN (
        SELECT CASE
            WHEN p_payment.id IS NULL THEN 'pending'
            WHEN p_payment.status = 'refunded' THEN 'refunded'
            WHEN p_payment.status IN ('succeeded', 'partially_refunded') AND EXISTS (
                SELECT FROM payments.payment_history AS d
                WHERE d.environment = p_payment.environment AND d.type = 'dispute'
                    AND d.stripe_payment_intent_id = p_payment.stripe_payment_intent_id
                    AND d.status IN ('disputed', 'lost')
            ) THEN 'disputed'
            WHEN p_payment.status IN ('succeeded', 'partially_refunded') THEN 'paid'
            WHEN p_payment.status IN ('failed', 'canceled') THEN 'failed'
            ELSE 'pending'
        END
    );
END
$$;


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
    AS $$
DECLARE
    v_row payments.payment_history;
BEGIN
    -- One indexed lookup at a time (an OR over types and columns defeats the partial indexes).
    IF p_payment_intent IS NOT NULL THEN
        SELECT h.* INTO v_row FROM payments.payment_history AS h
        WHERE h.environment = p_environment AND h.type = 'subscription_invoice'
            AND h.stripe_payment_intent_id = p_payment_intent
        ORDER BY h.id LIMIT 1;
        IF FOUND THEN
            RETURN v_row;
        END IF;
        SELECT h.* INTO v_row FROM payments.payment_history AS h
        WHERE h.environment = p_environment AND h.type = 'one_time_payment'
            AND h.stripe_payment_intent_id = p_payment_intent;
        IF FOUND THEN
            RETURN v_row;
        END IF;
    END IF;
    IF p_charge IS NOT NULL THEN
        SELECT h.* INTO v_row FROM payments.payment_history AS h
        WHERE h.environment = p_environment AND h.stripe_charge_id = p_charge
            AND h.type IN ('one_time_payment', 'subscription_invoice')
        ORDER BY h.type = 'subscription_invoice' DESC, h.id
        LIMIT 1;
    END IF;
    RETURN v_row;
END
$$;


--
-- Name: payment_credits(text, jsonb); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.payment_credits(p_environment text, p_lines jsonb) RETURNS bigint
    LANGUAGE plpgsql STABLE
    AS $$
BEGIN
    RETURN (
        SELECT coalesce(sum(payments.price_credits(p_environment, li ->> 'price') * (li ->> 'quantity')::bigint), 0)
        FROM jsonb_array_elements(p_lines) AS li
        WHERE li ->> 'price' IS NOT NULL
    )::bigint;
END
$$;


--
-- Name: FUNCTION payment_credits(p_environment text, p_lines jsonb); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.payment_credits(p_environment text, p_lines jsonb) IS 'Credits that lines [{"price", "quantity"}] grant: each price''s credits times its quantity.';


--
-- Name: payment_lines(payments.payment_history); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.payment_lines(p_payment payments.payment_history) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_lines jsonb;
BEGIN
    IF p_payment.type = 'subscription_invoice' THEN
        -- The invoice's subscription lines (old shape: line.price; new shape:
        -- line.pricing.price_details.price), prorations excluded.
        SELECT coalesce(jsonb_agg(jsonb_build_object(
            'price', coalesce(
                payments.stripe_id(l -> 'price'),
                l -> 'pricing' -> 'price_details' ->> 'price',
                payments.stripe_id(l -> 'plan')
            ),
            'quantity', coalesce((l ->> 'quantity')::bigint, 1)
        )), '[]'::jsonb)
        INTO v_lines
        FROM jsonb_array_elements(coalesce(p_payment.raw -> 'invoice' -> 'lines' -> 'data', '[]')) AS l
        WHERE NOT coalesce((l ->> 'proration')::boolean, FALSE)
            AND NOT coalesce((l -> 'parent' -> 'subscription_item_details' ->> 'proration')::boolean, FALSE);
        RETURN v_lines;
    ELSIF p_payment.type = 'one_time_payment' AND p_payment.stripe_checkout_session_id IS NOT NULL THEN
        -- The line items pgpay stored when it created the checkout session ...
        SELECT cs.line_items INTO v_lines FROM payments.checkout_sessions AS cs
        WHERE cs.environment = p_payment.environment
            AND cs.stripe_checkout_session_id = p_payment.stripe_checkout_session_id;
        IF jsonb_typeof(v_lines) = 'array' AND jsonb_array_length(v_lines) > 0 THEN
            RETURN v_lines;
        END IF;
        -- ... or, for a session created elsewhere, its line items when the payload had them expanded.
        SELECT coalesce(jsonb_agg(jsonb_build_object(
            'price', payments.stripe_id(li -> 'price'),
            'quantity', coalesce((li ->> 'quantity')::bigint, 1)
        )), '[]'::jsonb)
        INTO v_lines
        FROM jsonb_array_elements(
            coalesce(p_payment.raw -> 'checkout_session' -> 'line_items' -> 'data', '[]')
        ) AS li;
        RETURN v_lines;
    END IF;
    RETURN '[]'::jsonb;
END
$$;


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
    AS $$
BEGIN
    -- A row keeps its own object whole (the intent of a one-time payment, the invoice, the refund,
    -- the dispute) and only the fields pgpay reads of the objects around it, so rewriting the row on
    -- every event stays cheap.
    RETURN CASE
        WHEN (p_type, p_object_type) IN (
            ('one_time_payment', 'payment_intent'), ('subscription_invoice', 'invoice'),
            ('refund', 'refund'), ('dispute', 'dispute')
        ) THEN p_object
        WHEN p_object_type = 'charge' THEN jsonb_strip_nulls(jsonb_build_object(
            'id', p_object -> 'id', 'object', p_object -> 'object', 'amount', p_object -> 'amount',
            'amount_refunded', p_object -> 'amount_refunded', 'status', p_object -> 'status',
            'created', p_object -> 'created', 'currency', p_object -> 'currency',
            'payment_intent', p_object -> 'payment_intent', 'invoice', p_object -> 'invoice',
            'refunded', p_object -> 'refunded', 'disputed', p_object -> 'disputed',
            'failure_code', p_object -> 'failure_code', 'failure_message', p_object -> 'failure_message'
        ))
        WHEN p_object_type = 'checkout_session' THEN jsonb_strip_nulls(jsonb_build_object(
            'id', p_object -> 'id', 'object', p_object -> 'object', 'mode', p_object -> 'mode',
            'status', p_object -> 'status', 'payment_status', p_object -> 'payment_status',
            'amount_total', p_object -> 'amount_total', 'currency', p_object -> 'currency',
            'created', p_object -> 'created', 'customer', p_object -> 'customer',
            'payment_intent', p_object -> 'payment_intent', 'metadata', p_object -> 'metadata',
            'client_reference_id', p_object -> 'client_reference_id', 'line_items', p_object -> 'line_items'
        ))
        ELSE p_object
    END;
END
$$;


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
    AS $$
    SELECT CASE
        WHEN p_type = 'refund' THEN
            CASE p_status
                WHEN 'pending' THEN 0 WHEN 'requires_action' THEN 1 WHEN 'succeeded' THEN 2
                WHEN 'failed' THEN 3 WHEN 'canceled' THEN 3 ELSE -1
            END
        WHEN p_type = 'dispute' THEN
            CASE p_status WHEN 'disputed' THEN 0 WHEN 'won' THEN 1 WHEN 'lost' THEN 1 ELSE -1 END
        ELSE
            CASE p_status
                WHEN 'pending' THEN 0 WHEN 'requires_action' THEN 1 WHEN 'failed' THEN 2
                WHEN 'canceled' THEN 3 WHEN 'uncollectible' THEN 3 WHEN 'void' THEN 4
                WHEN 'succeeded' THEN 5 WHEN 'partially_refunded' THEN 6 WHEN 'refunded' THEN 7
                ELSE -1
            END
    END
$$;


--
-- Name: FUNCTION payment_status_rank(p_type text, p_status text); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.payment_status_rank(p_type text, p_status text) IS 'Forward order of payment_history statuses per type: a status never moves to a lower rank.';


--
-- Name: positive_bigint(text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.positive_bigint(p_value text) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $_$
    SELECT CASE WHEN btrim(p_value) ~ '^[0-9]{1,15}$' THEN btrim(p_value)::bigint END
$_$;


--
-- Name: post_credit_entry(payments.payment_history, bigint, text, text, text, text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.post_credit_entry(p_payment payments.payment_history, p_amount bigint, p_kind text, p_source_key text, p_reason text, p_cause text) RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    INSERT INTO public.credit_ledger (
        environment, subject_type, subject_id, amount, kind, source_key, reason, payment_history_id,
        metadata
    )
    SELECT p_payment.environment, p_payment.subject_type, p_payment.subject_id, p_amount, p_kind,
        p_source_key, p_reason, p_payment.id, jsonb_build_object('cause', p_cause)
    WHERE p_amount <> 0
    ON CONFLICT (environment, source_key) DO NOTHING;
END
$$;


--
-- Name: price_credits(text, text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.price_credits(p_environment text, p_price_id text) RETURNS bigint
    LANGUAGE plpgsql STABLE
    AS $$
BEGIN
    RETURN (
        SELECT coalesce(
            (
                SELECT coalesce(
                    payments.positive_bigint(p.metadata ->> 'credits'),
                    payments.positive_bigint(pr.metadata ->> 'credits')
                )
                FROM payments.prices AS p
                LEFT JOIN payments.products AS pr
                    ON pr.environment = p.environment AND pr.stripe_product_id = p.stripe_product_id
                WHERE p.environment = p_environment AND p.stripe_price_id = p_price_id
            ),
            0
        )
    );
END
$$;


--
-- Name: FUNCTION price_credits(p_environment text, p_price_id text); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.price_credits(p_environment text, p_price_id text) IS 'Credits one unit of a price grants: price metadata credits, else its product''s metadata credits, else 0.';


--
-- Name: price_product(text, text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.price_product(p_environment text, p_price_id text) RETURNS text
    LANGUAGE plpgsql STABLE
    AS $$
BEGIN
    RETURN (
        SELECT p.stripe_product_id FROM payments.prices AS p
        WHERE p.environment = p_environment AND p.stripe_price_id = p_price_id
    );
END
$$;


--
-- Name: product_entitlement_keys(text, text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.product_entitlement_keys(p_environment text, p_product_id text) RETURNS SETOF text
    LANGUAGE sql STABLE
    AS $_$
    SELECT DISTINCT btrim(k)
    FROM payments.products AS p,
        unnest(string_to_array(coalesce(p.metadata ->> 'entitlements', ''), ',')) AS k
    WHERE p.environment = p_environment AND p.stripe_product_id = p_product_id
        AND btrim(k) ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$'
$_$;


--
-- Name: FUNCTION product_entitlement_keys(p_environment text, p_product_id text); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.product_entitlement_keys(p_environment text, p_product_id text) IS 'The entitlement keys a product grants (its metadata entitlements, comma-separated; malformed keys skipped).';


--
-- Name: project_payment_to_orders(payments.payment_history); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.project_payment_to_orders(p_payment payments.payment_history) RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_order_id uuid;
BEGIN
    IF p_payment.type <> 'one_time_payment' THEN
        RETURN;
    END IF;
    FOR v_order_id IN
        SELECT o.id FROM public.orders AS o
        WHERE o.environment = p_payment.environment
            AND (
                o.id = payments.try_uuid(p_payment.metadata ->> 'order_id')
                OR o.id = payments.try_uuid(p_payment.metadata ->> 'pgpay_order_id')
                OR o.stripe_checkout_session_id = p_payment.stripe_checkout_session_id
                OR o.stripe_payment_intent_id = p_payment.stripe_payment_intent_id
                OR o.id IN (
                    SELECT cs.order_id FROM payments.checkout_sessions AS cs
                    WHERE cs.environment = p_payment.environment
                        AND cs.stripe_checkout_session_id = p_payment.stripe_checkout_session_id
                )
            )
        ORDER BY o.id
        FOR UPDATE
    LOOP
        PERFORM payments.apply_payment_to_order(v_order_id, p_payment);
    END LOOP;
END
$$;


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
    AS $$
DECLARE
    v_type text := p_event ->> 'type';
    v_object jsonb := p_event -> 'data' -> 'object';
    v_at timestamptz := payments.to_timestamptz(p_event -> 'created');
BEGIN
    CASE
        WHEN v_type IN ('customer.created', 'customer.updated', 'customer.deleted') THEN
            PERFORM payments.apply_customer(p_environment, v_object, v_at, v_type = 'customer.deleted');
        WHEN v_type LIKE 'product.%' THEN
            PERFORM payments.apply_product(p_environment, v_object, v_at, v_type = 'product.deleted');
        WHEN v_type LIKE 'price.%' THEN
            PERFORM payments.apply_price(p_environment, v_object, v_at, v_type = 'price.deleted');
        WHEN v_type LIKE 'checkout.session.%' THEN
            PERFORM payments.apply_checkout_session(p_environment, v_object, v_at, v_type);
        WHEN v_type LIKE 'payment_intent.%' THEN
            PERFORM payments.apply_payment_intent(p_environment, v_object, v_at, v_type);
        WHEN v_type IN ('charge.succeeded', 'charge.failed', 'charge.refunded') THEN
            PERFORM payments.apply_charge(p_environment, v_object, v_at, v_type);
        WHEN v_type = 'charge.refund.updated' OR v_type LIKE 'refund.%' THEN
            PERFORM payments.apply_refund(p_environment, v_object, v_at);
        WHEN v_type LIKE 'charge.dispute.%' THEN
            PERFORM payments.apply_dispute(p_environment, v_object, v_at, v_type);
        WHEN v_type = 'invoice_payment.paid' THEN
            PERFORM payments.apply_invoice_payment(p_environment, v_object, v_at);
        WHEN v_type LIKE 'invoice.%' THEN
            PERFORM payments.apply_invoice(p_environment, v_object, v_at, v_type);
        WHEN v_type LIKE 'customer.subscription.%' THEN
            PERFORM payments.apply_subscription(p_environment, v_object, v_at);
        ELSE
            RAISE EXCEPTION 'pgpay has no projection for event type %', v_type;
    END CASE;
END
$$;


--
-- Name: FUNCTION project_stripe_event(p_environment text, p_event jsonb); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.project_stripe_event(p_environment text, p_event jsonb) IS 'Applies one handled event to the payments mirror (AFTER triggers then project into public tables).';


--
-- Name: refresh_order(uuid); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.refresh_order(p_order_id uuid) RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_order public.orders;
    v_payment payments.payment_history;
BEGIN
    SELECT * INTO v_order FROM public.orders AS o WHERE o.id = p_order_id;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    SELECT h.* INTO v_payment FROM payments.payment_history AS h
    WHERE h.environment = v_order.environment AND h.type = 'one_time_payment'
        AND (
            h.stripe_checkout_session_id = v_order.stripe_checkout_session_id
            OR h.stripe_payment_intent_id = v_order.stripe_payment_intent_id
            OR h.stripe_checkout_session_id IN (
                SELECT cs.stripe_checkout_session_id FROM payments.checkout_sessions AS cs
                WHERE cs.order_id = v_order.id AND cs.environment = v_order.environment
            )
        )
    ORDER BY payments.payment_status_rank(h.type, h.status) DESC, h.id
    LIMIT 1;
    IF FOUND THEN
        PERFORM payments.apply_payment_to_order(v_order.id, v_payment);
    END IF;
END
$$;


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
    AS $$
DECLARE
    v_grants jsonb;
    v_active boolean;
BEGIN
    IF p_payment.type <> 'one_time_payment' OR p_payment.subject_type IS DISTINCT FROM 'user'
        OR p_payment.status NOT IN ('succeeded', 'partially_refunded', 'refunded') THEN
        RETURN;
    END IF;
    v_active := p_payment.status IN ('succeeded', 'partially_refunded')
        AND NOT EXISTS (
            SELECT FROM payments.payment_history AS d
            WHERE d.environment = p_payment.environment AND d.type = 'dispute'
                AND d.stripe_payment_intent_id = p_payment.stripe_payment_intent_id AND d.status = 'lost'
        );
    SELECT coalesce(jsonb_agg(DISTINCT jsonb_build_object('key', k.key, 'product', li.product)), '[]')
    INTO v_grants
    FROM (
        SELECT payments.price_product(p_payment.environment, l ->> 'price') AS product
        FROM jsonb_array_elements(payments.payment_lines(p_payment)) AS l
    ) AS li,
        LATERAL payments.product_entitlement_keys(p_payment.environment, li.product) AS k (key);
    PERFORM payments.set_entitlements(
        p_payment.environment, p_payment.subject_id, 'one_time_payment', p_payment.stripe_payment_intent_id,
        v_grants, v_active, p_payment.stripe_created, NULL
    );
END
$$;


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
    AS $$
DECLARE
    v_sub payments.subscriptions;
    v_access boolean;
    v_grants jsonb;
BEGIN
    SELECT * INTO v_sub FROM payments.subscriptions AS s
    WHERE s.environment = p_environment AND s.stripe_subscription_id = p_subscription_id;
    IF NOT FOUND OR v_sub.subject_type IS DISTINCT FROM 'user' THEN
        RETURN;
    END IF;
    v_access := payments.subscription_grants_access(
        v_sub.status, v_sub.cancel_at_period_end, v_sub.current_period_start, v_sub.current_period_end
    );
    SELECT coalesce(jsonb_agg(DISTINCT jsonb_build_object('key', k.key, 'product', i.product)), '[]')
    INTO v_grants
    FROM (
        SELECT coalesce(
            payments.stripe_id(it -> 'price' -> 'product'),
            payments.price_product(p_environment, payments.stripe_id(it -> 'price'))
        ) AS product
        FROM jsonb_array_elements(coalesce(v_sub.raw -> 'items' -> 'data', '[]')) AS it
    ) AS i,
        LATERAL payments.product_entitlement_keys(p_environment, i.product) AS k (key);
    PERFORM payments.set_entitlements(
        p_environment, v_sub.subject_id, 'subscription', v_sub.stripe_subscription_id, v_grants, v_access,
        coalesce(v_sub.stripe_created, v_sub.trial_start, v_sub.current_period_start),
        CASE
            WHEN v_access AND v_sub.status = 'past_due' THEN
                -- Unpaid: only the past-due grace is left, not the rest of the period.
                least(
                    coalesce(v_sub.current_period_start, v_sub.current_period_end)
                    + payments.setting_interval('past_due_grace_period', INTERVAL '3 days'),
                    v_sub.current_period_end
                    + payments.setting_interval('entitlement_grace_period', INTERVAL '1 day')
                )
            WHEN v_access THEN
                v_sub.current_period_end
                + payments.setting_interval('entitlement_grace_period', INTERVAL '1 day')
            ELSE coalesce(v_sub.ended_at, v_sub.canceled_at, v_sub.current_period_end)
        END
    );
END
$$;


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
    AS $$
DECLARE
    v_best record;
BEGIN
    IF p_subject_type IS NULL OR NOT EXISTS (
        SELECT FROM payments.subject_types AS t WHERE t.subject_type = p_subject_type AND t.is_group
    ) THEN
        RETURN;
    END IF;
    SELECT s.*, payments.subscription_grants_access(
        s.status, s.cancel_at_period_end, s.current_period_start, s.current_period_end
    ) AS grants_access
    INTO v_best
    FROM payments.subscriptions AS s
    WHERE s.environment = p_environment AND s.subject_type = p_subject_type AND s.subject_id = p_subject_id
    ORDER BY
        payments.subscription_grants_access(
            s.status, s.cancel_at_period_end, s.current_period_start, s.current_period_end
        ) DESC,
        CASE s.status
            WHEN 'active' THEN 6 WHEN 'trialing' THEN 5 WHEN 'past_due' THEN 4 WHEN 'paused' THEN 3
            WHEN 'unpaid' THEN 2 WHEN 'incomplete' THEN 1 ELSE 0
        END DESC,
        s.current_period_end DESC NULLS LAST,
        s.quantity DESC NULLS LAST,
        s.stripe_subscription_id
    LIMIT 1;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    INSERT INTO public.team_billing_status AS t (
        environment, subject_type, subject_id, stripe_customer_id, stripe_subscription_id,
        stripe_product_id, stripe_price_id, plan, status, seats, current_period_end,
        cancel_at_period_end, trial_end, has_access, access_until
    )
    SELECT p_environment, p_subject_type, p_subject_id, v_best.stripe_customer_id,
        v_best.stripe_subscription_id, v_best.stripe_product_id, v_best.stripe_price_id,
        coalesce(pr.lookup_key, prod.name, pr.nickname, v_best.stripe_price_id), v_best.status,
        v_best.quantity, v_best.current_period_end, v_best.cancel_at_period_end, v_best.trial_end,
        v_best.grants_access,
        CASE
            WHEN NOT v_best.grants_access THEN NULL
            WHEN v_best.status = 'past_due' THEN
                coalesce(v_best.current_period_start, v_best.current_period_end)
                + payments.setting_interval('past_due_grace_period', INTERVAL '3 days')
            WHEN v_best.cancel_at_period_end THEN v_best.current_period_end
        END
    FROM (SELECT 1) AS one
    LEFT JOIN payments.prices AS pr
        ON pr.environment = p_environment AND pr.stripe_price_id = v_best.stripe_price_id
    LEFT JOIN payments.products AS prod
        ON prod.environment = p_environment AND prod.stripe_product_id = v_best.stripe_product_id
    ON CONFLICT (environment, subject_type, subject_id) DO UPDATE SET
        stripe_customer_id = excluded.stripe_customer_id,
        stripe_subscription_id = excluded.stripe_subscription_id,
        stripe_product_id = excluded.stripe_product_id,
        stripe_price_id = excluded.stripe_price_id,
        plan = excluded.plan,
        status = excluded.status,
        seats = excluded.seats,
        current_period_end = excluded.current_period_end,
        cancel_at_period_end = excluded.cancel_at_period_end,
        trial_end = excluded.trial_end,
        has_access = excluded.has_access,
        access_until = excluded.access_until;
END
$$;


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
    AS $$
DECLARE
    v_sub payments.subscriptions;
    v_payment payments.payment_history;
BEGIN
    -- Subscriptions on this price or product: entitlements and team status read the catalog.
    FOR v_sub IN
        SELECT DISTINCT ON (s.stripe_subscription_id) s.*
        FROM payments.subscription_items AS i
        INNER JOIN payments.subscriptions AS s
            ON s.environment = i.environment AND s.stripe_subscription_id = i.stripe_subscription_id
        WHERE i.environment = p_environment AND NOT i.deleted
            AND (i.stripe_price_id = p_price_id OR i.stripe_product_id = p_product_id)
            AND s.subject_type IS NOT NULL
        ORDER BY s.stripe_subscription_id
    LOOP
        IF v_sub.subject_type = 'user' THEN
            PERFORM payments.refresh_subscription_entitlements(p_environment, v_sub.stripe_subscription_id);
        ELSE
            PERFORM payments.refresh_team_billing_status(p_environment, v_sub.subject_type, v_sub.subject_id);
        END IF;
        IF p_credits THEN
            FOR v_payment IN
                SELECT h.* FROM payments.payment_history AS h
                WHERE h.environment = p_environment AND h.type = 'subscription_invoice'
                    AND h.stripe_subscription_id = v_sub.stripe_subscription_id
            LOOP
                PERFORM payments.sync_payment_credits(v_payment);
            END LOOP;
        END IF;
    END LOOP;
    -- One-time purchases of this price (or of the product's prices) through pgpay's checkout.
    FOR v_payment IN
        SELECT h.* FROM payments.checkout_sessions AS cs
        INNER JOIN payments.payment_history AS h
            ON h.environment = cs.environment AND h.type = 'one_time_payment'
            AND h.stripe_checkout_session_id = cs.stripe_checkout_session_id
        WHERE cs.environment = p_environment AND cs.stripe_checkout_session_id IS NOT NULL
            AND EXISTS (
                SELECT FROM jsonb_array_elements(cs.line_items) AS li
                WHERE li ->> 'price' = p_price_id
                    OR payments.price_product(p_environment, li ->> 'price') = p_product_id
            )
    LOOP
        IF p_credits THEN
            PERFORM payments.sync_payment_credits(v_payment);
        END IF;
        PERFORM payments.refresh_payment_entitlements(v_payment);
    END LOOP;
END
$$;


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
    AS $$
BEGIN
    SELECT s.subject_type, s.subject_id INTO subject_type, subject_id
    FROM payments.subject_from_metadata(coalesce(p_metadata, '{}'::jsonb)) AS s;
    IF subject_type IS NULL AND p_customer_id IS NOT NULL THEN
        SELECT m.subject_type, m.subject_id::text INTO subject_type, subject_id
        FROM payments.stripe_customer_mappings AS m
        WHERE m.environment = p_environment AND m.stripe_customer_id = p_customer_id;
    END IF;
END
$$;


--
-- Name: FUNCTION resolve_subject(p_environment text, p_metadata jsonb, p_customer_id text, OUT subject_type text, OUT subject_id text); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.resolve_subject(p_environment text, p_metadata jsonb, p_customer_id text, OUT subject_type text, OUT subject_id text) IS 'Who an object bills: the subject in its metadata first, the customer mapping second.';


--
-- Name: set_entitlements(text, text, text, text, jsonb, boolean, timestamp with time zone, timestamp with time zone); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.set_entitlements(p_environment text, p_user_id text, p_source_type text, p_source_id text, p_grants jsonb, p_active boolean, p_valid_from timestamp with time zone, p_valid_until timestamp with time zone) RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    -- p_grants: [{"key": ..., "product": ...}], the complete set this source grants now.
    INSERT INTO public.user_entitlements AS e (
        environment, user_id, entitlement_key, source_type, source_id, stripe_product_id, active,
        valid_from, valid_until
    )
    SELECT p_environment, p_user_id, g ->> 'key', p_source_type, p_source_id, g ->> 'product', p_active,
        p_valid_from, p_valid_until
    FROM jsonb_array_elements(p_grants) AS g
    ON CONFLICT (environment, user_id, entitlement_key, source_type, source_id) DO UPDATE SET
        stripe_product_id = excluded.stripe_product_id,
        active = excluded.active,
        valid_from = coalesce(e.valid_from, excluded.valid_from),
        valid_until = excluded.valid_until;
    -- Keys this source no longer grants (a plan swap) are revoked.
    UPDATE public.user_entitlements AS e SET active = FALSE
    WHERE e.environment = p_environment AND e.source_type = p_source_type AND e.source_id = p_source_id
        AND e.active
        AND e.entitlement_key NOT IN (SELECT g ->> 'key' FROM jsonb_array_elements(p_grants) AS g);
END
$$;


--
-- Name: setting_interval(text, interval); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.setting_interval(p_key text, p_default interval) RETURNS interval
    LANGUAGE plpgsql STABLE
    AS $$
BEGIN
    RETURN (
        SELECT coalesce((SELECT (s.value #>> '{}')::interval FROM payments.settings AS s WHERE s.key = p_key), p_default)
    );
END
$$;


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
    CONSTRAINT credit_ledger_kind_check CHECK ((kind = ANY (ARRAY['grant'::text, 'reversal'::text, 'restore'::text, 'spend'::text, 'adjustment'::text]))),
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
    AS $$
DECLARE
    v_key text;
    v_existing public.credit_ledger;
    v_balance bigint;
    v_row public.credit_ledger;
BEGIN
    IF p_environment IS NULL OR p_environment NOT IN ('test', 'live') THEN
        RAISE EXCEPTION 'unknown environment %: use test or live', quote_literal(p_environment)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_amount IS NULL OR p_amount <= 0 THEN
        RAISE EXCEPTION 'spend amount must be a positive number of credits, got %', p_amount
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_idempotency_key IS NULL OR char_length(p_idempotency_key) NOT BETWEEN 1 AND 200 THEN
        RAISE EXCEPTION 'an idempotency key of 1 to 200 characters is required'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT EXISTS (SELECT FROM payments.subject_types AS t WHERE t.subject_type = p_subject_type) THEN
        RAISE EXCEPTION 'unknown subject type %', quote_literal(p_subject_type)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- End users (anon, authenticated) may spend only for subjects they may act for; trusted server
    -- roles (no SET ROLE to an end-user role) may spend for any subject.
    IF current_setting('role') IN ('anon', 'authenticated')
        AND NOT payments.can_spend_for_subject(p_subject_type, p_subject_id) THEN
        RAISE EXCEPTION 'not allowed to spend credits for % %', p_subject_type, p_subject_id
            USING ERRCODE = 'insufficient_privilege';
    END IF;

    -- One subject's spends are serialised, so the balance check cannot be raced past.
    PERFORM pg_advisory_xact_lock(
        hashtextextended('pgpay.credits:' || p_environment || ':' || p_subject_type || ':' || p_subject_id, 0)
    );
    v_key := 'spend:' || p_subject_type || ':' || p_subject_id || ':' || p_idempotency_key;
    SELECT * INTO v_existing FROM public.credit_ledger AS l
    WHERE l.environment = p_environment AND l.source_key = v_key;
    IF FOUND THEN
        IF v_existing.amount <> -p_amount THEN
            RAISE EXCEPTION 'idempotency key % was already used for a spend of % credits',
                quote_literal(p_idempotency_key), -v_existing.amount
                USING ERRCODE = 'unique_violation';
        END IF;
        RETURN v_existing;
    END IF;
    SELECT coalesce(sum(l.amount), 0) INTO v_balance FROM public.credit_ledger AS l
    WHERE l.environment = p_environment AND l.subject_type = p_subject_type
        AND l.subject_id = p_subject_id;
    IF v_balance < p_amount THEN
        RAISE EXCEPTION 'insufficient credits: % % has %, needs %',
            p_subject_type, p_subject_id, v_balance, p_amount
            USING ERRCODE = 'check_violation', HINT = 'nothing was spent';
    END IF;
    INSERT INTO public.credit_ledger (
        environment, subject_type, subject_id, amount, kind, source_key, reason
    ) VALUES (p_environment, p_subject_type, p_subject_id, -p_amount, 'spend', v_key, p_reason)
    RETURNING * INTO v_row;
    RETURN v_row;
END
$$;


--
-- Name: FUNCTION spend_credits(p_environment text, p_subject_type text, p_subject_id text, p_amount bigint, p_reason text, p_idempotency_key text); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.spend_credits(p_environment text, p_subject_type text, p_subject_id text, p_amount bigint, p_reason text, p_idempotency_key text) IS 'Spends credits for a subject, never overdrawing: spends of one subject are serialised by a lock and
the balance is checked inside it (insufficient credits raise check_violation and spend nothing).
Idempotent per key: the same key returns the first spend; the same key with another amount raises.
End users may spend only for subjects payments.can_spend_for_subject allows.';


--
-- Name: stripe_id(jsonb); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.stripe_id(p_value jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT CASE pg_catalog.jsonb_typeof(p_value)
        WHEN 'string' THEN p_value #>> '{}'
        WHEN 'object' THEN p_value ->> 'id'
    END
$$;


--
-- Name: FUNCTION stripe_id(p_value jsonb); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.stripe_id(p_value jsonb) IS 'The id of a Stripe expandable field: the string itself, or the id of an expanded object.';


--
-- Name: subject_from_metadata(jsonb); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.subject_from_metadata(p_metadata jsonb, OUT subject_type text, OUT subject_id text) RETURNS record
    LANGUAGE plpgsql STABLE
    AS $_$
DECLARE
    v_type text := p_metadata ->> 'pgpay_subject_type';
    v_id text := p_metadata ->> 'pgpay_subject_id';
BEGIN
    IF v_type IS NULL OR v_id IS NULL
        OR v_id !~ '^[A-Za-z0-9][A-Za-z0-9_.:@|-]{0,254}$'
        OR NOT EXISTS (SELECT FROM payments.subject_types AS t WHERE t.subject_type = v_type) THEN
        RETURN;
    END IF;
    subject_type := v_type;
    subject_id := v_id;
END
$_$;


--
-- Name: FUNCTION subject_from_metadata(p_metadata jsonb, OUT subject_type text, OUT subject_id text); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.subject_from_metadata(p_metadata jsonb, OUT subject_type text, OUT subject_id text) IS 'The billing subject stamped by pgpay checkout (pgpay_subject_type / pgpay_subject_id), if valid.';


--
-- Name: subscription_grants_access(text, boolean, timestamp with time zone, timestamp with time zone, timestamp with time zone); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.subscription_grants_access(p_status text, p_cancel_at_period_end boolean, p_current_period_start timestamp with time zone, p_current_period_end timestamp with time zone, p_at timestamp with time zone DEFAULT now()) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
    SELECT CASE
        WHEN p_status IN ('active', 'trialing') THEN
            NOT coalesce(p_cancel_at_period_end, FALSE)
            OR p_current_period_end IS NULL
            OR p_at < p_current_period_end
        WHEN p_status = 'past_due' THEN
            p_at < coalesce(p_current_period_start, p_current_period_end, p_at)
            + payments.setting_interval('past_due_grace_period', INTERVAL '3 days')
        ELSE FALSE
    END
$$;


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
    AS $$
    SELECT CASE p_status
        WHEN 'incomplete' THEN 0
        WHEN 'trialing' THEN 1
        WHEN 'active' THEN 2
        WHEN 'past_due' THEN 3
        WHEN 'unpaid' THEN 4
        WHEN 'paused' THEN 5
        WHEN 'canceled' THEN 6
        WHEN 'incomplete_expired' THEN 6
        ELSE -1
    END
$$;


--
-- Name: sync_payment_credits(payments.payment_history); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.sync_payment_credits(p_payment payments.payment_history) RETURNS void
    LANGUAGE plpgsql
    AS $_$
DECLARE
    v_base text;
    v_credits bigint;
    v_due bigint;
    v_reversed bigint;
    v_entries bigint;
    v_dispute payments.payment_history;
    v_hold bigint;
BEGIN
    IF p_payment.subject_type IS NULL
        OR p_payment.type NOT IN ('one_time_payment', 'subscription_invoice')
        OR p_payment.status NOT IN ('succeeded', 'partially_refunded', 'refunded') THEN
        RETURN;
    END IF;
    v_base := CASE p_payment.type
        WHEN 'one_time_payment' THEN 'payment:' || p_payment.stripe_payment_intent_id
        ELSE 'invoice:' || p_payment.stripe_invoice_id
    END;
    -- A $0 invoice (a trial period) grants nothing: credits follow money actually paid.
    IF p_payment.type = 'subscription_invoice' AND p_payment.amount <= 0 THEN
        RETURN;
    END IF;
    -- Once granted, the grant is what refunds and disputes reverse (a later change of the
    -- catalog's credits does not change what this payment bought).
    SELECT l.amount INTO v_credits FROM public.credit_ledger AS l
    WHERE l.environment = p_payment.environment AND l.source_key = v_base || ':grant';
    IF v_credits IS NULL THEN
        v_credits := payments.payment_credits(p_payment.environment, payments.payment_lines(p_payment));
        IF v_credits <= 0 THEN
            RETURN;
        END IF;
        PERFORM payments.post_credit_entry(
            p_payment, v_credits, 'grant', v_base || ':grant', 'paid ' || p_payment.type, 'payment'
        );
    END IF;

    -- Refunds reverse proportionally. Each sync posts the difference between what is due for the
    -- refunded amount now and what refunds reversed so far (a failed refund gives credits back),
    -- so the sum is right in any delivery order and a replay posts nothing.
    v_due := CASE
        WHEN p_payment.amount <= 0 THEN 0
        ELSE (v_credits * least(p_payment.amount_refunded, p_payment.amount)) / p_payment.amount
    END;
    SELECT coalesce(-sum(l.amount), 0), count(*) INTO v_reversed, v_entries FROM public.credit_ledger AS l
    WHERE l.payment_history_id = p_payment.id AND l.metadata ->> 'cause' = 'refund';
    IF v_due <> v_reversed THEN
        PERFORM payments.post_credit_entry(
            p_payment, v_reversed - v_due, CASE WHEN v_due > v_reversed THEN 'reversal' ELSE 'restore' END,
            v_base || ':refund:' || (v_entries + 1),
            'refunded ' || p_payment.amount_refunded || ' of ' || p_payment.amount, 'refund'
        );
    END IF;

    -- Disputes hold the disputed share of the credits; a won dispute restores it, a lost one keeps it.
    FOR v_dispute IN
        SELECT d.* FROM payments.payment_history AS d
        WHERE d.environment = p_payment.environment AND d.type = 'dispute'
            AND d.stripe_payment_intent_id = p_payment.stripe_payment_intent_id
        ORDER BY d.stripe_dispute_id
    LOOP
        v_hold := CASE
            WHEN p_payment.amount <= 0 THEN v_credits
            ELSE (v_credits * least(v_dispute.amount, p_payment.amount)) / p_payment.amount
        END;
        PERFORM payments.post_credit_entry(
            p_payment, -v_hold, 'reversal', 'dispute:' || v_dispute.stripe_dispute_id || ':hold',
            'disputed', 'dispute'
        );
        IF v_dispute.status = 'won' THEN
            PERFORM payments.post_credit_entry(
                p_payment, v_hold, 'restore', 'dispute:' || v_dispute.stripe_dispute_id || ':restore',
                'dispute won', 'dispute'
            );
        END IF;
    END LOOP;
END
$_$;


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


--
-- Name: tg_catalog__reproject(); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.tg_catalog__reproject() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_TABLE_NAME = 'prices' THEN
        PERFORM payments.reproject_catalog_item(
            NEW.environment, NEW.stripe_price_id, NULL, TG_OP = 'INSERT'
        );
    ELSE
        PERFORM payments.reproject_catalog_item(
            NEW.environment, NULL, NEW.stripe_product_id, TG_OP = 'INSERT'
        );
    END IF;
    RETURN NULL;
END
$$;


--
-- Name: FUNCTION tg_catalog__reproject(); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.tg_catalog__reproject() IS 'A price or product seen for the first time, or whose entitlements or credits changed, re-projects
the subscriptions and one-time purchases that use it.';


--
-- Name: tg_checkout_sessions__reproject_payment(); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.tg_checkout_sessions__reproject_payment() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
DECLARE
    v_payment payments.payment_history;
BEGIN
    IF NEW.stripe_checkout_session_id IS NULL THEN
        RETURN NULL;
    END IF;
    -- The payment may have been recorded before pgpay stored what the session bought or which
    -- order it pays: project it again now that it is known.
    FOR v_payment IN
        SELECT h.* FROM payments.payment_history AS h
        WHERE h.environment = NEW.environment AND h.type = 'one_time_payment'
            AND h.stripe_checkout_session_id = NEW.stripe_checkout_session_id
    LOOP
        PERFORM payments.project_payment_to_orders(v_payment);
        PERFORM payments.sync_payment_credits(v_payment);
        PERFORM payments.refresh_payment_entitlements(v_payment);
    END LOOP;
    RETURN NULL;
END
$$;


--
-- Name: FUNCTION tg_checkout_sessions__reproject_payment(); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.tg_checkout_sessions__reproject_payment() IS 'Re-projects a checkout session''s payment when pgpay stores its line items, order or Stripe id late.';


--
-- Name: tg_credit_ledger__append_only(); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.tg_credit_ledger__append_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION 'public.credit_ledger is append-only: post a reversal or adjustment instead'
        USING ERRCODE = 'insufficient_privilege';
END
$$;


--
-- Name: tg_orders__catch_up(); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.tg_orders__catch_up() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
BEGIN
    PERFORM payments.refresh_order(NEW.id);
    RETURN NULL;
END
$$;


--
-- Name: tg_payment_history__project_fulfilment(); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.tg_payment_history__project_fulfilment() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_parent payments.payment_history;
BEGIN
    IF NEW.type = 'dispute' THEN
        v_parent := payments.parent_payment(NEW.environment, NEW.stripe_payment_intent_id, NEW.stripe_charge_id);
        IF v_parent.id IS NULL THEN
            RETURN NULL;
        END IF;
    ELSIF NEW.type = 'refund' THEN
        RETURN NULL;
    ELSE
        v_parent := NEW;
    END IF;
    PERFORM payments.project_payment_to_orders(v_parent);
    PERFORM payments.sync_payment_credits(v_parent);
    PERFORM payments.refresh_payment_entitlements(v_parent);
    RETURN NULL;
END
$$;


--
-- Name: FUNCTION tg_payment_history__project_fulfilment(); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.tg_payment_history__project_fulfilment() IS 'Projects a payment (or a dispute on it) into orders, the credit ledger and user entitlements.';


--
-- Name: tg_subscriptions__project_fulfilment(); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.tg_subscriptions__project_fulfilment() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF NEW.subject_type IS NULL THEN
        RETURN NULL;
    END IF;
    IF NEW.subject_type = 'user' THEN
        PERFORM payments.refresh_subscription_entitlements(NEW.environment, NEW.stripe_subscription_id);
    ELSE
        PERFORM payments.refresh_team_billing_status(NEW.environment, NEW.subject_type, NEW.subject_id);
    END IF;
    RETURN NULL;
END
$$;


--
-- Name: FUNCTION tg_subscriptions__project_fulfilment(); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.tg_subscriptions__project_fulfilment() IS 'Projects a subscription into user_entitlements (user subjects) or team_billing_status (groups).';


--
-- Name: to_timestamptz(jsonb); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.to_timestamptz(p_epoch jsonb) RETURNS timestamp with time zone
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT CASE WHEN pg_catalog.jsonb_typeof(p_epoch) = 'number'
        THEN pg_catalog.to_timestamp((p_epoch #>> '{}')::double precision)
    END
$$;


--
-- Name: FUNCTION to_timestamptz(p_epoch jsonb); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.to_timestamptz(p_epoch jsonb) IS 'A Stripe Unix timestamp (JSON number) as timestamptz; NULL for null or missing.';


--
-- Name: try_uuid(text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.try_uuid(p_value text) RETURNS uuid
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $_$
    SELECT CASE
        WHEN p_value ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN p_value::uuid
    END
$_$;


--
-- Name: FUNCTION try_uuid(p_value text); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.try_uuid(p_value text) IS 'The text as a uuid, or NULL when it is not one (never raises).';


--
-- Name: upsert_payment_history(text, text, text, text, timestamp with time zone, text, jsonb, text, text, text, text, text, text, bigint, bigint, text, text, text, jsonb, text, text); Type: FUNCTION; Schema: payments; Owner: -
--

CREATE FUNCTION payments.upsert_payment_history(p_environment text, p_type text, p_key text, p_status text, p_event_at timestamp with time zone, p_object_type text, p_object jsonb, p_payment_intent text DEFAULT NULL::text, p_charge text DEFAULT NULL::text, p_invoice text DEFAULT NULL::text, p_subscription text DEFAULT NULL::text, p_checkout_session text DEFAULT NULL::text, p_customer text DEFAULT NULL::text, p_amount bigint DEFAULT NULL::bigint, p_amount_refunded bigint DEFAULT NULL::bigint, p_currency text DEFAULT NULL::text, p_description text DEFAULT NULL::text, p_failure_message text DEFAULT NULL::text, p_metadata jsonb DEFAULT '{}'::jsonb, p_subject_type text DEFAULT NULL::text, p_subject_id text DEFAULT NULL::text) RETURNS bigint
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_row payments.payment_history;
    v_found boolean;
    v_raw jsonb;
    v_seen timestamptz;
    v_failure_at timestamptz;
    v_snapshot jsonb;
    v_new payments.payment_history;
BEGIN
    IF p_key IS NULL THEN
        RETURN NULL;
    END IF;
    LOOP
        IF p_type = 'one_time_payment' THEN
            SELECT * INTO v_row FROM payments.payment_history AS h
            WHERE h.environment = p_environment AND h.type = 'one_time_payment'
                AND h.stripe_payment_intent_id = p_key
            FOR UPDATE;
        ELSIF p_type = 'subscription_invoice' THEN
            SELECT * INTO v_row FROM payments.payment_history AS h
            WHERE h.environment = p_environment AND h.type = 'subscription_invoice'
                AND h.stripe_invoice_id = p_key
            FOR UPDATE;
        ELSIF p_type = 'refund' THEN
            SELECT * INTO v_row FROM payments.payment_history AS h
            WHERE h.environment = p_environment AND h.type = 'refund' AND h.stripe_refund_id = p_key
            FOR UPDATE;
        ELSE
            SELECT * INTO v_row FROM payments.payment_history AS h
            WHERE h.environment = p_environment AND h.type = 'dispute' AND h.stripe_dispute_id = p_key
            FOR UPDATE;
        END IF;
        v_found := FOUND;

        -- raw keeps the newest snapshot of each object type that spoke about this payment, with
        -- the event time it came from in raw._seen, and the newest failure in raw._failure.
        v_raw := coalesce(v_row.raw, '{}'::jsonb);
        IF p_object_type IS NOT NULL AND p_object IS NOT NULL THEN
            v_snapshot := payments.payment_snapshot(p_type, p_object_type, p_object);
            v_seen := pg_catalog.to_timestamp((v_raw -> '_seen' ->> p_object_type)::double precision);
            IF v_seen IS NULL OR p_event_at > v_seen
                OR (p_event_at = v_seen AND v_snapshot > v_raw -> p_object_type) THEN
                v_raw := v_raw || jsonb_build_object(p_object_type, v_snapshot);
                v_raw := jsonb_set(
                    v_raw, ARRAY['_seen'],
                    coalesce(v_raw -> '_seen', '{}'::jsonb)
                    || jsonb_build_object(p_object_type, extract(EPOCH FROM p_event_at))
                );
            END IF;
        END IF;
        IF p_status = 'failed' AND p_failure_message IS NOT NULL THEN
            v_failure_at := pg_catalog.to_timestamp((v_raw -> '_failure' ->> 'at')::double precision);
            IF v_failure_at IS NULL OR p_event_at > v_failure_at
                OR (p_event_at = v_failure_at AND p_failure_message < v_raw -> '_failure' ->> 'message') THEN
                v_raw := v_raw || jsonb_build_object(
                    '_failure',
                    jsonb_build_object('at', extract(EPOCH FROM p_event_at), 'message', p_failure_message)
                );
            END IF;
        END IF;

        v_new := v_row;
        v_new.environment := p_environment;
        v_new.type := p_type;
        v_new.raw := v_raw;
        v_new.stripe_payment_intent_id := CASE
            WHEN p_type = 'one_time_payment' THEN p_key
            ELSE coalesce(v_row.stripe_payment_intent_id, p_payment_intent)
        END;
        v_new.stripe_invoice_id := CASE
            WHEN p_type = 'subscription_invoice' THEN p_key ELSE coalesce(v_row.stripe_invoice_id, p_invoice)
        END;
        v_new.stripe_refund_id := CASE WHEN p_type = 'refund' THEN p_key END;
        v_new.stripe_dispute_id := CASE WHEN p_type = 'dispute' THEN p_key END;
        -- The charge: the one the newest invoice / payment intent names, else the newest charge seen.
        v_new.stripe_charge_id := coalesce(
            CASE p_type
                WHEN 'subscription_invoice' THEN coalesce(
                    payments.stripe_id(v_raw -> 'invoice' -> 'charge'),
                    (
                        SELECT payments.stripe_id(pay -> 'payment' -> 'charge')
                        FROM jsonb_array_elements(coalesce(v_raw -> 'invoice' -> 'payments' -> 'data', '[]')) AS pay
                        ORDER BY pay ->> 'status' = 'paid' DESC, (pay ->> 'is_default')::boolean DESC NULLS LAST
                        LIMIT 1
                    )
                )
                WHEN 'one_time_payment' THEN payments.stripe_id(v_raw -> 'payment_intent' -> 'latest_charge')
            END,
            v_raw -> 'charge' ->> 'id',
            v_row.stripe_charge_id,
            p_charge
        );
        v_new.amount := greatest(v_row.amount, coalesce(p_amount, 0));
        v_new.amount_refunded := 0;
        IF p_type IN ('one_time_payment', 'subscription_invoice') THEN
            -- Refunded: the live refunds known, or what the newest charge snapshot reports less
            -- the refunds that failed after it.
            v_seen := pg_catalog.to_timestamp((v_raw -> '_seen' ->> 'charge')::double precision);
            SELECT greatest(
                coalesce(sum(r.amount) FILTER (WHERE r.status IN ('pending', 'requires_action', 'succeeded')), 0),
                coalesce((v_raw -> 'charge' ->> 'amount_refunded')::bigint, 0)
                - coalesce(sum(r.amount) FILTER (
                    WHERE r.status IN ('failed', 'canceled') AND r.last_event_at >= v_seen
                ), 0)
            ) INTO v_new.amount_refunded
            FROM payments.payment_history AS r
            WHERE r.environment = p_environment AND r.type = 'refund'
                AND (
                    r.stripe_payment_intent_id = v_new.stripe_payment_intent_id
                    OR r.stripe_charge_id = v_new.stripe_charge_id
                );
        END IF;
        v_new.status := payments.merge_payment_status(
            p_type, v_row.status, coalesce(p_status, v_row.status, 'pending'), v_new.amount,
            v_new.amount_refunded
        );
        IF v_row.subject_type IS NULL AND p_subject_type IS NOT NULL AND p_subject_id IS NOT NULL THEN
            v_new.subject_type := p_subject_type;
            v_new.subject_id := p_subject_id;
        END IF;
        v_new.stripe_customer_id := coalesce(v_row.stripe_customer_id, p_customer);
        v_new.stripe_checkout_session_id := coalesce(v_row.stripe_checkout_session_id, p_checkout_session);
        v_new.stripe_subscription_id := coalesce(v_row.stripe_subscription_id, p_subscription);
        v_new.currency := coalesce(v_row.currency, lower(p_currency));
        v_new.description := coalesce(v_row.description, p_description);
        v_new.failure_message := v_raw -> '_failure' ->> 'message';
        v_new.metadata := coalesce(v_row.metadata, '{}'::jsonb) || coalesce(p_metadata, '{}'::jsonb);
        v_new.stripe_created := least(v_row.stripe_created, payments.to_timestamptz(p_object -> 'created'));
        -- Only events that bring a snapshot date the row (a refund re-deriving its payment's
        -- refunded amount does not: it may come before or after the payment).
        v_new.last_event_at := CASE
            WHEN p_object_type IS NULL THEN coalesce(v_row.last_event_at, p_event_at)
            ELSE greatest(v_row.last_event_at, p_event_at)
        END;

        IF v_found THEN
            UPDATE payments.payment_history AS h SET
                status = v_new.status, subject_type = v_new.subject_type, subject_id = v_new.subject_id,
                stripe_customer_id = v_new.stripe_customer_id,
                stripe_checkout_session_id = v_new.stripe_checkout_session_id,
                stripe_payment_intent_id = v_new.stripe_payment_intent_id,
                stripe_charge_id = v_new.stripe_charge_id, stripe_invoice_id = v_new.stripe_invoice_id,
                stripe_subscription_id = v_new.stripe_subscription_id, amount = v_new.amount,
                amount_refunded = v_new.amount_refunded, currency = v_new.currency,
                description = v_new.description, failure_message = v_new.failure_message,
                metadata = v_new.metadata, stripe_created = v_new.stripe_created,
                last_event_at = v_new.last_event_at, raw = v_new.raw
            WHERE h.id = v_row.id
                AND (h.status, h.subject_type, h.subject_id, h.stripe_customer_id,
                    h.stripe_checkout_session_id, h.stripe_payment_intent_id, h.stripe_charge_id,
                    h.stripe_invoice_id, h.stripe_subscription_id, h.amount, h.amount_refunded,
                    h.currency, h.description, h.failure_message, h.metadata, h.stripe_created,
                    h.last_event_at, h.raw)
                IS DISTINCT FROM
                    (v_new.status, v_new.subject_type, v_new.subject_id, v_new.stripe_customer_id,
                    v_new.stripe_checkout_session_id, v_new.stripe_payment_intent_id,
                    v_new.stripe_charge_id, v_new.stripe_invoice_id, v_new.stripe_subscription_id,
                    v_new.amount, v_new.amount_refunded, v_new.currency, v_new.description,
                    v_new.failure_message, v_new.metadata, v_new.stripe_created, v_new.last_event_at,
                    v_new.raw);
            v_new.id := v_row.id;
            EXIT;
        END IF;
        INSERT INTO payments.payment_history (
            environment, type, status, subject_type, subject_id, stripe_customer_id,
            stripe_checkout_session_id, stripe_payment_intent_id, stripe_charge_id, stripe_invoice_id,
            stripe_subscription_id, stripe_refund_id, stripe_dispute_id, amount, amount_refunded,
            currency, description, failure_message, metadata, stripe_created, last_event_at, raw
        ) VALUES (
            p_environment, p_type, v_new.status, v_new.subject_type, v_new.subject_id,
            v_new.stripe_customer_id, v_new.stripe_checkout_session_id, v_new.stripe_payment_intent_id,
            v_new.stripe_charge_id, v_new.stripe_invoice_id, v_new.stripe_subscription_id,
            v_new.stripe_refund_id, v_new.stripe_dispute_id, v_new.amount, v_new.amount_refunded,
            v_new.currency, v_new.description, v_new.failure_message, v_new.metadata,
            v_new.stripe_created, v_new.last_event_at, v_new.raw
        )
        ON CONFLICT DO NOTHING
        RETURNING id INTO v_new.id;
        EXIT WHEN v_new.id IS NOT NULL;
        -- Lost a race with a concurrent insert of the same object: lock its row and merge again.
    END LOOP;

    -- Refunds and disputes that arrived before their payment learn its subject and links (only
    -- needed when this payment just appeared or just learnt one of them).
    IF p_type IN ('one_time_payment', 'subscription_invoice')
        AND (
            NOT v_found
            OR (v_row.subject_type, v_row.subject_id, v_row.stripe_customer_id,
                v_row.stripe_checkout_session_id, v_row.stripe_invoice_id, v_row.stripe_subscription_id,
                v_row.stripe_payment_intent_id, v_row.stripe_charge_id)
            IS DISTINCT FROM
                (v_new.subject_type, v_new.subject_id, v_new.stripe_customer_id,
                v_new.stripe_checkout_session_id, v_new.stripe_invoice_id, v_new.stripe_subscription_id,
                v_new.stripe_payment_intent_id, v_new.stripe_charge_id)
        ) THEN
        UPDATE payments.payment_history AS c SET
            subject_type = coalesce(c.subject_type, v_new.subject_type),
            subject_id = CASE WHEN c.subject_type IS NULL THEN v_new.subject_id ELSE c.subject_id END,
            stripe_customer_id = coalesce(c.stripe_customer_id, v_new.stripe_customer_id),
            stripe_checkout_session_id = coalesce(c.stripe_checkout_session_id, v_new.stripe_checkout_session_id),
            stripe_invoice_id = coalesce(c.stripe_invoice_id, v_new.stripe_invoice_id),
            stripe_subscription_id = coalesce(c.stripe_subscription_id, v_new.stripe_subscription_id)
        WHERE c.environment = p_environment AND c.type IN ('refund', 'dispute')
            AND (c.stripe_payment_intent_id = v_new.stripe_payment_intent_id OR c.stripe_charge_id = v_new.stripe_charge_id)
            AND (
                (c.subject_type IS NULL AND v_new.subject_type IS NOT NULL)
                OR (c.stripe_customer_id IS NULL AND v_new.stripe_customer_id IS NOT NULL)
                OR (c.stripe_checkout_session_id IS NULL AND v_new.stripe_checkout_session_id IS NOT NULL)
                OR (c.stripe_invoice_id IS NULL AND v_new.stripe_invoice_id IS NOT NULL)
                OR (c.stripe_subscription_id IS NULL AND v_new.stripe_subscription_id IS NOT NULL)
            );
    END IF;
    RETURN v_new.id;
END
$$;


--
-- Name: FUNCTION upsert_payment_history(p_environment text, p_type text, p_key text, p_status text, p_event_at timestamp with time zone, p_object_type text, p_object jsonb, p_payment_intent text, p_charge text, p_invoice text, p_subscription text, p_checkout_session text, p_customer text, p_amount bigint, p_amount_refunded bigint, p_currency text, p_description text, p_failure_message text, p_metadata jsonb, p_subject_type text, p_subject_id text); Type: COMMENT; Schema: payments; Owner: -
--

COMMENT ON FUNCTION payments.upsert_payment_history(p_environment text, p_type text, p_key text, p_status text, p_event_at timestamp with time zone, p_object_type text, p_object jsonb, p_payment_intent text, p_charge text, p_invoice text, p_subscription text, p_checkout_session text, p_customer text, p_amount bigint, p_amount_refunded bigint, p_currency text, p_description text, p_failure_message text, p_metadata jsonb, p_subject_type text, p_subject_id text) IS 'Creates or merges the payment_history row of one payment object. Commutative: whatever order the
events come in, the row ends the same. Status by forward rank; the charge and the failure message from
the newest snapshot that names them; the refunded amount from the live refund rows or the newest charge
snapshot (p_amount_refunded is not used: it is derived); ids and the subject are filled once.';


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
    CONSTRAINT prices_recurring_interval_check CHECK ((recurring_interval = ANY (ARRAY['day'::text, 'week'::text, 'month'::text, 'year'::text]))),
    CONSTRAINT prices_type_check CHECK ((type = ANY (ARRAY['one_time'::text, 'recurring'::text])))
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
    CONSTRAINT orders_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'paid'::text, 'failed'::text, 'refunded'::text, 'disputed'::text, 'fulfilled'::text, 'canceled'::text]))),
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

CREATE INDEX webhook_events_failed_idx ON payments.webhook_events USING btree (environment, received_at) WHERE (status = 'failed'::text);


--
-- Name: webhook_events_invoice_payment_idx; Type: INDEX; Schema: payments; Owner: -
--

CREATE INDEX webhook_events_invoice_payment_idx ON payments.webhook_events USING btree (environment, ((((payload -> 'data'::text) -> 'object'::text) ->> 'invoice'::text))) WHERE (type ~~ 'invoice_payment.%'::text);


--
-- Name: webhook_events_unprocessed_idx; Type: INDEX; Schema: payments; Owner: -
--

CREATE INDEX webhook_events_unprocessed_idx ON payments.webhook_events USING btree (received_at) WHERE (status = ANY (ARRAY['received'::text, 'failed'::text]));


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

CREATE TRIGGER _201_project_fulfilment_on_change AFTER UPDATE ON payments.payment_history FOR EACH ROW WHEN (((((((((old.status IS DISTINCT FROM new.status) OR (old.amount IS DISTINCT FROM new.amount)) OR (old.amount_refunded IS DISTINCT FROM new.amount_refunded)) OR (old.subject_type IS DISTINCT FROM new.subject_type)) OR ((old.subject_id)::text IS DISTINCT FROM (new.subject_id)::text)) OR (old.stripe_checkout_session_id IS DISTINCT FROM new.stripe_checkout_session_id)) OR (old.stripe_payment_intent_id IS DISTINCT FROM new.stripe_payment_intent_id)) OR (old.metadata IS DISTINCT FROM new.metadata))) EXECUTE FUNCTION payments.tg_payment_history__project_fulfilment();


--
-- Name: subscriptions _201_project_fulfilment_on_change; Type: TRIGGER; Schema: payments; Owner: -
--

CREATE TRIGGER _201_project_fulfilment_on_change AFTER UPDATE ON payments.subscriptions FOR EACH ROW WHEN (((((((((((((((old.status IS DISTINCT FROM new.status) OR (old.subject_type IS DISTINCT FROM new.subject_type)) OR ((old.subject_id)::text IS DISTINCT FROM (new.subject_id)::text)) OR (old.stripe_price_id IS DISTINCT FROM new.stripe_price_id)) OR (old.stripe_product_id IS DISTINCT FROM new.stripe_product_id)) OR (old.quantity IS DISTINCT FROM new.quantity)) OR (old.cancel_at_period_end IS DISTINCT FROM new.cancel_at_period_end)) OR (old.current_period_start IS DISTINCT FROM new.current_period_start)) OR (old.current_period_end IS DISTINCT FROM new.current_period_end)) OR (old.trial_start IS DISTINCT FROM new.trial_start)) OR (old.trial_end IS DISTINCT FROM new.trial_end)) OR (old.ended_at IS DISTINCT FROM new.ended_at)) OR (old.canceled_at IS DISTINCT FROM new.canceled_at)) OR ((old.raw -> 'items'::text) IS DISTINCT FROM (new.raw -> 'items'::text)))) EXECUTE FUNCTION payments.tg_subscriptions__project_fulfilment();


--
-- Name: prices _201_reproject_on_change; Type: TRIGGER; Schema: payments; Owner: -
--

CREATE TRIGGER _201_reproject_on_change AFTER UPDATE ON payments.prices FOR EACH ROW WHEN (((((old.metadata -> 'credits'::text) IS DISTINCT FROM (new.metadata -> 'credits'::text)) OR ((old.metadata -> 'entitlements'::text) IS DISTINCT FROM (new.metadata -> 'entitlements'::text))) OR (old.stripe_product_id IS DISTINCT FROM new.stripe_product_id))) EXECUTE FUNCTION payments.tg_catalog__reproject();


--
-- Name: products _201_reproject_on_change; Type: TRIGGER; Schema: payments; Owner: -
--

CREATE TRIGGER _201_reproject_on_change AFTER UPDATE ON payments.products FOR EACH ROW WHEN ((((old.metadata -> 'credits'::text) IS DISTINCT FROM (new.metadata -> 'credits'::text)) OR ((old.metadata -> 'entitlements'::text) IS DISTINCT FROM (new.metadata -> 'entitlements'::text)))) EXECUTE FUNCTION payments.tg_catalog__reproject();


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

CREATE POLICY credit_ledger__select__subject ON public.credit_ledger FOR SELECT TO authenticated USING (payments.can_read_subject(subject_type, (subject_id)::text));


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

CREATE POLICY orders__select__subject ON public.orders FOR SELECT TO authenticated USING ((payments.can_read_subject(subject_type, (subject_id)::text) OR ((subject_type IS NULL) AND (created_by = ( SELECT payments.current_user_id() AS current_user_id)))));


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
-- Name: FUNCTION absorb_stray_payment(p_environment text, p_invoice_id text, p_payment_intent text); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.absorb_stray_payment(p_environment text, p_invoice_id text, p_payment_intent text) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.absorb_stray_payment(p_environment text, p_invoice_id text, p_payment_intent text) TO pgpay_writer;


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
-- Name: FUNCTION is_terminal_subscription_status(p_status text); Type: ACL; Schema: payments; Owner: -
--

REVOKE ALL ON FUNCTION payments.is_terminal_subscription_status(p_status text) FROM PUBLIC;
GRANT ALL ON FUNCTION payments.is_terminal_subscription_status(p_status text) TO pgpay_writer;


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
