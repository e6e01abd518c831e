"""``python -m migrate``: the same checks and commands as the ``walmart-migrate`` script."""

from walmart_migrate_entry import main

if __name__ == "__main__":
    main()
