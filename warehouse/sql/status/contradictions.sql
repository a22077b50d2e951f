-- Status report "Findings contradicted by the data": the findings whose check against the
-- warehouse failed, with what the data say.
SELECT finding_id, statement, check_detail
FROM findings
WHERE check_status = 'contradicted'
ORDER BY finding_id;
