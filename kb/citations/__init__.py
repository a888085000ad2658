"""Citing materials of the bank: ГОСТ Р 7.0.100–2018 references, RIS and BibTeX."""
