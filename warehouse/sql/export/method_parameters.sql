-- Sheet Method: the parameters of the readiness method this warehouse's scores were computed with
-- (core.readiness_method, written by the build from the same Method object as the scores), in
-- reading order. $part is 'score' (how the published score is computed) or 'uncertainty' (the
-- Monte Carlo uncertainty and sensitivity analysis).
-- Returns key (the parameter's config name, not shown), section, parameter, value, meaning.
-- Parameters: $part.
SELECT key, section, parameter, value, meaning
FROM core.readiness_method
WHERE part = $part
ORDER BY position;
