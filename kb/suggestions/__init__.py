"""Metadata suggestions: the region, municipality, levels and topics a practice's text names."""
