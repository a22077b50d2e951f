-- The indicators more than one (source, release) carries: only their values compete for "in force"
-- (core.current_observation). Run once every observation is loaded.
INSERT INTO core.contested_indicator
SELECT indicator_id
FROM (SELECT DISTINCT indicator_id, source_id, release FROM core.observation)
GROUP BY indicator_id
HAVING count(*) > 1;
