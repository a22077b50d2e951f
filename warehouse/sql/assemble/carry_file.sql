-- Keep the previously published rows of one file that failed this run while the rest of its
-- source loaded (the previous warehouse attached as `prev`): its observations, and the
-- classifications of its release. Parameters: $source, $file.
INSERT INTO core.observation_row (iso3, indicator_id, year, value, source_id, release, is_sample, file, row)
SELECT iso3, indicator_id, year, value, source_id, release, is_sample, file, row
FROM prev.core.observation
WHERE source_id = $source AND file = $file;

INSERT INTO core.classification (iso3, scheme, year, category, source_id, release)
SELECT c.iso3, c.scheme, c.year, c.category, c.source_id, c.release
FROM prev.core.classification c
WHERE c.source_id = $source
  AND c.release IN (SELECT release FROM prev.core.source_file WHERE source_id = $source AND file = $file)
  AND NOT EXISTS (SELECT 1 FROM core.classification n WHERE n.source_id = c.source_id AND n.release = c.release);
