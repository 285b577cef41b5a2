"""The ground of every stage: settings, periods, paths, problems, caches, output."""
