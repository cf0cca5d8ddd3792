"""A throwaway PostgreSQL database for the API fuzzer, on the server DATABASE_URL names.

`create URL` prints the URL of a new empty database; `drop URL` removes it. The fuzzer deletes
and erases records at random, so it never runs on a database that holds anything else.
"""

import secrets
import sys
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
import psycopg
from psycopg import sql


def _connect(config: dict, dbname: str):
    return psycopg.connect(
        dbname=dbname,
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        autocommit=True,
    )


def main(action: str, url: str) -> None:
    config = dj_database_url.parse(url)
    if action == "create":
        name = f"guanxi_fuzz_{secrets.token_hex(4)}"
        with _connect(config, config["NAME"]) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        print(urlunsplit(urlsplit(url)._replace(path=f"/{name}")))
    elif action == "drop":
        name = config["NAME"]
        if not name.startswith("guanxi_fuzz_"):
            raise SystemExit(f"refusing to drop {name!r}: not a fuzzing database")
        with _connect(config, "postgres") as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
    else:
        raise SystemExit("usage: _fuzz_db.py create|drop URL")


if __name__ == "__main__":
    main(*sys.argv[1:3])
