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

CREATE TRIGGER victims_profile_count_insert AFTER INSERT ON victims
BEGIN
    INSERT INTO victim_profile_counts (sex, nationality, age_band, region, exploitation, victims)
    VALUES (NEW.sex, NEW.nationality, NEW.age_band, COALESCE(NEW.region, ''), COALESCE(NEW.exploitation, ''), 1)
    ON CONFLICT (sex, nationality, age_band, region, exploitation) DO UPDATE SET victims = victims + 1;
END;
CREATE TRIGGER victims_profile_count_update AFTER UPDATE OF sex, nationality, age_band, region, exploitation ON victims
BEGIN
    UPDATE victim_profile_counts SET victims = victims - 1
    WHERE sex = OLD.sex AND nationality = OLD.nationality AND age_band = OLD.age_band
      AND region = COALESCE(OLD.region, '') AND exploitation = COALESCE(OLD.exploitation, '');
    INSERT INTO victim_profile_counts (sex, nationality, age_band, region, exploitation, victims)
    VALUES (NEW.sex, NEW.nationality, NEW.age_band, COALESCE(NEW.region, ''), COALESCE(NEW.exploitation, ''), 1)
    ON CONFLICT (sex, nationality, age_band, region, exploitation) DO UPDATE SET victims = victims + 1;
END;
CREATE TRIGGER victims_profile_count_delete AFTER DELETE ON victims
BEGIN
    UPDATE victim_profile_counts SET victims = victims - 1
    WHERE sex = OLD.sex AND nationality = OLD.nationality AND age_band = OLD.age_band
      AND region = COALESCE(OLD.region, '') AND exploitation = COALESCE(OLD.exploitation, '');
END;

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
       CAST(SUM(CAST(julianday(state_changed_on) - 2440587.5 AS INTEGER)) AS BIGINT)
FROM assets GROUP BY currency, state;

CREATE TRIGGER assets_state_totals_insert AFTER INSERT ON assets
BEGIN
    INSERT INTO asset_state_totals (currency, state, assets, estimated_value, day_sum)
    VALUES (NEW.currency, NEW.state, 1, COALESCE(NEW.estimated_value, 0),
            CAST(julianday(NEW.state_changed_on) - 2440587.5 AS INTEGER))
    ON CONFLICT (currency, state) DO UPDATE SET assets = assets + 1,
        estimated_value = estimated_value + excluded.estimated_value, day_sum = day_sum + excluded.day_sum;
END;
CREATE TRIGGER assets_state_totals_update AFTER UPDATE OF currency, state, state_changed_on, estimated_value ON assets
BEGIN
    UPDATE asset_state_totals SET assets = assets - 1,
        estimated_value = estimated_value - COALESCE(OLD.estimated_value, 0),
        day_sum = day_sum - CAST(julianday(OLD.state_changed_on) - 2440587.5 AS INTEGER)
    WHERE currency = OLD.currency AND state = OLD.state;
    INSERT INTO asset_state_totals (currency, state, assets, estimated_value, day_sum)
    VALUES (NEW.currency, NEW.state, 1, COALESCE(NEW.estimated_value, 0),
            CAST(julianday(NEW.state_changed_on) - 2440587.5 AS INTEGER))
    ON CONFLICT (currency, state) DO UPDATE SET assets = assets + 1,
        estimated_value = estimated_value + excluded.estimated_value, day_sum = day_sum + excluded.day_sum;
END;
CREATE TRIGGER assets_state_totals_delete AFTER DELETE ON assets
BEGIN
    UPDATE asset_state_totals SET assets = assets - 1,
        estimated_value = estimated_value - COALESCE(OLD.estimated_value, 0),
        day_sum = day_sum - CAST(julianday(OLD.state_changed_on) - 2440587.5 AS INTEGER)
    WHERE currency = OLD.currency AND state = OLD.state;
END;

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
           CAST(julianday(MIN(CASE WHEN to_state = 'sold' THEN on_date END))
                - julianday(MIN(CASE WHEN to_state = 'confiscated' THEN on_date END)) AS INTEGER) AS d
    FROM asset_moves WHERE to_state IN ('confiscated', 'sold') GROUP BY asset_id
    UNION ALL
    SELECT 'sold_early', 'released',
           CAST(julianday(MIN(CASE WHEN to_state = 'released' THEN on_date END))
                - julianday(MIN(CASE WHEN to_state = 'sold_early' THEN on_date END)) AS INTEGER)
    FROM asset_moves WHERE to_state IN ('sold_early', 'released') GROUP BY asset_id
) paths WHERE d IS NOT NULL GROUP BY f, t, d;

CREATE TRIGGER asset_moves_path_days AFTER INSERT ON asset_moves
WHEN NEW.to_state IN ('sold', 'released')
    AND NOT EXISTS (SELECT 1 FROM asset_moves m
                    WHERE m.asset_id = NEW.asset_id AND m.to_state = NEW.to_state AND m.id <> NEW.id)
    AND EXISTS (SELECT 1 FROM asset_moves m WHERE m.asset_id = NEW.asset_id
                AND m.to_state = CASE NEW.to_state WHEN 'sold' THEN 'confiscated' ELSE 'sold_early' END)
BEGIN
    INSERT INTO asset_path_days (from_state, to_state, days, assets)
    VALUES (CASE NEW.to_state WHEN 'sold' THEN 'confiscated' ELSE 'sold_early' END, NEW.to_state,
            CAST(julianday(NEW.on_date) - julianday((SELECT MIN(m.on_date) FROM asset_moves m
                WHERE m.asset_id = NEW.asset_id
                  AND m.to_state = CASE NEW.to_state WHEN 'sold' THEN 'confiscated' ELSE 'sold_early' END)) AS INTEGER),
            1)
    ON CONFLICT (from_state, to_state, days) DO UPDATE SET assets = assets + 1;
END;
