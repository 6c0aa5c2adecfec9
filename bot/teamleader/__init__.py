"""Directory sync from Teamleader Focus: OAuth2 connection, token rotation, users.list sync.

settings.py (environment), client.py (HTTP), oauth.py (connect), tokens.py (refresh rotation),
plan.py (the pure matching), sync.py (the sync use case and what the worker calls), cli.py.
"""
