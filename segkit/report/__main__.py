from segkit.report.page import main

raise SystemExit(main())
