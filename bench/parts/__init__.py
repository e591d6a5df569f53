"""The parts of `python -m bench`, one module each, registered with `bench.harness.core.part`
and listed in the order they run by `bench.__main__.PART_MODULES`: step, scale, broadcast,
crashref."""
