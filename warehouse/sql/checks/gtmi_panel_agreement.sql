-- The GTMI panel (source wb_gtmi_panel: 2020, 2022, 2025) repeats waves the warehouse already loads
-- from other files: GTMI and group 2020/2022 from wb_gtmi (full precision), the 2022 GTMI and
-- sub-indices from wb_gtmi_data360 (2 decimals). They must agree; checked on every build, one row per
-- problem, zero rows = agreement. Compared only when both sources are loaded, on the years both carry:
--   * a value differing from wb_gtmi's by more than 1e-9, or from Data360's after rounding to 2 dp;
--   * an economy and wave that only one of the two sources carries;
--   * a GTMI group that differs from wb_gtmi's for the same economy and wave.
WITH panel AS (
    SELECT iso3, indicator_id, year, value FROM core.observation WHERE source_id = 'wb_gtmi_panel'
), other AS (
    SELECT source_id, iso3, indicator_id, year, value FROM core.observation
    WHERE source_id IN ('wb_gtmi', 'wb_gtmi_data360')
      AND indicator_id IN ('wb.gtmi', 'wb.gtmi.cgsi', 'wb.gtmi.psdi', 'wb.gtmi.dcei', 'wb.gtmi.gtei')
), shared AS (  -- (source, indicator, year) carried by both the panel and the other source
    SELECT DISTINCT o.source_id, o.indicator_id, o.year FROM other o
    WHERE EXISTS (SELECT 1 FROM panel p WHERE p.indicator_id = o.indicator_id AND p.year = o.year)
), compared AS (
    SELECT s.source_id, s.indicator_id, s.year, coalesce(p.iso3, o.iso3) AS iso3, p.value AS panel, o.value AS other
    FROM shared s
    JOIN (SELECT * FROM panel) p ON p.indicator_id = s.indicator_id AND p.year = s.year
    FULL OUTER JOIN other o ON o.source_id = s.source_id AND o.indicator_id = p.indicator_id
                            AND o.year = p.year AND o.iso3 = p.iso3
    WHERE o.source_id IS NULL OR (o.source_id, o.indicator_id, o.year) IN (SELECT * FROM shared)
), value_problems AS (
    SELECT 'gtmi_panel_agreement' AS check_id, iso3,
           CASE WHEN other IS NULL THEN printf('%s %d: %.6f in wb_gtmi_panel but not in %s', indicator_id, year, panel, source_id)
                WHEN panel IS NULL THEN printf('%s %d: %.6f in %s but not in wb_gtmi_panel', indicator_id, year, other, source_id)
                ELSE printf('%s %d differs: wb_gtmi_panel %.6f, %s %.6f', indicator_id, year, panel, source_id, other)
           END AS detail
    FROM compared
    WHERE source_id IS NOT NULL
      AND (panel IS NULL OR other IS NULL
           OR (source_id = 'wb_gtmi' AND abs(panel - other) > 1e-9)
           OR (source_id = 'wb_gtmi_data360' AND round(panel, 2) <> round(other, 2)))
), group_problems AS (
    SELECT 'gtmi_panel_agreement', coalesce(p.iso3, g.iso3),
           printf('GTMI group %d: wb_gtmi_panel %s, wb_gtmi %s', coalesce(p.year, g.year),
                  coalesce(p.category, 'none'), coalesce(g.category, 'none'))
    FROM (SELECT * FROM core.classification WHERE source_id = 'wb_gtmi_panel' AND scheme = 'gtmi_group'
            AND year IN (SELECT year FROM core.classification WHERE source_id = 'wb_gtmi' AND scheme = 'gtmi_group')) p
    FULL OUTER JOIN (SELECT * FROM core.classification WHERE source_id = 'wb_gtmi' AND scheme = 'gtmi_group'
            AND year IN (SELECT year FROM core.classification WHERE source_id = 'wb_gtmi_panel' AND scheme = 'gtmi_group')) g
      ON g.iso3 = p.iso3 AND g.year = p.year
    WHERE p.category IS DISTINCT FROM g.category
)
SELECT * FROM value_problems
UNION ALL
SELECT * FROM group_problems
ORDER BY 2, 3;
