-- Profiles: the GTMI group (A-D) of each exported country in every GTMI wave up to $year (NULL:
-- all), with the GTMI of that wave. The two GovTech sources agree on the groups (checked on every
-- build: checks/gtmi_panel_agreement.sql); `sources` names them.
-- Returns iso3, year, gtmi, gtmi_group, sources. Parameters: $year (or NULL).
WITH g AS (
    SELECT iso3, year, min(category) AS gtmi_group, string_agg(DISTINCT source_id, '; ' ORDER BY source_id) AS sources
    FROM classifications
    WHERE scheme = 'gtmi_group' AND iso3 IN (SELECT iso3 FROM export_country)
      AND ($year IS NULL OR year <= $year)
    GROUP BY iso3, year
)
SELECT g.iso3, g.year, o.value AS gtmi, g.gtmi_group, g.sources
FROM g
LEFT JOIN export_obs o ON o.iso3 = g.iso3 AND o.year = g.year AND o.indicator_id = 'wb.gtmi'
ORDER BY g.iso3, g.year;
