"""``python -m segkit.soak``: see the package docstring."""

from segkit.soak.run import main

raise SystemExit(main())
