-- Profiles and the readiness charts: one row per exported country and dimension in reference year
-- $ref_year: score, interval, level, the chance of that level, rank among the countries ranked,
-- the evidence and survey parts, and what is missing. `label` names the dimension with its level
-- (the chart's categories: the level is read in words, not only in colour); `below`/`above` are the
-- interval's distance from the score (the chart's error bars).
-- Parameters: $ref_year. Needs export_country (selection.sql).
SELECT r.iso3, s.pos, r.dimension_id, 'D' || r.dimension_id || ' ' || r.dimension AS dimension,
       'D' || r.dimension_id || ' ' || r.dimension || ' (' || coalesce(r.level, 'no score') || ')' AS label,
       r.score, r.score_p05, r.score_p95, r.level, r.level_probability,
       r.rank, r.rank_p05, r.rank_p95, r.n_ranked,
       CASE WHEN r.rank IS NOT NULL THEN r.rank_p05 || '–' || r.rank_p95 END AS rank_interval,
       r.evidence_score, r.survey_score, r.organisations, r.missing,
       r.score - r.score_p05 AS below, r.score_p95 - r.score AS above
FROM readiness r
JOIN export_country s USING (iso3)
WHERE r.ref_year = $ref_year
ORDER BY s.pos, r.dimension_id;
