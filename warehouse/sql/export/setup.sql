-- What the sheet queries share, built once per export from export_country (selection.sql).
-- No parameters; creates TEMP objects only, so the warehouse file stays read-only.
--
-- export_obs: the `observations` of the exported countries, in one pass over the view (choosing
-- the value in force is the costly part).
CREATE TEMP TABLE export_obs AS
SELECT * FROM observations WHERE iso3 IN (SELECT iso3 FROM export_country);

-- The column sets of the PIVOTs, as ENUMs in column order: `PIVOT (... FOR x IN <enum>)` makes a
-- column for every member, with or without a value, in the enum's order, and (unlike a PIVOT
-- that finds its columns in the data) may share a statement with parameters.
CREATE TEMP TYPE export_shown AS ENUM (SELECT iso3 FROM export_country ORDER BY pos);
CREATE TEMP TYPE export_comparator AS ENUM (SELECT iso3 FROM export_country WHERE comparator ORDER BY iso3);
CREATE TEMP TYPE export_dimension AS ENUM (SELECT dimension_id::VARCHAR FROM dimensions ORDER BY dimension_id);

-- export_no_online: the survey years in which the UN found an exported country with no government
-- online presence. The load keeps the EGDI of such a year out (its 0 is the UN's marker, listed in
-- `rejects`) but the row's Online Service and E-Participation indices load as 0; read beside a
-- missing EGDI and a Human Capital Index that is there, those zeros are the same marker (README,
-- un_egov), so the time series and the charts show them as missing.
CREATE TEMP TABLE export_no_online AS
SELECT o.iso3, o.year
FROM export_obs o
WHERE o.indicator_id = 'un.osi' AND o.value = 0
  AND EXISTS (SELECT 1 FROM export_obs h WHERE h.iso3 = o.iso3 AND h.year = o.year AND h.indicator_id = 'un.hci')
  AND NOT EXISTS (SELECT 1 FROM export_obs e WHERE e.iso3 = o.iso3 AND e.year = o.year AND e.indicator_id = 'un.egdi');
