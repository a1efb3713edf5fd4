-- The request's `context` member, kept in the audit trail (JSON text).
ALTER TABLE audit ADD COLUMN context TEXT;
-- Endpoints switched off one by one (a DataRobot deployment deactivated): calls to them are
-- refused until they are switched on again; the service's other endpoints go on.
CREATE TABLE inactive_endpoints (
    service_id TEXT NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    endpoint_id TEXT NOT NULL,
    since BIGINT NOT NULL,
    PRIMARY KEY (service_id, endpoint_id)
);
