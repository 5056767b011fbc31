"""Running the two sides of a turn: plans, the one failure guard, media results, the web-process
stream, the worker relay and the worker entry point. Modality modules supply the runners."""
