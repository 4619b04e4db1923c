-- Annual salaries of every posting, for the rank-sum tests of the medians of Table 3.
SELECT
    job_category_pr AS category,
    coalesce(salary_minimum_annual_value_norm, salary_exact_annual_value_norm) AS salary_min_annual,
    coalesce(salary_maximum_annual_value_norm, salary_exact_annual_value_norm) AS salary_max_annual
FROM analysis_postings
