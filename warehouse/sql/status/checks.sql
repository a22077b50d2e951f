-- Status report "Cross-source checks with problems": one row per problem found.
SELECT check_id AS "check", problems, iso3, detail FROM checks WHERE problems > 0 ORDER BY ALL;
