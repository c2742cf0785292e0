-- Counts the statistics and the asset pipeline show, maintained by the database on every write
-- (issue #13): the pages read a row per group instead of every victim, asset or move. Triggers
-- keep them whoever writes (the application, an import, raw SQL); `redress verify` recomputes
-- them from the rows and reports any difference. A day is counted from 1970-01-01; '' stands
-- for a missing region or type of exploitation (a key column cannot be NULL).

CREATE TABLE victim_profile_counts (
    sex          TEXT   NOT NULL,
    nationality  TEXT   NOT NULL,
    age_band     TEXT   NOT NULL,
    region       TEXT   NOT NULL,
    exploitation TEXT   NOT NULL,
    victims      BIGINT NOT NULL CHECK (victims >= 0),
    PRIMARY KEY (sex, nationality, age_band, region, exploitation)
);
INSERT INTO victim_profile_counts (sex, nationality, age_band, region, exploitation, victims)
SELECT sex, nationality, age_band, COALESCE(region, ''), COALESCE(exploitation, ''), COUNT(*)
FROM victims GROUP BY sex, nationality, age_band, COALESCE(region, ''), COALESCE(exploitation, '');

CREATE FUNCTION redress_victim_profile_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE victim_profile_counts SET victims = victims - 1
        WHERE sex = OLD.sex AND nationality = OLD.nationality AND age_band = OLD.age_band
          AND region = COALESCE(OLD.region, '') AND exploitation = COALESCE(OLD.exploitation, '');
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO victim_profile_counts (sex, nationality, age_band, region, exploitation, victims)
        VALUES (NEW.sex, NEW.nationality, NEW.age_band, COALESCE(NEW.region, ''), COALESCE(NEW.exploitation, ''), 1)
        ON CONFLICT (sex, nationality, age_band, region, exploitation)
        DO UPDATE SET victims = victim_profile_counts.victims + 1;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER victims_profile_count
    AFTER INSERT OR DELETE OR UPDATE OF sex, nationality, age_band, region, exploitation ON victims
    FOR EACH ROW EXECUTE FUNCTION redress_victim_profile_count();

CREATE TABLE asset_state_totals (
    currency        TEXT   NOT NULL,
    state           TEXT   NOT NULL,
    assets          BIGINT NOT NULL CHECK (assets >= 0),
    estimated_value BIGINT NOT NULL,
    -- The sum over the assets of the day each entered its state.
    day_sum         BIGINT NOT NULL,
    PRIMARY KEY (currency, state)
);
INSERT INTO asset_state_totals (currency, state, assets, estimated_value, day_sum)
SELECT currency, state, COUNT(*), CAST(COALESCE(SUM(estimated_value), 0) AS BIGINT),
       CAST(SUM(CAST(state_changed_on AS DATE) - DATE '1970-01-01') AS BIGINT)
FROM assets GROUP BY currency, state;

CREATE FUNCTION redress_asset_state_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE asset_state_totals SET assets = assets - 1,
            estimated_value = estimated_value - COALESCE(OLD.estimated_value, 0),
            day_sum = day_sum - (CAST(OLD.state_changed_on AS DATE) - DATE '1970-01-01')
        WHERE currency = OLD.currency AND state = OLD.state;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO asset_state_totals (currency, state, assets, estimated_value, day_sum)
        VALUES (NEW.currency, NEW.state, 1, COALESCE(NEW.estimated_value, 0),
                CAST(NEW.state_changed_on AS DATE) - DATE '1970-01-01')
        ON CONFLICT (currency, state) DO UPDATE SET assets = asset_state_totals.assets + 1,
            estimated_value = asset_state_totals.estimated_value + excluded.estimated_value,
            day_sum = asset_state_totals.day_sum + excluded.day_sum;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER assets_state_totals
    AFTER INSERT OR DELETE OR UPDATE OF currency, state, state_changed_on, estimated_value ON assets
    FOR EACH ROW EXECUTE FUNCTION redress_asset_state_totals();

-- How many days assets took along the two paths to money in the fund (confiscated → sold,
-- sold early → released): for each asset, from its first move into the first state to its
-- first move into the second, counted when that second move is written.
CREATE TABLE asset_path_days (
    from_state TEXT   NOT NULL,
    to_state   TEXT   NOT NULL,
    days       BIGINT NOT NULL,
    assets     BIGINT NOT NULL CHECK (assets >= 0),
    PRIMARY KEY (from_state, to_state, days)
);
INSERT INTO asset_path_days (from_state, to_state, days, assets)
SELECT f, t, d, COUNT(*) FROM (
    SELECT 'confiscated' AS f, 'sold' AS t,
           CAST(MIN(CASE WHEN to_state = 'sold' THEN on_date END) AS DATE)
           - CAST(MIN(CASE WHEN to_state = 'confiscated' THEN on_date END) AS DATE) AS d
    FROM asset_moves WHERE to_state IN ('confiscated', 'sold') GROUP BY asset_id
    UNION ALL
    SELECT 'sold_early', 'released',
           CAST(MIN(CASE WHEN to_state = 'released' THEN on_date END) AS DATE)
           - CAST(MIN(CASE WHEN to_state = 'sold_early' THEN on_date END) AS DATE)
    FROM asset_moves WHERE to_state IN ('sold_early', 'released') GROUP BY asset_id
) paths WHERE d IS NOT NULL GROUP BY f, t, d;

CREATE FUNCTION redress_asset_path_days() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    start_state TEXT := CASE NEW.to_state WHEN 'sold' THEN 'confiscated' ELSE 'sold_early' END;
    started TEXT;
BEGIN
    IF NEW.to_state NOT IN ('sold', 'released') OR EXISTS (
        SELECT 1 FROM asset_moves m WHERE m.asset_id = NEW.asset_id AND m.to_state = NEW.to_state AND m.id <> NEW.id
    ) THEN
        RETURN NULL;
    END IF;
    SELECT MIN(m.on_date) INTO started FROM asset_moves m
    WHERE m.asset_id = NEW.asset_id AND m.to_state = start_state;
    IF started IS NOT NULL THEN
        INSERT INTO asset_path_days (from_state, to_state, days, assets)
        VALUES (start_state, NEW.to_state, CAST(NEW.on_date AS DATE) - CAST(started AS DATE), 1)
        ON CONFLICT (from_state, to_state, days) DO UPDATE SET assets = asset_path_days.assets + 1;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER asset_moves_path_days AFTER INSERT ON asset_moves
    FOR EACH ROW EXECUTE FUNCTION redress_asset_path_days();
