"""`python -m tuneterm`: the same command line as the `tuneterm` script."""

import sys

from tuneterm.cli.main import main

sys.exit(main())
