"""Data generated in SQL, shared by the benchmarks and `manage.py seed_load`.

The vocabularies and the word generator make news-like Chinese and English text (the search
benchmark uses them one post at a time); `seed` builds a whole realistic data set (accounts,
desks, reviewers, posts in every state, revisions, decisions, a chained audit trail) in
batches, with INSERT … SELECT over generate_series and a fixed seed, so two runs of the same
size make the same rows.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

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

TEXT_PARAMS = {
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


def word_sql(lang: str, x: str) -> str:
    """SQL for one word of a story in `lang`, `x` a random number: a word of the post's topic
    `g.t` (35 %), a place name (20 %), or a generic word. Parameters: TEXT_PARAMS."""
    words, filler, a, b = (f"%({lang}{part})s::text[]" for part in ("", "_filler", "_a", "_b"))

    def pick(array: str) -> str:
        return f"({array})[1 + floor(random() * array_length({array}, 1))::int]"

    topic = f"({words})[g.t * 8 + 1 + floor(random() * 8)::int]"
    return (
        f"CASE WHEN {x} < 0.35 THEN {topic} WHEN {x} < 0.55 THEN {pick(a)} || {pick(b)} "
        f"ELSE {pick(filler)} END"
    )


def text_sql() -> str:
    """A LATERAL subquery giving `title` and `body` of one story, from `g.n` (a number), `g.zh`
    (Chinese or English) and `g.t` (a topic): Chinese words run together with full-width
    punctuation, as Chinese is written; English titles in title case."""
    zh_title, en_title = (
        word_sql("zh", "0.3 + (i %% 3) * 0.1"),
        word_sql("en", "0.3 + (i %% 3) * 0.1"),
    )
    zh_word, en_word = word_sql("zh", "r.x"), word_sql("en", "r.x")
    return f"""
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
                  FROM (SELECT random() AS x FROM generate_series(1, 40 + g.n %% 120)) AS r)
              ELSE (
                  SELECT string_agg({en_word} || CASE WHEN random() < 0.08 THEN '.' ELSE '' END,
                                    ' ')
                  FROM (SELECT random() AS x FROM generate_series(1, 40 + g.n %% 110)) AS r)
              END AS body
        ) AS t"""  # SQL fragments of this module, never input


# --- the load data set ---------------------------------------------------------------------

DESKS = [
    ("General", "综合", 24),
    ("City", "城市", 12),
    ("Transport", "交通", 12),
    ("Weather and disasters", "天气与灾害", 4),
    ("Health", "卫生健康", 24),
    ("Economy", "经济", 24),
    ("Markets", "市场", 8),
    ("Courts and police", "法院与警务", 24),
    ("Politics", "时政", 12),
    ("International", "国际", 24),
    ("Education", "教育", 48),
    ("Housing", "住房", 48),
    ("Environment", "环境", 48),
    ("Technology", "科技", 48),
    ("Sport", "体育", 24),
    ("Culture", "文化", 72),
    ("Tourism", "旅游", 72),
    ("Labour", "劳动就业", 48),
    ("Agriculture", "农业", 72),
    ("Community", "社区", 72),
]

# Share of decided posts in each final state (the rest of a post's life is chosen by its age).
FINAL_STATES = [  # (state, cumulative share)
    ("approved", 0.80),
    ("cleared", 0.88),  # category "other", not flagged
    ("rejected", 0.95),
    ("changes_requested", 0.96),  # sent back; the author never resubmitted
    ("withdrawn", 0.975),
    ("draft", 0.99),  # written, never submitted
    ("revoked", 0.993),
    ("appealed", 0.9935),  # only kept for recent posts (appeal window), rejected otherwise
]


@dataclass
class LoadPlan:
    posts: int = 10_000_000
    accounts: int = 500_000
    desks: int = 20
    reviewers: int = 200  # each on 2-3 desks
    seniors: int = 12  # on every desk
    years: float = 3.0  # posts spread over this many years, steady rate
    batch: int = 250_000
    audit_days: float = 30.0  # posts newer than this get revisions and audit history
    seed: float = 0.42
    stats: dict = field(default_factory=dict)

    @property
    def span_hours(self) -> float:
        """The posts' time span: `years` at full size, shorter for a smaller set (at least ten
        days), so posts arrive at the same rate and as many wait per desk at any size."""
        return max(self.years * 365 * 24 * min(1.0, self.posts / 10_000_000), 240.0)


def _noop(message: str) -> None:
    pass


def seed(plan: LoadPlan, say: Callable[[str], None] = _noop, *, rebuild_indexes: bool = True):
    """Fill an empty database (migrated, no posts) with `plan`'s data set. Returns timings."""
    from django.db import connection

    took: dict[str, float] = {}

    def step(name: str):
        class _Step:
            def __enter__(self):
                self.t0 = time.perf_counter()
                say(f"{name} …")

            def __exit__(self, *exc):
                took[name] = round(time.perf_counter() - self.t0, 1)
                if exc[0] is None:
                    say(f"{name}: {took[name]} s")

        return _Step()

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM approvals_post")
        if cursor.fetchone()[0]:
            raise ValueError("seed_load fills a database without posts; this one has some.")
        # This session only: no wait for the WAL flush, room for sorts and index builds, one
        # parallel worker at most (the machine is shared), and no per-row foreign-key
        # triggers during the bulk load (every generated key points at a row made first).
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute("SET work_mem = '64MB'")
        cursor.execute("SET max_parallel_maintenance_workers = 1")
        cursor.execute("SET max_parallel_workers_per_gather = 1")

    with step("desks"):
        desk_ids = _desks(plan)
    with step("accounts"):
        first_account = _accounts(plan, say)
    with step("reviewers"):
        reviewers = _reviewers(plan, desk_ids)
    with step("text pool"):
        pool = _text_pool(plan)
    dropped = []
    if rebuild_indexes:
        with step("drop post indexes"):
            dropped = _drop_indexes("approvals_post")
    with step("posts"):
        base = _posts(plan, desk_ids, first_account, pool, say)
    with step("revisions"):
        _revisions(plan, base, pool)
    with step("audit trail"):
        entries = _audit(plan, say)
    # B-tree indexes first, then statistics: the queue and "my posts" are ready to measure;
    # the search indexes (GIN: trigrams, CJK grams) take longest and come last.
    search = [(n, d) for n, d in dropped if " USING gin " in d]
    for name, definition in [x for x in dropped if x not in search]:
        with step(f"index {name}"), connection.cursor() as cursor:
            cursor.execute(definition)
    with step("analyze"), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS seed_text")
        for table in (
            "approvals_post",
            "approvals_revision",
            "approvals_auditentry",
            "accounts_user",
            "accounts_identity",
            "accounts_user_groups",
            "approvals_deskuserobjectpermission",
        ):
            # VACUUM too: the visibility map lets counts read an index alone.
            cursor.execute(f"VACUUM ANALYZE {table}")
    say("ready: queue and my posts (search indexes follow)")
    for name, definition in search:
        with step(f"search index {name}"), connection.cursor() as cursor:
            cursor.execute(definition)
    if search:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE approvals_post")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        size = cursor.fetchone()[0]
    plan.stats = {
        "seconds": took,
        "total_s": round(sum(took.values()), 1),
        "database_bytes": size,
        "reviewers": len(reviewers),
        "audit_entries": entries,
    }
    return plan.stats


def _desks(plan: LoadPlan) -> list[int]:
    from approvals.models import Desk

    ids = []
    for i in range(plan.desks):
        name, zh, hours = DESKS[i % len(DESKS)]
        if i >= len(DESKS):
            name, zh = f"{name} {i // len(DESKS) + 1}", f"{zh}{i // len(DESKS) + 1}"
        slug = "general" if i == 0 else f"load-{i}"
        desk, _ = Desk.objects.get_or_create(
            slug=slug, defaults={"name": name, "name_zh_hans": zh, "target_hours": hours}
        )
        ids.append(desk.pk)
    return ids


def _accounts(plan: LoadPlan, say) -> int:
    """Authors `load-1` … `load-N`: individuals, organisations and public figures, half with
    Chinese names; 93 % verified, all in the author group. Returns the first one's id."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM accounts_user")
        base = cursor.fetchone()[0] + 1000
        cursor.execute("SELECT id FROM auth_group WHERE name = 'author'")
        author_group = cursor.fetchone()[0]
        step = 100_000
        # No row triggers (this session): foreign keys hold by construction, and pghistory's
        # insert events for the identities are left out of the load (see the module doc).
        cursor.execute("SET session_replication_role = replica")
        for start in range(1, plan.accounts + 1, step):
            stop = min(plan.accounts, start + step - 1)
            params = {"base": base, "start": start, "stop": stop, "seed": plan.seed}
            cursor.execute("SELECT setseed(%(seed)s / 2 + %(start)s / 1e9)", params)
            cursor.execute(
                """
                INSERT INTO accounts_user (id, password, is_superuser, username, first_name,
                    last_name, email, is_staff, is_active, date_joined, account_type,
                    display_name, always_review, time_zone, email_verified_at, language,
                    queue_alert_hours)
                SELECT %(base)s + n, '!', false, 'load-' || n, '', '',
                       'load-' || n || '@example.org', false, true,
                       now() - make_interval(days => (1200 * random())::int),
                       CASE WHEN random() < 0.85 THEN 'individual'
                            WHEN random() < 0.8 THEN 'organisation' ELSE 'public_figure' END,
                       CASE WHEN n %% 2 = 0
                            THEN (%(zh_a)s::text[])[1 + n %% cardinality(%(zh_a)s::text[])]
                                 || (%(zh_b)s::text[])[1 + n / 40 %% cardinality(%(zh_b)s::text[])]
                                 || '记者' || n
                            ELSE (%(en_a)s::text[])[1 + n %% cardinality(%(en_a)s::text[])]
                                 || (%(en_b)s::text[])[1 + n / 40 %% cardinality(%(en_b)s::text[])]
                                 || ' Reporter ' || n END,
                       random() < 0.001, '', now(),
                       CASE WHEN n %% 2 = 0 THEN 'zh-hans' ELSE 'en' END, 0
                FROM generate_series(%(start)s, %(stop)s) AS n
                """,
                {**params, **TEXT_PARAMS},
            )
            cursor.execute(
                """
                INSERT INTO accounts_identity (user_id, state, legal_name, registration_number,
                    document_type, issuing_country, document_hash, document_last4,
                    submitted_at, decided_at, decision_note)
                SELECT id, CASE WHEN random() < 0.93 THEN 'verified'
                                WHEN random() < 0.5 THEN 'pending' ELSE 'rejected' END,
                       display_name, '', 'passport',
                       CASE WHEN language = 'en' THEN 'GB' ELSE 'CN' END,
                       md5(username), lpad((id %% 10000)::text, 4, '0'),
                       date_joined, date_joined + interval '1 day', ''
                FROM accounts_user WHERE id BETWEEN %(base)s + %(start)s AND %(base)s + %(stop)s
                """,
                params,
            )
            cursor.execute(
                """
                INSERT INTO accounts_user_groups (user_id, group_id)
                SELECT %(base)s + n, %(group)s FROM generate_series(%(start)s, %(stop)s) AS n
                """,
                {**params, "group": author_group},
            )
            say(f"  accounts {stop:,}/{plan.accounts:,}")
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('accounts_user', 'id'), max(id))"
            " FROM accounts_user"
        )
    return base + 1


def _reviewers(plan: LoadPlan, desk_ids: list[int]) -> list[int]:
    """Reviewers `load-reviewer-K` on 2-3 desks each (django-guardian's `review_desk` on each
    desk, as services.desk_assign_reviewer gives it), seniors `load-senior-K` on every desk."""
    from django.contrib.auth.models import Group
    from guardian.shortcuts import assign_perm

    from accounts.models import Role, User

    reviewer_group = Group.objects.get(name=Role.REVIEWER)
    senior_group = Group.objects.get(name=Role.SENIOR_REVIEWER)
    ids = []
    for k in range(plan.reviewers + plan.seniors):
        senior = k >= plan.reviewers
        username = f"load-senior-{k}" if senior else f"load-reviewer-{k}"
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "display_name": f"审核员{k}" if k % 2 else f"Reviewer {k}",
                "email": f"{username}@example.org",
                "is_staff": True,
                "language": "zh-hans" if k % 2 else "en",
            },
        )
        ids.append(user.pk)
        if not created:
            continue
        user.set_unusable_password()
        user.save(update_fields=["password"])
        user.groups.add(reviewer_group, *([senior_group] if senior else []))
        n = len(desk_ids)
        served = (
            set(desk_ids)
            if senior
            else {desk_ids[k % n], desk_ids[(k * 7 + 3) % n]}
            | ({desk_ids[(k * 11 + 5) % n]} if k % 3 == 0 else set())
        )
        for desk_id in sorted(served):
            assign_perm("approvals.review_desk", user, _desk(desk_id))
    return ids


def _desk(pk: int):
    from approvals.models import Desk

    return Desk.objects.get(pk=pk)


POOL = 40_000


def _text_pool(plan: LoadPlan) -> int:
    """POOL stories (60 % Chinese), with their content hash as Revision stores it; posts take
    their title and body from here, which is far cheaper than writing 10 M stories."""
    from django.db import connection

    size = min(POOL, max(1000, plan.posts // 4))
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS seed_text")
        cursor.execute("SELECT setseed(%s)", [plan.seed])
        cursor.execute(
            f"""
            CREATE UNLOGGED TABLE seed_text AS
            SELECT g.n - 1 AS i, g.zh, left(t.title, 200) AS title, t.body
            FROM (SELECT n, random() < 0.6 AS zh, floor(random() * %(topics)s)::int AS t
                  FROM generate_series(1, %(size)s) AS n) AS g,
            {text_sql()}
            """,
            {**TEXT_PARAMS, "size": size},
        )
        cursor.execute(
            """
            ALTER TABLE seed_text ADD COLUMN hash text;
            UPDATE seed_text SET hash = encode(sha256(convert_to(
                '{"body":' || to_json(body)::text || ',"title":' || to_json(title)::text || '}',
                'UTF8')), 'hex');
            ALTER TABLE seed_text ADD PRIMARY KEY (i);
            ANALYZE seed_text;
            """
        )
    return size


def _drop_indexes(table: str) -> list[tuple[str, str]]:
    """Drop the table's secondary indexes (not the primary key nor those behind a constraint);
    returns their definitions, to build them again after the load."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            ORDER BY 1
            """,
            [table],
        )
        found = cursor.fetchall()
        for name, _definition in found:
            cursor.execute(f'DROP INDEX "{name}"')
    return found


def _posts(plan: LoadPlan, desk_ids, first_account: int, pool: int, say) -> int:
    """Posts 1 … N at a steady rate over `years`, newest last. A post's life depends on its
    age: recent ones still wait (most within their desk's target time, some overdue, some
    claimed, some resubmitted after changes were requested, some flagged by screening as news
    though declared "other"); older ones are decided in FINAL_STATES proportions; appeals only
    within the last two weeks. Authors: a long tail (the busiest wrote thousands). Desks: some
    far busier than others. Reviewers decide only on desks they serve."""
    from django.conf import settings
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM approvals_post")
        base = cursor.fetchone()[0]
        cursor.execute("SELECT id FROM approvals_reasoncode WHERE is_violation ORDER BY id")
        violations = [r[0] for r in cursor.fetchall()]
        cursor.execute("SELECT id FROM approvals_reasoncode ORDER BY id")
        reasons = [r[0] for r in cursor.fetchall()]
        # Reviewers of each desk, as an array per desk position (guardian's rows).
        cursor.execute(
            """
            CREATE TEMP TABLE seed_desk AS
            SELECT d0.pos - 1 AS pos, d0.id, d1.target_hours,
                   array_agg(p.user_id ORDER BY p.user_id) AS reviewers
            FROM unnest(%s::bigint[]) WITH ORDINALITY AS d0(id, pos)
            JOIN approvals_desk d1 ON d1.id = d0.id
            JOIN approvals_deskuserobjectpermission p ON p.content_object_id = d0.id
            JOIN auth_permission perm ON perm.id = p.permission_id AND perm.codename = 'review_desk'
            GROUP BY d0.pos, d0.id, d1.target_hours
            """,
            [desk_ids],
        )
        cursor.execute("SET session_replication_role = replica")  # no FK triggers, this session
        try:
            for start in range(1, plan.posts + 1, plan.batch):
                stop = min(plan.posts, start + plan.batch - 1)
                t0 = time.perf_counter()
                cursor.execute("SELECT setseed(%s)", [(plan.seed + start / plan.posts) % 1])
                cursor.execute(
                    _POSTS_SQL,
                    {
                        "base": base,
                        "start": start,
                        "stop": stop,
                        "posts": plan.posts,
                        "span": plan.span_hours,
                        "accounts": plan.accounts,
                        "first_account": first_account,
                        "desks": len(desk_ids),
                        "pool": pool,
                        "violations": violations,
                        "reasons": reasons,
                        "zh_notes": ZH_NOTES,
                        "en_notes": EN_NOTES,
                        "hours_per_point": settings.QUEUE_SCREENING_HOURS_PER_POINT,
                        "max_points": settings.QUEUE_SCREENING_MAX_POINTS,
                    },
                )
                say(
                    f"  posts {stop:,}/{plan.posts:,} "
                    f"({(stop - start + 1) / (time.perf_counter() - t0):,.0f}/s)"
                )
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('approvals_post', 'id'), max(id))"
            " FROM approvals_post"
        )
        cursor.execute("DROP TABLE seed_desk")
    return base  # post n has id base + n


# g: per post n its random draws; a: its age in hours and life (state, category, desk…).
_POSTS_SQL = """
INSERT INTO approvals_post (id, author_id, desk_id, title, body, category, state,
    claimed_by_id, claimed_at, decided_by_id, decided_at, reason_code_id, decision_note,
    appealed_at, appeal_statement, screening_score, screening_matches, submitted_at,
    created_at, updated_at, external_id, due_at, priority_at, appealed_from, revoked_at,
    revoked_by_id)
SELECT %(base)s + a.n, a.author, d.id, s.title, s.body, a.category, a.state,
       CASE WHEN a.state = 'under_review' THEN d.reviewers[1 + a.n %% cardinality(d.reviewers)] END,
       CASE WHEN a.state = 'under_review' THEN a.submitted + (now() - a.submitted) * a.u6 END,
       CASE WHEN a.decided THEN d.reviewers[1 + (a.n / 7) %% cardinality(d.reviewers)] END,
       CASE WHEN a.decided
            THEN a.submitted + make_interval(secs => 3600 * d.target_hours * a.u6 * 1.3) END,
       CASE WHEN a.state IN ('rejected', 'appealed')
                 THEN (%(violations)s::bigint[])[1 + a.n %% cardinality(%(violations)s::bigint[])]
            WHEN a.state = 'revoked'
                 THEN (%(reasons)s::bigint[])[1 + a.n %% cardinality(%(reasons)s::bigint[])] END,
       CASE WHEN a.state IN ('rejected', 'appealed', 'changes_requested', 'revoked')
                 OR (a.resubmitted AND a.state IN ('submitted', 'under_review'))
            THEN CASE WHEN s.zh THEN (%(zh_notes)s::text[])[1 + a.n %% 4]
                      ELSE (%(en_notes)s::text[])[1 + a.n %% 4] END
            ELSE '' END,
       CASE WHEN a.state = 'appealed'
            THEN a.submitted + make_interval(secs => 3600 * (d.target_hours + 24 * a.u6)) END,
       CASE WHEN a.state = 'appealed'
            THEN CASE WHEN s.zh THEN '该稿件消息来源可靠，请重新审核。'
                      ELSE 'The source is the police statement; please look again.' END
            ELSE '' END,
       CASE WHEN a.flagged THEN round((0.6 + 0.4 * a.u6)::numeric, 2)
            WHEN a.category = 'other' THEN round((0.3 * a.u6)::numeric, 2) END,
       CASE WHEN a.flagged THEN jsonb_build_array(jsonb_build_object(
                'term', CASE WHEN s.zh THEN '新闻发布会' ELSE 'press conference' END,
                'kind', 'term', 'language', CASE WHEN s.zh THEN 'zh' ELSE 'en' END,
                'weight', 0.6, 'title', '[]'::jsonb, 'body', '[]'::jsonb))
            ELSE '[]'::jsonb END,
       CASE WHEN a.state NOT IN ('draft') THEN a.submitted END,
       a.created, greatest(a.created, a.submitted), '',
       -- the deadline and the place in the queue, fixed on submission (approvals.priority)
       CASE WHEN a.state <> 'draft' THEN a.submitted + make_interval(hours => d.target_hours) END,
       CASE WHEN a.state <> 'draft'
            THEN a.submitted + make_interval(hours => d.target_hours)
                 - make_interval(secs => 3600 * %(hours_per_point)s * least(
                     greatest(coalesce(CASE WHEN a.flagged THEN 0.6 + 0.4 * a.u6
                                            WHEN a.category = 'other' THEN 0.3 * a.u6 END, 0),
                              0), %(max_points)s)) END,
       -- an appeal contests a rejection; a takedown is dated and signed
       CASE WHEN a.state = 'appealed' THEN 'rejected' ELSE '' END,
       CASE WHEN a.state = 'revoked'
            THEN a.submitted + make_interval(secs => 3600 * (d.target_hours + 48 * a.u6)) END,
       CASE WHEN a.state = 'revoked' THEN d.reviewers[1 + (a.n / 7) %% cardinality(d.reviewers)] END
FROM (
    SELECT g.*, life.*,
           life.state NOT IN ('draft', 'submitted', 'under_review', 'withdrawn', 'cleared')
               AS decided,
           g.created + make_interval(secs => 60 + 3000 * g.u5 * (1 + g.u5)
                                             + CASE WHEN life.resubmitted THEN 4 * 3600 ELSE 0 END)
               AS submitted
    FROM (
        SELECT n, u1, u2, u3, u4, u5, u6,
               %(first_account)s + floor(%(accounts)s * u1 * u1)::bigint AS author,
               floor(%(desks)s * power(u2, 1.6))::int AS desk_pos,
               (%(posts)s - n) * %(span)s / %(posts)s AS age,
               now() - make_interval(secs => ((%(posts)s - n) * %(span)s / %(posts)s) * 3600
                                             + 3600 * u6) AS created
        FROM (SELECT n, random() AS u1, random() AS u2, random() AS u3, random() AS u4,
                     random() AS u5, random() AS u6
              FROM generate_series(%(start)s::bigint, %(stop)s) AS n) AS r
    ) AS g
    CROSS JOIN LATERAL (
        SELECT w.state,
               CASE WHEN w.state = 'cleared' OR (w.flagged) THEN 'other'
                    WHEN g.u4 < 0.8 THEN 'news' ELSE 'current_affairs' END AS category,
               w.flagged,
               w.state IN ('submitted', 'under_review') AND g.u5 < 0.12 AS resubmitted
        FROM (
            SELECT CASE
                -- still waiting: most posts of the last hours, a few overdue ones of the last days
                WHEN g.age < 6 AND g.u3 < 0.70 OR g.age < 24 AND g.u3 < 0.25
                     OR g.age < 72 AND g.u3 < 0.03
                     THEN CASE WHEN g.u4 < 0.12 THEN 'under_review' ELSE 'submitted' END
                WHEN g.u3 < 0.80 THEN 'approved'
                WHEN g.u3 < 0.88 THEN CASE WHEN g.u4 > 0.93 THEN 'approved' ELSE 'cleared' END
                WHEN g.u3 < 0.95 THEN 'rejected'
                WHEN g.u3 < 0.96 THEN 'changes_requested'
                WHEN g.u3 < 0.975 THEN 'withdrawn'
                WHEN g.u3 < 0.99 THEN 'draft'
                WHEN g.u3 < 0.993 THEN 'revoked'
                WHEN g.age < 14 * 24 THEN 'appealed'
                ELSE 'rejected' END AS state,
                g.u4 > 0.93 AS flagged
        ) AS w
    ) AS life
) AS a
JOIN seed_desk d ON d.pos = a.desk_pos
JOIN seed_text s ON s.i = (a.n * 7919) %% %(pool)s
"""


def _revisions(plan: LoadPlan, base: int, pool: int) -> None:
    """Posts newer than `audit_days` (and every post still waiting) have their revisions:
    one, or two when they were sent back and resubmitted; current_revision points at the last.
    Older decided posts predate revision keeping in this data set (current_revision empty)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            CREATE TEMP TABLE seed_recent AS
            SELECT p.id, p.submitted_at, p.created_at, s.title, s.body, s.hash,
                   p.decision_note <> '' AND p.state IN ('submitted', 'under_review') AS twice
            FROM approvals_post p
            JOIN seed_text s ON s.i = ((p.id - %(base)s) * 7919) %% %(pool)s
            WHERE p.id > %(base)s AND p.state <> 'draft'
              AND (p.created_at > now() - make_interval(days => %(days)s)
                   OR p.state IN ('submitted', 'under_review', 'appealed'))
            """,
            {"base": base, "pool": pool, "days": int(plan.audit_days)},
        )
        cursor.execute(
            """
            INSERT INTO approvals_revision (post_id, number, title, body, content_hash,
                content_hash_algorithm, created_at, author_note)
            SELECT r.id, k, r.title, r.body, r.hash, 'sha256-jcs-v1',
                   CASE WHEN k = 1 THEN r.created_at ELSE r.submitted_at END, ''
            FROM seed_recent r
            CROSS JOIN LATERAL generate_series(1, CASE WHEN r.twice THEN 2 ELSE 1 END) AS k
            ORDER BY r.id, k
            """
        )
        cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute(
                """
                UPDATE approvals_post p SET current_revision_id = v.id
                FROM (SELECT DISTINCT ON (post_id) post_id, id FROM approvals_revision
                      ORDER BY post_id, number DESC) AS v
                WHERE v.post_id = p.id
                """
            )
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("DROP TABLE seed_recent")


def _audit(plan: LoadPlan, say) -> int:
    """The history of the posts that have revisions, appended to the audit chain as
    approvals.audit chains entries (HMAC under AUDIT_CHAIN_KEY, seq without gaps, the head
    moved to the last one), written with COPY in seq order. Insert only: the append-only
    triggers refuse UPDATE and DELETE, which this never does. `audit_verify` passes."""
    from django.db import connection, transaction

    from approvals.audit import chain_hash
    from approvals.models import AuditChainHead

    columns = (
        "seq", "created_at", "action", "actor_id", "post_id", "account_id", "from_state",
        "to_state", "reason_code_id", "note", "revision_id", "data", "prev_hash", "hash",
    )  # fmt: skip
    rows_sql = """
        SELECT p.id, p.author_id, p.state, p.created_at, p.submitted_at, p.claimed_by_id,
               p.claimed_at, p.decided_by_id, p.decided_at, p.reason_code_id, p.decision_note,
               p.appealed_at, p.appeal_statement,
               array_agg(v.id ORDER BY v.number), array_agg(v.created_at ORDER BY v.number)
        FROM approvals_post p JOIN approvals_revision v ON v.post_id = p.id
        GROUP BY p.id ORDER BY p.id
    """
    count = 0
    with transaction.atomic():
        head = AuditChainHead.objects.select_for_update().get(pk=1)
        seq, prev = head.seq, head.hash
        buffer = io.StringIO()
        events: list[tuple] = []

        def flush():
            nonlocal buffer
            buffer.seek(0)
            with (
                connection.cursor() as cursor,
                cursor.copy(f"COPY approvals_auditentry ({', '.join(columns)}) FROM STDIN") as copy,
            ):
                copy.write(buffer.getvalue())
            buffer = io.StringIO()

        with connection.cursor() as reader:
            reader.execute(rows_sql)
            while rows := reader.fetchmany(20_000):
                events.clear()
                for row in rows:
                    events.extend(_history(row))
                events.sort(key=lambda e: (e["created_at"], e["post_id"]))  # within a chunk
                for entry in events:
                    seq += 1
                    entry["seq"] = seq
                    entry["prev_hash"] = prev
                    entry["hash"] = prev = chain_hash(prev, entry)
                    buffer.write("\t".join(_copy_value(entry[c]) for c in columns) + "\n")
                count += len(events)
                if buffer.tell() > 32 * 1024 * 1024:
                    flush()
                    say(f"  audit entries {count:,}")
        flush()
        AuditChainHead.objects.filter(pk=1).update(seq=seq, hash=prev)
    return count


VERBS = {"approved": "approve", "rejected": "reject", "changes_requested": "request_changes"}


def _history(row) -> list[dict]:
    """The audit entries of one seeded post's life, as the services would have written them
    (create, submit, [request changes, resubmit], claim, decision, [revoke | appeal])."""
    (post, author, state, created, submitted, claimer, claimed_at, decider, decided_at,
     reason, note, appealed_at, statement, revisions, revised_at) = row  # fmt: skip

    def entry(action, actor, at, from_state, to_state, revision, **extra):
        return {
            "created_at": at,
            "action": action,
            "actor_id": actor,
            "post_id": post,
            "account_id": None,
            "from_state": from_state,
            "to_state": to_state,
            "reason_code_id": extra.get("reason"),
            "note": extra.get("note", ""),
            "revision_id": revision,
            "data": {},
        }

    first, last = revisions[0], revisions[-1]
    out = [entry("post.create", author, created, "draft", "draft", first)]
    if len(revisions) > 1:  # submitted, sent back, resubmitted
        out.append(entry("post.submit", author, revised_at[0], "draft", "submitted", first))
        out.append(
            entry("post.request_changes", decider or claimer or author, revised_at[0],
                  "under_review", "changes_requested", first, note=note)
        )  # fmt: skip
        out.append(
            entry("post.resubmit", author, submitted, "changes_requested", "submitted", last)
        )
    elif state == "cleared":
        out.append(entry("post.submit", author, submitted, "draft", "cleared", last))
        return out
    else:
        out.append(entry("post.submit", author, submitted, "draft", "submitted", last))
    if state == "withdrawn":
        out.append(entry("post.withdraw", author, submitted, "submitted", "withdrawn", last))
    if state == "under_review":
        out.append(entry("post.claim", claimer, claimed_at, "submitted", "under_review", last))
    if decider is not None:
        out.append(entry("post.claim", decider, decided_at, "submitted", "under_review", last))
        final = {"appealed": "rejected", "revoked": "approved"}.get(state, state)
        out.append(
            entry(
                f"post.{VERBS.get(final, final)}",
                decider,
                decided_at,
                "under_review",
                final,
                last,
                reason=reason if final == "rejected" else None,
                note=note if final != "approved" else "",
            )
        )
        if state == "revoked":  # taken down later by a senior reviewer
            out.append(
                entry(
                    "post.revoke",
                    decider,
                    decided_at,
                    "approved",
                    "revoked",
                    last,
                    reason=reason,
                    note=note,
                )
            )
        if state == "appealed":
            out.append(
                entry(
                    "post.appeal", author, appealed_at, "rejected", "appealed", last, note=statement
                )
            )
    return out


def _copy_value(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, dict):
        value = json.dumps(value)
    elif hasattr(value, "isoformat"):
        value = value.isoformat()
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def build_search_indexes(say: Callable[[str], None] = _noop) -> dict[str, float]:
    """Build the search indexes that are missing, as migrations 0014 (trigrams) and 0016 (CJK
    grams) build them (CONCURRENTLY IF NOT EXISTS: the table stays writable); for a seeded
    database whose load stopped before its GIN indexes were done. Seconds per migration."""
    import importlib

    from django.db import connection

    took = {}
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
    modules = [
        importlib.import_module(f"approvals.migrations.{name}")
        for name in ("0014_search", "0016_search_bigrams")
    ]
    # An index left INVALID by an interrupted CONCURRENTLY build would satisfy IF NOT EXISTS.
    names = [name for module in modules for name in module.INDEXES]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE NOT i.indisvalid AND c.relname = ANY(%s)",
            [names],
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"')
    for migration in modules:
        label = migration.__name__.rsplit(".", 1)[-1]
        say(f"search indexes of {label} …")
        t0 = time.perf_counter()
        with connection.schema_editor(atomic=False) as editor:
            migration.create_indexes(None, editor)
        took[label] = round(time.perf_counter() - t0, 1)
        say(f"search indexes of {label}: {took[label]} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE approvals_post")
    return took
