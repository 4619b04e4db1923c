-- What the Appendix D keyword search reads: title and body of the unique Technical Team 1 and 2 postings
-- (the study searched only those, Table 4). Unordered: the asset sorts its small output by posting.
SELECT d.id, c.job_category_pr, d.title_extracted, d.body_extracted
FROM deduplicated_postings d
JOIN classified_postings c USING (id)
WHERE d.is_primary AND c.job_category_pr IN ('TT1', 'TT2')
