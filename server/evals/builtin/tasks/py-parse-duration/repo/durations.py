"""Durations written by people in config files ("1h30m") as seconds."""


def parse_duration(text: str) -> int:
    """Seconds in a duration such as '1h30m'."""
    raise NotImplementedError("parse_duration")
