"""Start LeadDesk (the same as running the `leaddesk` command)."""

from leaddesk.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
