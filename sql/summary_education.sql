-- Figure 1: desired education per category (education_level of the analysis view); a posting with no
-- level is 'no data', which stays in the denominator as in the study.
SELECT
    job_category_pr AS category,
    coalesce(education_level, 'no data') AS education_level,
    count(*) AS postings,
    count(*) / sum(count(*)) OVER (PARTITION BY category) AS share
FROM analysis_postings
GROUP BY 1, 2
