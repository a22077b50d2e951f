-- Changes since the previous published warehouse (attached as `prev`): indicators and countries
-- added or removed, and per indicator how many values changed by more than the tolerance
-- (the one-row temp table change_param), appeared or disappeared.
-- Values are joined only for indicators whose fingerprint (count and sum of row hashes) differs:
-- with wdi_full's 12M rows, joining everything took 10 s and a gigabyte on every run. Each side is
-- read once, grouped by indicator and country (the countries come from the same groups): every
-- read of the values in force joins wdi_full's values to their lines.
INSERT INTO core.change
WITH new_fpc AS MATERIALIZED (SELECT indicator_id, iso3, count(*) AS n, sum(hash(iso3, year, value)) AS h
                              FROM core.current_observation GROUP BY indicator_id, iso3),
     old_fpc AS MATERIALIZED (SELECT indicator_id, iso3, count(*) AS n, sum(hash(iso3, year, value)) AS h
                              FROM prev.core.current_observation GROUP BY indicator_id, iso3),
     new_fp AS (SELECT indicator_id, sum(n) AS n, sum(h) AS h FROM new_fpc GROUP BY indicator_id),
     old_fp AS (SELECT indicator_id, sum(n) AS n, sum(h) AS h FROM old_fpc GROUP BY indicator_id),
     differ AS (SELECT indicator_id FROM new_fp FULL JOIN old_fp USING (indicator_id)
                WHERE new_fp.n IS DISTINCT FROM old_fp.n OR new_fp.h IS DISTINCT FROM old_fp.h),
     new_ind AS (SELECT indicator_id FROM new_fp),
     old_ind AS (SELECT indicator_id FROM old_fp),
     new_cty AS (SELECT DISTINCT iso3 FROM new_fpc),
     old_cty AS (SELECT DISTINCT iso3 FROM old_fpc),
     joined AS (
        SELECT coalesce(n.indicator_id, o.indicator_id) AS indicator_id, n.value AS new, o.value AS old
        FROM (SELECT * FROM core.current_observation WHERE indicator_id IN (SELECT indicator_id FROM differ)) n
        FULL JOIN (SELECT * FROM prev.core.current_observation
                   WHERE indicator_id IN (SELECT indicator_id FROM differ)) o USING (iso3, indicator_id, year)
     )
SELECT 'indicator added', indicator_id, NULL FROM (SELECT * FROM new_ind EXCEPT SELECT * FROM old_ind)
UNION ALL
SELECT 'indicator removed', indicator_id, NULL FROM (SELECT * FROM old_ind EXCEPT SELECT * FROM new_ind)
UNION ALL
SELECT 'country added', iso3, NULL FROM (SELECT * FROM new_cty EXCEPT SELECT * FROM old_cty)
UNION ALL
SELECT 'country removed', iso3, NULL FROM (SELECT * FROM old_cty EXCEPT SELECT * FROM new_cty)
UNION ALL
SELECT 'values changed', indicator_id,
       count(*) FILTER (WHERE new IS NOT NULL AND old IS NOT NULL
                        AND abs(new - old) > (SELECT tolerance FROM change_param) * greatest(1, abs(old)))
         || ' changed, ' || count(*) FILTER (WHERE old IS NULL) || ' new, '
         || count(*) FILTER (WHERE new IS NULL) || ' gone'
FROM joined
GROUP BY indicator_id
HAVING count(*) FILTER (WHERE old IS NULL OR new IS NULL
                        OR abs(new - old) > (SELECT tolerance FROM change_param) * greatest(1, abs(old))) > 0;
