-- A finding with no check states nothing the data can test (or the data to test it is not
-- loaded): its status says so instead of staying empty.
UPDATE core.finding
SET check_status = 'not checkable',
    check_detail = coalesce(check_detail, 'no check: the finding states nothing the warehouse''s data can test')
WHERE check_sql IS NULL;
