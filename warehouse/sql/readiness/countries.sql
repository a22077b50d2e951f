-- Readiness inputs (2/3): every country with its reference-population and group memberships.
-- UN member states are the reference population of goalpost rules and of the z-score and rank
-- normalisations; focus countries and comparators are ranked among themselves.
SELECT c.iso3, c.un_member,
       EXISTS (SELECT 1 FROM core.country_group g WHERE g.iso3 = c.iso3 AND g.group_id = 'focus') AS focus,
       EXISTS (SELECT 1 FROM core.country_group g WHERE g.iso3 = c.iso3 AND g.group_id = 'comparator') AS comparator
FROM core.country c
ORDER BY c.iso3;
