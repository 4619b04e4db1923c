-- near_duplicates: primaries that look like one posting under different ids — same company, title and
-- normalized body (whitespace, punctuation and symbols dropped, lower-cased) — within one board and
-- across boards. The study found duplicates only inside one board; these are reported, not removed.
CREATE OR REPLACE TEMP TABLE _near_duplicate_groups AS
WITH p AS (
    SELECT source, posting_key,
        coalesce(company_name_extracted, '') AS company, coalesce(title_extracted, '') AS title, body_extracted
    FROM {table}
    WHERE is_primary AND coalesce(body_extracted, '') <> ''
),
same_board_titles AS (
    SELECT source, company, title, true AS same_board FROM p GROUP BY ALL HAVING count(*) > 1
),
cross_board_titles AS (
    SELECT company, title, true AS cross_board FROM p GROUP BY ALL HAVING count(DISTINCT source) > 1
),
hashed AS (
    -- normalizing a body is the costly step: only for postings that share company and title with another
    SELECT p.source, p.posting_key, p.company, p.title, coalesce(s.same_board, false) AS same_board,
        coalesce(x.cross_board, false) AS cross_board,
        hash(lower(regexp_replace(p.body_extracted, '[\s\p{{P}}\p{{S}}]+', '', 'g'))) AS body_hash
    FROM p
    LEFT JOIN same_board_titles AS s USING (source, company, title)
    LEFT JOIN cross_board_titles AS x USING (company, title)
    WHERE s.same_board OR x.cross_board
)
SELECT 'same_board' AS scope, company, title, body_hash, count(*) AS n_postings,
    list(DISTINCT source) AS boards, list(posting_key ORDER BY posting_key)[1:3] AS example_keys
FROM hashed WHERE same_board GROUP BY source, company, title, body_hash HAVING count(*) > 1
UNION ALL
SELECT 'cross_board', company, title, body_hash, count(*),
    list(DISTINCT source ORDER BY source), list(posting_key ORDER BY posting_key)[1:3]
FROM hashed WHERE cross_board GROUP BY company, title, body_hash HAVING count(DISTINCT source) > 1
