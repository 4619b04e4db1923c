-- Figure 2: desired experience level per category (exact level, else the minimum; neither = 'no data').
WITH p AS (
    SELECT
        job_category_pr AS category,
        coalesce(desired_experience_exact_level_norm, desired_experience_minimum_level_norm, 'no data')
            AS experience_level
    FROM analysis_postings
)
SELECT
    category,
    experience_level,
    count(*) AS postings,
    count(*) / sum(count(*)) OVER (PARTITION BY category) AS share
FROM p
GROUP BY 1, 2
