"""The domain: the pure rules and types of licensebot (no Slack, no database, no clock).

Plain functions over frozen dataclasses; every function that reasons about time takes `now`.
Imports only the standard library and pendulum (an import-linter contract checks it).
"""
