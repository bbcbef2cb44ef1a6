-- The credit ledger: grants from paid payments (credits from price, else product, metadata x quantity),
-- proportional reversals on refunds, holds and restores on disputes, and the one spend function.

CREATE OR REPLACE FUNCTION payments.positive_bigint(p_value text)
RETURNS bigint
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN btrim(p_value) ~ '^[0-9]{1,15}$' THEN btrim(p_value)::bigint END
$$;

CREATE OR REPLACE FUNCTION payments.price_credits(p_environment text, p_price_id text)
RETURNS bigint
LANGUAGE plpgsql
STABLE
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

COMMENT ON FUNCTION payments.price_credits(text, text) IS
'Credits one unit of a price grants: price metadata credits, else its product''s metadata credits, else 0.';

CREATE OR REPLACE FUNCTION payments.payment_lines(p_payment payments.payment_history)
RETURNS jsonb
LANGUAGE plpgsql
STABLE
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
                l #>> '{pricing,price_details,price}',
                payments.stripe_id(l -> 'plan')
            ),
            'quantity', coalesce((l ->> 'quantity')::bigint, 1)
        )), '[]'::jsonb)
        INTO v_lines
        FROM jsonb_array_elements(coalesce(p_payment.raw #> '{invoice,lines,data}', '[]')) AS l
        WHERE NOT coalesce((l ->> 'proration')::boolean, FALSE)
            AND NOT coalesce((l #>> '{parent,subscription_item_details,proration}')::boolean, FALSE);
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
            coalesce(p_payment.raw #> '{checkout_session,line_items,data}', '[]')
        ) AS li;
        RETURN v_lines;
    END IF;
    RETURN '[]'::jsonb;
END
$$;

COMMENT ON FUNCTION payments.payment_lines(payments.payment_history) IS
'What a payment bought, as [{"price", "quantity"}]: the invoice''s subscription lines, or the checkout
line items pgpay stored (or that the payload carried).';

CREATE OR REPLACE FUNCTION payments.payment_credits(p_environment text, p_lines jsonb)
RETURNS bigint
LANGUAGE plpgsql
STABLE
AS $$
BEGIN
    -- (no query for the usual lists: none, or one line)
    CASE jsonb_array_length(p_lines)
        WHEN 0 THEN
            RETURN 0;
        WHEN 1 THEN
            RETURN coalesce(
                payments.price_credits(p_environment, p_lines -> 0 ->> 'price')
                * (p_lines -> 0 ->> 'quantity')::bigint,
                0
            );
        ELSE
            NULL;
    END CASE;
    RETURN (
        SELECT coalesce(sum(payments.price_credits(p_environment, li ->> 'price') * (li ->> 'quantity')::bigint), 0)
        FROM jsonb_array_elements(p_lines) AS li
        WHERE li ->> 'price' IS NOT NULL
    )::bigint;
END
$$;

COMMENT ON FUNCTION payments.payment_credits(text, jsonb) IS
'Credits that lines [{"price", "quantity"}] grant: each price''s credits times its quantity.';

CREATE OR REPLACE FUNCTION payments.post_credit_entry(
    p_payment payments.payment_history, p_amount bigint, p_kind text, p_source_key text, p_reason text,
    p_cause text
)
RETURNS void
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

CREATE OR REPLACE FUNCTION payments.sync_payment_credits(p_payment payments.payment_history)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    v_void text;  -- takes what a call returns (see 010_helpers.sql)
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
        v_void := payments.post_credit_entry(
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
        v_void := payments.post_credit_entry(
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
        v_void := payments.post_credit_entry(
            p_payment, -v_hold, 'reversal', 'dispute:' || v_dispute.stripe_dispute_id || ':hold',
            'disputed', 'dispute'
        );
        IF v_dispute.status = 'won' THEN
            v_void := payments.post_credit_entry(
                p_payment, v_hold, 'restore', 'dispute:' || v_dispute.stripe_dispute_id || ':restore',
                'dispute won', 'dispute'
            );
        END IF;
    END LOOP;
END
$$;

COMMENT ON FUNCTION payments.sync_payment_credits(payments.payment_history) IS
'Brings the credit ledger in line with a payment: one grant when paid, refund reversals up to the
refunded share, a hold per dispute and a restore when won. Idempotent: every entry has a source key.';

CREATE OR REPLACE FUNCTION payments.tg_credit_ledger__total()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    v_added record;
BEGIN
    -- Once per statement, over the entries it added (a multi-row INSERT or a COPY counts each
    -- entry once), per subject: a subject with a total gets what the statement added; a subject
    -- without one starts from all it has (this statement's entries included), unless a concurrent
    -- first entry creates the row meanwhile: that one has not counted ours, so they are added.
    -- (Simple statements in a loop: one statement with the same steps as CTEs cost PostgreSQL
    -- half as much again to start, and a statement usually adds one subject's entry.)
    FOR v_added IN
        SELECT n.environment, n.subject_type, n.subject_id, sum(n.amount) AS amount
        FROM new_entries AS n
        GROUP BY n.environment, n.subject_type, n.subject_id
    LOOP
        UPDATE payments.credit_totals AS t SET balance = t.balance + v_added.amount
        WHERE t.environment = v_added.environment AND t.subject_type = v_added.subject_type
            AND t.subject_id = v_added.subject_id;
        CONTINUE WHEN FOUND;
        INSERT INTO payments.credit_totals AS t (environment, subject_type, subject_id, balance)
        SELECT v_added.environment, v_added.subject_type, v_added.subject_id, sum(l.amount)
        FROM public.credit_ledger AS l
        WHERE l.environment = v_added.environment AND l.subject_type = v_added.subject_type
            AND l.subject_id = v_added.subject_id
        ON CONFLICT (environment, subject_type, subject_id) DO UPDATE
        SET balance = t.balance + v_added.amount;
    END LOOP;
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION payments.tg_credit_ledger__total() IS
'Trigger function: adds a statement''s new ledger entries to their subjects'' payments.credit_totals
rows.';

CREATE OR REPLACE TRIGGER _200_total
AFTER INSERT ON public.credit_ledger
REFERENCING NEW TABLE AS new_entries
FOR EACH STATEMENT EXECUTE FUNCTION payments.tg_credit_ledger__total();

CREATE OR REPLACE FUNCTION payments.tg_credit_ledger__truncate_totals()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog
AS $$
BEGIN
    DELETE FROM payments.credit_totals;
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION payments.tg_credit_ledger__truncate_totals() IS
'Trigger function: an emptied ledger empties the running totals with it.';

CREATE OR REPLACE TRIGGER _200_truncate_totals
AFTER TRUNCATE ON public.credit_ledger
FOR EACH STATEMENT EXECUTE FUNCTION payments.tg_credit_ledger__truncate_totals();

CREATE OR REPLACE FUNCTION payments.tg_credit_ledger__append_only()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    RAISE EXCEPTION 'public.credit_ledger is append-only: post a reversal or adjustment instead'
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE OR REPLACE TRIGGER _100_append_only
BEFORE UPDATE OR DELETE ON public.credit_ledger
FOR EACH ROW EXECUTE FUNCTION payments.tg_credit_ledger__append_only();

CREATE OR REPLACE VIEW public.credit_balances WITH (security_invoker = TRUE) AS
SELECT
    l.environment,
    l.subject_type,
    l.subject_id,
    sum(l.amount)::bigint AS balance,
    coalesce(sum(l.amount) FILTER (WHERE l.kind IN ('grant', 'restore', 'adjustment') AND l.amount > 0), 0)::bigint
    AS credited,
    coalesce(-sum(l.amount) FILTER (WHERE l.kind = 'spend'), 0)::bigint AS spent,
    coalesce(-sum(l.amount) FILTER (WHERE l.kind = 'reversal'), 0)::bigint AS reversed,
    max(l.created_at) AS last_entry_at
FROM public.credit_ledger AS l
GROUP BY l.environment, l.subject_type, l.subject_id;

COMMENT ON VIEW public.credit_balances IS
'Credit balance per subject and environment (sum of the ledger). Row-level security of credit_ledger applies.';

CREATE OR REPLACE FUNCTION payments.check_credit_arguments(p_environment text, p_subject_type text)
RETURNS void
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog
AS $$
BEGIN
    IF p_environment IS NULL OR p_environment NOT IN ('test', 'live') THEN
        RAISE EXCEPTION 'unknown environment %: use test or live', quote_literal(p_environment)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT EXISTS (SELECT FROM payments.subject_types AS t WHERE t.subject_type = p_subject_type) THEN
        RAISE EXCEPTION 'unknown subject type %', quote_literal(p_subject_type)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
END
$$;

COMMENT ON FUNCTION payments.check_credit_arguments(text, text) IS
'Raises invalid_parameter_value for an environment other than test or live, or a subject type not in
payments.subject_types (what spend_credits and credit_balance are asked about).';

CREATE OR REPLACE FUNCTION payments.spend_credits(
    p_environment text,
    p_subject_type text,
    p_subject_id text,
    p_amount bigint,
    p_reason text,
    p_idempotency_key text
)
RETURNS public.credit_ledger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_key text;
    v_existing public.credit_ledger;
    v_balance bigint;
    v_row public.credit_ledger;
BEGIN
    PERFORM payments.check_credit_arguments(p_environment, p_subject_type);
    IF p_amount IS NULL OR p_amount <= 0 THEN
        RAISE EXCEPTION 'spend amount must be a positive number of credits, got %', p_amount
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_idempotency_key IS NULL OR char_length(p_idempotency_key) NOT BETWEEN 1 AND 200 THEN
        RAISE EXCEPTION 'an idempotency key of 1 to 200 characters is required'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- End users may spend only for subjects their claims may act for; server roles
    -- (payments.is_trusted_caller) for any subject.
    IF NOT payments.is_trusted_caller()
        AND NOT coalesce(payments.can_spend_for_subject(p_subject_type, p_subject_id), FALSE) THEN
        RAISE EXCEPTION 'not allowed to spend credits for % %', p_subject_type, p_subject_id
            USING ERRCODE = 'insufficient_privilege';
    END IF;

    -- The subject's running total, locked: its spends, and entries being written for it, queue
    -- here, so the balance check cannot be raced past. A subject with no entry since the totals
    -- exist gets its row first, from its ledger's sum.
    SELECT t.balance INTO v_balance FROM payments.credit_totals AS t
    WHERE t.environment = p_environment AND t.subject_type = p_subject_type
        AND t.subject_id = p_subject_id
    FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO payments.credit_totals (environment, subject_type, subject_id, balance)
        SELECT p_environment, p_subject_type, p_subject_id, coalesce(sum(l.amount), 0)
        FROM public.credit_ledger AS l
        WHERE l.environment = p_environment AND l.subject_type = p_subject_type
            AND l.subject_id = p_subject_id
        ON CONFLICT DO NOTHING;
        SELECT t.balance INTO v_balance FROM payments.credit_totals AS t
        WHERE t.environment = p_environment AND t.subject_type = p_subject_type
            AND t.subject_id = p_subject_id
        FOR UPDATE;
    END IF;
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

COMMENT ON FUNCTION payments.spend_credits(text, text, text, bigint, text, text) IS
'Spends credits for a subject, never overdrawing: spends of one subject are serialised on its running
total (payments.credit_totals, locked) and the balance is checked inside that lock (insufficient credits raise check_violation and spend nothing).
Idempotent per key: the same key returns the first spend; the same key with another amount raises.
End users may spend only for subjects payments.can_spend_for_subject allows; server roles
(payments.is_trusted_caller) for any subject.';

CREATE OR REPLACE FUNCTION payments.credit_balance(
    p_environment text, p_subject_type text, p_subject_id text
)
RETURNS bigint
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_balance bigint;
BEGIN
    PERFORM payments.check_credit_arguments(p_environment, p_subject_type);
    IF p_subject_id IS NULL OR NOT payments.is_subject_id(p_subject_id) THEN
        RAISE EXCEPTION 'invalid subject id %', quote_nullable(p_subject_id)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- End users read only subjects whose ledger rows the credit_ledger policy shows them (asked
    -- once here rather than once per entry); server roles (payments.is_trusted_caller) read any.
    IF NOT payments.is_trusted_caller()
        AND NOT coalesce(payments.can_read_subject(p_subject_type, p_subject_id), FALSE) THEN
        RAISE EXCEPTION 'not allowed to read credits for % %', p_subject_type, p_subject_id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT t.balance INTO v_balance FROM payments.credit_totals AS t
    WHERE t.environment = p_environment AND t.subject_type = p_subject_type
        AND t.subject_id = p_subject_id;
    IF NOT FOUND THEN
        -- No entry since the running totals exist (or none at all): the ledger's sum.
        SELECT coalesce(sum(l.amount), 0)::bigint INTO v_balance FROM public.credit_ledger AS l
        WHERE l.environment = p_environment AND l.subject_type = p_subject_type
            AND l.subject_id = p_subject_id;
    END IF;
    RETURN v_balance;
END
$$;

COMMENT ON FUNCTION payments.credit_balance(text, text, text) IS
'A subject''s credit balance (the sum of its ledger), read from its running total: one row and one
permission check however many entries the subject has, where public.credit_balances checks every
entry of a group. End users may read the subjects the credit_ledger policy shows them (their own; any
group they are a member of), others raise insufficient_privilege; server roles
(payments.is_trusted_caller) read any subject.';
