"""``python -m cli``: the same as the ``retombees`` command."""

from .main import main

main(prog_name="retombees")
