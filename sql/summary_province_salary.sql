-- Figure 4: median annual salary of one category per province, keeping only provinces with at least
-- $min_n postings that state a minimum or a maximum (the study dropped Tibet with 80).
WITH p AS (
    SELECT
        location_province_zh_norm AS province_zh,
        location_province_en_norm AS province_en_norm,
        coalesce(salary_minimum_annual_value_norm, salary_exact_annual_value_norm) AS smin,
        coalesce(salary_maximum_annual_value_norm, salary_exact_annual_value_norm) AS smax
    FROM analysis_postings
    WHERE job_category_pr = $category AND location_province_zh_norm IS NOT NULL
)
SELECT
    province_zh,
    any_value(province_en_norm) AS province_en_norm,
    count(*) FILTER (WHERE smin IS NOT NULL OR smax IS NOT NULL) AS n_salary,
    median(smin) AS median_min_annual_cny,
    median(smax) AS median_max_annual_cny,
    median(smin) / $ppp_rate AS median_min_annual_ppp_usd,
    median(smax) / $ppp_rate AS median_max_annual_ppp_usd
FROM p
GROUP BY province_zh
HAVING count(*) FILTER (WHERE smin IS NOT NULL OR smax IS NOT NULL) >= $min_n
ORDER BY median_max_annual_cny DESC, median_min_annual_cny DESC, province_zh
