"""Device adapters: interfaces, transports, drivers and simulators. Never imports Qt."""
