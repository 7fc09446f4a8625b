"""Line crossings and who is told about them."""

from __future__ import annotations

import numpy as np
from risk_fixtures import Tiny

from pledgenet.risk.alerts import detect_alerts, route_alerts
from pledgenet.risk.valuation import value_book


def test_a_fall_through_both_lines_alerts_pledgee_broker_registrar_and_regulator(tiny: Tiny) -> None:
    # Prepare: Alpha falls from CNY 10 to 6.50: c0 (200% -> 130%) crosses warning and closing lines
    before = value_book(tiny.book, tiny.market.price_fen, tiny.as_of)
    after = value_book(tiny.book, tiny.market.price_fen * np.array([0.65, 1.0, 1.0]), tiny.as_of + 1)
    # Execute
    alerts = detect_alerts(tiny.book, tiny.market, before, after, registrar="registrar", regulator="csrc")
    # Assert
    c0 = next(alert for alert in alerts if alert.contract_id == "c0")
    assert (c0.from_status, c0.to_status, c0.direction) == ("normal", "triggered", "down")
    assert c0.lines_crossed == ("warning", "closing")
    assert c0.recipients == ("broker01", "registrar", "csrc")
    assert c0.stock_code == "600001"


def test_an_off_exchange_pledge_has_no_broker_among_recipients(tiny: Tiny) -> None:
    # Prepare: c2 (trust01, registered directly) at 173% falls below its 130% closing line at CNY 7
    before = value_book(tiny.book, tiny.market.price_fen, tiny.as_of)
    after = value_book(tiny.book, tiny.market.price_fen * np.array([0.70, 1.0, 1.0]), tiny.as_of)
    # Execute
    alerts = detect_alerts(tiny.book, tiny.market, before, after, registrar="registrar", regulator="csrc")
    # Assert
    c2 = next(alert for alert in alerts if alert.contract_id == "c2")
    assert c2.recipients == ("trust01", "registrar", "csrc")


def test_nobody_else_receives_an_alert_and_recovery_is_reported(tiny: Tiny) -> None:
    # Prepare: Beta falls 45% (c1 to bank01 via broker01 triggers); then recovers
    low = value_book(tiny.book, tiny.market.price_fen * np.array([1.0, 0.55, 1.0]), tiny.as_of)
    high = value_book(tiny.book, tiny.market.price_fen, tiny.as_of)
    # Execute
    down = detect_alerts(tiny.book, tiny.market, high, low, registrar="registrar", regulator="csrc")
    up = detect_alerts(tiny.book, tiny.market, low, high, registrar="registrar", regulator="csrc")
    inbox = route_alerts(down + up)
    # Assert: trust01 has no contract on Beta and learns nothing about c1
    assert set(inbox) == {"bank01", "broker01", "registrar", "csrc"}
    assert "trust01" not in inbox
    assert [a.direction for a in inbox["bank01"]] == ["down", "up"]


def test_no_crossing_no_alert(tiny: Tiny) -> None:
    # Execute
    same = value_book(tiny.book, tiny.market.price_fen, tiny.as_of)
    slightly = value_book(tiny.book, tiny.market.price_fen * 0.99, tiny.as_of)
    # Assert
    assert detect_alerts(tiny.book, tiny.market, same, slightly, registrar="r", regulator="g") == []
