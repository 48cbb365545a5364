import sys

from arcollect_tui.cli import main

sys.exit(main())
