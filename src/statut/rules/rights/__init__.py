"""Rights detection: each right answers eligible, not eligible or missing data, with its reasons."""
