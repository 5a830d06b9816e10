-- Request and error rates over the last minutes or hours (`GET /api/v1/admin/stats/requests`) read
-- execution_logs by time across every app: execution_logs_app_started_idx serves one app, this index
-- serves all of them. Retention's age cut (`DELETE … WHERE started_at < …`) uses it as well.
CREATE INDEX execution_logs_started_idx ON execution_logs (started_at);
