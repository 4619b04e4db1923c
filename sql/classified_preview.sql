-- A few classified postings per category (stable pseudo-random choice): the title beside its label and
-- top probability, so the UI shows what the classifier did rather than ids and probabilities.
-- Slots: distribution_columns = the classifier's probability columns, categories = the study's category order.
SELECT d.title_extracted AS title, c.job_category_pr AS label,
       round(greatest({distribution_columns}), 2) AS probability
FROM classified_postings AS c JOIN deduplicated_postings AS d USING (id)
QUALIFY row_number() OVER (PARTITION BY c.job_category_pr ORDER BY hash(c.id)) <= 4
ORDER BY list_position({categories}, c.job_category_pr), hash(c.id)
