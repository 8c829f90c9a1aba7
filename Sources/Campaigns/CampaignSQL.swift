/// The campaign tables' SQL, named, in one place.
enum CampaignSQL {
    static let insertModel = """
        INSERT INTO models (name, sha256, architecture, weights) VALUES ($1, $2, $3, $4::bytea)
        ON CONFLICT (sha256) DO NOTHING RETURNING id
        """
    static let modelID = "SELECT id FROM models WHERE sha256 = $1"
    static let modelBySHA = "SELECT architecture, weights FROM models WHERE sha256 = $1"
    static let modelByName = "SELECT sha256 FROM models WHERE name = $1 ORDER BY id DESC LIMIT 1"

    /// Serialises submissions of one campaign name across coordinators.
    static let lockKey = "hashtextextended('viroscope.campaign:' || $1, 0)"
    static let campaignByName = """
        SELECT c.id, c.fingerprint, c.state, c.image_root, c.nuclear_channel, c.reporter_channel, c.settings::text AS settings,
               c.created_at, m.sha256 AS model_sha256, m.name AS model_name
        FROM campaigns c JOIN models m ON m.id = c.model_id WHERE c.name = $1
        """
    static let campaignByID = """
        SELECT c.id, c.name, c.image_root, c.nuclear_channel, c.reporter_channel, c.settings::text AS settings,
               m.sha256 AS model_sha256
        FROM campaigns c JOIN models m ON m.id = c.model_id WHERE c.id = $1
        """
    static let insertCampaign = """
        INSERT INTO campaigns (name, model_id, image_root, nuclear_channel, reporter_channel, settings, fingerprint)
        VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7) RETURNING id
        """
    static let insertPlates = """
        INSERT INTO plates (campaign_id, barcode, format)
        SELECT $1, barcode, $3 FROM unnest($2::text[]) AS barcode
        RETURNING id, barcode
        """
    static let insertWells = """
        INSERT INTO wells (plate_id, position, treatment, concentration, unit, virus, moi, control, extra)
        SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::float8[], $5::text[], $6::text[], $7::float8[],
                             $8::text[], $9::jsonb[])
        RETURNING id, plate_id, position
        """
    static let insertImageSets = """
        INSERT INTO image_sets (well_id, site, time_point)
        SELECT * FROM unnest($1::bigint[], $2::int[], $3::int[])
        RETURNING id, well_id, site, time_point
        """
    static let insertImages = """
        INSERT INTO images (image_set_id, channel, path)
        SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[])
        """
    static let countCampaign = """
        SELECT (SELECT count(*) FROM plates WHERE campaign_id = $1) AS plates,
               (SELECT count(*) FROM wells w JOIN plates p ON p.id = w.plate_id WHERE p.campaign_id = $1) AS wells,
               (SELECT count(*) FROM image_sets s JOIN wells w ON w.id = s.well_id JOIN plates p ON p.id = w.plate_id
                 WHERE p.campaign_id = $1) AS image_sets,
               (SELECT count(*) FROM jobs WHERE campaign_id = $1) AS jobs
        """

    /// Results and nuclei go through the schema owner's fenced functions (migration 0009): the worker role has
    /// no INSERT on these tables, and the functions accept rows only for the image sets of a running job whose
    /// lease the caller holds (nuclei only for results that job wrote).
    static let insertResults = """
        SELECT record_image_results($1::bigint, $2::uuid, $3::bigint, $4::text, $5::jsonb, $6::text, $7::bigint[],
                                    $8::integer[], $9::integer[], $10::real[], $11::integer[], $12::real[],
                                    $13::real[], $14::text[], $15::real[]) AS n
        """
    static let insertNuclei = """
        SELECT record_nuclei($1::bigint, $2::uuid, $3::bigint[], $4::integer[], $5::real[], $6::real[], $7::integer[],
                             $8::real[], $9::real[], $10::real[]) AS n
        """
}
