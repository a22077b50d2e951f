-- The public views: the documented interface for ad hoc SQL and Excel extracts.

CREATE VIEW countries AS
SELECT c.iso3, c.name, c.un_region, c.un_subregion, c.un_intermediate_region, c.un_member,
       coalesce((SELECT list(g.group_id ORDER BY g.group_id) FROM core.country_group g
                 WHERE g.iso3 = c.iso3), []::VARCHAR[]) AS groups
FROM core.country c;

CREATE VIEW indicators AS
SELECT indicator_id, name, unit, source_id, dimension_id, higher_is_better,
       scale_min, scale_max, definition
FROM core.indicator;

CREATE VIEW sources AS
SELECT f.source_id, f.file, f.publisher, f.title, f.url, f.licence, f.release, f.retrieved_at,
       f.last_updated, f.sha256, f.size, f.snapshot_origin, f.recorded, f.rows_loaded,
       f.rows_rejected,
       (SELECT count(*) FROM core.observation o
        WHERE o.source_id = f.source_id AND o.file = f.file
          AND o.indicator_id IN (SELECT indicator_id FROM core.contested_indicator)
          AND NOT EXISTS (SELECT 1 FROM core.in_force k
                          WHERE k.iso3 = o.iso3 AND k.indicator_id = o.indicator_id AND k.year = o.year
                            AND k.source_id = o.source_id AND k.release = o.release)) AS rows_superseded,
       f.stale, f.error, f.is_sample
FROM core.source_file f;

-- One value per country × indicator × year: the one in force (see core.current_observation).
CREATE VIEW observations AS
SELECT o.iso3, c.name AS country, o.indicator_id, i.name AS indicator, o.year, o.value, i.unit,
       o.source_id, o.release, o.is_sample
FROM core.current_observation o
JOIN core.country c USING (iso3)
JOIN core.indicator i USING (indicator_id);

-- Every value of every release, including those not in force: superseded by a newer release or a
-- preferred source, or withdrawn by a newer release that covers the year and no longer carries it.
CREATE VIEW observations_all AS
SELECT o.iso3, c.name AS country, o.indicator_id, o.year, o.value, i.unit, o.source_id, o.release,
       o.file, o.is_sample,
       EXISTS (SELECT 1 FROM core.current_observation k
               WHERE k.iso3 = o.iso3 AND k.indicator_id = o.indicator_id AND k.year = o.year
                 AND k.source_id = o.source_id AND k.release = o.release) AS is_current
FROM core.observation o
JOIN core.country c USING (iso3)
JOIN core.indicator i USING (indicator_id);

CREATE VIEW classifications AS
SELECT iso3, scheme, year, category, source_id, release FROM core.classification;

CREATE VIEW aggregates AS
SELECT group_id, indicator_id, year, value, n_countries, method FROM core.aggregate;

CREATE VIEW runs AS
SELECT run_id, started_at, finished_at, status, digigov_version, seconds, sources, message
FROM core.run;

CREATE VIEW checks AS
SELECT r.check_id, r.problems, p.iso3, p.detail
FROM core.check_run r LEFT JOIN core.check_problem p USING (check_id);

CREATE VIEW changes AS
SELECT kind, item, detail FROM core.change;

CREATE VIEW rejects AS
SELECT run_id, source_id, file, row, reason, record FROM core.reject;

-- The needs-assessment layer ------------------------------------------------------------------

CREATE VIEW dimensions AS
SELECT d.dimension_id, d.key, d.name, d.description,
       (SELECT count(*) FROM core.dimension_indicator x WHERE x.dimension_id = d.dimension_id) AS n_indicators,
       (SELECT count(*) FROM core.survey_question q WHERE q.dimension_id = d.dimension_id) AS n_questions
FROM core.dimension d;

CREATE VIEW dimension_indicators AS
SELECT dimension_id, d.name AS dimension, indicator_id, i.name AS indicator, reason, is_primary
FROM core.dimension_indicator JOIN core.dimension d USING (dimension_id) JOIN core.indicator i USING (indicator_id);

CREATE VIEW survey_questions AS
SELECT question_id, dimension_id, topic, answer_type, text FROM core.survey_question;

CREATE VIEW institutions AS
SELECT iso3, body, role, parent_body, note, source_id FROM core.institution;

CREATE VIEW findings AS
SELECT finding_id, iso3, dimension_id, topic, statement, evidence, count_countries, source_id,
       is_sample, check_status, check_detail
FROM core.finding;

-- Each checked finding's verdict on the latest data (the same as findings.check_status) and, for
-- a finding that names `vintages_of` in config/findings.yaml, on every release of that indicator.
CREATE VIEW finding_checks AS
SELECT finding_id, vintage, is_latest, status, evidence
FROM core.finding_check;

CREATE VIEW survey_responses AS
SELECT response_id, iso3, organisation, role, response_date, question_id, dimension_id, answer,
       score, source_file, cell, is_sample
FROM core.survey_response;

CREATE VIEW readiness AS
SELECT r.iso3, c.name AS country, r.dimension_id, d.name AS dimension, r.year, r.score, r.level,
       r.indicator_score, r.survey_score, r.components, r.missing, r.uses_sample,
       r.gap_to_comparators, r.gap_to_world, r.weakness_rank
FROM core.readiness r JOIN core.country c USING (iso3) JOIN core.dimension d USING (dimension_id);

CREATE VIEW priority_gaps AS
SELECT r.iso3, r.country, r.weakness_rank AS priority, r.dimension_id, r.dimension, r.score, r.level,
       r.gap_to_comparators, r.gap_to_world, r.missing, r.uses_sample
FROM readiness r
WHERE r.score IS NOT NULL
  AND r.weakness_rank <= (SELECT n_gaps FROM core.readiness_param);
