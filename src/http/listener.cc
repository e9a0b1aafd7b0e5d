// HTTP listener.
