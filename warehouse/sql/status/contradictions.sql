-- Status report "Findings contradicted by the data": the findings whose check against the
-- warehouse failed, with what the data say. Whole texts: the report wraps them.
SELECT finding_id AS finding, statement, check_detail AS "what the data say"
FROM findings
WHERE check_status = 'contradicted'
ORDER BY finding_id;
