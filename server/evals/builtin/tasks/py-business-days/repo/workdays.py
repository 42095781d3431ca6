"""Business-day arithmetic for due dates."""
from datetime import date, timedelta


def add_business_days(start: date, days: int) -> date:
    """The date `days` business days (Monday to Friday) after `start`."""
    current = start
    for _ in range(days):
        current += timedelta(days=1)
        if current.weekday() >= 5:
            current += timedelta(days=1)
    return current
