-- near_duplicates: primaries that look like one posting under different ids — same company, title and
-- normalized body (whitespace, punctuation and symbols dropped, lower-cased) — within one board and
-- across boards. The study found duplicates only inside one board; these are reported, not removed.
CREATE OR REPLACE TEMP TABLE _near_duplicate_groups AS
WITH p AS (
    SELECT source, posting_key,
        coalesce(company_name_extracted, '') AS company,
        coalesce(title_extracted, '') AS title,
        md5(lower(regexp_replace(body_extracted, '[\s\p{{P}}\p{{S}}]+', '', 'g'))) AS body_hash
    FROM {table}
    WHERE is_primary AND coalesce(body_extracted, '') <> ''
)
SELECT 'same_board' AS scope, company, title, body_hash, count(*) AS n_postings,
    list(DISTINCT source) AS boards, list(posting_key ORDER BY posting_key)[1:3] AS example_keys
FROM p GROUP BY source, company, title, body_hash HAVING count(*) > 1
UNION ALL
SELECT 'cross_board', company, title, body_hash, count(*),
    list(DISTINCT source ORDER BY source), list(posting_key ORDER BY posting_key)[1:3]
FROM p GROUP BY company, title, body_hash HAVING count(DISTINCT source) > 1
