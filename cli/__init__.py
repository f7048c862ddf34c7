"""The ``retombees`` command line: thin wrappers over the functions the scheduler also uses."""
