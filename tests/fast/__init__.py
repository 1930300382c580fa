"""The fast lane's workflow tests: each workflow's logic on the time-skipping test server, its
activities replaced by mocks registered under the real activity names (no database, no HTTP).
"""
