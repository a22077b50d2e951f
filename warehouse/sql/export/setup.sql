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
