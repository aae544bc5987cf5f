"""Search (approvals.search) over N posts in PostgreSQL, Chinese and English: p50/p95.

Posts are generated in SQL (seeded random) from news vocabularies: 60 % Chinese (words run
together, with full-width punctuation, as Chinese is written), 40 % English; 20 desks, 40
authors, 3 % waiting, the rest decided, a third of the decided ones rejected or sent back with
a note (which the audit trail repeats). The search indexes are dropped for the load and built
again afterwards, as migrations 0014 (trigrams) and 0016 (CJK grams) build them; the build
times and sizes are reported.

Each query runs through the selector (the SQL of one results page, 25 rows) as a reviewer of
2 desks and as a senior reviewer (every desk), and through the whole page (test client).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python -m bench.search
    (BENCH_SEARCH_POSTS=200000 by default; BENCH_SEARCH_RUNS=30 per query and user)
"""

import importlib
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ZH_WORDS = """地铁 三号线 延长段 今日 开通 市政府 发布 通知 台风 暴雨 预警 股市 上涨 下跌 疫苗 接种
学校 开学 交通 管制 医院 新闻发布会 记者 报道 经济 增长 出口 数据 显示 居民 社区 警方 调查 事故
火灾 救援 消防 部门 表示 目前 已经 正在 将于 明天 上午 下午 晚上 城市 农村 政策 改革 税收 医保
养老金 房价 租金 就业 招聘 毕业生 高考 成绩 公布 天气 气温 降雨 洪水 地震 震级 专家 认为 建议
市民 注意 安全 出行 航班 取消 延误 高铁 公交 线路 调整 票价 环境 污染 治理 空气 质量 改善 电力
供应 停电 恢复 水价 听证会 人大 代表 提案 法院 判决 案件 嫌疑人 被捕 网友 热议 视频 流传 辟谣
谣言 不实 消息 官方 回应 企业 公司 裁员 工资 上调 物价 指数 统计局 季度 同比 环比 港口 航运 码头
重新 开放 旅游 景区 游客 节假日 文化 展览 博物馆 体育 比赛 冠军 足球 篮球 奥运 科技 人工智能
芯片 手机 发布会 新能源 汽车 充电桩 建设 项目 竣工 投资 亿元""".split()  # noqa: SIM905 (a block of words reads better)

EN_WORDS = """subway line extension opens today city council announces notice typhoon rainstorm
warning stocks rise fall vaccine schools reopen traffic control hospital press conference
reporter economy growth exports data shows residents community police investigate accident
fire rescue department said currently already tomorrow morning afternoon evening policy reform
tax pension housing prices rent jobs graduates exam results weather temperature flooding
earthquake magnitude experts advise citizens safety travel flights cancelled delayed railway
bus routes fares environment pollution air quality power outage restored water hearing court
ruling suspect arrested video rumour denied official response company layoffs wages inflation
index quarter harbour shipping port reopened tourism museum exhibition football championship
technology chips electric vehicles charging construction project investment million billion
minister parliament election campaign budget hospital nurses strike union agreement""".split()  # noqa: SIM905

# Generic words every story uses, and place names (two pools crossed: 1,600 names each).
ZH_FILLER = list("表示目前已经正在将于记者报道显示认为方面进行相关工作情况问题发展主要部分同时此外")
ZH_FILLER = ["".join(ZH_FILLER[i : i + 2]) for i in range(0, len(ZH_FILLER), 2)]
ZH_A = list("东西南北中新长安江河山海湖云天金青白黄红明光华丰永宁平泰康福兴盛德阳清松柏桂梅兰竹")
ZH_B = list("州城港湾桥村镇岭门口坪洲塘溪沟坡庄园田埠关渡浦泾坝寨铺集营堡圩滩岗垭峪川谷源")
EN_FILLER = """the a of to in and said that on for with was is by at from has have will were its
it be as their after more this are which""".split()  # noqa: SIM905
EN_A = """Ash Bel Cal Dun El Fen Glen Hal Ips Kel Lang Mar Nor Oak Pen Quin Ros Stan Thorn Ux
Vale Wes Yar Brad Carr Dal Eas Far Gris Hol Kirk Lyn Mel New Ort Pres Rad Sal Tam Wick""".split()  # noqa: SIM905
EN_B = """ford ton bury wick ham field mouth worth ley stead dale port bridge mere cliffe holm by
thorpe gate well combe minster haven moor shaw don wood stow brook hurst borough chester more
land ridge stone water cote side fold""".split()  # noqa: SIM905

ZH_NOTES = [
    "消息来源不明，请注明出处。",
    "标题与正文不符，请修改后重新提交。",
    "涉及未经证实的伤亡数字。",
    "请补充官方通报的链接。",
]
EN_NOTES = [
    "Unsourced casualty figures; cite the police statement.",
    "The headline overstates the council decision.",
    "Name your source for the harbour closure.",
    "Duplicate of an earlier report.",
]

# (label, query): Chinese of 2 characters (a common word), 1, 3+ characters, two words, a phrase
# that is a whole headline's start; English common, two words, stem, no match; a note word.
QUERIES = [
    ("zh 2 chars, common", "地铁"),
    ("zh 2 chars, a place name", "金港"),
    ("zh 1 char", "港"),
    ("zh 3 chars", "新闻发布会"),
    ("zh 2 words", "台风 航班"),
    ("zh phrase", "地铁三号线延长段今日开通"),
    ("zh in notes", "官方通报"),
    ("en 1 word", "harbour"),
    ("en 2 words", "council budget"),
    ("en word part", "reopen"),
    ("en place name", "Melbridge"),
    ("en no match", "zeppelin"),
]


def _word(lang: str, x: str) -> str:
    """SQL for one word of a story in `lang`, `x` a random number: a word of the post's topic
    (35 %), a place name (20 %), or a generic word."""
    words, filler, a, b = (f"%({lang}{part})s::text[]" for part in ("", "_filler", "_a", "_b"))

    def pick(array: str) -> str:
        return f"({array})[1 + floor(random() * array_length({array}, 1))::int]"

    topic = f"({words})[g.t * 8 + 1 + floor(random() * 8)::int]"
    return (
        f"CASE WHEN {x} < 0.35 THEN {topic} WHEN {x} < 0.55 THEN {pick(a)} || {pick(b)} "
        f"ELSE {pick(filler)} END"
    )


def _generate(posts: int, authors: list[int], decider: int, desks: list[int]) -> None:
    from django.db import connection

    params = {
        "n": posts,
        "authors": authors,
        "desks": desks,
        "decider": decider,
        "topics": min(len(ZH_WORDS), len(EN_WORDS)) // 8,
        "zh": ZH_WORDS,
        "en": EN_WORDS,
        "zh_filler": ZH_FILLER,
        "en_filler": EN_FILLER,
        "zh_a": ZH_A,
        "zh_b": ZH_B,
        "en_a": EN_A,
        "en_b": EN_B,
        "zh_notes": ZH_NOTES,
        "en_notes": EN_NOTES,
    }
    zh_title, en_title = _word("zh", "0.3 + (i %% 3) * 0.1"), _word("en", "0.3 + (i %% 3) * 0.1")
    zh_word, en_word = _word("zh", "r.x"), _word("en", "r.x")
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.17)")
        cursor.execute(
            f"""
            INSERT INTO approvals_post (author_id, desk_id, title, body, category, state,
                decided_by_id, decided_at, decision_note, submitted_at, created_at, updated_at,
                appeal_statement, external_id, screening_matches)
            SELECT (%(authors)s::int[])[1 + g.n %% array_length(%(authors)s::int[], 1)],
                   (%(desks)s::int[])[1 + floor(g.d * array_length(%(desks)s::int[], 1))::int],
                   t.title, t.body, 'news',
                   CASE WHEN g.s < 0.02 THEN 'submitted' WHEN g.s < 0.03 THEN 'draft'
                        WHEN g.s < 0.70 THEN 'approved' WHEN g.s < 0.85 THEN 'rejected'
                        ELSE 'changes_requested' END,
                   CASE WHEN g.s >= 0.03 THEN %(decider)s END,
                   CASE WHEN g.s >= 0.03 THEN now() END,
                   CASE WHEN g.s >= 0.70 THEN
                        CASE WHEN g.zh THEN (%(zh_notes)s::text[])[1 + g.n %% 4]
                             ELSE (%(en_notes)s::text[])[1 + g.n %% 4] END
                        ELSE '' END,
                   CASE WHEN g.s < 0.02 OR g.s >= 0.03
                        THEN now() - make_interval(mins => %(n)s - g.n) END,
                   now() - make_interval(mins => %(n)s - g.n), now(), '', '', '[]'
            FROM (SELECT n, random() AS d, random() AS s, random() < 0.6 AS zh,
                         floor(random() * %(topics)s)::int AS t
                  FROM generate_series(1, %(n)s) AS n) AS g,
            LATERAL (
                SELECT
                  CASE WHEN g.zh THEN (
                      SELECT string_agg({zh_title}, '')
                      FROM generate_series(1, 3 + g.n %% 3) AS i)
                  ELSE (
                      SELECT initcap(string_agg({en_title}, ' '))
                      FROM generate_series(1, 4 + g.n %% 3) AS i) END AS title,
                  CASE WHEN g.zh THEN (
                      SELECT string_agg({zh_word} || CASE WHEN random() < 0.12 THEN '，'
                                                  WHEN random() < 0.06 THEN '。' ELSE '' END, '')
                      FROM (SELECT random() AS x
                            FROM generate_series(1, 40 + g.n %% 120)) AS r)
                  ELSE (
                      SELECT string_agg({en_word} || CASE WHEN random() < 0.08 THEN '.' ELSE '' END,
                                        ' ')
                      FROM (SELECT random() AS x
                            FROM generate_series(1, 40 + g.n %% 110)) AS r) END AS body
            ) AS t
            """,  # the f-string holds SQL fragments of this module, never input
            params,
        )
        # The history repeats each decision note (one audit entry per decided post).
        cursor.execute(
            """
            INSERT INTO approvals_auditentry (seq, post_id, action, actor_id, from_state,
                to_state, note, data, created_at, prev_hash, hash)
            SELECT (SELECT coalesce(max(seq), 0) FROM approvals_auditentry)
                       + row_number() OVER (ORDER BY id),
                   id, 'post.' || state, decided_by_id, 'under_review', state, decision_note,
                   '{}', decided_at, repeat('0', 64), md5(id::text) || md5('bench' || id)
            FROM approvals_post WHERE decided_by_id IS NOT NULL AND decision_note <> ''
            """
        )


def _indexes(build: bool) -> dict:
    """Drop (build=False) or build the search indexes as migrations 0014 (trigrams) and 0016
    (CJK grams, and their function) make them, not CONCURRENTLY; the seconds each set took."""
    from django.db import connection

    trigrams = importlib.import_module("approvals.migrations.0014_search")
    grams = importlib.import_module("approvals.migrations.0016_search_bigrams")
    took = {}
    with connection.cursor() as cursor:
        started = time.perf_counter()
        for name, (table, column) in trigrams.INDEXES.items():
            if build:
                cursor.execute(f"CREATE INDEX {name} ON {table} USING gin ({column} gin_trgm_ops)")
            else:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
        took["trigram_indexes_s"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        if build:
            cursor.execute(grams.CREATE_FUNCTION)
        for name, (table, text) in grams.INDEXES.items():
            if build:
                cursor.execute(
                    f"CREATE INDEX {name} ON {table} USING gin (imprimatur_cjk_grams(({text})))"
                )
            else:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
        took["cjk_gram_indexes_s"] = round(time.perf_counter() - started, 1)
    return took


def _sizes() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT relname, pg_size_pretty(pg_relation_size(oid)) FROM pg_class
               WHERE relname IN ('approvals_post', 'post_title_trgm_idx', 'post_body_trgm_idx',
                                 'post_note_trgm_idx', 'audit_note_trgm_idx',
                                 'post_text_cjk_idx', 'post_note_cjk_idx', 'audit_note_cjk_idx')
               ORDER BY relname"""
        )
        sizes = dict(cursor.fetchall())
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('approvals_post'))")
        sizes["approvals_post (with toast and indexes)"] = cursor.fetchone()[0]
    return sizes


def _percentiles(timings: list[float]) -> dict:
    ordered = sorted(timings)
    return {
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1),
    }


def run(posts: int = 200_000, runs: int = 30) -> dict:
    from django.db import connection

    from accounts.models import Role
    from approvals.models import Desk
    from approvals.search import post_search
    from tests.factories import UserFactory
    from tests.logins import TwoFactorClient

    desks = [Desk.objects.get(slug="general")] + [
        Desk.objects.create(name=f"Desk {i}", slug=f"desk-{i}") for i in range(19)
    ]
    authors = [UserFactory(username=f"bench-author-{i}") for i in range(40)]
    reviewer = UserFactory(username="bench-reviewer", reviewer_on=desks[:2])
    senior = UserFactory(
        username="bench-senior", roles=[Role.REVIEWER, Role.SENIOR_REVIEWER], reviewer_on=desks
    )
    decider = UserFactory(username="bench-decider", reviewer_on=desks)
    _indexes(build=False)
    started = time.perf_counter()
    _generate(posts, [a.pk for a in authors], decider.pk, [d.pk for d in desks])
    generated_s = time.perf_counter() - started
    indexed = _indexes(build=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE approvals_post")
        cursor.execute("VACUUM ANALYZE approvals_auditentry")
        cursor.execute("SELECT count(*) FROM approvals_post")
        total = cursor.fetchone()[0]

    results: dict = {
        "posts": total,
        "generated_in_s": round(generated_s, 1),
        "indexes_built_in_s": indexed,
        "sizes": _sizes(),
        "runs_per_query": runs,
        "queries": [],
    }
    for label, query in QUERIES:
        row = {"query": label, "text": query}
        for who, user in (("reviewer", reviewer), ("senior", senior)):
            user = type(user).objects.get(pk=user.pk)  # fresh caches, as in a request
            found = len(list(post_search(user=user, query=query)[:26]))  # warm up
            timings = []
            for _run in range(runs):
                user = type(user).objects.get(pk=user.pk)
                t0 = time.perf_counter()
                list(post_search(user=user, query=query)[:26])
                timings.append((time.perf_counter() - t0) * 1000)
            row[who] = {**_percentiles(timings), "first_page_rows": min(found, 25)}
        results["queries"].append(row)

    client = TwoFactorClient(SERVER_NAME="localhost")
    client.force_login(senior)
    page_timings = []
    for i in range(runs * len(QUERIES)):
        query = QUERIES[i % len(QUERIES)][1]
        t0 = time.perf_counter()
        response = client.get("/search/", {"q": query})
        page_timings.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, response.status_code
    results["page_senior_all_queries"] = _percentiles(page_timings)
    every = [
        t
        for row in results["queries"]
        for who in ("reviewer", "senior")
        for t in [row[who]["p95_ms"]]
    ]
    results["worst_query_p95_ms"] = max(every)
    results["target"] = "search p95 <= 200 ms (issue 11, at 10,000,000 posts)"
    return results


def main() -> None:
    os.environ.setdefault("AUDIT_CHAIN_KEY", "bench-audit-key")
    from bench.run import on_scratch_database

    on_scratch_database("imprimatur_search_bench")
    results = run(
        posts=int(os.environ.get("BENCH_SEARCH_POSTS", 200_000)),
        runs=int(os.environ.get("BENCH_SEARCH_RUNS", 30)),
    )
    out = json.dumps(results, indent=2, ensure_ascii=False)
    (ROOT / "bench" / "search.json").write_text(out + "\n")
    print(out)


if __name__ == "__main__":
    main()
