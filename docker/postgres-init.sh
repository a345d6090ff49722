#!/bin/sh
# The app role that web and worker log in as: no superuser, no BYPASSRLS, owns nothing.
set -e
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
CREATE ROLE hub_app LOGIN PASSWORD '${HUB_APP_DB_PASSWORD}' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
GRANT hub_app TO ${POSTGRES_USER};
SQL
