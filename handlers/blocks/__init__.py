"""Pure Block Kit builders: data in (core types), Slack payloads out. No Slack calls, no database."""
