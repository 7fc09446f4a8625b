"""The pages' words in Simplified Chinese (the default) and English.

``MESSAGES`` maps a key to its English and Chinese text; ``translate`` picks one. Column headings live in
``columns.py`` in the same two languages. A key missing here is a bug a test catches (every key has both).
"""

from __future__ import annotations

LANGUAGES = ("zh-CN", "en")
DEFAULT_LANGUAGE = "zh-CN"

#: key -> (English, 简体中文)
MESSAGES: dict[str, tuple[str, str]] = {
    "app.title": ("pledgenet member node", "pledgenet 成员节点"),
    "lang.switch": ("中文", "English"),
    "lang.label": ("Language", "语言"),
    "nav.label": ("Main", "主导航"),
    "signin": ("Sign in", "登录"),
    "signin.title": ("Sign in as a member", "以成员身份登录"),
    "signin.org": ("Member organisation", "成员机构"),
    "signin.credential": (
        "Member credential (the org's signing.key file)",
        "成员凭证（机构的 signing.key 文件）",
    ),
    "signin.help": (
        "This node serves one member. Sign in with that member's signing key: the node checks it against "
        "the member's certificate on the chain.",
        "本节点只服务一个成员。请用该成员的签名私钥登录：节点会与链上该成员的证书核对。",
    ),
    "signout": ("Sign out", "退出"),
    "signed_in_as": ("Signed in as", "当前身份"),
    "roles": ("Roles", "角色"),
    "error": ("Error", "错误"),
    "refused": ("Refused", "已拒绝"),
    "forbidden.title": ("Not for this member", "本成员无权访问"),
    "done": ("Done", "已完成"),
    "working": ("Working…", "处理中…"),
    "submit": ("Submit", "提交"),
    "show": ("Show", "显示"),
    "yes": ("yes", "是"),
    "no": ("no", "否"),
    "none": ("None", "无"),
    "download_csv": ("Download CSV", "下载 CSV"),
    "rows_of": ("{shown} of {total} rows", "共 {total} 行，显示 {shown} 行"),
    "not_applicable": ("not applicable", "不适用"),
    "as_of": ("As of the closes of", "收盘价日期"),
    # navigation
    "page.registrar_queue": ("Registrations to review", "待审核登记"),
    "page.registrar_book": ("Securities and accounts", "证券与账户"),
    "page.weekly": ("Weekly statistics", "每周统计"),
    "page.events": ("Disclosure events", "披露事件"),
    "page.governance": ("Governance", "联盟治理"),
    "page.contracts": ("My contracts", "我的合约"),
    "page.new_pledge": ("New pledge", "新质押登记"),
    "page.alerts": ("Alerts", "预警"),
    "page.contract": ("Contract", "合约"),
    "page.views": ("Penetrating views", "穿透式视图"),
    "page.concentration": ("Concentration", "集中度"),
    "page.stress": ("Stress and cascade", "压力测试与连锁抛售"),
    "page.report": ("Risk report", "风险报告"),
    "page.freezes": ("Freezes", "冻结"),
    "page.freeze_queue": ("Freeze queue", "轮候冻结"),
    "page.prices": ("Price feed", "行情发布"),
    "page.corporate_actions": ("Corporate actions", "公司行为"),
    "page.explorer": ("Chain explorer", "区块浏览器"),
    "page.block": ("Block", "区块"),
    "page.tx": ("Transaction", "交易"),
    "page.me": ("My member record", "本机构成员记录"),
    # sections and actions
    "section.pending": ("Waiting for the registrar's verdict", "等待登记机构审核"),
    "section.pending_empty": ("Nothing waits for a verdict.", "没有待审核的登记。"),
    "section.terms": ("Sealed terms", "密封条款"),
    "section.history": ("History on the chain", "链上历史"),
    "section.actions": ("Actions", "操作"),
    "section.securities": ("Securities", "证券"),
    "section.accounts": ("Accounts", "账户"),
    "section.holdings": ("Holdings", "持仓"),
    "section.summary": ("Summary", "概要"),
    "section.per_stock": ("Per stock", "按股票"),
    "section.buckets": ("Companies by pledge-ratio bucket", "按质押比例分档的公司数"),
    "section.members": ("Members", "成员"),
    "section.params": ("Parameters", "参数"),
    "section.proposals": ("Open proposals", "待表决提案"),
    "section.largest": ("Largest exposures", "最大敞口"),
    "section.hhi": ("Concentration (HHI, 0-10,000)", "集中度（HHI，0-10,000）"),
    "section.flags": ("Flags", "监管提示"),
    "section.stress_results": ("Stress results", "压力测试结果"),
    "section.cascade": ("Fire-sale cascade, day by day", "连锁抛售逐日结果"),
    "section.closes": ("Closes signed by the exchange", "交易所签名的收盘价"),
    "section.blocks": ("Blocks", "区块"),
    "section.txs": ("Transactions", "交易"),
    "section.effective": ("Effective freezes", "生效冻结"),
    "section.queued": ("Queued freezes", "轮候冻结"),
    "section.by_status": ("Contracts by status", "按状态的合约数"),
    "section.ratio_distribution": ("Contracts by guarantee ratio", "按履约保障比例的合约数"),
    "action.endorse": ("Endorse and register", "审核通过并登记"),
    "action.refuse": ("Refuse", "拒绝"),
    "action.vote_yes": ("Approve", "赞成"),
    "action.vote_no": ("Reject", "反对"),
    "action.pledge": ("Propose the pledge", "提交质押登记"),
    "action.topup": ("Top-up pledge", "补充质押"),
    "action.release": ("Release", "解除质押"),
    "action.extend": ("Extension", "延期"),
    "action.default": ("Declare default", "宣布违约"),
    "action.dispose": ("Disposal", "违约处置"),
    "action.freeze": ("Freeze", "冻结"),
    "action.unfreeze": ("Lift", "解冻"),
    "action.run_stress": ("Run the stress test", "运行压力测试"),
    "action.check_proof": ("Check the inclusion proof here", "在本页验证包含证明"),
    "proof.ok": (
        "Proof checks: the transaction is in block {height}",
        "证明有效：该交易在第 {height} 号区块中",
    ),
    "proof.bad": ("Proof does NOT check", "证明无效"),
    "sealed": ("sealed (not entitled)", "已密封（无权查看）"),
    "value.sealed (not entitled)": ("sealed (not entitled)", "已密封（无权查看）"),
    "readable_by": ("readable by", "可读机构"),
    "queued.help": (
        "Sent to the registrar for its verdict; it appears in the register once endorsed.",
        "已提交登记机构审核，审核通过后进入登记簿。",
    ),
    "field.contract_no": ("Contract number", "合约编号"),
    "field.account": ("Pledgor's securities account", "出质人证券账户"),
    "field.code": ("Stock code", "证券代码"),
    "field.quantity": ("Shares", "质押股数"),
    "field.amount_yuan": ("Financing amount (yuan)", "融资金额（元）"),
    "field.price_yuan": ("Previous close (yuan)", "前收盘价（元）"),
    "field.rate_pct": ("Annual rate (%)", "年利率（%）"),
    "field.term_days": ("Term (days)", "期限（天）"),
    "field.warning_pct": ("Warning line (%)", "预警线（%）"),
    "field.closing_pct": ("Closing line (%)", "平仓线（%）"),
    "field.registration_no": ("Registration", "登记编号"),
    "field.reason": ("Reason", "原因"),
    "field.case_no": ("Case number", "案号"),
    "field.queued": ("Queued freeze (waits for free shares)", "轮候冻结（等待可冻结股份）"),
    "field.shock_pct": ("Uniform price fall (%)", "统一价格跌幅（%）"),
    "field.days": ("Cascade days", "连锁抛售天数"),
    "field.view_by": ("View by", "视图维度"),
    "field.freeze_id": ("Freeze", "冻结编号"),
    "field.to_account": ("To account", "转入账户"),
    "view.stock": ("stock", "股票"),
    "view.shareholder": ("shareholder (look-through)", "股东（穿透）"),
    "view.controller": ("ultimate controller", "实际控制人"),
    "view.pledgee": ("pledgee", "质权人"),
    "view.industry": ("industry", "行业"),
    "view.board": ("board", "板块"),
    "value.normal": ("normal", "正常"),
    "value.warning": ("warning", "预警"),
    "value.triggered": ("closing line hit", "触及平仓线"),
    "value.active": ("active", "有效"),
    "value.released": ("released", "已解除"),
    "value.open": ("open", "进行中"),
    "value.settled": ("settled", "已结清"),
    "value.in_default": ("in default", "违约中"),
    "value.main": ("main board", "主板"),
    "value.chinext": ("ChiNext", "创业板"),
    "value.star": ("STAR", "科创板"),
    "value.effective": ("effective", "生效"),
    "value.queued": ("queued", "轮候"),
    "value.approved": ("approved", "已通过"),
    "value.rejected": ("rejected", "已否决"),
    "value.pending": ("pending", "待表决"),
    "weekday.0": ("Mon", "周一"),
    "weekday.1": ("Tue", "周二"),
    "weekday.2": ("Wed", "周三"),
    "weekday.3": ("Thu", "周四"),
    "weekday.4": ("Fri", "周五"),
    "weekday.5": ("Sat", "周六"),
    "weekday.6": ("Sun", "周日"),
}


def language(value: str | None) -> str:
    """A supported language for ``value`` (a cookie or query value), the default otherwise."""
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def translate(key: str, lang: str = DEFAULT_LANGUAGE, default: str | None = None, **values: object) -> str:
    """The text of ``key`` in ``lang`` with ``{name}`` fields filled from ``values``."""
    pair = MESSAGES.get(key)
    if pair is None:
        if default is not None:
            return default
        raise KeyError(f"no text for {key!r}")
    text = pair[1] if lang == "zh-CN" else pair[0]
    return text.format(**values) if values else text
