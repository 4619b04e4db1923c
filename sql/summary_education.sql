-- Figure 1: desired education per category. A posting's level is its exact level, else its minimum
-- ("本科及以上" counts as bachelor), else its maximum ("大专及以下" counts as associate); none of them =
-- 'no data', which stays in the denominator as in the study.
WITH p AS (
    SELECT
        job_category_pr AS category,
        coalesce(desired_education_exact_level_norm, desired_education_minimum_level_norm,
                 desired_education_maximum_level_norm, 'no data')
            AS education_level
    FROM analysis_postings
)
SELECT
    category,
    education_level,
    count(*) AS postings,
    count(*) / sum(count(*)) OVER (PARTITION BY category) AS share
FROM p
GROUP BY 1, 2
