-- Figure 2: desired experience level per category (exact level, else the minimum; neither = 'no data').
-- The study's "no experience" is the posting's requirement: 无需经验, 在校生/应届生, 应届 and 不限/经验不限
-- (requires none) all land there; normalization gives them exact level 'no experience' (0 years), and a
-- 'no requirement' status counts the same even where a level is absent. Only a missing answer is no data.
WITH p AS (
    SELECT
        job_category_pr AS category,
        CASE
            WHEN desired_experience_status_norm = 'no requirement' THEN 'no experience'
            ELSE coalesce(desired_experience_exact_level_norm, desired_experience_minimum_level_norm, 'no data')
        END AS experience_level
    FROM analysis_postings
)
SELECT
    category,
    experience_level,
    count(*) AS postings,
    count(*) / sum(count(*)) OVER (PARTITION BY category) AS share
FROM p
GROUP BY 1, 2
