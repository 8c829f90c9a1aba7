-- A third control class for screens: `viability_reference` wells hold untreated cells (usually with virus and
-- the compounds' vehicle) whose nuclei counts are the 100 % of viability. Without them, viability is taken
-- relative to the negative controls. They take no part in Z' or percent of control.
ALTER TABLE wells DROP CONSTRAINT wells_control_check;
ALTER TABLE wells ADD CONSTRAINT wells_control_check
    CHECK (control IN ('positive', 'negative', 'viability_reference'));
