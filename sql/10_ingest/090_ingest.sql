-- The one entry point of the event path: ledger row, per-object lock, projection, outcome.
-- payments.ingest_stripe_event is called by the webhook handler, `pgpay ingest`, replay, backfill and sync.

CREATE OR REPLACE FUNCTION payments.handled_event_types()
RETURNS text[]
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
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

COMMENT ON FUNCTION payments.handled_event_types() IS
'The Stripe event types pgpay projects; any other type is stored as ignored and answered 2xx.
The managed webhook endpoint subscribes to exactly these.';

CREATE OR REPLACE FUNCTION payments.project_stripe_event(p_environment text, p_event jsonb)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    v_void text;  -- takes what a call returns (see 010_helpers.sql)
    v_type text := p_event ->> 'type';
    v_object jsonb := p_event #> '{data,object}';
    v_at timestamptz := payments.to_timestamptz(p_event -> 'created');
BEGIN
    -- The branches exclude each other; PostgreSQL tests them in turn, each test an expression set
    -- up again in every transaction: the most frequent events come first.
    CASE
        WHEN v_type LIKE 'invoice.%' THEN
            v_void := payments.apply_invoice(p_environment, v_object, v_at, v_type);
        WHEN v_type LIKE 'payment_intent.%' THEN
            v_void := payments.apply_payment_intent(p_environment, v_object, v_at, v_type);
        WHEN v_type IN ('charge.succeeded', 'charge.failed', 'charge.refunded') THEN
            v_void := payments.apply_charge(p_environment, v_object, v_at, v_type);
        WHEN v_type LIKE 'customer.subscription.%' THEN
            v_void := payments.apply_subscription(p_environment, v_object, v_at);
        WHEN v_type IN ('customer.created', 'customer.updated', 'customer.deleted') THEN
            v_void := payments.apply_customer(p_environment, v_object, v_at, v_type = 'customer.deleted');
        WHEN v_type LIKE 'checkout.session.%' THEN
            v_void := payments.apply_checkout_session(p_environment, v_object, v_at, v_type);
        WHEN v_type LIKE 'price.%' THEN
            v_void := payments.apply_price(p_environment, v_object, v_at, v_type = 'price.deleted');
        WHEN v_type LIKE 'product.%' THEN
            v_void := payments.apply_product(p_environment, v_object, v_at, v_type = 'product.deleted');
        WHEN v_type = 'charge.refund.updated' OR v_type LIKE 'refund.%' THEN
            v_void := payments.apply_refund(p_environment, v_object, v_at);
        WHEN v_type LIKE 'charge.dispute.%' THEN
            v_void := payments.apply_dispute(p_environment, v_object, v_at, v_type);
        WHEN v_type = 'invoice_payment.paid' THEN
            v_void := payments.apply_invoice_payment(p_environment, v_object, v_at);
        ELSE
            RAISE EXCEPTION 'pgpay has no projection for event type %', v_type;
    END CASE;
END
$$;

COMMENT ON FUNCTION payments.project_stripe_event(text, jsonb) IS
'Applies one handled event to the payments mirror (AFTER triggers then project into public tables).';

CREATE OR REPLACE FUNCTION payments.event_lock_keys(p_event jsonb)
RETURNS text[]
LANGUAGE plpgsql
IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
    v_object jsonb := p_event #> '{data,object}';
    v_kind text := v_object ->> 'object';
    v_intent text := payments.stripe_id(v_object -> 'payment_intent');
    v_payment jsonb;
    v_candidates text[];
    v_keys text[] := '{}';
    v_key text;
    v_at integer;
BEGIN
    -- Events about one payment (checkout, intent, charge, refund, dispute, the invoice it pays)
    -- share the payment intent's lock; invoices also lock themselves; objects of a customer also
    -- lock the customer (a new customer mapping and a subscription arriving at the same time must
    -- see each other). Callers take the locks in array order (sorted), so they cannot deadlock.
    IF v_kind = 'payment_intent' THEN
        v_intent := v_object ->> 'id';
    ELSIF v_kind = 'invoice' AND v_intent IS NULL
        AND payments.array_size(v_object #> '{payments,data}') > 0 THEN
        -- (webhooks send invoices without their payments: no call, and stripe_id stays inlined)
        v_payment := payments.invoice_intent_payment(v_object);
        v_intent := payments.stripe_id(v_payment #> '{payment,payment_intent}');
    ELSIF v_kind = 'invoice_payment' THEN
        v_intent := payments.stripe_id(v_object #> '{payment,payment_intent}');
    END IF;
    v_candidates := ARRAY[
        v_intent,
        CASE
            WHEN v_kind IN ('invoice', 'customer', 'subscription', 'product', 'price') OR v_intent IS NULL
                THEN coalesce(v_object ->> 'id', p_event ->> 'id')
        END,
        CASE WHEN v_kind = 'invoice_payment' THEN payments.stripe_id(v_object -> 'invoice') END,
        payments.stripe_id(v_object -> 'customer')
    ];
    -- Sorted and distinct, by insertion (at most four keys: no query needed).
    FOREACH v_key IN ARRAY v_candidates LOOP
        CONTINUE WHEN v_key IS NULL OR v_key = ANY(v_keys);
        v_at := 1;
        WHILE v_at <= cardinality(v_keys) AND v_keys[v_at] < v_key LOOP
            v_at := v_at + 1;
        END LOOP;
        v_keys := v_keys[1:v_at - 1] || v_key || v_keys[v_at:];
    END LOOP;
    RETURN v_keys;
END
$$;

CREATE OR REPLACE FUNCTION payments.ingest_stripe_event(
    environment text, event jsonb, source text DEFAULT 'webhook'
)
RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_void text;  -- takes what a call returns (see 010_helpers.sql)
    v_environment text := ingest_stripe_event.environment;
    v_source text := ingest_stripe_event.source;
    v_event jsonb := ingest_stripe_event.event;
    v_id text := v_event ->> 'id';
    v_type text := v_event ->> 'type';
    v_object jsonb := v_event #> '{data,object}';
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
    -- Only projections need the per-object locks: an ignored event is just a ledger row.
    IF v_handled THEN
        FOREACH v_lock IN ARRAY payments.event_lock_keys(v_event) LOOP
            v_void := pg_advisory_xact_lock(hashtextextended(v_environment || ':' || v_lock, 0));
        END LOOP;
    END IF;

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
        v_void := payments.project_stripe_event(v_environment, v_event);
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
$$;

COMMENT ON FUNCTION payments.ingest_stripe_event(text, jsonb, text) IS
'Ingests one Stripe event, exactly once: records it in payments.webhook_events (deduplicated on
environment + event id), takes a per-object lock and projects it into the payments mirror (and,
through triggers, the public fulfilment tables) in the caller''s transaction. Returns processed,
duplicate (already processed or ignored: nothing changes), ignored (a type pgpay does not handle)
or failed (projection raised: the changes are rolled back, the event is kept as failed with its
error, and calling again retries it). Raises invalid_parameter_value, storing nothing, for an unknown
environment, a body that is not an event, or livemode not matching the environment.';
