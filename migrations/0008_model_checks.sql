-- The model-domain verdict of a campaign (Analysis.DomainVerdict as JSON): whether its control wells' nuclei
-- looked like the model's training nuclei when it was submitted. NULL for campaigns submitted before the check
-- existed. Stored with the campaign, not in its settings, because it describes the images, not how to analyse
-- them, and must not change the campaign's fingerprint.
ALTER TABLE campaigns ADD COLUMN domain_check jsonb;

-- Submission records the verdict in the same transaction as the campaign row.
GRANT UPDATE (domain_check) ON campaigns TO viroscope_coordinator;

-- What the report's model check reads: per well, how the model's calls and the reporter's agree on the same
-- nuclei (the 2×2 table of model infected × reporter positive), using the campaign's infection threshold and
-- each result's reporter threshold, exactly the bars the per-well counts use. Only nuclei with a reporter value.
CREATE VIEW well_call_agreement AS
SELECT p.campaign_id,
       p.barcode AS plate,
       w.position AS well,
       w.control,
       count(*) AS nuclei,
       count(*) FILTER (WHERE n.p_infected >= t.infection AND n.reporter_mean > r.reporter_threshold) AS both_positive,
       count(*) FILTER (WHERE n.p_infected >= t.infection AND n.reporter_mean <= r.reporter_threshold) AS model_only,
       count(*) FILTER (WHERE n.p_infected < t.infection AND n.reporter_mean > r.reporter_threshold) AS reporter_only
FROM campaigns c
CROSS JOIN LATERAL (SELECT coalesce((c.settings ->> 'infection_threshold')::real, 0.5) AS infection) t
JOIN plates p ON p.campaign_id = c.id
JOIN wells w ON w.plate_id = p.id
JOIN image_sets s ON s.well_id = w.id
JOIN image_results r ON r.image_set_id = s.id
JOIN nuclei n ON n.image_set_id = r.image_set_id
WHERE n.reporter_mean IS NOT NULL AND r.reporter_threshold IS NOT NULL
GROUP BY p.campaign_id, p.barcode, w.position, w.control;

GRANT SELECT ON well_call_agreement TO viroscope_coordinator, viroscope_reader;
