"""Pure domain logic: no database, no files, no web; every result is a function of its inputs."""
