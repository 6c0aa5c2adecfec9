"""`python -m bot.cli`: the same as `licensebot`."""

import sys

from bot.cli.main import main

sys.exit(main())
