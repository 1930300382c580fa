"""Deterministic workflow code: no I/O, no clock, no settings. Inputs carry what they need."""
