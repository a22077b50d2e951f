-- Unweighted means per indicator and year over each averaged country group and the world.
-- `world` is the UN's own method: the mean over UN member states that have a value.
--
-- The UN's no-online-presence marker (sources/un_egov.py): an EGDI of 0.00000 with its HCI and TII
-- present is not a score, so the cell is missing in core.observation and listed in core.reject
-- ("excluded: E-Government Index is the UN's no-online-presence marker ..."). The UN's own world
-- mean treats those countries differently by survey year; `un_marker_rule` says which years count
-- each marker as an EGDI of 0 in the world mean:
--   2012: counted as 0. The published world mean 0.4882 is the mean over all 193 members, the
--         three marker zeros (Libya, Central African Republic, Guinea) included.
--   2008, 2010: no marker zeros with components present (their zero rows lack HCI, so they are
--         uncomputable and missing); the published means 0.4514 and 0.4406 leave them out.
--   2003-2005: no published world mean was checked, so no year is listed: markers are left out.
-- A year not listed leaves markers out. Group means (focus, central_asia, caucasus) always leave
-- markers out: the UN publishes none, and a marker is not a score.
--
-- $aggregated: the indicators averaged (core.indicator.aggregate), given as a list rather than
-- joined: DuckDB filters a constant list where the observations are read, so only those indicators'
-- values are; a join reads every value in force first (0.27 s against 0.03 s with the whole WDI
-- file's 24M values loaded, measured 2026-12-01).
INSERT INTO core.aggregate
WITH un_marker_rule(year, marker_counts_as_zero) AS (
    VALUES (2012, TRUE)
),
markers AS (   -- per survey year: the EGDI cells the UN's world mean counts as 0
    SELECT 'world' AS group_id, 'un.egdi' AS indicator_id, r.year, count(*) AS n_markers
    FROM (SELECT CAST(regexp_extract(file, 'EGOV_DATA_(\d{4})\.csv', 1) AS INTEGER) AS year
          FROM core.reject
          WHERE source_id = 'un_egov'
            AND reason LIKE 'excluded: E-Government Index is the UN''s no-online-presence marker%') r
    JOIN un_marker_rule u ON u.year = r.year AND u.marker_counts_as_zero
    GROUP BY r.year
),
members AS (
    SELECT 'world' AS group_id, iso3,
           'unweighted mean over the UN member states with a value (config/countries.yaml un_members)' AS basis
    FROM core.country WHERE un_member
    UNION ALL
    SELECT group_id, iso3, 'unweighted mean over the ' || group_id || ' group members with a value'
    FROM core.country_group WHERE aggregate
),
means AS (
    SELECT m.group_id, o.indicator_id, o.year,
           sum(o.value ORDER BY o.iso3) AS total,   -- ordered: identical bits on every run
           count(*)      AS n,
           any_value(m.basis) AS basis,
           string_agg(o.iso3, ', ' ORDER BY o.iso3) AS members
    FROM core.current_observation o
    JOIN members m USING (iso3)
    WHERE list_contains($aggregated, o.indicator_id)   -- a list, not a join: see the header
    GROUP BY m.group_id, o.indicator_id, o.year
)
SELECT g.group_id, g.indicator_id, g.year,
       CASE WHEN k.n_markers IS NULL THEN g.total / g.n
            ELSE g.total / (g.n + k.n_markers) END AS value,
       g.n + coalesce(k.n_markers, 0) AS n_countries,
       g.basis || ' (' || (g.n + coalesce(k.n_markers, 0)) || ' countries'
         || CASE WHEN g.group_id = 'world' THEN ''
                 ELSE ': ' || g.members END
         || ')'
         || CASE WHEN k.n_markers IS NOT NULL
                 THEN '; as the UN did in ' || g.year || ', the ' || k.n_markers
                      || ' states with the no-online-presence marker count as EGDI 0'
                 WHEN g.group_id = 'world' AND g.indicator_id = 'un.egdi'
                 THEN '; states with the UN''s no-online-presence marker (EGDI 0) are left out'
                 ELSE '' END AS method
FROM means g
LEFT JOIN markers k USING (group_id, indicator_id, year);
