-- Audit retention deletes by age: find old rows without scanning the table.
CREATE INDEX audit_by_time ON audit(at);
