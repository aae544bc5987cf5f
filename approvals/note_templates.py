"""The note templates a new installation starts with (written by migration 0018): a few
ready-made notes for reviewers, in English and Simplified Chinese. Operators edit, add and
retire them in the admin (Note templates)."""

# Reason code (None: any reason, and requests for changes), title, body; each in both languages.
NOTE_TEMPLATES = [
    (
        "rumour",
        ("Unnamed source", "消息来源不明"),
        (
            "The post states as fact something only an unnamed source says. Name the source "
            "(a person, an organisation or a published report), or say clearly that it is "
            "unconfirmed.",
            "稿件把仅由匿名来源提供的说法当作事实陈述。请注明来源（个人、机构或已发表的报道），"
            "或明确说明该说法尚未证实。",
        ),
    ),
    (
        "rumour",
        ("Claim contradicted by official sources", "说法与官方信息不符"),
        (
            "The main claim is contradicted by official sources published since. Check it "
            "against them before you post it again.",
            "稿件的主要说法与此后发布的官方信息不符。请核实后再发布。",
        ),
    ),
    (
        "unapproved_source",
        ("Source not on the approved list", "来源不在认可名单内"),
        (
            "The news in this post comes from a source that is not approved for news. Cite an "
            "approved source, or file the post as something other than news.",
            "本稿件的新闻来自未经认可的新闻来源。请引用认可的来源，或不要将稿件归类为新闻。",
        ),
    ),
    (
        "copyright",
        ("Copied text without permission", "未经许可转载"),
        (
            "Large parts of the post are copied from another publication. Quote briefly with "
            "a link, or show that you may reproduce it.",
            "稿件大段转载了其他出版物的内容。请简短引用并附上链接，或证明您有权转载。",
        ),
    ),
    (
        None,
        ("Add date and place", "补充时间和地点"),
        (
            "Please say when and where this happened, so readers can place the events.",
            "请说明事件发生的时间和地点，以便读者了解背景。",
        ),
    ),
    (
        None,
        ("Headline does not match the text", "标题与正文不符"),
        (
            "The headline says more than the text supports. Make the headline match what the "
            "post actually reports.",
            "标题的说法超出了正文所能支持的内容。请修改标题，使其与正文报道的内容一致。",
        ),
    ),
]


def ensure_note_templates(apps) -> None:
    """Write the templates once: none is added again, or changed, once an operator has any."""
    NoteTemplate = apps.get_model("approvals", "NoteTemplate")
    ReasonCode = apps.get_model("approvals", "ReasonCode")
    if NoteTemplate.objects.exists():
        return
    reasons = {r.code: r for r in ReasonCode.objects.all()}
    for code, (title, title_zh), (body, body_zh) in NOTE_TEMPLATES:
        if code is not None and code not in reasons:
            continue
        NoteTemplate.objects.create(
            reason_code=reasons.get(code),
            title=title,
            title_zh_hans=title_zh,
            body=body,
            body_zh_hans=body_zh,
        )
