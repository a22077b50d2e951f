-- Sheet Method: the goalposts actually used (core.readiness_goalpost: computed ones with the value
-- the run computed), one row per indicator, with its name, unit and direction and the concept it
-- serves ("fallback" where it is not the concept's first series). In the order of the concepts;
-- a goalpost no concept uses comes last.
-- Returns indicator_id, indicator, unit, serves, goalpost_low, goalpost_high, rule, transform,
-- better ("higher" or "lower"), basis.
WITH serves AS (
    SELECT g.indicator_id, min(c.position) AS first_position,
           string_agg(d.name || ': ' || replace(c.concept, '_', ' ')
                      || CASE WHEN list_position(string_split(c.series, '; '), g.indicator_id) > 1
                              THEN ' (fallback)' ELSE '' END, '; ' ORDER BY c.position) AS serves
    FROM core.readiness_goalpost g
    JOIN core.readiness_concept c ON list_contains(string_split(c.series, '; '), g.indicator_id)
    JOIN core.dimension d USING (dimension_id)
    GROUP BY g.indicator_id
)
SELECT g.indicator_id, i.name AS indicator, i.unit, s.serves, g.goalpost_low, g.goalpost_high, g.rule,
       coalesce(g.transform, 'none') AS transform,
       CASE WHEN coalesce(i.higher_is_better, true) THEN 'higher' ELSE 'lower' END AS better,
       g.basis
FROM core.readiness_goalpost g
LEFT JOIN core.indicator i USING (indicator_id)
LEFT JOIN serves s USING (indicator_id)
ORDER BY s.first_position NULLS LAST, g.indicator_id;
