-- The countries of one export, as the in-memory TEMP table export_country that the other export
-- queries join (so the selection is passed once, and the PIVOTs need no parameters of their own):
-- iso3, name, pos (sheet order), selected, comparator.
-- Parameters: $selected (ISO3 codes as the user gave them), $shown ($selected, then the
-- comparators not selected). A TEMP table lives in memory: the warehouse file stays read-only.
CREATE TEMP TABLE export_country AS
SELECT iso3, name,
       list_position($shown, iso3) AS pos,
       list_contains($selected, iso3) AS selected,
       list_contains(groups, 'comparator') AS comparator
FROM countries
WHERE list_contains($shown, iso3);
