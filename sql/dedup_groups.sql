-- dedup_groups: one narrow row per raw posting (its rowid in the source table) with the group it belongs
-- to and whether it is the group's primary. Groups are posting_key within one board (the study found
-- duplicates only inside one board); the primary is the longest version (body length), then the
-- latest retrieved, then the lowest id. Narrow, so the window sorts keys rather than whole postings.
CREATE OR REPLACE TEMP TABLE _dedup_groups AS
WITH keyed AS (
{dedup_keys}
)
SELECT _row, url_norm, posting_key,
    count(*) OVER (PARTITION BY source, posting_key) AS duplicate_group_size,
    row_number() OVER (
        PARTITION BY source, posting_key
        ORDER BY _body_length DESC, retrieve_date DESC NULLS LAST, id
    ) = 1 AS is_primary
FROM keyed
