import type { SqlClient } from './sql-client';

export type Migration = { version: number; name: string; sql: string };

/**
 * Append only: a shipped migration is never edited, a change is a new version.
 * Id columns use COLLATE "C": ids order bytewise, identically on every engine and locale (keyset
 * paging depends on it), and compare faster than under a linguistic collation.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'canonical model',
    sql: `
      CREATE TABLE tenants (
        tenant_id text COLLATE "C" NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id)
      );

      CREATE TABLE customers (
        tenant_id text COLLATE "C" NOT NULL,
        customer_id text COLLATE "C" NOT NULL,
        name text,
        segment text,
        owner text,
        payment_terms text,
        country text,
        crm_company_id text COLLATE "C",
        created_on date,
        PRIMARY KEY (tenant_id, customer_id)
      );

      CREATE TABLE subscriptions (
        tenant_id text COLLATE "C" NOT NULL,
        subscription_id text COLLATE "C" NOT NULL,
        customer_id text COLLATE "C" NOT NULL,
        plan text,
        currency text NOT NULL,
        amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
        "interval" text NOT NULL CHECK ("interval" IN ('month', 'quarter', 'year')),
        started_on date NOT NULL,
        renews_on date,
        status text NOT NULL CHECK (status IN ('active', 'trialing', 'past_due', 'canceled')),
        canceled_on date,
        PRIMARY KEY (tenant_id, subscription_id)
      );
      CREATE INDEX subscriptions_by_customer ON subscriptions (tenant_id, customer_id);

      CREATE TABLE invoices (
        tenant_id text COLLATE "C" NOT NULL,
        invoice_id text COLLATE "C" NOT NULL,
        customer_id text COLLATE "C" NOT NULL,
        currency text NOT NULL,
        amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
        issued_on date NOT NULL,
        due_on date NOT NULL,
        paid_on date,
        voided_on date,
        subscription_id text COLLATE "C",
        PRIMARY KEY (tenant_id, invoice_id)
      );
      CREATE INDEX invoices_by_customer ON invoices (tenant_id, customer_id);

      CREATE TABLE payment_attempts (
        tenant_id text COLLATE "C" NOT NULL,
        payment_id text COLLATE "C" NOT NULL,
        invoice_id text COLLATE "C" NOT NULL,
        currency text NOT NULL,
        amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
        attempted_on date NOT NULL,
        status text NOT NULL CHECK (status IN ('succeeded', 'failed', 'refunded')),
        decline_code text,
        method text,
        PRIMARY KEY (tenant_id, payment_id)
      );
      CREATE INDEX payment_attempts_by_invoice ON payment_attempts (tenant_id, invoice_id);

      CREATE TABLE disputes (
        tenant_id text COLLATE "C" NOT NULL,
        dispute_id text COLLATE "C" NOT NULL,
        invoice_id text COLLATE "C" NOT NULL,
        opened_on date NOT NULL,
        resolved_on date,
        reason text,
        amount_minor bigint CHECK (amount_minor >= 0),
        outcome text CHECK (outcome IN ('won', 'lost', 'withdrawn')),
        PRIMARY KEY (tenant_id, dispute_id)
      );
      CREATE INDEX disputes_by_invoice ON disputes (tenant_id, invoice_id);

      CREATE TABLE collection_events (
        tenant_id text COLLATE "C" NOT NULL,
        id bigint GENERATED ALWAYS AS IDENTITY,
        occurred_at timestamptz NOT NULL DEFAULT now(),
        kind text NOT NULL,
        subject text,
        actor text NOT NULL,
        payload jsonb NOT NULL DEFAULT '{}'::jsonb,
        PRIMARY KEY (tenant_id, id)
      );

      CREATE TABLE rule_set_versions (
        tenant_id text COLLATE "C" NOT NULL,
        version integer NOT NULL CHECK (version > 0),
        body jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL,
        activated_at timestamptz,
        PRIMARY KEY (tenant_id, version)
      );

      CREATE TABLE tasks (
        tenant_id text COLLATE "C" NOT NULL,
        task_id text COLLATE "C" NOT NULL,
        rule_id text COLLATE "C" NOT NULL,
        customer_id text COLLATE "C" NOT NULL,
        invoice_id text COLLATE "C",
        crm_task_id text COLLATE "C",
        state text NOT NULL CHECK (state IN ('pending', 'open', 'completed', 'canceled')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, task_id)
      );
      CREATE INDEX tasks_by_customer ON tasks (tenant_id, customer_id);
    `,
  },
  {
    version: 2,
    name: 'automation pauses',
    sql: `
      CREATE TABLE automation_pauses (
        tenant_id text COLLATE "C" NOT NULL,
        customer_id text COLLATE "C" NOT NULL,
        reason text NOT NULL CHECK (length(reason) > 0),
        paused_until date NOT NULL,
        paused_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, customer_id)
      );
    `,
  },
  {
    version: 3,
    name: 'payment attempts and disputes carry their customer',
    // Reading a page of accounts' payments and disputes by customer range is one index range scan
    // instead of one probe per invoice; an invoice never changes customer (the import rejects it),
    // so the copy stays true. The trigger fills it from the invoice on every insert.
    sql: `
      CREATE FUNCTION customer_of_invoice() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.customer_id := (SELECT customer_id FROM invoices
                             WHERE tenant_id = NEW.tenant_id AND invoice_id = NEW.invoice_id);
        RETURN NEW;
      END
      $$;

      ALTER TABLE payment_attempts ADD COLUMN customer_id text COLLATE "C";
      UPDATE payment_attempts p SET customer_id = i.customer_id
        FROM invoices i WHERE i.tenant_id = p.tenant_id AND i.invoice_id = p.invoice_id;
      CREATE INDEX payment_attempts_by_customer ON payment_attempts (tenant_id, customer_id);
      CREATE TRIGGER payment_attempt_customer BEFORE INSERT OR UPDATE OF invoice_id ON payment_attempts
        FOR EACH ROW EXECUTE FUNCTION customer_of_invoice();

      ALTER TABLE disputes ADD COLUMN customer_id text COLLATE "C";
      UPDATE disputes d SET customer_id = i.customer_id
        FROM invoices i WHERE i.tenant_id = d.tenant_id AND i.invoice_id = d.invoice_id;
      CREATE INDEX disputes_by_customer ON disputes (tenant_id, customer_id);
      CREATE TRIGGER dispute_customer BEFORE INSERT OR UPDATE OF invoice_id ON disputes
        FOR EACH ROW EXECUTE FUNCTION customer_of_invoice();
    `,
  },
  {
    version: 4,
    name: 'risk models',
    sql: `
      CREATE TABLE risk_models (
        tenant_id text COLLATE "C" NOT NULL,
        fitted_at timestamptz NOT NULL DEFAULT now(),
        body jsonb NOT NULL,
        PRIMARY KEY (tenant_id)
      );
    `,
  },
  {
    version: 5,
    name: 'rule set version notes',
    sql: `ALTER TABLE rule_set_versions ADD COLUMN note text;`,
  },
  {
    version: 6,
    name: 'collections tasks carry what the rule planned',
    sql: `
      ALTER TABLE tasks
        ADD COLUMN rule_version integer,
        ADD COLUMN assignee text,
        ADD COLUMN title text,
        ADD COLUMN body text,
        ADD COLUMN due_on date,
        ADD COLUMN priority text,
        ADD COLUMN tone text,
        ADD COLUMN dunning_stage text,
        ADD COLUMN require_review boolean NOT NULL DEFAULT false,
        ADD COLUMN reason text,
        ADD COLUMN planned_on date;
      CREATE INDEX tasks_open ON tasks (tenant_id, state);
      CREATE TABLE automation_holds (
        tenant_id text COLLATE "C" NOT NULL,
        customer_id text COLLATE "C" NOT NULL,
        held_until date NOT NULL,
        rule_id text NOT NULL,
        PRIMARY KEY (tenant_id, customer_id)
      );
    `,
  },
  {
    version: 7,
    name: 'firmographics and payment-term recommendations',
    sql: `
      ALTER TABLE customers ADD COLUMN employees bigint, ADD COLUMN funding_stage text;
      CREATE TABLE term_guardrail_versions (
        tenant_id text COLLATE "C" NOT NULL,
        version integer NOT NULL CHECK (version > 0),
        body jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL,
        activated_at timestamptz,
        note text,
        PRIMARY KEY (tenant_id, version)
      );
      CREATE TABLE term_recommendations (
        tenant_id text COLLATE "C" NOT NULL,
        recommendation_id text COLLATE "C" NOT NULL,
        deal_id text,
        customer_id text,
        option_id text NOT NULL,
        recommended_option_id text NOT NULL,
        guardrail_version integer,
        body jsonb NOT NULL,
        accepted_by text NOT NULL,
        accepted_at timestamptz NOT NULL DEFAULT now(),
        synced_at timestamptz,
        PRIMARY KEY (tenant_id, recommendation_id)
      );
      CREATE INDEX term_recommendations_deal ON term_recommendations (tenant_id, deal_id);
      CREATE TABLE term_evidence (
        tenant_id text COLLATE "C" PRIMARY KEY,
        computed_at timestamptz NOT NULL DEFAULT now(),
        body jsonb NOT NULL
      );
    `,
  },
  {
    version: 8,
    name: 'billing-source sync: object versions, payment links, cursors, webhook events',
    sql: `
      CREATE TABLE source_versions (
        tenant_id text COLLATE "C" NOT NULL,
        source text NOT NULL,
        object_id text COLLATE "C" NOT NULL,
        version bigint NOT NULL,
        PRIMARY KEY (tenant_id, source, object_id)
      );
      CREATE TABLE source_links (
        tenant_id text COLLATE "C" NOT NULL,
        source text NOT NULL,
        source_id text COLLATE "C" NOT NULL,
        invoice_id text COLLATE "C" NOT NULL,
        PRIMARY KEY (tenant_id, source, source_id)
      );
      CREATE TABLE source_customers (
        tenant_id text COLLATE "C" NOT NULL,
        source text NOT NULL,
        customer_id text COLLATE "C" NOT NULL,
        email text,
        PRIMARY KEY (tenant_id, source, customer_id)
      );
      CREATE TABLE sync_cursors (
        tenant_id text COLLATE "C" NOT NULL,
        source text NOT NULL,
        kind text NOT NULL,
        cursor text,
        done boolean NOT NULL DEFAULT false,
        version bigint NOT NULL,
        records bigint NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, source, kind)
      );
      CREATE TABLE webhook_events (
        tenant_id text COLLATE "C" NOT NULL,
        source text NOT NULL,
        event_id text COLLATE "C" NOT NULL,
        type text NOT NULL,
        created_ms bigint NOT NULL,
        body text NOT NULL,
        state text NOT NULL DEFAULT 'received',
        error text,
        received_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        processed_at timestamptz,
        PRIMARY KEY (tenant_id, source, event_id)
      );
      CREATE INDEX webhook_events_pending ON webhook_events (tenant_id, source, state);
    `,
  },
  {
    version: 9,
    name: 'CRM companies by domain, for matching billing customers',
    sql: `
      CREATE TABLE crm_companies (
        tenant_id text COLLATE "C" NOT NULL,
        crm_company_id text COLLATE "C" NOT NULL,
        domain text NOT NULL,
        name text,
        PRIMARY KEY (tenant_id, crm_company_id)
      );
      CREATE INDEX crm_companies_domain ON crm_companies (tenant_id, domain);
      CREATE INDEX customers_crm_company ON customers (tenant_id, crm_company_id);
    `,
  },
  {
    version: 10,
    name: 'CRM sync state: what was last written to each record',
    sql: `
      CREATE TABLE crm_sync_state (
        tenant_id text COLLATE "C" NOT NULL,
        crm text NOT NULL,
        customer_id text COLLATE "C" NOT NULL,
        crm_id text NOT NULL,
        hash text NOT NULL,
        synced_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, crm, customer_id)
      );
      CREATE INDEX tasks_crm_pending ON tasks (tenant_id, state) WHERE crm_task_id IS NULL;
    `,
  },
  {
    version: 11,
    name: 'Precomputed account cards (versioned), CRM installations with encrypted tokens, CRM events',
    sql: `
      CREATE TABLE account_cards (
        tenant_id text COLLATE "C" NOT NULL,
        customer_id text COLLATE "C" NOT NULL,
        version bigint NOT NULL DEFAULT 1,
        card_version bigint NOT NULL DEFAULT 0,
        as_of date,
        -- JSON text, sent as it is: no jsonb round trip on the card's hot path.
        card text,
        computed_at timestamptz,
        PRIMARY KEY (tenant_id, customer_id)
      );
      CREATE INDEX customers_crm_company_any ON customers (crm_company_id) WHERE crm_company_id IS NOT NULL;
      CREATE TABLE crm_installations (
        tenant_id text COLLATE "C" NOT NULL,
        crm text NOT NULL,
        account_id text COLLATE "C" NOT NULL,
        access_token_enc text,
        refresh_token_enc text,
        expires_at timestamptz,
        scopes text[] NOT NULL DEFAULT '{}',
        installed_by text,
        installed_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        sync_paused_until timestamptz,
        sync_paused_reason text,
        PRIMARY KEY (crm, account_id)
      );
      CREATE UNIQUE INDEX crm_installations_tenant ON crm_installations (tenant_id, crm);
      CREATE TABLE crm_property_changes (
        tenant_id text COLLATE "C" NOT NULL,
        crm text NOT NULL,
        object_id text COLLATE "C" NOT NULL,
        property text NOT NULL,
        occurred_at bigint NOT NULL,
        PRIMARY KEY (tenant_id, crm, object_id, property)
      );
      CREATE INDEX tasks_crm_task ON tasks (tenant_id, crm_task_id) WHERE crm_task_id IS NOT NULL;
    `,
  },
  {
    version: 12,
    name: 'Salesforce: instance URLs, resumable bulk jobs, API usage per hour',
    sql: `
      ALTER TABLE crm_installations ADD COLUMN instance_url text;
      -- Each Salesforce org signs its embedded views' launch tokens with its own secret.
      ALTER TABLE crm_installations ADD COLUMN launch_secret_enc text;
      CREATE TABLE crm_bulk_jobs (
        tenant_id text COLLATE "C" NOT NULL,
        crm text NOT NULL,
        job_id text NOT NULL,
        object_type text NOT NULL,
        entries text NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, crm)
      );
      CREATE TABLE crm_api_usage (
        tenant_id text COLLATE "C" NOT NULL,
        crm text NOT NULL,
        hour timestamptz NOT NULL,
        requests integer NOT NULL,
        PRIMARY KEY (tenant_id, crm, hour)
      );
    `,
  },
  {
    version: 13,
    name: 'accounts whose CRM work is not finished',
    sql: `
      -- Marked before a CRM sync starts and cleared once it finished: a sync that died part way
      -- (process killed, CRM down) leaves its accounts here for the next one.
      CREATE TABLE crm_sync_pending (
        tenant_id text COLLATE "C" NOT NULL,
        crm text NOT NULL,
        customer_id text COLLATE "C" NOT NULL,
        marked_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, crm, customer_id)
      );
    `,
  },
  {
    version: 14,
    name: 'Salesforce launch-token nonces, single use across server processes',
    sql: `
      CREATE TABLE launch_nonces (
        tenant_id text COLLATE "C" NOT NULL,
        nonce text COLLATE "C" NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, nonce)
      );
      CREATE INDEX launch_nonces_expiry ON launch_nonces (tenant_id, expires_at);
    `,
  },
  {
    version: 15,
    name: 'billing customers left unmapped because their CRM record has another customer',
    sql: `
      CREATE TABLE crm_mapping_conflicts (
        tenant_id text COLLATE "C" NOT NULL,
        customer_id text COLLATE "C" NOT NULL,
        crm_company_id text COLLATE "C" NOT NULL,
        held_by text COLLATE "C" NOT NULL,
        noted_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, customer_id)
      );
    `,
  },
  {
    version: 16,
    name: 'rule-set simulations run as jobs; HubSpot install states used once',
    sql: `
      CREATE TABLE rule_simulations (
        tenant_id text COLLATE "C" NOT NULL,
        simulation_id text COLLATE "C" NOT NULL,
        state text NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
        request jsonb NOT NULL,
        accounts_done integer NOT NULL DEFAULT 0,
        accounts_total integer,
        result jsonb,
        error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, simulation_id)
      );
      -- Before a tenant exists: an OAuth install's state, remembered until it expires.
      CREATE TABLE install_states (
        crm text NOT NULL,
        nonce text COLLATE "C" NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (crm, nonce)
      );
      CREATE INDEX install_states_expiry ON install_states (expires_at);
    `,
  },
  {
    version: 17,
    name: "the billing system's own balance of an invoice, uncollectible invoices, payments in flight",
    sql: `
      -- NULL: derived from the payment rows, as for a CSV import.
      ALTER TABLE invoices ADD COLUMN amount_remaining_minor bigint CHECK (amount_remaining_minor >= 0),
        ADD COLUMN uncollectible_on date;
      ALTER TABLE payment_attempts DROP CONSTRAINT payment_attempts_status_check;
      ALTER TABLE payment_attempts ADD CONSTRAINT payment_attempts_status_check
        CHECK (status IN ('succeeded', 'failed', 'refunded', 'pending'));
    `,
  },
  {
    version: 18,
    name: 'CRM records the CRM keeps refusing',
    sql: `
      CREATE TABLE crm_record_failures (
        tenant_id text COLLATE "C" NOT NULL,
        crm text NOT NULL,
        customer_id text COLLATE "C" NOT NULL,
        crm_id text COLLATE "C" NOT NULL,
        hash text NOT NULL,
        code text NOT NULL,
        message text NOT NULL,
        attempts integer NOT NULL CHECK (attempts > 0),
        first_failed_at timestamptz NOT NULL DEFAULT now(),
        last_failed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, crm, customer_id)
      );
    `,
  },
  {
    version: 19,
    name: 'customer search by name prefix (deal view)',
    sql: `
      -- Case-insensitive name prefixes: LIKE 'abc%' and ORDER BY on the C-collated lower name both use it.
      CREATE INDEX customers_name_prefix ON customers (tenant_id, (lower(name) COLLATE "C"), customer_id);
    `,
  },
  {
    version: 20,
    name: 'who the task roles mean in a tenant CRM (the CSM property chosen on the settings page)',
    sql: `
      CREATE TABLE crm_owner_settings (
        tenant_id text COLLATE "C" NOT NULL,
        crm text NOT NULL,
        csm_property text,
        updated_by text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, crm)
      );
    `,
  },
  {
    version: 21,
    name: 'portfolio snapshots per day, and the billing-history changes that make them stale',
    sql: `
      CREATE TABLE portfolio_snapshots (
        tenant_id text COLLATE "C" NOT NULL,
        as_of date NOT NULL,
        -- JSON text of the report's total slice.
        total text NOT NULL,
        computed_at timestamptz NOT NULL DEFAULT now(),
        book_version bigint NOT NULL,
        stale boolean NOT NULL DEFAULT false,
        PRIMARY KEY (tenant_id, as_of)
      );
      -- One row per tenant, updated by every write to its invoices or payments: its row lock orders
      -- the versions as the writes commit.
      CREATE TABLE portfolio_history (
        tenant_id text COLLATE "C" NOT NULL,
        version bigint NOT NULL,
        PRIMARY KEY (tenant_id)
      );
      -- The earliest day each version's write can change a report of.
      CREATE TABLE portfolio_history_changes (
        tenant_id text COLLATE "C" NOT NULL,
        version bigint NOT NULL,
        changed_from date NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, version)
      );
    `,
  },
  {
    version: 22,
    name: 'rule set sources and version 0, pause history, customer tags',
    sql: `
      -- Version 0 is the default playbook, stored when a tenant first changes its rules.
      ALTER TABLE rule_set_versions DROP CONSTRAINT rule_set_versions_version_check;
      ALTER TABLE rule_set_versions ADD CONSTRAINT rule_set_versions_version_check CHECK (version >= 0);
      -- The document as RevOps wrote it (comments, order); null for versions stored before it was kept.
      -- Guardrail versions share the versioning code and the column.
      ALTER TABLE rule_set_versions ADD COLUMN source text;
      ALTER TABLE term_guardrail_versions ADD COLUMN source text;

      -- Every pause as it was set, so a replay of a past day sees the pauses in force that day.
      CREATE TABLE automation_pause_history (
        tenant_id text COLLATE "C" NOT NULL,
        customer_id text COLLATE "C" NOT NULL,
        pause_id bigserial NOT NULL,
        reason text NOT NULL,
        started_on date NOT NULL,
        paused_until date NOT NULL,
        -- The day it was lifted (resumed, or replaced by a newer pause): no longer in force that day.
        ended_on date,
        paused_by text NOT NULL,
        ended_by text,
        PRIMARY KEY (tenant_id, customer_id, pause_id)
      );
      INSERT INTO automation_pause_history (tenant_id, customer_id, reason, started_on, paused_until, paused_by)
        SELECT tenant_id, customer_id, reason, LEAST((created_at AT TIME ZONE 'UTC')::date, paused_until),
               paused_until, paused_by
          FROM automation_pauses;

      -- Lower-case tags: from the billing side (dataset, Stripe) and from the CRM, kept apart so neither
      -- sync overwrites the other's.
      ALTER TABLE customers
        ADD COLUMN tags text[] NOT NULL DEFAULT '{}',
        ADD COLUMN crm_tags text[] NOT NULL DEFAULT '{}';
    `,
  },
  {
    version: 23,
    name: 'typed CRM sync failures, task causes',
    sql: `
      -- Why a CRM sync is not running, typed: kind, code, failures in a row and scopes; the next attempt
      -- stays in sync_paused_until and the message in sync_paused_reason. Pauses kept as text before
      -- are read once here, by the prefixes their writer used.
      ALTER TABLE crm_installations ADD COLUMN sync_failure jsonb;
      UPDATE crm_installations SET
        sync_failure = CASE
          WHEN sync_paused_reason LIKE 'reconnect needed: missing scopes %' THEN jsonb_build_object(
            'kind', 'missing_scopes', 'code', 'missing_permission', 'count', 1,
            'scopes', to_jsonb(string_to_array(substr(sync_paused_reason, length('reconnect needed: missing scopes ') + 1), ', ')))
          WHEN sync_paused_reason LIKE 'reconnect needed: %' THEN jsonb_build_object(
            'kind', 'reconnect', 'code', 'unauthorized', 'count', 1, 'scopes', '[]'::jsonb)
          ELSE jsonb_build_object('kind', 'limit', 'code', 'daily_limit', 'count', 1, 'scopes', '[]'::jsonb) END,
        sync_paused_reason = CASE
          WHEN sync_paused_reason LIKE 'reconnect needed: %' THEN substr(sync_paused_reason, length('reconnect needed: ') + 1)
          ELSE sync_paused_reason END
        WHERE sync_paused_until IS NOT NULL;

      -- What a task is about, so it closes when that is resolved: an overdue invoice, a dispute on one,
      -- the account's arrears, or nothing the sync judges (a person's task). Tasks made before are read
      -- once from their rule and invoice, as the sync read them then.
      ALTER TABLE tasks ADD COLUMN cause text CHECK (cause IN ('invoice', 'dispute', 'account', 'manual'));
      UPDATE tasks SET cause = CASE
        WHEN rule_id = 'manual' THEN 'manual'
        WHEN invoice_id IS NOT NULL AND rule_id ILIKE '%dispute%' THEN 'dispute'
        WHEN invoice_id IS NOT NULL THEN 'invoice'
        ELSE 'account' END;
      ALTER TABLE tasks ALTER COLUMN cause SET NOT NULL;
    `,
  },
  {
    version: 24,
    name: 'promises to pay',
    sql: `
      -- A customer's promise to pay by a day, as a person recorded it; its outcome is settled once from
      -- the payments (kept, partly kept, broken). The grace in force when recorded is kept with it, so
      -- its deadline never moves with the configuration.
      CREATE TABLE promises_to_pay (
        tenant_id text COLLATE "C" NOT NULL,
        promise_id text COLLATE "C" NOT NULL,
        customer_id text COLLATE "C" NOT NULL,
        promised_on date NOT NULL,
        grace_days integer NOT NULL CHECK (grace_days BETWEEN 0 AND 60),
        invoice_ids text[] COLLATE "C" NOT NULL DEFAULT '{}',
        made_by text,
        note text,
        recorded_by text NOT NULL CHECK (length(recorded_by) > 0),
        recorded_on date NOT NULL CHECK (recorded_on <= promised_on),
        state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'kept', 'partly_kept', 'broken')),
        settled_on date,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, promise_id),
        CHECK ((state = 'open') = (settled_on IS NULL))
      );
      CREATE INDEX promises_to_pay_by_customer ON promises_to_pay (tenant_id, customer_id, promised_on);
      CREATE INDEX promises_to_pay_open ON promises_to_pay (tenant_id, promised_on) WHERE state = 'open';

      -- One row per promised currency: amounts are never added across currencies.
      CREATE TABLE promise_amounts (
        tenant_id text COLLATE "C" NOT NULL,
        promise_id text COLLATE "C" NOT NULL,
        currency text COLLATE "C" NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        amount_minor bigint NOT NULL CHECK (amount_minor > 0),
        received_minor bigint CHECK (received_minor >= 0),
        PRIMARY KEY (tenant_id, promise_id, currency),
        FOREIGN KEY (tenant_id, promise_id) REFERENCES promises_to_pay (tenant_id, promise_id) ON DELETE CASCADE
      );

      -- A broken or partly kept promise raises a follow-up task for the account owner.
      ALTER TABLE tasks DROP CONSTRAINT tasks_cause_check,
        ADD CONSTRAINT tasks_cause_check CHECK (cause IN ('invoice', 'dispute', 'account', 'manual', 'promise'));
    `,
  },
  {
    version: 25,
    name: 'card on file, card expiry task cause',
    sql: `
      -- The card the billing system charges by default: brand, last four digits, expiry and the day
      -- the card was saved. All null when there is none or the source says nothing of cards.
      ALTER TABLE customers
        ADD COLUMN card_brand text,
        ADD COLUMN card_last4 text,
        ADD COLUMN card_exp_month bigint CHECK (card_exp_month BETWEEN 1 AND 12),
        ADD COLUMN card_exp_year bigint,
        ADD COLUMN card_updated_on date;
      ALTER TABLE tasks DROP CONSTRAINT tasks_cause_check,
        ADD CONSTRAINT tasks_cause_check
        CHECK (cause IN ('invoice', 'dispute', 'account', 'manual', 'promise', 'card_expiry'));
    `,
  },
  {
    version: 26,
    name: 'calls of our actions from CRM automation',
    sql: `
      -- One row per call of an action by a CRM workflow (HubSpot's callback id), claimed before the
      -- action runs and holding its answer after: a retried call gets that answer and acts no more.
      CREATE TABLE crm_action_calls (
        tenant_id text NOT NULL,
        source text NOT NULL,
        call_id text NOT NULL,
        action text NOT NULL,
        claimed_at timestamptz NOT NULL,
        answer jsonb,
        answered_at timestamptz,
        PRIMARY KEY (tenant_id, source, call_id)
      );
    `,
  },
];

/** Any constant works as long as every process uses the same one. */
const MIGRATION_LOCK_KEY = 7420133901;

/**
 * Applies pending migrations in order, one transaction each. Every transaction first takes a
 * transaction-scoped advisory lock, so processes migrating at once run one after another and each
 * re-reads what is applied after waiting.
 */
export async function applyMigrations(
  client: SqlClient,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<void> {
  const applied = await client.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.exec(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )
    `);
    return tx.query<{ version: number }>('SELECT version FROM schema_migrations');
  });
  const done = new Set(applied.map((row) => row.version));

  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (done.has(migration.version)) continue;
    await client.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      const already = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [
        migration.version,
      ]);
      if (already.length > 0) return;
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
    });
  }
}
