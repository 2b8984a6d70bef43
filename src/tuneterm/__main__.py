import sys

from tuneterm.cli import main

sys.exit(main())
