-- Status report "Drops caught by the guard": indicators this run's snapshots would have removed or
-- cut beyond config/guard.yaml, with both counts and what the run did (kept the published rows,
-- or dropped them because --accept-drops asked).
SELECT source_id, indicator_id, published_values AS published, staged_values AS staged,
       round(drop_share, 3) AS drop_share, decision
FROM guarded_drops
ORDER BY source_id, indicator_id;
