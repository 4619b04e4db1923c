-- What the salary model reads for every unique posting: title, board, category, place, education,
-- experience, stated pay and the raw company-size text (the model bands it).
-- $stated_only: only postings that state their pay (training), on a fixed id-hashed sample of at most
-- $limit postings (the model learns little past a few hundred thousand, while its cost keeps growing);
-- else every unique posting (prediction), by id.
SELECT
    d.id, d.title_extracted, d.source, c.job_category_pr,
    n.location_province_zh_norm, n.location_prefecture_zh_norm,
    n.desired_education_exact_level_norm, n.desired_education_minimum_level_norm,
    n.desired_experience_exact_level_norm, n.desired_experience_minimum_level_norm,
    n.desired_experience_maximum_level_norm, n.desired_experience_exact_years_norm,
    n.desired_experience_minimum_years_norm, n.desired_experience_maximum_years_norm,
    n.salary_exact_monthly_value_norm, n.salary_minimum_monthly_value_norm,
    n.salary_maximum_monthly_value_norm, n.salary_status_norm,
    d.company_information_extracted AS company_size
FROM deduplicated_postings d
JOIN classified_postings c USING (id)
JOIN normalized_postings n USING (id)
WHERE d.is_primary
  AND (NOT $stated_only OR n.salary_status_norm = 'stated')
ORDER BY CASE WHEN $stated_only THEN hash(d.id) END, d.id
LIMIT $limit
