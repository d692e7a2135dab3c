"""Running many replications: designs, executors, the results store and its manifest."""
