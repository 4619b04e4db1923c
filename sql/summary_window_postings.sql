-- Every version of every unique posting, with the harvest it came from and the date it was live on,
-- carrying the primary's category, normalized fields and levels (as every other table counts them).
-- Windows are assigned in Python; a posting seen in several versions inside one window counts once
-- there (the caller keeps distinct ids).
-- Live date: the posting's release date where stated, else this version's retrieval date.
SELECT
    a.id,
    a.job_category_pr AS category,
    v.harvest_id,
    CAST(v.retrieve_date AS DATE) AS retrieved,
    coalesce(a.release_date_exact_date_norm, CAST(v.retrieve_date AS DATE)) AS live_date,
    a.education_level,
    a.experience_level,
    coalesce(a.salary_minimum_annual_value_norm, a.salary_exact_annual_value_norm) AS salary_min_annual,
    coalesce(a.salary_maximum_annual_value_norm, a.salary_exact_annual_value_norm) AS salary_max_annual
FROM deduplicated_postings AS v
JOIN deduplicated_postings AS p
    ON p.is_primary AND p.source = v.source AND p.posting_key = v.posting_key
JOIN analysis_postings AS a ON a.id = p.id
