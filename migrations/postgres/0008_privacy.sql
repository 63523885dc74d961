-- Blocking and privacy (issue 15, points 3 and 4).
-- A block on a customer: when, why, by whom, and whether the customer was told (0/1).
ALTER TABLE customers ADD COLUMN blocked_at BIGINT;
ALTER TABLE customers ADD COLUMN blocked_reason TEXT;
ALTER TABLE customers ADD COLUMN blocked_by TEXT;
ALTER TABLE customers ADD COLUMN block_told BIGINT NOT NULL DEFAULT 0;
-- When the customer's data was erased (the row stays, anonymous, for the report's counts).
ALTER TABLE customers ADD COLUMN erased_at BIGINT;
-- When the ticket's transcript was erased (by the customer's erasure or the retention policy).
ALTER TABLE tickets ADD COLUMN transcript_erased_at BIGINT;
CREATE INDEX customers_blocked ON customers (blocked_at) WHERE blocked_at IS NOT NULL;
CREATE INDEX tickets_retention ON tickets (closed_at) WHERE transcript_erased_at IS NULL;
