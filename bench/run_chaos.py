"""`make chaos`: every fault scenario at full length against a scratch PostgreSQL database,
a private redis-server per scenario, gunicorn and Celery workers; prints the table and writes
bench/chaos.json."""

import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from bench.run import on_scratch_database

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    on_scratch_database("imprimatur_chaos")
    from bench import chaos

    tallies = []
    for run in chaos.FULL:
        tally = run()
        tallies.append(tally)
        print(chaos.table([tally]).splitlines()[-1], flush=True)
    print()
    print(chaos.table(tallies))
    rows = [t.row() for t in tallies]
    failed = [r["scenario"] for r in rows if r["lost"] or r["5xx"] or r["emails_lost"]]
    (ROOT / "bench" / "chaos.json").write_text(
        json.dumps(
            {"when": datetime.now(UTC).isoformat(timespec="seconds"), "scenarios": rows}, indent=2
        )
        + "\n"
    )
    print(
        "\nLost must be 0 and 5xx must be 0 everywhere:",
        "met" if not failed else f"NOT met ({failed})",
    )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
