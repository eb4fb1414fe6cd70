"""`python -m lading` runs the CLI (used to start detached background workers)."""

from lading.cli.main import main

if __name__ == "__main__":
    main()
