"""OAI-PMH 2.0: published practices and resolutions for harvesters (library catalogues, regional portals)."""
