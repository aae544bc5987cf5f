"""`make scale`: the scale-out check with 1,000 posts against a scratch PostgreSQL database
and a private redis-server; prints the figures and writes bench/scale.json."""

import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from bench.run import on_scratch_database

    on_scratch_database("imprimatur_scale")
    from bench.scale import scale_out, table

    run = scale_out(posts=int(os.environ.get("SCALE_POSTS", "1000")))
    print(table(run))
    for note in run.notes:
        print(note)
    (ROOT / "bench" / "scale.json").write_text(
        json.dumps({"measured_at": datetime.now(UTC).isoformat(), **run.row()}, indent=2) + "\n"
    )
    sys.exit(0 if run.ok else 1)


if __name__ == "__main__":
    main()
