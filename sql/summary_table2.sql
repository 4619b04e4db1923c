-- Table 2: the study's three-bucket view of education. "none" (学历不限, explicitly no requirement)
-- is below a bachelor's; only a missing level is "no data".
SELECT
    job_category_pr AS category,
    CASE
        WHEN education_level IS NULL THEN 'no data'
        WHEN education_level IN ('bachelor', 'master', 'doctoral') THEN 'bachelor or higher'
        ELSE 'less than bachelor'
    END AS bucket,
    count(*) AS postings,
    count(*) / sum(count(*)) OVER (PARTITION BY category) AS share
FROM analysis_postings
GROUP BY 1, 2
