-- An asset agency's own id for an asset (`agency_reference`) names one asset per institution,
-- which makes importing the same register twice create each asset once. Duplicates made before
-- this rule keep their data: the later ones are renamed "<reference> (duplicate of asset <id>)"
-- so that the index can be built and a person can merge them.

UPDATE assets
SET agency_reference = agency_reference || ' (duplicate of asset ' || (
        SELECT MIN(first.id) FROM assets first
        WHERE first.institution_id = assets.institution_id
          AND first.agency_reference = assets.agency_reference
    ) || ')'
WHERE agency_reference IS NOT NULL
  AND id > (
        SELECT MIN(first.id) FROM assets first
        WHERE first.institution_id = assets.institution_id
          AND first.agency_reference = assets.agency_reference
    );

CREATE UNIQUE INDEX assets_agency_reference ON assets (institution_id, agency_reference);
