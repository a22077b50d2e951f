-- GTMI 2022 is published twice: at full precision in the GovTech dataset extract (source wb_gtmi)
-- and rounded to 2 decimals on Data360 (source wb_gtmi_data360). Both load as indicator wb.gtmi and
-- the warehouse shows the value of the more recently updated file, so the two must agree: this is
-- checked on every build, not assumed. One row per problem, zero rows = agreement:
--   * a country whose two values differ after rounding both to 2 decimals;
--   * a country that only one source carries (e.g. a code one source could not map), reported only
--     when both sources are in the warehouse, so a one-source run does not flag every country.
-- A source with several releases is compared release by release (the release is in the detail).
WITH full_precision AS (
    SELECT iso3, value, release FROM core.observation
    WHERE source_id = 'wb_gtmi' AND indicator_id = 'wb.gtmi' AND year = 2022
), rounded AS (
    SELECT iso3, value, release FROM core.observation
    WHERE source_id = 'wb_gtmi_data360' AND indicator_id = 'wb.gtmi' AND year = 2022
), both_loaded AS (
    SELECT (SELECT count(*) FROM full_precision) > 0 AND (SELECT count(*) FROM rounded) > 0 AS ok
)
SELECT 'gtmi_agreement' AS check_id,
       coalesce(f.iso3, r.iso3) AS iso3,
       CASE
         WHEN f.iso3 IS NULL THEN printf('GTMI 2022 %.2f in wb_gtmi_data360 (release %s) but not in wb_gtmi',
                                         r.value, r.release)
         WHEN r.iso3 IS NULL THEN printf('GTMI 2022 %.6f in wb_gtmi (release %s) but not in wb_gtmi_data360',
                                         f.value, f.release)
         ELSE printf('GTMI 2022 differs at 2 decimals: wb_gtmi %.6f (release %s) rounds to %.2f, '
                     'wb_gtmi_data360 (release %s) has %.2f', f.value, f.release, round(f.value, 2),
                     r.release, r.value)
       END AS detail
FROM full_precision f
FULL OUTER JOIN rounded r ON r.iso3 = f.iso3
WHERE (SELECT ok FROM both_loaded)
  AND (f.iso3 IS NULL OR r.iso3 IS NULL OR round(f.value, 2) <> round(r.value, 2))
ORDER BY 2;
