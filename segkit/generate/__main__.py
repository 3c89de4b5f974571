"""``python -m segkit.generate``: see segkit/generate/cli.py."""

from segkit.generate.cli import main

raise SystemExit(main())
