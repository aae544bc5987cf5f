"""The watched terms and news sources a new installation starts with (a data migration and
`ensure_reference_data` write them; operators tune them in the admin).

Weights: 1.0 for words that on their own mark news or current affairs; 0.5 for words that
are news in most posts but also everyday ("police", "election", "war", "coup"), so that two
of them, or one with a stronger word, are needed. A few negative weights mark an everyday
first-person voice ("my", "我家"); together they take off at most SCREENING_MAX_DISCOUNT.
"""

STRONG, WEAK = 1.0, 0.5

ENGLISH_TERMS: list[tuple[str, float]] = [
    # politics and government
    ("government", WEAK), ("minister", WEAK), ("ministry", STRONG), ("parliament", STRONG),
    ("lawmaker", STRONG), ("legislature", STRONG), ("senator", STRONG), ("congress", WEAK),
    ("president", WEAK), ("presidential", STRONG), ("prime minister", STRONG),
    ("opposition", WEAK), ("ruling party", STRONG), ("cabinet", WEAK), ("candidate", WEAK),
    ("election", WEAK), ("ballot", WEAK), ("vote", WEAK), ("referendum", STRONG),
    ("polling station", STRONG), ("impeachment", STRONG), ("resign", WEAK),
    ("coup", WEAK), ("regime", STRONG), ("official", WEAK), ("spokesperson", STRONG),
    ("spokesman", STRONG), ("authorities", WEAK), ("federal", WEAK), ("policy", WEAK),
    ("diplomat", STRONG), ("embassy", STRONG), ("ambassador", STRONG), ("summit", WEAK),
    ("sanctions", WEAK), ("embargo", STRONG), ("treaty", STRONG), ("tariff", STRONG),
    ("foreign minister", STRONG), ("state media", STRONG), ("censorship", STRONG),
    ("security council", STRONG), ("resolution", WEAK), ("delegation", STRONG),
    ("peace talks", STRONG), ("humanitarian", STRONG), ("agency", WEAK), ("capital", WEAK),
    # conflict and security
    ("war", WEAK), ("military", STRONG), ("troops", STRONG),
    ("soldier", WEAK), ("army", WEAK), ("navy", WEAK), ("warship", STRONG),
    ("coast guard", STRONG), ("fighter jets", STRONG), ("airspace", STRONG),
    ("airstrike", STRONG), ("missile", STRONG), ("ceasefire", WEAK), ("invasion", WEAK),
    ("invade", WEAK), ("insurgent", STRONG), ("militant", STRONG), ("drills", WEAK),
    ("disputed", WEAK), ("contested", WEAK), ("rebel", WEAK), ("hostage", STRONG),
    ("terrorist", STRONG), ("terrorism", STRONG), ("explosion", WEAK),
    ("bomb", WEAK), ("car bomb", STRONG), ("gunman", STRONG), ("refugee", STRONG), ("border", WEAK),
    ("martial law", STRONG), ("curfew", STRONG), ("sabotage", WEAK),
    # law and order
    ("police", WEAK), ("arrest", WEAK), ("detain", STRONG), ("court", WEAK),
    ("verdict", STRONG), ("sentenced to", STRONG), ("prosecutor", STRONG),
    ("indictment", STRONG), ("trial", WEAK), ("corruption", STRONG), ("bribery", STRONG),
    ("scandal", WEAK), ("investigation", WEAK), ("protest", WEAK),
    ("demonstrator", STRONG), ("riot", WEAK), ("strike", WEAK),
    ("walked out", WEAK), ("unions", WEAK), ("workers", WEAK), ("picket", STRONG),
    ("crackdown", STRONG),
    # disasters, accidents and health
    ("earthquake", WEAK), ("flood", WEAK), ("evacuate", STRONG),
    ("death toll", STRONG), ("casualties", STRONG), ("killed", WEAK), ("dead", WEAK),
    ("at least", WEAK), ("wildfire", STRONG), ("hurricane", STRONG), ("cyclone", STRONG),
    ("typhoon", STRONG), ("tsunami", STRONG), ("landslide", STRONG), ("derail", STRONG),
    ("disaster", WEAK), ("homeless", WEAK), ("outbreak", STRONG), ("epidemic", STRONG),
    ("pandemic", STRONG), ("quarantine", WEAK), ("emergency", WEAK), ("residents", WEAK),
    ("hospitals", WEAK),
    # economy and markets
    ("inflation", STRONG), ("recession", STRONG), ("central bank", STRONG),
    ("interest rate", STRONG), ("stock market", STRONG), ("shares", WEAK), ("index", WEAK),
    ("benchmark", WEAK), ("financial crisis", STRONG), ("depositors", STRONG),
    ("gdp", STRONG), ("unemployment", STRONG), ("budget", WEAK), ("default", WEAK),
    ("currency", WEAK), ("crude", WEAK), ("bond", WEAK), ("exports", WEAK), ("billions", WEAK),
    ("percent", WEAK),
    # regulators, courts, accidents, infrastructure, technology
    ("regulator", STRONG), ("watchdog", WEAK), ("recall", WEAK), ("lawsuit", WEAK),
    ("ruling", WEAK), ("judge", WEAK), ("appeal court", STRONG), ("fined", WEAK),
    ("injunction", STRONG), ("antitrust", STRONG), ("crash landing", STRONG),
    ("emergency landing", STRONG), ("aviation", WEAK), ("airline", WEAK), ("grounded", WEAK),
    ("miners", WEAK), ("coal mine", STRONG), ("collapse", WEAK), ("bridge", WEAK),
    ("rescuers", STRONG),
    ("survivors", STRONG), ("injured", WEAK), ("victims", WEAK), ("cyberattack", STRONG),
    ("ransomware", STRONG), ("hackers", WEAK), ("data breach", STRONG),
    ("trade union", STRONG), ("union", WEAK), ("walkout", STRONG), ("wages", WEAK),
    ("health alert", STRONG), ("health officials", STRONG), ("infections", WEAK),
    ("heatwave", STRONG), ("drought", STRONG), ("storm", WEAK), ("blizzard", WEAK),
    ("city council", STRONG), ("council", WEAK), ("mayor", STRONG), ("governor", STRONG),
    ("doping", STRONG), ("federation", WEAK), ("bribes", STRONG), ("fraud", WEAK),
    ("yields", WEAK), ("bonds", WEAK), ("devalued", STRONG), ("exchange rate", STRONG),
    ("rate cut", STRONG), ("rate hike", STRONG),
    # the news itself
    ("breaking", WEAK), ("breaking news", WEAK), ("press conference", STRONG),
    ("reportedly", STRONG), ("according to officials", STRONG), ("announced", WEAK),
    ("statement", WEAK),
    # an everyday, first-person voice: news is rarely written so (see SCREENING_MAX_DISCOUNT)
    ("my", -WEAK), ("i", -WEAK), ("me", -WEAK),
]  # fmt: skip

CHINESE_TERMS: list[tuple[str, float]] = [
    # 政治与政府
    ("政府", STRONG), ("国务院", STRONG), ("人大", STRONG), ("政协", STRONG),
    ("外交部", STRONG), ("发言人", STRONG), ("总统", WEAK), ("总理", STRONG),
    ("部长", WEAK), ("官员", STRONG), ("选举", WEAK), ("投票", WEAK), ("议会", STRONG),
    ("国会", STRONG), ("政党", STRONG), ("反对党", STRONG), ("执政党", STRONG),
    ("领导人", STRONG), ("政变", STRONG), ("弹劾", STRONG), ("辞职", WEAK),
    ("大使馆", STRONG), ("使馆", STRONG), ("撤侨", STRONG), ("局势", STRONG), ("外交", WEAK),
    ("峰会", STRONG), ("制裁", WEAK), ("关税", STRONG), ("条约", STRONG), ("谈判", WEAK),
    ("主席", WEAK), ("书记", WEAK), ("纪委", STRONG), ("双规", STRONG), ("贪腐", STRONG),
    ("腐败", STRONG), ("受贿", STRONG), ("审查", WEAK), ("通报", WEAK), ("新华社", STRONG),
    ("央视", STRONG), ("记者会", STRONG), ("新闻发布会", STRONG), ("突发", WEAK),
    ("据报道", STRONG), ("官方", WEAK), ("当局", STRONG), ("宣布", WEAK), ("统计局", STRONG),
    ("总局", STRONG), ("应急管理部", STRONG), ("部门", WEAK), ("北约", STRONG), ("联合国", STRONG),
    ("和谈", STRONG),
    # 军事与冲突
    ("军队", STRONG), ("解放军", STRONG), ("军方", STRONG), ("演习", STRONG), ("军演", STRONG),
    ("海军", STRONG), ("舰艇", STRONG), ("士兵", STRONG), ("部署", WEAK), ("导弹", STRONG),
    ("台海", STRONG), ("战争", WEAK), ("冲突", WEAK), ("交战", STRONG), ("停火", STRONG),
    ("袭击", WEAK), ("恐怖", WEAK), ("恐袭", STRONG), ("爆炸", WEAK), ("枪击", STRONG),
    ("人质", STRONG), ("难民", STRONG), ("战俘", STRONG), ("空袭", STRONG), ("边境", WEAK),
    # 社会与治安
    ("警方", STRONG), ("警察", WEAK), ("逮捕", WEAK), ("拘留", STRONG), ("刑拘", STRONG),
    ("判决", STRONG), ("法院", STRONG), ("起诉", STRONG), ("宣判", STRONG),
    ("有期徒刑", STRONG), ("抗议", WEAK), ("示威", WEAK), ("游行", WEAK), ("罢工", WEAK),
    ("欠薪", STRONG), ("暴乱", STRONG), ("骚乱", STRONG), ("戒严", STRONG), ("维权", STRONG),
    ("死亡", WEAK), ("遇难", STRONG), ("伤亡", STRONG), ("失踪", WEAK), ("事故", WEAK),
    ("被困", WEAK), ("矿工", STRONG), ("调查", WEAK),
    # 灾害与卫生
    ("地震", WEAK), ("级地震", STRONG), ("震级", STRONG), ("震中", STRONG), ("洪水", WEAK),
    ("洪灾", STRONG), ("台风", WEAK), ("暴雨", WEAK), ("山火", STRONG), ("泥石流", STRONG),
    ("疫情", STRONG), ("确诊", STRONG), ("病例", STRONG), ("封控", STRONG), ("防控", STRONG),
    ("疫苗", WEAK), ("禽流感", STRONG), ("紧急", WEAK), ("撤离", STRONG), ("救援", WEAK),
    # 经济与市场
    ("股市", STRONG), ("a股", STRONG), ("沪指", STRONG), ("恒指", STRONG), ("指数", WEAK),
    ("央行", STRONG), ("利率", STRONG), ("通胀", STRONG), ("同比", STRONG), ("汇率", STRONG),
    ("经济", WEAK), ("贸易战", STRONG), ("降息", STRONG), ("加息", STRONG),
    ("失业率", STRONG), ("债务", WEAK), ("债券", STRONG), ("违约", WEAK), ("大跌", WEAK),
    ("房企", WEAK), ("公告", WEAK),
    # 监管、司法、事故、基建、网络
    ("监管", STRONG), ("证监会", STRONG), ("银保监", STRONG), ("召回", WEAK), ("罚款", WEAK),
    ("处罚", WEAK), ("立案", STRONG), ("审理", STRONG), ("一审", STRONG), ("二审", STRONG),
    ("检察院", STRONG), ("航班", WEAK), ("客机", STRONG), ("迫降", STRONG), ("坠毁", STRONG),
    ("民航局", STRONG), ("煤矿", STRONG), ("矿难", STRONG), ("坍塌", STRONG), ("桥梁", WEAK),
    ("垮塌", STRONG), ("受伤", WEAK), ("遇险", STRONG), ("网络攻击", STRONG), ("黑客", WEAK),
    ("数据泄露", STRONG), ("工会", STRONG), ("讨薪", STRONG), ("卫健委", STRONG),
    ("卫生部门", STRONG), ("预警", WEAK), ("高温", WEAK), ("干旱", STRONG), ("寒潮", WEAK),
    ("市政府", STRONG), ("市长", STRONG), ("省长", STRONG), ("预算", WEAK), ("财政", STRONG),
    ("兴奋剂", STRONG), ("足协", STRONG), ("贿赂", STRONG), ("诈骗", WEAK), ("国债", STRONG),
    ("人民币", WEAK), ("贬值", STRONG), ("lpr", STRONG), ("发布", WEAK), ("通知", WEAK),
    # 日常的第一人称口吻
    ("我家", -WEAK), ("我妈", -WEAK), ("我爸", -WEAK), ("我的", -WEAK), ("宝贝", -WEAK),
    ("闺蜜", -WEAK), ("朋友圈", -WEAK), ("求推荐", -WEAK),
]  # fmt: skip

NEWS_SOURCES: list[tuple[str, float]] = [
    ("reuters.com", STRONG), ("apnews.com", STRONG), ("bbc.co.uk", STRONG), ("bbc.com", STRONG),
    ("nytimes.com", STRONG), ("theguardian.com", STRONG), ("aljazeera.com", STRONG),
    ("bloomberg.com", STRONG), ("ft.com", STRONG), ("wsj.com", STRONG), ("cnn.com", STRONG),
    ("xinhuanet.com", STRONG), ("news.cn", STRONG), ("people.com.cn", STRONG),
    ("chinadaily.com.cn", STRONG), ("cctv.com", STRONG), ("thepaper.cn", STRONG),
    ("caixin.com", STRONG), ("scmp.com", STRONG), ("zaobao.com", STRONG), ("rfi.fr", STRONG),
    ("dw.com", STRONG),
]  # fmt: skip


def ensure_screening_data(apps) -> None:
    """Write the seed terms and sources that are not there yet (idempotent)."""
    WatchedTerm = apps.get_model("approvals", "WatchedTerm")
    NewsSource = apps.get_model("approvals", "NewsSource")
    for language, terms in (("en", ENGLISH_TERMS), ("zh", CHINESE_TERMS)):
        for term, weight in terms:
            WatchedTerm.objects.get_or_create(
                term=term, language=language, defaults={"weight": weight}
            )
    for domain, weight in NEWS_SOURCES:
        NewsSource.objects.get_or_create(domain=domain, defaults={"weight": weight})
