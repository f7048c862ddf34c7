"""``python -m crawler [--source ID]…``: one crawl, in this process (used as the child)."""

from __future__ import annotations

import argparse
import json
import sys

from models import Settings, SettingsError
from models.db import DatabaseError

from .runner import run_crawl


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m crawler")
    parser.add_argument("--source", type=int, action="append", default=None)
    parser.add_argument("--json", action="store_true", help="print statistics as JSON")
    parser.add_argument("--run-id", help="crawl run shared with other processes (Redis)")
    parser.add_argument(
        "--manual-only", action="store_true", help="only fetch clips added by address"
    )
    args = parser.parse_args()
    try:
        stats = run_crawl(Settings.from_env(), args.source, args.run_id, not args.manual_only)
    except (SettingsError, DatabaseError) as exc:
        sys.exit(f"crawl not started: {exc}")
    print(json.dumps(stats.as_json()) if args.json else stats)
    if stats.database_errors:
        sys.exit(
            f"crawl incomplete: the database could not be reached, {stats.database_errors} "
            "clips or source records were not stored; the next crawl fetches them again"
        )


if __name__ == "__main__":
    main()
