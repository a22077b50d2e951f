-- The publishers of the files in the warehouse, for the cover's "Source" line (each file is on
-- sheet Sources). Returns publisher, files.
SELECT publisher, count(*) AS files
FROM sources
WHERE publisher IS NOT NULL
GROUP BY publisher
ORDER BY files DESC, publisher;
