-- AI budgets: each user's plan tier picks their daily token budget (tessera serve
-- --ai-daily-tokens); the platform's monthly spend alerts, one row per month and threshold
-- (50/80/95/100 % of --ai-monthly-cap-usd), written once by whichever replica crossed it.
ALTER TABLE users ADD COLUMN tier TEXT NOT NULL DEFAULT 'free';

CREATE TABLE ai_budget_alerts (
    month           TEXT NOT NULL,
    percent         BIGINT NOT NULL,
    at              BIGINT NOT NULL,
    spent_micro_usd BIGINT NOT NULL,
    cap_micro_usd   BIGINT NOT NULL,
    PRIMARY KEY (month, percent)
);
