"""Collections (подборки): reading lists of practices, resolutions and recommendations with notes."""
