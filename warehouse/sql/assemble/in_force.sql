-- Which value of a contested indicator is in force, once per build (core.in_force).
-- $contested: the indicators of core.contested_indicator (assemble/contested.sql), given as a list
-- rather than a subquery, so that DuckDB filters the lines of the bulk sources by it and joins only
-- their values (with a 15M-cell WDI file beside the default sources, the contested list and this:
-- 0.11-0.13 s with a subquery, 0.08 s with the list). The build skips this when nothing is contested.
-- A release replaces the series it covers: for a country × indicator, the newest release that
-- carries the country and whose years (the first to the last year it holds for the indicator, any
-- country) include year y decides y; if it holds no value there, the older values of that year are
-- withdrawn, not in force. "Newest": the file's last_updated, else its retrieval date; ties: source
-- id, then release (descending). A yearly wave (un_egov's EGOV_DATA_2024.csv covers 2024 only)
-- therefore replaces nothing of the earlier waves, while a WDI release covering 1960-2024 replaces
-- every older WDI release of that country, through whichever channel (wdi_bulk, wb_api, wdi_full)
-- each came. The rule applies within one configured precedence; across precedences the value of
-- the higher one wins where it has one (wb_gtmi over wb_gtmi_data360), as before.
INSERT INTO core.in_force
WITH obs AS (
    SELECT o.iso3, o.indicator_id, o.year, o.source_id, o.release, f.precedence,
           coalesce(f.last_updated, f.retrieved_at) AS updated
    FROM core.observation o
    JOIN core.source_file f ON f.source_id = o.source_id AND f.file = o.file
    WHERE list_contains($contested, o.indicator_id)
),
covers AS (     -- the years each release covers, per indicator
    SELECT source_id, release, indicator_id, min(year) AS first_year, max(year) AS last_year
    FROM obs GROUP BY ALL
),
carries AS (    -- the releases carrying each country × indicator, newest first within a precedence
    SELECT iso3, indicator_id, source_id, release, precedence,
           row_number() OVER (PARTITION BY iso3, indicator_id, precedence
                              ORDER BY max(updated) DESC NULLS LAST, source_id, release DESC) AS age
    FROM obs GROUP BY iso3, indicator_id, source_id, release, precedence
),
kept AS (       -- no newer release of the same precedence covers the cell's year
    SELECT o.iso3, o.indicator_id, o.year, o.source_id, o.release, o.precedence
    FROM obs o
    JOIN carries c USING (iso3, indicator_id, source_id, release, precedence)
    WHERE NOT EXISTS (SELECT 1 FROM carries n JOIN covers v USING (source_id, release, indicator_id)
                      WHERE n.iso3 = o.iso3 AND n.indicator_id = o.indicator_id
                        AND n.precedence = o.precedence AND n.age < c.age
                        AND o.year BETWEEN v.first_year AND v.last_year)
)
SELECT iso3, indicator_id, year, source_id, release
FROM kept
QUALIFY row_number() OVER (PARTITION BY iso3, indicator_id, year
                           ORDER BY precedence DESC, source_id, release DESC) = 1;
