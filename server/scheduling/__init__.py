"""Plant scheduling on the server: the CP-SAT solver behind ``core.scheduling``'s model."""
