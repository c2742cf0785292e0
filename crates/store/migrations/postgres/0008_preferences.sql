-- Per-user preferences of the web interface (the language, for now).

CREATE TABLE user_preferences (
    user_id  BIGINT PRIMARY KEY REFERENCES users (id),
    locale   TEXT   NOT NULL
);
