-- Physical tables live in schema `core`; users query the public views in `main` (views.sql),
-- which are the documented interface and stay stable when the tables change.
CREATE SCHEMA IF NOT EXISTS core;  -- a build may start from a large source's staged file

CREATE TABLE core.country (
    iso3                   VARCHAR PRIMARY KEY,
    name                   VARCHAR NOT NULL,
    un_region              VARCHAR,
    un_subregion           VARCHAR,
    un_intermediate_region VARCHAR,
    un_member              BOOLEAN NOT NULL
);

CREATE TABLE core.country_group (
    group_id  VARCHAR NOT NULL,
    label     VARCHAR NOT NULL,
    aggregate BOOLEAN NOT NULL,
    iso3      VARCHAR NOT NULL,
    PRIMARY KEY (group_id, iso3)
);

CREATE TABLE core.indicator (
    indicator_id     VARCHAR PRIMARY KEY,
    name             VARCHAR NOT NULL,
    unit             VARCHAR NOT NULL,
    source_id        VARCHAR NOT NULL,
    dimension_id     INTEGER,
    higher_is_better BOOLEAN,          -- null: not curated (indicators a large source registers)
    scale_min        DOUBLE,
    scale_max        DOUBLE,
    aggregate        BOOLEAN NOT NULL,
    definition       VARCHAR
);

CREATE TABLE core.source_file (
    source_id       VARCHAR NOT NULL,
    file            VARCHAR NOT NULL,
    publisher       VARCHAR,
    title           VARCHAR,
    url             VARCHAR,
    licence         VARCHAR,
    release         VARCHAR,
    retrieved_at    VARCHAR,
    last_updated    VARCHAR,     -- publisher's last-updated date when known, else retrieved_at
    sha256          VARCHAR NOT NULL,
    size            BIGINT,
    origin          VARCHAR,
    snapshot_origin VARCHAR,     -- embedded | fetched | --snapshots | config (snapshot_dir)
    recorded        BOOLEAN,     -- false: the file had no manifest entry
    rows_loaded     BIGINT,
    rows_rejected   BIGINT,
    stale           BOOLEAN NOT NULL DEFAULT false,
    error           VARCHAR,
    is_sample       BOOLEAN NOT NULL DEFAULT false,
    precedence      INTEGER NOT NULL DEFAULT 0,  -- config `precedence`: higher wins over newer
    guard           VARCHAR,     -- indicators whose published rows the drop guard kept, and why
    PRIMARY KEY (source_id, file)
);

-- What the drop guard (warehouse/guard.py) found this build: per source × indicator whose staged
-- values would remove the indicator, or drop more than the allowed share of what was published.
CREATE TABLE core.drop_guard (
    source_id        VARCHAR NOT NULL,
    indicator_id     VARCHAR NOT NULL,
    published_values BIGINT NOT NULL,   -- in the warehouse this build replaces
    staged_values    BIGINT NOT NULL,   -- in this run's snapshot
    drop_share       DOUBLE NOT NULL,
    max_share        DOUBLE NOT NULL,   -- config/guard.yaml
    decision         VARCHAR NOT NULL,  -- kept the published rows | dropped (--accept-drops)
    detail           VARCHAR NOT NULL,
    PRIMARY KEY (source_id, indicator_id)
);

-- The needs-assessment layer ------------------------------------------------------------------
CREATE TABLE core.dimension (
    dimension_id INTEGER PRIMARY KEY,
    key          VARCHAR NOT NULL,
    name         VARCHAR NOT NULL,
    description  VARCHAR NOT NULL
);

CREATE TABLE core.dimension_indicator (
    dimension_id INTEGER NOT NULL,
    indicator_id VARCHAR NOT NULL,
    concept      VARCHAR NOT NULL,
    preference   INTEGER NOT NULL,   -- 1 = the concept's preferred series, then its fallbacks
    reason       VARCHAR,
    is_primary   BOOLEAN NOT NULL
);

CREATE TABLE core.institution (
    iso3        VARCHAR NOT NULL,
    body        VARCHAR NOT NULL,
    role        VARCHAR NOT NULL,   -- responsible | agency
    parent_body VARCHAR,
    note        VARCHAR,
    source_id   VARCHAR NOT NULL
);

CREATE TABLE core.finding (
    finding_id      VARCHAR PRIMARY KEY,
    iso3            VARCHAR,        -- null: region-wide
    dimension_id    INTEGER,
    topic           VARCHAR,
    statement       VARCHAR NOT NULL,
    evidence        VARCHAR,
    count_countries INTEGER,        -- how many of the focus countries the finding counts
    source_id       VARCHAR NOT NULL,
    is_sample       BOOLEAN NOT NULL,
    check_sql       VARCHAR,
    check_status    VARCHAR,        -- holds | contradicted | not checkable (also: no check)
    check_detail    VARCHAR,
    vintages_of     VARCHAR         -- indicator whose releases the check is also run against
);

-- Every finding's verdict on the latest data (is_latest; equal to its check_status) and, when it
-- names `vintages_of`, on each release of that indicator (warehouse/build.py, evaluate_findings).
CREATE TABLE core.finding_check (
    finding_id VARCHAR NOT NULL,
    vintage    VARCHAR NOT NULL,    -- the release(s) the verdict rests on
    is_latest  BOOLEAN NOT NULL,
    status     VARCHAR NOT NULL,    -- holds | contradicted | not checkable
    evidence   VARCHAR,
    PRIMARY KEY (finding_id, vintage)
);

CREATE TABLE core.survey_question (
    question_id  VARCHAR PRIMARY KEY,
    number       VARCHAR NOT NULL,   -- as the workbook numbers it: dimension.n
    dimension_id INTEGER NOT NULL,
    topic        VARCHAR,
    answer_type  VARCHAR NOT NULL,
    text         VARCHAR NOT NULL,   -- English wording (config/survey/en.yaml)
    text_ru      VARCHAR             -- Russian wording (config/survey/ru.yaml)
);

-- One row per question of each workbook loaded (one workbook = one organisation's answers). A
-- corrected workbook of the same organisation does not delete the earlier one: both are here, and
-- core.survey_submission says which is current.
CREATE TABLE core.survey_response (
    response_id        VARCHAR PRIMARY KEY,
    iso3               VARCHAR NOT NULL,
    organisation       VARCHAR,
    organisation_key   VARCHAR,       -- the name with case, spacing and quotation marks ignored
    organisation_type  VARCHAR,       -- ministry | agency | state_company | local_government | other
    organisation_level VARCHAR,       -- central | regional | local
    role               VARCHAR,
    response_date      VARCHAR,       -- YYYY-MM-DD
    question_id        VARCHAR NOT NULL,
    dimension_id       INTEGER NOT NULL,
    answer             VARCHAR,       -- coded answers as codes (yes, partial …) whatever the language
    score              DOUBLE,
    comment            VARCHAR,
    language           VARCHAR,       -- the workbook's language(s): en, ru, en+ru …
    saved_at           VARCHAR,       -- when the workbook was last saved (its document properties)
    source_file        VARCHAR NOT NULL,
    cell               VARCHAR,
    is_sample          BOOLEAN NOT NULL,
    source_id          VARCHAR        -- the inbox source whose workbook it came from
);

-- Organisations expected to answer (config/survey_roster.yaml, optional): `keys` are the folded
-- name and aliases a workbook's organisation_key is matched against.
CREATE TABLE core.survey_roster (
    iso3               VARCHAR NOT NULL,
    organisation       VARCHAR NOT NULL,
    organisation_type  VARCHAR NOT NULL,
    organisation_level VARCHAR NOT NULL,
    keys               VARCHAR[] NOT NULL
);

-- Each workbook (submission) and whether it is its organisation's current one. The same
-- organisation is the same country and organisation name ignoring case, spacing and quotation
-- marks (organisation_key), or two names the roster lists for one organisation (its name and an
-- alias: a ministry that answers once in English and once in Russian); SAMPLE and real workbooks
-- never mix. Its current workbook is the one with the latest response date; on the same date the
-- one saved last (saved_at), then the last by file name. A replaced workbook stays here
-- (is_current false, replaced_by its successor). organisation_key here is that identity.
CREATE VIEW core.survey_submission AS
WITH f AS (
    SELECT source_file, any_value(iso3) AS iso3,
           any_value(coalesce(organisation_key, lower(source_file))) AS named_key,
           any_value(is_sample) AS is_sample, any_value(response_date) AS response_date,
           any_value(saved_at) AS saved_at
    FROM core.survey_response
    GROUP BY source_file
), who AS (
    SELECT f.*, coalesce((SELECT min(r.keys[1]) FROM core.survey_roster r
                          WHERE r.iso3 = f.iso3 AND list_contains(r.keys, f.named_key)), f.named_key) AS organisation_key
    FROM f
), ranked AS (
    SELECT who.*,
           row_number() OVER w AS version,
           first_value(source_file) OVER w AS current_file,
           count(*) OVER (PARTITION BY iso3, organisation_key, is_sample) AS versions
    FROM who
    WINDOW w AS (PARTITION BY iso3, organisation_key, is_sample
                 ORDER BY response_date DESC NULLS LAST, saved_at DESC NULLS LAST, source_file DESC)
)
SELECT source_file, iso3, organisation_key, is_sample, response_date, saved_at,
       version = 1 AS is_current,
       CASE WHEN version > 1 THEN current_file END AS replaced_by,
       versions
FROM ranked;

-- Readiness (digigov.transforms.readiness; method in config/readiness.yaml and the README).
CREATE TABLE core.readiness_param (
    w_evidence    DOUBLE NOT NULL,
    w_survey      DOUBLE NOT NULL,
    medium_from   DOUBLE NOT NULL,
    high_from     DOUBLE NOT NULL,
    n_gaps        INTEGER NOT NULL,
    window_years  INTEGER NOT NULL,
    min_share     DOUBLE NOT NULL,
    draws         INTEGER NOT NULL,
    seed          BIGINT NOT NULL
);

-- The method the scores were computed with, in words (digigov.transforms.readiness.describe), for
-- the extract's Method sheet: one row per parameter, and one per concept with its series in order.
CREATE TABLE core.readiness_method (
    position  INTEGER PRIMARY KEY,
    part      VARCHAR NOT NULL,   -- score | uncertainty
    key       VARCHAR NOT NULL,   -- the parameter's name in config/readiness.yaml (or the method's)
    section   VARCHAR NOT NULL,
    parameter VARCHAR NOT NULL,
    value     VARCHAR NOT NULL,
    meaning   VARCHAR NOT NULL
);

CREATE TABLE core.readiness_concept (
    position     INTEGER PRIMARY KEY,
    dimension_id INTEGER NOT NULL,
    concept      VARCHAR NOT NULL,
    series       VARCHAR NOT NULL,  -- indicator ids in order of preference, "a; b"
    reason       VARCHAR NOT NULL,
    weight       DOUBLE NOT NULL
);

CREATE TABLE core.readiness (
    iso3              VARCHAR NOT NULL,
    dimension_id      INTEGER NOT NULL,
    ref_year          INTEGER NOT NULL,
    score             DOUBLE,
    score_median      DOUBLE,
    score_p05         DOUBLE,
    score_p95         DOUBLE,
    level             VARCHAR,
    level_probability DOUBLE,
    p_low             DOUBLE,
    p_medium          DOUBLE,
    p_high            DOUBLE,
    evidence_score    DOUBLE,
    survey_score      DOUBLE,
    organisations     INTEGER NOT NULL,
    coverage          DOUBLE,
    n_indicators      INTEGER NOT NULL,
    n_concepts        INTEGER NOT NULL,
    rank              INTEGER,
    rank_p05          INTEGER,
    rank_p95          INTEGER,
    n_ranked          INTEGER,
    missing           VARCHAR,
    uses_sample       BOOLEAN NOT NULL,
    PRIMARY KEY (iso3, dimension_id, ref_year)
);

CREATE TABLE core.readiness_component (
    iso3          VARCHAR NOT NULL,
    dimension_id  INTEGER NOT NULL,
    ref_year      INTEGER NOT NULL,
    concept       VARCHAR NOT NULL,
    indicator_id  VARCHAR NOT NULL,
    value         DOUBLE,
    value_year    INTEGER,
    goalpost_low  DOUBLE,
    goalpost_high DOUBLE,
    normalised    DOUBLE,
    weight        DOUBLE,
    source_id     VARCHAR,
    release       VARCHAR,
    file          VARCHAR,
    row           BIGINT,
    note          VARCHAR
);

CREATE TABLE core.readiness_goalpost (
    indicator_id  VARCHAR PRIMARY KEY,
    goalpost_low  DOUBLE NOT NULL,
    goalpost_high DOUBLE,
    rule          VARCHAR NOT NULL,
    transform     VARCHAR,
    basis         VARCHAR NOT NULL,
    n_reference   INTEGER NOT NULL,
    skewness      DOUBLE,
    kurtosis      DOUBLE,
    skewed        BOOLEAN
);

CREATE TABLE core.readiness_sensitivity (
    ref_year            INTEGER NOT NULL,
    dimension_id        INTEGER,          -- NULL: every dimension of the reference year
    factor              VARCHAR NOT NULL, -- all | weights | normalisation | aggregation | leave_one_out
    cells               INTEGER NOT NULL,
    mean_abs_shift      DOUBLE,
    mean_interval_width DOUBLE,
    variance_share      DOUBLE,           -- the choice's variance alone / the variance of all choices together
    share_level_changes DOUBLE,
    mean_rank_shift     DOUBLE,
    influence           INTEGER           -- 1 = the choice that moves the scores most
);

-- Observations of the pandas-staged sources, one row each with its source, release and file.
CREATE TABLE core.observation_row (
    iso3         VARCHAR NOT NULL,
    indicator_id VARCHAR NOT NULL,
    year         INTEGER NOT NULL,
    value        DOUBLE NOT NULL,
    source_id    VARCHAR NOT NULL,
    release      VARCHAR NOT NULL,
    is_sample    BOOLEAN NOT NULL,
    file         VARCHAR,
    row          BIGINT
);

-- core.observation_line and core.observation_bulk (sources/staged_bulk.sql) hold the large sources'
-- rows; each of their parts is one staged file of one source.
CREATE TABLE core.observation_part (
    part_id   INTEGER PRIMARY KEY,
    source_id VARCHAR NOT NULL,
    release   VARCHAR NOT NULL,
    is_sample BOOLEAN NOT NULL,
    file      VARCHAR
);

-- Every observation, whichever way it was staged. Unique on (iso3, indicator_id, year, source_id,
-- release), but not declared: a PRIMARY KEY index over the ~12M rows of wdi_full tripled the build
-- time and memory. Staging guarantees it (the observation schema of the pandas path; wdi_full
-- rejects duplicated cells) and current_observation relies on it.
CREATE VIEW core.observation AS
SELECT iso3, indicator_id, year, value, source_id, release, is_sample, file, row
FROM core.observation_row
UNION ALL
SELECT l.iso3, l.indicator_id, b.year, b.value, p.source_id, p.release, p.is_sample, p.file, l.row::BIGINT
FROM core.observation_bulk b
JOIN core.observation_line l USING (line_id)
JOIN core.observation_part p USING (part_id);

CREATE TABLE core.classification (
    iso3      VARCHAR NOT NULL,
    scheme    VARCHAR NOT NULL,   -- e.g. gtmi_group
    year      INTEGER,
    category  VARCHAR NOT NULL,
    source_id VARCHAR NOT NULL,
    release   VARCHAR
);

-- The value in force for each country × indicator × year. A release replaces the series it covers:
-- for a country × indicator, the newest release covering a year decides it, and a value it no longer
-- carries is withdrawn (no longer in force) rather than left standing from an older file; among
-- sources of different configured precedence the higher wins where it has a value. The rule and
-- "newest" are spelled out in warehouse/sql/assemble/in_force.sql. `observations_all` keeps every
-- release (`is_current`), `sources.rows_superseded` counts each file's rows not in force.
-- Only indicators carried by more than one (source, release) can have competing values (a key is
-- unique within a release); the build lists them once (core.contested_indicator) and records the
-- key in force of each of their cells (core.in_force), so a query reads those rows and joins, with
-- no window or scan of every observation (computed in the view, the list alone cost 0.25 s a
-- query at wdi_full's 12M rows). The rest pass through.
CREATE TABLE core.contested_indicator (indicator_id VARCHAR PRIMARY KEY);

CREATE TABLE core.in_force (
    iso3         VARCHAR NOT NULL,
    indicator_id VARCHAR NOT NULL,
    year         INTEGER NOT NULL,
    source_id    VARCHAR NOT NULL,
    release      VARCHAR NOT NULL,
    PRIMARY KEY (iso3, indicator_id, year)
);

CREATE VIEW core.current_observation AS
WITH contested AS (SELECT indicator_id FROM core.contested_indicator)
SELECT o.*
FROM core.observation o
WHERE o.indicator_id NOT IN (SELECT indicator_id FROM contested)
  AND EXISTS (SELECT 1 FROM core.source_file f WHERE f.source_id = o.source_id AND f.file = o.file)
UNION ALL
SELECT o.*
FROM core.observation o
SEMI JOIN core.in_force k USING (iso3, indicator_id, year, source_id, release)
WHERE o.indicator_id IN (SELECT indicator_id FROM contested);

CREATE TABLE core.aggregate (
    group_id     VARCHAR NOT NULL,
    indicator_id VARCHAR NOT NULL,
    year         INTEGER NOT NULL,
    value        DOUBLE NOT NULL,
    n_countries  INTEGER NOT NULL,
    method       VARCHAR NOT NULL,
    PRIMARY KEY (group_id, indicator_id, year)
);

CREATE TABLE core.run (
    run_id          VARCHAR PRIMARY KEY,
    started_at      TIMESTAMP,
    finished_at     TIMESTAMP,
    status          VARCHAR,     -- succeeded | failed
    digigov_version VARCHAR,
    seconds         DOUBLE,
    warehouse       VARCHAR,
    sources         JSON,        -- per source: rows loaded, rejected, files and checksums
    message         VARCHAR
);

-- Cross-source consistency checks (warehouse/sql/checks/*.sql), run on every build.
CREATE TABLE core.check_problem (
    check_id VARCHAR NOT NULL,
    iso3     VARCHAR,
    detail   VARCHAR NOT NULL
);
CREATE TABLE core.check_run (
    check_id VARCHAR PRIMARY KEY,
    problems INTEGER NOT NULL
);

-- What this build changed against the warehouse it replaces (see warehouse/sql/changes.sql).
CREATE TABLE core.change (
    kind   VARCHAR NOT NULL,   -- indicator added/removed, country added/removed, values changed
    item   VARCHAR NOT NULL,
    detail VARCHAR
);

CREATE TABLE core.reject (
    run_id    VARCHAR NOT NULL,
    source_id VARCHAR NOT NULL,
    file      VARCHAR,
    row       BIGINT,
    reason    VARCHAR NOT NULL,
    record    VARCHAR
);
