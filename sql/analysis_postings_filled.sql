-- Analysis postings whose annual salary falls back to predicted pay (monthly x 12) where none is stated.
-- A temporary view: it shadows analysis_postings only in the connection that asked for it, so the stored
-- *_norm columns and every other summary keep stated pay.
CREATE OR REPLACE TEMP VIEW analysis_postings AS
SELECT a.* REPLACE (
    coalesce(a.salary_minimum_annual_value_norm, a.salary_exact_annual_value_norm,
             p.salary_exact_monthly_value_pr * 12) AS salary_minimum_annual_value_norm,
    coalesce(a.salary_maximum_annual_value_norm, a.salary_exact_annual_value_norm,
             p.salary_exact_monthly_value_pr * 12) AS salary_maximum_annual_value_norm
)
FROM analysis_postings_stated AS a
-- one prediction per posting even if the predictions table held an id twice: a fill never adds a row
LEFT JOIN (SELECT id, min(salary_exact_monthly_value_pr) AS salary_exact_monthly_value_pr
           FROM salary_predictions GROUP BY id) AS p USING (id);
