-- Table 4: the top $top_n AI keywords of each technical team by distinct postings, then the distinct
-- postings matching any of those top keywords and any keyword at all (a posting counts once).
WITH k AS (
    SELECT DISTINCT id, job_category_pr AS category, keyword_en
    FROM ai_keyword_postings
    WHERE job_category_pr IN ('TT1', 'TT2')
      AND id IN (SELECT id FROM analysis_postings)
),
counts AS (
    SELECT category, keyword_en, count(*) AS postings FROM k GROUP BY 1, 2
),
ranked AS (
    SELECT *, row_number() OVER (PARTITION BY category ORDER BY postings DESC, keyword_en) AS rank
    FROM counts
),
category_totals AS (
    SELECT job_category_pr AS category, count(*) AS category_postings
    FROM analysis_postings
    GROUP BY job_category_pr
),
rows AS (
    SELECT 1 AS row_order, 'keyword' AS row_kind, category, rank, keyword_en, postings
    FROM ranked
    WHERE rank <= $top_n
    UNION ALL
    SELECT 2, 'top_distinct', category, NULL, 'top ' || $top_n || ' keywords, distinct postings',
        count(DISTINCT id)
    FROM k JOIN ranked USING (category, keyword_en)
    WHERE rank <= $top_n
    GROUP BY category
    UNION ALL
    SELECT 3, 'all_distinct', category, NULL, 'all keywords, distinct postings', count(DISTINCT id)
    FROM k
    GROUP BY category
)
SELECT
    row_kind,
    category,
    rank,
    keyword_en,
    postings,
    postings / category_postings AS share_of_category
FROM rows LEFT JOIN category_totals USING (category)
ORDER BY category, row_order, rank
