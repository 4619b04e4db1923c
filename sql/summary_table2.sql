-- Table 2: the study's three-bucket view of education. "none" (学历不限, explicitly no requirement)
-- is below a bachelor's; only a missing level is "no data".
WITH p AS (
    SELECT
        job_category_pr AS category,
        coalesce(desired_education_exact_level_norm, desired_education_minimum_level_norm,
                 desired_education_maximum_level_norm) AS lvl
    FROM analysis_postings
)
SELECT
    category,
    CASE
        WHEN lvl IS NULL THEN 'no data'
        WHEN lvl IN ('bachelor', 'master', 'doctoral') THEN 'bachelor or higher'
        ELSE 'less than bachelor'
    END AS bucket,
    count(*) AS postings,
    count(*) / sum(count(*)) OVER (PARTITION BY category) AS share
FROM p
GROUP BY 1, 2
