-- The asset manager's pipeline (`/assets`, `GET /api/v1/assets/pipeline`) at national scale
-- (see docs/scale.md): its groups by state and day, and the path durations, read from these
-- covering indexes alone instead of looking up every asset and every move in its table.
CREATE INDEX assets_pipeline ON assets (currency, state, state_changed_on, estimated_value);
CREATE INDEX asset_moves_path ON asset_moves (asset_id, to_state, on_date);
