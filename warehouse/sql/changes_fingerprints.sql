-- Changes since the previous published warehouse (attached as `prev`), step 1 of 2: a fingerprint
-- (count and sum of row hashes) of the values in force per indicator and country on each side,
-- each side read once, as TEMP tables. The indicators whose fingerprints differ, with their value
-- counts on each side (NULL: the indicator is not on that side), go to change_differ; those on both
-- sides are read out (warehouse/build.py) and given to changes.sql as a list: only their values
-- are joined.
CREATE OR REPLACE TEMP TABLE change_new AS
SELECT indicator_id, iso3, count(*) AS n, sum(hash(iso3, year, value)) AS h
FROM core.current_observation GROUP BY indicator_id, iso3;

CREATE OR REPLACE TEMP TABLE change_old AS
SELECT indicator_id, iso3, count(*) AS n, sum(hash(iso3, year, value)) AS h
FROM prev.core.current_observation GROUP BY indicator_id, iso3;

CREATE OR REPLACE TEMP TABLE change_differ AS
WITH new_fp AS (SELECT indicator_id, sum(n) AS n, sum(h) AS h FROM change_new GROUP BY indicator_id),
     old_fp AS (SELECT indicator_id, sum(n) AS n, sum(h) AS h FROM change_old GROUP BY indicator_id)
SELECT indicator_id, new_fp.n AS new_n, old_fp.n AS old_n FROM new_fp FULL JOIN old_fp USING (indicator_id)
WHERE new_fp.n IS DISTINCT FROM old_fp.n OR new_fp.h IS DISTINCT FROM old_fp.h;
