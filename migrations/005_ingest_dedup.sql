-- Ingestion at scale: one problem reported by two sources (an AWS Config evaluation and
-- Security Hub's finding for the same rule and resource) is one row. dedup_key is
-- src/ingest/dedup-key.ts's check|account|region|resource; NULL for findings deduplicated by
-- id only (GuardDuty, Inspector, third parties).
ALTER TABLE findings ADD COLUMN dedup_key TEXT;

-- Rows stored before: the same key, computed from the columns dedupKey() reads. Where old rows
-- already share a key (per-standard copies of one control), the first seen keeps it; the others
-- stay as they are and are merged no further.
UPDATE findings
SET dedup_key = CASE
    WHEN control IS NOT NULL THEN control
    ELSE 'config-rule:' || json_extract(finding_json, '$.title')
  END || '|' || account || '|' || region || '|' || resource_id
WHERE (control IS NOT NULL OR product_arn LIKE '%::product/aws/config')
  AND id = (
    SELECT first.id FROM findings AS first
    WHERE first.account = findings.account AND first.region = findings.region AND first.resource_id = findings.resource_id
      AND first.control IS findings.control
      AND (findings.control IS NOT NULL OR (first.product_arn LIKE '%::product/aws/config'
        AND json_extract(first.finding_json, '$.title') = json_extract(findings.finding_json, '$.title')))
    ORDER BY first.first_seen_at, first.id
    LIMIT 1
  );

CREATE UNIQUE INDEX findings_dedup_key ON findings (dedup_key) WHERE dedup_key IS NOT NULL;
