"""`python -m bot.i18n`: compile every catalog to its .mo (`make install` runs it; bot/i18n/catalogs.py)."""

import sys

from bot.i18n.catalogs import main

sys.exit(main())
