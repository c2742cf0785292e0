-- Posted sums of every account by month of value date, maintained by the ledger in the same
-- transaction as the transfers (issue #13): the home page's and the public page's monthly flows
-- read twelve rows per account instead of every transfer of twelve months. Transfers are
-- append-only and `posted` is fixed when one is written, so adding on insert keeps this exact;
-- `redress verify` recomputes it from the transfers and reports any difference.
CREATE TABLE ledger_month_flows (
    account_id BIGINT NOT NULL REFERENCES ledger_accounts (id),
    month      TEXT   NOT NULL,
    debits     BIGINT NOT NULL DEFAULT 0 CHECK (debits >= 0),
    credits    BIGINT NOT NULL DEFAULT 0 CHECK (credits >= 0),
    PRIMARY KEY (account_id, month)
);

INSERT INTO ledger_month_flows (account_id, month, debits, credits)
SELECT account_id, month, CAST(SUM(debits) AS BIGINT), CAST(SUM(credits) AS BIGINT) FROM (
    SELECT debit_account_id AS account_id, SUBSTR(value_date, 1, 7) AS month, posted AS debits,
           CAST(0 AS BIGINT) AS credits
    FROM ledger_transfers WHERE posted > 0
    UNION ALL
    SELECT credit_account_id AS account_id, SUBSTR(value_date, 1, 7) AS month, CAST(0 AS BIGINT) AS debits,
           posted AS credits
    FROM ledger_transfers WHERE posted > 0
) flows
GROUP BY account_id, month;
