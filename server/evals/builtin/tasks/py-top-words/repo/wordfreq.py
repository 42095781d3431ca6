"""Word frequencies for the weekly digest's word cloud."""


def top_words(text, n):
    """The n most frequent words of `text` as (word, count), most frequent first."""
    counts = {}
    for word in text.split(" "):
        if word:
            counts[word] = counts.get(word, 0) + 1
    ranked = sorted(counts.items(), key=lambda item: -item[1])
    return ranked[:n]
