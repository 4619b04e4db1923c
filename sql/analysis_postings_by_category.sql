-- Unique postings per predicted category, largest first: the analysis view's metadata in the Dagster UI.
SELECT job_category_pr AS category, count(*) AS postings
FROM analysis_postings
GROUP BY 1
ORDER BY 2 DESC
