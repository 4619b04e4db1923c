-- Table 1: primary (deduplicated) postings per predicted category and their share of all postings.
SELECT
    job_category_pr AS category,
    count(*) AS postings,
    count(*) / sum(count(*)) OVER () AS share
FROM analysis_postings
GROUP BY job_category_pr
