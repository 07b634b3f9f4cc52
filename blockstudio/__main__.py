from blockstudio.cli import main

raise SystemExit(main())
