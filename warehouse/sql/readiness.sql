-- Readiness: one row per country × dimension, for every country with evidence on the dimension.
-- Parameters come from config/readiness.yaml through the one-row table core.readiness_param.
INSERT INTO core.readiness
WITH p AS (SELECT * FROM core.readiness_param),
mapped AS (SELECT dimension_id, indicator_id FROM core.dimension_indicator),
-- the latest value in force of each mapped indicator, per country
latest AS (
    SELECT o.iso3, o.indicator_id, o.year, o.value
    FROM core.current_observation o
    WHERE o.indicator_id IN (SELECT indicator_id FROM mapped)
    QUALIFY row_number() OVER (PARTITION BY o.iso3, o.indicator_id ORDER BY o.year DESC) = 1
),
-- min-max over every country with a value in the same year
bounds AS (
    SELECT indicator_id, year, min(value) AS lo, max(value) AS hi
    FROM core.current_observation
    WHERE indicator_id IN (SELECT indicator_id FROM mapped)
    GROUP BY indicator_id, year
),
normed AS (
    SELECT l.*, CASE WHEN b.hi > b.lo THEN
                    CASE WHEN i.higher_is_better THEN (l.value - b.lo) / (b.hi - b.lo)
                         ELSE (b.hi - l.value) / (b.hi - b.lo) END END AS norm
    FROM latest l
    JOIN bounds b USING (indicator_id, year)
    JOIN core.indicator i USING (indicator_id)
),
ind_part AS (
    SELECT m.dimension_id, n.iso3, avg(n.norm ORDER BY n.indicator_id) AS indicator_score, max(n.year) AS year,
           string_agg(n.indicator_id || ' ' || n.year || ' = ' || round(n.value, 3)
                      || ' (normalised ' || round(n.norm, 2) || ')', '; ' ORDER BY n.indicator_id) AS parts,
           list(n.indicator_id) AS present
    FROM mapped m JOIN normed n USING (indicator_id)
    WHERE n.norm IS NOT NULL
    GROUP BY m.dimension_id, n.iso3
),
survey_part AS (
    SELECT dimension_id, iso3, avg(score ORDER BY response_id) AS survey_score, bool_or(is_sample) AS uses_sample,
           count(score) AS n_scored, count(DISTINCT source_file) AS n_workbooks,
           max(try_cast(left(response_date, 4) AS INTEGER)) AS year
    FROM core.survey_response
    WHERE score IS NOT NULL
    GROUP BY dimension_id, iso3
),
cells AS (
    SELECT dimension_id, iso3 FROM ind_part UNION SELECT dimension_id, iso3 FROM survey_part
),
joined AS (
    SELECT c.dimension_id, c.iso3, i.indicator_score, s.survey_score, i.parts, i.present,
           s.n_scored, s.n_workbooks, coalesce(s.uses_sample, false) AS uses_sample,
           greatest(i.year, s.year) AS year
    FROM cells c
    LEFT JOIN ind_part i USING (dimension_id, iso3)
    LEFT JOIN survey_part s USING (dimension_id, iso3)
),
scored AS (
    SELECT j.*,
           (coalesce(p.w_indicators * j.indicator_score, 0) + coalesce(p.w_survey * j.survey_score, 0))
             / (CASE WHEN j.indicator_score IS NOT NULL THEN p.w_indicators ELSE 0 END
                + CASE WHEN j.survey_score IS NOT NULL THEN p.w_survey ELSE 0 END) AS score,
           -- what the cell lacks: mapped indicators with no value for the country, and the survey
           concat_ws('; ',
               (SELECT 'no value for ' || string_agg(m.indicator_id, ', ' ORDER BY m.indicator_id)
                FROM mapped m
                WHERE m.dimension_id = j.dimension_id
                  AND NOT list_contains(coalesce(j.present, []::VARCHAR[]), m.indicator_id)),
               CASE WHEN j.survey_score IS NULL THEN 'survey: no scored answers' END) AS missing
    FROM joined j, p
),
comparators AS (
    SELECT s.dimension_id, avg(s.indicator_score ORDER BY s.iso3) AS v
    FROM scored s JOIN core.country_group g ON g.iso3 = s.iso3 AND g.group_id = 'comparator'
    GROUP BY s.dimension_id
),
world AS (
    SELECT s.dimension_id, avg(s.indicator_score ORDER BY s.iso3) AS v
    FROM scored s JOIN core.country c ON c.iso3 = s.iso3 AND c.un_member
    GROUP BY s.dimension_id
)
SELECT s.iso3, s.dimension_id, s.year, s.score,
       CASE WHEN s.score IS NULL THEN NULL
            WHEN s.score >= p.high_from THEN 'high'
            WHEN s.score >= p.medium_from THEN 'medium'
            ELSE 'low' END AS level,
       s.indicator_score, s.survey_score,
       concat_ws(' | ',
           CASE WHEN s.parts IS NOT NULL THEN 'indicators: ' || s.parts END,
           CASE WHEN s.survey_score IS NOT NULL THEN
               'survey: ' || s.n_scored || ' scored answers from ' || s.n_workbooks || ' workbook(s), mean '
               || round(s.survey_score, 2) || CASE WHEN s.uses_sample THEN ' (SAMPLE data)' ELSE '' END END
       ) AS components,
       nullif(s.missing, '') AS missing,
       s.uses_sample,
       s.indicator_score - cmp.v AS gap_to_comparators,
       s.indicator_score - w.v AS gap_to_world,
       row_number() OVER (PARTITION BY s.iso3 ORDER BY s.score ASC NULLS LAST, s.dimension_id) AS weakness_rank
FROM scored s
CROSS JOIN p
LEFT JOIN comparators cmp USING (dimension_id)
LEFT JOIN world w USING (dimension_id);
