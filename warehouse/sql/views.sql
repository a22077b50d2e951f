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
SELECT question_id, number, dimension_id, topic, answer_type, text, text_ru FROM core.survey_question;

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

-- Survey answers of each organisation's current workbook (a corrected workbook replaces the
-- organisation's earlier one: survey_responses_all keeps both), with the comment given with each.
CREATE VIEW survey_responses AS
SELECT response_id, iso3, organisation, organisation_type, organisation_level, role, response_date,
       question_id, dimension_id, answer, score, comment, language, source_file, cell, is_sample
FROM core.survey_response
WHERE source_file IN (SELECT source_file FROM core.survey_submission WHERE is_current);

-- Every survey answer loaded, replaced workbooks included: is_current false and replaced_by the
-- workbook that replaced it (the same organisation's with a later date, or saved later).
CREATE VIEW survey_responses_all AS
SELECT r.response_id, r.iso3, r.organisation, r.organisation_type, r.organisation_level, r.role,
       r.response_date, r.question_id, r.dimension_id, r.answer, r.score, r.comment, r.language,
       r.saved_at, r.source_file, r.cell, r.is_sample, s.is_current, s.replaced_by
FROM core.survey_response r JOIN core.survey_submission s USING (source_file);

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
-- labelled: the survey path can be shown before real answers arrive. Current workbooks only, and
-- each organisation counts once: survey_score is the mean over organisations of each one's mean
-- answer score in the dimension (score_sd their spread). Only real answers dated in a
-- reference-year window enter readiness (its survey_score, computed the same way).
CREATE VIEW survey_scores AS
WITH org AS (
    SELECT r.iso3, r.dimension_id, r.is_sample, s.organisation_key, avg(r.score) AS org_score,
           count(*) AS answers, min(r.response_date) AS first_response, max(r.response_date) AS last_response
    FROM core.survey_response r JOIN core.survey_submission s USING (source_file)
    WHERE s.is_current AND r.score IS NOT NULL
    GROUP BY ALL
)
SELECT iso3, dimension_id, d.name AS dimension, is_sample, count(*) AS organisations,
       sum(answers) AS answers, avg(org_score) AS survey_score, stddev_samp(org_score) AS score_sd,
       min(first_response) AS first_response, max(last_response) AS last_response,
       CASE WHEN is_sample THEN 'SAMPLE data: never in a readiness score' ELSE 'real answers' END AS note
FROM org JOIN core.dimension d USING (dimension_id)
GROUP BY ALL;

-- What the organisations answered, per question × country and for the region (scope 'region':
-- the focus group, iso3 NULL). Current workbooks only, each organisation once; SAMPLE and real
-- answers apart (is_sample). `organisations` answered the question (a blank is no answer, "don't
-- know" is); the shares of yes / partly / no / don't know are of them, and `majority` is the
-- answer more than half of them gave. Numeric answers (percent, number, scale 1-5): mean, spread
-- (sd_value, the sample standard deviation), range, and for the region the mean of the country
-- means (each country once). The study's statements are one query each (README).
CREATE VIEW survey_summary AS
WITH a AS (
    SELECT r.iso3, r.question_id, r.is_sample, r.answer, r.score, q.answer_type,
           CASE WHEN q.answer_type IN ('percent', 'number', 'scale_1_5') THEN try_cast(r.answer AS DOUBLE) END AS value
    FROM core.survey_response r
    JOIN core.survey_submission s USING (source_file)
    JOIN core.survey_question q USING (question_id)
    WHERE s.is_current AND r.answer IS NOT NULL
), per_country AS (
    SELECT 'country' AS scope, iso3, question_id, is_sample, 1 AS countries, count(*) AS organisations,
           count(*) FILTER (WHERE answer = 'yes') AS n_yes, count(*) FILTER (WHERE answer = 'partial') AS n_partial,
           count(*) FILTER (WHERE answer = 'no') AS n_no, count(*) FILTER (WHERE answer = 'unknown') AS n_unknown,
           avg(value) AS mean_value, stddev_samp(value) AS sd_value, min(value) AS min_value, max(value) AS max_value,
           avg(value) AS mean_of_countries, avg(score) AS mean_score
    FROM a GROUP BY iso3, question_id, is_sample
), region AS (
    SELECT 'region' AS scope, NULL::VARCHAR AS iso3, a.question_id, a.is_sample, count(DISTINCT a.iso3) AS countries,
           count(*) AS organisations,
           count(*) FILTER (WHERE answer = 'yes'), count(*) FILTER (WHERE answer = 'partial'),
           count(*) FILTER (WHERE answer = 'no'), count(*) FILTER (WHERE answer = 'unknown'),
           avg(value), stddev_samp(value), min(value), max(value),
           (SELECT avg(c.mean_value) FROM per_country c
            WHERE c.question_id = a.question_id AND c.is_sample = a.is_sample
              AND c.iso3 IN (SELECT iso3 FROM core.country_group WHERE group_id = 'focus')),
           avg(score)
    FROM a WHERE a.iso3 IN (SELECT iso3 FROM core.country_group WHERE group_id = 'focus')
    GROUP BY a.question_id, a.is_sample
), b AS (SELECT * FROM per_country UNION ALL SELECT * FROM region)
SELECT b.scope, b.iso3, c.name AS country, b.question_id, q.number, q.dimension_id, q.answer_type,
       q.text AS question, b.is_sample, b.countries, b.organisations,
       CASE WHEN coded THEN b.n_yes END AS n_yes, CASE WHEN coded THEN b.n_partial END AS n_partial,
       CASE WHEN coded THEN b.n_no END AS n_no, CASE WHEN coded THEN b.n_unknown END AS n_unknown,
       CASE WHEN coded THEN b.n_yes / b.organisations END AS share_yes,
       CASE WHEN coded THEN b.n_partial / b.organisations END AS share_partial,
       CASE WHEN coded THEN b.n_no / b.organisations END AS share_no,
       CASE WHEN coded THEN b.n_unknown / b.organisations END AS share_unknown,
       CASE WHEN NOT coded THEN NULL
            WHEN 2 * b.n_yes > b.organisations THEN 'yes' WHEN 2 * b.n_partial > b.organisations THEN 'partial'
            WHEN 2 * b.n_no > b.organisations THEN 'no' WHEN 2 * b.n_unknown > b.organisations THEN 'unknown'
       END AS majority,
       b.mean_value, b.sd_value, b.min_value, b.max_value, b.mean_of_countries, b.mean_score
FROM b
JOIN (SELECT *, answer_type = 'yes_partial_no' AS coded FROM core.survey_question) q USING (question_id)
LEFT JOIN core.country c USING (iso3);

-- Each organisation expected to answer (config/survey_roster.yaml) and whether it has: a current
-- real workbook whose organisation matches its name or an alias (case, spacing and quotation marks
-- ignored). A SAMPLE workbook never counts as an answer.
CREATE VIEW survey_roster AS
SELECT r.iso3, c.name AS country, r.organisation, r.organisation_type, r.organisation_level,
       count(s.source_file) > 0 AS answered, max(s.response_date) AS response_date,
       arg_max(s.source_file, s.response_date) AS source_file
FROM core.survey_roster r
LEFT JOIN core.country c USING (iso3)
LEFT JOIN core.survey_submission s
       ON s.iso3 = r.iso3 AND list_contains(r.keys, s.organisation_key) AND s.is_current AND NOT s.is_sample
GROUP BY ALL;

-- Response tracking per country: organisations expected (the roster), how many of them answered
-- and the rate, who has not, and the real organisations that answered without being on the
-- roster; SAMPLE workbooks counted apart. Countries with a roster or any workbook.
CREATE VIEW survey_response_rates AS
WITH sub AS (
    SELECT s.iso3, s.is_sample, s.organisation_key, any_value(r.organisation) AS organisation
    FROM core.survey_submission s JOIN core.survey_response r USING (source_file)
    WHERE s.is_current GROUP BY ALL
), roster AS (
    SELECT iso3, count(*) AS expected, count(*) FILTER (WHERE answered) AS answered,
           coalesce(list(organisation ORDER BY organisation) FILTER (WHERE NOT answered), []) AS not_answered
    FROM survey_roster GROUP BY iso3
), real AS (
    SELECT iso3, count(*) AS organisations,
           coalesce(list(organisation ORDER BY organisation) FILTER (WHERE NOT EXISTS (
               SELECT 1 FROM core.survey_roster k WHERE k.iso3 = sub.iso3 AND list_contains(k.keys, sub.organisation_key))),
               []) AS not_on_roster
    FROM sub WHERE NOT is_sample GROUP BY iso3
), sample AS (
    SELECT iso3, count(*) AS sample_organisations FROM sub WHERE is_sample GROUP BY iso3
), countries AS (
    SELECT iso3 FROM roster UNION SELECT iso3 FROM real UNION SELECT iso3 FROM sample
)
SELECT k.iso3, c.name AS country, coalesce(ro.expected, 0) AS expected, coalesce(ro.answered, 0) AS answered,
       ro.answered / ro.expected AS response_rate, coalesce(ro.not_answered, []) AS not_answered,
       coalesce(re.organisations, 0) AS organisations, coalesce(re.not_on_roster, []) AS not_on_roster,
       coalesce(sa.sample_organisations, 0) AS sample_organisations
FROM countries k
LEFT JOIN core.country c USING (iso3)
LEFT JOIN roster ro USING (iso3)
LEFT JOIN real re USING (iso3)
LEFT JOIN sample sa USING (iso3);
