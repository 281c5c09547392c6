-- The learner's region (ISO 3166-1 alpha-2, e.g. `FR`), set in their profile: the safety
-- gate's crisis and concern responses name that region's hotlines (docs/safety.md).
-- NULL: not given; the responses then use the request's region, else the global directory.
ALTER TABLE profiles ADD COLUMN region TEXT;
