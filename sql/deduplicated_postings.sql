-- deduplicated_postings: every raw posting kept (the study kept its non-deduplicated set too) with
-- url_norm, posting_key, duplicate_group_size and is_primary from _dedup_groups (sql/dedup_groups.sql).
-- Rebuilt from all harvests at once, so a later, longer version takes over and a re-run changes nothing.
CREATE OR REPLACE TABLE {target_table} AS
SELECT s.*, g.url_norm, g.posting_key, g.duplicate_group_size, g.is_primary, {dedup_version} AS dedup_version
FROM {source_table} AS s
JOIN _dedup_groups AS g ON s.rowid = g._row
