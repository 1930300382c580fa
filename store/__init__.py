"""The shared store: database models, sessions and tenancy, used by the API and the activities."""
