-- Figures 7 and 8: education of the technical postings that mention an AI keyword vs all of them.
WITH p AS (
    SELECT
        id,
        job_category_pr AS category,
        coalesce(education_level, 'no data') AS education_level
    FROM analysis_postings
    WHERE job_category_pr IN ('TT1', 'TT2')
),
g AS (
    SELECT category, 'all postings' AS postings_group, education_level FROM p
    UNION ALL
    SELECT category, 'keyword postings', education_level
    FROM p
    WHERE id IN (SELECT id FROM ai_keyword_postings)
)
SELECT
    category,
    postings_group,
    education_level,
    count(*) AS postings,
    count(*) / sum(count(*)) OVER (PARTITION BY category, postings_group) AS share
FROM g
GROUP BY 1, 2, 3
