"""The advisor: a catalogue of AWS ML services, SageMaker features and built-in algorithms, a
recommender that picks among them for a problem, and a planner that implements the pick."""
