"""The 2018 rules as governed parameters, with their genesis values.

The rules for stock-pledged repo and registration came into force on 2018-03-12; the 2019 notice let
defaulted contracts extend past three years. Every figure is a parameter (changeable only by a governance
vote), read inside a handler with ``ctx.param(name)``. Ratios are basis points (1% = 100 bp), money is
integer fen (CNY 1 = 100 fen), terms are days: no floats anywhere.
"""

from __future__ import annotations

from typing import Any

MAX_PLEDGE_RATE_BP = "register.max_pledge_rate_bp"
MAX_STOCK_PLEDGE_BP = "register.max_stock_pledge_bp"
MAX_BROKER_PLEDGEE_BP = "register.max_broker_pledgee_bp"
MAX_PRODUCT_PLEDGEE_BP = "register.max_product_pledgee_bp"
MIN_INITIAL_AMOUNT_FEN = "register.min_initial_amount_fen"
MIN_LATER_AMOUNT_FEN = "register.min_later_amount_fen"
MAX_TERM_DAYS = "register.max_term_days"
DEFAULT_REPAY_EXEMPT = "register.default_repay_exempt"
FORBIDDEN_USES = "register.forbidden_uses_of_funds"
FINANCIAL_BORROWER_ALLOWED = "register.financial_borrower_allowed"
DISCLOSURE_THRESHOLDS_BP = "register.disclosure_thresholds_bp"
DISPOSAL_WINDOW_DAYS = "register.disposal_window_days"
DISPOSAL_AUCTION_BP = "register.disposal_auction_bp"
DISPOSAL_BLOCK_BP = "register.disposal_block_bp"

DEFAULT_PARAMS: dict[str, Any] = {
    # pledge rate = loan / market value of the pledged shares at the start
    MAX_PLEDGE_RATE_BP: 6000,
    # all pledges of one stock, market-wide, against its total share capital
    MAX_STOCK_PLEDGE_BP: 5000,
    # one securities firm as pledgee, and one asset-management product, against a stock's total shares
    MAX_BROKER_PLEDGEE_BP: 3000,
    MAX_PRODUCT_PLEDGEE_BP: 1500,
    # CNY 5,000,000 for the first transaction, CNY 500,000 for each later one
    MIN_INITIAL_AMOUNT_FEN: 500_000_000,
    MIN_LATER_AMOUNT_FEN: 50_000_000,
    MAX_TERM_DAYS: 3 * 365,
    # repos that only repay a defaulted contract are exempt from the caps and the pledge rate
    DEFAULT_REPAY_EXEMPT: True,
    # funds may not subscribe IPOs, buy private placements or trade on the secondary market
    FORBIDDEN_USES: ["02", "03", "04"],
    # a financial institution (or its product) may not be the borrower
    FINANCIAL_BORROWER_ALLOWED: False,
    # a controlling shareholder's pledged share of its own holding: disclosure duties
    DISCLOSURE_THRESHOLDS_BP: [5000, 8000],
    # shareholder-reduction rules limit forced sales: 1% per 90 days by auction, 2% by block trade
    DISPOSAL_WINDOW_DAYS: 90,
    DISPOSAL_AUCTION_BP: 100,
    DISPOSAL_BLOCK_BP: 200,
}
