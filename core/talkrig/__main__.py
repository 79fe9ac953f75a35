"""``python -m talkrig`` runs the CLI."""

from talkrig.cli.main import main

raise SystemExit(main())
