import sys

from tuneterm.cli.main import main

sys.exit(main())
