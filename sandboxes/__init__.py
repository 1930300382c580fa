"""Sandboxes of the external providers, served by the project over HTTP."""
