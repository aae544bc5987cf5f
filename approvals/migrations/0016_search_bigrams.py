"""Search (approvals.search): GIN indexes for one- and two-character CJK words; nothing on SQLite.

pg_trgm's indexes (0014) serve `ILIKE '%word%'` only for words of three characters or more, so
the commonest Chinese searches (地铁, 台风: two characters) were checked row by row. pg_bigm
is not available, so this migration adds `imprimatur_cjk_grams(text)`: the CJK characters of
the text (ideographs, kana, Hangul) and every pair of adjacent ones, as text[]; and GIN
indexes on it over title and body (one index: `title || ' ' || body`), decision note and
audit-entry note. `imprimatur_cjk_grams(column) @> ARRAY['地铁']` holds for exactly the texts
that contain 地铁 (each gram is a character of the text or two that stand together), so the
index answers a word of one or two CJK characters by itself; approvals.search checks the rows
it finds only for a word with a letter or digit in it (A股, looked up by 股).

The function keeps duplicates (GIN keeps each key once per row; sorting them away in SQL
would double the build time). It does not lower-case: CJK characters have no case, so it
depends on no collation and is truly IMMUTABLE. approvals.search writes the indexed
expressions exactly as here, and its CJK character class is this one.

The indexes are built CONCURRENTLY (the table stays writable), hence a non-atomic migration;
the models do not declare them (see 0014).
"""

from django.db import migrations

CJK = (
    r"[\u3005\u3007\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
    r"\U00020000-\U0003134f]"
)

CREATE_FUNCTION = rf"""
CREATE OR REPLACE FUNCTION imprimatur_cjk_grams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(gram), '{{}}')
  FROM regexp_matches(t, '{CJK}+', 'g') AS runs(run),
  LATERAL (
    SELECT regexp_split_to_table(runs.run[1], '')
    UNION ALL SELECT pair[1] FROM regexp_matches(runs.run[1], '..', 'g') AS pair
    UNION ALL SELECT pair[1] FROM regexp_matches(substr(runs.run[1], 2), '..', 'g') AS pair
  ) AS grams(gram)
$$
"""

INDEXES = {
    "post_text_cjk_idx": ("approvals_post", "title || ' ' || body"),
    "post_note_cjk_idx": ("approvals_post", "decision_note"),
    "audit_note_cjk_idx": ("approvals_auditentry", "note"),
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE_FUNCTION)
    for name, (table, text) in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} "
            f"ON {table} USING gin (imprimatur_cjk_grams(({text})))"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
    schema_editor.execute("DROP FUNCTION IF EXISTS imprimatur_cjk_grams(text)")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("approvals", "0015_desk_target_hours"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
