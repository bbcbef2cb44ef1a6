-- Keeps one payment_history row per payment object (payment intent, invoice, refund, dispute) and
-- merges every event about it: statuses only move forward, amounts only grow, ids are filled once.

CREATE OR REPLACE FUNCTION payments.payment_snapshot(p_type text, p_object_type text, p_object jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE PARALLEL SAFE
AS $$
BEGIN
    -- A row keeps its own object whole (the intent of a one-time payment, the invoice, the refund,
    -- the dispute) and only the fields pgpay reads of the objects around it, so rewriting the row on
    -- every event stays cheap.
    RETURN CASE
        WHEN p_object_type = '{"one_time_payment": "payment_intent", "subscription_invoice": "invoice",
            "refund": "refund", "dispute": "dispute"}'::jsonb ->> p_type THEN p_object
        WHEN p_object_type = 'charge' THEN jsonb_strip_nulls(jsonb_build_object(
            'id', p_object -> 'id', 'object', p_object -> 'object', 'amount', p_object -> 'amount',
            'amount_refunded', p_object -> 'amount_refunded', 'status', p_object -> 'status',
            'created', p_object -> 'created', 'currency', p_object -> 'currency',
            'payment_intent', p_object -> 'payment_intent', 'invoice', p_object -> 'invoice',
            'refunded', p_object -> 'refunded', 'disputed', p_object -> 'disputed',
            'failure_code', p_object -> 'failure_code', 'failure_message', p_object -> 'failure_message',
            'metadata', p_object -> 'metadata'
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

COMMENT ON FUNCTION payments.payment_snapshot(text, text, jsonb) IS
'What payment_history.raw keeps of an object: the row''s own object whole, the fields pgpay reads of a
related charge or checkout session (the full objects are in webhook_events.payload).';

CREATE OR REPLACE FUNCTION payments.upsert_payment_history(
    p_environment text,
    p_type text,
    p_key text,
    p_status text,
    p_event_at timestamptz,
    p_object_type text,
    p_object jsonb,
    p_payment_intent text DEFAULT NULL,
    p_charge text DEFAULT NULL,
    p_invoice text DEFAULT NULL,
    p_subscription text DEFAULT NULL,
    p_checkout_session text DEFAULT NULL,
    p_customer text DEFAULT NULL,
    p_amount bigint DEFAULT NULL,
    p_amount_refunded bigint DEFAULT NULL,
    p_currency text DEFAULT NULL,
    p_description text DEFAULT NULL,
    p_failure_message text DEFAULT NULL,
    p_metadata jsonb DEFAULT '{}'::jsonb,
    p_subject_type text DEFAULT NULL,
    p_subject_id text DEFAULT NULL
)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    v_row payments.payment_history;
    v_found boolean;
    v_raw jsonb;
    v_seen timestamptz;
    v_failure_at timestamptz;
    v_snapshot jsonb;
    v_charge text;
    v_new payments.payment_history;
    v_stray payments.payment_history;
    v_stray_taken boolean := FALSE;
    v_input integer;
    v_in_type text;
    v_in_object jsonb;
    v_in_at timestamptz;
    v_in_metadata jsonb;
    v_in_status text;
    v_in_failure text;
    v_statuses text[];
    v_status text;
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
        -- A payment intent first seen on its own (new API shape: no invoice on it) was taken for a
        -- one-time payment: its row goes, and what it learnt (its charge snapshot, status and
        -- failure) is merged below as if those events had come for this invoice, in this one write.
        IF p_type = 'subscription_invoice' AND p_payment_intent IS NOT NULL AND NOT v_stray_taken THEN
            DELETE FROM payments.payment_history AS h
            WHERE h.environment = p_environment AND h.type = 'one_time_payment'
                AND h.stripe_payment_intent_id = p_payment_intent AND h.stripe_checkout_session_id IS NULL
            RETURNING * INTO v_stray;
            v_stray_taken := TRUE;
        END IF;

        -- raw keeps the newest snapshot of each object type that spoke about this payment, with
        -- the event time it came from in raw._seen, and the newest failure in raw._failure.
        -- (#> '{}' hands back the value detoasted once: v_row.raw is a TOAST pointer, which every
        -- -> below would otherwise fetch and decompress again)
        v_raw := coalesce(v_row.raw #> '{}', '{}'::jsonb);
        IF v_found AND NOT v_raw ? '_metadata' THEN
            -- A row from before raw._metadata: each kept snapshot's metadata as if it had just come
            -- (a charge snapshot had none), and the row's metadata below them all.
            v_raw := v_raw || jsonb_build_object('_metadata', jsonb_strip_nulls(jsonb_build_object(
                '_prior', v_row.metadata,
                'checkout_session', v_raw #> '{checkout_session,metadata}',
                'payment_intent', CASE WHEN p_type = 'one_time_payment' THEN v_raw #> '{payment_intent,metadata}' END,
                'invoice', CASE WHEN v_raw ? 'invoice' THEN payments.invoice_metadata(v_raw -> 'invoice') END,
                'refund', v_raw #> '{refund,metadata}',
                'dispute', v_raw #> '{dispute,metadata}'
            )));
        END IF;
        -- What this call brings, then what a stray payment brings: the charge snapshot it saw,
        -- then its failure (each as its own call would merge it).
        v_new := v_row;
        v_statuses := '{}';
        FOR v_input IN 1..3 LOOP
            IF v_input = 1 THEN
                v_in_type := p_object_type;
                v_in_object := p_object;
                v_in_at := p_event_at;
                v_in_metadata := p_metadata;
                v_in_status := p_status;
                v_in_failure := p_failure_message;
            ELSIF v_stray.id IS NULL THEN
                EXIT;
            ELSIF v_input = 2 THEN
                CONTINUE WHEN NOT v_stray.raw ? 'charge';
                v_in_type := 'charge';
                v_in_object := v_stray.raw -> 'charge';
                v_in_at := pg_catalog.to_timestamp((v_stray.raw #>> '{_seen,charge}')::double precision);
                v_in_metadata := '{}';
                v_in_status := v_stray.status;
                v_in_failure := NULL;
            ELSE
                CONTINUE WHEN NOT v_stray.raw ? '_failure';
                v_in_type := NULL;
                v_in_object := NULL;
                v_in_at := pg_catalog.to_timestamp((v_stray.raw #>> '{_failure,at}')::double precision);
                v_in_status := 'failed';
                v_in_failure := v_stray.raw #>> '{_failure,message}';
            END IF;
            IF v_in_type IS NOT NULL AND v_in_object IS NOT NULL THEN
                v_snapshot := payments.payment_snapshot(p_type, v_in_type, v_in_object);
                v_seen := pg_catalog.to_timestamp((v_raw -> '_seen' ->> v_in_type)::double precision);
                IF v_seen IS NULL OR v_in_at > v_seen
                    OR (v_in_at = v_seen AND v_snapshot > v_raw -> v_in_type) THEN
                    -- The snapshot, its time and its metadata replace the older ones of its type.
                    v_raw := v_raw || jsonb_build_object(
                        v_in_type, v_snapshot,
                        '_seen', coalesce(v_raw -> '_seen', '{}'::jsonb)
                            || jsonb_build_object(v_in_type, extract(EPOCH FROM v_in_at)),
                        '_metadata', coalesce(v_raw -> '_metadata', '{}'::jsonb)
                            || jsonb_build_object(v_in_type, coalesce(v_in_metadata, '{}'::jsonb))
                    );
                END IF;
            END IF;
            IF v_in_status = 'failed' AND v_in_failure IS NOT NULL THEN
                v_failure_at := pg_catalog.to_timestamp((v_raw #>> '{_failure,at}')::double precision);
                IF v_failure_at IS NULL OR v_in_at > v_failure_at
                    OR (v_in_at = v_failure_at AND v_in_failure < v_raw #>> '{_failure,message}') THEN
                    v_raw := v_raw || jsonb_build_object(
                        '_failure',
                        jsonb_build_object('at', extract(EPOCH FROM v_in_at), 'message', v_in_failure)
                    );
                END IF;
            END IF;
            v_statuses := v_statuses || v_in_status;
            v_new.stripe_created := least(v_new.stripe_created, payments.to_timestamptz(v_in_object -> 'created'));
            -- Only inputs that bring a snapshot date the row (a refund re-deriving its payment's
            -- refunded amount does not: it may come before or after the payment).
            v_new.last_event_at := CASE
                WHEN v_in_type IS NULL THEN coalesce(v_new.last_event_at, v_in_at)
                ELSE greatest(v_new.last_event_at, v_in_at)
            END;
        END LOOP;

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
        v_charge := CASE p_type
            WHEN 'subscription_invoice' THEN payments.stripe_id(v_raw #> '{invoice,charge}')
            WHEN 'one_time_payment' THEN payments.stripe_id(v_raw #> '{payment_intent,latest_charge}')
        END;
        IF v_charge IS NULL AND p_type = 'subscription_invoice'
            AND payments.array_size(v_raw #> '{invoice,payments,data}') > 0 THEN
            SELECT payments.stripe_id(pay #> '{payment,charge}') INTO v_charge
            FROM jsonb_array_elements(v_raw #> '{invoice,payments,data}') AS pay
            ORDER BY pay ->> 'status' = 'paid' DESC, (pay ->> 'is_default')::boolean DESC NULLS LAST
            LIMIT 1;
        END IF;
        v_new.stripe_charge_id := coalesce(v_charge, v_raw #>> '{charge,id}', v_row.stripe_charge_id, p_charge);
        v_new.amount := greatest(v_row.amount, coalesce(p_amount, 0));
        v_new.amount_refunded := 0;
        IF p_type IN ('one_time_payment', 'subscription_invoice') THEN
            -- Refunded: the live refunds known, or what the newest charge snapshot reports less
            -- the refunds that failed after it.
            v_seen := pg_catalog.to_timestamp((v_raw #>> '{_seen,charge}')::double precision);
            SELECT greatest(
                coalesce(sum(r.amount) FILTER (WHERE r.status IN ('pending', 'requires_action', 'succeeded')), 0),
                coalesce((v_raw #>> '{charge,amount_refunded}')::bigint, 0)
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
        v_new.status := v_row.status;
        FOREACH v_status IN ARRAY v_statuses LOOP
            v_new.status := payments.merge_payment_status(
                p_type, v_new.status, coalesce(v_status, v_new.status, 'pending'), v_new.amount,
                v_new.amount_refunded
            );
        END LOOP;
        IF v_row.subject_type IS NULL AND p_subject_type IS NOT NULL AND p_subject_id IS NOT NULL THEN
            v_new.subject_type := p_subject_type;
            v_new.subject_id := p_subject_id;
        END IF;
        v_new.stripe_customer_id := coalesce(v_row.stripe_customer_id, p_customer);
        v_new.stripe_checkout_session_id := coalesce(v_row.stripe_checkout_session_id, p_checkout_session);
        v_new.stripe_subscription_id := coalesce(v_row.stripe_subscription_id, p_subscription);
        v_new.currency := coalesce(v_row.currency, lower(p_currency));
        v_new.description := coalesce(v_row.description, p_description);
        v_new.failure_message := v_raw #>> '{_failure,message}';
        -- Metadata: each object type's newest, merged in a fixed order, the row's own object last.
        v_new.metadata := coalesce(v_raw #> '{_metadata,_prior}', '{}'::jsonb)
            || coalesce(v_raw #> '{_metadata,checkout_session}', '{}'::jsonb)
            || coalesce(v_raw #> '{_metadata,charge}', '{}'::jsonb)
            || coalesce(v_raw #> '{_metadata,payment_intent}', '{}'::jsonb)
            || coalesce(v_raw #> '{_metadata,invoice}', '{}'::jsonb)
            || coalesce(v_raw #> '{_metadata,refund}', '{}'::jsonb)
            || coalesce(v_raw #> '{_metadata,dispute}', '{}'::jsonb);

        IF v_found AND v_new IS NOT DISTINCT FROM v_row THEN
            EXIT;  -- nothing new (a duplicate snapshot, an older one, a repeated status)
        END IF;
        IF v_found THEN
            UPDATE payments.payment_history AS h SET
                status = v_new.status, subject_type = v_new.subject_type, subject_id = v_new.subject_id,
                stripe_customer_id = v_new.stripe_customer_id,
                stripe_checkout_session_id = v_new.stripe_checkout_session_id,
                stripe_payment_intent_id = v_new.stripe_payment_intent_id,
                stripe_charge_id = v_new.stripe_charge_id, stripe_invoice_id = v_new.stripe_invoice_id,
                stripe_subscription_id = v_new.stripe_subscription_id,
                stripe_refund_id = v_new.stripe_refund_id, stripe_dispute_id = v_new.stripe_dispute_id,
                amount = v_new.amount,
                amount_refunded = v_new.amount_refunded, currency = v_new.currency,
                description = v_new.description, failure_message = v_new.failure_message,
                metadata = v_new.metadata, stripe_created = v_new.stripe_created,
                last_event_at = v_new.last_event_at, raw = v_new.raw
            WHERE h.id = v_row.id;  -- locked above and differs from v_new: no re-comparison
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

COMMENT ON FUNCTION payments.upsert_payment_history(
    text, text, text, text, timestamptz, text, jsonb, text, text, text, text, text, text, bigint,
    bigint, text, text, text, jsonb, text, text
) IS
'Creates or merges the payment_history row of one payment object. Commutative: whatever order the
events come in, the row ends the same. Status by forward rank; the charge and the failure message from
the newest snapshot that names them; the refunded amount from the live refund rows or the newest charge
snapshot (p_amount_refunded is not used: it is derived); metadata from the newest snapshot of each object
type (p_metadata goes with p_object), merged checkout session, charge, payment intent, invoice, refund,
dispute, so a late older snapshot cannot overwrite a newer key; ids and the subject are filled once.
A subscription invoice given its payment intent also takes over the one_time_payment row recorded
for that intent before it was known to pay an invoice (its charge snapshot, status and failure), and
removes it.';

CREATE OR REPLACE FUNCTION payments.invoice_payment_for_intent(p_environment text, p_payment_intent text)
RETURNS payments.payment_history
LANGUAGE plpgsql
STABLE
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

CREATE OR REPLACE FUNCTION payments.apply_checkout_session(
    p_environment text, p_session jsonb, p_event_at timestamptz, p_event_type text
)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    v_void text;  -- takes what a call returns (see 010_helpers.sql)
    v_id text := p_session ->> 'id';
    v_local text := p_session #>> '{metadata,pgpay_checkout_session_id}';
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
    v_subject := payments.resolve_subject(p_environment, p_session -> 'metadata', v_customer);

    -- A session pgpay created carries the local row id: attach the Stripe id if it was never stored.
    IF v_local ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
        -- (coalesce: an IS NULL here could make the planner read every id-less row of the
        -- Stripe-id index instead of the primary key's one; no Stripe id is empty)
        UPDATE payments.checkout_sessions AS cs SET stripe_checkout_session_id = v_id
        WHERE cs.id = v_local::uuid AND cs.environment = p_environment
            AND coalesce(cs.stripe_checkout_session_id, '') = ''
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
        coalesce(p_session #>> '{customer_details,email}', p_session ->> 'customer_email'),
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
        v_void := payments.ensure_customer_mapping(
            p_environment, v_subject.subject_type, v_subject.subject_id, v_customer, 'checkout'
        );
    END IF;
    IF v_subscription IS NOT NULL AND v_subject.subject_type IS NOT NULL THEN
        UPDATE payments.subscriptions AS s
        SET subject_type = v_subject.subject_type, subject_id = v_subject.subject_id
        WHERE s.environment = p_environment AND s.stripe_subscription_id = v_subscription
            AND coalesce(s.subject_type, '') = '';  -- not IS NULL: see ensure_customer_mapping
    END IF;

    IF p_session ->> 'mode' = 'payment' AND v_pi IS NOT NULL AND v_status = 'complete' THEN
        v_payment := CASE
            WHEN p_event_type = 'checkout.session.async_payment_failed' THEN 'failed'
            WHEN v_payment_status IN ('paid', 'no_payment_required') THEN 'succeeded'
            ELSE 'pending'
        END;
        v_void := payments.upsert_payment_history(
            p_environment, 'one_time_payment', v_pi, v_payment, p_event_at, 'checkout_session', p_session,
            p_checkout_session => v_id, p_customer => v_customer,
            p_amount => (p_session ->> 'amount_total')::bigint, p_currency => p_session ->> 'currency',
            p_metadata => coalesce(p_session -> 'metadata', '{}'::jsonb),
            p_subject_type => v_subject.subject_type, p_subject_id => v_subject.subject_id,
            p_failure_message => CASE WHEN v_payment = 'failed' THEN 'asynchronous payment failed' END
        );
    END IF;
END
$$;

COMMENT ON FUNCTION payments.apply_checkout_session(text, jsonb, timestamptz, text) IS
'Mirrors a Checkout Session; on completion maps its customer to the subject and, in payment mode,
records the one-time payment (pending while an asynchronous method is unpaid).';

CREATE OR REPLACE FUNCTION payments.apply_payment_intent(
    p_environment text, p_intent jsonb, p_event_at timestamptz, p_event_type text
)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    v_void text;  -- takes what a call returns (see 010_helpers.sql)
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
    v_subject := payments.resolve_subject(p_environment, p_intent -> 'metadata', v_customer);
    v_void := payments.ensure_customer_mapping(
        p_environment, v_subject.subject_type, v_subject.subject_id, v_customer, 'metadata'
    );
    v_void := payments.upsert_payment_history(
        p_environment, 'one_time_payment', v_id, v_status, p_event_at, 'payment_intent', p_intent,
        p_charge => payments.stripe_id(p_intent -> 'latest_charge'), p_customer => v_customer,
        p_amount => (p_intent ->> 'amount')::bigint, p_currency => p_intent ->> 'currency',
        p_description => p_intent ->> 'description',
        p_failure_message => p_intent #>> '{last_payment_error,message}',
        p_metadata => coalesce(p_intent -> 'metadata', '{}'::jsonb),
        p_subject_type => v_subject.subject_type, p_subject_id => v_subject.subject_id
    );
END
$$;

COMMENT ON FUNCTION payments.apply_payment_intent(text, jsonb, timestamptz, text) IS
'Records a one-time payment from a PaymentIntent event (invoice payments are left to the invoice).';

CREATE OR REPLACE FUNCTION payments.apply_charge(
    p_environment text, p_charge jsonb, p_event_at timestamptz, p_event_type text
)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    v_void text;  -- takes what a call returns (see 010_helpers.sql)
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
    v_subject := payments.resolve_subject(p_environment, p_charge -> 'metadata', v_customer);
    v_existing := payments.invoice_payment_for_intent(p_environment, v_pi);
    -- An invoice's charge goes to the invoice's row, any other to its intent's one-time payment.
    IF v_invoice IS NOT NULL OR v_existing.id IS NOT NULL THEN
        v_type := 'subscription_invoice';
        v_key := coalesce(v_invoice, v_existing.stripe_invoice_id);
    ELSE
        v_type := 'one_time_payment';
        v_key := v_pi;
    END IF;
    v_void := payments.upsert_payment_history(
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
    IF payments.array_size(p_charge #> '{refunds,data}') > 0 THEN
        FOR v_refund IN SELECT r FROM jsonb_array_elements(p_charge #> '{refunds,data}') AS r LOOP
            v_void := payments.apply_refund(p_environment, v_refund, p_event_at);
        END LOOP;
    END IF;
END
$$;

COMMENT ON FUNCTION payments.apply_charge(text, jsonb, timestamptz, text) IS
'Applies a charge to its payment row (one-time or invoice): success, failure, refunded amount.';

CREATE OR REPLACE FUNCTION payments.parent_payment(p_environment text, p_payment_intent text, p_charge text)
RETURNS payments.payment_history
LANGUAGE plpgsql
STABLE
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

CREATE OR REPLACE FUNCTION payments.upsert_child_payment(
    p_environment text, p_type text, p_object jsonb, p_status text, p_event_at timestamptz,
    p_description text DEFAULT NULL, p_failure_message text DEFAULT NULL
)
RETURNS payments.payment_history
LANGUAGE plpgsql
AS $$
DECLARE
    v_void text;  -- takes what a call returns (see 010_helpers.sql)
    v_pi text := payments.stripe_id(p_object -> 'payment_intent');
    v_charge text := payments.stripe_id(p_object -> 'charge');
    v_parent payments.payment_history;
BEGIN
    v_parent := payments.parent_payment(p_environment, v_pi, v_charge);
    v_void := payments.upsert_payment_history(
        p_environment, p_type, p_object ->> 'id', p_status, p_event_at, p_type, p_object,
        p_payment_intent => coalesce(v_pi, v_parent.stripe_payment_intent_id), p_charge => v_charge,
        p_invoice => v_parent.stripe_invoice_id, p_subscription => v_parent.stripe_subscription_id,
        p_checkout_session => v_parent.stripe_checkout_session_id,
        p_customer => v_parent.stripe_customer_id,
        p_amount => (p_object ->> 'amount')::bigint, p_currency => p_object ->> 'currency',
        p_description => p_description, p_failure_message => p_failure_message,
        p_metadata => coalesce(p_object -> 'metadata', '{}'::jsonb),
        p_subject_type => v_parent.subject_type, p_subject_id => v_parent.subject_id
    );
    RETURN v_parent;
END
$$;

COMMENT ON FUNCTION payments.upsert_child_payment(text, text, jsonb, text, timestamptz, text, text) IS
'Records a refund or dispute row with the links and subject of the payment it belongs to (found by
its payment intent or charge); returns that payment (all NULL when it has not arrived yet).';

CREATE OR REPLACE FUNCTION payments.apply_refund(p_environment text, p_refund jsonb, p_event_at timestamptz)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    v_void text;  -- takes what a call returns (see 010_helpers.sql)
    v_parent payments.payment_history;
    v_status text := CASE p_refund ->> 'status'
        WHEN 'succeeded' THEN 'succeeded' WHEN 'failed' THEN 'failed' WHEN 'canceled' THEN 'canceled'
        WHEN 'requires_action' THEN 'requires_action' ELSE 'pending'
    END;
BEGIN
    v_parent := payments.upsert_child_payment(
        p_environment, 'refund', p_refund, v_status, p_event_at,
        p_failure_message => p_refund ->> 'failure_reason'
    );
    -- The payment re-derives its refunded amount from its live refunds (a payment that has not
    -- arrived yet does so when it does).
    IF v_parent.id IS NOT NULL THEN
        v_void := payments.upsert_payment_history(
            p_environment, v_parent.type,
            CASE WHEN v_parent.type = 'subscription_invoice' THEN v_parent.stripe_invoice_id
                ELSE v_parent.stripe_payment_intent_id END,
            NULL, p_event_at, NULL, NULL
        );
    END IF;
END
$$;

COMMENT ON FUNCTION payments.apply_refund(text, jsonb, timestamptz) IS
'Records a refund row; its payment''s refunded amount is re-derived from the live (not failed or
canceled) refunds.';

CREATE OR REPLACE FUNCTION payments.apply_dispute(
    p_environment text, p_dispute jsonb, p_event_at timestamptz, p_event_type text
)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    v_status text := CASE
        WHEN p_dispute ->> 'status' IN ('won', 'warning_closed') THEN 'won'
        WHEN p_dispute ->> 'status' = 'lost' THEN 'lost'
        WHEN p_event_type = 'charge.dispute.funds_reinstated' THEN 'won'
        ELSE 'disputed'
    END;
BEGIN
    PERFORM payments.upsert_child_payment(
        p_environment, 'dispute', p_dispute, v_status, p_event_at,
        p_description => p_dispute ->> 'reason'
    );
END
$$;

COMMENT ON FUNCTION payments.apply_dispute(text, jsonb, timestamptz, text) IS
'Records a dispute row: disputed while open, then won or lost (final).';

CREATE OR REPLACE FUNCTION payments.apply_invoice(
    p_environment text, p_invoice jsonb, p_event_at timestamptz, p_event_type text
)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    v_void text;  -- takes what a call returns (see 010_helpers.sql)
    v_id text := p_invoice ->> 'id';
    v_customer text := payments.stripe_id(p_invoice -> 'customer');
    v_details jsonb := p_invoice #> '{parent,subscription_details}';
    v_subscription text := coalesce(
        payments.stripe_id(p_invoice -> 'subscription'), payments.stripe_id(v_details -> 'subscription')
    );
    v_metadata jsonb;
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
    -- (looked up in constants, as the ranks are: cheaper to set up than a CASE of comparisons)
    v_event_status := coalesce(
        '{"invoice.paid": "succeeded", "invoice.payment_succeeded": "succeeded",
          "invoice.payment_failed": "failed", "invoice.payment_action_required": "requires_action",
          "invoice.voided": "void", "invoice.marked_uncollectible": "uncollectible"}'::jsonb
        ->> p_event_type,
        'pending'
    );
    v_object_status := coalesce(
        '{"paid": "succeeded", "void": "void", "uncollectible": "uncollectible"}'::jsonb
        ->> (p_invoice ->> 'status'),
        'pending'
    );
    IF payments.payment_status_rank('subscription_invoice', v_object_status)
        > payments.payment_status_rank('subscription_invoice', v_event_status) THEN
        v_event_status := v_object_status;
    END IF;
    -- The same snapshot at the same time, merged already: Stripe sends invoice.paid and
    -- invoice.payment_succeeded with one invoice. Merging it again would change nothing: every
    -- input below comes from the snapshot, or from rows that fill this one in when they arrive
    -- (the customer mapping, the subscription, invoice_payment.paid). A failure still merges:
    -- it dates the failure message.
    IF v_event_status <> 'failed' AND EXISTS (
        SELECT FROM payments.payment_history AS h
        WHERE h.environment = p_environment AND h.type = 'subscription_invoice'
            AND h.stripe_invoice_id = v_id
            AND payments.payment_status_rank('subscription_invoice', v_event_status)
            <= payments.payment_status_rank(
                'subscription_invoice',
                CASE WHEN h.status IN ('partially_refunded', 'refunded') THEN 'succeeded' ELSE h.status END
            )
            AND h.raw #> '{_seen,invoice}' = to_jsonb(extract(EPOCH FROM p_event_at))
            AND h.raw -> 'invoice' = p_invoice
    ) THEN
        RETURN;
    END IF;
    v_payment := payments.invoice_intent_payment(p_invoice);
    v_pi := coalesce(
        payments.stripe_id(p_invoice -> 'payment_intent'),
        payments.stripe_id(v_payment #> '{payment,payment_intent}')
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
        v_pi := payments.stripe_id(v_payment #> '{payment,payment_intent}');
        IF v_pi IS NOT NULL THEN
            -- Learnt from the ledger, the intent was not among the event's lock keys: take its lock
            -- before touching any row, so a refund of that intent running now either is seen by
            -- this invoice or sees it (the refund holds no other lock this transaction waits for).
            v_void := pg_advisory_xact_lock(hashtextextended(p_environment || ':' || v_pi, 0));
        END IF;
    END IF;
    v_charge := coalesce(
        payments.stripe_id(p_invoice -> 'charge'), payments.stripe_id(v_payment #> '{payment,charge}')
    );
    -- (worked out only now: the duplicate of invoice.paid returned above without needing it)
    v_metadata := payments.invoice_metadata(p_invoice);
    v_subject := payments.resolve_subject(p_environment, v_metadata, v_customer);
    IF v_subject.subject_type IS NULL THEN
        SELECT s.subject_type, s.subject_id::text INTO v_subject
        FROM payments.subscriptions AS s
        WHERE s.environment = p_environment AND s.stripe_subscription_id = v_subscription;
    END IF;

    v_void := payments.upsert_payment_history(
        p_environment, 'subscription_invoice', v_id, v_event_status, p_event_at, 'invoice', p_invoice,
        p_payment_intent => v_pi, p_charge => v_charge,
        p_subscription => v_subscription, p_customer => v_customer,
        p_amount => (p_invoice ->> 'amount_due')::bigint,
        p_currency => p_invoice ->> 'currency',
        p_description => p_invoice ->> 'billing_reason',
        p_failure_message => p_invoice #>> '{last_finalization_error,message}',
        p_metadata => v_metadata,
        p_subject_type => v_subject.subject_type, p_subject_id => v_subject.subject_id
    );  -- (with v_pi, this also folds in a stray one-time payment of that intent)
END
$$;

COMMENT ON FUNCTION payments.apply_invoice(text, jsonb, timestamptz, text) IS
'Records a subscription invoice payment (either API shape: subscription under parent.subscription_details,
payment intent under payments); invoices without a subscription are not billing pgpay tracks.';

-- Folding a stray one-time payment into its invoice is part of upsert_payment_history now (one
-- merge and one write instead of two); the function that did it as a second merge is gone.
DROP FUNCTION IF EXISTS payments.absorb_stray_payment(text, text, text);

CREATE OR REPLACE FUNCTION payments.apply_invoice_payment(
    p_environment text, p_invoice_payment jsonb, p_event_at timestamptz
)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    v_void text;  -- takes what a call returns (see 010_helpers.sql)
    v_invoice text := payments.stripe_id(p_invoice_payment -> 'invoice');
    v_pi text := payments.stripe_id(p_invoice_payment #> '{payment,payment_intent}');
BEGIN
    IF v_pi IS NULL OR NOT EXISTS (
        SELECT FROM payments.payment_history AS h
        WHERE h.environment = p_environment AND h.type = 'subscription_invoice'
            AND h.stripe_invoice_id = v_invoice
    ) THEN
        -- The invoice is not known yet: apply_invoice finds this event in the ledger when it comes.
        RETURN;
    END IF;
    v_void := payments.upsert_payment_history(
        p_environment, 'subscription_invoice', v_invoice, NULL, p_event_at, NULL, NULL,
        p_payment_intent => v_pi,
        p_charge => payments.stripe_id(p_invoice_payment #> '{payment,charge}')
    );  -- (this also folds in a stray one-time payment of that intent)
END
$$;

COMMENT ON FUNCTION payments.apply_invoice_payment(text, jsonb, timestamptz) IS
'Links an invoice to the payment intent that paid it (invoice_payment.paid, API 2025-03-31 and later,
where webhooks carry invoices without their payments).';
