-- What request a run answered, for the execution log (`GET /api/v1/admin/logs`, the panel's Logs):
-- its method, path (without the query string, which may carry credentials) and Host, and the size of
-- the response body. Never bodies or headers. NULL for runs that answer no HTTP request (cron, queue)
-- and for records written before this migration.
ALTER TABLE execution_logs
  ADD COLUMN method         text,
  ADD COLUMN path           text,
  ADD COLUMN host           text,
  ADD COLUMN response_bytes bigint;
