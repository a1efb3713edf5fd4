-- A third key scope, `monitoring`: the plugins' monitoring and registry APIs, not the admin API.
ALTER TABLE api_keys DROP CONSTRAINT api_keys_scope_check;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_scope_check CHECK (scope IN ('admin', 'service', 'monitoring'));
