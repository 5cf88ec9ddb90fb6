import sys

from zsvad.cli.main import main

sys.exit(main())
