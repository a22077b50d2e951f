-- Changes since the previous published warehouse (attached as `prev`), step 2 of 2: indicators and
-- countries added or removed (from the fingerprints of changes_fingerprints.sql), and per indicator
-- how many values changed by more than the tolerance (the one-row temp table change_param),
-- appeared or disappeared. Values are joined only for the indicators on both sides whose
-- fingerprint differs, $differ, a list: DuckDB filters a constant list where the values are read,
-- while a subquery would have every value in force read first (0.4 s with a 15M-cell WDI file on
-- both sides, for nothing when the file did not change); joining everything took 10 s and a
-- gigabyte. An indicator on one side only needs no join: all its values are new, or all gone, and
-- the fingerprints counted them (a first load of a 15M-cell WDI file: 0.2 s less).
INSERT INTO core.change
WITH new_ind AS (SELECT DISTINCT indicator_id FROM change_new),
     old_ind AS (SELECT DISTINCT indicator_id FROM change_old),
     new_cty AS (SELECT DISTINCT iso3 FROM change_new),
     old_cty AS (SELECT DISTINCT iso3 FROM change_old),
     joined AS (
        SELECT coalesce(n.indicator_id, o.indicator_id) AS indicator_id, n.value AS new, o.value AS old
        FROM (SELECT * FROM core.current_observation WHERE list_contains($differ, indicator_id)) n
        FULL JOIN (SELECT * FROM prev.core.current_observation
                   WHERE list_contains($differ, indicator_id)) o USING (iso3, indicator_id, year)
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
                        OR abs(new - old) > (SELECT tolerance FROM change_param) * greatest(1, abs(old))) > 0
UNION ALL
SELECT 'values changed', indicator_id, '0 changed, ' || coalesce(new_n, 0) || ' new, ' || coalesce(old_n, 0) || ' gone'
FROM change_differ
WHERE new_n IS NULL OR old_n IS NULL;
