"""Pure business rules: no I/O, no clock, no settings; safe in workflow code and in the API."""
