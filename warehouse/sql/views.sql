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
       f.stale, f.error, f.is_sample, f.guard
FROM core.source_file f;

-- Drops the guard caught this run: an indicator a source's new snapshot would remove, or whose
-- values it would cut by more than config/guard.yaml allows; kept unless the run accepted it.
CREATE VIEW guarded_drops AS
SELECT source_id, indicator_id, published_values, staged_values, drop_share, max_share, decision, detail
FROM core.drop_guard;

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
       (SELECT count(DISTINCT x.concept) FROM core.dimension_indicator x WHERE x.dimension_id = d.dimension_id) AS n_concepts,
       (SELECT count(*) FROM core.dimension_indicator x WHERE x.dimension_id = d.dimension_id) AS n_indicators,
       (SELECT count(*) FROM core.survey_question q WHERE q.dimension_id = d.dimension_id) AS n_questions
FROM core.dimension d;

CREATE VIEW dimension_indicators AS
SELECT dimension_id, d.name AS dimension, concept, preference, indicator_id, i.name AS indicator, reason, is_primary
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

-- Readiness per country × dimension × reference year (method: config/readiness.yaml, README
-- "Readiness method"). score = evidence_score alone, or combined with survey_score from real answers;
-- score_p05/score_p95 and level_probability come from the Monte Carlo over the method's choices;
-- rank among the focus countries and comparators (1 = best), with its 5-95 % interval.
CREATE VIEW readiness AS
WITH g AS (
    SELECT r.ref_year, r.dimension_id,
           avg(r.score) FILTER (WHERE r.iso3 IN (SELECT iso3 FROM core.country_group WHERE group_id = 'comparator')) AS comparators,
           avg(r.score) FILTER (WHERE c.un_member) AS world
    FROM core.readiness r JOIN core.country c USING (iso3)
    GROUP BY ALL
)
SELECT r.iso3, c.name AS country, r.dimension_id, d.name AS dimension, r.ref_year,
       r.score, r.score_p05, r.score_p95, r.score_median, r.level, r.level_probability,
       r.p_low, r.p_medium, r.p_high, r.evidence_score, r.survey_score, r.organisations,
       r.coverage, r.n_indicators, r.n_concepts, r.rank, r.rank_p05, r.rank_p95, r.n_ranked,
       r.missing, r.uses_sample,
       r.score - g.comparators AS gap_to_comparators, r.score - g.world AS gap_to_world
FROM core.readiness r
JOIN core.country c USING (iso3)
JOIN core.dimension d USING (dimension_id)
LEFT JOIN g USING (ref_year, dimension_id);

-- What each readiness cell rests on: one row per cell and concept, with the series used (the
-- preferred one, a fallback, or the preferred one with no value), its value, year, goalposts,
-- normalised value, weight in the evidence score, and the publisher file and row it comes from.
CREATE VIEW readiness_components AS
SELECT rc.iso3, rc.dimension_id, rc.ref_year, rc.concept, rc.indicator_id, i.name AS indicator,
       rc.value, rc.value_year, rc.goalpost_low, rc.goalpost_high, rc.normalised, rc.weight,
       rc.source_id, rc.release, rc.file, rc.row, rc.note
FROM core.readiness_component rc JOIN core.indicator i USING (indicator_id);

-- The yardstick of every mapped series, and the shape of its distribution over UN member states.
CREATE VIEW readiness_goalposts AS
SELECT g.indicator_id, i.name AS indicator, g.goalpost_low, g.goalpost_high, g.rule, g.transform, g.basis,
       i.higher_is_better, g.n_reference, g.skewness, g.kurtosis, g.skewed
FROM core.readiness_goalpost g JOIN core.indicator i USING (indicator_id);

-- Which choice of the method moves the scores most: each choice varied alone (and all together),
-- per reference year and dimension (dimension_id NULL: every dimension). influence 1 = most.
CREATE VIEW readiness_sensitivity AS
SELECT s.ref_year, s.dimension_id, d.name AS dimension, s.factor, s.cells, s.mean_abs_shift,
       s.mean_interval_width, s.variance_share, s.share_level_changes, s.mean_rank_shift, s.influence
FROM core.readiness_sensitivity s LEFT JOIN core.dimension d USING (dimension_id);

-- Each country's weakest scored dimensions per reference year (config/readiness.yaml priority_gaps).
CREATE VIEW priority_gaps AS
SELECT iso3, country, ref_year, priority, dimension_id, dimension, score, score_p05, score_p95, level,
       gap_to_comparators, gap_to_world, missing, uses_sample
FROM (
    SELECT r.*, row_number() OVER (PARTITION BY r.iso3, r.ref_year ORDER BY r.score, r.dimension_id) AS priority
    FROM readiness r
    WHERE r.score IS NOT NULL
)
WHERE priority <= (SELECT n_gaps FROM core.readiness_param);

-- Survey scores per country and dimension as the answers give them, SAMPLE workbooks included and
-- labelled: the survey path can be shown before real answers arrive. Only real answers dated in a
-- reference-year window enter readiness (its survey_score).
CREATE VIEW survey_scores AS
SELECT iso3, dimension_id, d.name AS dimension, is_sample,
       count(DISTINCT lower(regexp_replace(trim(coalesce(organisation, source_file)), '\s+', ' ', 'g'))) AS organisations,
       count(*) AS answers, avg(score) AS survey_score,
       min(response_date) AS first_response, max(response_date) AS last_response,
       CASE WHEN is_sample THEN 'SAMPLE data: never in a readiness score' ELSE 'real answers' END AS note
FROM core.survey_response JOIN core.dimension d USING (dimension_id)
WHERE score IS NOT NULL
GROUP BY ALL;
