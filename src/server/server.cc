// Server wiring.
