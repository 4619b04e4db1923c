-- Figure 2: desired experience level per category (experience_level of the analysis view, where a
-- 'no requirement' status counts as no experience); only a missing answer is 'no data'.
SELECT
    job_category_pr AS category,
    coalesce(experience_level, 'no data') AS experience_level,
    count(*) AS postings,
    count(*) / sum(count(*)) OVER (PARTITION BY category) AS share
FROM analysis_postings
GROUP BY 1, 2
