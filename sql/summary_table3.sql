-- Table 3: median minimum and maximum annual salary per category, CNY and PPP USD.
-- A single stated salary ("8000元/月") is both the minimum and the maximum of its posting.
WITH p AS (
    SELECT
        job_category_pr AS category,
        coalesce(salary_minimum_annual_value_norm, salary_exact_annual_value_norm) AS smin,
        coalesce(salary_maximum_annual_value_norm, salary_exact_annual_value_norm) AS smax
    FROM analysis_postings
)
SELECT
    category,
    count(*) AS postings,
    count(smin) AS n_min,
    median(smin) AS median_min_annual_cny,
    count(smax) AS n_max,
    median(smax) AS median_max_annual_cny,
    median(smin) / $ppp_rate AS median_min_annual_ppp_usd,
    median(smax) / $ppp_rate AS median_max_annual_ppp_usd,
    avg(CASE WHEN smin IS NULL OR smax IS NULL THEN 1.0 ELSE 0.0 END) AS missing_share
FROM p
GROUP BY category
