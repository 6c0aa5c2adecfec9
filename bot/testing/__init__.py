"""Stand-ins and simulators for the tests, the benchmarks and the demo; never used by the product.

- slack_standin.py: a local stand-in of the Slack Web API (records every call, fails on request);
- slack_sim.py: signed slash commands, clicks, submissions and App Home openings sent to the WSGI app;
- blocktext.py: Block Kit rendered as plain text (the demo, assertions on what people read).
"""
