-- Sheet Institutions: the bodies responsible for digital government in each selected country,
-- countries in the order selected, bodies alphabetically.
-- No parameters. Needs export_country (selection.sql).
SELECT i.iso3, s.name AS country, i.body, i.role, i.parent_body, i.note, i.source_id
FROM institutions i
JOIN export_country s USING (iso3)
WHERE s.selected
ORDER BY s.pos, i.body, i.role, i.parent_body, i.note;
