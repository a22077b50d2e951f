-- One vintage's values of its indicator for check_vintage.observations (vintage_setup.sql): every
-- value the (source, release) carries, in force today or not. Parameters: $subject (an indicator
-- id; a classification scheme or `readiness` selects nothing here), $source, $release.
DELETE FROM check_vintage.vintage_values;

INSERT INTO check_vintage.vintage_values
SELECT o.iso3, c.name, o.indicator_id, i.name, o.year, o.value, i.unit, o.source_id, o.release, o.is_sample
FROM core.observation o
JOIN core.country c USING (iso3)
JOIN core.indicator i USING (indicator_id)
WHERE o.indicator_id = $subject AND o.source_id = $source AND o.release = $release;
