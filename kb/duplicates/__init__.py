"""Near-duplicates: the same file or nearly the same text already in the bank, found before saving."""
