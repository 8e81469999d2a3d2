"""The contact card (连心牌) of a household: its facts read from the archive, rendered as PDF."""
