-- Unweighted means per indicator and year over each averaged country group and the world.
-- `world` is the UN's own method: the mean over UN member states that have a value.
INSERT INTO core.aggregate
WITH members AS (
    SELECT 'world' AS group_id, iso3,
           'unweighted mean over the UN member states with a value (config/countries.yaml un_members)' AS basis
    FROM core.country WHERE un_member
    UNION ALL
    SELECT group_id, iso3, 'unweighted mean over the ' || group_id || ' group members with a value'
    FROM core.country_group WHERE aggregate
)
SELECT m.group_id, o.indicator_id, o.year,
       avg(o.value ORDER BY o.iso3) AS value,   -- ordered: identical bits on every run
       count(*)      AS n_countries,
       any_value(m.basis) || ' (' || count(*) || ' countries'
         || CASE WHEN m.group_id = 'world' THEN ''
                 ELSE ': ' || string_agg(o.iso3, ', ' ORDER BY o.iso3) END
         || ')' AS method
FROM core.current_observation o
JOIN members m USING (iso3)
JOIN core.indicator i USING (indicator_id)
WHERE i.aggregate
GROUP BY m.group_id, o.indicator_id, o.year;
