"""How values read: amounts, units, dates in the market's calendar, "—" for what does not apply, headings
people read, both languages complete; and the CLI's HTML reports in that presentation."""

from __future__ import annotations

import math
import re
import string
from pathlib import Path

import pandas as pd

from pledgenet.web.columns import table
from pledgenet.web.format import NOT_APPLICABLE, cell, exposure, percent, timestamp, trade_date, yuan
from pledgenet.web.i18n import MESSAGES


def test_amounts_read_in_yuan_with_separators_and_readable_units() -> None:
    assert yuan(236_800_000_000) == "¥2,368,000,000.00"
    assert exposure(236_800_000_000, "zh-CN") == "23.68 亿元"
    assert exposure(236_800_000_000, "en") == "CNY 2.37 bn"
    assert exposure(700_000_000_000_000, "en") == "CNY 7.00 tn"
    assert exposure(123_456, "zh-CN") == "1,235 元"
    assert percent(0.15344) == "15.3%"


def test_what_does_not_apply_reads_as_a_dash_never_nan() -> None:
    for value in (None, math.nan, math.inf):
        for kind in ("yuan", "exposure", "pct", "int", "price", "date", "time", "text"):
            assert cell(value, kind, "en") == NOT_APPLICABLE


def test_dates_and_times_are_in_the_markets_calendar() -> None:
    # 2024-12-06 07:00 UTC is 15:00 in Shanghai, a Friday
    assert timestamp(1_733_468_400_000) == "2024-12-06 15:00:00"
    assert trade_date("2024-12-06", "zh-CN") == "2024-12-06 周五"
    assert trade_date("2024-12-06", "en") == "2024-12-06 Fri"


def test_tables_use_headings_people_read_and_keep_the_sealed_marker() -> None:
    rows = pd.DataFrame(
        {
            "owed_fen": [236_800_000_000.0],
            "distance_to_firm_cap": [math.nan],
            "terms": ["sealed (not entitled)"],
        }
    )
    english = table(rows, ["owed_fen", "distance_to_firm_cap"], "en")
    chinese = table(rows, ["owed_fen", "distance_to_firm_cap"], "zh-CN")
    assert english.headings == ["Amount owed", "Room to the 30% firm cap"]
    assert chinese.headings == ["待偿金额", "距单家券商 30% 上限"]
    assert english.rows == [["¥2,368,000,000.00", "—"]]
    assert table(rows, ["terms"], "en").rows == [["sealed (not entitled)"]]
    assert table(rows, ["terms"], "zh-CN").rows == [["已密封（无权查看）"]]


def test_every_text_exists_in_both_languages_with_the_same_fields() -> None:
    fields = string.Formatter()
    for key, (english, chinese) in MESSAGES.items():
        assert english and chinese, key
        named = [{name for _, name, _, _ in fields.parse(text) if name} for text in (english, chinese)]
        assert named[0] == named[1], key


def test_the_risk_report_reads_like_the_dashboard(tmp_path: Path) -> None:
    # Prepare: a small simulated market and book
    from pledgenet.risk.stress import run_stress, standard_scenarios
    from pledgenet.risk.valuation import value_book
    from pledgenet.sim.synthetic_book import BookShape, generate
    from pledgenet.web.reports import write_risk_report, write_weekly_report

    market, book = generate(seed=7, contracts=3_000)
    day = BookShape().as_of_day
    valuation = value_book(book, market.price_fen, day)
    stress = run_stress(book, market, standard_scenarios(market), day)

    # Execute
    pages = [
        write_risk_report(book, market, valuation, tmp_path / lang, "2024-12-06", stress, lang)["html"]
        for lang in ("en", "zh-CN")
    ] + [write_weekly_report(book, market, tmp_path, "2024-12-06", "zh-CN")["html"]]

    # Assert: no raw field names, no fen in scientific notation, no NaN, no "CNY 0.007 tn"
    for path in pages:
        text = re.sub(r"<script>.*?</script>", "", path.read_text(), flags=re.S)
        text = re.sub(r"<div class=\"chart\">.*?</div>", "", text, flags=re.S)
        assert "_fen" not in text and "NaN" not in text
        assert not re.search(r"CNY 0\.\d+ (tn|bn)", text)  # a unit too large for the figure
        assert not re.search(r"\d\.\d+e\+\d+", text)
    english = pages[0].read_text()
    assert "Largest exposures" in english and "Amount owed" in english and "¥" in english
    assert "最大敞口" in pages[1].read_text()
