"""Pure domain logic: no database, no files, no web.  Everything here is a function of its inputs."""
