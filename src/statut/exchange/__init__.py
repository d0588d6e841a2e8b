"""Data in and out: the fund exchange format, fund batches, external feeds and outgoing events."""
