"""Column headings people read, and how each column's values are shown.

``COLUMNS`` maps a field of the views (``owed_fen``, ``distance_to_firm_cap``, ...) to its heading in English
and Chinese and to its kind (a key of ``format.FORMATTERS``). ``table`` turns rows (a DataFrame or a list of
dicts) into headings and formatted cells for a template, or for a report. A field without an entry is
shown under its own name, so an unknown column is visible rather than dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from pledgenet.web.format import cell
from pledgenet.web.i18n import DEFAULT_LANGUAGE

#: field -> (English heading, 中文表头, kind)
COLUMNS: dict[str, tuple[str, str, str]] = {
    "code": ("Stock", "证券代码", "text"),
    "stock_code": ("Stock", "证券代码", "text"),
    "name": ("Name", "简称", "text"),
    "short_name": ("Name", "简称", "text"),
    "board": ("Board", "板块", "text"),
    "industry": ("Industry", "行业", "text"),
    "pledges": ("Pledges", "质押笔数", "int"),
    "unrestricted_pledged": ("Unrestricted shares pledged", "无限售股质押数", "int"),
    "restricted_pledged": ("Restricted shares pledged", "限售股质押数", "int"),
    "total_shares": ("Total shares", "总股本", "int"),
    "restricted_shares": ("Restricted shares", "限售股", "int"),
    "pledge_ratio": ("Pledge ratio", "质押比例", "pct"),
    "distance_to_cap": ("Room to the 50% cap", "距 50% 上限", "pct"),
    "pledged_value_fen": ("Pledged market value", "质押市值", "exposure"),
    "pledgee_hhi": ("Pledgee HHI", "质权人集中度 HHI", "int"),
    "hhi_by_stock": ("HHI by stock", "按股票 HHI", "int"),
    "shareholder": ("Shareholder", "股东", "text"),
    "controller": ("Ultimate controller", "实际控制人", "text"),
    "controlling": ("Controlling", "控股股东", "bool"),
    "pledged_of_holding": ("Pledged of holding", "持股质押比例", "pct"),
    "contracts": ("Contracts", "合约数", "int"),
    "companies": ("Companies", "公司数", "int"),
    "owed_fen": ("Amount owed", "待偿金额", "yuan"),
    "exposure_fen": ("Exposure", "敞口", "exposure"),
    "collateral_fen": ("Collateral value", "担保品市值", "yuan"),
    "dividends_fen": ("Pledged dividends", "质押红利", "yuan"),
    "min_ratio": ("Lowest guarantee ratio", "最低履约保障比例", "pct"),
    "ratio": ("Guarantee ratio", "履约保障比例", "pct"),
    "guarantee_ratio": ("Guarantee ratio", "履约保障比例", "pct"),
    "ratio_before": ("Ratio before", "变动前比例", "pct"),
    "ratio_after": ("Ratio after", "变动后比例", "pct"),
    "worst_status": ("Worst status", "最差状态", "text"),
    "status": ("Status", "状态", "text"),
    "change": ("Change", "变动", "text"),
    "org": ("Pledgee", "质权人", "text"),
    "pledgee": ("Pledgee", "质权人", "text"),
    "pledgor": ("Pledgor", "出质人", "text"),
    "kind": ("Kind", "类别", "text"),
    "share_warning": ("Share in warning", "预警占比", "pct"),
    "share_triggered": ("Share at closing line", "触及平仓线占比", "pct"),
    "distance_to_firm_cap": ("Room to the 30% firm cap", "距单家券商 30% 上限", "pct"),
    "distance_to_product_cap": ("Room to the 15% product cap", "距单只产品 15% 上限", "pct"),
    "warning": ("In warning", "预警数", "int"),
    "triggered": ("At closing line", "触及平仓线数", "int"),
    "new": ("New", "新增", "int"),
    "in_disposal": ("In disposal", "处置中", "int"),
    "subject": ("Subject", "对象", "text"),
    "value": ("Value", "数值", "pct"),
    "threshold": ("Limit", "限额", "pct"),
    "scenario": ("Scenario", "情景", "text"),
    "exposure_triggered_fen": ("Exposure at closing line", "触及平仓线敞口", "exposure"),
    "shortfall_fen": ("Shortfall to closing lines", "距平仓线缺口", "exposure"),
    "uncovered_fen": ("Uncovered", "未覆盖损失", "exposure"),
    "sales_fen": ("Forced sales", "强制卖出", "exposure"),
    "realized_loss_fen": ("Realised loss", "已实现损失", "exposure"),
    "total_loss_fen": ("Total loss", "总损失", "exposure"),
    "worst_pledgee": ("Worst-hit pledgee", "受损最大质权人", "text"),
    "contract": ("Contract", "合约", "text"),
    "contract_id": ("Contract", "合约", "text"),
    "contract_no": ("Contract", "合约", "text"),
    "shares": ("Shares pledged", "质押股数", "int"),
    "quantity": ("Shares", "股数", "int"),
    "lines": ("Warning / closing line", "预警线 / 平仓线", "text"),
    "warning_line": ("Warning line", "预警线", "pct"),
    "closing_line": ("Closing line", "平仓线", "pct"),
    "to_warning": ("Distance to the warning line", "距预警线", "pct"),
    "to_closing": ("Distance to the closing line", "距平仓线", "pct"),
    "price_fen": ("Close", "收盘价", "price"),
    "close_fen": ("Close", "收盘价", "price"),
    "warning_price_fen": ("Close at the warning line", "预警线对应股价", "price"),
    "closing_price_fen": ("Close at the closing line", "平仓线对应股价", "price"),
    "days_below_closing": ("Days below the closing line", "低于平仓线天数", "int"),
    "recipients": ("Delivered to", "送达", "text"),
    "day": ("Day", "天", "int"),
    "forced_sold_of_shares": ("Sold of the float", "卖出占流通股", "pct"),
    "price_change": ("Price change", "价格变动", "pct"),
    "second_round_breaches": ("Second-round breaches", "二轮触线数", "int"),
    "collateral_destroyed_fen": ("Collateral destroyed", "担保品损失", "exposure"),
    "registration_no": ("Registration", "登记编号", "text"),
    "account": ("Account", "账户", "text"),
    "holder_name": ("Holder", "持有人", "text"),
    "holder_type": ("Holder type", "持有人类别", "text"),
    "custody_broker": ("Custody broker", "托管券商", "text"),
    "identity": ("Identity data", "身份信息", "text"),
    "total": ("Total", "合计", "int"),
    "free": ("Free", "可用", "int"),
    "pledged": ("Pledged", "已质押", "int"),
    "frozen": ("Frozen", "已冻结", "int"),
    "unrestricted": ("Unrestricted", "无限售", "int"),
    "restricted": ("Restricted", "限售", "int"),
    "amount_fen": ("Financing amount", "融资金额", "yuan"),
    "annual_rate_bp": ("Annual rate", "年利率", "bp"),
    "term_days": ("Term (days)", "期限（天）", "int"),
    "warning_line_bp": ("Warning line", "预警线", "bp"),
    "closing_line_bp": ("Closing line", "平仓线", "bp"),
    "start_price_fen": ("Start price", "初始价格", "price"),
    "business_type": ("Business type", "业务类型", "text"),
    "use_of_funds": ("Use of funds", "资金用途", "text"),
    "submitted_by": ("Submitted by", "提交机构", "text"),
    "submitted_at": ("Submitted at", "提交时间", "time"),
    "preflight": ("Submitter's own check", "提交方自检", "text"),
    "height": ("Height", "高度", "int"),
    "hash": ("Hash", "哈希", "text"),
    "producer": ("Producer", "出块节点", "text"),
    "timestamp": ("Time (Shanghai)", "时间（上海）", "time"),
    "tx_count": ("Transactions", "交易数", "int"),
    "tx_id": ("Transaction", "交易", "text"),
    "tx_type": ("Type", "类型", "text"),
    "type": ("Type", "类型", "text"),
    "submitter": ("Submitter", "提交方", "text"),
    "valid": ("Valid", "有效", "bool"),
    "reason": ("Validity code", "校验码", "text"),
    "message": ("Message", "说明", "text"),
    "event": ("Event", "事件", "text"),
    "payload": ("Details", "详情", "text"),
    "roles": ("Roles", "角色", "text"),
    "member": ("Member", "成员", "text"),
    "param": ("Parameter", "参数", "text"),
    "setting": ("Value", "取值", "text"),
    "proposal": ("Proposal", "提案", "text"),
    "action": ("Action", "事项", "text"),
    "approvals": ("Approvals", "赞成票", "int"),
    "required": ("Required", "所需票数", "int"),
    "proposer": ("Proposer", "提案方", "text"),
    "freeze_id": ("Freeze", "冻结编号", "text"),
    "court": ("Court", "法院", "text"),
    "case_no": ("Case number", "案号", "text"),
    "position": ("Position in queue", "轮候顺位", "int"),
    "state": ("State", "状态", "text"),
    "requested_at": ("Requested at", "申请时间", "time"),
    "trade_date": ("Trade date", "交易日", "date"),
    "published_at": ("Signed at", "签名时间", "time"),
    "late": ("Late", "迟发", "bool"),
    "missing": ("Missing closes", "缺失收盘价", "text"),
    "closes": ("Closes", "收盘价数", "int"),
    "ratio_bucket": ("Pledge-ratio bucket", "质押比例区间", "text"),
    "count": ("Count", "数量", "int"),
    "hhi": ("HHI", "HHI", "int"),
    "measure": ("Measure", "维度", "text"),
    "notice": ("Notice", "公告", "text"),
    "effective_date": ("Effective date", "生效日", "date"),
    "ratio_text": ("Ratio", "比例", "text"),
    "figure": ("Figure", "指标", "text"),
    "amount": ("Amount", "金额", "text"),
    "label": ("Item", "项目", "text"),
    "dataset": ("Dataset", "数据集", "text"),
    "title": ("Title", "标题", "text"),
    "version": ("Version", "版本", "int"),
    "level": ("Level", "分级", "int"),
    "rows": ("Rows", "行数", "int"),
    "content_hash": ("Content commitment", "内容承诺", "text"),
    "grant": ("Grant", "授权编号", "text"),
    "owner": ("Owner", "数据所有方", "text"),
    "grantee": ("Grantee", "被授权方", "text"),
    "purpose": ("Purpose", "用途", "text"),
    "operations": ("Operations", "允许操作", "text"),
    "expires_at": ("Expires at", "到期时间", "time"),
    "uses": ("Uses", "已用次数", "text"),
    "grant_approvals": ("Approvals", "审批", "text"),
    "grant_required": ("Approvals required", "所需审批", "text"),
    "use": ("Use", "序号", "int"),
    "user": ("User", "使用方", "text"),
    "operation": ("Operation", "操作", "text"),
    "outcome": ("Outcome", "结果", "text"),
    "refusal": ("Refusal reason", "拒绝原因", "text"),
    "alerts": ("Alerts", "告警", "text"),
    "at": ("Time (Shanghai)", "时间（上海）", "time"),
}


def heading(field: str, lang: str = DEFAULT_LANGUAGE) -> str:
    entry = COLUMNS.get(field)
    if entry is None:
        return field
    return entry[1] if lang == "zh-CN" else entry[0]


def kind_of(field: str) -> str:
    entry = COLUMNS.get(field)
    return "text" if entry is None else entry[2]


@dataclass(frozen=True)
class Table:
    """A table ready to show: headings, formatted cells, which columns are numeric (right-aligned)."""

    fields: list[str]
    headings: list[str]
    numeric: list[bool]
    rows: list[list[str]]
    total: int
    links: dict[str, str]
    raw: list[dict[str, Any]]


def _records(rows: pd.DataFrame | Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    if isinstance(rows, pd.DataFrame):
        return [dict(record) for record in rows.to_dict(orient="records")]
    return [dict(row) for row in rows]


def table(
    rows: pd.DataFrame | Iterable[Mapping[str, Any]],
    fields: Sequence[str] | None = None,
    lang: str = DEFAULT_LANGUAGE,
    *,
    top: int | None = None,
    links: Mapping[str, str] | None = None,
    kinds: Mapping[str, str] | None = None,
) -> Table:
    """Rows in the columns ``fields`` (all the first row's by default), formatted for ``lang``.

    ``links`` maps a field to a URL pattern (``/pledgee/contract/{contract_no}``) filled from the row;
    ``kinds`` overrides a column's kind for this table.
    """
    records = _records(rows)
    chosen = list(fields) if fields is not None else (list(records[0]) if records else [])
    shown = records if top is None else records[:top]
    kind = {field: (kinds or {}).get(field, kind_of(field)) for field in chosen}
    return Table(
        fields=chosen,
        headings=[heading(field, lang) for field in chosen],
        numeric=[kind[field] not in ("text", "bool", "date", "time") for field in chosen],
        rows=[[cell(record.get(field), kind[field], lang) for field in chosen] for record in shown],
        total=len(records),
        links=dict(links or {}),
        raw=shown,
    )


def status_change(rows: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """Alert rows with ``change`` reading ``normal → warning`` in ``lang``."""
    return [
        {
            **row,
            "change": f"{cell(row['from_status'], 'text', lang)} → {cell(row['to_status'], 'text', lang)}",
        }
        for row in rows
    ]
