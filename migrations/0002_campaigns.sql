-- The screening domain: models, campaigns, plates, wells, image sets and their results.
-- Objects are unqualified so that a search_path picks the schema (tests run each in its own).

CREATE TABLE models (
    id          bigserial PRIMARY KEY,
    name        text        NOT NULL,
    -- A model is identified by its content: every node runs exactly the bytes the campaign pinned.
    sha256      text        NOT NULL UNIQUE CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    -- The architecture JSON byte for byte (text, not jsonb, which would reformat it and change the hash).
    architecture text       NOT NULL CHECK (architecture::jsonb IS NOT NULL),
    weights     bytea       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE campaigns (
    id               bigserial PRIMARY KEY,
    name             text        NOT NULL UNIQUE,
    model_id         bigint      NOT NULL REFERENCES models (id),
    -- Where the coordinator saw the images; workers resolve the stored relative paths under their own --image-root.
    image_root       text        NOT NULL,
    nuclear_channel  text        NOT NULL,
    reporter_channel text,
    settings         jsonb       NOT NULL DEFAULT '{}',
    -- A digest of what was submitted, so a resubmission of the same campaign is recognised and a different one refused.
    fingerprint      text        NOT NULL,
    -- Whether a campaign is complete is read from its results (every image set has one), never stored, so it
    -- cannot disagree with them; only an operator's cancellation is a state.
    state            text        NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'cancelled')),
    created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE plates (
    id          bigserial PRIMARY KEY,
    campaign_id bigint  NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    barcode     text    NOT NULL,
    format      integer NOT NULL CHECK (format IN (96, 384, 1536)),
    UNIQUE (campaign_id, barcode)
);

CREATE TABLE wells (
    id            bigserial PRIMARY KEY,
    plate_id      bigint NOT NULL REFERENCES plates (id) ON DELETE CASCADE,
    position      text   NOT NULL CHECK (position ~ '^[A-Z]{1,2}[0-9]{2}$'),
    treatment     text,
    concentration double precision,
    unit          text,
    virus         text,
    moi           double precision,
    control       text CHECK (control IN ('positive', 'negative')),
    extra         jsonb  NOT NULL DEFAULT '{}',
    UNIQUE (plate_id, position)
);

CREATE TABLE image_sets (
    id         bigserial PRIMARY KEY,
    well_id    bigint  NOT NULL REFERENCES wells (id) ON DELETE CASCADE,
    site       integer NOT NULL,
    time_point integer NOT NULL DEFAULT 1,
    UNIQUE (well_id, site, time_point)
);

CREATE TABLE images (
    image_set_id bigint NOT NULL REFERENCES image_sets (id) ON DELETE CASCADE,
    channel      text   NOT NULL,
    path         text   NOT NULL,
    PRIMARY KEY (image_set_id, channel)
);

-- One row per analysed image set. The primary key is the database's own guard against a duplicated result:
-- even if two workers analysed the same set, only one row can ever commit.
CREATE TABLE image_results (
    image_set_id       bigint      PRIMARY KEY REFERENCES image_sets (id) ON DELETE CASCADE,
    job_id             bigint      NOT NULL,
    worker_id          bigint,
    model_sha256       text        NOT NULL,
    nuclei             integer     NOT NULL,
    infected           integer     NOT NULL,
    mean_p_infected    real,
    reporter_positive  integer,
    threshold          real,
    reporter_threshold real,
    settings           jsonb       NOT NULL DEFAULT '{}',
    software_version   text        NOT NULL,
    -- Set when the image could not be analysed (unreadable file, missing channel); the batch still succeeds.
    error              text,
    duration_ms        real        NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE nuclei (
    image_set_id   bigint  NOT NULL REFERENCES image_results (image_set_id) ON DELETE CASCADE,
    label          integer NOT NULL,
    x              real    NOT NULL,
    y              real    NOT NULL,
    area           integer NOT NULL,
    mean_intensity real    NOT NULL,
    reporter_mean  real,
    p_infected     real    NOT NULL,
    PRIMARY KEY (image_set_id, label)
);


-- What the report reads: one row per well with its image sets, results so far and failures.
CREATE VIEW well_summary AS
SELECT w.id                            AS well_id,
       p.campaign_id,
       p.barcode                       AS plate,
       p.format                        AS plate_format,
       w.position                      AS well,
       w.treatment, w.concentration, w.unit, w.virus, w.moi, w.control,
       count(s.id)                     AS image_sets,
       count(r.image_set_id)           AS image_sets_done,
       count(r.error)                  AS image_errors,
       coalesce(sum(r.nuclei), 0)      AS nuclei,
       coalesce(sum(r.infected), 0)    AS infected,
       sum(r.reporter_positive)        AS reporter_positive
FROM wells w
JOIN plates p ON p.id = w.plate_id
LEFT JOIN image_sets s ON s.well_id = w.id
LEFT JOIN image_results r ON r.image_set_id = s.id
GROUP BY w.id, p.campaign_id, p.barcode, p.format;
