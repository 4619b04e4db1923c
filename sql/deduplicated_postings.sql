-- deduplicated_postings: every raw posting kept (the study kept its non-deduplicated set too), grouped
-- by posting_key within one board; the longest version is primary (body length, then the latest
-- retrieve_date, then the lowest id). Rebuilt from all harvests at once, so a later, longer version
-- takes over and a re-run changes nothing.
CREATE OR REPLACE TABLE {target_table} AS
WITH keyed AS (
{dedup_keys}
)
SELECT *,
    count(*) OVER (PARTITION BY source, posting_key) AS duplicate_group_size,
    row_number() OVER (
        PARTITION BY source, posting_key
        ORDER BY length(coalesce(body_extracted, '')) DESC, retrieve_date DESC NULLS LAST, id
    ) = 1 AS is_primary,
    {dedup_version} AS dedup_version
FROM keyed
