"""Small descriptive statistics for report figures."""


def mean(values):
    """The arithmetic mean of a non-empty list."""
    if not values:
        raise ValueError("mean of empty data")
    return sum(values) / len(values)


def median(values):
    """The middle value of the data (the mean of the two middle values for an even count)."""
    return values[len(values) // 2]
