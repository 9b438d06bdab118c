"""The engines: each one does one job of the suite, as `core.run(inputs, services) -> Result`."""
