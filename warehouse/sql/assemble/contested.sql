-- The indicators more than one (source, release) carries: only their values compete for "in force"
-- (core.current_observation). Run once every observation (and every file record) is loaded.
-- Read from the lines of the bulk sources, not their values: 230k rows instead of 12M.
INSERT INTO core.contested_indicator
SELECT indicator_id
FROM (SELECT DISTINCT indicator_id, source_id, release FROM core.observation_row
      UNION
      SELECT DISTINCT l.indicator_id, p.source_id, p.release
      FROM core.observation_line l JOIN core.observation_part p USING (part_id))
GROUP BY indicator_id
HAVING count(*) > 1;
