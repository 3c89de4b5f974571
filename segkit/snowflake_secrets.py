"""Create the Snowflake secure function that holds the PII salt (admin step).

hash_pii() on Snowflake calls `<database>.<schema>.seg_pii_salt()` and never sees
the salt itself, so the salt is in no compiled SQL, dbt artifact or log. This
command creates (or replaces) that function from the environment variable
SEG_PII_SALT, outside dbt, once per deployment and whenever the salt is rotated:

    SEG_PII_SALT=... python -m segkit.snowflake_secrets

It connects with the same SNOWFLAKE_* environment variables as profiles.yml
(password or key-pair). The function is SECURE, so its body (which must hold the
salt) is hidden from every role but its owner; grant USAGE on it only to the role
dbt runs as. The salt is hex-encoded in the body, so any string works (quotes,
backslashes, `$$`). Snowflake keeps the statement text in query history, which
the admin role can read: run it as that role only.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence

SALT_ENV_VAR = "SEG_PII_SALT"
FUNCTION_NAME = "seg_pii_salt"


def salt_function_name(database: str, schema: str) -> str:
    """Fully qualified name, the same rule as the dbt macro pii_salt_function_name()."""
    return f"{database}.{schema}.{FUNCTION_NAME}"


def create_salt_function_sql(name: str, salt: str) -> str:
    """CREATE SECURE FUNCTION returning the salt; the salt is hex-encoded in the body."""
    if not salt:
        raise ValueError(f"{SALT_ENV_VAR} is empty")
    return (
        f"create or replace secure function {name}()\n"
        "    returns varchar\n"
        "    comment = 'PII salt of the segmentation project (segkit.snowflake_secrets)'\n"
        f"    as $$ hex_decode_string('{salt.encode('utf-8').hex()}') $$"
    )


def create_emulator_salt_macro(duck_conn: object, name: str, salt: str) -> None:
    """The fakesnow stand-in: fakesnow runs SQL UDF bodies as text (it would return
    the body, not its value), so the emulator gets a DuckDB macro of the same name
    on its underlying DuckDB connection. The catalog holds the salt there, as
    Snowflake's holds the secure function body."""
    database, schema, function = name.split(".")
    literal = "'" + salt.replace("'", "''") + "'"
    duck_conn.execute(f"create schema if not exists {database}.{schema}")
    duck_conn.execute(f"create or replace macro {database}.{schema}.{function}() as {literal}")


def _connect(environ: Mapping[str, str]):  # pragma: no cover - needs an account
    import snowflake.connector

    params = {
        "account": environ.get("SNOWFLAKE_ACCOUNT", ""),
        "user": environ.get("SNOWFLAKE_USER", ""),
        "role": environ.get("SNOWFLAKE_ROLE") or None,
        "warehouse": environ.get("SNOWFLAKE_WAREHOUSE") or None,
    }
    if environ.get("SNOWFLAKE_PRIVATE_KEY_PATH"):
        params["private_key_file"] = environ["SNOWFLAKE_PRIVATE_KEY_PATH"]
        if environ.get("SNOWFLAKE_PRIVATE_KEY_PASSPHRASE"):
            params["private_key_file_pwd"] = environ["SNOWFLAKE_PRIVATE_KEY_PASSPHRASE"]
    else:
        params["password"] = environ.get("SNOWFLAKE_PASSWORD", "")
    return snowflake.connector.connect(**params)


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    environ = os.environ if environ is None else environ
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=environ.get("SNOWFLAKE_DATABASE", "SEGMENTATION"))
    parser.add_argument("--schema", default=environ.get("SNOWFLAKE_SCHEMA", "ANALYTICS"))
    parser.add_argument(
        "--grant-to-role", default=None, help="also grant usage on the function to this role"
    )
    args = parser.parse_args(argv)
    salt = environ.get(SALT_ENV_VAR, "")
    if not salt:
        print(f"error: set {SALT_ENV_VAR} (the salt is never read from arguments)", file=sys.stderr)
        return 2
    name = salt_function_name(args.database, args.schema)
    with _connect(environ) as conn:  # pragma: no cover - needs an account
        cursor = conn.cursor()
        cursor.execute(f"create schema if not exists {args.database}.{args.schema}")
        cursor.execute(create_salt_function_sql(name, salt))
        if args.grant_to_role:
            cursor.execute(f"grant usage on function {name}() to role {args.grant_to_role}")
    print(f"created secure function {name}()")  # pragma: no cover
    return 0  # pragma: no cover


if __name__ == "__main__":
    sys.exit(main())
