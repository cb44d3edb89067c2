-- os-quota-class-sets: limits per quota class; the "default" class's
-- override the configured defaults for every project (Nova's DbQuotaDriver),
-- other classes are kept and shown only.
CREATE TABLE compute_quota_classes (
    class_name TEXT NOT NULL,
    resource TEXT NOT NULL,
    hard_limit INTEGER NOT NULL,
    PRIMARY KEY (class_name, resource)
);
