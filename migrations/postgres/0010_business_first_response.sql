-- The first-response time in business hours (the desk's support hours), set with the first
-- agent reply when support hours are configured (issue 13: reported beside calendar time).
ALTER TABLE tickets ADD COLUMN first_response_business_ms BIGINT;
