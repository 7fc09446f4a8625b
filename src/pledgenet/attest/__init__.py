"""Trusted execution inside the alliance: evidence verification, the governed policy, key release."""
